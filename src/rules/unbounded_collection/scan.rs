//! The file pass: every access to a collection-like place (`self.f`, `state.f`,
//! a static, a local) with what it does to it — grow, shrink, escape, length
//! check — as owned facts for the crate pass. Local collections in endless loops
//! and `#[cached]` functions are decided here, since they never leave the file.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use syn::spanned::Spanned;
use syn::visit::{self, Visit};

use super::Tables;
use crate::diagnostic::{Finding, Location};
use crate::facts::Ty;
use crate::imports::{Imports, last_ident, path_segments};
use crate::macros::is_macro_call;
use crate::source::FileSpans;

/// Where an access path starts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Root {
    /// `self`, in an impl of the type at this path (None in trait default methods).
    SelfValue(Option<Vec<String>>),
    /// A parameter whose type names a struct (`state: &AppState`), by resolved path.
    Param(Vec<String>),
    /// A path that may name a `static` (`CACHE`, `crate::REGISTRY`).
    Static(String),
    /// A plain local declared in this function as a collection (index into `locals`).
    Local(usize),
    /// A receiver whose type we do not know (`state.f` in a closure).
    Unknown,
}

#[derive(Clone, Debug)]
pub struct Access {
    pub root: Root,
    pub fields: Vec<String>,
    /// Went through `.clone()`: the same collection only if it sits behind an `Arc`/`Rc`.
    pub through_clone: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventKind {
    Grow,
    Shrink,
    /// Passed by `&mut`, by value or returned: someone else may empty it.
    Escape,
    /// Handed out by `&`: an escape only when it can be mutated through `&`.
    EscapeShared,
    LenCheck,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Event {
    pub root: Root,
    pub fields: Vec<String>,
    pub through_clone: bool,
    pub kind: EventKind,
    #[serde(deserialize_with = "known_verb")]
    pub verb: Verb,
    pub func: usize,
    pub location: Location,
    /// For a `spawn` into a `JoinSet`: the task can finish.
    pub finishes: bool,
    pub in_loop: bool,
    /// The (inline) module of the access, to resolve names in.
    pub module: Option<Vec<String>>,
    /// For a keyed insert (`insert(k, ..)`, `entry(k)`): the name the key is
    /// spelled with (`tag` of `tag.to_string()`, `fq_name` of `desc.fq_name.clone()`).
    #[serde(default)]
    pub key: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FnInfo {
    pub name: String,
    /// A constructor, builder or `Default`/`Clone`/.. impl: growth there is initialisation.
    pub initialises: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StaticDecl {
    pub name: String,
    pub ty: Ty,
    pub location: Location,
    pub module: Vec<String>,
}

/// What the crate pass needs from one file.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct FileScan {
    pub events: Vec<Event>,
    pub fns: Vec<FnInfo>,
    pub statics: Vec<StaticDecl>,
    /// Struct names held in an `Arc`/`Rc`/`Data` or a static in this file, and
    /// whether through a lock or cell (then they can be mutated while shared).
    pub held: Vec<(String, bool)>,
    /// Fields initialised with an unbounded cache constructor.
    pub unbounded_inits: Vec<String>,
    /// Last names of the types a function signature returns (`-> Option<Seen>`
    /// gives `Option` and `Seen`): a value of those can outlive the call.
    pub returned: Vec<String>,
    /// The file uses a compile-time crate (`proc_macro`, `syn`): it runs inside a compiler.
    pub compile_time: bool,
    pub findings: Vec<Finding>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LoopKind {
    Endless,
    Event,
    Finite,
}

struct LoopInfo {
    kind: LoopKind,
    start: usize,
    end: usize,
}

struct LocalDecl {
    name: String,
    location: Location,
    decl_at: usize,
}

struct LocalEvent {
    local: usize,
    kind: EventKind,
    verb: &'static str,
    location: Location,
    loops: Vec<usize>,
}

#[derive(Default)]
struct FnScope {
    id: usize,
    self_ty: Option<Vec<String>>,
    params: HashMap<String, Vec<String>>,
    bound: HashMap<String, Access>,
    locals: Vec<LocalDecl>,
    local_events: Vec<LocalEvent>,
    /// Every mention of a local collection, and those that are a method receiver.
    mentions: Vec<(usize, usize)>,
    receivers: HashSet<usize>,
    loops: Vec<LoopInfo>,
    loop_stack: Vec<usize>,
}

pub struct Scanner<'a> {
    pub tables: &'a Tables,
    pub imports: &'a Imports,
    pub spans: FileSpans<'a>,
    pub module: Vec<String>,
    pub out: FileScan,
    scope: Option<FnScope>,
    impl_ty: Option<String>,
    impl_path: Option<Vec<String>>,
    impl_initialises: bool,
    /// Receivers handled by their method call; their own visit must not count them as escapes.
    consumed: HashSet<usize>,
    /// `entry(..)` calls followed by an `or_insert*`.
    chained_entries: HashSet<usize>,
}

fn lower_last(path: &syn::Path) -> String {
    last_ident(path).unwrap_or_default()
}

fn is_screaming(name: &str) -> bool {
    name.chars().any(|c| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// The struct a parameter type names, through references and holder/lock wrappers.
fn param_struct<'t>(ty: &'t syn::Type, wrappers: &[String]) -> Option<&'t syn::Path> {
    match ty {
        syn::Type::Reference(r) => param_struct(&r.elem, wrappers),
        syn::Type::Paren(p) => param_struct(&p.elem, wrappers),
        syn::Type::Path(p) => {
            let last = p.path.segments.last()?;
            let name = last.ident.to_string();
            if wrappers.contains(&name) {
                if let syn::PathArguments::AngleBracketed(a) = &last.arguments {
                    for arg in &a.args {
                        if let syn::GenericArgument::Type(t) = arg {
                            return param_struct(t, wrappers);
                        }
                    }
                }
                return None;
            }
            name.chars()
                .next()
                .is_some_and(|c| c.is_ascii_uppercase())
                .then_some(&p.path)
        }
        _ => None,
    }
}

fn pat_ident(pat: &syn::Pat) -> Option<&syn::Ident> {
    match pat {
        syn::Pat::Ident(p) => Some(&p.ident),
        syn::Pat::Type(t) => pat_ident(&t.pat),
        // `State(state)`, `Data(state)`, `Extension(state)`
        syn::Pat::TupleStruct(t) if t.elems.len() == 1 => pat_ident(&t.elems[0]),
        syn::Pat::Reference(r) => pat_ident(&r.pat),
        _ => None,
    }
}

/// True when `body` has a `break` that leaves the loop labelled `label`
/// (or, with `returns`, a `return`).
fn has_exit(body: &syn::Block, label: Option<&syn::Lifetime>, returns: bool) -> bool {
    struct Finder<'l> {
        label: Option<&'l syn::Lifetime>,
        depth: usize,
        found: bool,
        returns: bool,
    }
    impl<'ast> Visit<'ast> for Finder<'_> {
        fn visit_expr_return(&mut self, r: &'ast syn::ExprReturn) {
            self.found |= self.returns;
            visit::visit_expr_return(self, r);
        }
        fn visit_expr_break(&mut self, b: &'ast syn::ExprBreak) {
            match &b.label {
                Some(l) => self.found |= self.label.is_some_and(|own| own.ident == l.ident),
                None => self.found |= self.depth == 0,
            }
            visit::visit_expr_break(self, b);
        }
        fn visit_expr_loop(&mut self, l: &'ast syn::ExprLoop) {
            self.depth += 1;
            visit::visit_expr_loop(self, l);
            self.depth -= 1;
        }
        fn visit_expr_while(&mut self, l: &'ast syn::ExprWhile) {
            self.depth += 1;
            visit::visit_expr_while(self, l);
            self.depth -= 1;
        }
        fn visit_expr_for_loop(&mut self, l: &'ast syn::ExprForLoop) {
            self.depth += 1;
            visit::visit_expr_for_loop(self, l);
            self.depth -= 1;
        }
        // A closure's or a nested function's `break` is not ours.
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
        fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
    }
    let mut f = Finder {
        label,
        depth: 0,
        found: false,
        returns,
    };
    f.visit_block(body);
    f.found
}

/// True when the code awaits one of the event methods (`rx.recv().await`, `listener.accept().await`).
fn awaits_event(node: &impl AwaitScan, events: &[String]) -> bool {
    struct Finder<'e> {
        events: &'e [String],
        found: bool,
    }
    impl<'ast> Visit<'ast> for Finder<'_> {
        fn visit_expr_await(&mut self, a: &'ast syn::ExprAwait) {
            if let syn::Expr::MethodCall(m) = &*a.base
                && self.events.iter().any(|e| m.method == e)
            {
                self.found = true;
            }
            visit::visit_expr_await(self, a);
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
        fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
    }
    let mut f = Finder {
        events,
        found: false,
    };
    node.scan(&mut f);
    f.found
}

