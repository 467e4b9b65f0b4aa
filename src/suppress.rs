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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    pub file_level: bool,
    pub rules: Vec<String>,
    pub reason: Option<String>,
    /// The comment's byte range.
    pub comment: Range<usize>,
    /// Bytes of the comment's line and the next line.
    pub covers: Range<usize>,
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
            },
        });
    }
    None
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
