//! `leaked-listener`: listeners and subscribers that are registered and never removed.
//!
//! Each function body is read in two passes. [`Locals`] records what the body
//! does with its names (`let` initialisers, `forget()`-ed values, clones, which
//! results are discarded); [`FnChecker`] then walks it with a stack of the
//! per-event scopes around each call (handler closures, event loops) and reports
//! forgotten gloo listeners and unremoved Leptos handles at once. What needs the
//! whole crate — a matching `remove_event_listener*`, a removal method, a field
//! that shrinks somewhere — is left as [`ListenerFacts`] and joined in the crate
//! pass, which also classifies struct fields as observer registries.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use syn::visit::{self, Visit};
use syn::{Expr, Pat};

use crate::crate_index::{CrateIndex, Entity};
use crate::diagnostic::{Finding, Location};
use crate::facts::{Ty, TypeDecl, TypeKind};
use crate::imports::{last_ident, path_segments};
use crate::meta::RuleMeta;
use crate::rules::{CrateCtx, FileCtx, FileOutput, Rule};

pub struct LeakedListener {
    meta: RuleMeta,
    tables: Tables,
}

#[derive(Deserialize)]
struct Registration {
    add: String,
    remove: Vec<String>,
}

#[derive(Deserialize)]
struct Tables {
    dom_add: Vec<String>,
    dom_remove: Vec<String>,
    closure_forget: Vec<String>,
    leak_functions: Vec<String>,
    page_targets: Vec<String>,
    gloo_listeners: Vec<String>,
    leptos_listeners: Vec<String>,
    leptos_remove: String,
    component_attribute: String,
    reexports: Vec<(String, String)>,
    fn_traits: Vec<String>,
    callback_types: Vec<String>,
    sender_types: Vec<String>,
    weak_types: Vec<String>,
    listener_suffixes: Vec<String>,
    wrappers: Vec<String>,
    shared_wrappers: Vec<String>,
    registrar_words: Vec<String>,
    lock_methods: Vec<String>,
    sequences: Vec<String>,
    maps: Vec<String>,
    grow_methods: Vec<String>,
    shrink_methods: Vec<String>,
    shrink_functions: Vec<String>,
    transparent_methods: Vec<String>,
    registrations: Vec<Registration>,
    handler_takers: Vec<String>,
    handler_constructors: Vec<String>,
    event_loop_methods: Vec<String>,
    entry_functions: Vec<String>,
    entry_attribute: (String, String),
}

fn contains(table: &[String], name: &str) -> bool {
    table.iter().any(|t| t == name)
}

/// `connect_*` matches `connect_clicked`.
fn pattern_matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => pattern == name,
    }
}

impl Tables {
    fn registration(&self, method: &str) -> Option<&Registration> {
        self.registrations
            .iter()
            .find(|r| pattern_matches(&r.add, method))
    }

    fn is_handler_taker(&self, method: &str) -> bool {
        self.registration(method).is_some() || contains(&self.handler_takers, method)
    }
}

// ---------------------------------------------------------------- facts

/// The event type of a DOM registration, as far as the source says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum EventKey {
    Literal(String),
    Const(String),
    Unknown,
}

impl EventKey {
    fn matches(&self, other: &EventKey) -> bool {
        matches!(self, EventKey::Unknown) || matches!(other, EventKey::Unknown) || self == other
    }

    fn spelled(&self) -> String {
        match self {
            EventKey::Literal(s) => format!("\"{s}\""),
            EventKey::Const(c) => format!("`{c}`"),
            EventKey::Unknown => "its event type".to_string(),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct DomAdd {
    primary: Location,
    method: String,
    event: EventKey,
    target: String,
    page: Option<String>,
    forget: Location,
    forget_how: String,
    closure: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct Growth {
    field: String,
    site: Location,
    method: String,
    registrar: Option<(String, Location)>,
    /// The registering function takes a callback, sender or listener parameter.
    takes_callback: bool,
    /// The growing call reaches the field through a lock or a `RefCell` borrow.
    through_lock: bool,
    impl_type: Option<String>,
    setup: bool,
}

#[derive(Serialize, Deserialize)]
struct NestedRegistration {
    primary: Location,
    method: String,
    receiver: String,
    context: Location,
    context_desc: String,
}

#[derive(Default, Serialize, Deserialize)]
struct ListenerFacts {
    dom_adds: Vec<DomAdd>,
    dom_removes: Vec<EventKey>,
    growth: Vec<Growth>,
    shrunk: HashSet<String>,
    nested: Vec<NestedRegistration>,
    /// Names of the functions and methods the file calls or defines.
    called: HashSet<String>,
}

// ---------------------------------------------------------------- expression helpers

fn ptr<T>(node: &T) -> usize {
    node as *const T as usize
}

/// The identity of a call node, the same whether reached as an `Expr` or as its variant.
fn node_ptr(expr: &Expr) -> usize {
    match expr {
        Expr::Call(c) => ptr(c),
        Expr::MethodCall(m) => ptr(m),
        _ => ptr(expr),
    }
}

fn single_ident(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Path(p) if p.qself.is_none() && p.path.segments.len() == 1 => {
            Some(p.path.segments[0].ident.to_string())
        }
        _ => None,
    }
}

/// Through parentheses, borrows and derefs.
fn peel(expr: &Expr) -> &Expr {
    match expr {
        Expr::Paren(p) => peel(&p.expr),
        Expr::Group(g) => peel(&g.expr),
        Expr::Reference(r) => peel(&r.expr),
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => peel(&u.expr),
        _ => expr,
    }
}

/// Through what keeps a call's result in the same place: `?`, `.await`, `.unwrap()`.
fn peel_result(expr: &Expr) -> &Expr {
    match expr {
        Expr::Paren(p) => peel_result(&p.expr),
        Expr::Try(t) => peel_result(&t.expr),
        Expr::Await(a) => peel_result(&a.base),
        Expr::MethodCall(m)
            if m.args.is_empty()
                && matches!(
                    m.method.to_string().as_str(),
                    "unwrap" | "expect" | "unwrap_throw" | "ok" | "expect_throw"
                ) =>
        {
            peel_result(&m.receiver)
        }
        Expr::MethodCall(m) if m.method == "expect" || m.method == "expect_throw" => {
            peel_result(&m.receiver)
        }
        _ => expr,
    }
}

/// The variable a receiver expression starts from: `self` in `self.bus.lock()`.
fn root_ident(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Path(_) => single_ident(expr),
        Expr::Field(f) => root_ident(&f.base),
        Expr::MethodCall(m) => root_ident(&m.receiver),
        Expr::Paren(p) => root_ident(&p.expr),
        Expr::Group(g) => root_ident(&g.expr),
        Expr::Reference(r) => root_ident(&r.expr),
        Expr::Unary(u) => root_ident(&u.expr),
        Expr::Try(t) => root_ident(&t.expr),
        Expr::Await(a) => root_ident(&a.base),
        Expr::Index(i) => root_ident(&i.expr),
        _ => None,
    }
}

fn pat_ident(pat: &Pat) -> Option<String> {
    match pat {
        Pat::Ident(p) => Some(p.ident.to_string()),
        Pat::Type(t) => pat_ident(&t.pat),
        _ => None,
    }
}

fn call_path(expr: &Expr) -> Option<&syn::Path> {
    match expr {
        Expr::Call(c) => match &*c.func {
            Expr::Path(p) => Some(&p.path),
            _ => None,
        },
        _ => None,
    }
}

/// `Closure::new` for `Closure::<dyn FnMut()>::new` or `wasm_bindgen::closure::Closure::new`.
fn last_two(path: &syn::Path) -> String {
    let segs = path_segments(path);
    let n = segs.len();
    if n >= 2 {
        format!("{}::{}", segs[n - 2], segs[n - 1])
    } else {
        segs.join("::")
    }
}

#[derive(Default)]
struct Scan {
    idents: HashSet<String>,
    methods: HashSet<String>,
    closures: usize,
}

/// Names, method names and closures inside an expression (not inside nested items).
fn scan(expr: &Expr) -> Scan {
    struct V(Scan);
    impl<'ast> Visit<'ast> for V {
        fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
            if p.qself.is_none() && p.path.segments.len() == 1 {
                self.0.idents.insert(p.path.segments[0].ident.to_string());
            }
            visit::visit_expr_path(self, p);
        }
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            self.0.methods.insert(m.method.to_string());
            visit::visit_expr_method_call(self, m);
        }
        fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
            self.0.closures += 1;
            visit::visit_expr_closure(self, c);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut v = V(Scan::default());
    v.visit_expr(expr);
    v.0
}

/// Every name bound by a pattern anywhere inside a node (closure parameters, lets, arms).
fn bound_names<'ast>(visit_fn: impl FnOnce(&mut dyn Visit<'ast>)) -> HashSet<String> {
    struct V(HashSet<String>);
    impl<'ast> Visit<'ast> for V {
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            self.0.insert(p.ident.to_string());
            visit::visit_pat_ident(self, p);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut v = V(HashSet::new());
    visit_fn(&mut v);
    v.0
}

fn event_key(expr: &Expr) -> EventKey {
    match peel(expr) {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => EventKey::Literal(s.value()),
        Expr::Path(p) => {
            let name = last_ident(&p.path).unwrap_or_default();
            if p.path.segments.len() > 1 || name.chars().all(|c| !c.is_lowercase()) {
                EventKey::Const(name)
            } else {
                EventKey::Unknown
            }
        }
        // `intern("click")`, `"click".into()`.
        Expr::Call(c) if c.args.len() == 1 => match event_key(&c.args[0]) {
            EventKey::Literal(s) => EventKey::Literal(s),
            _ => EventKey::Unknown,
        },
        Expr::MethodCall(m) if m.args.is_empty() => match event_key(&m.receiver) {
            EventKey::Literal(s) => EventKey::Literal(s),
            _ => EventKey::Unknown,
        },
        _ => EventKey::Unknown,
    }
}

// ---------------------------------------------------------------- pass A: what a body does with its names

#[derive(Clone, Copy, PartialEq, Eq)]
enum Use {
    Remove,
    OtherMethod,
    Other,
}

#[derive(Default)]
struct Locals<'ast> {
    lets: HashMap<String, &'ast Expr>,
    /// `x.forget()`, `x.into_js_value()`, `mem::forget(x)`, `Box::leak(Box::new(x))`.
    forgotten: HashMap<String, (Location, String)>,
    uses: HashMap<String, Vec<Use>>,
    /// `a` → `b` for `let a = b.clone()` / `Rc::clone(&b)`.
    clones: HashMap<String, String>,
    /// Expressions whose value is thrown away (statements, `let _ =`, closure bodies).
    discarded: HashSet<usize>,
    /// Initialiser expressions of `let name = ..` → `name`.
    bound_to: HashMap<usize, String>,
}

