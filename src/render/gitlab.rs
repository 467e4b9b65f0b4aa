//! `--format gitlab`: a GitLab Code Quality report (a subset of the Code
//! Climate spec), shown in merge request widgets and diffs.

use serde::Serialize;

use crate::diagnostic::Severity;
use crate::engine::Report;

use super::Context;

#[derive(Serialize)]
struct Issue<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    check_name: &'a str,
    description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    content: Option<Content>,
    categories: [&'static str; 1],
    severity: &'static str,
    fingerprint: &'a str,
    location: Location,
}

#[derive(Serialize)]
struct Content {
    body: String,
}

#[derive(Serialize)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
    end: usize,
}

pub fn render(report: &Report, cx: &Context) -> String {
    let issues: Vec<Issue> = report
        .diagnostics
        .iter()
        .map(|d| {
            let mut body: Vec<String> = d
                .labels
                .iter()
                .map(|l| {
                    format!(
                        "- `{}:{}`: {}",
                        cx.repo_path(&l.path),
                        l.span.start.line,
                        l.message
                    )
                })
                .collect();
            body.extend(d.notes.iter().map(|n| format!("note: {n}")));
            body.extend(d.help.iter().map(|h| format!("help: {h}")));
            Issue {
                kind: "issue",
                check_name: &d.rule,
                description: &d.message,
                content: (!body.is_empty()).then(|| Content {
                    body: body.join("\n\n"),
                }),
                categories: ["Bug Risk"],
                severity: match d.severity {
                    Severity::Error => "critical",
                    Severity::Warning => "major",
                    Severity::Note => "info",
                },
                fingerprint: &d.fingerprint,
                location: Location {
                    path: cx.repo_path(&d.path),
                    lines: Lines {
                        begin: d.span.start.line,
                        end: d.span.end.line,
                    },
                },
            }
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&issues).expect("JSON of plain data");
    text.push('\n');
    text
}
