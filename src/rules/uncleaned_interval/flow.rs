//! Where a value goes: the fate of a handle (a `JoinHandle`, a `SourceId`, an
//! interval id) from the expression that makes it, walking up its ancestors.

use syn::visit::Visit;
use syn::{Expr, Pat};

use super::Tables;
use crate::imports::{Imports, path_segments};

/// One step on the way from a function body down to an expression.
#[derive(Clone, Copy)]
pub enum Node<'a> {
    Body,
    Expr(&'a Expr),
    Stmt(&'a syn::Stmt),
    Local(&'a syn::Local),
    Field(&'a syn::FieldValue),
    Block,
    Arm(&'a syn::Arm),
}

impl Node<'_> {
    fn is_expr(&self, e: &Expr) -> bool {
        matches!(self, Node::Expr(x) if std::ptr::eq(*x, e))
    }
}

/// Walks a function body (not nested items) with the ancestor stack, calling
/// `at` on every expression with the stack ending at that expression.
pub struct AncestorWalk<'ast, F> {
    pub stack: Vec<Node<'ast>>,
    pub at: F,
}

impl<'ast, F: FnMut(&[Node<'ast>], &'ast Expr)> AncestorWalk<'ast, F> {
    pub fn run(body: &'ast syn::Block, at: F) {
        let mut w = AncestorWalk {
            stack: vec![Node::Body],
            at,
        };
        w.visit_block(body);
    }

    fn enter(&mut self, node: Node<'ast>, f: impl FnOnce(&mut Self)) {
        self.stack.push(node);
        f(self);
        self.stack.pop();
    }
}

impl<'ast, F: FnMut(&[Node<'ast>], &'ast Expr)> Visit<'ast> for AncestorWalk<'ast, F> {
    fn visit_expr(&mut self, e: &'ast Expr) {
        self.enter(Node::Expr(e), |w| {
            (w.at)(&w.stack, e);
            syn::visit::visit_expr(w, e);
        });
    }
    fn visit_stmt(&mut self, s: &'ast syn::Stmt) {
        self.enter(Node::Stmt(s), |w| syn::visit::visit_stmt(w, s));
    }
    fn visit_local(&mut self, l: &'ast syn::Local) {
        self.enter(Node::Local(l), |w| syn::visit::visit_local(w, l));
    }
    fn visit_field_value(&mut self, f: &'ast syn::FieldValue) {
        self.enter(Node::Field(f), |w| syn::visit::visit_field_value(w, f));
    }
    fn visit_block(&mut self, b: &'ast syn::Block) {
        self.enter(Node::Block, |w| syn::visit::visit_block(w, b));
    }
    fn visit_arm(&mut self, a: &'ast syn::Arm) {
        self.enter(Node::Arm(a), |w| syn::visit::visit_arm(w, a));
    }
    // Nested items are analyzed on their own, as functions of their own.
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fate {
    /// Dropped right away (`spawn(..);`, `let _ =`, `drop(h)`) or never used.
    Discarded,
    /// `.detach()`-ed.
    Detached,
    /// Bound to a local: its uses decide.
    Local(String),
    /// Stored in a field of this name.
    Field(String),
    Stopped(String),
    Awaited,
    Returned,
    /// Consumed by a wrapper that stops the work on drop (`AbortOnDropHandle`).
    Wrapped,
    /// Passed somewhere this rule does not follow.
    Unknown,
}

pub struct Flow<'a> {
    pub tables: &'a Tables,
    pub imports: &'a Imports,
}

fn written_tail(path: &syn::Path, n: usize) -> String {
    let segs = path_segments(path);
    let start = segs.len().saturating_sub(n);
    segs[start..].join("::")
}

