//! Source text helpers: line index (byte offset → line and character column).

use crate::diagnostic::Position;

pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = clamp_to_char_boundary(text, offset);
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let column = text[self.starts[line]..offset].chars().count() + 1;
        Position {
            line: line + 1,
            column,
            offset,
        }
    }
}

fn clamp_to_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// The part of a file that syn parses: without a BOM or a `#!` line. `base` is
/// the byte offset of `code` in the full text, to add to every span.
pub struct ParseInput<'a> {
    pub code: &'a str,
    pub base: usize,
}

pub fn parse_input(text: &str) -> ParseInput<'_> {
    let mut base = 0;
    if text.starts_with('\u{feff}') {
        base = '\u{feff}'.len_utf8();
    }
    let rest = &text[base..];
    if rest.starts_with("#!") && !rest[2..].trim_start().starts_with('[') {
        let line_end = rest.find('\n').unwrap_or(rest.len());
        base += line_end;
    }
    ParseInput {
        code: &text[base..],
        base,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters() {
        let text = "ab\nçd\n";
        let idx = LineIndex::new(text);
        assert_eq!(idx.position(text, 0).line, 1);
        let p = idx.position(text, 5);
        assert_eq!((p.line, p.column, p.offset), (2, 2, 5));
    }

    /// `FileSpans::loc`'s shortcut must give exactly the range syn's `Spanned`
    /// gives, for every node type it handles.
    #[test]
    fn node_ends_match_spanned() {
        use syn::spanned::Spanned;
        use syn::visit::Visit;
        struct Check(FileSpans<'static>, usize);
        impl Check {
            fn same<T: Spanned + 'static>(&mut self, node: &T) {
                assert_eq!(self.0.loc(node), self.0.span(node.span()));
                self.1 += usize::from(super::ends(node).is_some());
            }
        }
        impl<'a> Visit<'a> for Check {
            fn visit_expr(&mut self, e: &'a syn::Expr) {
                self.same(e);
                syn::visit::visit_expr(self, e);
            }
            fn visit_expr_method_call(&mut self, m: &'a syn::ExprMethodCall) {
                self.same(m);
                syn::visit::visit_expr_method_call(self, m);
            }
            fn visit_expr_call(&mut self, c: &'a syn::ExprCall) {
                self.same(c);
                syn::visit::visit_expr_call(self, c);
            }
            fn visit_expr_closure(&mut self, c: &'a syn::ExprClosure) {
                self.same(c);
                syn::visit::visit_expr_closure(self, c);
            }
            fn visit_local(&mut self, l: &'a syn::Local) {
                self.same(l);
                syn::visit::visit_local(self, l);
            }
            fn visit_ident(&mut self, i: &'a proc_macro2::Ident) {
                self.same(i);
            }
            fn visit_expr_path(&mut self, p: &'a syn::ExprPath) {
                self.same(p);
                syn::visit::visit_expr_path(self, p);
            }
            fn visit_expr_assign(&mut self, a: &'a syn::ExprAssign) {
                self.same(a);
                syn::visit::visit_expr_assign(self, a);
            }
            fn visit_expr_loop(&mut self, l: &'a syn::ExprLoop) {
                self.same(l);
                syn::visit::visit_expr_loop(self, l);
            }
            fn visit_expr_while(&mut self, w: &'a syn::ExprWhile) {
                self.same(w);
                syn::visit::visit_expr_while(self, w);
            }
            fn visit_expr_for_loop(&mut self, f: &'a syn::ExprForLoop) {
                self.same(f);
                syn::visit::visit_expr_for_loop(self, f);
            }
            fn visit_type(&mut self, t: &'a syn::Type) {
                self.same(t);
                syn::visit::visit_type(self, t);
            }
        }
        let code = r#"
            fn f(x: &mut S) -> Option<u8> {
                let a = ::std::mem::take(&mut x.items).len();
                let b: Vec<u8> = (0..3).map(|i| i * 2).collect::<Vec<_>>();
                #[allow(unused)]
                let c = x.0.await?[1];
                let d = move || async move { !x.ready() && -1 < 2 };
                let e = static || {};
                let g = async || x.f.g(1, "s", [1, 2], (3, 4), S { a: 1 });
                let h = Vec::<u8>::new;
                let i = <S as T>::f(unsafe { p() }, loop { break 1 }, 'l: { 1 });
                let j = for<'a> |y: &'a u8| -> u8 { *y };
                let k = format!("{}", 1) + vec![1][0] + m! { x };
                #[cfg(x)] x.call();
                let l = f(#[attr] g(), (x).y, &*z as u8, -x.0);
                let Some(m) = x.get() else { return None };
                x.inner.lock().unwrap().entry(k).or_insert_with(Vec::new).push(1);
                loop { x.a = 1; }
                'outer: loop { break 'outer; }
                while let Some(v) = q.pop() { self.seen[v] = true; }
                'w: while x.more() { continue 'w; }
                #[allow(x)] for i in 0..n { *x.slot(i) = <u8 as Default>::default(); }
                'f: for (a, b) in z { x.pairs += a; }
                let n: ::std::collections::HashMap<String, Vec<u8>> = a::b::<c>::d;
                let o: <S as T>::Out = p::<u8>();
                let q: &[u8] = r.s = t;
                Some(1u8)
            }
        "#;
        let file: syn::File = syn::parse_str(code).unwrap();
        let mut check = Check(FileSpans::plain(0, 0), 0);
        check.visit_file(&file);
        assert!(check.1 > 100, "the shortcut was taken {} times", check.1);
    }

    /// Every token's range through the line map is the one proc-macro2 counts,
    /// on ASCII lines (the shortcut), lines with other characters (counted by
    /// proc-macro2), CRLF line ends, tabs and the file's last line.
    #[test]
    fn span_map_gives_proc_macro2s_byte_ranges() {
        use proc_macro2::{TokenStream, TokenTree};
        fn walk(tokens: TokenStream, out: &mut Vec<proc_macro2::Span>) {
            for tt in tokens {
                out.push(tt.span());
                if let TokenTree::Group(g) = tt {
                    out.push(g.span_open());
                    out.push(g.span_close());
                    walk(g.stream(), out);
                }
            }
        }
        let code = "fn a() {\r\n\tlet x = \"é\"; let y = 1;\r\n}\n// ü\nstruct S { f: u8 }\nfn b() { c(\"日本\", 'ß') }";
        let tokens: TokenStream = code.parse().unwrap();
        let map = SpanMap::new(code);
        let mut all = Vec::new();
        walk(tokens, &mut all);
        assert!(all.len() > 30);
        let mapped = FileSpans {
            file: 0,
            base: 0,
            map: Some(&map),
        };
        let mut shortcut = 0;
        for span in all {
            let loc = mapped.span(span);
            assert_eq!(
                loc.start..loc.end,
                span.byte_range(),
                "{:?}",
                &code[span.byte_range()]
            );
            shortcut += usize::from(map.byte_range(span).is_some());
        }
        assert!(shortcut > 10, "the shortcut was taken {shortcut} times");
        proc_macro2::extra::invalidate_current_thread_spans();
    }

    #[test]
    fn words_are_found_whole_only() {
        static W: Words = Words::new(&["type", "struct"]);
        assert!(W.in_text("let x: type = 1;"));
        assert!(W.in_text("{ struct }"));
        assert!(!W.in_text("subtype structs typed _struct struct_ r#typex"));
        assert!(!W.in_text(""));
        // One word inside another is still seen where it stands alone.
        static NESTED: Words = Words::new(&["mod", "module"]);
        assert!(NESTED.in_text("a module"));
        assert!(!NESTED.in_text("modules"));
    }

    #[test]
    fn shebang_and_bom_are_skipped() {
        let text = "\u{feff}#!/usr/bin/env run\nfn main() {}";
        let input = parse_input(text);
        assert_eq!(input.code, "\nfn main() {}");
        assert_eq!(input.base, 3 + "#!/usr/bin/env run".len());
        assert_eq!(parse_input("#![allow(x)]").base, 0);
    }
}

