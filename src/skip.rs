//! Parse only what can matter: before syn parses a file for a full check, the
//! text that no rule or fact reads is left out, with every byte offset kept.
//!
//! - Doc comments (`///`, `//!`, `/** */`, `/*! */`) become spaces. The lexer
//!   turns each into a `#[doc = ".."]` attribute that syn then parses, which is
//!   about a tenth of the parse of published crates; no rule reads docs.
//! - The inside of long tables of literals (`[(0x41, 'a'), ..]`, not a macro's
//!   input) becomes spaces: generated tables are another tenth of the parse,
//!   one expression per number, and a table of constants holds no leak.
//! - `extern` blocks are emptied at the token level: foreign items have no
//!   bodies, and no rule or fact reads them.
//! - Without `--include-tests`, the body of an inline `#[cfg(test)] mod` is
//!   emptied at the token level: the module is removed before rules run anyway
//!   (`testcode`), and its span is kept for suppression comments inside it.
//!
//! If the shortened input does not parse, the engine parses the file as written,
//! so a parse error is always reported as the full text gives it. What is left
//! out is never checked for syntax: errors inside it are left to rustc.

use std::borrow::Cow;

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};

use crate::source::is_ident_byte;

/// `code` with every doc comment and the inside of every long literal table
/// blanked to spaces (line ends kept), or `code` itself when there is none or
/// when the scan cannot be sure of what it read (an unterminated string or
/// comment, a bare carriage return, which the lexer rejects inside doc
/// comments): the parser then sees the text as written.
pub fn blank_unread_text(code: &str) -> Cow<'_, str> {
    let b = code.as_bytes();
    let mut blanks: Vec<(usize, usize)> = Vec::new();
    // Doc comments before the next token: kept as written when that token
    // closes a group or the file ends (a doc comment documenting nothing is an
    // error).
    let mut committed = 0;
    let mut i = 0;
    while i < b.len() {
        if blanks.len() == committed {
            // Nothing pending: jump to the next byte that can start a comment,
            // a string, a character or a table.
            while i < b.len() && !matches!(b[i], b'/' | b'"' | b'\'' | b'[') {
                i += 1;
            }
            if i == b.len() {
                break;
            }
        }
        let c = b[i];
        let comment = c == b'/' && matches!(b.get(i + 1), Some(b'/') | Some(b'*'));
        if !comment && !c.is_ascii_whitespace() {
            if matches!(c, b'}' | b')' | b']') {
                blanks.truncate(committed);
            }
            committed = blanks.len();
        }
        match c {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                let end = line_end(b, i);
                let doc = match b.get(i + 2) {
                    Some(b'!') => true,
                    Some(b'/') => b.get(i + 3) != Some(&b'/'),
                    _ => false,
                };
                if doc {
                    // Keep a CRLF's `\r`; a bare one inside is the lexer's error.
                    let text_end = if end > i && b[end - 1] == b'\r' && end < b.len() {
                        end - 1
                    } else {
                        end
                    };
                    if b[i..text_end].contains(&b'\r') {
                        return Cow::Borrowed(code);
                    }
                    blanks.push((i, text_end));
                }
                i = end;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let Some(end) = block_comment_end(b, i) else {
                    return Cow::Borrowed(code);
                };
                let doc = match b.get(i + 2) {
                    Some(b'!') => true,
                    // `/**/` and `/***..` are plain comments.
                    Some(b'*') => !matches!(b.get(i + 3), Some(b'*') | Some(b'/')),
                    _ => false,
                };
                if doc {
                    if b[i..end].contains(&b'\r') {
                        return Cow::Borrowed(code);
                    }
                    blanks.push((i, end));
                }
                i = end;
            }
            b'[' if !after_bang(b, i) => match literal_table_end(b, i) {
                Some(end) if end - i >= MIN_TABLE => {
                    blanks.push((i + 1, end - 1));
                    committed = blanks.len();
                    i = end;
                }
                _ => i += 1,
            },
            b'"' => {
                let end = match raw_string_start(b, i) {
                    Some(r) => raw_string_end(b, r + 1),
                    None => string_end(b, i + 1),
                };
                match end {
                    Some(end) => i = end,
                    None => return Cow::Borrowed(code),
                }
            }
            b'\'' => i = after_quote(b, i),
            _ => i += 1,
        }
    }
    blanks.truncate(committed);
    if blanks.is_empty() {
        return Cow::Borrowed(code);
    }
    let mut out = b.to_vec();
    for (start, end) in blanks {
        for c in &mut out[start..end] {
            if *c != b'\n' && *c != b'\r' {
                *c = b' ';
            }
        }
    }
    // Only whole comments and the ASCII inside of tables were blanked.
    Cow::Owned(String::from_utf8(out).expect("blanking whole comments and tables keeps UTF-8"))
}

