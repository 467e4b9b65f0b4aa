//! `--format json`: one document, the schema in the README.

use serde::Serialize;

use crate::diagnostic::{Diagnostic, Severity};
use crate::engine::Report;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    tool: Tool,
    diagnostics: &'a [Diagnostic],
    #[serde(skip_serializing_if = "<[Diagnostic]>::is_empty")]
    suppressed: &'a [Diagnostic],
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
    suppressed: usize,
    baselined: usize,
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
        suppressed: &report.suppressed,
        summary: Summary {
            files: report.files,
            diagnostics: report.diagnostics.len(),
            errors: report.count(Severity::Error),
            warnings: report.count(Severity::Warning),
            notes: report.count(Severity::Note),
            parse_errors: report.parse_errors(),
            suppressed: report.suppressed.len(),
            baselined: report.baselined,
            elapsed_ms: report.elapsed.as_millis() as u64,
        },
    };
    let mut text = serde_json::to_string_pretty(&doc).expect("JSON of plain data");
    text.push('\n');
    text
}