struct LocalsCollector<'a, 'ast> {
    rule: &'a LeakedListener,
    cx: &'a FileCtx<'a>,
    locals: Locals<'ast>,
}

impl LocalsCollector<'_, '_> {
    fn forgotten_arg(&self, call: &syn::ExprCall) -> Option<String> {
        let Expr::Path(p) = &*call.func else {
            return None;
        };
        let t = &self.rule.tables;
        self.cx
            .imports
            .match_table(&p.path, &t.leak_functions, &[])?;
        let arg = peel(call.args.first()?);
        // `Box::leak(Box::new(x))`
        let arg = match arg {
            Expr::Call(inner) if call_path(arg).is_some_and(|p| last_two(p) == "Box::new") => {
                peel(inner.args.first()?)
            }
            _ => arg,
        };
        single_ident(arg)
    }
}

impl<'ast> Visit<'ast> for LocalsCollector<'_, 'ast> {
    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let Some(init) = &l.init {
            let expr = &*init.expr;
            if matches!(l.pat, Pat::Wild(_)) {
                self.locals.discarded.insert(node_ptr(peel_result(expr)));
            } else if let Some(name) = pat_ident(&l.pat) {
                self.locals.lets.insert(name.clone(), expr);
                self.locals
                    .bound_to
                    .insert(node_ptr(peel_result(expr)), name.clone());
                let source = match peel(expr) {
                    Expr::MethodCall(m) if m.method == "clone" && m.args.is_empty() => {
                        root_ident(&m.receiver)
                    }
                    Expr::Call(c)
                        if call_path(peel(expr)).is_some_and(|p| {
                            last_ident(p).as_deref() == Some("clone") && p.segments.len() > 1
                        }) =>
                    {
                        c.args.first().and_then(root_ident)
                    }
                    _ => None,
                };
                if let Some(source) = source {
                    self.locals.clones.insert(name, source);
                }
            }
        }
        visit::visit_local(self, l);
    }

    fn visit_stmt(&mut self, s: &'ast syn::Stmt) {
        if let syn::Stmt::Expr(e, _) = s {
            self.locals.discarded.insert(node_ptr(peel_result(e)));
        }
        visit::visit_stmt(self, s);
    }

    fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
        self.locals.discarded.insert(node_ptr(peel_result(&c.body)));
        visit::visit_expr_closure(self, c);
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let method = m.method.to_string();
        if let Some(name) = single_ident(&m.receiver) {
            let t = &self.rule.tables;
            if contains(&t.closure_forget, &method) {
                let loc = self.cx.spans.loc(&m.method);
                self.locals
                    .forgotten
                    .entry(name.clone())
                    .or_insert((loc, format!("`{method}()`")));
            }
            let use_ = if method == t.leptos_remove {
                Use::Remove
            } else {
                Use::OtherMethod
            };
            self.locals.uses.entry(name).or_default().push(use_);
            // The receiver is recorded; visit only the arguments.
            for arg in &m.args {
                self.visit_expr(arg);
            }
            return;
        }
        visit::visit_expr_method_call(self, m);
    }

    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if let Some(name) = self.forgotten_arg(c) {
            let loc = self.cx.spans.loc(&c.func);
            let how = path_segments(match &*c.func {
                Expr::Path(p) => &p.path,
                _ => unreachable!("forgotten_arg checked a path"),
            })
            .join("::");
            self.locals
                .forgotten
                .entry(name)
                .or_insert((loc, format!("`{how}`")));
        }
        visit::visit_expr_call(self, c);
    }

    fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
        if p.qself.is_none() && p.path.segments.len() == 1 {
            self.locals
                .uses
                .entry(p.path.segments[0].ident.to_string())
                .or_default()
                .push(Use::Other);
        }
        visit::visit_expr_path(self, p);
    }

    /// A name inside an unexpanded macro (`view! { .. h.remove() .. }`) is a use we cannot
    /// read: count it as one that may remove or keep the value.
    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        let mut names = Vec::new();
        idents(mac.tokens.clone(), &mut names);
        for name in names {
            self.locals.uses.entry(name).or_default().push(Use::Other);
        }
        visit::visit_macro(self, mac);
    }

    // Nested items are functions of their own, read by the file walker.
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

