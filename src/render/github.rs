//! `--format github`: GitHub Actions workflow commands, which GitHub shows as
//! annotations on the run and on the pull request's diff.
//! `::warning file=src/a.rs,line=3,col=5,endLine=3,endColumn=9,title=leaklint(rule)::message`

use crate::diagnostic::Severity;
use crate::engine::Report;

use super::Context;

pub fn render(report: &Report, cx: &Context) -> String {
    let mut out = String::new();
    for d in &report.diagnostics {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let mut message = super::full_message(d);
        for l in &d.labels {
            message.push_str(&format!(
                "\n{}:{}:{}: {}",
                cx.repo_path(&l.path),
                l.span.start.line,
                l.span.start.column,
                l.message
            ));
        }
        out.push_str(&format!(
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            escape_property(&cx.repo_path(&d.path)),
            d.span.start.line,
            d.span.start.column,
            d.span.end.line,
            d.span.end.column,
            escape_property(&format!("leaklint({})", d.rule)),
            escape_data(&message)
        ));
    }
    out
}

/// The message part: `%`, CR and LF are escaped (GitHub's runner unescapes them).
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property value: like the message, plus `:` and `,`, which end a property.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_the_runner_unescapes() {
        assert_eq!(escape_data("100% a:b, c\r\nd"), "100%25 a:b, c%0D%0Ad");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }
}
