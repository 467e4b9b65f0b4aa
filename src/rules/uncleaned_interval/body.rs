//! What a spawned body does: an endless loop that waits on a timer each round,
//! and whether a GLib source closure returns `Continue` on every path.

use proc_macro2::{TokenStream, TokenTree};
use syn::visit::Visit;
use syn::{Expr, Lit};

use super::Tables;
use super::flow::root_ident;
use crate::imports::{Imports, path_segments};
use crate::macros::is_macro_call;

pub struct Timers<'a> {
    pub tables: &'a Tables,
    pub imports: &'a Imports,
    /// Locals bound from a periodic timer constructor in the function.
    pub locals: &'a [String],
}

/// An endless loop with a timer wait inside, as spans to label.
pub struct PeriodicLoop<'ast> {
    pub keyword: proc_macro2::Span,
    pub wait: &'ast Expr,
}

impl<'a> Timers<'a> {
    fn is_timer_local(&self, e: &Expr) -> bool {
        root_ident(e).is_some_and(|n| self.locals.contains(&n))
    }

    fn is_call_in(&self, e: &Expr, table: &[String]) -> bool {
        matches!(e, Expr::Call(c) if matches!(&*c.func, Expr::Path(p)
            if super::path_in_table(self.imports, &p.path, table, &self.tables.reexports)))
    }

    /// Whether `e` contains a call to a periodic timer constructor, outside closures.
    pub fn makes_interval(&self, e: &'a Expr) -> bool {
        struct Find<'t, 'a> {
            t: &'t Timers<'a>,
            hit: bool,
            limited: bool,
        }
        impl<'ast> Visit<'ast> for Find<'_, '_> {
            fn visit_expr(&mut self, e: &'ast Expr) {
                if self.t.is_call_in(e, &self.t.tables.interval_constructors) {
                    self.hit = true;
                }
                if let Expr::MethodCall(m) = e
                    && super::has(&self.t.tables.stream_limits, &m.method)
                {
                    self.limited = true;
                }
                if !matches!(e, Expr::Closure(_)) {
                    syn::visit::visit_expr(self, e);
                }
            }
        }
        let mut f = Find {
            t: self,
            hit: false,
            limited: false,
        };
        f.visit_expr(e);
        f.hit && !f.limited
    }

    /// Whether a stream expression is cut short (`.take_until(stop)`, `.take(n)`).
    fn limited(&self, e: &Expr) -> bool {
        match e {
            Expr::MethodCall(m) => {
                super::has(&self.tables.stream_limits, &m.method) || self.limited(&m.receiver)
            }
            Expr::Reference(r) => self.limited(&r.expr),
            Expr::Paren(p) => self.limited(&p.expr),
            _ => false,
        }
    }

    /// A timer wait in `e`, outside nested closures.
    fn find_wait<'ast>(&self, e: &'ast Expr) -> Option<&'ast Expr> {
        struct Find<'t, 'a, 'ast> {
            t: &'t Timers<'a>,
            hit: Option<&'ast Expr>,
        }
        impl<'ast> Visit<'ast> for Find<'_, '_, 'ast> {
            fn visit_expr(&mut self, e: &'ast Expr) {
                if self.hit.is_some() {
                    return;
                }
                let t = self.t;
                let wait = match e {
                    Expr::Call(_) => t.is_call_in(e, &t.tables.timer_waits),
                    Expr::Await(a) => matches!(&*a.base, Expr::MethodCall(m)
                        if super::has(&t.tables.awaited_timer_methods, &m.method)),
                    Expr::MethodCall(m) => {
                        super::has(&t.tables.interval_wait_methods, &m.method)
                            && t.is_timer_local(&m.receiver)
                    }
                    _ => false,
                };
                if wait {
                    self.hit = Some(e);
                    return;
                }
                match e {
                    Expr::Closure(_) => {}
                    _ => syn::visit::visit_expr(self, e),
                }
            }
            fn visit_item(&mut self, _: &'ast syn::Item) {}
        }
        let mut f = Find { t: self, hit: None };
        f.visit_expr(e);
        f.hit
    }

    /// The first endless loop in `body` (a spawned closure's body or async block)
    /// that waits on a timer each round.
    pub fn periodic_loop<'ast>(&self, body: &'ast Expr) -> Option<PeriodicLoop<'ast>> {
        let mut f = LoopFinder { t: self, hit: None };
        match body {
            Expr::Async(a) => f.visit_block(&a.block),
            Expr::Closure(c) => f.visit_expr(&c.body),
            other => f.visit_expr(other),
        }
        f.hit
    }

    /// The same, in a function's body.
    pub fn periodic_loop_in<'ast>(&self, body: &'ast syn::Block) -> Option<PeriodicLoop<'ast>> {
        let mut f = LoopFinder { t: self, hit: None };
        f.visit_block(body);
        f.hit
    }

    fn find_wait_block<'ast>(&self, b: &'ast syn::Block) -> Option<&'ast Expr> {
        b.stmts.iter().find_map(|s| match s {
            syn::Stmt::Expr(e, _) => self.find_wait(e),
            syn::Stmt::Local(l) => l.init.as_ref().and_then(|i| {
                self.find_wait(&i.expr)
                    .or_else(|| i.diverge.as_ref().and_then(|d| self.find_wait(&d.1)))
            }),
            _ => None,
        })
    }
}

