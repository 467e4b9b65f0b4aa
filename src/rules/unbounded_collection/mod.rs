//! `unbounded-collection`: maps, sets, queues and caches that only grow.
//!
//! Each file task ([`scan`]) records every access to a field, static or local
//! that grows, shrinks, escapes or length-checks it, by access path (`self.a.b`,
//! `state.f`, `CACHE`), plus the statics, the struct names held in an `Arc`/`Rc`
//! and the fields built as unbounded caches. The crate pass resolves each path
//! to a struct field through the crate's type index, and reports collection
//! fields and statics that grow somewhere, never shrink anywhere, and are
//! long-lived. Locals in endless loops and `#[cached]` are decided per file.

mod scan;

use std::collections::{HashMap, HashSet};

use serde::Deserialize;
use syn::visit::Visit;

use crate::crate_index::{CrateIndex, Entity};
use crate::diagnostic::{Finding, Location};
use crate::facts::{Ty, TypeKind};
use crate::meta::RuleMeta;
use crate::rules::{CrateCtx, FileCtx, FileOutput, Rule};
use scan::{EventKind, FileScan, Root, Scanner};

pub struct UnboundedCollection {
    meta: RuleMeta,
    tables: Tables,
}

#[derive(Deserialize)]
pub struct Tables {
    collections: Vec<String>,
    concurrent: Vec<String>,
    maybe_unbounded: Vec<String>,
    unbounded_constructors: Vec<String>,
    bounding_builder_methods: Vec<String>,
    builder_constructors: Vec<String>,
    unbounded_type_args: Vec<String>,
    bounded: Vec<String>,
    join_sets: Vec<String>,
    wrappers: Vec<String>,
    interior: Vec<String>,
    local_interior: Vec<String>,
    shared_holders: Vec<String>,
    extractors: Vec<String>,
    transparent_methods: Vec<String>,
    with_methods: Vec<String>,
    grow_methods: Vec<String>,
    entry_methods: Vec<String>,
    entry_grow_methods: Vec<String>,
    shrink_methods: Vec<String>,
    mem_functions: Vec<String>,
    long_lived_words: Vec<String>,
    constructor_names: Vec<String>,
    constructor_prefixes: Vec<String>,
    constructor_traits: Vec<String>,
    local_constructors: Vec<String>,
    event_methods: Vec<String>,
    cached_attributes: Vec<String>,
    cached_bounding_args: Vec<String>,
    listener_element_types: Vec<String>,
    listener_fn_traits: Vec<String>,
    listener_trait_suffixes: Vec<String>,
    program_bounded_keys: Vec<String>,
    keyed_collections: Vec<String>,
    finite_keys: Vec<String>,
    name_key_words: Vec<String>,
    value_traits: Vec<String>,
    weak: Vec<String>,
    freezing: Vec<String>,
    compile_time_crates: Vec<String>,
    shrink_prefixes: Vec<String>,
    in_order_shrinks: Vec<String>,
    /// Last segments of the type tables, filled after loading.
    #[serde(skip)]
    names: Names,
}

#[derive(Default)]
struct Names {
    unbounded_type_args: Vec<String>,
    wrappers: Vec<String>,
    interior: Vec<String>,
    local_interior: Vec<String>,
    holders: Vec<String>,
    /// What a parameter's type is seen through to name its struct.
    param_wrappers: Vec<String>,
    /// Types a local collection is built from (`Vec::new()`, `JoinSet::new()`).
    local_collections: Vec<String>,
    listener_types: Vec<String>,
    program_bounded: Vec<String>,
    keyed: Vec<String>,
    weak: Vec<String>,
    freezing: Vec<String>,
    /// Every collection-like table entry with its kind, by full path.
    kinds: Vec<(Vec<String>, Kind)>,
    /// Last names that more than one entry uses (`Cache`): matched by crate.
    ambiguous: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Bounded,
    Collection,
    Concurrent,
    JoinSet,
    MaybeUnbounded,
}

/// The type names of a table (`std::collections::HashMap` → `HashMap`): types are
/// written through imports and re-exports, so they are compared by last segment.
fn last_names(table: &[String]) -> Vec<String> {
    table
        .iter()
        .map(|p| p.rsplit("::").next().unwrap_or(p).to_string())
        .collect()
}

fn has(list: &[String], name: &str) -> bool {
    list.iter().any(|x| x == name)
}

