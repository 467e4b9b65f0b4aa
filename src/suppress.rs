//! Suppression comments:
//!
//! ```text
//! // leaklint: allow(rule-id, other-id) -- why this is fine
//! // leaklint: allow-file(rule-id) -- why this is fine
//! ```
//!
//! `allow` silences findings whose primary span starts on the comment's line
//! or on the line below it; `allow-file` silences the rules in the whole file.
//! The engine reports a suppression without a reason (`suppression-without-reason`)
//! and one that silenced nothing (`unused-suppression`, only when every rule it
//! names ran).

use std::ops::Range;

/// Ids the engine reports about suppressions; valid in `--select`/`--ignore`/config.
pub const IDS: &[&str] = &["suppression-without-reason", "unused-suppression"];

/// `leaklint explain` for the suppression ids.
pub fn explain(id: &str) -> Option<String> {
    let (summary, finds) = match id {
        "suppression-without-reason" => (
            "a `leaklint: allow` comment without a reason after `--`",
            "`// leaklint: allow(rule-id)` or `allow-file(rule-id)` with nothing after `--`. The \
             suppression still applies; the reason is what tells the next reader why the leak \
             is not one (who clears the cycle, why the map is bounded).",
        ),
        "unused-suppression" => (
            "a `leaklint: allow` comment that silenced nothing",
            "`allow(...)` with no finding of those rules on its line or the next, or \
             `allow-file(...)` with none in its file, when every rule it names ran (so a run \
             with `--select` does not flag other rules' comments); and a comment naming a rule \
             that does not exist.",
        ),
        _ => return None,
    };
    Some(format!(
        "{id} (engine, default severity: warning)\n\n{summary}\n\nWhat it finds\n\n{finds}\n\n\
         Syntax\n\n    // leaklint: allow(rule-id, ...) -- reason   (this line or the next)\n    \
         // leaklint: allow-file(rule-id, ...) -- reason   (the whole file)\n"
    ))
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Directive {
    pub file_level: bool,
    pub rules: Vec<String>,
    pub reason: Option<String>,
    /// The comment's byte range.
    pub comment: Range<usize>,
    /// Bytes of the comment's line and the next line.
    pub covers: Range<usize>,
    /// Inside test code that this run strips: it cannot be known to be unused.
    pub in_skipped_tests: bool,
}

impl Directive {
    pub fn applies(&self, rule: &str, offset: usize) -> bool {
        !IDS.contains(&rule)
            && self.rules.iter().any(|r| r == rule)
            && (self.file_level || self.covers.contains(&offset))
    }
}

/// Every directive of a file, in order.
pub fn scan(text: &str) -> Vec<Directive> {
    let mut out = Vec::new();
    if !text.contains("leaklint:") {
        return out;
    }
    let mut line_start = 0;
    let lines: Vec<(usize, &str)> = text
        .split_inclusive('\n')
        .map(|l| {
            let at = line_start;
            line_start += l.len();
            (at, l)
        })
        .collect();
    for (i, (start, line)) in lines.iter().enumerate() {
        let Some(found) = parse_line(line) else {
            continue;
        };
        let next_end = lines
            .get(i + 1)
            .map_or(start + line.len(), |(s, l)| s + l.len());
        out.push(Directive {
            comment: start + found.at..start + line.trim_end().len(),
            covers: *start..next_end,
            ..found.directive
        });
    }
    out
}

struct Found {
    at: usize,
    directive: Directive,
}

fn parse_line(line: &str) -> Option<Found> {
    let mut search = 0;
    while let Some(pos) = line[search..].find("//") {
        let at = search + pos;
        search = at + 2;
        let after = &line[at + 2..];
        // Doc comments (`///`, `//!`) are documentation, not directives.
        if after.starts_with('/') || after.starts_with('!') {
            continue;
        }
        let Some(rest) = after.trim_start().strip_prefix("leaklint:") else {
            continue;
        };
        let rest = rest.trim_start();
        let (file_level, rest) = if let Some(r) = rest.strip_prefix("allow-file(") {
            (true, r)
        } else if let Some(r) = rest.strip_prefix("allow(") {
            (false, r)
        } else {
            continue;
        };
        let close = rest.find(')')?;
        let rules: Vec<String> = rest[..close]
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        let tail = rest[close + 1..].trim();
        let reason = tail
            .strip_prefix("--")
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty());
        return Some(Found {
            at,
            directive: Directive {
                file_level,
                rules,
                reason,
                comment: 0..0,
                covers: 0..0,
                in_skipped_tests: false,
            },
        });
    }
    None
}

/// Byte ranges of the test items (`#[cfg(test)]`, `#[test]`-like) of a file,
/// for directives that lie in code a run without `--include-tests` never checks.
pub fn test_ranges(file: &syn::File, spans: crate::source::FileSpans<'_>) -> Vec<Range<usize>> {
    use crate::testcode::{is_cfg_test, is_test_fn};
    use syn::visit::Visit;

    struct Ranges<'a> {
        spans: crate::source::FileSpans<'a>,
        out: Vec<Range<usize>>,
    }
    fn attrs(item: &syn::Item) -> &[syn::Attribute] {
        match item {
            syn::Item::Fn(f) => &f.attrs,
            syn::Item::Mod(m) => &m.attrs,
            syn::Item::Impl(i) => &i.attrs,
            syn::Item::Struct(s) => &s.attrs,
            syn::Item::Enum(e) => &e.attrs,
            syn::Item::Static(s) => &s.attrs,
            syn::Item::Const(c) => &c.attrs,
            syn::Item::Trait(t) => &t.attrs,
            syn::Item::Type(t) => &t.attrs,
            syn::Item::Use(u) => &u.attrs,
            syn::Item::Macro(m) => &m.attrs,
            _ => &[],
        }
    }
    impl<'a> Visit<'a> for Ranges<'_> {
        fn visit_item(&mut self, item: &'a syn::Item) {
            let a = attrs(item);
            if is_cfg_test(a) || (matches!(item, syn::Item::Fn(_)) && is_test_fn(a)) {
                let l = self.spans.loc(item);
                self.out.push(l.start..l.end);
                return;
            }
            syn::visit::visit_item(self, item);
        }
        fn visit_impl_item_fn(&mut self, f: &'a syn::ImplItemFn) {
            if is_cfg_test(&f.attrs) || is_test_fn(&f.attrs) {
                let l = self.spans.loc(f);
                self.out.push(l.start..l.end);
                return;
            }
            syn::visit::visit_impl_item_fn(self, f);
        }
    }
    let mut v = Ranges {
        spans,
        out: Vec::new(),
    };
    v.visit_file(file);
    v.out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_allow_and_allow_file() {
        let text = "a\n// leaklint: allow(rc-cycle, x) -- owner drops it\nstruct S; // leaklint: allow-file(y)\n/// leaklint: allow(z) -- doc\n";
        let d = scan(text);
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].rules, vec!["rc-cycle", "x"]);
        assert_eq!(d[0].reason.as_deref(), Some("owner drops it"));
        assert!(!d[0].file_level);
        assert_eq!(
            &text[d[0].covers.clone()],
            "// leaklint: allow(rc-cycle, x) -- owner drops it\nstruct S; // leaklint: allow-file(y)\n"
        );
        assert!(d[1].file_level);
        assert_eq!(d[1].reason, None);
        assert_eq!(&text[d[1].comment.clone()], "// leaklint: allow-file(y)");
    }
}
