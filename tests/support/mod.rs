//! Shared by the integration tests: run the engine on fixtures and read their
//! `//~ rule` / `//~^ rule` annotations.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use leaklint::engine::{self, Options, Report};

/// A fresh folder for one test, unique per test binary and process.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "leaklint-{}-{}-{name}",
        env!("CARGO_CRATE_NAME"),
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The report of a real run over one empty file, to put hand-made diagnostics in:
/// fields the engine adds later need no edit in the tests that use it.
pub fn empty_report() -> Report {
    let empty = scratch("empty-report").join("empty.rs");
    std::fs::write(&empty, "").unwrap();
    engine::check(&Options {
        paths: vec![empty],
        standalone: true,
        ..Options::default()
    })
    .unwrap()
}

/// Writes `text` to `dir/rel`, creating its folders.
pub fn write(dir: &Path, rel: &str, text: impl AsRef<[u8]>) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// `(path, line, rule)` of one expected or actual diagnostic.
pub type Expectation = (String, usize, String);

pub fn rs_files(root: &Path) -> Vec<PathBuf> {
    if root.is_file() {
        return vec![root.to_path_buf()];
    }
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Annotations: `//~ id` expects `id` on its own line, `//~^ id` on the line above
/// (one `^` per line up). `//@ rules: a, b` adds rules to run; `//@ include-tests`.
pub struct Annotations {
    pub expected: Vec<Expectation>,
    pub extra_rules: Vec<String>,
    pub include_tests: bool,
}

pub fn annotations(root: &Path) -> Annotations {
    let mut a = Annotations {
        expected: Vec::new(),
        extra_rules: Vec::new(),
        include_tests: false,
    };
    for file in rs_files(root) {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let shown = engine::display_path(&file);
        for (i, line) in text.lines().enumerate() {
            if let Some(rest) = line.trim_start().strip_prefix("//@") {
                let rest = rest.trim();
                if let Some(list) = rest.strip_prefix("rules:") {
                    a.extra_rules
                        .extend(list.split(',').map(|s| s.trim().to_string()));
                } else if rest == "include-tests" {
                    a.include_tests = true;
                }
            }
            let mut search = line;
            while let Some(at) = search.find("//~") {
                let after = &search[at + 3..];
                let carets = after.chars().take_while(|c| *c == '^').count();
                let id: String = after[carets..]
                    .trim_start()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                    .collect();
                assert!(
                    !id.is_empty(),
                    "{shown}:{}: annotation without a rule id",
                    i + 1
                );
                a.expected.push((shown.clone(), i + 1 - carets, id));
                search = &after[carets..];
            }
        }
    }
    a.expected.sort();
    a
}

pub fn run(paths: &[PathBuf], select: Vec<String>, include_tests: bool) -> Report {
    engine::check(&Options {
        paths: paths.to_vec(),
        select: Some(select),
        include_tests,
        threads: Some(1),
        standalone: true,
        ..Options::default()
    })
    .expect("fixture paths exist")
}

pub fn actual(report: &Report) -> Vec<Expectation> {
    let mut out: Vec<Expectation> = report
        .diagnostics
        .iter()
        .map(|d| (d.path.clone(), d.span.start.line, d.rule.clone()))
        .collect();
    out.sort();
    out
}

/// Runs one fixture (a file, or a folder as one crate) for `rule` and returns a
/// description of every mismatch.
pub fn check_fixture(rule: &str, root: &Path) -> Vec<String> {
    let ann = annotations(root);
    let mut select = vec![
        rule.to_string(),
        "parse-error".to_string(),
        "internal-error".to_string(),
    ];
    select.extend(ann.extra_rules.iter().cloned());
    let report = run(&[root.to_path_buf()], select, ann.include_tests);
    let got = actual(&report);
    let mut problems = Vec::new();
    let mut remaining = got.clone();
    for e in &ann.expected {
        match remaining.iter().position(|g| g == e) {
            Some(i) => {
                remaining.remove(i);
            }
            None => problems.push(format!("missing   {}:{}: {}", e.0, e.1, e.2)),
        }
    }
    for g in remaining {
        let message = report
            .diagnostics
            .iter()
            .find(|d| d.path == g.0 && d.span.start.line == g.1 && d.rule == g.2)
            .map(|d| d.message.clone())
            .unwrap_or_default();
        problems.push(format!("unexpected {}:{}: {} ({message})", g.0, g.1, g.2));
    }
    problems
}