impl Tables {
    fn fill_names(&mut self) {
        let mut param_wrappers = last_names(&self.wrappers);
        param_wrappers.extend(last_names(&self.shared_holders));
        param_wrappers.extend(last_names(&self.extractors));
        let mut local_collections = last_names(&self.collections);
        local_collections.extend(last_names(&self.concurrent));
        local_collections.extend(last_names(&self.join_sets));
        let mut kinds = Vec::new();
        for (table, kind) in [
            (&self.bounded, Kind::Bounded),
            (&self.concurrent, Kind::Concurrent),
            (&self.collections, Kind::Collection),
            (&self.join_sets, Kind::JoinSet),
            (&self.maybe_unbounded, Kind::MaybeUnbounded),
        ] {
            for entry in table {
                kinds.push((
                    entry.split("::").map(str::to_string).collect::<Vec<_>>(),
                    kind,
                ));
            }
        }
        let mut ambiguous = Vec::new();
        for (i, (a, ka)) in kinds.iter().enumerate() {
            if kinds[..i]
                .iter()
                .any(|(b, kb)| b.last() == a.last() && kb != ka)
            {
                ambiguous.extend(a.last().cloned());
            }
        }
        self.names = Names {
            kinds,
            ambiguous,
            unbounded_type_args: self.unbounded_type_args.clone(),
            wrappers: last_names(&self.wrappers),
            interior: last_names(&self.interior),
            local_interior: last_names(&self.local_interior),
            holders: last_names(&self.shared_holders),
            param_wrappers,
            local_collections,
            listener_types: last_names(&self.listener_element_types),
            program_bounded: last_names(&self.program_bounded_keys),
            keyed: last_names(&self.keyed_collections),
            weak: last_names(&self.weak),
            freezing: last_names(&self.freezing),
        };
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ShapeKind {
    Collection,
    JoinSet,
    /// A cache type that is bounded unless built unbounded.
    MaybeUnbounded,
}

#[derive(Clone, Debug)]
struct Shape {
    kind: ShapeKind,
    name: String,
    interior: Option<String>,
    concurrent: bool,
    shared_pointer: bool,
    elements: Vec<Ty>,
}

const MAX_DEPTH: usize = 16;

/// Words of an identifier: `AppState` → app, state; `pending_requests` → pending, requests.
fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if c == '_' || !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Where an event lands once its access path is resolved.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Target {
    /// A struct field (the struct by index); unknown when the receiver's type is not written.
    Field(Option<usize>, String),
    /// A static by name and, when it could be told, the module declaring it.
    Static(String, Option<Vec<String>>),
}

struct Resolved<'s> {
    file: usize,
    event: &'s scan::Event,
}

struct Crate<'a, 'c> {
    rule: &'a UnboundedCollection,
    index: &'a CrateIndex<'c>,
    statics: HashMap<&'a str, Vec<&'a scan::StaticDecl>>,
}

impl Crate<'_, '_> {
    fn shape(&self, ty: &Ty, module: &[String], depth: usize) -> Option<Shape> {
        if depth > MAX_DEPTH {
            return None;
        }
        let n = &self.rule.tables.names;
        let Ty::Path { path, args } = ty else {
            return None;
        };
        let last = path.last()?.as_str();
        let kind = n
            .kinds
            .iter()
            .filter(|(entry, _)| entry.last().map(String::as_str) == Some(last))
            .find(|(entry, _)| {
                // An ambiguous name is matched by its crate; unqualified, it is the prelude's.
                let krate = |p: &[String]| match p.first().map(String::as_str) {
                    Some("alloc" | "core") | None => "std".to_string(),
                    Some(_) if p.len() == 1 => "std".to_string(),
                    Some(k) => k.to_string(),
                };
                !has(&n.ambiguous, last) || krate(entry) == krate(path)
            })
            .map(|(_, k)| *k);
        let unbounded_arg = args
            .iter()
            .any(|a| a.last().is_some_and(|l| has(&n.unbounded_type_args, l)));
        let leaf = |shape_kind| {
            Some(Shape {
                kind: shape_kind,
                name: last.to_string(),
                interior: None,
                concurrent: kind == Some(Kind::Concurrent),
                shared_pointer: false,
                elements: args.clone(),
            })
        };
        match kind {
            Some(Kind::Bounded) => return None,
            Some(Kind::Collection | Kind::Concurrent) => return leaf(ShapeKind::Collection),
            Some(Kind::JoinSet) => return leaf(ShapeKind::JoinSet),
            Some(Kind::MaybeUnbounded) if unbounded_arg => return leaf(ShapeKind::Collection),
            Some(Kind::MaybeUnbounded) => return leaf(ShapeKind::MaybeUnbounded),
            None if has(&n.ambiguous, last) => return None,
            None => {}
        }
        if has(&n.wrappers, last) || has(&n.holders, last) {
            let mut inner = self.shape(args.first()?, module, depth + 1)?;
            if has(&n.interior, last) && inner.interior.is_none() {
                inner.interior = Some(last.to_string());
            }
            inner.shared_pointer |= has(&n.holders, last);
            return Some(inner);
        }
        if let Some(Entity::Alias(a)) = self.index.resolve(path, module) {
            let expanded = self.index.expand_alias(a, args);
            let module = self.index.aliases[a].module.clone();
            return self.shape(&expanded, &module, depth + 1);
        }
        None
    }