// ---------------------------------------------------------------- pass B: calls in their per-event scopes

struct Scope {
    /// The handler captures a strong clone of its own emitter: `closure-cycle`'s.
    cycle: bool,
    desc: String,
    at: Location,
    bound: HashSet<String>,
}

#[derive(Clone)]
struct Handler {
    taker: String,
    at: Location,
    emitter: Option<String>,
}

struct FnInfo {
    name: String,
    /// The module the function is in, inside its crate.
    module: Vec<String>,
    entry: bool,
    component: bool,
}

/// A body's [`Locals`], collected the first time the checker needs them: most
/// bodies register nothing and never do.
struct LazyLocals<'a, 'ast> {
    rule: &'a LeakedListener,
    cx: &'a FileCtx<'a>,
    block: &'ast syn::Block,
    cell: std::cell::OnceCell<Locals<'ast>>,
}

impl<'ast> LazyLocals<'_, 'ast> {
    fn get(&self) -> &Locals<'ast> {
        self.cell.get_or_init(|| {
            let mut collector = LocalsCollector {
                rule: self.rule,
                cx: self.cx,
                locals: Locals::default(),
            };
            collector.visit_block(self.block);
            collector.locals
        })
    }
}

struct FnChecker<'a, 'ast> {
    rule: &'a LeakedListener,
    cx: &'a FileCtx<'a>,
    locals: &'a LazyLocals<'a, 'ast>,
    info: &'a FnInfo,
    scopes: Vec<Scope>,
    /// Closures that are per-event handlers → the call they are passed to.
    handlers: HashMap<usize, Handler>,
    findings: &'a mut Vec<Finding>,
    facts: &'a mut ListenerFacts,
}

