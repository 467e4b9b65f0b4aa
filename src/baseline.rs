//! Baselines: today's findings, recorded so that only new ones are reported.
//!
//! An entry is keyed by rule, path, the innermost named item around the
//! primary span (`PriceCache.entries`) and a hash of the primary span's source
//! with whitespace removed (the engine's fingerprint basis), and holds a
//! count: the baseline survives lines moving and code being reformatted, and
//! a second copy of a known finding is still new.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diagnostic::{Diagnostic, fnv1a};
use crate::engine::Report;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Key {
    pub rule: String,
    pub path: String,
    /// The innermost named item around the primary span: `PriceCache.entries`,
    /// `Worker::run`, `spawn_all`; empty at the top of a file.
    #[serde(default)]
    pub item: String,
    pub hash: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    #[serde(flatten)]
    pub key: Key,
    pub count: usize,
    /// The first finding's message, for people reading the file.
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub entries: Vec<Entry>,
}

/// What applying a baseline found: entries (with the count) that matched nothing.
pub struct Applied {
    pub hidden: usize,
    pub stale: Vec<Entry>,
    /// The baseline with stale counts dropped, for `--prune-baseline`.
    pub pruned: Baseline,
}

/// Named items of a file: (byte range, name).
type Items = Vec<(std::ops::Range<usize>, String)>;

/// Parses each file once for the item names of its findings.
#[derive(Default)]
pub struct Keys {
    items: std::collections::HashMap<crate::diagnostic::FileId, Items>,
}

impl Keys {
    pub fn key(&mut self, report: &Report, d: &Diagnostic) -> Key {
        let text = crate::render::source_text(report, d.file);
        let items = self
            .items
            .entry(d.file)
            .or_insert_with(|| named_items(text));
        let at = d.span.start.offset;
        let item = items
            .iter()
            .filter(|(r, _)| r.start <= at && at < r.end.max(r.start + 1))
            .min_by_key(|(r, _)| r.end - r.start)
            .map(|(_, n)| n.clone())
            .unwrap_or_default();
        Key {
            item,
            ..key(report, d)
        }
    }
}

fn named_items(text: &str) -> Items {
    use syn::spanned::Spanned;
    use syn::visit::Visit;

    struct Names {
        base: usize,
        owner: Vec<String>,
        out: Items,
    }
    impl Names {
        fn push(&mut self, node: &impl Spanned, name: String) {
            let r = node.span().byte_range();
            self.out
                .push((self.base + r.start..self.base + r.end, name));
        }
        fn qualified(&self, name: &syn::Ident, sep: &str) -> String {
            match self.owner.last() {
                Some(o) => format!("{o}{sep}{name}"),
                None => name.to_string(),
            }
        }
    }
    impl<'a> Visit<'a> for Names {
        fn visit_item_struct(&mut self, i: &'a syn::ItemStruct) {
            self.push(i, i.ident.to_string());
            for (n, f) in i.fields.iter().enumerate() {
                let field = f.ident.as_ref().map_or(n.to_string(), |x| x.to_string());
                self.push(f, format!("{}.{field}", i.ident));
            }
            syn::visit::visit_item_struct(self, i);
        }
        fn visit_item_enum(&mut self, i: &'a syn::ItemEnum) {
            self.push(i, i.ident.to_string());
            for v in &i.variants {
                self.push(v, format!("{}::{}", i.ident, v.ident));
            }
            syn::visit::visit_item_enum(self, i);
        }
        fn visit_item_fn(&mut self, i: &'a syn::ItemFn) {
            let name = self.qualified(&i.sig.ident, "::");
            self.push(i, name);
            syn::visit::visit_item_fn(self, i);
        }
        fn visit_item_static(&mut self, i: &'a syn::ItemStatic) {
            self.push(i, i.ident.to_string());
            syn::visit::visit_item_static(self, i);
        }
        fn visit_item_const(&mut self, i: &'a syn::ItemConst) {
            self.push(i, i.ident.to_string());
            syn::visit::visit_item_const(self, i);
        }
        fn visit_item_trait(&mut self, i: &'a syn::ItemTrait) {
            self.push(i, i.ident.to_string());
            self.owner.push(i.ident.to_string());
            syn::visit::visit_item_trait(self, i);
            self.owner.pop();
        }
        fn visit_item_impl(&mut self, i: &'a syn::ItemImpl) {
            let ty = match &*i.self_ty {
                syn::Type::Path(p) => p
                    .path
                    .segments
                    .last()
                    .map_or(String::new(), |s| s.ident.to_string()),
                _ => String::new(),
            };
            self.owner.push(ty);
            syn::visit::visit_item_impl(self, i);
            self.owner.pop();
        }
        fn visit_impl_item_fn(&mut self, i: &'a syn::ImplItemFn) {
            let name = self.qualified(&i.sig.ident, "::");
            self.push(i, name);
            syn::visit::visit_impl_item_fn(self, i);
        }
        fn visit_trait_item_fn(&mut self, i: &'a syn::TraitItemFn) {
            let name = self.qualified(&i.sig.ident, "::");
            self.push(i, name);
            syn::visit::visit_trait_item_fn(self, i);
        }
    }
    let input = crate::source::parse_input(text);
    let mut names = Names {
        base: input.base,
        owner: Vec::new(),
        out: Vec::new(),
    };
    if let Ok(file) = syn::parse_str::<syn::File>(input.code) {
        names.visit_file(&file);
    }
    proc_macro2::extra::invalidate_current_thread_spans();
    names.out
}

