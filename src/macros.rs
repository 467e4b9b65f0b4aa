//! Expansion of common macros, once per file, so every rule sees inside them.
//!
//! syn leaves a macro's body as tokens. Bodies that are expressions, statements or
//! items are parsed and put in the tree in place of the macro:
//! - `vec!`, `format!`-style, `assert*!`, `matches!`: a call `name(args..)` marked
//!   `#[leaklint::macro_call]` (see [`is_macro_call`]);
//! - `join!`/`try_join!`: a tuple of the awaited futures;
//! - `select!` (tokio's and futures'): `match () { () if cond => { let pat = fut.await; handler } .. }`
//!   marked `#[leaklint::select]`, so a `break` in a handler belongs to the enclosing loop;
//! - `thread_local!`/`lazy_static!`: plain `static` items marked `#[thread_local]`/`#[lazy_static]`.
//!
//! A body that does not parse as expected is left alone.

use crate::source::Bodies;
use proc_macro2::TokenStream;
use quote::quote;
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::visit_mut::{self, VisitMut};
use syn::{Attribute, Expr, Item, Stmt, Token, parse_quote};

const LIST_MACROS: &[&str] = &[
    "vec",
    "format",
    "print",
    "println",
    "eprint",
    "eprintln",
    "write",
    "writeln",
    "panic",
    "assert",
    "assert_eq",
    "assert_ne",
    "debug_assert",
    "debug_assert_eq",
    "debug_assert_ne",
    "format_args",
    "todo",
    "unreachable",
    "unimplemented",
    "dbg",
    "info",
    "debug",
    "warn",
    "error",
    "trace",
];

pub fn expand_file(file: &mut syn::File, bodies: Bodies<'_>) {
    MacroExpander { bodies }.visit_file_mut(file);
}

/// True for a call that stands for an expanded list macro (`vec![..]`, `format!(..)`, ..).
pub fn is_macro_call(call: &syn::ExprCall) -> bool {
    has_marker(&call.attrs, "macro_call")
}

/// True for the `match` that stands for an expanded `select!`.
pub fn is_select(m: &syn::ExprMatch) -> bool {
    has_marker(&m.attrs, "select")
}

fn has_marker(attrs: &[Attribute], name: &str) -> bool {
    attrs.iter().any(|a| {
        let segs = &a.path().segments;
        segs.len() == 2 && segs[0].ident == "leaklint" && segs[1].ident == name
    })
}

/// `#[leaklint::NAME]`, built directly (this runs for every expanded macro).
fn marker(name: &str) -> Attribute {
    let span = proc_macro2::Span::call_site();
    let segments = ["leaklint", name]
        .into_iter()
        .map(|s| syn::PathSegment::from(proc_macro2::Ident::new(s, span)))
        .collect();
    Attribute {
        pound_token: Default::default(),
        style: syn::AttrStyle::Outer,
        bracket_token: Default::default(),
        meta: syn::Meta::Path(syn::Path {
            leading_colon: None,
            segments,
        }),
    }
}

struct MacroExpander<'a> {
    bodies: Bodies<'a>,
}

fn macro_name(mac: &syn::Macro) -> String {
    mac.path
        .segments
        .last()
        .map(|s| s.ident.to_string())
        .unwrap_or_default()
}

fn expand_expr_macro(mac: &syn::Macro) -> Option<Expr> {
    let name = macro_name(mac);
    let tokens = mac.tokens.clone();
    match name.as_str() {
        "select" | "select_biased" => parse_select.parse2(tokens).ok(),
        "join" | "try_join" => {
            let futures = Punctuated::<Expr, Token![,]>::parse_terminated
                .parse2(tokens)
                .ok()?;
            let elems = futures.into_iter().map(|f| {
                Expr::Await(syn::ExprAwait {
                    attrs: Vec::new(),
                    base: Box::new(f),
                    dot_token: Default::default(),
                    await_token: Default::default(),
                })
            });
            Some(Expr::Tuple(syn::ExprTuple {
                attrs: Vec::new(),
                paren_token: Default::default(),
                elems: elems.collect(),
            }))
        }
        "matches" => {
            let (scrutinee, guard) = parse_matches.parse2(tokens).ok()?;
            Some(marked_call(
                mac,
                std::iter::once(scrutinee).chain(guard).collect(),
            ))
        }
        _ if LIST_MACROS.contains(&name.as_str()) => {
            let args = parse_list.parse2(tokens).ok()?;
            Some(marked_call(mac, args))
        }
        _ => None,
    }
}

