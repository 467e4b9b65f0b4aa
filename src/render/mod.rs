//! Output formats. Each renderer reads a finished [`Report`]; only `human`
//! knows codespan-reporting.

use crate::engine::Report;

pub mod human;
pub mod json;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
}

pub fn summary_line(report: &Report) -> String {
    use crate::diagnostic::Severity;
    let n = report.diagnostics.len();
    let mut counts = format!(
        "{} error{}, {} warning{}",
        report.count(Severity::Error),
        plural(report.count(Severity::Error)),
        report.count(Severity::Warning),
        plural(report.count(Severity::Warning)),
    );
    let notes = report.count(Severity::Note);
    if notes > 0 {
        counts.push_str(&format!(", {notes} note{}", plural(notes)));
    }
    format!(
        "{n} problem{} ({counts}) in {} file{}",
        plural(n),
        report.files,
        plural(report.files)
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