trait AwaitScan {
    fn scan<'ast>(&'ast self, v: &mut impl Visit<'ast>);
}
impl AwaitScan for syn::Block {
    fn scan<'ast>(&'ast self, v: &mut impl Visit<'ast>) {
        v.visit_block(self);
    }
}
impl AwaitScan for syn::Expr {
    fn scan<'ast>(&'ast self, v: &mut impl Visit<'ast>) {
        v.visit_expr(self);
    }
}

/// A task body that never finishes: an unbroken `loop` at its top level.
fn endless_task(arg: &syn::Expr) -> bool {
    let body = match arg {
        syn::Expr::Async(a) => &a.block,
        syn::Expr::Closure(c) => match &*c.body {
            syn::Expr::Block(b) => &b.block,
            syn::Expr::Async(a) => &a.block,
            _ => return false,
        },
        _ => return false,
    };
    body.stmts.iter().any(|s| match s {
        syn::Stmt::Expr(syn::Expr::Loop(l), _) => {
            !has_exit(&l.body, l.label.as_ref().map(|l| &l.name), true)
        }
        _ => false,
    })
}

fn is_comparison(op: &syn::BinOp) -> bool {
    matches!(
        op,
        syn::BinOp::Lt(_)
            | syn::BinOp::Le(_)
            | syn::BinOp::Gt(_)
            | syn::BinOp::Ge(_)
            | syn::BinOp::Eq(_)
            | syn::BinOp::Ne(_)
    )
}

/// Every verb an [`Event`] has: the facts cache reads them back as these.
const VERBS: [&str; 8] = [
    "",
    REPLACED,
    EMPTIED,
    "pushed",
    "extended",
    "appended",
    "spawned into",
    "inserted",
];

/// The verb of a shrink that puts a new value in the place (`=`, `Option::take`,
/// `mem::take`/`replace`/`swap`): what the place held before is dropped whole.
pub const REPLACED: &str = "replaced";

/// The verb of a shrink that empties a queue or buffer in order (`drain`,
/// `pop*`, `clear`, `truncate`): what it held flows through.
pub const EMPTIED: &str = "emptied";

/// One of [`VERBS`]. An alias, so serde does not take `&'static str` for a
/// string borrowed from the input.
pub type Verb = &'static str;

fn known_verb<'de, D: serde::Deserializer<'de>>(d: D) -> Result<&'static str, D::Error> {
    let verb = String::deserialize(d)?;
    VERBS
        .into_iter()
        .find(|v| *v == verb)
        .ok_or_else(|| serde::de::Error::custom(format!("unknown verb `{verb}`")))
}

fn verb_of(method: &str) -> &'static str {
    match method {
        "push" | "push_back" | "push_front" => "pushed",
        "extend" | "extend_from_slice" => "extended",
        "append" => "appended",
        m if m.starts_with("spawn") => "spawned into",
        _ => "inserted",
    }
}

impl<'a> Scanner<'a> {
    pub fn new(
        tables: &'a Tables,
        imports: &'a Imports,
        spans: FileSpans<'a>,
        module: &[String],
    ) -> Self {
        Scanner {
            tables,
            imports,
            spans,
            module: module.to_vec(),
            out: FileScan::default(),
            scope: None,
            impl_ty: None,
            impl_path: None,
            impl_initialises: false,
            consumed: HashSet::new(),
            chained_entries: HashSet::new(),
        }
    }