    /// Whether a key type has a domain the program bounds: references and
    /// `TypeId`-like names of the program, the `finite_keys` primitives, and the
    /// crate's own structs, enums and tuples built only from those (a fieldless
    /// enum, `struct Descriptor { kind: Kind, passive: bool }`).
    fn bounded_key(&self, ty: &Ty, module: &[String], depth: usize) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        let n = &self.rule.tables.names;
        match ty {
            Ty::Ref { .. } | Ty::Ptr(_) => true,
            Ty::Tuple(items) => items.iter().all(|t| self.bounded_key(t, module, depth + 1)),
            Ty::Path { path, args } => {
                let Some(last) = path.last() else {
                    return false;
                };
                if has(&n.program_bounded, last)
                    || (path.len() == 1 && has(&self.rule.tables.finite_keys, last))
                {
                    return true;
                }
                if has(&n.wrappers, last) && !has(&n.interior, last) {
                    return args
                        .first()
                        .is_some_and(|a| self.bounded_key(a, module, depth + 1));
                }
                match self.index.resolve(path, module) {
                    Some(Entity::Type(i)) => {
                        let decl = self.index.types[i];
                        decl.generics.is_empty()
                            && decl.kind != crate::facts::TypeKind::Union
                            && decl
                                .fields
                                .iter()
                                .all(|f| self.bounded_key(&f.ty, &decl.module, depth + 1))
                    }
                    Some(Entity::Alias(a)) => {
                        let expanded = self.index.expand_alias(a, args);
                        let module = self.index.aliases[a].module.clone();
                        self.bounded_key(&expanded, &module, depth + 1)
                    }
                    _ => false,
                }
            }
            Ty::Array(_) | Ty::Dyn(_) | Ty::Other => false,
        }
    }

