//! Reads the tokens of `glib::clone!`, which the engine leaves unexpanded, in both
//! syntaxes: `clone!(#[weak] a, #[strong(rename_to = b)] self, move |..| body)` and
//! the older `clone!(@weak a, @strong self as b => move |..| body)`.

use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};

/// One captured name: the marker (`strong`, `weak`, `weak_allow_none`, ...), the
/// name outside the macro and the name the closure sees.
pub struct Marker {
    pub kind: String,
    pub outer: String,
    pub inner: String,
    pub start: Span,
    pub end: Span,
}

pub struct CloneMacro {
    pub markers: Vec<Marker>,
    /// The closure or async block the macro wraps.
    pub body: syn::Expr,
}

fn is_punct(t: &TokenTree, c: char) -> bool {
    matches!(t, TokenTree::Punct(p) if p.as_char() == c)
}

fn is_ident(t: &TokenTree, name: &str) -> bool {
    matches!(t, TokenTree::Ident(i) if i == name)
}

/// True where the closure (or async block) the macro wraps begins.
fn starts_body(tokens: &[TokenTree]) -> bool {
    match tokens.first() {
        Some(t) => is_ident(t, "move") || is_ident(t, "async") || is_punct(t, '|'),
        None => false,
    }
}

fn parse_body(tokens: &[TokenTree]) -> Option<syn::Expr> {
    let mut end = tokens.len();
    while end > 0 && is_punct(&tokens[end - 1], ',') {
        end -= 1;
    }
    let stream: TokenStream = tokens[..end].iter().cloned().collect();
    syn::parse2::<syn::Expr>(stream).ok()
}

/// Splits at commas outside groups, up to where the wrapped closure begins.
fn segments(tokens: &[TokenTree]) -> (Vec<&[TokenTree]>, Option<usize>) {
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < tokens.len() {
        if i == start {
            // Attributes written before the closure itself (`#[upgrade_or_panic] move ||`).
            let mut j = i;
            while j + 1 < tokens.len()
                && is_punct(&tokens[j], '#')
                && matches!(&tokens[j + 1], TokenTree::Group(g) if g.delimiter() == Delimiter::Bracket)
            {
                j += 2;
            }
            // `#[upgrade_or] expr,` and `#[upgrade_or_else] || expr,` take an argument first.
            let takes_arg = j > i
                && matches!(&tokens[j - 1], TokenTree::Group(g)
                    if g.stream().into_iter().next().is_some_and(|t| is_ident(&t, "upgrade_or") || is_ident(&t, "upgrade_or_else")));
            if !takes_arg && starts_body(&tokens[j..]) {
                return (out, Some(j));
            }
        }
        if is_punct(&tokens[i], ',') {
            out.push(&tokens[start..i]);
            start = i + 1;
        }
        i += 1;
    }
    if start < tokens.len() {
        out.push(&tokens[start..]);
    }
    (out, None)
}

/// `self`, `a` or `a as b`, after the marker.
fn target(tokens: &[TokenTree]) -> Option<(String, String, Span)> {
    let mut idents = tokens.iter().filter_map(|t| match t {
        TokenTree::Ident(i) => Some(i),
        _ => None,
    });
    let outer = idents.next()?;
    let mut inner = outer.to_string();
    let mut end = outer.span();
    if tokens.iter().any(|t| is_ident(t, "as"))
        && let Some(TokenTree::Ident(renamed)) = tokens.last()
    {
        inner = renamed.to_string();
        end = renamed.span();
    } else if let Some(last) = tokens.last() {
        end = last.span();
    }
    Some((outer.to_string(), inner, end))
}

/// The new syntax: `#[kind] name` or `#[kind(rename_to = inner)] name`.
fn new_marker(segment: &[TokenTree]) -> Option<Marker> {
    let (TokenTree::Punct(hash), TokenTree::Group(attr)) = (segment.first()?, segment.get(1)?)
    else {
        return None;
    };
    if hash.as_char() != '#' || attr.delimiter() != Delimiter::Bracket {
        return None;
    }
    let attr_tokens: Vec<TokenTree> = attr.stream().into_iter().collect();
    let TokenTree::Ident(kind) = attr_tokens.first()? else {
        return None;
    };
    let rename = match attr_tokens.get(1) {
        Some(TokenTree::Group(args)) => {
            let args: Vec<TokenTree> = args.stream().into_iter().collect();
            args.windows(3).find_map(|w| match (&w[0], &w[2]) {
                (TokenTree::Ident(key), TokenTree::Ident(v))
                    if key == "rename_to" && is_punct(&w[1], '=') =>
                {
                    Some(v.to_string())
                }
                _ => None,
            })
        }
        _ => None,
    };
    let (outer, inner, end) = target(&segment[2..])?;
    Some(Marker {
        kind: kind.to_string(),
        outer,
        inner: rename.unwrap_or(inner),
        start: hash.span(),
        end,
    })
}