/// Literal tables this long or longer are blanked (bytes, brackets included).
const MIN_TABLE: usize = 256;

/// Whether the `[` at `i` follows a `!` (a macro's input, which is kept).
fn after_bang(b: &[u8], i: usize) -> bool {
    b[..i].iter().rev().find(|c| !c.is_ascii_whitespace()) == Some(&b'!')
}

/// The end of the bracket group opened at `start` when it holds only
/// literals: numbers (words that start with a digit, suffix included),
/// characters, strings, nested brackets and parentheses, `,` `;` `-` `.` `&`
/// and comments — a generated table, `[(0x41, 'a'), ..]`. syn parses every
/// element into an expression, and no rule reads a table of constants.
fn literal_table_end(b: &[u8], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = start;
    while i < b.len() {
        match b[i] {
            b'[' | b'(' => {
                depth += 1;
                i += 1;
            }
            b']' | b')' => {
                depth = depth.checked_sub(1)?;
                i += 1;
                if depth == 0 {
                    return (b[i - 1] == b']').then_some(i);
                }
            }
            c if c.is_ascii_alphanumeric() || c == b'_' => {
                let word = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                // A number, or a constant's or variant's name (`Kind::A`, `MAX`,
                // `None`); never a lowercase name, which may call or name anything.
                let w = &b[word..i];
                let constant = w[0].is_ascii_digit()
                    || w[0].is_ascii_uppercase()
                    || w == b"true"
                    || w == b"false";
                if !constant {
                    return None;
                }
            }
            b':' if b.get(i + 1) == Some(&b':') => i += 2,
            b'\'' => {
                let end = after_quote(b, i);
                // A lifetime, not a character: not a literal.
                if end == i + 1 {
                    return None;
                }
                i = end;
            }
            b'"' => i = string_end(b, i + 1)?,
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = line_end(b, i);
            }
            b'/' if b.get(i + 1) == Some(&b'*') => i = block_comment_end(b, i)?,
            b',' | b';' | b'-' | b'.' | b'&' => i += 1,
            c if c.is_ascii_whitespace() => i += 1,
            _ => return None,
        }
    }
    None
}

/// The end of the line `i` is on (its `\n`, or the end of the text).
fn line_end(b: &[u8], i: usize) -> usize {
    b[i..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(b.len(), |n| i + n)
}

/// The end of the (nested) block comment opened at `start`.
fn block_comment_end(b: &[u8], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = start;
    while i + 1 < b.len() {
        if b[i] == b'/' && b[i + 1] == b'*' {
            depth += 1;
            i += 2;
        } else if b[i] == b'*' && b[i + 1] == b'/' {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return Some(i);
            }
        } else {
            i += 1;
        }
    }
    None
}

/// The `r` of a raw string whose opening `"` is at `quote` (`r"`, `r#"`,
/// `br##"`, `cr"`), or `None` for a plain string.
fn raw_string_start(b: &[u8], quote: usize) -> Option<usize> {
    let mut r = quote;
    while r > 0 && b[r - 1] == b'#' {
        r -= 1;
    }
    let r = r.checked_sub(1).filter(|&r| b[r] == b'r')?;
    let mut start = r;
    if start > 0 && matches!(b[start - 1], b'b' | b'c') {
        start -= 1;
    }
    (start == 0 || !is_ident_byte(b[start - 1])).then_some(r)
}