impl Flow<'_> {
    /// The fate of `anc[i]` (an expression) as seen from its ancestors.
    pub fn classify(&self, anc: &[Node<'_>], mut i: usize) -> Fate {
        let t = self.tables;
        while i > 0 {
            let child = anc[i];
            match anc[i - 1] {
                Node::Body => return Fate::Returned,
                Node::Expr(p) => match p {
                    Expr::MethodCall(m) => {
                        let name = m.method.to_string();
                        if !child.is_expr(&m.receiver) {
                            if t.store_methods.contains(&name)
                                && let Some(f) = first_field(&m.receiver)
                            {
                                return Fate::Field(f);
                            }
                            return Fate::Unknown;
                        }
                        if t.stop_methods.contains(&name) {
                            return Fate::Stopped(name);
                        }
                        match name.as_str() {
                            "detach" => return Fate::Detached,
                            "join" => return Fate::Awaited,
                            _ if t.transparent_methods.contains(&name) => {}
                            _ => return Fate::Unknown,
                        }
                    }
                    Expr::Call(c) => {
                        let Expr::Path(callee) = &*c.func else {
                            return Fate::Unknown;
                        };
                        if child.is_expr(&c.func) {
                            return Fate::Unknown;
                        }
                        let path = &callee.path;
                        let re = &t.reexports;
                        if self
                            .imports
                            .match_table(path, &t.discard_calls, re)
                            .is_some()
                            || self
                                .imports
                                .match_table(path, &t.forget_calls, re)
                                .is_some()
                        {
                            return Fate::Discarded;
                        }
                        if self
                            .imports
                            .match_table(path, &t.stopping_wrappers, re)
                            .is_some()
                        {
                            return Fate::Wrapped;
                        }
                        let transparent = t.transparent_calls.iter().any(|c| {
                            let n = c.split("::").count();
                            written_tail(path, n) == *c
                        });
                        if !transparent {
                            return Fate::Unknown;
                        }
                    }
                    Expr::Await(_) => return Fate::Awaited,
                    Expr::Try(_)
                    | Expr::Paren(_)
                    | Expr::Group(_)
                    | Expr::Reference(_)
                    | Expr::Cast(_)
                    | Expr::Tuple(_)
                    | Expr::Block(_)
                    | Expr::Unsafe(_) => {}
                    Expr::Assign(a) => {
                        if !child.is_expr(&a.right) {
                            return Fate::Unknown;
                        }
                        if is_wild(&a.left) {
                            return Fate::Discarded;
                        }
                        return first_field(&a.left).map_or(Fate::Unknown, Fate::Field);
                    }
                    Expr::Return(_) => return Fate::Returned,
                    Expr::If(x) => {
                        if child.is_expr(&x.cond) {
                            return Fate::Unknown;
                        }
                    }
                    Expr::Match(x) => {
                        if child.is_expr(&x.expr) {
                            return Fate::Unknown;
                        }
                    }
                    _ => return Fate::Unknown,
                },
                Node::Stmt(s) => match s {
                    syn::Stmt::Expr(_, Some(_)) => return Fate::Discarded,
                    syn::Stmt::Expr(_, None) => {}
                    _ => return Fate::Unknown,
                },
                Node::Block => {}
                Node::Local(l) => {
                    let is_init = l
                        .init
                        .as_ref()
                        .is_some_and(|init| child.is_expr(&init.expr));
                    if !is_init {
                        return Fate::Unknown;
                    }
                    return match strip_type(&l.pat) {
                        Pat::Wild(_) => Fate::Discarded,
                        Pat::Ident(id) if id.subpat.is_none() => Fate::Local(id.ident.to_string()),
                        _ => Fate::Unknown,
                    };
                }
                Node::Field(fv) => {
                    return Fate::Field(member_name(&fv.member));
                }
                Node::Arm(a) => {
                    if !child.is_expr(&a.body) {
                        return Fate::Unknown;
                    }
                }
            }
            i -= 1;
        }
        Fate::Unknown
    }

    /// The combined fate of every use of local `name` in `body`.
    pub fn local_fate(&self, body: &syn::Block, name: &str) -> Fate {
        let mut fates = Vec::new();
        AncestorWalk::run(body, |anc, e| {
            if let Expr::Path(p) = e
                && p.qself.is_none()
                && p.path.is_ident(name)
            {
                fates.push(self.classify(anc, anc.len() - 1));
            }
        });
        if fates.is_empty() {
            return Fate::Discarded;
        }
        if let Some(quiet) = fates.iter().find(|f| {
            !matches!(
                f,
                Fate::Field(_) | Fate::Discarded | Fate::Detached | Fate::Local(_)
            )
        }) {
            return quiet.clone();
        }
        if fates.iter().any(|f| matches!(f, Fate::Local(_))) {
            return Fate::Unknown;
        }
        if let Some(field) = fates.iter().find(|f| matches!(f, Fate::Field(_))) {
            return field.clone();
        }
        if fates.contains(&Fate::Detached) {
            return Fate::Detached;
        }
        Fate::Discarded
    }
}

pub fn strip_type(p: &Pat) -> &Pat {
    match p {
        Pat::Type(t) => strip_type(&t.pat),
        other => other,
    }
}

fn is_wild(e: &Expr) -> bool {
    match e {
        Expr::Infer(_) => true,
        Expr::Path(p) => p.path.is_ident("_"),
        _ => false,
    }
}

pub fn member_name(m: &syn::Member) -> String {
    match m {
        syn::Member::Named(id) => id.to_string(),
        syn::Member::Unnamed(i) => i.index.to_string(),
    }
}

/// The nearest field an expression reads through: `tasks` in
/// `self.inner.tasks.lock().unwrap().drain(..)`, `task` in `*self.task.lock()`.
pub fn first_field(e: &Expr) -> Option<String> {
    match e {
        Expr::Field(f) => Some(member_name(&f.member)),
        Expr::MethodCall(m) => first_field(&m.receiver),
        Expr::Unary(u) => first_field(&u.expr),
        Expr::Reference(r) => first_field(&r.expr),
        Expr::Paren(p) => first_field(&p.expr),
        Expr::Group(g) => first_field(&g.expr),
        Expr::Try(t) => first_field(&t.expr),
        Expr::Await(a) => first_field(&a.base),
        Expr::Index(i) => first_field(&i.expr),
        Expr::Call(c) => c.args.iter().find_map(first_field),
        _ => None,
    }
}

/// The local an expression starts from: `h` in `h.as_ref().unwrap()`, `&mut h`.
pub fn root_ident(e: &Expr) -> Option<String> {
    match e {
        Expr::Path(p) if p.qself.is_none() && p.path.segments.len() == 1 => {
            Some(p.path.segments[0].ident.to_string())
        }
        Expr::MethodCall(m) => root_ident(&m.receiver),
        Expr::Unary(u) => root_ident(&u.expr),
        Expr::Reference(r) => root_ident(&r.expr),
        Expr::Paren(p) => root_ident(&p.expr),
        Expr::Group(g) => root_ident(&g.expr),
        Expr::Try(t) => root_ident(&t.expr),
        Expr::Await(a) => root_ident(&a.base),
        _ => None,
    }
}

/// Every identifier a pattern binds.
pub fn pat_idents(p: &Pat, out: &mut Vec<String>) {
    struct Idents<'a>(&'a mut Vec<String>);
    impl<'ast> Visit<'ast> for Idents<'_> {
        fn visit_pat_ident(&mut self, i: &'ast syn::PatIdent) {
            self.0.push(i.ident.to_string());
            syn::visit::visit_pat_ident(self, i);
        }
    }
    Idents(out).visit_pat(p);
}
