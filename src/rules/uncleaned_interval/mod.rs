//! `uncleaned-interval`: periodic work that is started and never stopped.
//!
//! The file pass finds the starts (a spawn whose body loops forever on a timer, a
//! forgotten gloo `Interval`, a web-sys or Leptos interval, a GLib source that
//! always continues) and follows their handle inside the function ([`flow`]). A
//! handle that is discarded is reported at once; one stored in a field becomes a
//! pending finding, settled by the crate pass against every stop call
//! (`abort()`, `cancel()`, `remove()`, ..) on a field of that name. The crate
//! pass also drops findings inside free functions called only from `main`-like
//! entry points: that work lives as long as the program.

mod body;
mod flow;
mod sites;

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::diagnostic::{Finding, Location};
use crate::facts::Ty;
use crate::meta::RuleMeta;
use crate::rules::{CrateCtx, FileCtx, FileOutput, Rule};

pub struct UncleanedInterval {
    meta: RuleMeta,
    tables: Tables,
}

#[derive(Deserialize)]
pub struct Tables {
    reexports: Vec<(String, String)>,
    timer_waits: Vec<String>,
    interval_constructors: Vec<String>,
    interval_wait_methods: Vec<String>,
    stream_limits: Vec<String>,
    awaited_timer_methods: Vec<String>,
    runtime_passthrough: Vec<String>,
    transparent_calls: Vec<String>,
    transparent_methods: Vec<String>,
    store_methods: Vec<String>,
    discard_calls: Vec<String>,
    forget_calls: Vec<String>,
    stopping_wrappers: Vec<String>,
    stopping_field_types: Vec<String>,
    local_set_methods: Vec<String>,
    once_methods: Vec<String>,
    future_adapters: Vec<String>,
    once_calls: Vec<String>,
    once_guard_methods: Vec<String>,
    stop_methods: Vec<String>,
    stop_calls: Vec<String>,
    program_entry_attrs: Vec<String>,
    gloo_intervals: Vec<String>,
    web_set_interval_prefix: String,
    web_closure_forgets: Vec<String>,
    leptos_set_interval: Vec<String>,
    leptos_set_interval_with_handle: Vec<String>,
    component_attr: String,
    glib_sources: Vec<String>,
    spawners: BTreeMap<String, String>,
    method_spawners: Vec<MethodSpawner>,
    runtimes: BTreeMap<String, Runtime>,
    /// The keys of `spawners`, as a table for `match_table`.
    #[serde(skip)]
    spawner_paths: Vec<String>,
}

#[derive(Deserialize)]
pub struct MethodSpawner {
    types: Vec<String>,
    constructors: Vec<String>,
    methods: BTreeMap<String, String>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "kebab-case")]
pub enum HandleKind {
    Join,
    None,
    CancelOnDrop,
}

#[derive(Deserialize)]
pub struct Runtime {
    name: String,
    /// "tokio `JoinHandle`", for notes.
    handle_name: String,
    /// `task`, `thread`, ..
    work: String,
    handle: HandleKind,
    stop: Vec<String>,
    help: String,
}

impl Runtime {
    /// `std thread`, `tokio blocking task`.
    fn name_of_work(&self) -> String {
        format!("{} {}", self.name, self.work)
    }
}

/// Whether an identifier is one of `table`'s names, without building a string.
fn has(table: &[String], id: &syn::Ident) -> bool {
    table.iter().any(|s| id == s)
}

/// Whether `path` names an entry of `table`. A cheap test of the last segment
/// first: almost no call is in a table, and full matching builds strings.
fn path_in_table(
    imports: &crate::imports::Imports,
    path: &syn::Path,
    table: &[String],
    reexports: &[(String, String)],
) -> bool {
    let Some(written) = path.segments.last() else {
        return false;
    };
    let ends = |last: &str| {
        table.iter().any(|e| {
            e.strip_suffix(last)
                .is_some_and(|head| head.is_empty() || head.ends_with("::"))
        })
    };
    let last = written.ident.to_string();
    // Resolving rewrites a path's first segment only: the last one changes
    // when it is the first one too, or a `self`/`super` that resolving drops.
    let may_rename = path.segments.len() == 1 || last == "self" || last == "super";
    let last_ok =
        ends(&last) || may_rename && imports.resolve_path(path).last().is_some_and(|l| ends(l));
    last_ok && imports.match_table(path, table, reexports).is_some()
}

