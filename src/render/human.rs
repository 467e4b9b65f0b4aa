//! The default output: codespan-reporting's annotated snippets, then a summary.
//! The one module that knows codespan-reporting; `rustc-json` borrows its
//! rendering for the `rendered` field.

use std::collections::HashMap;

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label, Severity as CsSeverity};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::termcolor::{ColorChoice, NoColor, StandardStream, WriteColor};
use codespan_reporting::term::{self, Config};

use crate::diagnostic::{Diagnostic, FileId, Severity};
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
    let snippets = Snippets::new(report);
    for d in &report.diagnostics {
        snippets.emit(d, out)?;
    }
    writeln!(out, "{}", super::summary_line(report))
}

/// The uncolored text, for `--output human=PATH`.
pub fn render_string(report: &Report) -> String {
    let mut out = NoColor::new(Vec::new());
    render(report, &mut out).expect("writing to memory");
    String::from_utf8_lossy(&out.into_inner()).into_owned()
}

/// The report's sources, loaded once, to render diagnostics one at a time.
pub struct Snippets {
    files: SimpleFiles<String, String>,
    ids: HashMap<FileId, usize>,
    config: Config,
}

impl Snippets {
    pub fn new(report: &Report) -> Snippets {
        let mut files = SimpleFiles::new();
        let mut ids = HashMap::new();
        let mut sorted: Vec<_> = report.sources.iter().collect();
        sorted.sort_by_key(|(id, _)| **id);
        for (id, (path, text)) in sorted {
            ids.insert(*id, files.add(path.clone(), text.clone()));
        }
        Snippets {
            files,
            ids,
            config: Config::default(),
        }
    }

    pub fn emit(&self, d: &Diagnostic, out: &mut dyn WriteColor) -> std::io::Result<()> {
        let ids = &self.ids;
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
        term::emit(out, &self.config, &self.files, &diagnostic).map_err(std::io::Error::other)
    }

    /// One diagnostic as uncolored text.
    pub fn text(&self, d: &Diagnostic) -> String {
        let mut out = NoColor::new(Vec::new());
        self.emit(d, &mut out).expect("writing to memory");
        String::from_utf8_lossy(&out.into_inner()).into_owned()
    }
}