    fn has(list: &[String], name: &str) -> bool {
        list.iter().any(|m| m == name)
    }

    /// The access path an expression names, if it ends in a place we track.
    fn access(&self, e: &syn::Expr) -> Option<Access> {
        let scope = self.scope.as_ref()?;
        match e {
            syn::Expr::Path(p) if p.qself.is_none() => {
                let segs = path_segments(&p.path);
                if segs.len() == 1 {
                    let name = &segs[0];
                    if name == "self" {
                        return Some(Access {
                            root: Root::SelfValue(scope.self_ty.clone()),
                            fields: Vec::new(),
                            through_clone: false,
                        });
                    }
                    if let Some(a) = scope.bound.get(name) {
                        return Some(a.clone());
                    }
                    if let Some(t) = scope.params.get(name) {
                        return Some(Access {
                            root: Root::Param(t.clone()),
                            fields: Vec::new(),
                            through_clone: false,
                        });
                    }
                }
                let last = segs.last()?;
                is_screaming(last).then(|| Access {
                    root: Root::Static(last.clone()),
                    fields: Vec::new(),
                    through_clone: false,
                })
            }
            syn::Expr::Field(f) => {
                let syn::Member::Named(name) = &f.member else {
                    let mut a = self.access(&f.base)?;
                    if let syn::Member::Unnamed(i) = &f.member {
                        a.fields.push(i.index.to_string());
                    }
                    return Some(a);
                };
                let mut a = self.access(&f.base).unwrap_or(Access {
                    root: Root::Unknown,
                    fields: Vec::new(),
                    through_clone: false,
                });
                if matches!(a.root, Root::Local(_)) {
                    return None;
                }
                a.fields.push(name.to_string());
                Some(a)
            }
            syn::Expr::MethodCall(m) => {
                let name = m.method.to_string();
                let one_arg = [
                    "expect",
                    "get_or_init",
                    "get_or_insert_with",
                    "get_or_insert",
                    "unwrap_or_else",
                ];
                let transparent = Self::has(&self.tables.transparent_methods, &name)
                    && (m.args.is_empty()
                        || (m.args.len() == 1 && one_arg.contains(&name.as_str())));
                if !transparent {
                    return None;
                }
                let mut a = self.access(&m.receiver)?;
                a.through_clone |= name == "clone";
                Some(a)
            }
            syn::Expr::Call(c) => {
                // `Arc::clone(&x)`, `Rc::clone(&x)`
                if let syn::Expr::Path(p) = &*c.func
                    && lower_last(&p.path) == "clone"
                    && c.args.len() == 1
                {
                    let mut a = self.access(&c.args[0])?;
                    a.through_clone = true;
                    return Some(a);
                }
                None
            }
            syn::Expr::Await(a) => self.access(&a.base),
            syn::Expr::Try(t) => self.access(&t.expr),
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => self.access(&u.expr),
            syn::Expr::Reference(r) => self.access(&r.expr),
            syn::Expr::Paren(p) => self.access(&p.expr),
            syn::Expr::Group(g) => self.access(&g.expr),
            syn::Expr::Unsafe(u) => match u.block.stmts.as_slice() {
                [syn::Stmt::Expr(e, None)] => self.access(e),
                _ => None,
            },
            _ => None,
        }
    }

    /// The innermost path of an access chain: its mention is a receiver, not an escape.
    fn root_path_offset(e: &syn::Expr, spans: FileSpans<'_>) -> Option<usize> {
        match e {
            syn::Expr::Path(p) => Some(spans.loc(p).start),
            syn::Expr::Field(f) => Self::root_path_offset(&f.base, spans),
            syn::Expr::MethodCall(m) => Self::root_path_offset(&m.receiver, spans),
            syn::Expr::Await(a) => Self::root_path_offset(&a.base, spans),
            syn::Expr::Try(t) => Self::root_path_offset(&t.expr, spans),
            syn::Expr::Unary(u) => Self::root_path_offset(&u.expr, spans),
            syn::Expr::Reference(r) => Self::root_path_offset(&r.expr, spans),
            syn::Expr::Paren(p) => Self::root_path_offset(&p.expr, spans),
            _ => None,
        }
    }

    fn record(
        &mut self,
        a: Access,
        kind: EventKind,
        verb: &'static str,
        location: Location,
        finishes: bool,
    ) {
        let Some(scope) = self.scope.as_mut() else {
            return;
        };
        if let Root::Local(local) = a.root {
            if !a.fields.is_empty() {
                return;
            }
            scope.local_events.push(LocalEvent {
                local,
                kind,
                verb,
                location,
                loops: scope.loop_stack.clone(),
            });
            return;
        }
        if a.fields.is_empty() && !matches!(a.root, Root::Static(_)) {
            return;
        }
        self.out.events.push(Event {
            root: a.root,
            fields: a.fields,
            through_clone: a.through_clone,
            kind,
            verb,
            func: scope.id,
            location,
            finishes,
            in_loop: !scope.loop_stack.is_empty(),
            module: Some(self.module.clone()),
            key: None,
        });
    }

    /// Records growth with the key it is keyed by, when the key is spelled as a name.
    fn record_keyed(
        &mut self,
        a: Access,
        verb: &'static str,
        location: Location,
        finishes: bool,
        key: Option<&syn::Expr>,
    ) {
        let before = self.out.events.len();
        self.record(a, EventKind::Grow, verb, location, finishes);
        if self.out.events.len() > before
            && let Some(event) = self.out.events.last_mut()
        {
            event.key = key.and_then(key_name);
        }
    }