    /// Callbacks, senders, `Weak`s and listener trait objects: `leaked-listener`'s.
    fn is_listener(&self, ty: &Ty, module: &[String], depth: usize) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        let t = &self.rule.tables;
        let dyn_listener = |b: &Ty| {
            b.last().is_some_and(|l| {
                has(&t.listener_fn_traits, l)
                    || t.listener_trait_suffixes
                        .iter()
                        .any(|s| l.ends_with(s.as_str()))
            })
        };
        match ty {
            Ty::Path { path, args } => {
                let Some(last) = path.last() else {
                    return false;
                };
                if has(&t.names.listener_types, last) || dyn_listener(ty) {
                    return true;
                }
                if args.is_empty()
                    && let Some(Entity::Alias(a)) = self.index.resolve(path, module)
                {
                    let expanded = self.index.expand_alias(a, args);
                    let module = self.index.aliases[a].module.clone();
                    return self.is_listener(&expanded, &module, depth + 1);
                }
                args.iter().any(|a| self.is_listener(a, module, depth + 1))
            }
            Ty::Dyn(bounds) => bounds.iter().any(dyn_listener),
            Ty::Tuple(items) => items.iter().any(|i| self.is_listener(i, module, depth + 1)),
            Ty::Array(i) => self.is_listener(i, module, depth + 1),
            _ => false,
        }
    }

    /// The crate struct a type holds, seen through wrappers and holders.
    fn struct_in(&self, ty: &Ty, module: &[String], depth: usize) -> Option<usize> {
        if depth > MAX_DEPTH {
            return None;
        }
        let n = &self.rule.tables.names;
        match ty {
            Ty::Path { path, args } => {
                let last = path.last()?.as_str();
                if has(&n.wrappers, last) || has(&n.holders, last) {
                    return self.struct_in(args.first()?, module, depth + 1);
                }
                match self.index.resolve(path, module)? {
                    Entity::Type(i) => Some(i),
                    Entity::Alias(a) => {
                        let expanded = self.index.expand_alias(a, args);
                        let module = self.index.aliases[a].module.clone();
                        self.struct_in(&expanded, &module, depth + 1)
                    }
                    Entity::Trait(_) => None,
                }
            }
            Ty::Ref { inner, .. } => self.struct_in(inner, module, depth + 1),
            _ => None,
        }
    }

    fn field_struct(&self, owner: usize, field: &str) -> Option<usize> {
        let decl = self.index.types[owner];
        let f = decl.fields.iter().find(|f| f.name == field)?;
        self.struct_in(&f.ty, &decl.module, 0)
    }

    fn type_at(&self, path: &[String], module: &[String]) -> Option<usize> {
        match self.index.resolve(path, module)? {
            Entity::Type(i) => Some(i),
            _ => None,
        }
    }

    /// The static a name means from `module`: its own, else the only one so named.
    fn static_named(&self, name: &str, module: &[String]) -> Option<&scan::StaticDecl> {
        let decls = self.statics.get(name)?;
        decls
            .iter()
            .find(|d| d.module == module)
            .or_else(|| (decls.len() == 1).then(|| &decls[0]))
            .copied()
    }

    fn resolve(&self, root: &Root, fields: &[String], module: &[String]) -> Option<Target> {
        let (start, walk): (Option<usize>, &[String]) = match root {
            Root::Static(s) if fields.is_empty() => {
                let module = self.static_named(s, module).map(|d| d.module.clone());
                return Some(Target::Static(s.clone(), module));
            }
            Root::Static(s) => (
                self.static_named(s, module)
                    .and_then(|d| self.struct_in(&d.ty, &d.module, 0)),
                fields,
            ),
            Root::SelfValue(Some(t)) | Root::Param(t) => (self.type_at(t, module), fields),
            Root::SelfValue(None) | Root::Unknown => (None, fields),
            Root::Local(_) => return None,
        };
        let (last, prefix) = walk.split_last()?;
        let mut owner = start;
        for f in prefix {
            owner = owner.and_then(|o| self.field_struct(o, f));
        }
        Some(Target::Field(owner, last.clone()))
    }
}

/// Structs that outlive a call: held in an `Arc`/`Rc`/static (`shared`), and those
/// that can also be mutated while held (`mutable`: behind a lock or cell, or in a
/// mutable one), closed over their fields.
struct LongLived {
    shared: HashSet<usize>,
    mutable: HashSet<usize>,
}

/// Names in a type with whether they can be mutated through it: an interior
/// wrapper makes what it holds mutable, an `Arc`/`Rc` or once-cell freezes it, and
/// a `Weak` owns nothing.
fn names_in(ty: &Ty, n: &Names, mutable: bool, out: &mut Vec<(Vec<String>, bool)>) {
    match ty {
        Ty::Path { path, args } => {
            let Some(l) = path.last() else { return };
            if has(&n.weak, l) {
                return;
            }
            out.push((path.clone(), mutable));
            let inner = if has(&n.interior, l) {
                true
            } else if has(&n.holders, l) || has(&n.freezing, l) {
                false
            } else {
                mutable
            };
            args.iter().for_each(|a| names_in(a, n, inner, out));
        }
        Ty::Tuple(items) => items.iter().for_each(|a| names_in(a, n, mutable, out)),
        Ty::Array(t) => names_in(t, n, mutable, out),
        _ => {}
    }
}

fn held_in(ty: &Ty, n: &Names, out: &mut Vec<(Vec<String>, bool)>) {
    if let Ty::Path { path, args } = ty {
        if path.last().is_some_and(|l| has(&n.holders, l)) {
            args.iter().for_each(|a| names_in(a, n, false, out));
        } else if !path.last().is_some_and(|l| has(&n.weak, l)) {
            args.iter().for_each(|a| held_in(a, n, out));
        }
    }
}

