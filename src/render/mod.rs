//! Output formats. Each renderer reads a finished [`Report`]; only `human`
//! knows codespan-reporting. Every format shows the same diagnostics: one
//! analysis can be written in several formats at once (`--output`).

use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Position, Severity};
use crate::engine::Report;

pub mod concise;
pub mod github;
pub mod gitlab;
pub mod human;
pub mod json;
pub mod rdjson;
pub mod rustc_json;
pub mod sarif;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Annotated snippets, like rustc (the default).
    Human,
    /// leaklint's own JSON document.
    Json,
    /// One line per finding: `path:line:col: severity[rule] message`.
    Concise,
    /// SARIF 2.1.0, for GitHub code scanning and SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands (annotations on the PR).
    Github,
    /// GitLab Code Quality report.
    Gitlab,
    /// reviewdog's rdjson document.
    Rdjson,
    /// reviewdog's rdjsonl: one diagnostic a line.
    Rdjsonl,
    /// cargo's `--message-format=json` lines, for rust-analyzer.
    RustcJson,
}

/// Where the run happens: paths in CI formats are relative to the repository.
#[derive(Clone, Debug)]
pub struct Context {
    pub cwd: PathBuf,
    /// The nearest folder at or above `cwd` holding `.git`; `None` outside a repository.
    pub repo_root: Option<PathBuf>,
}

impl Context {
    pub fn detect() -> Context {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        let repo_root = cwd
            .ancestors()
            .find(|dir| dir.join(".git").exists())
            .map(Path::to_path_buf);
        Context { cwd, repo_root }
    }

    /// The folder repository-relative paths are relative to.
    pub fn base(&self) -> &Path {
        self.repo_root.as_deref().unwrap_or(&self.cwd)
    }

    /// A diagnostic's path (relative to `cwd`, or absolute) made relative to
    /// [`Context::base`]; `None` when the file lies outside it.
    pub fn repo_relative(&self, shown: &str) -> Option<String> {
        let abs = crate::discover::absolute_key(&self.cwd.join(shown));
        let rel = abs.strip_prefix(self.base()).ok()?;
        Some(rel.to_string_lossy().replace('\\', "/"))
    }

    /// A path for consumers that want repository-relative paths, else the absolute one.
    pub fn repo_path(&self, shown: &str) -> String {
        self.repo_relative(shown).unwrap_or_else(|| {
            crate::discover::absolute_key(&self.cwd.join(shown))
                .to_string_lossy()
                .replace('\\', "/")
        })
    }
}

/// The text of `format` for `report`; human output without color.
pub fn render(format: Format, report: &Report, cx: &Context) -> String {
    match format {
        Format::Human => human::render_string(report),
        Format::Json => json::render(report),
        Format::Concise => concise::render(report),
        Format::Sarif => sarif::render(report, cx),
        Format::Github => github::render(report, cx),
        Format::Gitlab => gitlab::render(report, cx),
        Format::Rdjson => rdjson::render(report),
        Format::Rdjsonl => rdjson::render_lines(report),
        Format::RustcJson => rustc_json::render(report, cx),
    }
}

pub fn summary_line(report: &Report) -> String {
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
    let mut line = format!(
        "{n} problem{} ({counts}) in {} file{}",
        plural(n),
        report.files,
        plural(report.files)
    );
    if !report.suppressed.is_empty() {
        line.push_str(&format!(", {} suppressed", report.suppressed.len()));
    }
    if report.baselined > 0 {
        line.push_str(&format!(", {} in the baseline", report.baselined));
    }
    line
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The message with its notes and help, one per line, for formats that have
/// a single text field.
pub fn full_message(d: &Diagnostic) -> String {
    let mut text = d.message.clone();
    for note in &d.notes {
        text.push_str("\nnote: ");
        text.push_str(note);
    }
    if let Some(help) = &d.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    text
}

/// The source text of a file of the report (empty if it could not be read).
pub fn source_text(report: &Report, file: crate::diagnostic::FileId) -> &str {
    report
        .sources
        .get(&file)
        .map(|(_, text)| text.as_str())
        .unwrap_or("")
}

/// 1-based column of a position counted in UTF-8 bytes (reviewdog's unit).
pub fn byte_column(text: &str, at: Position) -> usize {
    let offset = at.offset.min(text.len());
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    offset - line_start + 1
}

/// `file://` URI of an absolute path, percent-encoded.
pub fn file_uri(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let text = if text.starts_with('/') {
        text
    } else {
        format!("/{text}")
    };
    // A colon is fine in an absolute path (`C:`); only relative references must escape it.
    format!("file://{}", percent_encode_path(&text).replace("%3A", ":"))
}

/// Percent-encodes everything but unreserved characters and `/`.
pub fn percent_encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(
            percent_encode_path("src/a b%,:.rs"),
            "src/a%20b%25%2C%3A.rs"
        );
        assert_eq!(file_uri(Path::new("/x/é")), "file:///x/%C3%A9");
    }

    #[test]
    fn byte_columns_count_bytes() {
        let text = "a\n\u{10400}b";
        let at = Position {
            line: 2,
            column: 2,
            offset: 6,
        };
        assert_eq!(byte_column(text, at), 5);
    }
}
