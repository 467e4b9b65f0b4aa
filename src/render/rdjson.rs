//! `--format rdjson` / `rdjsonl`: reviewdog's diagnostic format, so
//! `reviewdog -f=rdjson` (or `-f=rdjsonl`) posts findings as PR review
//! comments. Columns are 1-based UTF-8 byte columns, ends exclusive.

use serde::Serialize;

use crate::diagnostic::{Diagnostic, FileId, Severity, Span};
use crate::engine::Report;

#[derive(Serialize)]
struct Document<'a> {
    source: Source,
    diagnostics: Vec<RdDiagnostic<'a>>,
}

#[derive(Serialize)]
struct Source {
    name: &'static str,
    url: &'static str,
}

#[derive(Serialize)]
struct RdDiagnostic<'a> {
    message: String,
    location: Location<'a>,
    severity: &'static str,
    source: Source,
    code: Code<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Related<'a>>,
}

#[derive(Serialize)]
struct Code<'a> {
    value: &'a str,
}

#[derive(Serialize)]
struct Location<'a> {
    path: &'a str,
    range: Range,
}

#[derive(Serialize)]
struct Range {
    start: Pos,
    end: Pos,
}

#[derive(Serialize)]
struct Pos {
    line: usize,
    column: usize,
}

#[derive(Serialize)]
struct Related<'a> {
    message: &'a str,
    location: Location<'a>,
}

fn source() -> Source {
    Source {
        name: "leaklint",
        url: env!("CARGO_PKG_REPOSITORY"),
    }
}

fn range(report: &Report, file: FileId, span: Span) -> Range {
    let text = super::source_text(report, file);
    Range {
        start: Pos {
            line: span.start.line,
            column: super::byte_column(text, span.start),
        },
        end: Pos {
            line: span.end.line,
            column: super::byte_column(text, span.end),
        },
    }
}

fn diagnostic<'a>(report: &Report, d: &'a Diagnostic) -> RdDiagnostic<'a> {
    RdDiagnostic {
        message: super::full_message(d),
        location: Location {
            path: &d.path,
            range: range(report, d.file, d.span),
        },
        severity: match d.severity {
            Severity::Error => "ERROR",
            Severity::Warning => "WARNING",
            Severity::Note => "INFO",
        },
        source: source(),
        code: Code { value: &d.rule },
        related_locations: d
            .labels
            .iter()
            .map(|l| Related {
                message: &l.message,
                location: Location {
                    path: &l.path,
                    range: range(report, l.file, l.span),
                },
            })
            .collect(),
    }
}

pub fn render(report: &Report) -> String {
    let doc = Document {
        source: source(),
        diagnostics: report
            .diagnostics
            .iter()
            .map(|d| diagnostic(report, d))
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&doc).expect("JSON of plain data");
    text.push('\n');
    text
}

pub fn render_lines(report: &Report) -> String {
    let mut out = String::new();
    for d in &report.diagnostics {
        out.push_str(&serde_json::to_string(&diagnostic(report, d)).expect("JSON of plain data"));
        out.push('\n');
    }
    out
}
