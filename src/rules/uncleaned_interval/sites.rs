//! The file pass: every function body is scanned once for what it binds
//! (timers, runtimes, owner clones, forgotten closures, where locals come
//! from), then walked with its ancestors to find the starts of periodic work,
//! the stop calls, and the calls between free functions.

use std::collections::{HashMap, HashSet};

use syn::visit::Visit;
use syn::{Expr, FnArg, Pat};

use super::body::{Timers, always_continue, macro_tail, tokens_mention};
use super::flow::{
    AncestorWalk, Fate, Flow, Node, first_field, pat_idents, root_ident, strip_type,
};
use super::{
    Callee, Caller, Facts, FnLoop, HandleKind, MethodSpawner, Pending, Runtime, StopSite, Stored,
    Tables, trap_note, ty_is,
};
use crate::diagnostic::{Finding, Location};
use crate::facts::Ty;
use crate::imports::path_segments;
use crate::macros::is_macro_call;
use crate::rules::FileCtx;

pub fn scan(tables: &Tables, cx: &FileCtx<'_>) -> Facts {
    let mut s = Scanner {
        t: tables,
        cx,
        facts: Facts::default(),
        impls: Vec::new(),
    };
    s.visit_file(cx.file);
    s.facts
}

struct ImplCtx {
    self_ty: String,
    is_drop: bool,
}

struct Scanner<'a, 'c> {
    t: &'a Tables,
    cx: &'a FileCtx<'c>,
    facts: Facts,
    impls: Vec<ImplCtx>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum FnKind {
    Free,
    Method,
}

struct FnInfo<'ast> {
    name: String,
    kind: FnKind,
    entry: bool,
    component: bool,
    in_drop: bool,
    self_ty: Option<String>,
    /// `self: Arc<Self>` / `self: &Rc<Self>`: a clone of `self` keeps the owner alive.
    rc_receiver: bool,
    params: Vec<(String, Ty)>,
    body: &'ast syn::Block,
}

impl<'ast> Visit<'ast> for Scanner<'_, '_> {
    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        let self_ty = match &*i.self_ty {
            syn::Type::Path(p) => p
                .path
                .segments
                .last()
                .map(|s| s.ident.to_string())
                .unwrap_or_default(),
            _ => String::new(),
        };
        let is_drop = i
            .trait_
            .as_ref()
            .is_some_and(|(_, p, _)| p.segments.last().is_some_and(|s| s.ident == "Drop"));
        self.impls.push(ImplCtx { self_ty, is_drop });
        syn::visit::visit_item_impl(self, i);
        self.impls.pop();
    }

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        let name = f.sig.ident.to_string();
        self.facts.free_fns.push(name.clone());
        let info = FnInfo {
            entry: self.is_entry(&f.attrs, &name),
            component: f.attrs.iter().any(|a| {
                a.path()
                    .segments
                    .last()
                    .is_some_and(|s| s.ident == self.t.component_attr)
            }),
            name,
            kind: FnKind::Free,
            in_drop: false,
            self_ty: None,
            rc_receiver: false,
            params: self.params(&f.sig),
            body: &f.block,
        };
        self.analyze(&info);
        // Into the body only for nested items: `visit_item` of the walker skips them.
        if self.may_nest_fns(&f.block) {
            let outer = std::mem::take(&mut self.impls);
            syn::visit::visit_item_fn(self, f);
            self.impls = outer;
        }
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        let (self_ty, in_drop) = self
            .impls
            .last()
            .map_or((None, false), |i| (Some(i.self_ty.clone()), i.is_drop));
        if let Some(ty) = &self_ty {
            self.facts
                .methods
                .push((ty.clone(), f.sig.ident.to_string()));
        }
        let info = FnInfo {
            name: f.sig.ident.to_string(),
            kind: FnKind::Method,
            entry: false,
            component: false,
            in_drop,
            self_ty,
            rc_receiver: rc_receiver(&f.sig),
            params: self.params(&f.sig),
            body: &f.block,
        };
        self.analyze(&info);
        if self.may_nest_fns(&f.block) {
            syn::visit::visit_impl_item_fn(self, f);
        }
    }

    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        if let Some(body) = &f.default {
            let info = FnInfo {
                name: f.sig.ident.to_string(),
                kind: FnKind::Method,
                entry: false,
                component: false,
                in_drop: false,
                self_ty: None,
                rc_receiver: rc_receiver(&f.sig),
                params: self.params(&f.sig),
                body,
            };
            self.analyze(&info);
            if self.may_nest_fns(body) {
                syn::visit::visit_trait_item_fn(self, f);
            }
        }
    }
}

fn rc_receiver(sig: &syn::Signature) -> bool {
    sig.inputs.iter().any(|a| match a {
        FnArg::Receiver(r) if r.colon_token.is_some() => {
            let mut ty = &*r.ty;
            if let syn::Type::Reference(rf) = ty {
                ty = &rf.elem;
            }
            matches!(ty, syn::Type::Path(p)
                if p.path.segments.last().is_some_and(|s| s.ident == "Arc" || s.ident == "Rc"))
        }
        _ => false,
    })
}