/// The old syntax: `@kind name`, `@weak-allow-none name`, `@strong self as this`.
fn old_marker(segment: &[TokenTree]) -> Option<Marker> {
    let TokenTree::Punct(at) = segment.first()? else {
        return None;
    };
    if at.as_char() != '@' {
        return None;
    }
    let mut kind = String::new();
    let mut i = 1;
    while let Some(t) = segment.get(i) {
        match t {
            TokenTree::Ident(word) if kind.is_empty() || kind.ends_with('_') => {
                kind.push_str(&word.to_string())
            }
            TokenTree::Punct(p) if p.as_char() == '-' && !kind.is_empty() => kind.push('_'),
            _ => break,
        }
        i += 1;
    }
    let (outer, inner, end) = target(&segment[i..])?;
    Some(Marker {
        kind,
        outer,
        inner,
        start: at.span(),
        end,
    })
}

/// `name` alone, in the `clone!(a, b => move || ..)` macro that older gtk-rs examples
/// define for themselves: a plain `let a = a.clone();`.
fn bare_name(segment: &[TokenTree]) -> Option<Marker> {
    match segment {
        [TokenTree::Ident(name)] => Some(Marker {
            kind: "strong".into(),
            outer: name.to_string(),
            inner: name.to_string(),
            start: name.span(),
            end: name.span(),
        }),
        _ => None,
    }
}

pub fn parse(tokens: &TokenStream) -> Option<CloneMacro> {
    let tokens: Vec<TokenTree> = tokens.clone().into_iter().collect();
    let arrow = tokens
        .windows(2)
        .position(|w| is_punct(&w[0], '=') && is_punct(&w[1], '>'));
    let old_form = arrow.is_some()
        && tokens
            .first()
            .is_some_and(|t| is_punct(t, '@') || matches!(t, TokenTree::Ident(_)));
    if let (true, Some(arrow)) = (old_form, arrow) {
        let (segs, _) = segments(&tokens[..arrow]);
        let markers = segs
            .into_iter()
            .filter_map(|seg| old_marker(seg).or_else(|| bare_name(seg)))
            .collect();
        let rest = &tokens[arrow + 2..];
        let start = (0..rest.len())
            .find(|&i| starts_body(&rest[i..]) && (i == 0 || is_punct(&rest[i - 1], ',')))?;
        return Some(CloneMacro {
            markers,
            body: parse_body(&rest[start..])?,
        });
    }
    let (segs, body) = segments(&tokens);
    let markers = segs.into_iter().filter_map(new_marker).collect();
    Some(CloneMacro {
        markers,
        body: parse_body(&tokens[body?..])?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn markers(src: &str) -> Vec<(String, String, String)> {
        let m = parse(&src.parse().unwrap()).expect("parses");
        m.markers
            .into_iter()
            .map(|m| (m.kind, m.outer, m.inner))
            .collect()
    }

    fn t(a: &str, b: &str, c: &str) -> (String, String, String) {
        (a.into(), b.into(), c.into())
    }

    #[test]
    fn both_syntaxes() {
        assert_eq!(
            markers("#[weak] a, #[strong(rename_to = this)] self, move |x, y| x + y"),
            vec![t("weak", "a", "a"), t("strong", "self", "this")]
        );
        assert_eq!(
            markers(
                "@weak-allow-none a, @strong self as this => @default-return false, move |_| true"
            ),
            vec![t("weak_allow_none", "a", "a"), t("strong", "self", "this")]
        );
        assert_eq!(
            markers("#[weak] w, #[upgrade_or_panic] async move { w.show() }"),
            vec![t("weak", "w", "w")]
        );
        assert_eq!(
            markers("window, label => move |_| label.set_text(\"x\")"),
            vec![
                t("strong", "window", "window"),
                t("strong", "label", "label")
            ]
        );
    }
}