impl<'ast> FnChecker<'_, 'ast> {
    fn t(&self) -> &Tables {
        &self.rule.tables
    }

    fn text(&self, loc: Location) -> String {
        let s = self.cx.source.get(loc.start..loc.end).unwrap_or("_");
        let one_line: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
        if one_line.chars().count() > 40 {
            let cut: String = one_line.chars().take(37).collect();
            format!("{cut}...")
        } else {
            one_line
        }
    }

    /// A registration is shown at its method name: its arguments often span lines.
    fn call_loc(&self, method: &syn::Ident) -> Location {
        self.cx.spans.loc(method)
    }

    /// Marks the closures handed to a per-event call as handlers.
    fn mark_handlers<'e>(
        &mut self,
        args: impl Iterator<Item = &'e Expr>,
        taker: &str,
        at: Location,
        emitter: Option<String>,
    ) {
        for arg in args {
            let mut e = peel(arg);
            // `Box::new(|..| ..)`, `Closure::new(|..| ..)`, `Closure::wrap(Box::new(..))`.
            while let Expr::Call(c) = e {
                match c.args.first() {
                    Some(a) if c.args.len() == 1 => e = peel(a),
                    _ => break,
                }
            }
            if let Expr::Cast(c) = e {
                e = peel(&c.expr);
                while let Expr::Call(c) = e {
                    match c.args.first() {
                        Some(a) if c.args.len() == 1 => e = peel(a),
                        _ => break,
                    }
                }
            }
            if let Expr::Closure(c) = e {
                let handler = Handler {
                    taker: taker.to_string(),
                    at,
                    emitter: emitter.clone(),
                };
                self.handlers.insert(ptr(c), handler);
            }
        }
    }

    /// Names that are strong clones of `root` in this body.
    fn clones_of(&self, root: &str) -> HashSet<&str> {
        self.locals
            .get()
            .clones
            .iter()
            .filter(|(_, src)| src.as_str() == root)
            .map(|(a, _)| a.as_str())
            .collect()
    }

    /// A callback (inline, or through a `let`) that captures a clone of `root`:
    /// a handler keeping its own emitter alive is `closure-cycle`'s to report.
    fn captures_clone_of(&self, callbacks: &[&Expr], root: Option<&str>) -> bool {
        let Some(root) = root else { return false };
        let clones = self.clones_of(root);
        if clones.is_empty() {
            return false;
        }
        callbacks.iter().any(|cb| {
            let s = scan(cb);
            s.idents.iter().any(|i| {
                clones.contains(i.as_str())
                    || self.locals.get().lets.get(i).is_some_and(|init| {
                        scan(init)
                            .idents
                            .iter()
                            .any(|j| clones.contains(j.as_str()))
                    })
            })
        })
    }

    fn is_callback(&self, arg: &Expr) -> bool {
        let s = scan(arg);
        s.closures > 0
            || s.methods.contains("unchecked_ref")
            || s.idents.iter().any(|i| {
                self.locals
                    .get()
                    .lets
                    .get(i)
                    .is_some_and(|init| scan(init).closures > 0)
            })
    }

    /// What a target expression is, when it lives as long as the page.
    fn page_target(&self, expr: &Expr, depth: usize) -> Option<String> {
        let pages = &self.t().page_targets;
        match expr {
            Expr::MethodCall(m) => {
                let name = m.method.to_string();
                if contains(pages, &name) {
                    Some(name)
                } else {
                    self.page_target(&m.receiver, depth)
                }
            }
            Expr::Call(c) => match &*c.func {
                Expr::Path(p) => last_ident(&p.path).filter(|n| contains(pages, n)),
                _ => None,
            },
            Expr::Field(f) => match &f.member {
                syn::Member::Named(n) if contains(pages, &n.to_string()) => Some(n.to_string()),
                _ => None,
            },
            Expr::Path(_) => {
                let name = single_ident(expr)?;
                if contains(pages, &name) {
                    return Some(name);
                }
                let init = self.locals.get().lets.get(&name)?;
                (depth < 4)
                    .then(|| self.page_target(init, depth + 1))
                    .flatten()
            }
            Expr::Paren(_)
            | Expr::Reference(_)
            | Expr::Try(_)
            | Expr::Unary(_)
            | Expr::Group(_) => {
                let inner = match expr {
                    Expr::Paren(p) => &p.expr,
                    Expr::Reference(r) => &r.expr,
                    Expr::Try(t) => &t.expr,
                    Expr::Unary(u) => &u.expr,
                    Expr::Group(g) => &g.expr,
                    _ => unreachable!(),
                };
                self.page_target(inner, depth)
            }
            _ => None,
        }
    }

    /// How the `Closure` passed as `arg` is handed to JS for good, if it is.
    fn closure_forgotten(&self, arg: &Expr) -> Option<(Location, String, Option<String>)> {
        let t = self.t();
        let s = scan(arg);
        if let Some(how) = t.closure_forget.iter().find(|f| s.methods.contains(*f)) {
            return Some((self.cx.spans.loc(arg), format!("`{how}()`"), None));
        }
        let mut names: Vec<&String> = s.idents.iter().collect();
        names.sort();
        for name in names {
            if let Some((loc, how)) = self.locals.get().forgotten.get(name) {
                return Some((*loc, how.clone(), Some(name.clone())));
            }
            if let Some(init) = self.locals.get().lets.get(name) {
                let si = scan(init);
                if let Some(how) = t.closure_forget.iter().find(|f| si.methods.contains(*f)) {
                    return Some((
                        self.cx.spans.loc(*init),
                        format!("`{how}()`"),
                        Some(name.clone()),
                    ));
                }
            }
        }
        None
    }

    fn dom_add(&mut self, m: &'ast syn::ExprMethodCall, method: &str) -> bool {
        let Some(cb) = m.args.iter().nth(1) else {
            return false;
        };
        let Some((forget, forget_how, closure)) = self.closure_forgotten(cb) else {
            return false;
        };
        let root = root_ident(&m.receiver);
        let mut callbacks = vec![cb];
        if let Some(c) = closure.as_ref().and_then(|c| self.locals.get().lets.get(c)) {
            callbacks.push(c);
        }
        if self.info.entry || self.captures_clone_of(&callbacks, root.as_deref()) {
            return true;
        }
        let target = self.text(self.cx.spans.loc(&m.receiver));
        self.facts.dom_adds.push(DomAdd {
            primary: self.call_loc(&m.method),
            method: method.to_string(),
            event: m.args.first().map_or(EventKey::Unknown, event_key),
            target,
            page: self.page_target(&m.receiver, 0),
            forget,
            forget_how,
            closure,
        });
        true
    }

    fn nested_registration(&mut self, m: &'ast syn::ExprMethodCall, method: &str) {
        let Some(scope) = self.scopes.last() else {
            return;
        };
        if scope.cycle
            || self.info.entry
            || !self.locals.get().discarded.contains(&ptr(m))
            || !m.args.iter().any(|a| self.is_callback(a))
        {
            return;
        }
        let root = root_ident(&m.receiver);
        if root.as_ref().is_some_and(|r| scope.bound.contains(r)) {
            return;
        }
        // The DOM ignores a second `addEventListener` of the same function: only a
        // `Closure` made per event adds a listener.
        if contains(&self.t().dom_add, method)
            && !m.args.iter().skip(1).any(|a| {
                let s = scan(a);
                s.closures > 0 || s.idents.iter().any(|i| scope.bound.contains(i))
            })
        {
            return;
        }
        let callbacks: Vec<&Expr> = m.args.iter().collect();
        if self.captures_clone_of(&callbacks, root.as_deref()) {
            return;
        }
        let nested = NestedRegistration {
            primary: self.call_loc(&m.method),
            method: method.to_string(),
            receiver: self.text(self.cx.spans.loc(&m.receiver)),
            context: scope.at,
            context_desc: scope.desc.clone(),
        };
        self.facts.nested.push(nested);
    }

    /// A path whose first segment is a type declared in the function's own module
    /// names that type, whatever the file's `use` items say.
    fn is_local_type(&self, path: &syn::Path) -> bool {
        let first = path.segments.first().map(|s| s.ident.to_string());
        self.cx
            .items
            .types
            .iter()
            .any(|t| Some(&t.name) == first.as_ref() && t.module == self.info.module)
    }

    fn is_gloo_listener(&self, expr: &Expr) -> bool {
        call_path(peel(expr)).is_some_and(|p| {
            !self.is_local_type(p)
                && self
                    .cx
                    .imports
                    .match_table(p, &self.t().gloo_listeners, &self.t().reexports)
                    .is_some()
        })
    }

    fn gloo_forgotten(&mut self, listener: &Expr, forget: Location, how: &str) {
        let Expr::Call(call) = peel(listener) else {
            return;
        };
        let target = call.args.first();
        let root = target.and_then(root_ident);
        let callbacks: Vec<&Expr> = call.args.iter().skip(1).collect();
        if self.info.entry || self.captures_clone_of(&callbacks, root.as_deref()) {
            return;
        }
        let ctor = call_path(peel(listener))
            .and_then(last_ident)
            .unwrap_or_default();
        let target_text = target.map_or("its target".to_string(), |t| {
            format!("`{}`", self.text(self.cx.spans.loc(peel(t))))
        });
        let page = target.and_then(|t| self.page_target(t, 0));
        let lives = match &page {
            Some(p) => format!(" (the page's `{p}`, which lives as long as the page)"),
            None => String::new(),
        };
        let finding = Finding::new(
            self.cx.spans.loc(&call.func),
            format!("gloo `EventListener::{ctor}` is forgotten: the listener is never removed"),
        )
        .label(forget, format!("{how} leaks the `EventListener`"))
        .note(format!(
            "a forgotten `EventListener` never runs its `Drop`: its closure stays registered on {target_text}{lives} with everything it captures"
        ))
        .help("keep the `EventListener` (in a struct field, component or hook state) instead of forgetting it: dropping it removes the listener");
        self.findings.push(finding);
    }

    fn leptos_listener(&mut self, c: &'ast syn::ExprCall, path: &syn::Path) {
        if !self.info.component || self.info.entry {
            return;
        }
        let t = self.t();
        if self
            .cx
            .imports
            .match_table(path, &t.leptos_listeners, &t.reexports)
            .is_none()
        {
            return;
        }
        let name = last_ident(path).unwrap_or_default();
        let why = if self.locals.get().discarded.contains(&ptr(c)) {
            "its handle is discarded".to_string()
        } else if let Some(handle) = self.locals.get().bound_to.get(&ptr(c)) {
            let uses = self
                .locals
                .get()
                .uses
                .get(handle)
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            if uses.iter().any(|u| matches!(u, Use::Remove | Use::Other)) {
                return;
            }
            format!("its handle `{handle}` never gets `.{}()`", t.leptos_remove)
        } else {
            return;
        };
        let component = &self.info.name;
        let finding = Finding::new(
            self.cx.spans.loc(&c.func),
            format!("`{name}` in component `{component}` is never removed: {why}"),
        )
        .note(format!(
            "the listener stays on `window` for the life of the page, and each `{component}` created adds one more; the handle has no `Drop`"
        ))
        .help(format!(
            "keep the handle and call `.{}()` on it in `on_cleanup`, or use `use_event_listener`, which cleans up by itself",
            t.leptos_remove
        ));
        self.findings.push(finding);
    }

    fn with_scope(&mut self, scope: Scope, f: impl FnOnce(&mut Self)) {
        self.scopes.push(scope);
        f(self);
        self.scopes.pop();
    }

    fn is_event_loop_scrutinee(&self, expr: &Expr) -> bool {
        struct V<'t>(&'t [String], bool);
        impl<'ast> Visit<'ast> for V<'_> {
            fn visit_expr_await(&mut self, a: &'ast syn::ExprAwait) {
                self.1 = true;
                visit::visit_expr_await(self, a);
            }
            fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
                if contains(self.0, &m.method.to_string()) {
                    self.1 = true;
                }
                visit::visit_expr_method_call(self, m);
            }
        }
        let mut v = V(&self.t().event_loop_methods, false);
        v.visit_expr(expr);
        v.1
    }
}

