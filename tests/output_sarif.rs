//! Every fixture's SARIF, validated by Microsoft's SARIF multitool (npm
//! `@microsoft/sarif-multitool`): the SARIF 2.1.0 JSON schema, the SARIF
//! rules, and the GitHub code scanning ingestion rules (`--rule-kind Gh`).
//!
//! `.ci/run` installs the tool and sets `LEAKLINT_SARIF_MULTITOOL` to its
//! executable; then a missing or failing tool fails this test. Without the
//! variable the test looks in `.ci/run`'s install folder and, if the tool is
//! not there, says why it skips.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use leaklint::render::{self, Context, Format};
use serde_json::Value;

/// Where `.ci/run` installs the npm package.
fn install_dir() -> PathBuf {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    cache.join("leaklint-ci/npm")
}

fn multitool() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("LEAKLINT_SARIF_MULTITOOL") {
        return Ok(PathBuf::from(path));
    }
    let package = install_dir().join("node_modules/@microsoft/sarif-multitool");
    if !package.is_dir() {
        return Err(format!(
            "{} is not installed (.ci/run installs it: npm install --prefix {} @microsoft/sarif-multitool)",
            package.display(),
            install_dir().display()
        ));
    }
    // The package's main module names the platform's native executable.
    let out = Command::new("node")
        .arg("-p")
        .arg(format!("require({:?})", package.to_string_lossy()))
        .output()
        .map_err(|e| format!("cannot run node to locate the multitool: {e}"))?;
    let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if !out.status.success() || path.is_empty() {
        return Err(format!(
            "node could not locate the multitool: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(PathBuf::from(path))
}

fn fixture_entries() -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for rule in leaklint::rules::registry() {
        let dir = Path::new("fixtures").join(rule.id());
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir() || p.extension().is_some_and(|e| e == "rs"))
            .collect();
        entries.sort();
        out.extend(entries.into_iter().map(|e| (rule.id().to_string(), e)));
    }
    out
}

/// Values the multitool's schema check lets through (it does not check enums).
fn check_enums(name: &str, doc: &Value) {
    let run = &doc["runs"][0];
    assert_eq!(doc["version"], "2.1.0", "{name}");
    assert_eq!(run["columnKind"], "unicodeCodePoints", "{name}");
    let levels = ["none", "note", "warning", "error"];
    for r in run["results"].as_array().unwrap() {
        assert!(
            levels.contains(&r["level"].as_str().unwrap()),
            "{name}: {r}"
        );
    }
    for d in run["tool"]["driver"]["rules"].as_array().unwrap() {
        let level = d["defaultConfiguration"]["level"].as_str().unwrap();
        assert!(levels.contains(&level), "{name}: {d}");
    }
}

#[test]
fn every_fixture_gives_sarif_the_multitool_accepts() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cx = Context {
        cwd: root.to_path_buf(),
        repo_root: Some(root.to_path_buf()),
    };
    let out_dir = std::env::temp_dir().join(format!("leaklint-sarif-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out_dir);
    std::fs::create_dir_all(&out_dir).unwrap();

    let mut files = Vec::new();
    let mut results = 0;
    let mut with_related = 0;
    let mut write = |name: String, report: &leaklint::engine::Report| {
        let text = render::render(Format::Sarif, report, &cx);
        let doc: Value = serde_json::from_str(&text).unwrap();
        check_enums(&name, &doc);
        let rs = doc["runs"][0]["results"].as_array().unwrap();
        results += rs.len();
        with_related += rs
            .iter()
            .filter(|r| r["relatedLocations"].is_array())
            .count();
        let path = out_dir.join(format!("{name}.sarif"));
        std::fs::write(&path, text).unwrap();
        files.push(path);
    };
    for (i, (rule, entry)) in fixture_entries().into_iter().enumerate() {
        let ann = support::annotations(&entry);
        let mut select = vec![rule.clone(), "parse-error".into(), "internal-error".into()];
        select.extend(ann.extra_rules);
        let report = support::run(std::slice::from_ref(&entry), select, ann.include_tests);
        let stem = entry.file_stem().unwrap().to_string_lossy().into_owned();
        write(format!("{i:03}-{rule}-{stem}"), &report);
    }
    // A parse error (an empty region) and a run with nothing found.
    let broken = out_dir.join("broken.rs");
    std::fs::write(&broken, "fn broken( {\n").unwrap();
    let report = support::run(&[broken], vec!["parse-error".into()], false);
    assert_eq!(report.parse_errors(), 1);
    write("parse-error".into(), &report);
    // A span that is a whole line: no context region can be larger.
    let whole = out_dir.join("whole_line.rs");
    std::fs::write(
        &whole,
        "use std::cell::RefCell;\nuse std::rc::Rc;\npub struct Owner {\n    gadgets: RefCell<Vec<Rc<Gadget>>>,\n}\npub struct Gadget {\nowner: Rc<Owner>\n}\n",
    )
    .unwrap();
    let report = support::run(&[whole], vec!["rc-cycle".into()], false);
    assert_eq!(report.diagnostics.len(), 1);
    assert_eq!(report.diagnostics[0].span.start.column, 1);
    write("whole-line".into(), &report);
    let clean = out_dir.join("clean.rs");
    std::fs::write(&clean, "pub fn f() {}\n").unwrap();
    write(
        "clean".into(),
        &support::run(&[clean], vec!["rc-cycle".into()], false),
    );
    assert!(
        results > 0 && with_related > 0,
        "fixtures give results with related locations"
    );

    let tool = match multitool() {
        Ok(tool) => tool,
        Err(reason) => {
            eprintln!("SKIPPED: SARIF multitool validation: {reason}");
            return;
        }
    };
    let log = out_dir.join("validation.sarif");
    // Files first: the tool's list options would take the files as more values.
    let output = Command::new(&tool)
        .arg("validate")
        .args(&files)
        .args(["--rule-kind", "Sarif;Gh", "--level", "Error;Warning"])
        .args(["--log", "ForceOverwrite", "--output"])
        .arg(&log)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", tool.display()));
    let console = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "multitool failed: {console}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let log: Value = serde_json::from_str(&std::fs::read_to_string(&log).unwrap()).unwrap();
    let problems = log["runs"][0]["results"].as_array().unwrap();
    assert!(
        problems.is_empty(),
        "the multitool rejects leaklint's SARIF:\n{console}"
    );
    assert!(
        console.contains(&format!("Done. {} files scanned.", files.len())),
        "{console}"
    );
    let _ = std::fs::remove_dir_all(&out_dir);
}