struct LoopFinder<'t, 'a, 'ast> {
    t: &'t Timers<'a>,
    hit: Option<PeriodicLoop<'ast>>,
}
impl<'ast> Visit<'ast> for LoopFinder<'_, '_, 'ast> {
    fn visit_expr(&mut self, e: &'ast Expr) {
        if self.hit.is_some() {
            return;
        }
        let t = self.t;
        let found = match e {
            Expr::Loop(l) if !has_exit(&l.body) => {
                t.find_wait_block(&l.body).map(|w| (l.loop_token.span, w))
            }
            Expr::While(w) if !has_exit(&w.body) => match &*w.cond {
                Expr::Lit(lit) if matches!(&lit.lit, Lit::Bool(b) if b.value) => {
                    t.find_wait_block(&w.body).map(|x| (w.while_token.span, x))
                }
                Expr::Let(l) => match &*l.expr {
                    Expr::Await(a)
                        if matches!(&*a.base, Expr::MethodCall(m)
                        if m.method == "next" && t.is_timer_local(&m.receiver) && !t.limited(&m.receiver)) =>
                    {
                        Some((w.while_token.span, &*l.expr))
                    }
                    _ => None,
                },
                _ => None,
            },
            Expr::ForLoop(f)
                if t.is_timer_local(&f.expr) && !t.limited(&f.expr) && !has_exit(&f.body) =>
            {
                Some((f.for_token.span, &*f.expr))
            }
            _ => None,
        };
        if let Some((keyword, wait)) = found {
            self.hit = Some(PeriodicLoop { keyword, wait });
            return;
        }
        match e {
            Expr::Closure(_) | Expr::Async(_) => {}
            Expr::MethodCall(m) if m.method == "block_on" => {
                self.visit_expr(&m.receiver);
                for a in &m.args {
                    self.visit_async_arg(a);
                }
            }
            Expr::Call(c) if is_block_on(&c.func) => {
                for a in &c.args {
                    self.visit_async_arg(a);
                }
            }
            _ => syn::visit::visit_expr(self, e),
        }
    }
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}
impl<'ast> LoopFinder<'_, '_, 'ast> {
    // Work passed to `block_on` runs right here, on this thread.
    fn visit_async_arg(&mut self, a: &'ast Expr) {
        match a {
            Expr::Async(x) => self.visit_block(&x.block),
            _ => self.visit_expr(a),
        }
    }
}

fn is_block_on(func: &Expr) -> bool {
    matches!(func, Expr::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "block_on"))
}