/// The source text of function bodies, for the walks that look inside bodies
/// only for what a word announces (a nested item, a `use`, a macro call, an
/// attribute): a body whose text lacks the word need not be walked. Comments and
/// strings count, which can only make a walk go into more bodies than needed.
#[derive(Clone, Copy)]
pub struct Bodies<'a> {
    source: Option<(&'a str, FileSpans<'a>)>,
}

impl<'a> Bodies<'a> {
    pub fn new(source: &'a str, spans: FileSpans<'a>) -> Bodies<'a> {
        Bodies {
            source: Some((source, spans)),
        }
    }

    /// Every body is walked (no text at hand).
    pub fn unknown() -> Bodies<'a> {
        Bodies { source: None }
    }

    /// The block's text, braces included; `None` for a block made by a macro
    /// expansion (no place in the file) or when no text is at hand.
    pub fn text(&self, block: &syn::Block) -> Option<&'a str> {
        let (source, spans) = self.source?;
        let at = spans.span(block.brace_token.span.join());
        source.get(at.start..at.end).filter(|t| !t.is_empty())
    }

    /// Whether the block may hold one of `words` (or must be walked anyway).
    pub fn may_hold(&self, block: &syn::Block, words: &Words) -> bool {
        self.text(block).is_none_or(|t| words.in_text(t))
    }

    /// Whether the block's text may hold the character `c`.
    pub fn may_hold_char(&self, block: &syn::Block, c: char) -> bool {
        self.text(block).is_none_or(|t| t.contains(c))
    }
}