/// A call that stops whatever a field of this name holds.
#[derive(Debug, Serialize, Deserialize)]
struct StopSite {
    field: String,
    method: String,
    in_drop: bool,
}

/// Who calls a free function: an entry point, another free function, or anything else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
enum Caller {
    Entry,
    Free(String),
    Other,
}

/// A finding that depends on the rest of the crate.
#[derive(Debug, Serialize, Deserialize)]
struct Pending {
    finding: Finding,
    /// The free function it is in, if any: program-lifetime if only entry points call it.
    free_fn: Option<String>,
    /// `self.<field>.spawn(..)`: a spawn only if the field has one of these types.
    receiver_field: Option<(String, String, Vec<String>)>,
    stored: Option<Stored>,
    /// The spawn runs this function: a finding only if its body is a periodic loop.
    delegate: Option<Callee>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Stored {
    field: String,
    /// Stop calls that count (`abort`, `cancel`, ..); none for a std thread.
    stop: Vec<String>,
    /// The task holds a strong clone of its owner (named here).
    owner_clone: Option<String>,
    /// The note when nothing stops it.
    note: String,
}

/// A function whose body is a periodic loop, for spawns that name it.
#[derive(Debug, Serialize, Deserialize)]
struct FnLoop {
    callee: Callee,
    wait: Location,
    keyword: Location,
}

/// A function a spawn runs by name: a free function, or a method of the owner's type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
enum Callee {
    Free(String),
    Method(String, String),
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Facts {
    pending: Vec<Pending>,
    loops: Vec<FnLoop>,
    /// Methods defined in the file, as (type, name).
    methods: Vec<(String, String)>,
    stops: Vec<StopSite>,
    free_fns: Vec<String>,
    calls: Vec<(String, Caller)>,
}

impl UncleanedInterval {
    pub fn new() -> UncleanedInterval {
        let meta = RuleMeta::parse(include_str!("../../../rules/uncleaned-interval.toml"));
        let mut tables: Tables = meta.tables();
        tables.spawner_paths = tables.spawners.keys().cloned().collect();
        for r in tables.spawners.values().chain(
            tables
                .method_spawners
                .iter()
                .flat_map(|m| m.methods.values()),
        ) {
            assert!(tables.runtimes.contains_key(r), "unknown runtime {r}");
        }
        UncleanedInterval { meta, tables }
    }
}

impl Default for UncleanedInterval {
    fn default() -> Self {
        UncleanedInterval::new()
    }
}

impl Rule for UncleanedInterval {
    fn meta(&self) -> &RuleMeta {
        &self.meta
    }

    fn check_file(&self, cx: &FileCtx<'_>, out: &mut FileOutput) {
        let facts = sites::scan(&self.tables, cx);
        out.facts = Some(Box::new(facts));
    }

    fn encode_facts(&self, facts: &(dyn std::any::Any + Send + Sync)) -> Option<Vec<u8>> {
        crate::cache::encode::<Facts>(facts)
    }

    fn decode_facts(&self, bytes: &[u8]) -> Option<crate::rules::RuleFacts> {
        crate::cache::decode::<Facts>(bytes)
    }

