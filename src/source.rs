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

    #[test]
    fn shebang_and_bom_are_skipped() {
        let text = "\u{feff}#!/usr/bin/env run\nfn main() {}";
        let input = parse_input(text);
        assert_eq!(input.code, "\nfn main() {}");
        assert_eq!(input.base, 3 + "#!/usr/bin/env run".len());
        assert_eq!(parse_input("#![allow(x)]").base, 0);
    }
}

/// Turns syn spans of one file into owned [`Location`]s; valid only inside the
/// file's task, while proc-macro2's thread-local source map still holds the file.
#[derive(Clone, Copy, Debug)]
pub struct FileSpans {
    pub file: crate::diagnostic::FileId,
    pub base: usize,
}

impl FileSpans {
    pub fn loc(&self, node: &impl syn::spanned::Spanned) -> crate::diagnostic::Location {
        self.span(node.span())
    }

    pub fn span(&self, span: proc_macro2::Span) -> crate::diagnostic::Location {
        let range = span.byte_range();
        crate::diagnostic::Location {
            file: self.file,
            start: self.base + range.start,
            end: self.base + range.end,
        }
    }
}