impl<'ast> Visit<'ast> for FnChecker<'_, 'ast> {
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let method = m.method.to_string();
        let t = &self.rule.tables;
        if t.is_handler_taker(&method) {
            let at = self.cx.spans.loc(&m.method);
            let emitter = root_ident(&m.receiver);
            self.mark_handlers(m.args.iter(), &method, at, emitter);
        }
        let mut reported = false;
        if contains(&t.dom_add, &method) {
            reported = self.dom_add(m, &method);
        }
        if !reported && self.rule.tables.registration(&method).is_some() {
            self.nested_registration(m, &method);
        }
        if method == "forget" && self.is_gloo_listener(&m.receiver) {
            let forget = self.cx.spans.loc(&m.method);
            self.gloo_forgotten(&m.receiver, forget, "`forget()`");
        }
        visit::visit_expr_method_call(self, m);
    }

    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if let Expr::Path(p) = &*c.func {
            let t = &self.rule.tables;
            let name = last_ident(&p.path).unwrap_or_default();
            let two = last_two(&p.path);
            if contains(&t.handler_constructors, &two) || contains(&t.handler_takers, &name) {
                let at = self.cx.spans.loc(&c.func);
                self.mark_handlers(c.args.iter(), &two, at, None);
            }
            if self
                .cx
                .imports
                .match_table(&p.path, &t.leak_functions, &[])
                .is_some()
                && let Some(arg) = c.args.first()
            {
                let mut inner = peel(arg);
                if let Expr::Call(b) = inner
                    && call_path(inner).is_some_and(|bp| last_two(bp) == "Box::new")
                    && let Some(a) = b.args.first()
                {
                    inner = peel(a);
                }
                if self.is_gloo_listener(inner) {
                    let how = format!("`{}`", path_segments(&p.path).join("::"));
                    let at = self.cx.spans.loc(&c.func);
                    self.gloo_forgotten(inner, at, &how);
                }
            }
            self.leptos_listener(c, &p.path);
        }
        visit::visit_expr_call(self, c);
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let Some(init) = &l.init
            && let Some(name) = pat_ident(&l.pat)
            && self.is_gloo_listener(&init.expr)
            && let Some((loc, how)) = self.locals.get().forgotten.get(&name)
        {
            let how = how.clone();
            self.gloo_forgotten(&init.expr, *loc, &how);
        }
        visit::visit_local(self, l);
    }

    fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
        match self.handlers.get(&ptr(c)).cloned() {
            Some(h) => {
                let bound = bound_names(|v| v.visit_expr_closure(c));
                let body: &Expr = &c.body;
                let scope = Scope {
                    cycle: self.captures_clone_of(&[body], h.emitter.as_deref()),
                    desc: format!("the handler passed to `{}`", h.taker),
                    at: h.at,
                    bound,
                };
                self.with_scope(scope, |s| visit::visit_expr_closure(s, c));
            }
            None => visit::visit_expr_closure(self, c),
        }
    }

    fn visit_expr_loop(&mut self, l: &'ast syn::ExprLoop) {
        let scope = Scope {
            cycle: false,
            desc: "this `loop`".to_string(),
            at: self.cx.spans.loc(&l.loop_token),
            bound: bound_names(|v| v.visit_block(&l.body)),
        };
        self.with_scope(scope, |s| visit::visit_expr_loop(s, l));
    }

    fn visit_expr_while(&mut self, w: &'ast syn::ExprWhile) {
        if let Expr::Let(cond) = &*w.cond
            && self.is_event_loop_scrutinee(&cond.expr)
        {
            let mut bound = bound_names(|v| v.visit_block(&w.body));
            bound.extend(bound_names(|v| v.visit_pat(&cond.pat)));
            let scope = Scope {
                cycle: false,
                desc: "this `while let` event loop".to_string(),
                at: self.cx.spans.loc(&w.while_token),
                bound,
            };
            self.with_scope(scope, |s| visit::visit_expr_while(s, w));
            return;
        }
        visit::visit_expr_while(self, w);
    }

    // Nested items are functions of their own, read by the file walker.
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

// ---------------------------------------------------------------- the file walker: functions, growth, shrink

struct FnFrame {
    name: String,
    at: Location,
    setup: bool,
    takes_callback: bool,
    /// Locals bound to a lock guard or a borrow (`let mut inner = self.inner.lock();`).
    locked_aliases: HashSet<String>,
    /// `let subs = self.subs.lock().unwrap();` → `subs` → `subs` field.
    aliases: HashMap<String, String>,
}

struct FileWalker<'a> {
    rule: &'a LeakedListener,
    cx: &'a FileCtx<'a>,
    module: Vec<String>,
    impl_types: Vec<Option<String>>,
    frames: Vec<FnFrame>,
    findings: Vec<Finding>,
    facts: ListenerFacts,
}

fn returns_self(sig: &syn::Signature, impl_type: Option<&str>) -> bool {
    let syn::ReturnType::Type(_, ty) = &sig.output else {
        return false;
    };
    fn names_self(ty: &syn::Type, impl_type: Option<&str>, depth: usize) -> bool {
        match ty {
            syn::Type::Path(p) => p.path.segments.last().is_some_and(|s| {
                let name = s.ident.to_string();
                name == "Self"
                    || Some(name.as_str()) == impl_type
                    || (depth == 0
                        && matches!(&s.arguments, syn::PathArguments::AngleBracketed(a)
                            if a.args.iter().take(1).any(|g| matches!(g,
                                syn::GenericArgument::Type(t) if names_self(t, impl_type, 1)))))
            }),
            syn::Type::Reference(r) => names_self(&r.elem, impl_type, depth),
            _ => false,
        }
    }
    names_self(ty, impl_type, 0)
}

