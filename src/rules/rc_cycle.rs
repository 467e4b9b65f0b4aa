//! `rc-cycle`: reference cycles between `Rc`/`Arc` types, across the crate.
//!
//! Every field gives edges from its type to the crate types it holds: *strong*
//! through `Rc`/`Arc`, *owning* by value, in a `Box` or a container. A group of
//! types that reach each other (a strongly connected component) is a cycle when
//! one of its edges is strong and one passes through interior mutability, since
//! a cycle can only be closed by setting a pointer after both values exist.

use serde::Deserialize;

use crate::crate_index::{CrateIndex, Entity};
use crate::diagnostic::Finding;
use crate::facts::{Ty, TypeDecl};
use crate::meta::RuleMeta;
use crate::rules::{CrateCtx, Rule};

pub struct RcCycle {
    meta: RuleMeta,
    tables: Tables,
}

#[derive(Deserialize)]
struct Tables {
    strong: Vec<String>,
    weak: Vec<String>,
    interior: Vec<String>,
    back_edge_names: Vec<String>,
}

/// The type names of a table (`std::rc::Rc` → `Rc`): field types are compared by
/// their last segment, since they are written through imports and re-exports.
fn names(table: &[String]) -> Vec<&str> {
    table
        .iter()
        .map(|p| p.rsplit("::").next().unwrap_or(p))
        .collect()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Edge {
    from: usize,
    field: usize,
    to: usize,
    strong: bool,
    interior: bool,
}

#[derive(Clone, Copy, Default)]
struct Through {
    strong: bool,
    interior: bool,
}

struct Walker<'a> {
    index: &'a CrateIndex<'a>,
    strong: Vec<&'a str>,
    weak: Vec<&'a str>,
    interior: Vec<&'a str>,
    owner: &'a TypeDecl,
    targets: Vec<(usize, Through)>,
}

const MAX_ALIAS_DEPTH: usize = 16;

impl Walker<'_> {
    fn walk(&mut self, ty: &Ty, through: Through, depth: usize) {
        if depth > MAX_ALIAS_DEPTH {
            return;
        }
        match ty {
            Ty::Path { path, args } => {
                let Some(last) = path.last().map(String::as_str) else {
                    return;
                };
                if path.len() == 1 && self.owner.generics.iter().any(|g| g == last) {
                    return;
                }
                if self.weak.contains(&last) {
                    return;
                }
                let mut inner = through;
                if self.strong.contains(&last) {
                    inner.strong = true;
                } else if self.interior.contains(&last) {
                    inner.interior = true;
                } else {
                    match self.index.resolve(path, &self.owner.module) {
                        Some(Entity::Alias(a)) => {
                            let expanded = self.index.expand_alias(a, args);
                            return self.walk(&expanded, through, depth + 1);
                        }
                        Some(Entity::Type(t)) => self.targets.push((t, through)),
                        Some(Entity::Trait(t)) => self.implementors(t, through),
                        None => {}
                    }
                }
                for arg in args {
                    self.walk(arg, inner, depth);
                }
            }
            Ty::Dyn(bounds) => {
                for b in bounds {
                    if let Ty::Path { path, .. } = b
                        && let Some(Entity::Trait(t)) = self.index.resolve(path, &self.owner.module)
                    {
                        self.implementors(t, through);
                    }
                }
            }
            Ty::Tuple(items) => items.iter().for_each(|t| self.walk(t, through, depth)),
            Ty::Array(t) => self.walk(t, through, depth),
            // A borrow or raw pointer does not own what it points to.
            Ty::Ref { .. } | Ty::Ptr(_) | Ty::Other => {}
        }
    }

    fn implementors(&mut self, t: usize, through: Through) {
        for imp in self.index.implementors(t) {
            self.targets.push((imp, through));
        }
    }
}

impl RcCycle {
    pub fn new() -> RcCycle {
        let meta = RuleMeta::parse(include_str!("../../rules/rc-cycle.toml"));
        let tables = meta.tables();
        RcCycle { meta, tables }
    }

    fn edges(&self, index: &CrateIndex<'_>) -> Vec<Edge> {
        let mut edges = Vec::new();
        for (from, decl) in index.types.iter().enumerate() {
            for (field, f) in decl.fields.iter().enumerate() {
                let mut w = Walker {
                    index,
                    strong: names(&self.tables.strong),
                    weak: names(&self.tables.weak),
                    interior: names(&self.tables.interior),
                    owner: decl,
                    targets: Vec::new(),
                };
                w.walk(&f.ty, Through::default(), 0);
                for (to, through) in w.targets {
                    match edges
                        .iter_mut()
                        .find(|e: &&mut Edge| e.from == from && e.field == field && e.to == to)
                    {
                        Some(e) => {
                            e.strong |= through.strong;
                            e.interior |= through.interior;
                        }
                        None => edges.push(Edge {
                            from,
                            field,
                            to,
                            strong: through.strong,
                            interior: through.interior,
                        }),
                    }
                }
            }
        }
        edges
    }

    fn is_back_name(&self, field: &str) -> bool {
        let own = field.rsplit('.').next().unwrap_or(field).to_lowercase();
        own.split('_')
            .any(|word| self.tables.back_edge_names.iter().any(|b| b == word))
    }
}

impl Default for RcCycle {
    fn default() -> Self {
        RcCycle::new()
    }
}