/// Words looked for together in one pass over a text (an Aho-Corasick
/// automaton, built on first use).
pub struct Words {
    words: &'static [&'static str],
    finder: std::sync::OnceLock<aho_corasick::AhoCorasick>,
}

impl Words {
    pub const fn new(words: &'static [&'static str]) -> Words {
        Words {
            words,
            finder: std::sync::OnceLock::new(),
        }
    }

    /// Whether `text` holds one of the words as a whole identifier.
    pub fn in_text(&self, text: &str) -> bool {
        let finder = self.finder.get_or_init(|| {
            aho_corasick::AhoCorasick::new(self.words).expect("a handful of words")
        });
        finder
            .find_overlapping_iter(text)
            .any(|m| stands_alone(text.as_bytes(), m.start(), m.end()))
    }
}

/// Whether `text` holds `word` as a whole identifier.
pub fn has_word(text: &str, word: &str) -> bool {
    word_positions(text, word).next().is_some()
}

/// Whether a byte can be part of an identifier (non-ASCII bytes count, so a
/// test that uses this can only see more identifier than there is).
pub fn is_ident_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

/// Where `word` stands as a whole identifier in `text`.
pub fn word_positions<'t>(text: &'t str, word: &'t str) -> impl Iterator<Item = usize> + 't {
    text.match_indices(word)
        .map(|(at, _)| at)
        .filter(move |&at| stands_alone(text.as_bytes(), at, at + word.len()))
}

/// Whether `b[start..end]` is a whole identifier: no identifier byte joins it
/// on either side.
fn stands_alone(b: &[u8], start: usize, end: usize) -> bool {
    let joined_before = start > 0 && is_ident_byte(b[start - 1]);
    let joined_after = b.get(end).is_some_and(|&c| is_ident_byte(c));
    !joined_before && !joined_after
}

/// Turns syn spans of one file into owned [`Location`]s; valid only inside the
/// file's task, while proc-macro2's thread-local source map still holds the file.
#[derive(Clone, Copy, Debug)]
pub struct FileSpans<'a> {
    pub file: crate::diagnostic::FileId,
    pub base: usize,
    /// The lines of the text syn parsed, when at hand ([`SpanMap`]).
    pub map: Option<&'a SpanMap>,
}

impl<'a> FileSpans<'a> {
    /// Spans converted by proc-macro2 alone (no [`SpanMap`]).
    pub fn plain(file: crate::diagnostic::FileId, base: usize) -> FileSpans<'a> {
        FileSpans {
            file,
            base,
            map: None,
        }
    }

    /// The node's range, as syn's `Spanned` gives it. `Spanned` prints the whole
    /// node back into tokens to find its first and last token, which costs as
    /// much as the node is big (and a method chain asks at every link), so the
    /// node types rules ask about most find their ends directly ([`ends`]).
    pub fn loc<T: syn::spanned::Spanned + 'static>(&self, node: &T) -> crate::diagnostic::Location {
        match ends(node) {
            Some((first, last)) => self.span(first.join(last).unwrap_or(first)),
            None => self.span(node.span()),
        }
    }

    pub fn span(&self, span: proc_macro2::Span) -> crate::diagnostic::Location {
        let range = match self.map.and_then(|m| m.byte_range(span)) {
            Some(range) => range,
            None => span.byte_range(),
        };
        crate::diagnostic::Location {
            file: self.file,
            start: self.base + range.start,
            end: self.base + range.end,
        }
    }
}

/// Where the lines of the text syn parsed start, and which hold only ASCII.
/// proc-macro2 counts a span's place in characters and turns it into bytes by
/// counting characters again from the nearest place it has already turned,
/// which is most of the cost of a span when rules ask in no particular order.
/// A span's line and column are a binary search away, and on an ASCII line
/// (nearly every line of published code) a column is a byte count.
#[derive(Debug)]
pub struct SpanMap {
    /// Byte offset of each line's start; the line is ASCII when the flag is set.
    lines: Vec<(usize, bool)>,
}