/// `path(args..)` marked as an expanded macro; built directly, since these are
/// the most common macros and a round trip through tokens would cost a re-parse.
fn marked_call(mac: &syn::Macro, args: Vec<Expr>) -> Expr {
    let marker = marker("macro_call");
    Expr::Call(syn::ExprCall {
        attrs: vec![marker],
        func: Box::new(Expr::Path(syn::ExprPath {
            attrs: Vec::new(),
            qself: None,
            path: mac.path.clone(),
        })),
        paren_token: Default::default(),
        args: args.into_iter().collect(),
    })
}

fn parse_list(input: ParseStream) -> syn::Result<Vec<Expr>> {
    if input.is_empty() {
        return Ok(Vec::new());
    }
    let first: Expr = input.parse()?;
    if input.peek(Token![;]) {
        input.parse::<Token![;]>()?;
        let count: Expr = input.parse()?;
        return Ok(vec![first, count]);
    }
    let mut out = vec![first];
    while !input.is_empty() {
        input.parse::<Token![,]>()?;
        if input.is_empty() {
            break;
        }
        out.push(input.parse()?);
    }
    Ok(out)
}

fn parse_matches(input: ParseStream) -> syn::Result<(Expr, Option<Expr>)> {
    let scrutinee: Expr = input.parse()?;
    input.parse::<Token![,]>()?;
    syn::Pat::parse_multi_with_leading_vert(input)?;
    let guard = if input.peek(Token![if]) {
        input.parse::<Token![if]>()?;
        Some(input.parse()?)
    } else {
        None
    };
    input.parse::<Option<Token![,]>>()?;
    Ok((scrutinee, guard))
}

