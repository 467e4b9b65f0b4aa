//! `--format github` against GitHub's own implementation of workflow
//! commands, `@actions/core` from npm: for awkward messages and paths, both
//! must write the same command, the same escaped properties and the same
//! escaped message (property order aside).
//!
//! `.ci/run` installs the package and sets `LEAKLINT_ACTIONS_CORE` to its
//! entry module; then a missing package fails this test. Without the variable
//! the test looks in `.ci/run`'s install folder and, if it is not there, says
//! why it skips.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use leaklint::diagnostic::{Diagnostic, Position, Severity, Span};
use leaklint::render::{self, Context, Format};
use serde_json::json;

mod support;

fn actions_core() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("LEAKLINT_ACTIONS_CORE") {
        return Ok(PathBuf::from(path));
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    let entry = cache.join("leaklint-ci/npm/node_modules/@actions/core/lib/core.js");
    if entry.is_file() {
        Ok(entry)
    } else {
        Err(format!(
            "{} is not installed (.ci/run installs it with npm)",
            entry.display()
        ))
    }
}

const CASES: &[(&str, &str, Severity)] = &[
    ("plain message", "src/lib.rs", Severity::Warning),
    ("a: b, c", "src/a:b,c.rs", Severity::Error),
    ("100% sure, 50%25 not", "src/100%.rs", Severity::Note),
    (
        "line\nbreak\r\nand\rreturn",
        "src/x\ny.rs",
        Severity::Warning,
    ),
    ("::error:: inside", "src/::,%.rs", Severity::Warning),
    ("ünïcödé — ½", "src/café.rs", Severity::Warning),
];

/// `::command k=v,k=v::message` as (command, properties, message).
type Parsed = (String, BTreeMap<String, String>, String);

fn parse(line: &str) -> Parsed {
    let rest = line.strip_prefix("::").expect(line);
    let (head, message) = rest.split_once("::").expect(line);
    let (command, props) = head.split_once(' ').expect(line);
    let props = props
        .split(',')
        .map(|p| {
            let (k, v) = p.split_once('=').expect(p);
            (k.to_string(), v.to_string())
        })
        .collect();
    (command.to_string(), props, message.to_string())
}

#[test]
fn workflow_commands_match_actions_core() {
    let mut report = support::empty_report();
    let pos = |line, column| Position {
        line,
        column,
        offset: 0,
    };
    report.diagnostics = CASES
        .iter()
        .enumerate()
        .map(|(i, (message, path, severity))| Diagnostic {
            rule: "rc-cycle".into(),
            severity: *severity,
            message: message.to_string(),
            path: path.to_string(),
            file: 0,
            span: Span {
                start: pos(i + 1, 2),
                end: pos(i + 2, 7),
            },
            labels: Vec::new(),
            notes: Vec::new(),
            help: None,
            fingerprint: format!("{i:016x}"),
        })
        .collect();
    let cwd = std::env::temp_dir().join("leaklint-gh-repo");
    let cx = Context {
        repo_root: Some(cwd.clone()),
        cwd,
    };
    let ours: Vec<Parsed> = render::render(Format::Github, &report, &cx)
        .lines()
        .map(parse)
        .collect();
    assert_eq!(ours.len(), CASES.len(), "one line per finding");

    let entry = match actions_core() {
        Ok(e) => e,
        Err(reason) => {
            eprintln!("SKIPPED: @actions/core comparison: {reason}");
            return;
        }
    };
    let cases: Vec<_> = report
        .diagnostics
        .iter()
        .map(|d| {
            json!({
                "level": match d.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                    Severity::Note => "notice",
                },
                "message": d.message,
                "props": {
                    "file": d.path,
                    "startLine": d.span.start.line,
                    "startColumn": d.span.start.column,
                    "endLine": d.span.end.line,
                    "endColumn": d.span.end.column,
                    "title": format!("leaklint({})", d.rule),
                },
            })
        })
        .collect();
    let script = "const core = await import(process.argv[1]);\n\
                  for (const c of JSON.parse(process.argv[2])) core[c.level](c.message, c.props);\n";
    let url = format!("file://{}", entry.display());
    let out = Command::new("node")
        .args(["--input-type=module", "-e", script, &url])
        .arg(serde_json::to_string(&cases).unwrap())
        .output()
        .expect("run node");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let theirs: Vec<Parsed> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(parse)
        .collect();
    assert_eq!(ours, theirs);
}