impl FileWalker<'_> {
    fn t(&self) -> &Tables {
        &self.rule.tables
    }

    fn field_of(&self, expr: &Expr) -> Option<String> {
        match expr {
            Expr::Field(f) => Some(match &f.member {
                syn::Member::Named(n) => n.to_string(),
                syn::Member::Unnamed(i) => i.index.to_string(),
            }),
            Expr::MethodCall(m)
                if contains(&self.t().transparent_methods, &m.method.to_string()) =>
            {
                self.field_of(&m.receiver)
            }
            Expr::Paren(p) => self.field_of(&p.expr),
            Expr::Group(g) => self.field_of(&g.expr),
            Expr::Reference(r) => self.field_of(&r.expr),
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => self.field_of(&u.expr),
            Expr::Try(t) => self.field_of(&t.expr),
            Expr::Await(a) => self.field_of(&a.base),
            Expr::Path(_) => {
                let name = single_ident(expr)?;
                self.frames.last()?.aliases.get(&name).cloned()
            }
            _ => None,
        }
    }

    fn analyze_fn(&mut self, attrs: &[syn::Attribute], sig: &syn::Signature, block: &syn::Block) {
        let t = &self.rule.tables;
        let entry = contains(&t.entry_functions, &sig.ident.to_string())
            || attrs.iter().any(|a| {
                last_ident(a.path()).as_deref() == Some(t.entry_attribute.0.as_str())
                    && matches!(&a.meta, syn::Meta::List(l)
                        if l.tokens.to_string().split(|c: char| !c.is_alphanumeric() && c != '_')
                            .any(|w| w == t.entry_attribute.1))
            });
        let component = attrs
            .iter()
            .any(|a| last_ident(a.path()).as_deref() == Some(t.component_attribute.as_str()));
        let info = FnInfo {
            name: sig.ident.to_string(),
            module: self.module.clone(),
            entry,
            component,
        };
        let locals = LazyLocals {
            rule: self.rule,
            cx: self.cx,
            block,
            cell: std::cell::OnceCell::new(),
        };
        let mut checker = FnChecker {
            rule: self.rule,
            cx: self.cx,
            locals: &locals,
            info: &info,
            scopes: Vec::new(),
            handlers: HashMap::new(),
            findings: &mut self.findings,
            facts: &mut self.facts,
        };
        checker.visit_block(block);
    }

    fn with_fn(
        &mut self,
        attrs: &[syn::Attribute],
        sig: &syn::Signature,
        block: &syn::Block,
        walk: impl FnOnce(&mut Self),
    ) {
        // A removal the crate defines is one its users may call.
        self.facts.called.insert(sig.ident.to_string());
        self.analyze_fn(attrs, sig, block);
        let impl_type = self.impl_types.last().cloned().flatten();
        // Constructors and builders configure; they do not subscribe. A `&self` method
        // returning `Self` (a fork, a clone) is not a builder.
        let shared_self = sig
            .receiver()
            .is_some_and(|r| r.reference.is_some() && r.mutability.is_none());
        let setup = !shared_self && returns_self(sig, impl_type.as_deref());
        let takes_callback = self.takes_callback(sig);
        self.frames.push(FnFrame {
            name: sig.ident.to_string(),
            at: self.cx.spans.loc(&sig.ident),
            setup,
            takes_callback,
            locked_aliases: HashSet::new(),
            aliases: HashMap::new(),
        });
        walk(self);
        self.frames.pop();
    }

    /// What a shrinking call shrinks: a field, or a local of the same name as one
    /// (`let callbacks = self.callbacks.clone(); .. callbacks.borrow_mut().remove(&id)`).
    fn shrink_target(&self, expr: &Expr) -> Option<String> {
        self.field_of(expr).or_else(|| self.local_root(expr))
    }

    fn local_root(&self, expr: &Expr) -> Option<String> {
        match expr {
            Expr::MethodCall(m)
                if contains(&self.t().transparent_methods, &m.method.to_string()) =>
            {
                self.local_root(&m.receiver)
            }
            Expr::Paren(p) => self.local_root(&p.expr),
            Expr::Reference(r) => self.local_root(&r.expr),
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => self.local_root(&u.expr),
            Expr::Try(t) => self.local_root(&t.expr),
            Expr::Await(a) => self.local_root(&a.base),
            _ => single_ident(expr),
        }
    }

    /// A field handed whole to a call (`notify(self.subs.clone())`, `prune(&mut self.subs)`)
    /// may be shrunk there under another name: count it as shrinking.
    fn escapes<'e>(&mut self, args: impl Iterator<Item = &'e Expr>) {
        for arg in args {
            let e = peel(arg);
            let field = match e {
                Expr::MethodCall(m) if m.method == "clone" && m.args.is_empty() => {
                    self.field_of(&m.receiver)
                }
                Expr::Call(c) if call_path(e).and_then(last_ident).as_deref() == Some("clone") => {
                    c.args.first().and_then(|a| self.field_of(a))
                }
                _ => self.field_of(e),
            };
            if let Some(field) = field {
                self.facts.shrunk.insert(field);
            }
        }
    }

    fn bind(&mut self, name: String, init: &Expr) {
        let field = self.field_of(init);
        let locked = {
            let s = scan(init);
            self.t().lock_methods.iter().any(|l| s.methods.contains(l))
        };
        let Some(frame) = self.frames.last_mut() else {
            return;
        };
        if locked {
            frame.locked_aliases.insert(name.clone());
        }
        if let Some(field) = field {
            frame.aliases.insert(name, field);
        }
    }

    /// A parameter (or a generic bound of one) names a callback-like type.
    fn takes_callback(&self, sig: &syn::Signature) -> bool {
        /// Every name in the parameters, generics and where clause (macro
        /// arguments included), read off the tree rather than printed.
        struct Names(Vec<String>);
        impl<'a> Visit<'a> for Names {
            fn visit_ident(&mut self, i: &'a proc_macro2::Ident) {
                self.0.push(i.to_string());
            }
            fn visit_macro(&mut self, m: &'a syn::Macro) {
                syn::visit::visit_macro(self, m);
                idents(m.tokens.clone(), &mut self.0);
            }
        }
        let mut walk = Names(Vec::new());
        sig.inputs.iter().for_each(|i| walk.visit_fn_arg(i));
        walk.visit_generics(&sig.generics);
        let names = walk.0;
        let t = self.t();
        names.iter().any(|n| {
            contains(&t.fn_traits, n)
                || contains(&t.callback_types, n)
                || contains(&t.sender_types, n)
                || contains(&t.weak_types, n)
                || t.listener_suffixes.iter().any(|s| n.ends_with(s.as_str()))
        })
    }

    fn growth(&mut self, field: String, site: Location, method: &str, receiver: &Expr) {
        let s = scan(receiver);
        let through_lock = self.t().lock_methods.iter().any(|l| s.methods.contains(l))
            || s.idents.iter().any(|i| {
                self.frames
                    .last()
                    .is_some_and(|f| f.locked_aliases.contains(i))
            });
        let frame = self.frames.last();
        let growth = Growth {
            field,
            site,
            method: method.to_string(),
            registrar: frame.map(|f| (f.name.clone(), f.at)),
            takes_callback: frame.is_some_and(|f| f.takes_callback),
            through_lock,
            impl_type: self.impl_types.last().cloned().flatten(),
            setup: frame.is_some_and(|f| f.setup),
        };
        self.facts.growth.push(growth);
    }
}

impl<'ast> Visit<'ast> for FileWalker<'_> {
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        self.module.push(m.ident.to_string());
        visit::visit_item_mod(self, m);
        self.module.pop();
    }

    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        let name = match &*i.self_ty {
            syn::Type::Path(p) => last_ident(&p.path),
            _ => None,
        };
        self.impl_types.push(name);
        visit::visit_item_impl(self, i);
        self.impl_types.pop();
    }

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        self.impl_types.push(None);
        self.with_fn(&f.attrs, &f.sig, &f.block, |s| visit::visit_item_fn(s, f));
        self.impl_types.pop();
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        self.with_fn(&f.attrs, &f.sig, &f.block, |s| {
            visit::visit_impl_item_fn(s, f)
        });
    }

    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        match &f.default {
            Some(block) => self.with_fn(&f.attrs, &f.sig, block, |s| {
                visit::visit_trait_item_fn(s, f)
            }),
            None => {
                self.facts.called.insert(f.sig.ident.to_string());
                visit::visit_trait_item_fn(self, f)
            }
        }
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let Some(init) = &l.init {
            let name = pat_ident(&l.pat).or_else(|| match &l.pat {
                // `let Ok(mut subs) = self.subs.lock() else { .. }`
                Pat::TupleStruct(ts) if ts.elems.len() == 1 => pat_ident(&ts.elems[0]),
                _ => None,
            });
            if let Some(name) = name {
                self.bind(name, &init.expr);
            }
        }
        visit::visit_local(self, l);
    }

    fn visit_expr_let(&mut self, l: &'ast syn::ExprLet) {
        if let Pat::TupleStruct(ts) = &*l.pat
            && ts.elems.len() == 1
            && let Some(name) = pat_ident(&ts.elems[0])
        {
            self.bind(name, &l.expr);
        }
        visit::visit_expr_let(self, l);
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let method = m.method.to_string();
        self.facts.called.insert(method.clone());
        let t = &self.rule.tables;
        if contains(&t.dom_remove, &method) {
            let key = m.args.first().map_or(EventKey::Unknown, event_key);
            self.facts.dom_removes.push(key);
        }
        let grows = contains(&t.grow_methods, &method);
        let shrinks = contains(&t.shrink_methods, &method);
        if shrinks && let Some(name) = self.shrink_target(&m.receiver) {
            self.facts.shrunk.insert(name);
        }
        if grows && let Some(field) = self.field_of(&m.receiver) {
            let site = self.cx.spans.loc(&m.method);
            let site = Location {
                end: self.cx.spans.loc(m).end,
                ..site
            };
            self.growth(field, site, &method, &m.receiver);
        }
        self.escapes(m.args.iter());
        visit::visit_expr_method_call(self, m);
    }

    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if let Expr::Path(p) = &*c.func {
            if let Some(name) = last_ident(&p.path) {
                self.facts.called.insert(name);
            }
            if self
                .cx
                .imports
                .match_table(&p.path, &self.t().shrink_functions, &[])
                .is_some()
                && let Some(field) = c.args.first().and_then(|a| self.field_of(a))
            {
                self.facts.shrunk.insert(field);
            }
        }
        self.escapes(c.args.iter());
        visit::visit_expr_call(self, c);
    }

    fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
        if let Some(field) = self.field_of(&a.left) {
            self.facts.shrunk.insert(field);
        }
        visit::visit_expr_assign(self, a);
    }
}