/// `[biased;] (pat = fut [, if cond] => handler[,])* [else|complete|default => handler[,]]`
fn parse_select(input: ParseStream) -> syn::Result<Expr> {
    if input.peek(syn::Ident) && input.peek2(Token![;]) {
        input.parse::<syn::Ident>()?;
        input.parse::<Token![;]>()?;
    }
    let mut arms: Vec<TokenStream> = Vec::new();
    while !input.is_empty() {
        let is_fallback = input.peek(Token![else])
            || ((input.peek(syn::Ident) && input.peek2(Token![=>]))
                && input
                    .fork()
                    .parse::<syn::Ident>()
                    .is_ok_and(|i| i == "complete" || i == "default"));
        if is_fallback {
            if input.peek(Token![else]) {
                input.parse::<Token![else]>()?;
            } else {
                input.parse::<syn::Ident>()?;
            }
            input.parse::<Token![=>]>()?;
            let handler = parse_handler(input)?;
            arms.push(quote!(() => { #handler }));
            continue;
        }
        let pat = syn::Pat::parse_multi_with_leading_vert(input)?;
        input.parse::<Token![=]>()?;
        let future = Expr::parse_without_eager_brace(input)?;
        let guard = if input.peek(Token![,]) && input.peek2(Token![if]) {
            input.parse::<Token![,]>()?;
            input.parse::<Token![if]>()?;
            let cond = Expr::parse_without_eager_brace(input)?;
            Some(quote!(if #cond))
        } else {
            None
        };
        input.parse::<Token![=>]>()?;
        let handler = parse_handler(input)?;
        arms.push(quote!(() #guard => { let #pat = #future.await; #handler }));
    }
    Ok(parse_quote!(#[leaklint::select] match () { #(#arms)* }))
}

fn parse_handler(input: ParseStream) -> syn::Result<Expr> {
    let handler: Expr = if input.peek(syn::token::Brace) {
        Expr::Block(input.parse()?)
    } else {
        input.parse()?
    };
    input.parse::<Option<Token![,]>>()?;
    Ok(handler)
}

/// Items of `thread_local!` or `lazy_static!`, as plain statics.
fn expand_item_macro(mac: &syn::Macro) -> Option<Vec<Item>> {
    match macro_name(mac).as_str() {
        "thread_local" => parse_statics(mac.tokens.clone(), false, "thread_local"),
        "lazy_static" => parse_statics(mac.tokens.clone(), true, "lazy_static"),
        _ => None,
    }
}

fn parse_statics(tokens: TokenStream, with_ref: bool, marker: &str) -> Option<Vec<Item>> {
    let marker = syn::Ident::new(marker, proc_macro2::Span::call_site());
    let parser = |input: ParseStream| {
        let mut items = Vec::new();
        while !input.is_empty() {
            let attrs = input.call(Attribute::parse_outer)?;
            let vis: syn::Visibility = input.parse()?;
            input.parse::<Token![static]>()?;
            if with_ref {
                input.parse::<Token![ref]>()?;
            }
            let name: syn::Ident = input.parse()?;
            input.parse::<Token![:]>()?;
            let ty: syn::Type = input.parse()?;
            input.parse::<Token![=]>()?;
            let init: Expr = input.parse()?;
            input.parse::<Option<Token![;]>>()?;
            let item: Item = parse_quote!(#(#attrs)* #[#marker] #vis static #name: #ty = #init;);
            items.push(item);
        }
        Ok(items)
    };
    parser.parse2(tokens).ok()
}

fn expand_items(items: &mut Vec<Item>) {
    if !items
        .iter()
        .any(|i| matches!(i, Item::Macro(m) if expand_item_macro(&m.mac).is_some()))
    {
        return;
    }
    let old = std::mem::take(items);
    for item in old {
        match &item {
            Item::Macro(m) => match expand_item_macro(&m.mac) {
                Some(expanded) => items.extend(expanded),
                None => items.push(item),
            },
            _ => items.push(item),
        }
    }
}

impl VisitMut for MacroExpander<'_> {
    // A body without `!` calls no macro: only its signature is walked.
    fn visit_item_fn_mut(&mut self, f: &mut syn::ItemFn) {
        if self.bodies.may_hold_char(&f.block, '!') {
            visit_mut::visit_item_fn_mut(self, f);
        } else {
            f.attrs.iter_mut().for_each(|a| self.visit_attribute_mut(a));
            self.visit_signature_mut(&mut f.sig);
        }
    }

    fn visit_impl_item_fn_mut(&mut self, f: &mut syn::ImplItemFn) {
        if self.bodies.may_hold_char(&f.block, '!') {
            visit_mut::visit_impl_item_fn_mut(self, f);
        } else {
            f.attrs.iter_mut().for_each(|a| self.visit_attribute_mut(a));
            self.visit_signature_mut(&mut f.sig);
        }
    }

    fn visit_file_mut(&mut self, file: &mut syn::File) {
        expand_items(&mut file.items);
        visit_mut::visit_file_mut(self, file);
    }

    fn visit_item_mod_mut(&mut self, m: &mut syn::ItemMod) {
        if let Some((_, items)) = &mut m.content {
            expand_items(items);
        }
        visit_mut::visit_item_mod_mut(self, m);
    }

    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        let has_macro = block
            .stmts
            .iter()
            .any(|s| matches!(s, Stmt::Macro(_) | Stmt::Item(Item::Macro(_))));
        if !has_macro {
            return visit_mut::visit_block_mut(self, block);
        }
        let old = std::mem::take(&mut block.stmts);
        for stmt in old {
            match stmt {
                Stmt::Macro(m) => {
                    if let Some(items) = expand_item_macro(&m.mac) {
                        block.stmts.extend(items.into_iter().map(Stmt::Item));
                    } else if let Some(expr) = expand_expr_macro(&m.mac) {
                        block.stmts.push(Stmt::Expr(expr, m.semi_token));
                    } else {
                        block.stmts.push(Stmt::Macro(m));
                    }
                }
                Stmt::Item(Item::Macro(m)) => match expand_item_macro(&m.mac) {
                    Some(items) => block.stmts.extend(items.into_iter().map(Stmt::Item)),
                    None => block.stmts.push(Stmt::Item(Item::Macro(m))),
                },
                other => block.stmts.push(other),
            }
        }
        visit_mut::visit_block_mut(self, block);
    }

    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        if let Expr::Macro(m) = expr
            && let Some(expanded) = expand_expr_macro(&m.mac)
        {
            *expr = expanded;
        }
        visit_mut::visit_expr_mut(self, expr);
    }
}

/// The name a metavariable (`$kind`) stands for when a `macro_rules!` body is read.
const METAVARIABLE: &str = "__leaklint_metavariable";

/// Type definitions a `macro_rules!` body writes out, for the crate's type facts
/// (`pub enum ListenerKind { $($kind,)* other(Cow<'static, str>) }`): each
/// repetition is read once and each metavariable as one plain name. A type whose
/// own name is a metavariable is left out (its names are at the call sites), and so
/// is anything that does not parse.
pub fn macro_rules_types(mac: &syn::Macro) -> Vec<Item> {
    if !mac.path.is_ident("macro_rules") {
        return Vec::new();
    }
    let mut out = Vec::new();
    collect_types(&unrepeat(mac.tokens.clone()), &mut out);
    out
}

/// `$( .. ) sep? *` → `..`, `$name` → [`METAVARIABLE`], `$crate` → `crate`, in every group.
fn unrepeat(tokens: TokenStream) -> TokenStream {
    use proc_macro2::{Group, Ident, TokenTree};
    let mut out = Vec::new();
    let mut iter = tokens.into_iter().peekable();
    while let Some(tt) = iter.next() {
        match tt {
            TokenTree::Punct(p) if p.as_char() == '$' => match iter.next() {
                Some(TokenTree::Group(g)) => {
                    out.extend(unrepeat(g.stream()));
                    // An optional separator, then the repetition operator.
                    let is_op = |t: &TokenTree| matches!(t, TokenTree::Punct(p) if matches!(p.as_char(), '*' | '+' | '?'));
                    if iter.peek().is_some_and(|t| !is_op(t)) {
                        iter.next();
                    }
                    if iter.peek().is_some_and(is_op) {
                        iter.next();
                    }
                }
                Some(TokenTree::Ident(id)) if id == "crate" => out.push(TokenTree::Ident(id)),
                Some(TokenTree::Ident(id)) => {
                    out.push(TokenTree::Ident(Ident::new(METAVARIABLE, id.span())))
                }
                Some(other) => out.push(other),
                None => {}
            },
            TokenTree::Group(g) => {
                let mut group = Group::new(g.delimiter(), unrepeat(g.stream()));
                group.set_span(g.span());
                out.push(TokenTree::Group(group));
            }
            other => out.push(other),
        }
    }
    out.into_iter().collect()
}

fn collect_types(tokens: &TokenStream, out: &mut Vec<Item>) {
    use proc_macro2::{Delimiter, TokenTree};
    let tts: Vec<TokenTree> = tokens.clone().into_iter().collect();
    for (i, tt) in tts.iter().enumerate() {
        match tt {
            TokenTree::Ident(kw) if kw == "enum" || kw == "struct" => {
                let named =
                    matches!(tts.get(i + 1), Some(TokenTree::Ident(n)) if n != METAVARIABLE);
                if !named {
                    continue;
                }
                // To the body's braces, or to the `;` of a tuple or unit struct.
                let end = tts[i..].iter().position(|t| match t {
                    TokenTree::Group(g) => g.delimiter() == Delimiter::Brace,
                    TokenTree::Punct(p) => p.as_char() == ';',
                    _ => false,
                });
                let Some(end) = end else { continue };
                let item: TokenStream = tts[i..=i + end].iter().cloned().collect();
                if let Ok(item) = syn::parse2::<Item>(item) {
                    out.push(item);
                }
            }
            TokenTree::Group(g) => collect_types(&g.stream(), out),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;

    fn expand(src: &str) -> String {
        let mut file = syn::parse_file(src).unwrap();
        expand_file(&mut file, Bodies::unknown());
        file.into_token_stream().to_string()
    }

    #[test]
    fn select_becomes_match_with_awaited_futures() {
        let out = expand(
            "async fn f() { loop { tokio::select! { biased; _ = tick.tick() => { work() } Some(x) = rx.recv(), if ok => break, else => return } } }",
        );
        assert!(out.contains("tick . tick () . await"), "{out}");
        assert!(out.contains("if ok"), "{out}");
        assert!(out.contains("break"), "{out}");
        assert!(out.contains("leaklint :: select"), "{out}");
    }

    #[test]
    fn statics_and_lists() {
        let out = expand(
            "thread_local! { static A: RefCell<Vec<u8>> = RefCell::new(vec![]); } lazy_static! { static ref B: Mutex<u8> = Mutex::new(0); } fn f() { let v = vec![1; 3]; println!(\"{}\", g(x)); }",
        );
        assert!(out.contains("# [thread_local] static A"), "{out}");
        assert!(out.contains("# [lazy_static] static B"), "{out}");
        assert!(out.contains("vec (1 , 3)"), "{out}");
        assert!(out.contains("g (x)"), "{out}");
    }

    fn types_of(src: &str) -> Vec<String> {
        let file = syn::parse_file(src).unwrap();
        let Some(Item::Macro(m)) = file.items.first() else {
            panic!("not a macro: {src}");
        };
        macro_rules_types(&m.mac)
            .iter()
            .map(|i| i.to_token_stream().to_string())
            .collect()
    }

    #[test]
    fn macro_rules_types_read_repetitions_once() {
        let types = types_of(
            "macro_rules! kinds { ($($k:ident),*) => { pub enum Kind { $($k,)* Other(String) } struct Pair($crate::A, u8); }; }",
        );
        assert_eq!(
            types,
            [
                "enum Kind { __leaklint_metavariable , Other (String) }",
                "struct Pair (crate :: A , u8) ;"
            ]
        );
        // A type named by a metavariable, a non-macro_rules macro and tokens that do not parse.
        assert!(types_of("macro_rules! t { ($n:ident) => { struct $n { a: u8 } }; }").is_empty());
        assert!(types_of("other! { enum Kind { A } }").is_empty());
        assert!(types_of("macro_rules! t { () => { enum { A } }; }").is_empty());
    }
}