/// Whether a loop body has a way out of its loop: a `break` of it (or of a loop
/// around it), a `return`, a `?`, a panic or `process::exit`; not counting those
/// inside closures, async blocks or items, which leave something else.
pub fn has_exit(body: &syn::Block) -> bool {
    struct Exit {
        depth: usize,
        inner_labels: Vec<String>,
        found: bool,
    }
    impl<'ast> Visit<'ast> for Exit {
        fn visit_expr(&mut self, e: &'ast Expr) {
            if self.found {
                return;
            }
            match e {
                Expr::Closure(_) | Expr::Async(_) => {}
                Expr::Break(b) => {
                    self.found |= match &b.label {
                        None => self.depth == 0,
                        Some(l) => !self.inner_labels.contains(&l.ident.to_string()),
                    };
                    syn::visit::visit_expr(self, e);
                }
                Expr::Return(_) | Expr::Try(_) => self.found = true,
                Expr::Loop(_) | Expr::While(_) | Expr::ForLoop(_) => {
                    let label = match e {
                        Expr::Loop(l) => l.label.as_ref(),
                        Expr::While(w) => w.label.as_ref(),
                        Expr::ForLoop(f) => f.label.as_ref(),
                        _ => None,
                    };
                    self.depth += 1;
                    if let Some(l) = label {
                        self.inner_labels.push(l.name.ident.to_string());
                    }
                    syn::visit::visit_expr(self, e);
                    if label.is_some() {
                        self.inner_labels.pop();
                    }
                    self.depth -= 1;
                }
                Expr::Call(c) if is_macro_call(c) || is_exit_call(&c.func) => {
                    let panics = matches!(&*c.func, Expr::Path(p)
                        if p.path.segments.last().is_some_and(|s|
                            matches!(s.ident.to_string().as_str(),
                                "panic" | "todo" | "unimplemented" | "unreachable" | "exit")));
                    self.found |= panics;
                    syn::visit::visit_expr(self, e);
                }
                Expr::Macro(m) => self.found |= tokens_exit(&m.mac.tokens),
                _ => syn::visit::visit_expr(self, e),
            }
        }
        fn visit_stmt_macro(&mut self, m: &'ast syn::StmtMacro) {
            self.found |= tokens_exit(&m.mac.tokens);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut x = Exit {
        depth: 0,
        inner_labels: Vec::new(),
        found: false,
    };
    x.visit_block(body);
    x.found
}

fn is_exit_call(func: &Expr) -> bool {
    matches!(func, Expr::Path(p) if {
        let s = path_segments(&p.path);
        s.len() >= 2 && s[s.len() - 2] == "process" && s[s.len() - 1] == "exit"
    })
}

/// A macro left as tokens might leave the loop: any `break`, `return` or `?` in it.
fn tokens_exit(tokens: &TokenStream) -> bool {
    tokens.clone().into_iter().any(|t| match t {
        TokenTree::Ident(i) => i == "break" || i == "return",
        TokenTree::Punct(p) => p.as_char() == '?',
        TokenTree::Group(g) => tokens_exit(&g.stream()),
        TokenTree::Literal(_) => false,
    })
}

/// The closure or async block at the end of a `clone!(..)`-like macro's tokens.
pub fn macro_tail(mac: &syn::Macro) -> Option<Expr> {
    let tokens: Vec<TokenTree> = mac.tokens.clone().into_iter().collect();
    let start = tokens.iter().position(|t| match t {
        TokenTree::Ident(i) => i == "move" || i == "async",
        TokenTree::Punct(p) => p.as_char() == '|',
        _ => false,
    })?;
    let rest: TokenStream = tokens[start..].iter().cloned().collect();
    syn::parse2::<Expr>(rest).ok()
}

/// Whether a macro's tokens mention `ident` anywhere.
pub fn tokens_mention(tokens: &TokenStream, ident: &str) -> bool {
    tokens.clone().into_iter().any(|t| match t {
        TokenTree::Ident(i) => i == ident,
        TokenTree::Group(g) => tokens_mention(&g.stream(), ident),
        _ => false,
    })
}

/// Whether a GLib source callback returns `ControlFlow::Continue` (or
/// `Continue(true)`) on every path: its tail and every `return`.
pub fn always_continue(closure: &syn::ExprClosure, imports: &Imports) -> bool {
    struct Returns<'a> {
        imports: &'a Imports,
        all: bool,
    }
    impl<'ast> Visit<'ast> for Returns<'_> {
        fn visit_expr(&mut self, e: &'ast Expr) {
            match e {
                Expr::Closure(_) | Expr::Async(_) => {}
                Expr::Return(r) => {
                    self.all &= r
                        .expr
                        .as_ref()
                        .is_some_and(|x| is_continue(x, self.imports));
                }
                Expr::Try(_) => self.all = false,
                _ => syn::visit::visit_expr(self, e),
            }
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    if !is_continue(&closure.body, imports) {
        return false;
    }
    let mut r = Returns { imports, all: true };
    r.visit_expr(&closure.body);
    r.all
}

fn is_continue(e: &Expr, imports: &Imports) -> bool {
    match e {
        Expr::Block(b) => block_tail(&b.block).is_some_and(|t| is_continue(t, imports)),
        Expr::Unsafe(b) => block_tail(&b.block).is_some_and(|t| is_continue(t, imports)),
        Expr::Paren(p) => is_continue(&p.expr, imports),
        Expr::If(i) => {
            block_tail(&i.then_branch).is_some_and(|t| is_continue(t, imports))
                && i.else_branch
                    .as_ref()
                    .is_some_and(|(_, e)| is_continue(e, imports))
        }
        Expr::Match(m) => m.arms.iter().all(|a| is_continue(&a.body, imports)),
        // A `return` arm is checked with the other returns.
        Expr::Return(_) => true,
        Expr::Path(p) => {
            let segs = imports.resolve_path(&p.path);
            segs.last().is_some_and(|l| l == "Continue")
                && (segs.len() == 1 || segs[segs.len() - 2] == "ControlFlow")
        }
        Expr::Call(c) => {
            matches!(&*c.func, Expr::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Continue"))
                && c.args.len() == 1
                && matches!(&c.args[0], Expr::Lit(l) if matches!(&l.lit, Lit::Bool(b) if b.value))
        }
        _ => false,
    }
}

fn block_tail(b: &syn::Block) -> Option<&Expr> {
    match b.stmts.last()? {
        syn::Stmt::Expr(e, None) => Some(e),
        // `return X;` as the last statement.
        syn::Stmt::Expr(e @ Expr::Return(_), Some(_)) => Some(e),
        _ => None,
    }
}