impl SpanMap {
    /// `text` must be exactly what syn parsed (its lines are proc-macro2's).
    pub fn new(text: &str) -> SpanMap {
        let b = text.as_bytes();
        let starts = std::iter::once(0).chain(memchr::memchr_iter(b'\n', b).map(|i| i + 1));
        let lines = if b.is_ascii() {
            starts.map(|start| (start, true)).collect()
        } else {
            let ends = memchr::memchr_iter(b'\n', b).chain(std::iter::once(b.len()));
            starts
                .zip(ends)
                .map(|(start, end)| (start, b[start..end].is_ascii()))
                .collect()
        };
        SpanMap { lines }
    }

    /// The span's byte range, or `None` when it starts or ends on a line with
    /// other characters than ASCII (proc-macro2 then counts them).
    fn byte_range(&self, span: proc_macro2::Span) -> Option<std::ops::Range<usize>> {
        let byte = |at: proc_macro2::LineColumn| {
            let (start, ascii) = *self.lines.get(at.line.checked_sub(1)?)?;
            ascii.then_some(start + at.column)
        };
        Some(byte(span.start())?..byte(span.end())?)
    }
}

/// The spans of a node's first and last token, as syn would print them (a
/// delimited group is one token spanning its delimiters), for the node types
/// where that can be read off the syntax tree; `None` for the rest.
fn ends<T: 'static>(node: &T) -> Option<(Span, Span)> {
    let any = node as &dyn std::any::Any;
    if let Some(e) = any.downcast_ref::<syn::Expr>() {
        Some((expr_first(e)?, expr_last(e)?))
    } else if let Some(m) = any.downcast_ref::<syn::ExprMethodCall>() {
        if !m.attrs.is_empty() {
            return None;
        }
        Some((expr_first(&m.receiver)?, m.paren_token.span.join()))
    } else if let Some(c) = any.downcast_ref::<syn::ExprCall>() {
        if !c.attrs.is_empty() {
            return None;
        }
        Some((expr_first(&c.func)?, c.paren_token.span.join()))
    } else if let Some(c) = any.downcast_ref::<syn::ExprClosure>() {
        Some((closure_first(c)?, expr_last(&c.body)?))
    } else if let Some(l) = any.downcast_ref::<syn::Local>() {
        if !l.attrs.is_empty() {
            return None;
        }
        Some((l.let_token.span, l.semi_token.spans[0]))
    } else if let Some(p) = any.downcast_ref::<syn::ExprPath>() {
        if !p.attrs.is_empty() || p.qself.is_some() {
            return None;
        }
        Some((path_first(&p.path)?, path_last(&p.path)?))
    } else if let Some(a) = any.downcast_ref::<syn::ExprAssign>() {
        if !a.attrs.is_empty() {
            return None;
        }
        Some((expr_first(&a.left)?, expr_last(&a.right)?))
    } else if let Some(l) = any.downcast_ref::<syn::ExprLoop>() {
        (l.attrs.is_empty() && l.label.is_none())
            .then(|| (l.loop_token.span, l.body.brace_token.span.join()))
    } else if let Some(w) = any.downcast_ref::<syn::ExprWhile>() {
        (w.attrs.is_empty() && w.label.is_none())
            .then(|| (w.while_token.span, w.body.brace_token.span.join()))
    } else if let Some(f) = any.downcast_ref::<syn::ExprForLoop>() {
        (f.attrs.is_empty() && f.label.is_none())
            .then(|| (f.for_token.span, f.body.brace_token.span.join()))
    } else if let Some(syn::Type::Path(t)) = any.downcast_ref::<syn::Type>() {
        if t.qself.is_some() {
            return None;
        }
        Some((path_first(&t.path)?, path_last(&t.path)?))
    } else {
        any.downcast_ref::<proc_macro2::Ident>()
            .map(|i| (i.span(), i.span()))
    }
}

use proc_macro2::Span;
use syn::Expr;

fn path_first(p: &syn::Path) -> Option<Span> {
    match &p.leading_colon {
        Some(c) => Some(c.spans[0]),
        None => p.segments.first().map(|s| s.ident.span()),
    }
}