/// Tarjan's strongly connected components over `n` nodes.
fn components(n: usize, edges: &[Edge]) -> Vec<Vec<usize>> {
    struct State<'a> {
        adj: Vec<Vec<usize>>,
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        out: Vec<Vec<usize>>,
        _edges: &'a [Edge],
    }
    fn connect(s: &mut State<'_>, v: usize) {
        s.index[v] = Some(s.next);
        s.low[v] = s.next;
        s.next += 1;
        s.stack.push(v);
        s.on_stack[v] = true;
        for i in 0..s.adj[v].len() {
            let w = s.adj[v][i];
            match s.index[w] {
                None => {
                    connect(s, w);
                    s.low[v] = s.low[v].min(s.low[w]);
                }
                Some(iw) if s.on_stack[w] => s.low[v] = s.low[v].min(iw),
                Some(_) => {}
            }
        }
        if Some(s.low[v]) == s.index[v] {
            let mut group = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack[w] = false;
                group.push(w);
                if w == v {
                    break;
                }
            }
            group.sort_unstable();
            s.out.push(group);
        }
    }
    let mut adj = vec![Vec::new(); n];
    for e in edges {
        adj[e.from].push(e.to);
    }
    let mut s = State {
        adj,
        index: vec![None; n],
        low: vec![0; n],
        on_stack: vec![false; n],
        stack: Vec::new(),
        next: 0,
        out: Vec::new(),
        _edges: edges,
    };
    for v in 0..n {
        if s.index[v].is_none() {
            connect(&mut s, v);
        }
    }
    s.out
}

/// A shortest chain of edges from `from` to `to` inside the group.
fn chain(from: usize, to: usize, edges: &[&Edge]) -> Vec<Edge> {
    let mut prev: std::collections::HashMap<usize, Edge> = std::collections::HashMap::new();
    let mut queue = std::collections::VecDeque::from([from]);
    let mut seen = std::collections::HashSet::from([from]);
    while let Some(v) = queue.pop_front() {
        if v == to {
            break;
        }
        for e in edges.iter().filter(|e| e.from == v) {
            if seen.insert(e.to) {
                prev.insert(e.to, **e);
                queue.push_back(e.to);
            }
        }
    }
    let mut out = Vec::new();
    let mut cur = to;
    while cur != from {
        let Some(e) = prev.get(&cur) else { break };
        out.push(*e);
        cur = e.from;
    }
    out.reverse();
    out
}

impl Rule for RcCycle {
    fn meta(&self) -> &RuleMeta {
        &self.meta
    }

    fn check_crate(&self, cx: &CrateCtx<'_>, out: &mut Vec<Finding>) {
        let index = cx.index;
        let edges = self.edges(index);
        let field = |e: &Edge| &index.types[e.from].fields[e.field];
        let spell = |e: &Edge| format!("{}.{}", index.types[e.from].name, field(e).name);
        for group in components(index.types.len(), &edges) {
            let inner: Vec<&Edge> = edges
                .iter()
                .filter(|e| group.contains(&e.from) && group.contains(&e.to))
                .collect();
            if inner.is_empty()
                || !inner.iter().any(|e| e.strong)
                || !inner.iter().any(|e| e.interior)
            {
                continue;
            }
            let by_source = |e: &&&Edge| (field(e).location.file, field(e).location.start);
            let back = inner
                .iter()
                .filter(|e| e.strong && self.is_back_name(&field(e).name))
                .max_by_key(by_source);
            let primary = if group.len() == 1 {
                // A type that only points forward at itself is a list or a tree.
                match back {
                    Some(b) if inner.len() >= 2 => *b,
                    _ => continue,
                }
            } else {
                match back.or_else(|| inner.iter().filter(|e| e.strong).max_by_key(by_source)) {
                    Some(e) => *e,
                    None => continue,
                }
            };
            let mut cycle = vec![*primary];
            if primary.from == primary.to {
                if let Some(other) = inner.iter().find(|e| **e != primary) {
                    cycle.push(**other);
                }
            } else {
                cycle.extend(chain(primary.to, primary.from, &inner));
            }
            let spelled = cycle
                .iter()
                .map(|e| format!("{} -> {}", spell(e), index.types[e.to].name))
                .collect::<Vec<_>>()
                .join(" -> ");
            let target = &index.types[primary.to].name;
            let sync = field(primary).ty.to_string().contains("Arc");
            let weak = if sync {
                "std::sync::Weak"
            } else {
                "std::rc::Weak"
            };
            let mut finding = Finding::new(field(primary).location, format!("reference cycle: {spelled}"))
                .note("values on a cycle of strong pointers keep each other's count above zero: once linked, none of them is ever dropped")
                .help(format!(
                    "make `{}` a `Weak<{target}>` ({weak}) and `upgrade()` it where it is used",
                    spell(primary)
                ));
            let mut labelled = vec![(primary.from, primary.field)];
            for e in &inner {
                if labelled.contains(&(e.from, e.field)) {
                    continue;
                }
                labelled.push((e.from, e.field));
                let how = if e.strong { "strong pointer" } else { "owns" };
                finding = finding.label(
                    field(e).location,
                    format!("{} -> {} ({how})", spell(e), index.types[e.to].name),
                );
            }
            out.push(finding);
        }
    }
}
