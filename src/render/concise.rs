//! `--format concise`: `path:line:col: severity[rule] message`, one line per
//! finding, for grep and editors' error lists (vim's `errorformat`, VS Code
//! problem matchers).

use crate::engine::Report;

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for d in &report.diagnostics {
        out.push_str(&format!(
            "{}:{}:{}: {}[{}] {}\n",
            d.path,
            d.span.start.line,
            d.span.start.column,
            d.severity.as_str(),
            d.rule,
            one_line(&d.message)
        ));
    }
    out
}

/// Keeps a finding on one line: line breaks are written as `\n`.
fn one_line(text: &str) -> String {
    text.replace("\r\n", "\\n")
        .replace('\n', "\\n")
        .replace('\r', "\\r")
}