    fn check_crate(&self, cx: &CrateCtx<'_>, out: &mut Vec<Finding>) {
        let all: Vec<&Facts> = cx.facts::<Facts>().map(|(_, f)| f).collect();
        let program_lifetime = program_lifetime(&all);
        for facts in &all {
            for p in &facts.pending {
                if p.free_fn
                    .as_ref()
                    .is_some_and(|f| program_lifetime.contains(f))
                {
                    continue;
                }
                if let Some((owner, field, types)) = &p.receiver_field
                    && !field_has_type(cx, owner, field, &|ty| ty_is(ty, types))
                {
                    continue;
                }
                let mut finding = p.finding.clone();
                if let Some(callee) = &p.delegate {
                    let Some(lp) = resolve_loop(&all, callee) else {
                        continue;
                    };
                    finding = finding
                        .label(lp.wait, "waits on a timer every round")
                        .label(lp.keyword, "loops forever: nothing breaks out of it");
                }
                if let Some(s) = &p.stored {
                    match self.settle_stored(cx, &all, s) {
                        Some(note) => finding = finding.note(note),
                        None => continue,
                    }
                }
                out.push(finding);
            }
        }
    }
}

impl UncleanedInterval {
    /// The note for a handle stored in a field that is never stopped, or `None`
    /// when something stops it.
    fn settle_stored(&self, cx: &CrateCtx<'_>, all: &[&Facts], s: &Stored) -> Option<String> {
        let wrapped = field_has_type(cx, "", &s.field, &|ty| {
            ty_mentions(ty, &self.tables.stopping_field_types)
        });
        let stops: Vec<&StopSite> = all
            .iter()
            .flat_map(|f| &f.stops)
            .filter(|st| st.field == s.field && s.stop.contains(&st.method))
            .collect();
        let only_drop = wrapped || (!stops.is_empty() && stops.iter().all(|st| st.in_drop));
        if only_drop {
            return s.owner_clone.as_ref().map(|me| trap_note(me));
        }
        if !stops.is_empty() {
            return None;
        }
        Some(s.note.clone())
    }
}

/// The periodic loop of a function a spawn names, when every function of that
/// name in the crate is one.
fn resolve_loop<'f>(all: &[&'f Facts], callee: &Callee) -> Option<&'f FnLoop> {
    let defs = match callee {
        Callee::Free(name) => all
            .iter()
            .flat_map(|f| &f.free_fns)
            .filter(|n| *n == name)
            .count(),
        Callee::Method(ty, name) => all
            .iter()
            .flat_map(|f| &f.methods)
            .filter(|(t, n)| t == ty && n == name)
            .count(),
    };
    let loops: Vec<&FnLoop> = all
        .iter()
        .flat_map(|f| &f.loops)
        .filter(|l| l.callee == *callee)
        .collect();
    (defs > 0 && loops.len() == defs).then(|| loops[0])
}

fn trap_note(me: &str) -> String {
    format!(
        "the task holds `{me}`, a strong clone of its owner, so the owner's `Drop` that would stop it can never run"
    )
}

/// Free functions whose every call (at least one) is in an entry point or in
/// another such function.
fn program_lifetime(all: &[&Facts]) -> HashSet<String> {
    let defined: HashSet<&String> = all.iter().flat_map(|f| &f.free_fns).collect();
    let mut callers: HashMap<&str, Vec<&Caller>> = HashMap::new();
    for f in all {
        for (callee, caller) in &f.calls {
            if defined.contains(callee) {
                callers.entry(callee).or_default().push(caller);
            }
        }
    }
    let mut out: HashSet<String> = HashSet::new();
    loop {
        let before = out.len();
        for (callee, cs) in &callers {
            if out.contains(*callee) {
                continue;
            }
            let all_entry = cs.iter().all(|c| match c {
                Caller::Entry => true,
                Caller::Free(g) => g != callee && out.contains(g),
                Caller::Other => false,
            });
            if all_entry {
                out.insert(callee.to_string());
            }
        }
        if out.len() == before {
            return out;
        }
    }
}

/// Whether a field `field` of type `owner` (of any type when `owner` is empty)
/// has a type for which `pred` holds.
fn field_has_type(cx: &CrateCtx<'_>, owner: &str, field: &str, pred: &dyn Fn(&Ty) -> bool) -> bool {
    cx.index.types.iter().any(|t| {
        (owner.is_empty() || t.name == owner)
            && t.fields.iter().any(|f| {
                let own = f.name.rsplit('.').next().unwrap_or(&f.name);
                own == field && pred(&f.ty)
            })
    })
}

/// Whether a type is one of `types`, seen through references and `Arc`/`Rc`/`Box`/`Option`.
fn ty_is(ty: &Ty, types: &[String]) -> bool {
    match ty {
        Ty::Ref { inner, .. } => ty_is(inner, types),
        Ty::Path { path, args } => {
            let joined = path.join("::");
            if types.contains(&joined) {
                return true;
            }
            matches!(
                path.last().map(String::as_str),
                Some("Arc" | "Rc" | "Box" | "Option")
            ) && args.iter().any(|a| ty_is(a, types))
        }
        _ => false,
    }
}

/// Whether a type mentions any of `names` (by last segment) anywhere inside.
fn ty_mentions(ty: &Ty, names: &[String]) -> bool {
    ty.any_path(&mut |p| p.last().is_some_and(|l| names.contains(l)))
}
