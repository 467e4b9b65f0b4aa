//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning and SARIF viewers.
//! `rules[]` comes from the rules' TOML; each result has one physical
//! location relative to `%SRCROOT%` (the repository), a related location per
//! label, and the diagnostic's fingerprint as a partial fingerprint.

use serde_json::{Value, json};

use crate::diagnostic::{Diagnostic, FileId, Span};
use crate::engine::Report;
use crate::meta::{ExampleKind, RuleMeta};

use super::Context;

pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const BASE_ID: &str = "SRCROOT";
const FINGERPRINT_KEY: &str = "leaklint/v1";

pub fn render(report: &Report, cx: &Context) -> String {
    let (rules, ids) = descriptors();
    let results: Vec<Value> = report
        .diagnostics
        .iter()
        .map(|d| result(report, cx, d, ids.iter().position(|id| *id == d.rule)))
        .collect();
    let base = format!("{}/", super::file_uri(cx.base()).trim_end_matches('/'));
    let doc = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "leaklint",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": env!("CARGO_PKG_REPOSITORY"),
                    "rules": rules,
                }
            },
            "originalUriBaseIds": { BASE_ID: { "uri": base } },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    let mut text = serde_json::to_string_pretty(&doc).expect("JSON of plain data");
    text.push('\n');
    text
}

/// Every rule, then the engine's own ids, as reportingDescriptors.
fn descriptors() -> (Vec<Value>, Vec<String>) {
    let mut rules = Vec::new();
    let mut ids = Vec::new();
    for rule in crate::rules::registry() {
        let m = rule.meta();
        rules.push(json!({
            "id": m.id,
            "name": pascal_case(&m.id),
            "shortDescription": { "text": m.summary },
            "fullDescription": { "text": m.explain.finds.trim() },
            "help": { "text": m.explain_text(), "markdown": help_markdown(m) },
            "defaultConfiguration": { "level": level(m.default_severity()) },
            "properties": { "tags": [m.category, "leaklint"] },
        }));
        ids.push(m.id.clone());
    }
    let engine = [
        (
            "parse-error",
            "A file could not be read, is not UTF-8, or does not parse; the other files were still checked.",
        ),
        (
            "internal-error",
            "A rule crashed on a file: a bug in leaklint; the other rules and files were still checked.",
        ),
    ];
    for (id, text) in engine {
        rules.push(json!({
            "id": id,
            "name": pascal_case(id),
            "shortDescription": { "text": text },
            "fullDescription": { "text": text },
            "help": { "text": text },
            "defaultConfiguration": { "level": "error" },
            "properties": { "tags": ["leaklint"] },
        }));
        ids.push(id.to_string());
    }
    (rules, ids)
}

fn help_markdown(m: &RuleMeta) -> String {
    let mut out = format!(
        "{}\n\n## What it finds\n\n{}\n\n## Why it is bad\n\n{}\n\n## Known limits\n\n{}\n",
        m.summary,
        m.explain.finds.trim(),
        m.explain.why.trim(),
        m.explain.limits.trim()
    );
    for kind in [ExampleKind::Bad, ExampleKind::Good] {
        for ex in m.examples.iter().filter(|e| e.kind == kind) {
            let title = if kind == ExampleKind::Bad {
                "Bad"
            } else {
                "Good"
            };
            out.push_str(&format!(
                "\n## {title}\n\n```rust\n{}\n```\n",
                ex.code.trim()
            ));
        }
    }
    out
}

fn pascal_case(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn level(s: crate::diagnostic::Severity) -> &'static str {
    match s {
        crate::diagnostic::Severity::Error => "error",
        crate::diagnostic::Severity::Warning => "warning",
        crate::diagnostic::Severity::Note => "note",
    }
}

/// The location of a span, with its text as a snippet and its whole lines as
/// the context region, so viewers show the code without a checkout.
fn physical(report: &Report, cx: &Context, shown: &str, file: FileId, span: Span) -> Value {
    let text = super::source_text(report, file);
    let snippet = text.get(span.start.offset..span.end.offset).unwrap_or("");
    let context_start = text[..span.start.offset.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let context_end = text[span.end.offset.min(text.len())..]
        .find('\n')
        .map_or(text.len(), |i| span.end.offset + i);
    let context = text.get(context_start..context_end).unwrap_or("");

    let artifact = match cx.repo_relative(shown) {
        Some(rel) => json!({ "uri": super::percent_encode_path(&rel), "uriBaseId": BASE_ID }),
        None => json!({ "uri": super::file_uri(std::path::Path::new(&cx.repo_path(shown))) }),
    };
    let mut location = json!({
        "artifactLocation": artifact,
        "region": {
            "startLine": span.start.line,
            "startColumn": span.start.column,
            "endLine": span.end.line,
            "endColumn": span.end.column,
            "byteOffset": span.start.offset,
            "byteLength": span.end.offset - span.start.offset,
            "snippet": { "text": snippet },
        },
    });
    // SARIF wants a context strictly larger than the region, else none.
    if context.len() > snippet.len() {
        let last_line = context.rsplit('\n').next().unwrap_or("");
        location["contextRegion"] = json!({
            "startLine": span.start.line,
            "startColumn": 1,
            "endLine": span.end.line,
            "endColumn": last_line.chars().count() + 1,
            "snippet": { "text": context },
        });
    }
    location
}

fn result(report: &Report, cx: &Context, d: &Diagnostic, index: Option<usize>) -> Value {
    let related: Vec<Value> = d
        .labels
        .iter()
        .enumerate()
        .map(|(i, l)| {
            json!({
                "id": i + 1,
                "physicalLocation": physical(report, cx, &l.path, l.file, l.span),
                "message": { "text": l.message },
            })
        })
        .collect();
    let mut result = json!({
        "ruleId": d.rule,
        "level": level(d.severity),
        "message": { "text": super::full_message(d) },
        "locations": [{ "physicalLocation": physical(report, cx, &d.path, d.file, d.span) }],
        "partialFingerprints": { FINGERPRINT_KEY: d.fingerprint },
    });
    if let Some(i) = index {
        result["ruleIndex"] = json!(i);
    }
    if !related.is_empty() {
        result["relatedLocations"] = json!(related);
    }
    result
}
