//! Adoption features through the real binary, on real crates in temporary
//! folders: suppressions, configuration, baselines, --force-exclude,
//! --statistics, the progress line, and the README's configuration reference.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

mod support;
use support::{scratch, write};

fn leaklint(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leaklint"))
        .args(args)
        .current_dir(cwd)
        .env_remove("NO_COLOR")
        .env_remove("GITHUB_ACTIONS")
        .output()
        .expect("run leaklint")
}

const MANIFEST: &str = "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n";

/// A cycle whose primary span (`owner: Rc<Owner>`) is on line `3 + before.lines()`.
fn cycle(before: &str, on_owner_line: &str) -> String {
    format!(
        "use std::cell::RefCell;\nuse std::rc::Rc;\n{before}pub struct Owner {{\n    gadgets: RefCell<Vec<Rc<Gadget>>>,\n}}\n\npub struct Gadget {{\n    owner: Rc<Owner>,{on_owner_line}\n}}\n"
    )
}

fn crate_with(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = scratch(name);
    write(&dir, "Cargo.toml", MANIFEST);
    for (rel, text) in files {
        write(&dir, rel, text);
    }
    dir
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(o)))
}

fn rules_of(doc: &Value) -> Vec<(String, u64)> {
    doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_string(),
                d["span"]["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

// ---------------------------------------------------------------- suppressions

#[test]
fn allow_on_the_line_or_the_line_above_silences_and_is_counted() {
    let trailing = cycle(
        "",
        " // leaklint: allow(rc-cycle) -- closed by Owner::shutdown",
    );
    let above = cycle("", "").replace(
        "    owner: Rc<Owner>,",
        "    // leaklint: allow(unused-suppression, rc-cycle) -- closed by Owner::shutdown\n    owner: Rc<Owner>,",
    );
    for (name, text) in [("trailing", trailing), ("above", above)] {
        let dir = crate_with(name, &[("src/lib.rs", &text)]);
        let out = leaklint(&["check", "--color", "never"], &dir);
        assert_eq!(out.status.code(), Some(0), "{name}: {}", stdout(&out));
        assert!(
            stdout(&out).contains("0 problems (0 errors, 0 warnings) in 1 file, 1 suppressed"),
            "{name}: {}",
            stdout(&out)
        );
        let shown = leaklint(&["check", "--color", "never", "--show-suppressed"], &dir);
        assert!(
            stdout(&shown).contains("suppressed (1):\n  src/lib.rs:")
                && stdout(&shown).contains("warning[rc-cycle] reference cycle"),
            "{}",
            stdout(&shown)
        );
        let doc = json(&leaklint(&["check", "--format", "json"], &dir));
        assert_eq!(doc["summary"]["suppressed"], 1);
        assert_eq!(doc["summary"]["diagnostics"], 0);
        assert_eq!(doc["suppressed"][0]["rule"], "rc-cycle");
    }
}

#[test]
fn allow_two_lines_above_does_not_reach_and_is_unused() {
    let text = cycle("", "").replace(
        "pub struct Gadget {",
        "// leaklint: allow(rc-cycle) -- too far away\npub struct Gadget {\n",
    );
    let dir = crate_with("far", &[("src/lib.rs", &text)]);
    let doc = json(&leaklint(&["check", "--format", "json"], &dir));
    assert_eq!(
        rules_of(&doc),
        vec![
            ("unused-suppression".to_string(), 7),
            ("rc-cycle".to_string(), 10)
        ]
    );
}

#[test]
fn allow_file_anywhere_and_several_ids() {
    let text = format!(
        "{}\n// leaklint: allow-file(parse-error, rc-cycle) -- graph is torn down in Drop\n",
        cycle("", "")
    );
    let dir = crate_with("file", &[("src/lib.rs", &text)]);
    let out = leaklint(&["check", "--format", "json"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(json(&out)["summary"]["suppressed"], 1);
}

#[test]
fn missing_reason_is_a_finding_but_still_suppresses_and_can_be_ignored() {
    let text = cycle("", " // leaklint: allow(rc-cycle)");
    let dir = crate_with("noreason", &[("src/lib.rs", &text)]);
    let doc = json(&leaklint(&["check", "--format", "json"], &dir));
    assert_eq!(
        rules_of(&doc),
        vec![("suppression-without-reason".to_string(), 8)]
    );
    assert_eq!(doc["summary"]["suppressed"], 1);
    let quiet = leaklint(&["check", "--ignore", "suppression-without-reason"], &dir);
    assert_eq!(quiet.status.code(), Some(0), "{}", stdout(&quiet));
    // ... and through the configuration.
    write(
        &dir,
        "leaklint.toml",
        "[severity]\nsuppression-without-reason = \"note\"\n",
    );
    let doc = json(&leaklint(&["check", "--format", "json"], &dir));
    assert_eq!(doc["diagnostics"][0]["severity"], "note");
}

#[test]
fn unused_suppression_only_when_every_named_rule_ran() {
    let text = "// leaklint: allow(rc-cycle) -- nothing here\npub fn f() {}\n// leaklint: allow(no-such-rule) -- typo\npub fn g() {}\n";
    let dir = crate_with("unused", &[("src/lib.rs", text)]);
    let doc = json(&leaklint(&["check", "--format", "json"], &dir));
    let diags = doc["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 2, "{doc}");
    assert_eq!(diags[0]["rule"], "unused-suppression");
    assert!(
        diags[0]["message"]
            .as_str()
            .unwrap()
            .contains("silenced nothing")
    );
    assert!(
        diags[1]["message"]
            .as_str()
            .unwrap()
            .contains("no rule `no-such-rule`")
    );
    // rc-cycle did not run: its suppression may be needed by a full run.
    let doc = json(&leaklint(
        &["check", "--format", "json", "--ignore", "rc-cycle"],
        &dir,
    ));
    assert_eq!(rules_of(&doc), vec![("unused-suppression".to_string(), 3)]);
}

#[test]
fn a_string_or_doc_comment_is_not_a_suppression() {
    let text = cycle("/// leaklint: allow(rc-cycle) -- docs\n", "");
    let dir = crate_with("doc", &[("src/lib.rs", &text)]);
    let doc = json(&leaklint(&["check", "--format", "json"], &dir));
    assert_eq!(rules_of(&doc), vec![("rc-cycle".to_string(), 9)]);
}

// ---------------------------------------------------------------- configuration

#[test]
fn closest_configuration_wins_and_config_prints_origins() {
    let dir = crate_with("closest", &[("src/lib.rs", &cycle("", ""))]);
    write(&dir, "leaklint.toml", "ignore = [\"rc-cycle\"]\n");
    write(
        &dir,
        "src/leaklint.toml",
        "[severity]\nrc-cycle = \"error\"\n",
    );
    // From the crate root: rc-cycle ignored.
    let out = leaklint(&["check"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    // Checking src/: the closer file wins (and does not ignore it).
    let doc = json(&leaklint(&["check", "src", "--format", "json"], &dir));
    assert_eq!(doc["diagnostics"][0]["severity"], "error");
    let out = leaklint(&["config", "src"], &dir);
    let text = stdout(&out);
    assert!(text.contains("src/leaklint.toml"), "{text}");
    assert!(
        text.contains("severity.rc-cycle = \"error\"  # ") && text.contains("leaklint.toml:2"),
        "{text}"
    );
    assert!(text.contains("ignore = []  # default"), "{text}");
}

#[test]
fn cargo_metadata_sections_configure() {
    let dir = scratch("pkgmeta");
    write(
        &dir,
        "Cargo.toml",
        format!("{MANIFEST}\n[package.metadata.leaklint]\nignore = [\"rc-cycle\"]\n"),
    );
    write(&dir, "src/lib.rs", cycle("", ""));
    let out = leaklint(&["check"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&leaklint(&["config"], &dir)).contains("[package.metadata.leaklint]"));

    let ws = scratch("wsmeta");
    write(
        &ws,
        "Cargo.toml",
        "[workspace]\nmembers = [\"a\"]\n\n[workspace.metadata.leaklint]\nseverity = { rc-cycle = \"error\" }\n",
    );
    write(&ws, "a/Cargo.toml", MANIFEST);
    write(&ws, "a/src/lib.rs", cycle("", ""));
    let doc = json(&leaklint(&["check", "a", "--format", "json"], &ws));
    assert_eq!(doc["diagnostics"][0]["severity"], "error");
    // A bad key in metadata is an error with the Cargo.toml line.
    write(
        &dir,
        "Cargo.toml",
        format!("{MANIFEST}\n[package.metadata.leaklint]\nselect = \"rc-cycle\"\n"),
    );
    let out = leaklint(&["check"], &dir);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("Cargo.toml:7:"), "{}", stderr(&out));
}

#[test]
fn configuration_errors_name_file_line_key_and_the_valid_ones() {
    let dir = crate_with("errors", &[("src/lib.rs", "pub fn f() {}\n")]);
    let cases = [
        (
            "select = [\"rc-cycle\"]\nexlude = [\"gen/\"]\n",
            "leaklint.toml:2: unknown field `exlude`, expected one of `select`, `ignore`, `severity`, `exclude`, `extend-exclude`, `include-tests`, `rules`",
        ),
        ("include-tests = \"yes\"\n", "leaklint.toml:1:"),
        (
            "\nignore = [\"rc-cycel\"]\n",
            "leaklint.toml:2: unknown rule `rc-cycel`; valid rules: closure-cycle, leaked-listener, rc-cycle, unbounded-collection, uncleaned-interval",
        ),
        (
            "[severity]\nrc-cycle = \"loud\"\n",
            "leaklint.toml:2: severity.rc-cycle: unknown severity `loud`; valid: error, warning, note",
        ),
        (
            "[rules.rc-cycle]\nstrongs = [\"a::B\"]\n",
            "leaklint.toml:2: rules.rc-cycle.strongs: unknown table `strongs`; tables of rc-cycle: back_edge_names, interior, strong, weak",
        ),
        (
            "[rules.rc-cycle]\nstrong = \"a::B\"\n",
            "leaklint.toml:2: rules.rc-cycle.strong: wrong type; expected an array",
        ),
        (
            "[rules.rc-cycle]\nstrong = [1]\n",
            "rules.rc-cycle.strong: wrong type; expected an array of strings",
        ),
    ];
    for (config, expected) in cases {
        write(&dir, "leaklint.toml", config);
        let out = leaklint(&["check"], &dir);
        assert_eq!(out.status.code(), Some(2), "{config}");
        assert!(
            stderr(&out).contains(expected),
            "{config}\nwant: {expected}\ngot: {}",
            stderr(&out)
        );
        assert_eq!(leaklint(&["config"], &dir).status.code(), Some(2));
    }
}

#[test]
fn table_extensions_teach_a_rule_a_teams_own_types() {
    let text = "use mylib::Shared;\nuse std::cell::RefCell;\n\npub struct Owner {\n    gadgets: RefCell<Vec<Shared<Gadget>>>,\n}\n\npub struct Gadget {\n    owner: Shared<Owner>,\n}\n";
    let dir = crate_with("tables", &[("src/lib.rs", text)]);
    let out = leaklint(&["check"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    write(
        &dir,
        "leaklint.toml",
        "[rules.rc-cycle]\nstrong = [\"mylib::Shared\"]\n",
    );
    let doc = json(&leaklint(&["check", "--format", "json"], &dir));
    assert_eq!(rules_of(&doc), vec![("rc-cycle".to_string(), 9)]);
    let shown = stdout(&leaklint(&["config"], &dir));
    assert!(
        shown.contains("rules.rc-cycle.strong = + [\"mylib::Shared\"]  # "),
        "{shown}"
    );
}

#[test]
fn select_include_tests_and_explicit_config() {
    let text = format!(
        "pub fn f() {{}}\n\n#[cfg(test)]\nmod tests {{\n{}}}\n",
        cycle("", "")
    );
    let dir = crate_with("tests", &[("src/lib.rs", &text)]);
    assert_eq!(leaklint(&["check"], &dir).status.code(), Some(0));
    write(&dir, "leaklint.toml", "include-tests = true\n");
    assert_eq!(leaklint(&["check"], &dir).status.code(), Some(1));
    write(&dir, "other.toml", "select = [\"parse-error\"]\n");
    let out = leaklint(&["check", "--config", "other.toml"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    // --select on the command line replaces the configured one.
    let out = leaklint(
        &[
            "check",
            "--config",
            "other.toml",
            "--select",
            "rc-cycle",
            "--include-tests",
        ],
        &dir,
    );
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
}

#[test]
fn exclude_and_force_exclude() {
    let dir = crate_with(
        "exclude",
        &[
            ("src/lib.rs", "mod generated;\nmod hand;\n"),
            ("src/generated/mod.rs", &cycle("", "")),
            ("src/hand.rs", &cycle("", "")),
        ],
    );
    write(&dir, "leaklint.toml", "exclude = [\"src/generated/\"]\n");
    let doc = json(&leaklint(&["check", "--format", "json"], &dir));
    let paths: Vec<&str> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, vec!["src/hand.rs"]);
    write(
        &dir,
        "leaklint.toml",
        "exclude = [\"src/generated/\"]\nextend-exclude = [\"hand.rs\"]\n",
    );
    assert_eq!(leaklint(&["check"], &dir).status.code(), Some(0));
    // A named file is checked unless --force-exclude (pre-commit names every changed file).
    let named = leaklint(&["check", "src/hand.rs", "src/generated/mod.rs"], &dir);
    assert_eq!(named.status.code(), Some(1), "{}", stdout(&named));
    let forced = leaklint(
        &[
            "check",
            "--force-exclude",
            "src/hand.rs",
            "src/generated/mod.rs",
        ],
        &dir,
    );
    assert_eq!(forced.status.code(), Some(0), "{}", stdout(&forced));
}

// ---------------------------------------------------------------- baselines

#[test]
fn baseline_hides_known_findings_survives_moves_and_reports_new_and_stale() {
    let dir = crate_with(
        "baseline",
        &[
            ("src/lib.rs", "mod a;\nmod b;\n"),
            ("src/a.rs", &cycle("", "")),
            ("src/b.rs", &cycle("", "")),
        ],
    );
    let out = leaklint(
        &["check", "--write-baseline", "leaklint-baseline.json"],
        &dir,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("wrote 2 findings (2 entries)"),
        "{}",
        stderr(&out)
    );
    let file: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("leaklint-baseline.json")).unwrap())
            .unwrap();
    assert_eq!(file["version"], 1);
    let e = &file["entries"][0];
    assert_eq!(e["rule"], "rc-cycle");
    assert_eq!(e["path"], "src/a.rs");
    assert_eq!(e["item"], "Gadget.owner");
    assert_eq!(e["count"], 1);
    assert_eq!(e["hash"].as_str().unwrap().len(), 16);

    let with = [
        "check",
        "--color",
        "never",
        "--baseline",
        "leaklint-baseline.json",
    ];
    let out = leaklint(&with, &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("0 problems (0 errors, 0 warnings) in 3 files, 2 in the baseline")
    );

    // Lines move and the code is reformatted: still known.
    let moved = cycle("\n// a comment\n\n", "").replace("owner: Rc<Owner>", "owner:   Rc< Owner >");
    write(&dir, "src/a.rs", &moved);
    let out = leaklint(&with, &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));

    // A new leak is reported; a fixed one leaves a stale entry.
    write(&dir, "src/b.rs", "pub fn fixed() {}\n");
    write(&dir, "src/c.rs", cycle("", ""));
    write(&dir, "src/lib.rs", "mod a;\nmod b;\nmod c;\n");
    let out = leaklint(
        &[
            "check",
            "--format",
            "json",
            "--baseline",
            "leaklint-baseline.json",
        ],
        &dir,
    );
    assert_eq!(out.status.code(), Some(1));
    let doc = json(&out);
    assert_eq!(doc["diagnostics"].as_array().unwrap().len(), 1);
    assert_eq!(doc["diagnostics"][0]["path"], "src/c.rs");
    assert_eq!(doc["summary"]["baselined"], 1);
    let err = stderr(&out);
    assert!(
        err.contains("stale baseline entry: rc-cycle in src/b.rs"),
        "{err}"
    );
    assert!(err.contains("--prune-baseline"), "{err}");

    // Checking some files only (pre-commit): other files' entries are not stale.
    let out = leaklint(
        &["check", "--baseline", "leaklint-baseline.json", "src/a.rs"],
        &dir,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(!stderr(&out).contains("stale"), "{}", stderr(&out));

    let out = leaklint(
        &[
            "check",
            "--baseline",
            "leaklint-baseline.json",
            "--prune-baseline",
        ],
        &dir,
    );
    assert!(
        stderr(&out).contains("pruned 1 stale entry"),
        "{}",
        stderr(&out)
    );
    let file: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("leaklint-baseline.json")).unwrap())
            .unwrap();
    assert_eq!(file["entries"].as_array().unwrap().len(), 1);
    assert_eq!(file["entries"][0]["path"], "src/a.rs");
}

#[test]
fn baseline_counts_copies() {
    let two = format!(
        "{}\nmod inner {{\n{}}}\n",
        cycle("", ""),
        cycle("", "").replace("use std", "    use std")
    );
    let dir = crate_with("copies", &[("src/lib.rs", &cycle("", ""))]);
    leaklint(&["check", "--write-baseline", "b.json"], &dir);
    write(&dir, "src/lib.rs", &two);
    let doc = json(&leaklint(
        &["check", "--format", "json", "--baseline", "b.json"],
        &dir,
    ));
    assert_eq!(doc["diagnostics"].as_array().unwrap().len(), 1, "{doc}");
    assert_eq!(doc["summary"]["baselined"], 1);
}

#[test]
fn baseline_tells_the_same_code_in_two_items_apart() {
    // The same field text in two structs (two cycles): two entries, by item name.
    let module = |name: &str, holder: &str| {
        format!(
            "mod {name} {{\n    use std::cell::RefCell;\n    use std::rc::Rc;\n    pub struct Owner {{\n        held: RefCell<Vec<Rc<{holder}>>>,\n    }}\n    pub struct {holder} {{\n        owner: Rc<Owner>,\n    }}\n}}\n"
        )
    };
    let text = format!("{}{}", module("a", "Gadget"), module("b", "Widget"));
    let dir = crate_with("items", &[("src/lib.rs", &text)]);
    leaklint(&["check", "--write-baseline", "b.json"], &dir);
    let file: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("b.json")).unwrap()).unwrap();
    let items: Vec<&str> = file["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["item"].as_str().unwrap())
        .collect();
    assert_eq!(items, vec!["Gadget.owner", "Widget.owner"]);
    // Fixing one and adding the same code in a third item: the new one is not
    // hidden by the fixed one's entry, which is stale.
    let changed = format!(
        "{}{}{}",
        module("a", "Gadget").replace("owner: Rc<Owner>", "owner: std::rc::Weak<Owner>"),
        module("b", "Widget"),
        module("c", "Thing")
    );
    write(&dir, "src/lib.rs", &changed);
    let out = leaklint(&["check", "--format", "json", "--baseline", "b.json"], &dir);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let doc = json(&out);
    assert_eq!(doc["diagnostics"].as_array().unwrap().len(), 1);
    assert!(
        doc["diagnostics"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Thing.owner")
    );
    assert!(stderr(&out).contains("stale baseline entry: rc-cycle in src/lib.rs"));
}

#[test]
fn a_broken_baseline_is_a_usage_error() {
    let dir = crate_with("badbase", &[("src/lib.rs", "pub fn f() {}\n")]);
    write(
        &dir,
        "b.json",
        "{\"version\": 1, \"entries\": [{\"rule\": 3}]}",
    );
    let out = leaklint(&["check", "--baseline", "b.json"], &dir);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("b.json:1: not a leaklint baseline"),
        "{}",
        stderr(&out)
    );
    let out = leaklint(&["check", "--baseline", "missing.json"], &dir);
    assert_eq!(out.status.code(), Some(2));
}

// ---------------------------------------------------------------- statistics, progress

#[test]
fn statistics_counts_per_rule() {
    let dir = crate_with(
        "stats",
        &[
            (
                "src/lib.rs",
                "mod a;\nmod b;\n// leaklint: allow(rc-cycle)\nfn f() {}\n",
            ),
            ("src/a.rs", &cycle("", "")),
            ("src/b.rs", &cycle("", "")),
        ],
    );
    let out = leaklint(&["check", "--statistics"], &dir);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["2", "rc-cycle", "warning"],
        "{text}"
    );
    assert!(lines[1].contains("suppression-without-reason"), "{text}");
    assert!(lines[2].contains("unused-suppression"), "{text}");
    assert!(!text.contains("┌─"), "{text}");
    let doc = json(&leaklint(
        &["check", "--statistics", "--format", "json"],
        &dir,
    ));
    assert_eq!(doc["rc-cycle"], 2);
}

#[test]
fn no_progress_line_when_stderr_is_not_a_terminal() {
    let dir = crate_with("progress", &[("src/lib.rs", &cycle("", ""))]);
    let out = leaklint(&["check"], &dir);
    assert_eq!(stderr(&out), "");
}

// ---------------------------------------------------------------- README

#[test]
fn readme_configuration_reference_is_the_codes() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let out = leaklint(
        &["config", "--reference"],
        Path::new(env!("CARGO_MANIFEST_DIR")),
    );
    let reference = stdout(&out);
    assert!(reference.contains("| `extend-exclude` |"));
    assert!(
        readme.contains(&reference),
        "README.md's configuration reference differs from `leaklint config --reference`:\n{reference}"
    );
    for id in ["suppression-without-reason", "unused-suppression"] {
        assert!(readme.contains(id), "README does not mention {id}");
    }
}

#[test]
fn progress_line_on_a_terminal_only() {
    if Command::new("script").arg("--version").output().is_err() {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: progress on a terminal: `script` (util-linux) is not installed"
        );
        return;
    }
    // Enough files that the run outlasts the (shortened) delay.
    let dir = crate_with("tty", &[("src/lib.rs", &cycle("", ""))]);
    for i in 0..400 {
        write(&dir, &format!("src/m{i}.rs"), cycle("", ""));
    }
    let bin = env!("CARGO_BIN_EXE_leaklint");
    let on_tty = |args: &str| {
        let out = Command::new("script")
            .args(["-qec", &format!("{bin} check -j1 {args}"), "/dev/null"])
            .current_dir(&dir)
            .env("LEAKLINT_PROGRESS_DELAY_MS", "0")
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let human = on_tty("--color never");
    assert!(human.contains("files analyzed"), "{human}");
    assert!(human.contains("/401 files analyzed"), "{human}");
    let machine = on_tty("--format json");
    assert!(!machine.contains("files analyzed"), "{machine}");
    let piped = Command::new(bin)
        .args(["check", "-j1"])
        .current_dir(&dir)
        .env("LEAKLINT_PROGRESS_DELAY_MS", "0")
        .output()
        .unwrap();
    assert!(!stderr(&piped).contains("files analyzed"));
}

#[test]
fn a_suppression_holds_when_only_the_labelled_file_is_checked() {
    let owner = "use std::cell::RefCell;\nuse std::rc::Rc;\n\npub struct Owner {\n    pub gadgets: RefCell<Vec<Rc<crate::gadget::Gadget>>>,\n}\n";
    let gadget = "use std::rc::Rc;\n\npub struct Gadget {\n    // leaklint: allow(rc-cycle) -- Owner::close empties gadgets\n    owner: Rc<crate::owner::Owner>,\n}\n";
    let dir = crate_with(
        "label",
        &[
            ("src/lib.rs", "pub mod gadget;\npub mod owner;\n"),
            ("src/owner.rs", owner),
            ("src/gadget.rs", gadget),
        ],
    );
    for args in [&["check"][..], &["check", "src/owner.rs"][..]] {
        let out = leaklint(args, &dir);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stdout(&out));
    }
    let without = gadget.replace(
        "    // leaklint: allow(rc-cycle) -- Owner::close empties gadgets\n",
        "",
    );
    write(&dir, "src/gadget.rs", &without);
    let out = leaklint(&["check", "src/owner.rs"], &dir);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
}

#[test]
fn a_suppression_in_skipped_test_code_is_not_called_unused() {
    let text = format!(
        "pub fn f() {{}}\n\n#[cfg(test)]\nmod tests {{\n{}}}\n",
        cycle("", " // leaklint: allow(rc-cycle) -- test fixture graph")
    );
    let dir = crate_with("testsupp", &[("src/lib.rs", &text)]);
    let out = leaklint(&["check"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let out = leaklint(&["check", "--include-tests", "--format", "json"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(json(&out)["summary"]["suppressed"], 1);
    // Without a reason it is still reported: the comment is read either way.
    write(
        &dir,
        "src/lib.rs",
        text.replace(" -- test fixture graph", ""),
    );
    let doc = json(&leaklint(&["check", "--format", "json"], &dir));
    assert_eq!(
        rules_of(&doc),
        vec![("suppression-without-reason".to_string(), 12)]
    );
}

#[test]
fn explain_knows_the_suppression_ids() {
    let dir = scratch("explain");
    for id in ["suppression-without-reason", "unused-suppression"] {
        let out = leaklint(&["explain", id], &dir);
        assert_eq!(out.status.code(), Some(0));
        assert!(stdout(&out).starts_with(id), "{}", stdout(&out));
        assert!(stdout(&out).contains("// leaklint: allow(rule-id, ...) -- reason"));
    }
}