fn path_last(p: &syn::Path) -> Option<Span> {
    let seg = p.segments.last()?;
    match &seg.arguments {
        syn::PathArguments::None => Some(seg.ident.span()),
        syn::PathArguments::AngleBracketed(a) => Some(a.gt_token.span),
        syn::PathArguments::Parenthesized(_) => None,
    }
}

fn delimiter(d: &syn::MacroDelimiter) -> Span {
    match d {
        syn::MacroDelimiter::Paren(p) => p.span.join(),
        syn::MacroDelimiter::Brace(b) => b.span.join(),
        syn::MacroDelimiter::Bracket(b) => b.span.join(),
    }
}

fn closure_first(c: &syn::ExprClosure) -> Option<Span> {
    if !c.attrs.is_empty() || c.lifetimes.is_some() {
        return None;
    }
    Some(if let Some(t) = &c.constness {
        t.span
    } else if let Some(t) = &c.movability {
        t.span
    } else if let Some(t) = &c.asyncness {
        t.span
    } else if let Some(t) = &c.capture {
        t.span
    } else {
        c.or1_token.spans[0]
    })
}

/// The first token of an expression without outer attributes; `None` where it
/// would take more than a look.
fn expr_first(e: &Expr) -> Option<Span> {
    match e {
        Expr::MethodCall(m) if m.attrs.is_empty() => expr_first(&m.receiver),
        Expr::Call(c) if c.attrs.is_empty() => expr_first(&c.func),
        Expr::Field(f) if f.attrs.is_empty() => expr_first(&f.base),
        Expr::Await(a) if a.attrs.is_empty() => expr_first(&a.base),
        Expr::Try(t) if t.attrs.is_empty() => expr_first(&t.expr),
        Expr::Index(i) if i.attrs.is_empty() => expr_first(&i.expr),
        Expr::Path(p) if p.attrs.is_empty() && p.qself.is_none() => path_first(&p.path),
        Expr::Lit(l) if l.attrs.is_empty() => Some(l.lit.span()),
        Expr::Paren(p) if p.attrs.is_empty() => Some(p.paren_token.span.join()),
        Expr::Tuple(t) if t.attrs.is_empty() => Some(t.paren_token.span.join()),
        Expr::Array(a) if a.attrs.is_empty() => Some(a.bracket_token.span.join()),
        Expr::Reference(r) if r.attrs.is_empty() => Some(r.and_token.span),
        Expr::Macro(m) if m.attrs.is_empty() => path_first(&m.mac.path),
        Expr::Closure(c) => closure_first(c),
        Expr::Unary(u) if u.attrs.is_empty() => Some(match u.op {
            syn::UnOp::Deref(t) => t.spans[0],
            syn::UnOp::Not(t) => t.spans[0],
            syn::UnOp::Neg(t) => t.spans[0],
            _ => return None,
        }),
        _ => None,
    }
}

/// The last token of an expression; `None` where it would take more than a look.
fn expr_last(e: &Expr) -> Option<Span> {
    match e {
        Expr::MethodCall(m) => Some(m.paren_token.span.join()),
        Expr::Call(c) => Some(c.paren_token.span.join()),
        Expr::Field(f) => Some(match &f.member {
            syn::Member::Named(i) => i.span(),
            syn::Member::Unnamed(i) => i.span,
        }),
        Expr::Await(a) => Some(a.await_token.span),
        Expr::Try(t) => Some(t.question_token.spans[0]),
        Expr::Index(i) => Some(i.bracket_token.span.join()),
        Expr::Path(p) if p.qself.is_none() => path_last(&p.path),
        Expr::Lit(l) => Some(l.lit.span()),
        Expr::Paren(p) => Some(p.paren_token.span.join()),
        Expr::Tuple(t) => Some(t.paren_token.span.join()),
        Expr::Array(a) => Some(a.bracket_token.span.join()),
        Expr::Struct(s) => Some(s.brace_token.span.join()),
        Expr::Block(b) => Some(b.block.brace_token.span.join()),
        Expr::Async(b) => Some(b.block.brace_token.span.join()),
        Expr::Unsafe(b) => Some(b.block.brace_token.span.join()),
        Expr::Loop(b) => Some(b.body.brace_token.span.join()),
        Expr::Macro(m) => Some(delimiter(&m.mac.delimiter)),
        Expr::Reference(r) => expr_last(&r.expr),
        Expr::Unary(u) => expr_last(&u.expr),
        Expr::Closure(c) => expr_last(&c.body),
        _ => None,
    }
}