    /// An expression handed to someone else (an argument, a return value).
    fn escape(&mut self, e: &syn::Expr) {
        let (inner, shared) = match e {
            syn::Expr::Reference(r) => (&*r.expr, r.mutability.is_none()),
            other => (other, false),
        };
        // `&*guard` lends the collection to read; `&self.f` lends the lock or map itself.
        fn place(e: &syn::Expr) -> bool {
            match e {
                syn::Expr::Path(_) => true,
                syn::Expr::Field(f) => place(&f.base),
                syn::Expr::Paren(p) => place(&p.expr),
                _ => false,
            }
        }
        if shared && !place(inner) {
            return;
        }
        // `x.clone()` of a plain collection is a copy; behind an Arc it is shared (crate pass).
        if let Some(a) = self.access(inner) {
            let kind = if shared {
                EventKind::EscapeShared
            } else {
                EventKind::Escape
            };
            let loc = self.spans.loc(e);
            self.record(a, kind, "", loc, false);
        }
    }

    fn enter_fn(
        &mut self,
        name: String,
        sig: &syn::Signature,
        initialises: bool,
        body: impl FnOnce(&mut Self),
    ) {
        let id = self.out.fns.len();
        self.out.fns.push(FnInfo { name, initialises });
        if let syn::ReturnType::Type(_, ty) = &sig.output {
            type_names(&Ty::from_syn(ty, self.imports), &mut self.out.returned);
        }
        let wrappers = &self.tables.names.param_wrappers;
        let mut scope = FnScope {
            id,
            self_ty: self.impl_ty.as_ref().and(self.impl_path.clone()),
            ..FnScope::default()
        };
        for input in &sig.inputs {
            if let syn::FnArg::Typed(t) = input
                && let Some(id) = pat_ident(&t.pat)
                && let Some(s) = param_struct(&t.ty, wrappers)
            {
                scope
                    .params
                    .insert(id.to_string(), self.imports.resolve_path(s));
            }
        }
        let saved = self.scope.replace(scope);
        body(self);
        let scope = std::mem::replace(&mut self.scope, saved).expect("entered");
        self.finish_locals(scope);
    }