/// The end of a string whose text starts at `i` (after its `"`).
fn string_end(b: &[u8], mut i: usize) -> Option<usize> {
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// The end of a raw string whose hashes or quote start at `i` (after its `r`);
/// `None` when no `"` follows the hashes.
fn raw_string_end(b: &[u8], mut i: usize) -> Option<usize> {
    let mut hashes = 0;
    while b.get(i) == Some(&b'#') {
        hashes += 1;
        i += 1;
    }
    if b.get(i) != Some(&b'"') {
        return None;
    }
    i += 1;
    while i < b.len() {
        let closes = b
            .get(i + 1..i + 1 + hashes)
            .is_some_and(|h| h.iter().all(|&c| c == b'#'));
        if b[i] == b'"' && closes {
            return Some(i + 1 + hashes);
        }
        i += 1;
    }
    None
}

/// Past a `'` at `i`: a character literal (`'x'`, `'\''`, `'é'`) or a lifetime.
fn after_quote(b: &[u8], i: usize) -> usize {
    match b.get(i + 1) {
        Some(b'\\') => {
            let mut j = i + 3;
            while j < b.len() && b[j] != b'\'' && b[j] != b'\n' {
                j += 1;
            }
            j + 1
        }
        Some(&c) => {
            let width = match c {
                0xf0..=0xff => 4,
                0xe0..=0xef => 3,
                0xc0..=0xdf => 2,
                _ => 1,
            };
            if b.get(i + 1 + width) == Some(&b'\'') {
                i + 2 + width
            } else {
                i + 1
            }
        }
        None => i + 1,
    }
}

/// `tokens` with the contents of unread items emptied, spans kept, at the file
/// level and inside inline modules:
/// - `extern ".." { .. }` blocks: foreign functions have no bodies and no rule
///   or fact reads foreign items (`-sys` and wasm-bindgen crates are mostly these);
/// - with `empty_tests`, inline `#[cfg(test)] mod`s, unless the module declares
///   modules (`test_module_decls` reads those).
pub fn empty_unread_items(tokens: TokenStream, empty_tests: bool) -> TokenStream {
    #[derive(PartialEq)]
    enum At {
        Start,
        Mod,
        ModName,
        Extern,
    }
    let mut out: Vec<TokenTree> = Vec::new();
    let mut cfg_test = false;
    let mut at = At::Start;
    let mut iter = tokens.into_iter().peekable();
    while let Some(tt) = iter.next() {
        match (&at, tt) {
            (At::Start, TokenTree::Punct(p)) if p.as_char() == '#' => {
                out.push(TokenTree::Punct(p));
                if let Some(TokenTree::Group(g)) = iter.peek()
                    && g.delimiter() == Delimiter::Bracket
                {
                    cfg_test |= is_cfg_test(&g.stream());
                    out.push(iter.next().expect("peeked"));
                }
                continue;
            }
            // Visibility (`pub`, `pub(crate)`) and `unsafe extern`.
            (At::Start, TokenTree::Ident(i)) if i == "pub" || i == "unsafe" => {
                out.push(TokenTree::Ident(i));
                if let Some(TokenTree::Group(g)) = iter.peek()
                    && g.delimiter() == Delimiter::Parenthesis
                {
                    out.push(iter.next().expect("peeked"));
                }
                continue;
            }
            (At::Start, TokenTree::Ident(i)) if i == "mod" || i == "extern" => {
                at = if i == "mod" { At::Mod } else { At::Extern };
                out.push(TokenTree::Ident(i));
                continue;
            }
            (At::Mod, TokenTree::Ident(i)) => {
                at = At::ModName;
                out.push(TokenTree::Ident(i));
                continue;
            }
            // The ABI string of `extern "C" {`.
            (At::Extern, TokenTree::Literal(l)) => {
                out.push(TokenTree::Literal(l));
                continue;
            }
            (At::ModName | At::Extern, TokenTree::Group(g))
                if g.delimiter() == Delimiter::Brace =>
            {
                let inner = g.stream();
                let body =
                    if at == At::Extern || (empty_tests && cfg_test && !declares_modules(&inner)) {
                        TokenStream::new()
                    } else {
                        empty_unread_items(inner, empty_tests)
                    };
                let mut kept = Group::new(Delimiter::Brace, body);
                kept.set_span(g.span());
                out.push(TokenTree::Group(kept));
            }
            (_, other) => out.push(other),
        }
        cfg_test = false;
        at = At::Start;
    }
    out.into_iter().collect()
}

/// `cfg(test)`, exactly (the inside of `#[..]`).
fn is_cfg_test(attr: &TokenStream) -> bool {
    let mut it = attr.clone().into_iter();
    let (Some(TokenTree::Ident(cfg)), Some(TokenTree::Group(args)), None) =
        (it.next(), it.next(), it.next())
    else {
        return false;
    };
    if cfg != "cfg" || args.delimiter() != Delimiter::Parenthesis {
        return false;
    }
    let mut args = args.stream().into_iter();
    matches!((args.next(), args.next()), (Some(TokenTree::Ident(t)), None) if t == "test")
}

fn declares_modules(tokens: &TokenStream) -> bool {
    tokens
        .clone()
        .into_iter()
        .any(|tt| matches!(tt, TokenTree::Ident(i) if i == "mod"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blanked(code: &str) -> String {
        blank_unread_text(code).into_owned()
    }

    #[test]
    fn doc_comments_become_spaces_and_offsets_stay() {
        let code = "/// a doc\n//! inner\nfn f() {} /** block */ /*! inner */ fn g() {}\n";
        let out = blanked(code);
        assert_eq!(out.len(), code.len());
        let spaces = |n| " ".repeat(n);
        let want = format!(
            "{}\n{}\nfn f() {{}} {} {} fn g() {{}}\n",
            spaces(9),
            spaces(9),
            spaces(12),
            spaces(12)
        );
        assert_eq!(out, want);
    }

    #[test]
    fn plain_comments_and_strings_stay() {
        for code in [
            "//// four slashes\n/**/ /*** three */ // plain\n",
            "let s = \"/// not a doc\"; let r = r#\"//! nor \"this\"\"#;\n",
            "let b = br\"/// raw bytes\"; let c = '\"'; let l: &'a str = \"x\";\n",
            "let e = '\\''; let q = \"\\\"/// still a string\";\n",
            "/* outer /* nested /// */ still comment */ fn f() {}\n",
            "let r#type = 1; let s = \"x\"; // /// in a plain comment\n",
        ] {
            assert_eq!(blanked(code), code, "changed: {code}");
        }
    }

    #[test]
    fn crlf_docs_keep_line_ends_and_bare_cr_or_unterminated_text_is_left_alone() {
        assert_eq!(
            blanked("/// doc\r\nfn f() {}\r\n"),
            "       \r\nfn f() {}\r\n"
        );
        for code in [
            "/// bare\rcr\nfn f() {}\n",
            "/// doc\nlet s = \"open\n",
            "/** open\n",
        ] {
            assert_eq!(blanked(code), code);
        }
    }

    #[test]
    fn docs_that_document_nothing_stay_for_the_parser_to_reject() {
        for code in [
            "/// only a doc\n",
            "fn f() {\n    /// trailing\n}\n",
            "struct S(u8 /** x */);\n",
        ] {
            assert_eq!(blanked(code), code);
        }
        assert_eq!(
            blanked("/// a\nfn f() {}\n/// b\n"),
            "     \nfn f() {}\n/// b\n"
        );
    }

    #[test]
    fn long_literal_tables_are_blanked_inside_their_brackets() {
        let table = format!(
            "[{}]",
            (0..100)
                .map(|n| format!("(0x{n:02x}, 'a')"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let code = format!("static T: [(u8, char); 100] = {table}; // end\n");
        let out = blanked(&code);
        assert_eq!(out.len(), code.len());
        let at = code.find('=').unwrap() + 2;
        assert_eq!(&out[at..at + 1], "[");
        assert!(out[at + 1..at + table.len() - 1].bytes().all(|c| c == b' '));
        assert_eq!(&out[at + table.len() - 1..], "]; // end\n");
        syn::parse_file(&out).unwrap();
        let variants = format!(
            "static K: [Kind; 60] = [{}];\n",
            vec!["Kind::A"; 60].join(", ")
        );
        assert!(blanked(&variants).contains("[ "));
    }

    #[test]
    fn short_tables_macro_inputs_and_tables_with_names_stay() {
        let long = |inner: &str| format!("[{}]", vec![inner; 100].join(", "));
        let plain = format!("let v = {};\n", long("1"));
        assert_ne!(
            blanked(&plain),
            plain,
            "the helper's tables are long enough"
        );
        for code in [
            "static T: [u8; 3] = [1, 2, 3];\n".to_string(),
            format!("let v = vec!{};\n", long("1")),
            format!("let v = {};\n", long("a")),
            format!("let v = {};\n", long("Rc::new(1)")),
            format!("let v = {};\n", long("f(1)")),
            format!("let v = {};\n", long("1u8 as u16")),
        ] {
            assert_eq!(blanked(&code), code);
        }
    }

    #[test]
    fn blanked_files_parse_to_the_same_items() {
        let code = "//! x\n/// doc\npub struct S;\nimpl S {\n    /// m\n    fn m(&self) -> &'static str { \"/// s\" }\n}\n";
        let out = blanked(code);
        let a = syn::parse_file(code).unwrap();
        let b = syn::parse_file(&out).unwrap();
        assert_eq!(a.items.len(), b.items.len());
        assert!(out.contains("\"/// s\""));
    }

    fn emptied(code: &str) -> String {
        let tokens: TokenStream = code.parse().unwrap();
        empty_unread_items(tokens, true).to_string()
    }

    #[test]
    fn cfg_test_modules_are_emptied_others_kept() {
        let out = emptied(
            "#[cfg(test)] mod tests { fn t() {} } mod m { #[cfg(test)] #[allow(x)] pub(crate) mod t { fn u() {} } fn k() {} } #[cfg(not(test))] mod n { fn v() {} }",
        );
        assert!(!out.contains("fn t"), "{out}");
        assert!(!out.contains("fn u"), "{out}");
        assert!(out.contains("fn k"), "{out}");
        assert!(out.contains("fn v"), "{out}");
        assert!(out.contains("mod tests { }"), "{out}");
    }

    #[test]
    fn test_modules_that_declare_modules_and_out_of_line_ones_are_kept() {
        let out = emptied(
            "#[cfg(test)] mod tests { mod helpers; fn t() {} } #[cfg(test)] mod x; fn f() {}",
        );
        assert!(out.contains("fn t"), "{out}");
        assert!(out.contains("mod x ;"), "{out}");
        assert!(out.contains("fn f"), "{out}");
    }

    #[test]
    fn extern_blocks_are_emptied_extern_fns_and_crates_kept() {
        let out = emptied(
            "extern \"C\" { fn c_fn(x: u8); } pub unsafe extern { static S: u8; } extern crate alloc; extern \"C\" fn callback() { body(); } mod m { extern { fn inner(); } }",
        );
        for gone in ["c_fn", "static S", "inner"] {
            assert!(!out.contains(gone), "{out}");
        }
        for kept in ["extern crate alloc", "body ()", "mod m"] {
            assert!(out.contains(kept), "{out}");
        }
        let tokens: TokenStream = "#[cfg(test)] mod t { fn f() {} }".parse().unwrap();
        assert!(
            empty_unread_items(tokens, false)
                .to_string()
                .contains("fn f")
        );
    }

    #[test]
    fn the_emptied_body_keeps_its_span() {
        let code = "#[cfg(test)]\nmod tests {\n    fn t() {}\n}\n";
        let file: syn::File = syn::parse2(empty_unread_items(code.parse().unwrap(), true)).unwrap();
        let syn::Item::Mod(m) = &file.items[0] else {
            panic!()
        };
        let brace = m.content.as_ref().unwrap().0.span.join();
        assert_eq!(brace.byte_range(), 23..code.len() - 1);
        assert!(m.content.as_ref().unwrap().1.is_empty());
    }
}