fn long_lived_types(
    cx: &CrateCtx<'_>,
    scans: &[(usize, &FileScan)],
    tables: &Tables,
    replaced: &HashSet<(usize, &str)>,
) -> LongLived {
    let n = &tables.names;
    let index = cx.index;
    let mut ll = LongLived {
        shared: HashSet::new(),
        mutable: HashSet::new(),
    };
    let add = |ll: &mut LongLived, path: &[String], module: &[String], mutable: bool| {
        let Some(Entity::Type(i)) = index.resolve(path, module) else {
            return false;
        };
        let mut added = ll.shared.insert(i);
        if mutable {
            added |= ll.mutable.insert(i);
        }
        added
    };
    for (file, s) in scans {
        let module = cx.files[*file].module;
        for (name, mutable) in &s.held {
            add(&mut ll, std::slice::from_ref(name), module, *mutable);
        }
    }
    for t in &index.types {
        for f in &t.fields {
            let mut out = Vec::new();
            held_in(&f.ty, n, &mut out);
            for (path, mutable) in out {
                add(&mut ll, &path, &t.module, mutable);
            }
        }
    }
    loop {
        let mut added = false;
        for (i, t) in index.types.iter().enumerate() {
            if !ll.shared.contains(&i) {
                continue;
            }
            let owner_mutable = ll.mutable.contains(&i);
            // A value in a field that is replaced lives as long as one value.
            for f in t
                .fields
                .iter()
                .filter(|f| !replaced.contains(&(i, f.name.as_str())))
            {
                let mut out = Vec::new();
                names_in(&f.ty, n, owner_mutable, &mut out);
                for (path, mutable) in out {
                    added |= add(&mut ll, &path, &t.module, mutable);
                }
            }
        }
        if !added {
            break;
        }
    }
    ll
}