// ---------------------------------------------------------------- registries (crate pass)

#[derive(Clone, Copy, PartialEq, Eq)]
enum ElementKind {
    Callback,
    Sender,
    Weak,
    Listener,
}

const MAX_DEPTH: usize = 16;

struct Classifier<'a> {
    tables: &'a Tables,
    index: &'a CrateIndex<'a>,
    owner: &'a TypeDecl,
}

impl Classifier<'_> {
    /// The collection is reached through a lock or a `RefCell`: shared, so registered
    /// into through `&self` by whoever holds the owner.
    fn shared(&self, ty: &Ty, depth: usize) -> bool {
        let t = self.tables;
        let Some(last) = ty.last() else { return false };
        if contains(&t.shared_wrappers, last) {
            return true;
        }
        if depth < MAX_DEPTH && contains(&t.wrappers, last) {
            return ty.args().first().is_some_and(|a| self.shared(a, depth + 1));
        }
        depth < MAX_DEPTH && self.expand(ty).is_some_and(|e| self.shared(&e, depth + 1))
    }

    fn expand(&self, ty: &Ty) -> Option<Ty> {
        let Ty::Path { path, args } = ty else {
            return None;
        };
        if path.len() == 1 && self.owner.generics.contains(&path[0]) {
            return None;
        }
        match self.index.resolve(path, &self.owner.module) {
            Some(Entity::Alias(a)) => Some(self.index.expand_alias(a, args)),
            _ => None,
        }
    }

    /// The element kind when `ty` is a collection of callbacks, senders or listeners.
    fn registry(&self, ty: &Ty, depth: usize) -> Option<(ElementKind, Ty)> {
        if depth > MAX_DEPTH {
            return None;
        }
        let t = self.tables;
        let last = ty.last()?;
        let args = ty.args();
        if contains(&t.wrappers, last) {
            return self.registry(args.first()?, depth + 1);
        }
        if contains(&t.sequences, last) {
            let elem = args.first()?;
            return self.element(elem, depth + 1).map(|k| (k, elem.clone()));
        }
        if contains(&t.maps, last) {
            let value = args.get(1)?;
            if let Some(k) = self.element(value, depth + 1) {
                return Some((k, value.clone()));
            }
            return self.registry(value, depth + 1).filter(|_| {
                value.last().is_some_and(|l| contains(&t.sequences, l))
                    || self
                        .expand(value)
                        .is_some_and(|v| v.last().is_some_and(|l| contains(&t.sequences, l)))
            });
        }
        self.expand(ty).and_then(|e| self.registry(&e, depth + 1))
    }

    fn element(&self, ty: &Ty, depth: usize) -> Option<ElementKind> {
        if depth > MAX_DEPTH {
            return None;
        }
        let t = self.tables;
        match ty {
            Ty::Dyn(bounds) => bounds.iter().find_map(|b| {
                let name = b.last()?;
                if contains(&t.fn_traits, name) {
                    Some(ElementKind::Callback)
                } else if t
                    .listener_suffixes
                    .iter()
                    .any(|s| name.ends_with(s.as_str()))
                {
                    Some(ElementKind::Listener)
                } else {
                    None
                }
            }),
            Ty::Tuple(items) => items.iter().find_map(|i| self.element(i, depth + 1)),
            Ty::Path { args, .. } => {
                let last = ty.last()?;
                if contains(&t.weak_types, last) {
                    // `Weak<()>` is a liveness token, not a subscriber.
                    let unit = matches!(args.first(), Some(Ty::Tuple(items)) if items.is_empty());
                    (!unit).then_some(ElementKind::Weak)
                } else if contains(&t.sender_types, last) {
                    Some(ElementKind::Sender)
                } else if contains(&t.callback_types, last) {
                    Some(ElementKind::Callback)
                } else if contains(&t.wrappers, last) {
                    self.element(args.first()?, depth + 1)
                } else {
                    self.expand(ty).and_then(|e| self.element(&e, depth + 1))
                }
            }
            _ => None,
        }
    }
}

impl LeakedListener {
    pub fn new() -> LeakedListener {
        let meta = RuleMeta::parse(include_str!("../../rules/leaked-listener.toml"));
        let tables = meta.tables();
        LeakedListener { meta, tables }
    }

    fn registries(&self, cx: &CrateCtx<'_>, facts: &[&ListenerFacts], out: &mut Vec<Finding>) {
        let shrunk: HashSet<&str> = facts
            .iter()
            .flat_map(|f| f.shrunk.iter().map(String::as_str))
            .collect();
        let locked = self.locked_types(cx.index);
        let mut field_names: HashMap<&str, usize> = HashMap::new();
        for decl in &cx.index.types {
            for f in &decl.fields {
                *field_names.entry(f.name.as_str()).or_default() += 1;
            }
        }
        for decl in &cx.index.types {
            if decl.kind != TypeKind::Struct {
                continue;
            }
            let classifier = Classifier {
                tables: &self.tables,
                index: cx.index,
                owner: decl,
            };
            for field in &decl.fields {
                if shrunk.contains(field.name.as_str()) {
                    continue;
                }
                let Some((kind, elem)) = classifier.registry(&field.ty, 0) else {
                    continue;
                };
                let shared = classifier.shared(&field.ty, 0) || locked.contains(decl.name.as_str());
                let unique = field_names.get(field.name.as_str()) == Some(&1);
                let mut growth: Vec<&Growth> = facts
                    .iter()
                    .flat_map(|f| f.growth.iter())
                    .filter(|g| {
                        g.field == field.name
                            && !g.setup
                            && (shared
                                || g.through_lock
                                || g.takes_callback
                                    && g.registrar
                                        .as_ref()
                                        .is_some_and(|(n, _)| self.registrar_named(n)))
                            && (unique || g.impl_type.as_deref() == Some(decl.name.as_str()))
                    })
                    .collect();
                growth.sort_by_key(|g| (g.site.file, g.site.start));
                let Some(first) = growth.first() else {
                    continue;
                };
                out.push(self.registry_finding(decl, field, kind, &elem, first));
            }
        }
    }