/// The key without the item name (the hash of the primary span's source).
pub fn key(report: &Report, d: &Diagnostic) -> Key {
    let text = crate::render::source_text(report, d.file);
    // Without any whitespace: rustfmt and hand edits change spacing, not code.
    let excerpt: String = text
        .get(d.span.start.offset..d.span.end.offset)
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    Key {
        rule: d.rule.clone(),
        path: d.path.clone(),
        item: String::new(),
        hash: format!("{:016x}", fnv1a(excerpt.as_bytes(), 0)),
    }
}

pub fn from_report(report: &Report) -> Baseline {
    let mut entries: BTreeMap<Key, Entry> = BTreeMap::new();
    let mut keys = Keys::default();
    for d in &report.diagnostics {
        let k = keys.key(report, d);
        entries
            .entry(k.clone())
            .or_insert_with(|| Entry {
                key: k,
                count: 0,
                message: d.message.clone(),
            })
            .count += 1;
    }
    Baseline {
        version: 1,
        entries: entries.into_values().collect(),
    }
}

pub fn write(baseline: &Baseline, path: &Path) -> Result<(), String> {
    let mut text = serde_json::to_string_pretty(baseline).expect("JSON of plain data");
    text.push('\n');
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

pub fn read(path: &Path) -> Result<Baseline, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read baseline {}: {e}", path.display()))?;
    let b: Baseline = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{}:{}: not a leaklint baseline: {e}",
            path.display(),
            e.line()
        )
    })?;
    if b.version != 1 {
        return Err(format!(
            "{}: baseline version {} is not supported (expected 1)",
            path.display(),
            b.version
        ));
    }
    Ok(b)
}

/// Hides the findings the baseline holds (up to each entry's count).
pub fn apply(report: &mut Report, baseline: &Baseline) -> Applied {
    let mut left: BTreeMap<Key, usize> = BTreeMap::new();
    for e in &baseline.entries {
        *left.entry(e.key.clone()).or_default() += e.count;
    }
    let mut cache = Keys::default();
    let keys: Vec<Key> = report
        .diagnostics
        .iter()
        .map(|d| cache.key(report, d))
        .collect();
    let mut keep = Vec::with_capacity(keys.len());
    let mut hidden = 0;
    for k in &keys {
        match left.get_mut(k) {
            Some(n) if *n > 0 => {
                *n -= 1;
                hidden += 1;
                keep.push(false);
            }
            _ => keep.push(true),
        }
    }
    let mut i = 0;
    report.diagnostics.retain(|_| {
        i += 1;
        keep[i - 1]
    });
    report.baselined += hidden;
    let mut stale = Vec::new();
    let mut pruned = Vec::new();
    let checked: std::collections::HashSet<&str> =
        report.reported.iter().map(String::as_str).collect();
    for e in &baseline.entries {
        // Entries of files this run did not check are neither matched nor stale.
        if !checked.contains(e.key.path.as_str()) {
            pruned.push(e.clone());
            continue;
        }
        let unmatched = left.get_mut(&e.key).map(|n| {
            let u = (*n).min(e.count);
            *n -= u;
            u
        });
        let unmatched = unmatched.unwrap_or(0);
        if unmatched > 0 {
            stale.push(Entry {
                count: unmatched,
                ..e.clone()
            });
        }
        if e.count > unmatched {
            pruned.push(Entry {
                count: e.count - unmatched,
                ..e.clone()
            });
        }
    }
    Applied {
        hidden,
        stale,
        pruned: Baseline {
            version: 1,
            entries: pruned,
        },
    }
}