fn describe(events: &[&Resolved<'_>], fns: &dyn Fn(&Resolved<'_>) -> String) -> String {
    let mut by_verb: Vec<(&str, Vec<String>)> = Vec::new();
    for e in events {
        let name = fns(e);
        match by_verb.iter_mut().find(|(v, _)| *v == e.event.verb) {
            Some((_, names)) => {
                if !names.contains(&name) {
                    names.push(name);
                }
            }
            None => by_verb.push((e.event.verb, vec![name])),
        }
    }
    by_verb
        .into_iter()
        .map(|(verb, names)| {
            let shown = if names.len() > 3 {
                format!("{} and {} more", names[..3].join(", "), names.len() - 3)
            } else if names.len() > 1 {
                format!(
                    "{} and {}",
                    names[..names.len() - 1].join(", "),
                    names[names.len() - 1]
                )
            } else {
                names[0].clone()
            };
            format!("{verb} in {shown}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn mentions(ty: &Ty, names: &[String]) -> bool {
    ty.any_path(&mut |p| p.len() == 1 && has(names, &p[0]))
}

const HELP: &str = "remove entries when they die (on a disconnect, a completion), bound it (`lru::LruCache`, `moka` with `max_capacity`), or evict on a length check";

impl UnboundedCollection {
    pub fn new() -> UnboundedCollection {
        let meta = RuleMeta::parse(include_str!("../../../rules/unbounded-collection.toml"));
        let mut tables: Tables = meta.tables();
        tables.fill_names();
        UnboundedCollection { meta, tables }
    }

    fn long_lived_name(&self, names: &[&str]) -> Option<String> {
        names
            .iter()
            .flat_map(|n| words(n))
            .find(|w| has(&self.tables.long_lived_words, w))
    }
}

impl Default for UnboundedCollection {
    fn default() -> Self {
        UnboundedCollection::new()
    }
}

struct Candidate<'d> {
    owner: Option<&'d str>,
    /// Index of the owning struct in the crate index.
    owner_index: Option<usize>,
    generics: &'d [String],
    /// The declared type, spelled: fields that share one `Arc` have the same.
    ty: String,
    name: String,
    target: Target,
    location: Location,
    shape: Shape,
}

impl Rule for UnboundedCollection {
    fn meta(&self) -> &RuleMeta {
        &self.meta
    }

    fn check_file(&self, cx: &FileCtx<'_>, out: &mut FileOutput) {
        let mut scanner = Scanner::new(&self.tables, cx.imports, cx.spans, cx.module);
        scanner.visit_file(cx.file);
        let mut scan = scanner.out;
        out.findings.append(&mut scan.findings);
        out.facts = Some(Box::new(scan));
    }

    fn encode_facts(&self, facts: &(dyn std::any::Any + Send + Sync)) -> Option<Vec<u8>> {
        crate::cache::encode::<FileScan>(facts)
    }

    fn decode_facts(&self, bytes: &[u8]) -> Option<crate::rules::RuleFacts> {
        crate::cache::decode::<FileScan>(bytes)
    }

    fn check_crate(&self, cx: &CrateCtx<'_>, out: &mut Vec<Finding>) {
        let scans: Vec<(usize, &FileScan)> = cx
            .files
            .iter()
            .enumerate()
            .filter_map(|(i, f)| {
                f.facts
                    .and_then(|a| a.downcast_ref::<FileScan>())
                    .map(|s| (i, s))
            })
            .collect();
        let mut statics = HashMap::new();
        for (_, s) in &scans {
            for d in &s.statics {
                statics
                    .entry(d.name.as_str())
                    .or_insert_with(Vec::new)
                    .push(d);
            }
        }
        let c = Crate {
            rule: self,
            index: cx.index,
            statics,
        };
        // Fields that get a new value (`=`, `take()`, `mem::replace`) or are
        // emptied in order (`drain`, `pop*`, `clear`): what they held is dropped
        // then, so it lives no longer than one value, or one pass through the
        // queue. (Entries removed by key, like sessions, can live long.)
        let mut replaced: HashSet<(usize, &str)> = HashSet::new();
        for (file, s) in &scans {
            let passing = |e: &&scan::Event| e.verb == scan::REPLACED || e.verb == scan::EMPTIED;
            for e in s.events.iter().filter(passing) {
                let module = e.module.as_deref().unwrap_or(cx.files[*file].module);
                if let Some(Target::Field(Some(owner), _)) = c.resolve(&e.root, &e.fields, module)
                    && let Some(field) = e.fields.last()
                {
                    replaced.insert((owner, field.as_str()));
                }
            }
        }
        let held = long_lived_types(cx, &scans, &self.tables, &replaced);
        let unbounded_inits: HashSet<&str> = scans
            .iter()
            .flat_map(|(_, s)| s.unbounded_inits.iter().map(String::as_str))
            .collect();

        // Types a value of which can be kept beyond a call: named in a field, a
        // static, an alias or a return type somewhere in the crate, or
        // implementing a trait someone else may hold it through.
        let mut kept: Vec<String> = Vec::new();
        for t in &cx.index.types {
            t.fields
                .iter()
                .for_each(|f| scan::type_names(&f.ty, &mut kept));
        }
        for f in &cx.files {
            f.items
                .aliases
                .iter()
                .for_each(|a| scan::type_names(&a.ty, &mut kept));
        }
        for (_, s) in &scans {
            s.statics
                .iter()
                .for_each(|d| scan::type_names(&d.ty, &mut kept));
            kept.extend(s.returned.iter().cloned());
        }
        // A type that implements a trait can be handed to code that holds it
        // (an actor system, an executor, a `Box<dyn Trait>`), unless the trait
        // is a value trait (`value_traits`).
        for f in &cx.files {
            for i in &f.items.impls {
                if i.trait_path
                    .last()
                    .is_some_and(|t| !has(&self.tables.value_traits, t))
                {
                    kept.extend(i.self_ty.last().map(str::to_owned));
                }
            }
        }
        let kept: HashSet<&str> = kept.iter().map(String::as_str).collect();

        let mut candidates: Vec<Candidate<'_>> = Vec::new();
        for (ti, t) in cx.index.types.iter().enumerate() {
            if t.kind != TypeKind::Struct {
                continue;
            }
            for f in &t.fields {
                if let Some(shape) = c.shape(&f.ty, &t.module, 0) {
                    candidates.push(Candidate {
                        owner: Some(t.name.as_str()),
                        owner_index: Some(ti),
                        generics: &t.generics,
                        ty: f.ty.to_string(),
                        name: f.name.clone(),
                        target: Target::Field(Some(ti), f.name.clone()),
                        location: f.location,
                        shape,
                    });
                }
            }
        }
        for (_, s) in &scans {
            for d in &s.statics {
                if let Some(shape) = c.shape(&d.ty, &d.module, 0) {
                    candidates.push(Candidate {
                        owner: None,
                        owner_index: None,
                        generics: &[],
                        ty: d.ty.to_string(),
                        name: d.name.clone(),
                        target: Target::Static(d.name.clone(), Some(d.module.clone())),
                        location: d.location,
                        shape,
                    });
                }
            }
        }
        let mut name_count: HashMap<&str, usize> = HashMap::new();
        for cand in &candidates {
            if let Target::Field(_, f) = &cand.target {
                *name_count.entry(f.as_str()).or_default() += 1;
            }
        }

        let mut by_target: HashMap<Target, Vec<Resolved<'_>>> = HashMap::new();
        for (file, s) in &scans {
            for e in &s.events {
                let module = e.module.as_deref().unwrap_or(cx.files[*file].module);
                if let Some(target) = c.resolve(&e.root, &e.fields, module) {
                    by_target.entry(target).or_default().push(Resolved {
                        file: *file,
                        event: e,
                    });
                }
            }
        }
        let fn_info = |r: &Resolved<'_>| {
            let s = scans.iter().find(|(f, _)| *f == r.file).expect("scanned").1;
            &s.fns[r.event.func]
        };

        // A collection behind an `Arc` may be shared with another field that empties it.
        let mut shrunk_shared: HashSet<String> = HashSet::new();
        for cand in candidates.iter().filter(|c| c.shape.shared_pointer) {
            let field = match &cand.target {
                Target::Field(_, f) => Some(f.clone()),
                Target::Static(..) => None,
            };
            let shrinks = by_target
                .get(&cand.target)
                .into_iter()
                .flatten()
                .chain(
                    field
                        .and_then(|f| by_target.get(&Target::Field(None, f)))
                        .into_iter()
                        .flatten(),
                )
                .any(|r| {
                    matches!(
                        r.event.kind,
                        EventKind::Shrink | EventKind::Escape | EventKind::EscapeShared
                    )
                });
            if shrinks {
                shrunk_shared.insert(cand.ty.clone());
            }
        }
        // Proc macros and build helpers live for one compilation.
        let compile_time = scans.iter().any(|(_, s)| s.compile_time);
        for cand in &candidates {
            if compile_time {
                break;
            }
            if cand.shape.elements.iter().any(|e| c.is_listener(e, &[], 0)) {
                continue;
            }
            // A generic container's own storage (`VecMap<K, V>(Vec<(K, V)>)`): its users decide.
            if !cand.generics.is_empty()
                && cand
                    .shape
                    .elements
                    .iter()
                    .any(|e| mentions(e, cand.generics))
            {
                continue;
            }
            if cand.shape.shared_pointer && shrunk_shared.contains(&cand.ty) {
                continue;
            }
            // Keyed by references (`&'static str`, `&'static dyn Callsite`) or `TypeId`s:
            // bounded by the program's text.
            let key = match cand.shape.elements.first() {
                Some(Ty::Tuple(items)) => items.first(),
                other => other,
            };
            if key.is_some_and(|k| {
                matches!(k, Ty::Ref { .. } | Ty::Ptr(_))
                    || k.last()
                        .is_some_and(|l| has(&self.tables.names.program_bounded, l))
            }) {
                continue;
            }
            // A map or set whose keys take only a few values (a fieldless enum, a bool,
            // a struct of those): re-inserting a key does not grow it.
            let module = match (&cand.target, cand.owner_index) {
                (Target::Static(_, Some(m)), _) => m.as_slice(),
                (_, Some(i)) => c.index.types[i].module.as_slice(),
                _ => &[],
            };
            if has(&self.tables.names.keyed, &cand.shape.name)
                && let Some(key) = cand.shape.elements.first()
                && c.bounded_key(key, module, 0)
            {
                continue;
            }
            let mut events: Vec<&Resolved<'_>> = Vec::new();
            events.extend(by_target.get(&cand.target).into_iter().flatten());
            let mut untyped = Vec::new();
            let unresolved = match &cand.target {
                Target::Field(_, f) => Target::Field(None, f.clone()),
                Target::Static(n, _) => Target::Static(n.clone(), None),
            };
            if let Some(list) = by_target.get(&unresolved) {
                untyped.extend(list.iter());
            }
            let is_static = matches!(cand.target, Target::Static(..));
            let through_shared =
                cand.shape.interior.is_some() || cand.shape.concurrent || cand.shape.shared_pointer;
            let grows: Vec<&Resolved<'_>> = events
                .iter()
                .copied()
                .chain(
                    untyped
                        .iter()
                        .copied()
                        .filter(|_| name_count.get(cand.name.as_str()) == Some(&1)),
                )
                .filter(|r| r.event.kind == EventKind::Grow)
                .filter(|r| is_static || !fn_info(r).initialises)
                // `main` outside a loop runs once: that is set-up.
                .filter(|r| r.event.in_loop || fn_info(r).name != "main")
                .filter(|r| !r.event.through_clone || cand.shape.shared_pointer)
                .filter(|r| cand.shape.kind != ShapeKind::JoinSet || r.event.finishes)
                .collect();
            if grows.is_empty() {
                continue;
            }
            // Keyed by names every time (`insert(tag.to_string(), ..)`, `entry(scope)`):
            // one entry per name the program uses, not per request or connection.
            if has(&self.tables.names.keyed, &cand.shape.name)
                && grows.iter().all(|r| {
                    r.event.key.as_deref().is_some_and(|k| {
                        words(k)
                            .last()
                            .is_some_and(|w| has(&self.tables.name_key_words, w))
                    })
                })
            {
                continue;
            }
            let all: Vec<&Resolved<'_>> = events
                .iter()
                .copied()
                .chain(untyped.iter().copied())
                .collect();
            let shrinks = all
                .iter()
                .filter(|r| !r.event.through_clone || cand.shape.shared_pointer)
                .any(|r| match r.event.kind {
                    EventKind::Shrink | EventKind::Escape => true,
                    EventKind::EscapeShared => through_shared,
                    _ => false,
                });
            if shrinks {
                continue;
            }
            let grow_fns: HashSet<(usize, usize)> =
                grows.iter().map(|r| (r.file, r.event.func)).collect();
            if all.iter().any(|r| {
                r.event.kind == EventKind::LenCheck && grow_fns.contains(&(r.file, r.event.func))
            }) {
                continue;
            }
            if cand.shape.kind == ShapeKind::MaybeUnbounded
                && !unbounded_inits.contains(cand.name.as_str())
            {
                continue;
            }
            // Long-lived: a static, shared access, a held struct, or a telling name.
            let local_cell = cand
                .shape
                .interior
                .as_ref()
                .filter(|l| has(&self.tables.names.local_interior, l));
            let reason = if is_static {
                Some(String::from("a static lives for the whole program"))
            } else if let Some(lock) = cand
                .shape
                .interior
                .as_ref()
                .filter(|_| local_cell.is_none())
            {
                Some(format!("it is grown through shared access (`{lock}`)"))
            } else if cand.shape.concurrent {
                Some(format!(
                    "it is grown through shared access (`{}`)",
                    cand.shape.name
                ))
            } else if let Some(cell) = local_cell
                && ((cand.shape.shared_pointer && grows.iter().any(|r| r.event.through_clone))
                    || cand.owner_index.is_some_and(|o| held.shared.contains(&o)))
            {
                Some(format!(
                    "it is shared (an `Rc`/`Arc` or a static holds it) and grown through `{cell}`"
                ))
            } else if local_cell.is_none()
                && let Some(o) = cand
                    .owner
                    .filter(|_| cand.owner_index.is_some_and(|o| held.mutable.contains(&o)))
            {
                Some(format!(
                    "`{o}` is shared and mutable (held behind a lock or cell in an `Arc`/`Rc` or a static)"
                ))
            } else if cand.owner_index.is_some_and(|o| {
                let t = &cx.index.types[o];
                !t.public && !kept.contains(t.name.as_str())
            }) {
                // A private type no field, static or return type names lives in
                // locals only: whatever its name says, it dies with the call.
                None
            } else if grows
                .iter()
                .all(|r| has(&self.tables.grow_methods, &fn_info(r).name))
            {
                // Grown only by its own `insert`/`push`: the type is a collection,
                // and whoever holds it decides how long it lives.
                None
            } else {
                let mut names = vec![cand.name.as_str()];
                names.extend(cand.owner);
                self.long_lived_name(&names)
                    .map(|w| format!("its name says it is long-lived (`{w}`)"))
            };
            let Some(reason) = reason else {
                continue;
            };
            let spelled = match cand.owner {
                Some(o) => format!("{o}.{}", cand.name),
                None => format!("static {}", cand.name),
            };
            let fn_name = |r: &Resolved<'_>| fn_info(r).name.clone();
            let mut grows = grows;
            grows.sort_by_key(|r| (r.file, r.event.location.start));
            let grown = describe(&grows, &fn_name);
            let mut finding = if cand.shape.kind == ShapeKind::JoinSet {
                Finding::new(
                    cand.location,
                    format!("{spelled} is never joined: {grown}, never `join_next`ed or shut down"),
                )
                .note("a `JoinSet` keeps every finished task's output until it is joined")
                .help("drain finished tasks with `join_next()`/`try_join_next()` (e.g. a `select!` arm next to the spawns), or `detach_all()` if the results are not needed")
            } else {
                Finding::new(
                    cand.location,
                    format!("{spelled} only grows: {grown}, never removed, cleared or bounded"),
                )
                .help(HELP)
            };
            finding = finding.note(format!("long-lived because {reason}"));
            for r in &grows {
                finding = finding.label(
                    r.event.location,
                    format!("{} here, in {}", r.event.verb, fn_name(r)),
                );
            }
            out.push(finding);
        }
    }
}