    /// Crate types that some field holds behind a lock or a `RefCell`.
    fn locked_types<'i>(&self, index: &'i CrateIndex<'i>) -> HashSet<&'i str> {
        fn names<'t>(ty: &'t Ty, under_lock: bool, shared: &[String], out: &mut HashSet<&'t str>) {
            match ty {
                Ty::Path { path, args } => {
                    let last = path.last().map(String::as_str).unwrap_or("");
                    if under_lock {
                        out.insert(last);
                    }
                    let lock = under_lock || contains(shared, last);
                    args.iter().for_each(|a| names(a, lock, shared, out));
                }
                Ty::Tuple(items) => items.iter().for_each(|a| names(a, under_lock, shared, out)),
                Ty::Array(t) | Ty::Ptr(t) => names(t, under_lock, shared, out),
                Ty::Ref { inner, .. } => names(inner, under_lock, shared, out),
                Ty::Dyn(_) | Ty::Other => {}
            }
        }
        let mut out = HashSet::new();
        for decl in &index.types {
            for f in &decl.fields {
                names(&f.ty, false, &self.tables.shared_wrappers, &mut out);
            }
        }
        for a in &index.aliases {
            names(&a.ty, false, &self.tables.shared_wrappers, &mut out);
        }
        out
    }

    /// A method named like a subscription (`subscribe`, `add_listener`, `on_change`).
    fn registrar_named(&self, name: &str) -> bool {
        let name = name.to_lowercase();
        self.tables.registrar_words.iter().any(|w| {
            name.split('_')
                .any(|part| part == w || (w.len() >= 4 && part.starts_with(w.as_str())))
        })
    }

    fn registry_finding(
        &self,
        decl: &TypeDecl,
        field: &crate::facts::FieldDecl,
        kind: ElementKind,
        elem: &Ty,
        growth: &Growth,
    ) -> Finding {
        let spelled = format!("{}.{}", decl.name, field.name);
        let registrar = growth
            .registrar
            .as_ref()
            .map(|(n, _)| n.as_str())
            .unwrap_or("the crate");
        let what = match kind {
            ElementKind::Callback => "callbacks",
            ElementKind::Sender => "senders",
            ElementKind::Weak => "weak subscribers",
            ElementKind::Listener => "listeners",
        };
        let mut finding = Finding::new(
            field.location,
            format!(
                "registry `{spelled}` only grows: `{registrar}` adds {what} and nothing ever unsubscribes"
            ),
        )
        .label(growth.site, format!("`{}` adds one more `{elem}`", growth.method));
        if let Some((name, at)) = &growth.registrar {
            finding = finding.label(*at, format!("registering method `{name}`"));
        }
        let note = match kind {
            ElementKind::Weak => format!(
                "dead `Weak` entries are never pruned: `{spelled}` keeps one allocation per subscription for as long as the `{}` lives",
                decl.name
            ),
            ElementKind::Sender => format!(
                "`{spelled}` keeps every sender, and the channel behind it, for as long as the `{}` lives, even after the receiver is gone",
                decl.name
            ),
            _ => format!(
                "`{spelled}` keeps every registered {} and everything it captures for as long as the `{}` lives",
                &what[..what.len() - 1],
                decl.name
            ),
        };
        let help = match kind {
            ElementKind::Weak => format!(
                "prune dead entries: `{}.retain(|w| w.upgrade().is_some())`",
                field.name
            ),
            ElementKind::Sender => format!(
                "drop closed senders: `{}.retain(|tx| !tx.is_closed())`, or remove the sender when its subscriber leaves",
                field.name
            ),
            _ => format!(
                "return a subscription id or guard from `{registrar}` and remove the entry on unsubscribe (or when the guard drops)"
            ),
        };
        finding.note(note).help(help)
    }
}

impl Default for LeakedListener {
    fn default() -> Self {
        LeakedListener::new()
    }
}

impl Rule for LeakedListener {
    fn meta(&self) -> &RuleMeta {
        &self.meta
    }

    fn check_file(&self, cx: &FileCtx<'_>, out: &mut FileOutput) {
        let mut walker = FileWalker {
            rule: self,
            cx,
            module: cx.module.to_vec(),
            impl_types: Vec::new(),
            frames: Vec::new(),
            findings: Vec::new(),
            facts: ListenerFacts::default(),
        };
        walker.visit_file(cx.file);
        out.findings = walker.findings;
        out.facts = Some(Box::new(walker.facts));
    }

    fn encode_facts(&self, facts: &(dyn std::any::Any + Send + Sync)) -> Option<Vec<u8>> {
        crate::cache::encode::<ListenerFacts>(facts)
    }

    fn decode_facts(&self, bytes: &[u8]) -> Option<crate::rules::RuleFacts> {
        crate::cache::decode::<ListenerFacts>(bytes)
    }

    fn check_crate(&self, cx: &CrateCtx<'_>, out: &mut Vec<Finding>) {
        let facts: Vec<&ListenerFacts> = cx.facts::<ListenerFacts>().map(|(_, f)| f).collect();
        let removes: Vec<&EventKey> = facts.iter().flat_map(|f| f.dom_removes.iter()).collect();
        let called: HashSet<&str> = facts
            .iter()
            .flat_map(|f| f.called.iter().map(String::as_str))
            .collect();
        let mut dom_sites = HashSet::new();
        for add in facts.iter().flat_map(|f| f.dom_adds.iter()) {
            dom_sites.insert(add.primary);
            if removes.iter().any(|r| r.matches(&add.event)) {
                continue;
            }
            out.push(self.dom_finding(add));
        }
        for n in facts.iter().flat_map(|f| f.nested.iter()) {
            if dom_sites.contains(&n.primary) {
                continue;
            }
            let Some(reg) = self.tables.registration(&n.method) else {
                continue;
            };
            if reg.remove.iter().any(|r| called.contains(r.as_str())) {
                continue;
            }
            let removal = reg.remove.first().map(String::as_str).unwrap_or("remove");
            out.push(
                Finding::new(
                    n.primary,
                    format!(
                        "`{}` registers a listener on `{}` each time {} runs, and nothing removes it",
                        n.method, n.receiver, n.context_desc
                    ),
                )
                .label(n.context, "runs once per event")
                .note(format!(
                    "`{}` is captured from outside, so it outlives every event: each one adds another listener to it, and each of them runs on every later event; nothing in the crate defines or calls `{removal}`",
                    n.receiver
                ))
                .help(format!(
                    "register once, outside {}; or keep what `{}` returns and call `{removal}` when the listener is no longer needed",
                    n.context_desc, n.method
                )),
            );
        }
        self.registries(cx, &facts, out);
    }
}

impl LeakedListener {
    fn dom_finding(&self, add: &DomAdd) -> Finding {
        let event = add.event.spelled();
        let closure = add
            .closure
            .as_ref()
            .map_or("the `Closure`".to_string(), |c| {
                format!("the `Closure` `{c}`")
            });
        let lives = match &add.page {
            Some(p) if *p == add.target => format!("; `{p}` lives as long as the page"),
            Some(p) => format!(
                "; `{}` is the page's `{p}`, which lives as long as the page",
                add.target
            ),
            None => String::new(),
        };
        let remove = self
            .tables
            .dom_remove
            .first()
            .map(String::as_str)
            .unwrap_or("remove_event_listener_with_callback");
        Finding::new(
            add.primary,
            format!(
                "`{}` listener for {event} on `{}` is never removed",
                add.method, add.target
            ),
        )
        .label(add.forget, format!("{} hands {closure} to JS for good", add.forget_how))
        .note(format!(
            "{closure} stays registered on `{}` with everything it captures{lives}; no `{remove}*` for {event} exists in the crate",
            add.target
        ))
        .help(format!(
            "keep the `Closure` (e.g. in a struct field) instead of forgetting it and call `{remove}` for {event} in `Drop`, or use `gloo_events::EventListener`, which removes itself when dropped"
        ))
    }
}

/// Every identifier in a token stream, groups included (macro arguments we do not parse).
fn idents(tokens: proc_macro2::TokenStream, out: &mut Vec<String>) {
    for t in tokens {
        match t {
            proc_macro2::TokenTree::Ident(i) => out.push(i.to_string()),
            proc_macro2::TokenTree::Group(g) => idents(g.stream(), out),
            _ => {}
        }
    }
}
