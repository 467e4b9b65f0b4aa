//! The one list of rules, and what a rule sees.
//!
//! A rule finds; the engine reports. A file rule gets a [`FileCtx`] (the parsed,
//! macro-expanded, test-stripped tree and the file's imports) and may leave
//! facts of its own for its crate pass, which gets a [`CrateCtx`].

use std::any::Any;
use std::path::Path;
use std::sync::OnceLock;

use crate::crate_index::CrateIndex;
use crate::diagnostic::Finding;
use crate::facts::ItemFacts;
use crate::imports::Imports;
use crate::meta::RuleMeta;
use crate::source::FileSpans;

pub mod closure_cycle;
pub mod leaked_listener;
pub mod rc_cycle;
pub mod unbounded_collection;
pub mod uncleaned_interval;

pub struct FileCtx<'a> {
    pub file: &'a syn::File,
    pub source: &'a str,
    pub path: &'a Path,
    pub module: &'a [String],
    pub imports: &'a Imports,
    pub spans: FileSpans<'a>,
    pub items: &'a ItemFacts,
    /// The file's function bodies as text, for rules that skip walks which
    /// cannot find anything (a body without the word `move` has no capture);
    /// `Bodies::unknown()` under `--no-skip`.
    pub bodies: crate::source::Bodies<'a>,
}

pub type RuleFacts = Box<dyn Any + Send + Sync>;

#[derive(Default)]
pub struct FileOutput {
    pub findings: Vec<Finding>,
    /// Facts for this rule's own crate pass.
    pub facts: Option<RuleFacts>,
}

pub struct CrateFile<'a> {
    pub path: &'a Path,
    pub module: &'a [String],
    pub items: &'a ItemFacts,
    pub facts: Option<&'a (dyn Any + Send + Sync)>,
}

pub struct CrateCtx<'a> {
    pub files: Vec<CrateFile<'a>>,
    pub index: &'a CrateIndex<'a>,
}

impl CrateCtx<'_> {
    /// This rule's facts from every file that left some.
    pub fn facts<T: 'static>(&self) -> impl Iterator<Item = (&CrateFile<'_>, &T)> {
        self.files
            .iter()
            .filter_map(|f| f.facts.and_then(|a| a.downcast_ref::<T>()).map(|t| (f, t)))
    }
}

pub trait Rule: Send + Sync {
    fn meta(&self) -> &RuleMeta;

    fn id(&self) -> &str {
        &self.meta().id
    }

    fn check_file(&self, _cx: &FileCtx<'_>, _out: &mut FileOutput) {}

    fn check_crate(&self, _cx: &CrateCtx<'_>, _out: &mut Vec<Finding>) {}

    /// This rule's file facts as bytes for the facts cache, usually
    /// `crate::cache::encode::<TheFacts>(facts)`. `None` (the default) keeps a
    /// file whose task left facts of this rule out of the cache.
    fn encode_facts(&self, _facts: &(dyn Any + Send + Sync)) -> Option<Vec<u8>> {
        None
    }

    /// The facts [`Rule::encode_facts`] wrote, usually `crate::cache::decode::<TheFacts>(bytes)`.
    fn decode_facts(&self, _bytes: &[u8]) -> Option<RuleFacts> {
        None
    }
}

/// Every rule, in id order.
pub fn registry() -> &'static [Box<dyn Rule>] {
    static RULES: OnceLock<Vec<Box<dyn Rule>>> = OnceLock::new();
    RULES.get_or_init(|| {
        let mut rules: Vec<Box<dyn Rule>> = vec![
            Box::new(closure_cycle::ClosureCycle::new()),
            Box::new(leaked_listener::LeakedListener::new()),
            Box::new(rc_cycle::RcCycle::new()),
            Box::new(unbounded_collection::UnboundedCollection::new()),
            Box::new(uncleaned_interval::UncleanedInterval::new()),
        ];
        rules.sort_by(|a, b| a.id().cmp(b.id()));
        rules
    })
}

pub fn find(id: &str) -> Option<&'static dyn Rule> {
    registry().iter().find(|r| r.id() == id).map(|r| r.as_ref())
}

/// Ids the engine itself reports; not rules, but valid in `--select`/`--ignore`.
pub const ENGINE_IDS: &[&str] = &["parse-error", "internal-error"];