/// What a function body binds, from a scan of all of it.
#[derive(Default)]
struct Bindings<'ast> {
    /// Local → the async block or closure it holds (`let fut = async move { .. }`).
    futures: HashMap<String, &'ast Expr>,
    /// Local → the field it was taken from (`let h = self.task.take()`).
    sources: HashMap<String, String>,
    timers: Vec<String>,
    /// Local → index of the method spawner whose receiver type it has.
    runtimes: HashMap<String, usize>,
    owner_clones: Vec<String>,
    gloo: Vec<String>,
    forgotten_closures: HashSet<String>,
    bound: HashSet<String>,
}

enum Recv {
    Known,
    SelfField(String),
    No,
}

/// The word of a nested function.
static FN: crate::source::Words = crate::source::Words::new(&["fn"]);

impl<'c> Scanner<'_, 'c> {
    /// Whether a body may hold a nested function (its text has the word `fn`),
    /// the only reason to walk into it for items.
    fn may_nest_fns(&self, body: &syn::Block) -> bool {
        self.cx.bodies.may_hold(body, &FN)
    }

    fn is_entry(&self, attrs: &[syn::Attribute], name: &str) -> bool {
        name == "main" || attrs.iter().any(|a| {
            let p = path_segments(a.path()).join("::");
            self.t.program_entry_attrs.contains(&p)
                || (a
                    .path()
                    .segments
                    .last()
                    .is_some_and(|s| s.ident == "wasm_bindgen")
                    && matches!(&a.meta, syn::Meta::List(l) if tokens_mention(&l.tokens, "start")))
        })
    }

    fn params(&self, sig: &syn::Signature) -> Vec<(String, Ty)> {
        sig.inputs
            .iter()
            .filter_map(|a| match a {
                FnArg::Typed(t) => match strip_type(&t.pat) {
                    Pat::Ident(id) => {
                        Some((id.ident.to_string(), Ty::from_syn(&t.ty, self.cx.imports)))
                    }
                    _ => None,
                },
                FnArg::Receiver(_) => None,
            })
            .collect()
    }

    fn matches(&self, path: &syn::Path, table: &[String]) -> bool {
        super::path_in_table(self.cx.imports, path, table, &self.t.reexports)
    }

    fn call_matches(&self, e: &Expr, table: &[String]) -> bool {
        match e {
            Expr::Call(c) => matches!(&*c.func, Expr::Path(p) if self.matches(&p.path, table)),
            Expr::Paren(p) => self.call_matches(&p.expr, table),
            Expr::Try(t) => self.call_matches(&t.expr, table),
            Expr::MethodCall(m) if matches!(m.method.to_string().as_str(), "unwrap" | "expect") => {
                self.call_matches(&m.receiver, table)
            }
            _ => false,
        }
    }

    fn timers<'x>(&'x self, b: &'x Bindings<'_>) -> Timers<'x> {
        Timers {
            tables: self.t,
            imports: self.cx.imports,
            locals: &b.timers,
        }
    }

    fn flow(&self) -> Flow<'_> {
        Flow {
            tables: self.t,
            imports: self.cx.imports,
        }
    }

    /// Whether `e` has the receiver type of method spawner `ms`.
    fn receiver_kind(&self, e: &Expr, i: usize, b: &Bindings<'_>, info: &FnInfo<'_>) -> Recv {
        let ms: &MethodSpawner = &self.t.method_spawners[i];
        match e {
            Expr::Call(c) => match &*c.func {
                Expr::Path(p) if self.matches(&p.path, &ms.constructors) => Recv::Known,
                _ => Recv::No,
            },
            Expr::MethodCall(m) if super::has(&self.t.runtime_passthrough, &m.method) => {
                self.receiver_kind(&m.receiver, i, b, info)
            }
            Expr::Try(t) => self.receiver_kind(&t.expr, i, b, info),
            Expr::Paren(p) => self.receiver_kind(&p.expr, i, b, info),
            Expr::Reference(r) => self.receiver_kind(&r.expr, i, b, info),
            Expr::Path(p) if p.path.segments.len() == 1 => {
                let name = p.path.segments[0].ident.to_string();
                if b.runtimes.get(&name) == Some(&i)
                    || info
                        .params
                        .iter()
                        .any(|(n, ty)| *n == name && ty_is(ty, &ms.types))
                {
                    Recv::Known
                } else {
                    Recv::No
                }
            }
            Expr::Field(f) if matches!(&*f.base, Expr::Path(p) if p.path.is_ident("self")) => {
                Recv::SelfField(super::flow::member_name(&f.member))
            }
            _ => Recv::No,
        }
    }

    fn is_owner_clone(&self, e: &Expr, info: &FnInfo<'_>) -> bool {
        fn is_self(e: &Expr) -> bool {
            match e {
                Expr::Reference(r) => is_self(&r.expr),
                Expr::Unary(u) => is_self(&u.expr),
                Expr::Paren(p) => is_self(&p.expr),
                Expr::Path(p) => p.path.is_ident("self"),
                _ => false,
            }
        }
        let mentions_self = is_self;
        match e {
            Expr::Call(c) => {
                matches!(&*c.func, Expr::Path(p) if {
                    let s = path_segments(&p.path);
                    s.len() >= 2 && matches!(s[s.len() - 2].as_str(), "Arc" | "Rc") && s[s.len() - 1] == "clone"
                }) && c.args.first().is_some_and(mentions_self)
            }
            Expr::MethodCall(m) => {
                m.method == "clone" && info.rc_receiver && mentions_self(&m.receiver)
            }
            _ => false,
        }
    }

    fn bindings<'ast>(&self, info: &FnInfo<'ast>) -> (Bindings<'ast>, Vec<StopSite>) {
        struct Scan<'s, 'a, 'c, 'i, 'ast> {
            s: &'s Scanner<'a, 'c>,
            info: &'i FnInfo<'ast>,
            b: Bindings<'ast>,
            stops: Vec<StopSite>,
        }
        impl Scan<'_, '_, '_, '_, '_> {
            fn source_of(&self, e: &Expr) -> Option<String> {
                first_field(e)
                    .or_else(|| root_ident(e).and_then(|n| self.b.sources.get(&n).cloned()))
            }
            fn bind_from(&mut self, pat: &Pat, from: &Expr) {
                let mut names = Vec::new();
                pat_idents(pat, &mut names);
                if let Some(src) = self.source_of(from) {
                    for n in &names {
                        self.b.sources.insert(n.clone(), src.clone());
                    }
                }
                self.b.bound.extend(names);
            }
        }
        impl<'ast> Visit<'ast> for Scan<'_, '_, '_, '_, 'ast> {
            fn visit_local(&mut self, l: &'ast syn::Local) {
                if let Some(init) = &l.init {
                    let e = &*init.expr;
                    self.bind_from(&l.pat, e);
                    if let Pat::Ident(id) = strip_type(&l.pat) {
                        let name = id.ident.to_string();
                        let s = self.s;
                        if matches!(e, Expr::Async(_) | Expr::Closure(_)) {
                            self.b.futures.insert(name.clone(), e);
                        }
                        if s.timers(&self.b).makes_interval(e) {
                            self.b.timers.push(name.clone());
                        }
                        for i in 0..s.t.method_spawners.len() {
                            let typed = matches!(&l.pat, Pat::Type(t)
                                if ty_is(&Ty::from_syn(&t.ty, s.cx.imports), &s.t.method_spawners[i].types));
                            if typed
                                || matches!(s.receiver_kind(e, i, &self.b, self.info), Recv::Known)
                            {
                                self.b.runtimes.insert(name.clone(), i);
                            }
                        }
                        if s.is_owner_clone(e, self.info) {
                            self.b.owner_clones.push(name.clone());
                        }
                        if s.call_matches(e, &s.t.gloo_intervals) {
                            self.b.gloo.push(name);
                        }
                    }
                } else {
                    let mut names = Vec::new();
                    pat_idents(&l.pat, &mut names);
                    self.b.bound.extend(names);
                }
                syn::visit::visit_local(self, l);
            }
            fn visit_expr(&mut self, e: &'ast Expr) {
                // In source order, so a stop call sees the bindings before it.
                self.s.record_stop(e, &self.b, self.info, &mut self.stops);
                match e {
                    Expr::Let(l) => self.bind_from(&l.pat, &l.expr),
                    Expr::ForLoop(f) => self.bind_from(&f.pat, &f.expr),
                    Expr::Match(m) => {
                        for a in &m.arms {
                            self.bind_from(&a.pat, &m.expr);
                        }
                    }
                    Expr::Closure(c) => {
                        for p in &c.inputs {
                            let mut names = Vec::new();
                            pat_idents(p, &mut names);
                            self.b.bound.extend(names);
                        }
                    }
                    Expr::MethodCall(m) => {
                        if super::has(&self.s.t.web_closure_forgets, &m.method)
                            && let Some(x) = root_ident(&m.receiver)
                        {
                            self.b.forgotten_closures.insert(x);
                        }
                        for a in &m.args {
                            if let Expr::Closure(c) = a {
                                for p in &c.inputs {
                                    self.bind_from(p, &m.receiver);
                                }
                            }
                        }
                    }
                    Expr::Call(c) => {
                        if let Expr::Path(p) = &*c.func
                            && p.path.segments.last().is_some_and(|s| {
                                super::has(&self.s.t.web_closure_forgets, &s.ident)
                            })
                            && let Some(x) = c.args.first().and_then(root_ident)
                        {
                            self.b.forgotten_closures.insert(x);
                        }
                    }
                    _ => {}
                }
                syn::visit::visit_expr(self, e);
            }
            fn visit_item(&mut self, _: &'ast syn::Item) {}
        }
        let mut scan = Scan {
            s: self,
            info,
            b: Bindings::default(),
            stops: Vec::new(),
        };
        for (n, _) in &info.params {
            scan.b.bound.insert(n.clone());
        }
        scan.visit_block(info.body);
        (scan.b, scan.stops)
    }

    fn analyze(&mut self, info: &FnInfo<'_>) {
        let (b, stops) = self.bindings(info);
        let callee = match (info.kind, &info.self_ty) {
            (FnKind::Free, _) => Some(Callee::Free(info.name.clone())),
            (FnKind::Method, Some(ty)) => Some(Callee::Method(ty.clone(), info.name.clone())),
            (FnKind::Method, None) => None,
        };
        if let Some(callee) = callee
            && let Some(lp) = self.timers(&b).periodic_loop_in(info.body)
        {
            self.facts.loops.push(FnLoop {
                callee,
                wait: self.cx.spans.loc(lp.wait),
                keyword: self.cx.spans.span(lp.keyword),
            });
        }
        let caller = if info.entry {
            Caller::Entry
        } else if info.kind == FnKind::Free {
            Caller::Free(info.name.clone())
        } else {
            Caller::Other
        };
        let mut found: Vec<Pending> = Vec::new();
        let mut calls: Vec<(String, Caller)> = Vec::new();
        AncestorWalk::run(info.body, |anc, e| {
            self.record_call(e, &b, &caller, &mut calls);
            if !info.entry
                && let Some(p) = self.site(anc, e, &b, info)
                && !self.in_once(anc)
            {
                found.push(p);
            }
        });
        self.facts.pending.extend(found);
        self.facts.stops.extend(stops);
        self.facts.calls.extend(calls);
    }

    /// Inside a closure that runs once per process (`Once::call_once`,
    /// `OnceLock::get_or_init`, `Lazy::new`): a singleton, not a leak per owner.
    fn in_once(&self, anc: &[Node<'_>]) -> bool {
        anc.iter().any(|n| match n {
            Node::Expr(Expr::MethodCall(m)) => super::has(&self.t.once_methods, &m.method),
            Node::Expr(Expr::Call(c)) => matches!(&*c.func, Expr::Path(p)
            if self.t.once_calls.iter().any(|o| {
                let segs = path_segments(&p.path);
                let n = o.split("::").count();
                segs.len() >= n && segs[segs.len() - n..].join("::") == *o
            })),
            Node::Expr(Expr::If(i)) => self.flips_static_flag(&i.cond),
            _ => false,
        })
    }

    /// A condition that flips a static flag (`STARTED.swap(true, ..)`,
    /// `RUNNING.compare_exchange(false, true, ..)`): what it guards runs once.
    fn flips_static_flag(&self, cond: &Expr) -> bool {
        struct Finder<'t> {
            methods: &'t [String],
            found: bool,
        }
        impl<'ast> Visit<'ast> for Finder<'_> {
            fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
                let is_static = |e: &Expr| match e {
                    Expr::Path(p) => p.path.segments.last().is_some_and(|s| {
                        let name = s.ident.to_string();
                        name.len() > 1
                            && name
                                .chars()
                                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
                    }),
                    _ => false,
                };
                if super::has(self.methods, &m.method) && is_static(&m.receiver) {
                    self.found = true;
                }
                syn::visit::visit_expr_method_call(self, m);
            }
        }
        let mut f = Finder {
            methods: &self.t.once_guard_methods,
            found: false,
        };
        f.visit_expr(cond);
        f.found
    }

    fn record_call(
        &self,
        e: &Expr,
        b: &Bindings<'_>,
        caller: &Caller,
        calls: &mut Vec<(String, Caller)>,
    ) {
        let Expr::Path(p) = e else { return };
        let Some(last) = p.path.segments.last().map(|s| s.ident.to_string()) else {
            return;
        };
        if p.path.segments.len() == 1 && b.bound.contains(&last) {
            return;
        }
        // A function passed as a callback (`app.connect_activate(build_ui)`) runs
        // on behalf of the function that passes it, like a call.
        let who = caller.clone();
        calls.push((last, who));
    }

    fn record_stop(&self, e: &Expr, b: &Bindings<'_>, info: &FnInfo<'_>, out: &mut Vec<StopSite>) {
        let source = |x: &Expr| {
            first_field(x).or_else(|| root_ident(x).and_then(|n| b.sources.get(&n).cloned()))
        };
        let mut push = |field: Option<String>, method: String| {
            if let Some(field) = field {
                out.push(StopSite {
                    field,
                    method,
                    in_drop: info.in_drop,
                });
            }
        };
        let t = self.t;
        match e {
            Expr::MethodCall(m) => {
                if super::has(&t.stop_methods, &m.method) {
                    push(source(&m.receiver), m.method.to_string());
                }
                if super::has(&t.stop_calls, &m.method) {
                    for a in &m.args {
                        push(source(a), m.method.to_string());
                    }
                }
                for a in &m.args {
                    if let Expr::Path(p) = a
                        && let Some(l) = p.path.segments.last()
                        && super::has(&t.stop_methods, &l.ident)
                    {
                        push(source(&m.receiver), l.ident.to_string());
                    }
                }
            }
            Expr::Call(c) => {
                if let Expr::Path(p) = &*c.func
                    && let Some(l) = p.path.segments.last()
                    && (super::has(&t.stop_calls, &l.ident)
                        || (p.path.segments.len() > 1 && super::has(&t.stop_methods, &l.ident)))
                {
                    for a in &c.args {
                        push(source(a), l.ident.to_string());
                    }
                }
            }
            _ => {}
        }
    }

    /// The start of periodic work at `e`, if it is one.
    fn site(
        &self,
        anc: &[Node<'_>],
        e: &Expr,
        b: &Bindings<'_>,
        info: &FnInfo<'_>,
    ) -> Option<Pending> {
        match e {
            Expr::Call(c) => {
                let Expr::Path(p) = &*c.func else { return None };
                let path = &p.path;
                let written = || path_segments(path).join("::");
                if self.matches(path, &self.t.spawner_paths)
                    && let Some(hit) =
                        self.cx
                            .imports
                            .match_table(path, &self.t.spawner_paths, &self.t.reexports)
                {
                    let rt = &self.t.spawners[hit];
                    let task = c.args.first()?;
                    if hit.ends_with("spawn_local") && rt == "tokio" && in_local_set(anc, self.t) {
                        return None;
                    }
                    return self.spawn_site(anc, e, &written(), rt, task, b, info, None);
                }
                if self.matches(path, &self.t.forget_calls) {
                    let arg = c.args.first()?;
                    return self.gloo_forget(e, arg, b, info);
                }
                if self.matches(path, &self.t.glib_sources) {
                    return self.glib_source(anc, e, c, &written(), info);
                }
                if self.matches(path, &self.t.leptos_set_interval) {
                    return info
                        .component
                        .then(|| self.leptos_no_handle(e, &written(), info));
                }
                if self.matches(path, &self.t.leptos_set_interval_with_handle) {
                    return self.leptos_with_handle(anc, e, &written(), info);
                }
                None
            }
            Expr::MethodCall(m) => {
                let name = m.method.to_string();
                if name == "forget" && m.args.is_empty() {
                    return self.gloo_forget(e, &m.receiver, b, info);
                }
                if name.starts_with(&self.t.web_set_interval_prefix) {
                    return self.web_interval(anc, m, b, info);
                }
                for (i, ms) in self.t.method_spawners.iter().enumerate() {
                    let Some(rt) = ms.methods.get(&name) else {
                        continue;
                    };
                    let recv = self.receiver_kind(&m.receiver, i, b, info);
                    let field = match recv {
                        Recv::No => continue,
                        Recv::Known => None,
                        Recv::SelfField(f) => Some((info.self_ty.clone()?, f, ms.types.clone())),
                    };
                    let task = m.args.first()?;
                    let primary = method_loc(self, m);
                    let callee = format!("{}.{name}", receiver_text(&m.receiver));
                    return self.spawn_site(anc, primary, &callee, rt, task, b, info, field);
                }
                None
            }
            _ => None,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn spawn_site(
        &self,
        anc: &[Node<'_>],
        primary: impl Primary,
        callee: &str,
        rt_id: &str,
        task: &Expr,
        b: &Bindings<'_>,
        info: &FnInfo<'_>,
        receiver_field: Option<(String, String, Vec<String>)>,
    ) -> Option<Pending> {
        let rt: &Runtime = &self.t.runtimes[rt_id];
        let parsed;
        let raw = match task {
            Expr::Path(p) => p
                .path
                .get_ident()
                .and_then(|i| b.futures.get(&i.to_string()).copied())
                .unwrap_or(task),
            other => other,
        };
        let body = match task_body(raw) {
            TaskBody::Expr(e) => Some(e),
            TaskBody::Macro(m) => {
                parsed = macro_tail(m);
                parsed.as_ref()
            }
            TaskBody::None => None,
        };
        let timers = self.timers(b);
        let lp = body.and_then(|t| timers.periodic_loop(t));
        let delegate = match lp {
            Some(_) => None,
            None => {
                let d = self.delegate_of(body.unwrap_or(raw), b, info);
                Some(d?)
            }
        };
        let task = body.unwrap_or(raw);
        let fate = match rt.handle {
            HandleKind::None => Fate::Discarded,
            _ => self.fate(anc, info),
        };
        let owner_clone = self.owner_clone_in(task, b, info);
        let stop_text = rt
            .stop
            .iter()
            .map(|s| format!("{s}()"))
            .collect::<Vec<_>>()
            .join("` or `");
        let (note, stored) = match (rt.handle, &fate) {
            (HandleKind::None, _) => (
                Some(format!(
                    "`{callee}` returns no handle, so nothing can stop this loop"
                )),
                None,
            ),
            (HandleKind::CancelOnDrop, Fate::Detached) => (
                Some(
                    "`.detach()` lets the task run on its own: nothing can cancel it any more"
                        .to_string(),
                ),
                None,
            ),
            (HandleKind::CancelOnDrop, _) => return None,
            (HandleKind::Join, Fate::Discarded | Fate::Detached) => (
                Some(format!(
                    "the handle is discarded: dropping a {} detaches the {}, it does not stop it, so this loop runs for the rest of the program",
                    rt.handle_name, rt.work
                )),
                None,
            ),
            (HandleKind::Join, Fate::Field(f)) => {
                let note = if rt.stop.is_empty() {
                    format!(
                        "the handle is stored in field `{f}`, but a {} cannot be stopped through its handle: dropping it only detaches the {}",
                        rt.name_of_work(),
                        rt.work
                    )
                } else {
                    format!(
                        "the handle is stored in field `{f}`, but nothing in the crate calls `{stop_text}` on it: dropping a {} detaches the {}, it does not stop it",
                        rt.handle_name, rt.work
                    )
                };
                (
                    None,
                    Some(Stored {
                        field: f.clone(),
                        stop: rt.stop.clone(),
                        owner_clone: owner_clone.clone(),
                        note,
                    }),
                )
            }
            (HandleKind::Join, Fate::Wrapped) => match &owner_clone {
                Some(me) => (Some(trap_note(me)), None),
                None => return None,
            },
            (HandleKind::Join, _) => return None,
        };
        let help = if owner_clone.is_some() && (stored.is_some() || fate == Fate::Wrapped) {
            "hold a `Weak` to the owner in the task and leave the loop when it no longer upgrades, so the owner can drop and stop the task".to_string()
        } else {
            rt.help.clone()
        };
        let spans = &self.cx.spans;
        let mut finding = Finding::new(
            primary.location(self),
            format!("periodic task started by `{callee}` is never stopped"),
        );
        if let Some(lp) = lp {
            finding = finding
                .label(spans.loc(lp.wait), "waits on a timer every round")
                .label(
                    spans.span(lp.keyword),
                    "loops forever: nothing breaks out of it",
                );
        }
        finding = finding.help(help);
        if let Some(n) = note {
            finding = finding.note(n);
        }
        let mut p = self.pending(finding, info, receiver_field, stored);
        p.delegate = delegate;
        Some(p)
    }

    /// The crate function a spawned future or closure only runs: `run(x)`,
    /// `async move { self.poll().await }`, `move || worker(rx)`.
    fn delegate_of(&self, task: &Expr, b: &Bindings<'_>, info: &FnInfo<'_>) -> Option<Callee> {
        let last = match task {
            Expr::Async(a) => match a.block.stmts.last()? {
                syn::Stmt::Expr(e, _) => e,
                syn::Stmt::Local(l) => &l.init.as_ref()?.expr,
                _ => return None,
            },
            Expr::Closure(c) => match &*c.body {
                Expr::Block(bl) => match bl.block.stmts.last()? {
                    syn::Stmt::Expr(e, _) => e,
                    _ => return None,
                },
                other => other,
            },
            other => other,
        };
        let mut call = last;
        loop {
            call = match call {
                Expr::Await(a) => &a.base,
                Expr::Try(t) => &t.expr,
                Expr::Paren(p) => &p.expr,
                Expr::MethodCall(m) if super::has(&self.t.future_adapters, &m.method) => {
                    &m.receiver
                }
                _ => break,
            };
        }
        match call {
            Expr::Call(c) if !is_macro_call(c) => {
                let Expr::Path(p) = &*c.func else { return None };
                let segs = path_segments(&p.path);
                let name = segs.last()?.clone();
                // A closure parameter or local (`f()`), or a constructor (`Ok(..)`).
                if (segs.len() == 1 && b.bound.contains(&name))
                    || name.starts_with(char::is_uppercase)
                {
                    return None;
                }
                if segs.len() == 2 && segs[0] == "Self" {
                    return Some(Callee::Method(info.self_ty.clone()?, name));
                }
                // A path brought in by `use` from another crate names its function, not ours.
                let resolved = self.cx.imports.resolve(&segs);
                let imported = resolved != segs;
                let in_crate = matches!(resolved.first().map(String::as_str), Some("crate"));
                (!imported || in_crate).then_some(Callee::Free(name))
            }
            Expr::MethodCall(m) => {
                let owner = match root_ident(&m.receiver) {
                    Some(r) => r == "self" || b.owner_clones.contains(&r),
                    None => false,
                };
                if !owner {
                    return None;
                }
                Some(Callee::Method(info.self_ty.clone()?, m.method.to_string()))
            }
            _ => None,
        }
    }

    fn pending(
        &self,
        finding: Finding,
        info: &FnInfo<'_>,
        receiver_field: Option<(String, String, Vec<String>)>,
        stored: Option<Stored>,
    ) -> Pending {
        Pending {
            finding,
            free_fn: (info.kind == FnKind::Free).then(|| info.name.clone()),
            receiver_field,
            stored,
            delegate: None,
        }
    }

    /// The fate of the value made by the last expression of `anc`, following a local.
    fn fate(&self, anc: &[Node<'_>], info: &FnInfo<'_>) -> Fate {
        let flow = self.flow();
        match flow.classify(anc, anc.len() - 1) {
            Fate::Local(name) => flow.local_fate(info.body, &name),
            other => other,
        }
    }

    fn owner_clone_in(&self, task: &Expr, b: &Bindings<'_>, info: &FnInfo<'_>) -> Option<String> {
        struct Find<'s, 'a, 'c, 'i, 'ast> {
            s: &'s Scanner<'a, 'c>,
            b: &'i Bindings<'ast>,
            info: &'i FnInfo<'ast>,
            hit: Option<String>,
        }
        impl<'x> Visit<'x> for Find<'_, '_, '_, '_, '_> {
            fn visit_expr(&mut self, e: &'x Expr) {
                if self.hit.is_some() {
                    return;
                }
                if self.s.is_owner_clone(e, self.info) {
                    self.hit = Some("self".to_string());
                    return;
                }
                if let Expr::Path(p) = e
                    && let Some(id) = p.path.get_ident()
                {
                    let n = id.to_string();
                    if self.b.owner_clones.contains(&n) || (n == "self" && self.info.rc_receiver) {
                        self.hit = Some(n);
                        return;
                    }
                }
                syn::visit::visit_expr(self, e);
            }
        }
        struct Rebound(HashSet<String>);
        impl<'x> Visit<'x> for Rebound {
            fn visit_pat_ident(&mut self, i: &'x syn::PatIdent) {
                self.0.insert(i.ident.to_string());
            }
        }
        let mut rebound = Rebound(HashSet::new());
        rebound.visit_expr(task);
        let mut f = Find {
            s: self,
            b,
            info,
            hit: None,
        };
        f.visit_expr(task);
        f.hit.filter(|n| !rebound.0.contains(n))
    }

    fn gloo_forget(
        &self,
        forget: &Expr,
        arg: &Expr,
        b: &Bindings<'_>,
        info: &FnInfo<'_>,
    ) -> Option<Pending> {
        let mut arg = arg;
        // `Box::leak(Box::new(interval))`
        if let Expr::Call(c) = arg
            && matches!(&*c.func, Expr::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "new")
                && p.path.segments.len() >= 2 && p.path.segments[p.path.segments.len() - 2].ident == "Box")
            && let Some(inner) = c.args.first()
        {
            arg = inner;
        }
        let direct = self.call_matches(arg, &self.t.gloo_intervals);
        let local = matches!(arg, Expr::Path(p) if p.path.get_ident().is_some_and(|i| b.gloo.contains(&i.to_string())));
        if !direct && !local {
            return None;
        }
        let primary = call_head(self, forget);
        let mut finding = Finding::new(primary, "gloo `Interval` is forgotten: it fires for the rest of the program")
            .note("forgetting the `Interval` gives up the only thing that can cancel it, and its callback (with everything it captured) is never freed")
            .help("keep the `Interval` in the component or its owner (a field, hook state, an effect's cleanup): dropping it cancels the timer");
        if direct {
            finding = finding.label(call_head(self, arg), "interval created here");
        }
        Some(self.pending(finding, info, None, None))
    }

    fn web_interval(
        &self,
        anc: &[Node<'_>],
        m: &syn::ExprMethodCall,
        b: &Bindings<'_>,
        info: &FnInfo<'_>,
    ) -> Option<Pending> {
        let cb = m.args.first()?;
        if !closure_forgotten(cb, b, self.t) {
            return None;
        }
        let fate = self.fate(anc, info);
        let name = m.method.to_string();
        let (note, stored) = match fate {
            Fate::Discarded => (
                Some("the interval id is discarded, so nothing can clear it, and its forgotten `Closure` (with everything it captured) is never freed".to_string()),
                None,
            ),
            Fate::Field(f) => (
                None,
                Some(Stored {
                    note: format!(
                        "the interval id is stored in field `{f}`, but nothing in the crate passes it to `clear_interval_with_handle`, and its forgotten `Closure` is never freed"
                    ),
                    field: f,
                    stop: vec!["clear_interval_with_handle".to_string()],
                    owner_clone: None,
                }),
            ),
            _ => return None,
        };
        let mut finding = Finding::new(
            method_loc(self, m),
            format!("interval set with `{name}` is never cleared"),
        )
        .label(self.cx.spans.loc(cb), "its `Closure` is forgotten, so it lives forever")
        .help("keep the id and the `Closure` in the owner and call `clear_interval_with_handle(id)` in its `Drop`");
        if let Some(n) = note {
            finding = finding.note(n);
        }
        Some(self.pending(finding, info, None, stored))
    }

    fn leptos_no_handle(&self, e: &Expr, callee: &str, info: &FnInfo<'_>) -> Pending {
        let finding = Finding::new(
            call_head(self, e),
            format!("`{callee}` in a component can never be cleared"),
        )
        .note("`set_interval` returns no handle: the interval keeps running after the component is unmounted")
        .help("use `set_interval_with_handle` and clear it with `on_cleanup(move || handle.clear())`");
        self.pending(finding, info, None, None)
    }

    fn leptos_with_handle(
        &self,
        anc: &[Node<'_>],
        e: &Expr,
        callee: &str,
        info: &FnInfo<'_>,
    ) -> Option<Pending> {
        let (note, stored) = match self.fate(anc, info) {
            Fate::Discarded => (
                Some(
                    "the `IntervalHandle` is discarded, so nothing can clear the interval"
                        .to_string(),
                ),
                None,
            ),
            Fate::Field(f) => (
                None,
                Some(Stored {
                    note: format!(
                        "the `IntervalHandle` is stored in field `{f}`, but nothing in the crate calls `clear()` on it"
                    ),
                    field: f,
                    stop: vec!["clear".to_string()],
                    owner_clone: None,
                }),
            ),
            _ => return None,
        };
        let mut finding = Finding::new(
            call_head(self, e),
            format!("interval set with `{callee}` is never cleared"),
        )
        .help("clear it when the component goes away: `on_cleanup(move || handle.clear())`");
        if let Some(n) = note {
            finding = finding.note(n);
        }
        Some(self.pending(finding, info, None, stored))
    }

    fn glib_source(
        &self,
        anc: &[Node<'_>],
        e: &Expr,
        c: &syn::ExprCall,
        callee: &str,
        info: &FnInfo<'_>,
    ) -> Option<Pending> {
        let cb = c.args.last()?;
        let parsed;
        let closure = match cb {
            Expr::Closure(cl) => cl,
            Expr::Macro(m) => {
                // A weak capture that fails to upgrade returns the macro's default
                // (`Break`, `Continue(false)`): the source ends with its owner.
                if ["Break", "false", "weak", "weak_allow_none"]
                    .iter()
                    .any(|w| tokens_mention(&m.mac.tokens, w))
                {
                    return None;
                }
                parsed = macro_tail(&m.mac)?;
                match &parsed {
                    Expr::Closure(cl) => cl,
                    _ => return None,
                }
            }
            _ => return None,
        };
        if !always_continue(closure, self.cx.imports) {
            return None;
        }
        let (note, stored) = match self.fate(anc, info) {
            Fate::Discarded => (
                Some("the `SourceId` is discarded and the callback never returns `ControlFlow::Break`: the source runs, and keeps its captures alive, for the rest of the program".to_string()),
                None,
            ),
            Fate::Field(f) => (
                None,
                Some(Stored {
                    note: format!("the `SourceId` is stored in field `{f}`, but nothing in the crate calls `remove()` on it, and the callback never returns `ControlFlow::Break`"),
                    field: f,
                    stop: vec!["remove".to_string(), "source_remove".to_string()],
                    owner_clone: None,
                }),
            ),
            _ => return None,
        };
        let head = match cb {
            Expr::Closure(cl) => closure_head(self, cl),
            other => self.cx.spans.loc(other),
        };
        let mut finding = Finding::new(
            call_head(self, e),
            format!("GLib source added with `{callee}` is never removed"),
        )
        .label(head, "returns `ControlFlow::Continue` on every path")
        .help("keep the `SourceId` and `remove()` it when the owner goes away, or return `ControlFlow::Break` when the work is done (e.g. when a weak reference no longer upgrades)");
        if let Some(n) = note {
            finding = finding.note(n);
        }
        Some(self.pending(finding, info, None, stored))
    }
}

/// Where a finding's primary span goes.
trait Primary {
    fn location(&self, s: &Scanner<'_, '_>) -> Location;
}

impl Primary for &Expr {
    fn location(&self, s: &Scanner<'_, '_>) -> Location {
        call_head(s, self)
    }
}

/// From a call's start to its opening parenthesis: `tokio::spawn(`, not its body.
fn call_head(s: &Scanner<'_, '_>, e: &Expr) -> Location {
    match e {
        Expr::Call(c) => {
            let start = s.cx.spans.loc(&c.func);
            let open = s.cx.spans.span(c.paren_token.span.open());
            Location {
                end: open.end,
                ..start
            }
        }
        Expr::MethodCall(m) => method_loc(s, m),
        other => s.cx.spans.loc(other),
    }
}

/// A closure's head: `move || `.
fn closure_head(s: &Scanner<'_, '_>, c: &syn::ExprClosure) -> Location {
    let start = s.cx.spans.loc(c);
    let end = s.cx.spans.loc(&c.or2_token);
    Location {
        end: end.end,
        ..start
    }
}

impl Primary for Location {
    fn location(&self, _: &Scanner<'_, '_>) -> Location {
        *self
    }
}

/// A method's name and opening parenthesis: `spawn(` in `rt.spawn(..)`.
fn method_loc(s: &Scanner<'_, '_>, m: &syn::ExprMethodCall) -> Location {
    let start = s.cx.spans.loc(&m.method);
    let end = s.cx.spans.span(m.paren_token.span.open());
    Location {
        end: end.end,
        ..start
    }
}

fn receiver_text(e: &Expr) -> String {
    match e {
        Expr::Path(p) => path_segments(&p.path).join("::"),
        Expr::Field(f) => format!(
            "{}.{}",
            receiver_text(&f.base),
            super::flow::member_name(&f.member)
        ),
        Expr::MethodCall(m) => format!("{}.{}()", receiver_text(&m.receiver), m.method),
        Expr::Call(c) => match &*c.func {
            Expr::Path(p) => format!("{}()", path_segments(&p.path).join("::")),
            _ => "..".to_string(),
        },
        Expr::Reference(r) => receiver_text(&r.expr),
        Expr::Paren(p) => receiver_text(&p.expr),
        Expr::Try(t) => format!("{}?", receiver_text(&t.expr)),
        _ => "..".to_string(),
    }
}

enum TaskBody<'a> {
    Expr(&'a Expr),
    Macro(&'a syn::Macro),
    None,
}

/// The closure or async block a spawn runs, through `.instrument(..)`-like
/// adapters, `Box::pin(..)` and `clone!(..)`.
fn task_body(e: &Expr) -> TaskBody<'_> {
    match e {
        Expr::Async(_) | Expr::Closure(_) => TaskBody::Expr(e),
        Expr::MethodCall(m) => task_body(&m.receiver),
        Expr::Paren(p) => task_body(&p.expr),
        Expr::Call(c) if matches!(&*c.func, Expr::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "pin")) => {
            c.args.first().map_or(TaskBody::None, task_body)
        }
        Expr::Macro(m)
            if m.mac
                .path
                .segments
                .last()
                .is_some_and(|s| s.ident == "clone") =>
        {
            TaskBody::Macro(&m.mac)
        }
        _ => TaskBody::None,
    }
}

/// Whether a spawn sits inside the future given to `LocalSet::run_until`.
fn in_local_set(anc: &[Node<'_>], t: &Tables) -> bool {
    anc.iter().any(|n| {
        matches!(n, Node::Expr(Expr::MethodCall(m)) if super::has(&t.local_set_methods, &m.method))
    })
}

/// Whether the callback passed to `set_interval_*` is a forgotten `Closure`:
/// `.into_js_value()` in the argument, or a local that is `forget()`-ed.
fn closure_forgotten(e: &Expr, b: &Bindings<'_>, t: &Tables) -> bool {
    match e {
        Expr::MethodCall(m) => {
            super::has(&t.web_closure_forgets, &m.method) || closure_forgotten(&m.receiver, b, t)
        }
        Expr::Reference(r) => closure_forgotten(&r.expr, b, t),
        Expr::Paren(p) => closure_forgotten(&p.expr, b, t),
        Expr::Path(p) => p
            .path
            .get_ident()
            .is_some_and(|i| b.forgotten_closures.contains(&i.to_string())),
        _ => false,
    }
}