    fn initialising_sig(&self, sig: &syn::Signature) -> bool {
        let name = sig.ident.to_string();
        if Self::has(&self.tables.constructor_names, &name)
            || self
                .tables
                .constructor_prefixes
                .iter()
                .any(|p| name.starts_with(p.as_str()))
        {
            return true;
        }
        if let Some(syn::FnArg::Receiver(r)) = sig.inputs.first()
            && r.reference.is_none()
        {
            return true;
        }
        if let syn::ReturnType::Type(_, ty) = &sig.output {
            let mut found = false;
            let own = self.impl_ty.clone();
            struct SelfFinder<'o> {
                own: &'o Option<String>,
                found: &'o mut bool,
            }
            impl<'ast> Visit<'ast> for SelfFinder<'_> {
                fn visit_path(&mut self, p: &'ast syn::Path) {
                    if let Some(l) = p.segments.last()
                        && (l.ident == "Self" || self.own.as_ref().is_some_and(|o| l.ident == o))
                    {
                        *self.found = true;
                    }
                    visit::visit_path(self, p);
                }
                fn visit_type_reference(&mut self, _: &'ast syn::TypeReference) {}
            }
            SelfFinder {
                own: &own,
                found: &mut found,
            }
            .visit_type(ty);
            if found {
                return true;
            }
        }
        false
    }

    fn is_local_collection_init(&self, init: &syn::Expr, ty: Option<&syn::Type>) -> bool {
        let coll = &self.tables.names.local_collections;
        let ctors = &self.tables.local_constructors;
        match init {
            syn::Expr::Call(c) => {
                if is_macro_call(c) {
                    return matches!(&*c.func, syn::Expr::Path(p) if lower_last(&p.path) == "vec")
                        && c.args.is_empty();
                }
                let syn::Expr::Path(p) = &*c.func else {
                    return false;
                };
                let segs = path_segments(&p.path);
                let n = segs.len();
                if n >= 2 && coll.contains(&segs[n - 2]) && Self::has(ctors, &segs[n - 1]) {
                    return true;
                }
                // `Default::default()` with a written collection type
                n >= 1
                    && Self::has(ctors, &segs[n - 1])
                    && ty.is_some_and(|t| matches!(t, syn::Type::Path(tp) if coll.contains(&lower_last(&tp.path))))
            }
            _ => false,
        }
    }

    fn finish_locals(&mut self, scope: FnScope) {
        for (i, decl) in scope.locals.iter().enumerate() {
            let events: Vec<&LocalEvent> =
                scope.local_events.iter().filter(|e| e.local == i).collect();
            if events.iter().any(|e| e.kind != EventKind::Grow) {
                continue;
            }
            let escaped = scope
                .mentions
                .iter()
                .any(|&(l, at)| l == i && !scope.receivers.contains(&at));
            if escaped {
                continue;
            }
            let mut loop_kind = LoopKind::Endless;
            let in_loop: Vec<&&LocalEvent> = events
                .iter()
                .filter(|e| {
                    e.loops.iter().any(|&li| {
                        let lp = &scope.loops[li];
                        lp.start > decl.decl_at
                            && match lp.kind {
                                LoopKind::Endless => true,
                                LoopKind::Event => {
                                    !scope.mentions.iter().any(|&(l, at)| l == i && at > lp.end)
                                }
                                LoopKind::Finite => false,
                            }
                    })
                })
                .collect();
            if let Some(e) = in_loop.first()
                && let Some(&li) = e
                    .loops
                    .iter()
                    .find(|&&li| scope.loops[li].kind != LoopKind::Finite)
            {
                loop_kind = scope.loops[li].kind;
            }
            // Growth in a finite loop inside the event loop is still per event.
            let Some(first) = in_loop.first() else {
                continue;
            };
            let fname = &self.out.fns[scope.id].name;
            let mut f = Finding::new(
                decl.location,
                format!(
                    "`{}` only grows: {} in the {} loop of {fname}, never {}",
                    decl.name,
                    first.verb,
                    if loop_kind == LoopKind::Event {
                        "event"
                    } else {
                        "endless"
                    },
                    if first.verb == "spawned into" {
                        "joined"
                    } else {
                        "removed, cleared or bounded"
                    },
                ),
            );
            for e in &in_loop {
                f = f.label(e.location, format!("{} here, on every iteration", e.verb));
            }
            f = if first.verb == "spawned into" {
                f.note("a `JoinSet` keeps every finished task's output until it is joined, and the loop never ends")
                    .help("drain finished tasks with `join_next()`/`try_join_next()` in the loop (e.g. a `select!` arm next to the accept)")
            } else {
                f.note("the loop runs for the life of the task, so every entry stays until it ends")
                    .help("remove entries when they finish (e.g. `retain(|h| !h.is_finished())`, or a `JoinSet` drained with `join_next`), or bound it with a length check")
            };
            self.out.findings.push(f);
        }
    }

    fn cached_attr(&mut self, attrs: &[syn::Attribute], sig: &syn::Signature) {
        for a in attrs {
            let resolved = self.imports.resolve_path(a.path()).join("::");
            if !Self::has(&self.tables.cached_attributes, &resolved) {
                continue;
            }
            let tokens = match &a.meta {
                syn::Meta::List(l) => l.tokens.to_string(),
                _ => String::new(),
            };
            let words: Vec<&str> = tokens
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .filter(|w| !w.is_empty())
                .collect();
            if self
                .tables
                .cached_bounding_args
                .iter()
                .any(|b| words.contains(&b.as_str()))
            {
                continue;
            }
            // A function without arguments caches a single value.
            if sig.inputs.is_empty() {
                continue;
            }
            let mut f = Finding::new(
                self.spans.loc(a),
                format!(
                    "`{}` is memoized in an unbounded cache: every distinct argument is kept forever",
                    sig.ident
                ),
            )
            .label(self.spans.loc(&sig.ident), "one entry per distinct argument");
            if words.contains(&"time") {
                f = f.note("`time` expires entries when they are read again, but does not bound how many are kept");
            } else {
                f = f.note("`#[cached]` without `max_size` uses an `UnboundCache`");
            }
            f = f.help("bound it: `#[cached(max_size = 1000)]` (an LRU `SizedCache`), or `time` together with `max_size`");
            self.out.findings.push(f);
        }
    }

    /// Names inside a holder (`Arc<Mutex<State>>`) or, with `all`, anywhere in the type
    /// (a static's); `mutable` once an interior wrapper is on the way.
    fn note_held(&mut self, ty: &syn::Type, all: bool) {
        struct Held<'h> {
            tables: &'h Tables,
            out: &'h mut Vec<(String, bool)>,
            inside: bool,
            mutable: bool,
        }
        impl<'ast> Visit<'ast> for Held<'_> {
            fn visit_path(&mut self, p: &'ast syn::Path) {
                if let Some(last) = p.segments.last() {
                    let name = last.ident.to_string();
                    if self.inside {
                        self.out.push((name.clone(), self.mutable));
                    }
                    let n = &self.tables.names;
                    let holder = n.holders.contains(&name);
                    let interior = n.interior.contains(&name);
                    if (holder || (interior && self.inside))
                        && let syn::PathArguments::AngleBracketed(a) = &last.arguments
                    {
                        let was = (self.inside, self.mutable);
                        self.inside = true;
                        self.mutable |= interior;
                        visit::visit_angle_bracketed_generic_arguments(self, a);
                        (self.inside, self.mutable) = was;
                        return;
                    }
                }
                visit::visit_path(self, p);
            }
        }
        Held {
            tables: self.tables,
            out: &mut self.out.held,
            inside: all,
            mutable: false,
        }
        .visit_type(ty);
    }

    /// `Arc::new(Foo { .. })`, `Arc::new(Mutex::new(Foo::new()))`.
    fn note_held_expr(&mut self, e: &syn::Expr, mutable: bool) {
        match e {
            syn::Expr::Struct(s) => self.out.held.push((lower_last(&s.path), mutable)),
            syn::Expr::Call(c) => {
                let mut inner = mutable;
                if let syn::Expr::Path(p) = &*c.func {
                    let segs = path_segments(&p.path);
                    if segs.len() >= 2 {
                        let ty = segs[segs.len() - 2].clone();
                        inner |= self.tables.names.interior.contains(&ty);
                        self.out.held.push((ty, mutable));
                    }
                }
                for a in &c.args {
                    self.note_held_expr(a, inner);
                }
            }
            syn::Expr::MethodCall(m) => self.note_held_expr(&m.receiver, mutable),
            syn::Expr::Try(t) => self.note_held_expr(&t.expr, mutable),
            syn::Expr::Await(a) => self.note_held_expr(&a.base, mutable),
            _ => {}
        }
    }

    fn unbounded_init(&self, e: &syn::Expr) -> bool {
        struct Finder<'t> {
            tables: &'t Tables,
            ctor: bool,
            builder: bool,
            bounded: bool,
        }
        impl<'ast> Visit<'ast> for Finder<'_> {
            fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
                let last = lower_last(&p.path);
                self.ctor |= Scanner::has(&self.tables.unbounded_constructors, &last);
                self.builder |= Scanner::has(&self.tables.builder_constructors, &last);
                visit::visit_expr_path(self, p);
            }
            fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
                self.bounded |=
                    Scanner::has(&self.tables.bounding_builder_methods, &m.method.to_string());
                visit::visit_expr_method_call(self, m);
            }
        }
        let mut f = Finder {
            tables: self.tables,
            ctor: false,
            builder: false,
            bounded: false,
        };
        f.visit_expr(e);
        f.ctor || (f.builder && !f.bounded)
    }

    fn push_loop(
        &mut self,
        kind: LoopKind,
        node: &(impl Spanned + 'static),
        body: impl FnOnce(&mut Self),
    ) {
        let loc = self.spans.loc(node);
        if let Some(scope) = self.scope.as_mut() {
            scope.loops.push(LoopInfo {
                kind,
                start: loc.start,
                end: loc.end,
            });
            let idx = scope.loops.len() - 1;
            scope.loop_stack.push(idx);
        }
        body(self);
        if let Some(scope) = self.scope.as_mut() {
            scope.loop_stack.pop();
        }
    }

    /// `Some(m)`, `Self { cache, .. }`, `ref mut m` bound to a tracked place.
    fn bind_pattern(&mut self, pat: &syn::Pat, a: Access) {
        if matches!(a.root, Root::Local(_)) {
            return;
        }
        match pat {
            syn::Pat::Struct(ps) => {
                for f in &ps.fields {
                    if let syn::Member::Named(name) = &f.member {
                        let mut inner = a.clone();
                        inner.fields.push(name.to_string());
                        self.bind_pattern(&f.pat, inner);
                    }
                }
            }
            syn::Pat::Or(o) => {
                for case in &o.cases {
                    self.bind_pattern(case, a.clone());
                }
            }
            other => {
                if let Some(id) = pat_ident(other)
                    && let Some(scope) = self.scope.as_mut()
                {
                    scope.bound.insert(id.to_string(), a);
                }
            }
        }
    }

    fn tail_escape(&mut self, block: &syn::Block) {
        if let Some(syn::Stmt::Expr(e, None)) = block.stmts.last() {
            self.returned(e);
        }
    }

    /// A returned expression escapes, including each arm of a trailing `if`/`match`.
    fn returned(&mut self, e: &syn::Expr) {
        match e {
            syn::Expr::If(i) => {
                self.tail_escape(&i.then_branch);
                if let Some((_, els)) = &i.else_branch {
                    self.returned(els);
                }
            }
            syn::Expr::Block(b) => self.tail_escape(&b.block),
            syn::Expr::Match(m) => {
                for arm in &m.arms {
                    self.returned(&arm.body);
                }
            }
            syn::Expr::Call(c) => {
                // `Ok(x)`, `Some(x)`
                if let syn::Expr::Path(p) = &*c.func
                    && matches!(lower_last(&p.path).as_str(), "Ok" | "Some" | "Err")
                {
                    for a in &c.args {
                        self.returned(a);
                    }
                }
            }
            other => self.escape(other),
        }
    }
}

