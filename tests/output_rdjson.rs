//! Every fixture's `rdjson` and `rdjsonl`, validated against the Reviewdog
//! Diagnostic Format by an independent validator (npm
//! `@umbrelladocs/rdformat-validator`, strict, no fields outside the spec).
//!
//! `.ci/run` installs it and sets `LEAKLINT_RDFORMAT_VALIDATOR`; then a
//! missing or failing validator fails this test. Without the variable the
//! test looks in `.ci/run`'s install folder and, if it is not there, says why
//! it skips.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use leaklint::render::{self, Context, Format};
use serde_json::Value;

fn validator() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("LEAKLINT_RDFORMAT_VALIDATOR") {
        return Ok(PathBuf::from(path));
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    let script = cache.join(
        "leaklint-ci/npm/node_modules/@umbrelladocs/rdformat-validator/bin/rdformat-validator.js",
    );
    if script.is_file() {
        Ok(script)
    } else {
        Err(format!(
            "{} is not installed (.ci/run installs it with npm)",
            script.display()
        ))
    }
}

#[test]
fn every_fixture_gives_rdjson_the_validator_accepts() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cx = Context {
        cwd: root.to_path_buf(),
        repo_root: Some(root.to_path_buf()),
    };
    let out_dir = std::env::temp_dir().join(format!("leaklint-rdjson-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out_dir);
    std::fs::create_dir_all(&out_dir).unwrap();

    let mut files = Vec::new();
    let mut diagnostics = 0;
    for rule in leaklint::rules::registry() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(Path::new("fixtures").join(rule.id()))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir() || p.extension().is_some_and(|e| e == "rs"))
            .collect();
        entries.sort();
        for (i, entry) in entries.iter().enumerate() {
            let ann = support::annotations(entry);
            let mut select = vec![rule.id().to_string(), "parse-error".into()];
            select.extend(ann.extra_rules);
            let report = support::run(std::slice::from_ref(entry), select, ann.include_tests);
            let name = format!("{}-{i:02}", rule.id());
            let doc = render::render(Format::Rdjson, &report, &cx);
            let parsed: Value = serde_json::from_str(&doc).unwrap();
            diagnostics += parsed["diagnostics"].as_array().unwrap().len();
            files.push(out_dir.join(format!("{name}.json")));
            std::fs::write(files.last().unwrap(), doc).unwrap();
            // The validator reads one JSON value a file: one file per rdjsonl line.
            let lines = render::render(Format::Rdjsonl, &report, &cx);
            for (n, line) in lines.lines().enumerate() {
                files.push(out_dir.join(format!("{name}-line{n}.json")));
                std::fs::write(files.last().unwrap(), line).unwrap();
            }
        }
    }
    assert!(diagnostics > 0);

    let script = match validator() {
        Ok(s) => s,
        Err(reason) => {
            eprintln!("SKIPPED: rdjson validation: {reason}");
            return;
        }
    };
    let output = Command::new("node")
        .arg(&script)
        .args(["--strict", "--no-extra-fields", "--format", "json"])
        .args(&files)
        .output()
        .unwrap_or_else(|e| panic!("cannot run node {}: {e}", script.display()));
    let text = String::from_utf8_lossy(&output.stdout);
    let result: Value = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "validator output is not JSON ({e}): {text}{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    assert_eq!(result["filesProcessed"], files.len(), "{text}");
    assert_eq!(
        result["invalidFiles"], 0,
        "the validator rejects leaklint's rdjson: {text}"
    );
    assert!(output.status.success(), "{text}");
    let _ = std::fs::remove_dir_all(&out_dir);
}
