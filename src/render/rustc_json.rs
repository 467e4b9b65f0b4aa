//! `--format rustc-json`: the lines `cargo check --message-format=json`
//! prints, one `compiler-message` per finding and a closing `build-finished`,
//! so rust-analyzer's `check.overrideCommand` shows findings as squiggles.
//! Lines and columns are 1-based, columns in characters, `byte_*` in bytes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::diagnostic::{FileId, Severity, Span};
use crate::discover::absolute_key;
use crate::engine::Report;

use super::Context;
use super::human::Snippets;

/// The package a file belongs to, as cargo names it in its messages.
struct Package {
    id: String,
    manifest_path: String,
    target: Value,
}

pub fn render(report: &Report, cx: &Context) -> String {
    let snippets = Snippets::new(report);
    let mut packages: HashMap<PathBuf, Package> = HashMap::new();
    let mut out = String::new();
    for d in &report.diagnostics {
        let abs = absolute_key(&cx.cwd.join(&d.path));
        let folder = abs.parent().unwrap_or(&abs).to_path_buf();
        let package = packages.entry(folder).or_insert_with(|| package_of(&abs));
        let mut spans = vec![span(report, &d.path, d.file, d.span, true, None)];
        for l in &d.labels {
            spans.push(span(
                report,
                &l.path,
                l.file,
                l.span,
                false,
                Some(&l.message),
            ));
        }
        let mut children: Vec<Value> = d.notes.iter().map(|n| child("note", n)).collect();
        children.extend(d.help.iter().map(|h| child("help", h)));
        let line = json!({
            "reason": "compiler-message",
            "package_id": package.id,
            "manifest_path": package.manifest_path,
            "target": package.target,
            "message": {
                "$message_type": "diagnostic",
                "message": d.message,
                "code": { "code": format!("leaklint::{}", d.rule), "explanation": null },
                "level": level(d.severity),
                "spans": spans,
                "children": children,
                "rendered": snippets.text(d),
            }
        });
        out.push_str(&line.to_string());
        out.push('\n');
    }
    let success = report.count(Severity::Error) == 0;
    out.push_str(&json!({ "reason": "build-finished", "success": success }).to_string());
    out.push('\n');
    out
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

fn child(level: &str, message: &str) -> Value {
    json!({
        "message": message,
        "code": null,
        "level": level,
        "spans": [],
        "children": [],
        "rendered": null,
    })
}

fn span(
    report: &Report,
    path: &str,
    file: FileId,
    span: Span,
    primary: bool,
    label: Option<&str>,
) -> Value {
    let text = super::source_text(report, file);
    let lines: Vec<Value> = text
        .split('\n')
        .enumerate()
        .skip(span.start.line - 1)
        .take(span.end.line + 1 - span.start.line)
        .map(|(i, line)| {
            let line = line.strip_suffix('\r').unwrap_or(line);
            let n = i + 1;
            let start = if n == span.start.line {
                span.start.column
            } else {
                1
            };
            let end = if n == span.end.line {
                span.end.column
            } else {
                line.chars().count() + 1
            };
            json!({ "text": line, "highlight_start": start, "highlight_end": end })
        })
        .collect();
    json!({
        "file_name": path,
        "byte_start": span.start.offset,
        "byte_end": span.end.offset,
        "line_start": span.start.line,
        "line_end": span.end.line,
        "column_start": span.start.column,
        "column_end": span.end.column,
        "is_primary": primary,
        "text": lines,
        "label": label,
        "suggested_replacement": null,
        "suggestion_applicability": null,
        "expansion": null,
    })
}

/// The nearest `Cargo.toml` with a `[package]` above `file`: cargo's package
/// id and the library (or binary) target; a file outside any package is a
/// binary of its own.
fn package_of(file: &Path) -> Package {
    for dir in file.ancestors().skip(1) {
        let manifest = dir.join("Cargo.toml");
        let Ok(text) = std::fs::read_to_string(&manifest) else {
            continue;
        };
        let Ok(table) = text.parse::<toml::Table>() else {
            continue;
        };
        let Some(package) = table.get("package").and_then(|p| p.as_table()) else {
            continue;
        };
        let name = package
            .get("name")
            .and_then(|v| v.as_str())
            .unwrap_or("unknown")
            .to_string();
        let version = match package.get("version") {
            Some(toml::Value::String(v)) => v.clone(),
            Some(_) => workspace_version(dir).unwrap_or_else(|| "0.0.0".to_string()),
            None => "0.0.0".to_string(),
        };
        let lib = dir.join("src/lib.rs");
        let (kind, src) = if lib.is_file() {
            ("lib", lib)
        } else {
            ("bin", dir.join("src/main.rs"))
        };
        return Package {
            id: package_id(dir, &name, &version),
            manifest_path: manifest.to_string_lossy().into_owned(),
            target: json!({
                "name": name.replace('-', "_"),
                "kind": [kind],
                "crate_types": [kind],
                "src_path": src.to_string_lossy(),
            }),
        };
    }
    let folder = file.parent().unwrap_or(file);
    let stem_id = |stem: &str| package_id(folder, stem, "0.0.0");
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "main".to_string());
    Package {
        id: stem_id(&stem),
        manifest_path: folder.join("Cargo.toml").to_string_lossy().into_owned(),
        target: json!({
            "name": stem,
            "kind": ["bin"],
            "crate_types": ["bin"],
            "src_path": file.to_string_lossy(),
        }),
    }
}

/// Cargo's spelling of a path package's id: the name is left out when the
/// folder already says it.
fn package_id(dir: &Path, name: &str, version: &str) -> String {
    let url = super::file_uri(dir);
    if dir.file_name().is_some_and(|f| f == name) {
        format!("path+{url}#{version}")
    } else {
        format!("path+{url}#{name}@{version}")
    }
}

/// `version.workspace = true`: the version in the workspace's `[workspace.package]`.
fn workspace_version(package_dir: &Path) -> Option<String> {
    package_dir.ancestors().find_map(|dir| {
        let text = std::fs::read_to_string(dir.join("Cargo.toml")).ok()?;
        let table = text.parse::<toml::Table>().ok()?;
        table
            .get("workspace")?
            .get("package")?
            .get("version")?
            .as_str()
            .map(str::to_string)
    })
}
