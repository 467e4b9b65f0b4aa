//! `--format json`: one document, the schema in the README.

use serde::Serialize;

use crate::diagnostic::{Diagnostic, Severity};
use crate::engine::Report;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    tool: Tool,
    diagnostics: &'a [Diagnostic],
    summary: Summary,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Summary {
    files: usize,
    diagnostics: usize,
    errors: usize,
    warnings: usize,
    notes: usize,
    parse_errors: usize,
    elapsed_ms: u64,
}

pub fn render(report: &Report) -> String {
    let doc = Document {
        version: 1,
        tool: Tool {
            name: "leaklint",
            version: env!("CARGO_PKG_VERSION"),
        },
        diagnostics: &report.diagnostics,
        summary: Summary {
            files: report.files,
            diagnostics: report.diagnostics.len(),
            errors: report.count(Severity::Error),
            warnings: report.count(Severity::Warning),
            notes: report.count(Severity::Note),
            parse_errors: report.parse_errors(),
            elapsed_ms: report.elapsed.as_millis() as u64,
        },
    };
    let mut text = serde_json::to_string_pretty(&doc).expect("JSON of plain data");
    text.push('\n');
    text
}
