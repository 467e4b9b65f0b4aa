//! The default output: codespan-reporting's annotated snippets, then a summary.

use std::collections::HashMap;

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label, Severity as CsSeverity};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::termcolor::{ColorChoice, StandardStream, WriteColor};
use codespan_reporting::term::{self, Config};

use crate::diagnostic::Severity;
use crate::engine::Report;

pub fn render_to_stdout(report: &Report, color: bool) -> std::io::Result<()> {
    let choice = if color {
        ColorChoice::Always
    } else {
        ColorChoice::Never
    };
    let stream = StandardStream::stdout(choice);
    let mut lock = stream.lock();
    render(report, &mut lock)
}

/// Renders into any writer; tests use `termcolor::NoColor`.
pub fn render(report: &Report, out: &mut dyn WriteColor) -> std::io::Result<()> {
    let mut files = SimpleFiles::new();
    let mut ids = HashMap::new();
    let mut sorted: Vec<_> = report.sources.iter().collect();
    sorted.sort_by_key(|(id, _)| **id);
    for (id, (path, text)) in sorted {
        ids.insert(*id, files.add(path.clone(), text.clone()));
    }
    let config = Config::default();
    for d in &report.diagnostics {
        let severity = match d.severity {
            Severity::Error => CsSeverity::Error,
            Severity::Warning => CsSeverity::Warning,
            Severity::Note => CsSeverity::Note,
        };
        let mut labels = vec![Label::primary(
            ids[&d.file],
            d.span.start.offset..d.span.end.offset,
        )];
        for l in &d.labels {
            labels.push(
                Label::secondary(ids[&l.file], l.span.start.offset..l.span.end.offset)
                    .with_message(l.message.clone()),
            );
        }
        let mut notes: Vec<String> = d.notes.iter().map(|n| format!("note: {n}")).collect();
        if let Some(help) = &d.help {
            notes.push(format!("help: {help}"));
        }
        let diagnostic = CsDiagnostic::new(severity)
            .with_message(d.message.clone())
            .with_code(d.rule.clone())
            .with_labels(labels)
            .with_notes(notes);
        term::emit(out, &config, &files, &diagnostic).map_err(std::io::Error::other)?;
    }
    writeln!(out, "{}", super::summary_line(report))
}