impl<'ast> Visit<'ast> for Scanner<'_> {
    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        if let syn::UseTree::Path(p) = &u.tree {
            self.out.compile_time |=
                Self::has(&self.tables.compile_time_crates, &p.ident.to_string());
        }
        visit::visit_item_use(self, u);
    }

    fn visit_item_extern_crate(&mut self, e: &'ast syn::ItemExternCrate) {
        self.out.compile_time |= Self::has(&self.tables.compile_time_crates, &e.ident.to_string());
        visit::visit_item_extern_crate(self, e);
    }

    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        self.module.push(m.ident.to_string());
        visit::visit_item_mod(self, m);
        self.module.pop();
    }

    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        let saved = (
            self.impl_ty.take(),
            self.impl_initialises,
            self.impl_path.take(),
        );
        (self.impl_ty, self.impl_path) = match &*i.self_ty {
            syn::Type::Path(p) => (
                last_ident(&p.path),
                Some(self.imports.resolve_path(&p.path)),
            ),
            _ => (None, None),
        };
        self.impl_initialises = i
            .trait_
            .as_ref()
            .is_some_and(|(_, p, _)| Self::has(&self.tables.constructor_traits, &lower_last(p)));
        visit::visit_item_impl(self, i);
        (self.impl_ty, self.impl_initialises, self.impl_path) = saved;
    }

    fn visit_item_trait(&mut self, t: &'ast syn::ItemTrait) {
        let saved = self.impl_ty.take();
        visit::visit_item_trait(self, t);
        self.impl_ty = saved;
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        self.cached_attr(&f.attrs, &f.sig);
        let init = self.impl_initialises || self.initialising_sig(&f.sig);
        self.enter_fn(f.sig.ident.to_string(), &f.sig, init, |s| {
            visit::visit_impl_item_fn(s, f);
            s.tail_escape(&f.block);
        });
    }

    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        let init = self.initialising_sig(&f.sig);
        self.enter_fn(f.sig.ident.to_string(), &f.sig, init, |s| {
            visit::visit_trait_item_fn(s, f);
            if let Some(b) = &f.default {
                s.tail_escape(b);
            }
        });
    }

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        self.cached_attr(&f.attrs, &f.sig);
        // A free function nested in an impl method has no `self`.
        let saved = self.impl_ty.take();
        let init = self.initialising_sig(&f.sig);
        self.enter_fn(f.sig.ident.to_string(), &f.sig, init, |s| {
            visit::visit_item_fn(s, f);
            s.tail_escape(&f.block);
        });
        self.impl_ty = saved;
    }

    fn visit_item_static(&mut self, s: &'ast syn::ItemStatic) {
        self.out.statics.push(StaticDecl {
            name: s.ident.to_string(),
            ty: Ty::from_syn(&s.ty, self.imports),
            location: {
                let start = self.spans.loc(&s.ident);
                let end = self.spans.loc(&s.ty);
                Location {
                    start: start.start,
                    ..end
                }
            },
            module: self.module.clone(),
        });
        // Every type named in a static's type is long-lived.
        self.note_held(&s.ty, true);
        if self.unbounded_init(&s.expr) {
            self.out.unbounded_inits.push(s.ident.to_string());
        }
        // The initialiser runs once: growth there is initialisation, a shrink still counts.
        let saved = self.impl_ty.take();
        let sig: syn::Signature = syn::parse_quote!(fn init());
        self.enter_fn(format!("the initialiser of {}", s.ident), &sig, true, |v| {
            visit::visit_item_static(v, s)
        });
        self.impl_ty = saved;
    }

    fn visit_type(&mut self, t: &'ast syn::Type) {
        self.note_held(t, false);
        visit::visit_type(self, t);
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let Some(init) = &l.init
            && let Some(id) = pat_ident(&l.pat)
            && self.scope.is_some()
        {
            let ty = match &l.pat {
                syn::Pat::Type(t) => Some(&*t.ty),
                _ => None,
            };
            let name = id.to_string();
            let bound = if self.is_local_collection_init(&init.expr, ty) {
                let loc = self.spans.loc(id);
                let stmt = self.spans.loc(l);
                let scope = self.scope.as_mut().expect("checked");
                scope.locals.push(LocalDecl {
                    name: name.clone(),
                    location: loc,
                    decl_at: stmt.start,
                });
                Some(Access {
                    root: Root::Local(scope.locals.len() - 1),
                    fields: Vec::new(),
                    through_clone: false,
                })
            } else {
                self.access(&init.expr)
                    .filter(|a| !matches!(a.root, Root::Local(_)))
            };
            let scope = self.scope.as_mut().expect("checked");
            match bound {
                Some(a) => {
                    scope.bound.insert(name, a);
                }
                None => {
                    scope.bound.remove(&name);
                    scope.params.remove(&name);
                }
            }
        }
        if let Some(init) = &l.init
            && matches!(&l.pat, syn::Pat::Struct(_))
            && let Some(a) = self.access(&init.expr)
        {
            self.bind_pattern(&l.pat, a);
        }
        visit::visit_local(self, l);
    }

    fn visit_expr_let(&mut self, l: &'ast syn::ExprLet) {
        if let Some(a) = self.access(&l.expr) {
            self.bind_pattern(&l.pat, a);
        }
        visit::visit_expr_let(self, l);
    }

    fn visit_expr_match(&mut self, m: &'ast syn::ExprMatch) {
        if let Some(a) = self.access(&m.expr) {
            for arm in &m.arms {
                self.bind_pattern(&arm.pat, a.clone());
            }
        }
        visit::visit_expr_match(self, m);
    }

    /// Macro bodies left as tokens: what they mention may be emptied there.
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        fn walk(
            tokens: proc_macro2::TokenStream,
            out: &mut Vec<(String, bool, proc_macro2::Span)>,
        ) {
            let mut after_dot = false;
            for t in tokens {
                match t {
                    proc_macro2::TokenTree::Group(g) => {
                        walk(g.stream(), out);
                        after_dot = false;
                    }
                    proc_macro2::TokenTree::Ident(i) => {
                        out.push((i.to_string(), after_dot, i.span()));
                        after_dot = false;
                    }
                    proc_macro2::TokenTree::Punct(p) => after_dot = p.as_char() == '.',
                    proc_macro2::TokenTree::Literal(_) => after_dot = false,
                }
            }
        }
        if self.scope.is_some() {
            let mut idents = Vec::new();
            walk(m.tokens.clone(), &mut idents);
            for (name, after_dot, span) in idents {
                let loc = self.spans.span(span);
                let bound = self
                    .scope
                    .as_ref()
                    .and_then(|s| s.bound.get(&name).cloned());
                let access = match bound {
                    Some(a) if !after_dot => a,
                    _ if after_dot => Access {
                        root: Root::Unknown,
                        fields: vec![name],
                        through_clone: false,
                    },
                    _ if is_screaming(&name) => Access {
                        root: Root::Static(name),
                        fields: Vec::new(),
                        through_clone: false,
                    },
                    _ => continue,
                };
                if let Root::Local(l) = access.root
                    && let Some(scope) = self.scope.as_mut()
                {
                    scope.mentions.push((l, loc.start));
                    continue;
                }
                self.record(access, EventKind::Escape, "", loc, false);
            }
        }
        visit::visit_macro(self, m);
    }

    fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
        if let Some(scope) = self.scope.as_mut()
            && p.path.segments.len() == 1
            && let Some(Access {
                root: Root::Local(l),
                ..
            }) = scope.bound.get(&p.path.segments[0].ident.to_string())
        {
            let at = self.spans.loc(p).start;
            scope.mentions.push((*l, at));
            if self.consumed.contains(&at) {
                scope.receivers.insert(at);
            }
        }
        visit::visit_expr_path(self, p);
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let name = m.method.to_string();
        let t = self.tables;
        // Wanted only where the call grows, shrinks or lets go of a place.
        let spans = self.spans;
        let loc = move || spans.loc(m);
        if let Some(at) = Self::root_path_offset(&m.receiver, self.spans) {
            self.consumed.insert(at);
        }
        // `entry(k).or_insert(v)` grows through the `entry` call's receiver.
        let entry_grow = Self::has(&t.entry_grow_methods, &name)
            && matches!(&*m.receiver, syn::Expr::MethodCall(r) if Self::has(&t.entry_methods, &r.method.to_string())
                || matches!(&*r.receiver, syn::Expr::MethodCall(rr) if Self::has(&t.entry_methods, &rr.method.to_string())));
        if entry_grow {
            let mut recv = &*m.receiver;
            while let syn::Expr::MethodCall(r) = recv {
                if Self::has(&t.entry_methods, &r.method.to_string()) {
                    self.chained_entries.insert(self.spans.loc(r).end);
                    if let Some(a) = self.access(&r.receiver) {
                        self.record_keyed(a, "inserted", loc(), false, r.args.first());
                    }
                    break;
                }
                recv = &r.receiver;
            }
        } else if let Some(a) = self.access(&m.receiver) {
            let with_owned = name == "get_or_insert_with" && m.args.len() == 2;
            if Self::has(&t.entry_methods, &name) && !self.chained_entries.contains(&loc().end) {
                // A bare `entry(k)` may insert or, through `OccupiedEntry::remove`, remove.
                self.record(a, EventKind::Escape, "", loc(), false);
            } else if Self::has(&t.grow_methods, &name) || with_owned {
                let finishes = !m.args.first().is_some_and(endless_task);
                self.record_keyed(a, verb_of(&name), loc(), finishes, m.args.first());
            } else if Self::has(&t.shrink_methods, &name)
                || t.shrink_prefixes
                    .iter()
                    .any(|p| name.starts_with(p.as_str()))
            {
                let first_word = name.split('_').next().unwrap_or_default();
                let verb = if name == "take" && m.args.is_empty() {
                    REPLACED
                } else if Self::has(&t.in_order_shrinks, first_word) {
                    EMPTIED
                } else {
                    ""
                };
                self.record(a, EventKind::Shrink, verb, loc(), false);
            } else if Self::has(&t.with_methods, &name)
                && let Some(syn::Expr::Closure(c)) = m.args.first()
                && let Some(p) = c.inputs.first()
                && let Some(id) = pat_ident(p)
                && let Some(scope) = self.scope.as_mut()
            {
                scope.bound.insert(id.to_string(), a);
            }
        }
        for arg in &m.args {
            self.escape(arg);
        }
        visit::visit_expr_method_call(self, m);
    }

    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if let syn::Expr::Path(p) = &*c.func {
            let segs = path_segments(&p.path);
            let resolved = self.imports.resolve(&segs).join("::");
            let is_mem = Self::has(&self.tables.mem_functions, &resolved)
                || (segs.len() >= 2
                    && segs[segs.len() - 2] == "mem"
                    && matches!(segs[segs.len() - 1].as_str(), "take" | "replace" | "swap"));
            let n = segs.len();
            if n >= 2
                && segs[n - 1] == "new"
                && self.tables.names.holders.contains(&segs[n - 2])
                && let Some(a) = c.args.first()
            {
                self.note_held_expr(a, false);
            }
            if is_mem {
                // `take(&mut x)`, `replace(&mut x, ..)`, `swap(&mut a, &mut b)`: each `&mut` is emptied or replaced.
                for arg in &c.args {
                    if let syn::Expr::Reference(r) = arg
                        && r.mutability.is_some()
                        && let Some(a) = self.access(&r.expr)
                    {
                        let loc = self.spans.loc(c);
                        self.record(a, EventKind::Shrink, REPLACED, loc, false);
                    }
                }
            } else if !is_macro_call(c) && segs.last().is_none_or(|l| l != "drop") {
                for arg in &c.args {
                    self.escape(arg);
                }
            }
        }
        visit::visit_expr_call(self, c);
    }

    fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
        if let Some(acc) = self.access(&a.left) {
            let loc = self.spans.loc(a);
            self.record(acc, EventKind::Shrink, REPLACED, loc, false);
        }
        if let syn::Expr::Field(f) = &*a.left
            && let syn::Member::Named(name) = &f.member
            && self.unbounded_init(&a.right)
        {
            self.out.unbounded_inits.push(name.to_string());
        }
        visit::visit_expr_assign(self, a);
    }

    fn visit_expr_struct(&mut self, s: &'ast syn::ExprStruct) {
        for f in &s.fields {
            if let syn::Member::Named(name) = &f.member
                && self.unbounded_init(&f.expr)
            {
                self.out.unbounded_inits.push(name.to_string());
            }
            // A field moved into a struct literal escapes.
            self.escape(&f.expr);
        }
        visit::visit_expr_struct(self, s);
    }

    fn visit_expr_return(&mut self, r: &'ast syn::ExprReturn) {
        if let Some(e) = &r.expr {
            self.returned(e);
        }
        visit::visit_expr_return(self, r);
    }

    fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
        // A closure's result is handed back to whoever calls it.
        if !matches!(&*c.body, syn::Expr::Block(_)) {
            self.returned(&c.body);
        }
        visit::visit_expr_closure(self, c);
    }

    fn visit_expr_binary(&mut self, b: &'ast syn::ExprBinary) {
        if is_comparison(&b.op) {
            for side in [&*b.left, &*b.right] {
                let mut stack = vec![side];
                while let Some(e) = stack.pop() {
                    match e {
                        syn::Expr::MethodCall(m) if m.method == "len" || m.method == "capacity" => {
                            if let Some(a) = self.access(&m.receiver) {
                                let loc = self.spans.loc(m);
                                self.record(a, EventKind::LenCheck, "", loc, false);
                            }
                        }
                        syn::Expr::Binary(i) => {
                            stack.push(&i.left);
                            stack.push(&i.right);
                        }
                        syn::Expr::Paren(p) => stack.push(&p.expr),
                        syn::Expr::Cast(c) => stack.push(&c.expr),
                        syn::Expr::MethodCall(m) => stack.push(&m.receiver),
                        _ => {}
                    }
                }
            }
        }
        visit::visit_expr_binary(self, b);
    }

    fn visit_expr_loop(&mut self, l: &'ast syn::ExprLoop) {
        let label = l.label.as_ref().map(|l| &l.name);
        let kind = if !has_exit(&l.body, label, true) {
            LoopKind::Endless
        } else if !has_exit(&l.body, label, false)
            && awaits_event(&l.body, &self.tables.event_methods)
        {
            // Left only by `return`: an event loop whose code after it never runs.
            LoopKind::Endless
        } else if awaits_event(&l.body, &self.tables.event_methods) {
            LoopKind::Event
        } else {
            LoopKind::Finite
        };
        self.push_loop(kind, l, |s| visit::visit_expr_loop(s, l));
    }

    fn visit_expr_while(&mut self, w: &'ast syn::ExprWhile) {
        let kind = match &*w.cond {
            syn::Expr::Let(let_) if awaits_event(&*let_.expr, &self.tables.event_methods) => {
                LoopKind::Event
            }
            _ => LoopKind::Finite,
        };
        self.push_loop(kind, w, |s| visit::visit_expr_while(s, w));
    }

    fn visit_expr_for_loop(&mut self, f: &'ast syn::ExprForLoop) {
        self.push_loop(LoopKind::Finite, f, |s| visit::visit_expr_for_loop(s, f));
    }
}

/// The name a key expression is spelled with, through clones and conversions:
/// `tag.to_string()` → `tag`, `&desc.fq_name` → `fq_name`, `scope.clone()` → `scope`.
fn key_name(e: &syn::Expr) -> Option<String> {
    match e {
        syn::Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
        syn::Expr::Field(f) => match &f.member {
            syn::Member::Named(n) => Some(n.to_string()),
            syn::Member::Unnamed(_) => None,
        },
        syn::Expr::MethodCall(m) if m.args.is_empty() => key_name(&m.receiver),
        syn::Expr::Reference(r) => key_name(&r.expr),
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => key_name(&u.expr),
        syn::Expr::Paren(p) => key_name(&p.expr),
        _ => None,
    }
}

/// Every path's last name in a type, arguments included.
pub fn type_names(ty: &Ty, out: &mut Vec<String>) {
    ty.any_path(&mut |p| {
        out.extend(p.last().cloned());
        false
    });
}
