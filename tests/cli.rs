//! The real binary: exit codes, JSON schema, bad input, rule selection,
//! determinism across thread counts, and deep nesting.

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
        .output()
        .expect("run leaklint")
}

const CYCLE: &str = "use std::cell::RefCell;\nuse std::rc::Rc;\n\npub struct Owner {\n    gadgets: RefCell<Vec<Rc<Gadget>>>,\n}\n\npub struct Gadget {\n    owner: Rc<Owner>,\n}\n";
const CLEAN: &str = "pub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n";

fn crate_with(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = scratch(name);
    write(
        &dir,
        "Cargo.toml",
        "[package]\nname = \"demo\"\nversion = \"0.1.0\"\n",
    );
    for (rel, text) in files {
        write(&dir, rel, text);
    }
    dir
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(o)))
}

#[test]
fn exit_codes() {
    let clean = crate_with("clean", &[("src/lib.rs", CLEAN)]);
    assert_eq!(leaklint(&["check"], &clean).status.code(), Some(0));
    let leaky = crate_with("leaky", &[("src/lib.rs", CYCLE)]);
    let out = leaklint(&["check", "--color", "never"], &leaky);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("warning[rc-cycle]"),
        "{}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains("1 problem (0 errors, 1 warning) in 1 file"),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        leaklint(&["check", "--exit-zero"], &leaky).status.code(),
        Some(0)
    );

    let missing = leaklint(&["check", "no/such/path"], &clean);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no/such/path"));
    let bad_rule = leaklint(&["check", "--select", "no-such-rule"], &clean);
    assert_eq!(bad_rule.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad_rule.stderr).contains("rc-cycle"),
        "lists the valid rules"
    );
    assert_eq!(
        leaklint(&["check", "--no-such-flag"], &clean).status.code(),
        Some(2)
    );
    assert_eq!(
        leaklint(&["explain", "no-such-rule"], &clean).status.code(),
        Some(2)
    );
}

#[test]
fn json_matches_the_documented_schema() {
    let dir = crate_with("json", &[("src/lib.rs", CYCLE), ("src/other.rs", CLEAN)]);
    let out = leaklint(&["check", "--format", "json"], &dir);
    assert_eq!(out.status.code(), Some(1));
    let doc = json(&out);
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["tool"]["name"], "leaklint");
    assert_eq!(doc["tool"]["version"], env!("CARGO_PKG_VERSION"));
    let diags = doc["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 1);
    let d = &diags[0];
    assert_eq!(d["rule"], "rc-cycle");
    assert_eq!(d["severity"], "warning");
    assert_eq!(d["path"], "src/lib.rs");
    assert_eq!(d["span"]["start"]["line"], 9);
    assert_eq!(d["span"]["start"]["column"], 5);
    let start = d["span"]["start"]["offset"].as_u64().unwrap() as usize;
    let end = d["span"]["end"]["offset"].as_u64().unwrap() as usize;
    assert_eq!(&CYCLE[start..end], "owner: Rc<Owner>");
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .contains("Gadget.owner -> Owner -> Owner.gadgets -> Gadget")
    );
    let label = &d["labels"][0];
    assert_eq!(label["path"], "src/lib.rs");
    assert_eq!(label["span"]["start"]["line"], 5);
    assert!(label["message"].is_string());
    assert!(d["notes"].as_array().unwrap().iter().all(Value::is_string));
    assert!(d["help"].is_string() || d["help"].is_null());
    let fp = d["fingerprint"].as_str().unwrap();
    assert!(
        fp.len() == 16 && fp.chars().all(|c| c.is_ascii_hexdigit()),
        "{fp}"
    );
    let s = &doc["summary"];
    for key in [
        "files",
        "diagnostics",
        "errors",
        "warnings",
        "notes",
        "parse_errors",
        "elapsed_ms",
    ] {
        assert!(s[key].is_u64(), "summary.{key}");
    }
    assert_eq!(s["files"], 2);
    assert_eq!(s["warnings"], 1);
}

#[test]
fn fingerprints_survive_lines_moving() {
    let a = crate_with("fp-a", &[("src/lib.rs", CYCLE)]);
    let b = crate_with(
        "fp-b",
        &[("src/lib.rs", &format!("// a comment\n\n{CYCLE}"))],
    );
    let fp = |dir: &Path| {
        json(&leaklint(&["check", "--format", "json"], dir))["diagnostics"][0]["fingerprint"]
            .clone()
    };
    assert_eq!(fp(&a), fp(&b));
}

#[test]
fn one_bad_file_does_not_hide_the_others() {
    let dir = crate_with(
        "bad-input",
        &[
            ("src/lib.rs", CYCLE),
            ("src/broken.rs", "fn main( {\n"),
            ("src/ok.rs", CLEAN),
        ],
    );
    write(&dir, "src/latin1.rs", b"// caf\xe9\nfn f() {}\n");
    let doc = json(&leaklint(&["check", "--format", "json"], &dir));
    let rules: Vec<(String, String)> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_string(),
                d["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        rules.contains(&("src/broken.rs".into(), "parse-error".into())),
        "{rules:?}"
    );
    assert!(
        rules.contains(&("src/latin1.rs".into(), "parse-error".into())),
        "{rules:?}"
    );
    assert!(
        rules.contains(&("src/lib.rs".into(), "rc-cycle".into())),
        "{rules:?}"
    );
    assert_eq!(doc["summary"]["parse_errors"], 2);
    assert_eq!(doc["summary"]["files"], 4);
    let latin1 = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["path"] == "src/latin1.rs")
        .unwrap();
    assert_eq!(latin1["severity"], "error");
    assert_eq!(latin1["span"]["start"]["line"], 1);
}

#[test]
fn select_and_ignore() {
    let dir = crate_with(
        "select",
        &[("src/lib.rs", CYCLE), ("src/broken.rs", "fn (")],
    );
    let count = |args: &[&str]| {
        let mut all = vec!["check", "--format", "json"];
        all.extend_from_slice(args);
        json(&leaklint(&all, &dir))["diagnostics"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(count(&[]), 2);
    assert_eq!(count(&["--select", "rc-cycle"]), 1);
    assert_eq!(count(&["--ignore", "rc-cycle"]), 1);
    assert_eq!(count(&["--ignore", "rc-cycle,parse-error"]), 0);
}

#[test]
fn same_output_at_any_thread_count() {
    let mut files: Vec<(String, String)> = Vec::new();
    for i in 0..40 {
        let text = CYCLE
            .replace("Owner", &format!("Owner{i}"))
            .replace("Gadget", &format!("Gadget{i}"));
        files.push((format!("src/m{i}.rs"), text));
    }
    files.push(("src/broken.rs".into(), "struct {".into()));
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let dir = crate_with("threads", &refs);
    let human = |j: &str| stdout(&leaklint(&["check", "--color", "never", "-j", j], &dir));
    assert_eq!(human("1"), human("2"));
    assert_eq!(human("1"), human("8"));
    let without_time = |j: &str| {
        let mut doc = json(&leaklint(&["check", "--format", "json", "-j", j], &dir));
        doc["summary"]["elapsed_ms"] = Value::Null;
        doc
    };
    assert_eq!(without_time("1"), without_time("2"));
}

#[test]
fn deep_nesting_does_not_overflow() {
    let depth = 10_000;
    let parens = format!(
        "fn f() -> u32 {{ {}1{} }}\n",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    let blocks = format!(
        "fn g() {{ {}{} }}\n",
        "{ ".repeat(depth),
        "} ".repeat(depth)
    );
    let dir = crate_with(
        "deep",
        &[
            ("src/parens.rs", &parens),
            ("src/blocks.rs", &blocks),
            ("src/lib.rs", CYCLE),
        ],
    );
    for j in ["1", "2"] {
        let out = leaklint(&["check", "--format", "json", "-j", j], &dir);
        assert_eq!(
            out.status.code(),
            Some(1),
            "stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let doc = json(&out);
        assert!(
            doc["diagnostics"]
                .as_array()
                .unwrap()
                .iter()
                .all(|d| d["rule"] != "internal-error"),
            "{doc}"
        );
        assert_eq!(
            doc["diagnostics"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| d["rule"] == "rc-cycle")
                .count(),
            1
        );
    }
}

#[test]
fn test_code_is_skipped_unless_asked() {
    let dir = crate_with(
        "tests-skip",
        &[
            ("src/lib.rs", CLEAN),
            ("tests/it.rs", CYCLE),
            ("benches/b.rs", CYCLE),
        ],
    );
    assert_eq!(leaklint(&["check"], &dir).status.code(), Some(0));
    let doc = json(&leaklint(
        &["check", "--format", "json", "--include-tests"],
        &dir,
    ));
    assert_eq!(doc["diagnostics"].as_array().unwrap().len(), 2);
    // A file named explicitly is always checked.
    assert_eq!(
        leaklint(&["check", "tests/it.rs"], &dir).status.code(),
        Some(1)
    );
}

#[test]
fn named_file_reads_its_crate_but_reports_only_itself() {
    let dir = crate_with(
        "pre-commit",
        &[
            (
                "src/lib.rs",
                "mod model;\nuse std::cell::RefCell;\nuse std::rc::Rc;\nuse crate::model::Gadget;\npub struct Owner {\n    gadgets: RefCell<Vec<Gadget>>,\n}\n",
            ),
            (
                "src/model.rs",
                "use std::rc::Rc;\nuse crate::Owner;\npub struct Gadget {\n    owner: Rc<Owner>,\n}\n",
            ),
            ("src/unrelated.rs", CLEAN),
        ],
    );
    let doc = json(&leaklint(
        &["check", "--format", "json", "src/model.rs"],
        &dir,
    ));
    assert_eq!(doc["summary"]["files"], 1);
    let diags = doc["diagnostics"].as_array().unwrap();
    assert_eq!(
        diags.len(),
        1,
        "the cycle across two files is found from one"
    );
    assert_eq!(diags[0]["path"], "src/model.rs");
    assert_eq!(diags[0]["labels"][0]["path"], "src/lib.rs");
    assert_eq!(
        leaklint(&["check", "src/unrelated.rs"], &dir).status.code(),
        Some(0)
    );
}

#[test]
fn a_file_without_a_manifest_is_its_own_crate() {
    let dir = scratch("no-manifest");
    write(
        &dir,
        "a.rs",
        "use std::cell::RefCell;\nuse std::rc::Rc;\npub struct Owner {\n    gadgets: RefCell<Vec<Rc<Gadget>>>,\n}\n",
    );
    write(
        &dir,
        "b.rs",
        "use std::rc::Rc;\npub struct Gadget {\n    owner: Rc<Owner>,\n}\n",
    );
    assert_eq!(
        leaklint(&["check", "a.rs"], &dir).status.code(),
        Some(0),
        "never widen to sibling files"
    );
    assert_eq!(
        leaklint(&["check", "."], &dir).status.code(),
        Some(1),
        "the named folder is one crate"
    );
}

#[test]
fn rules_and_explain() {
    let here = std::env::temp_dir();
    let list = stdout(&leaklint(&["rules"], &here));
    assert!(
        list.lines()
            .any(|l| l.starts_with("rc-cycle") && l.contains("warning")),
        "{list}"
    );
    let text = stdout(&leaklint(&["explain", "rc-cycle"], &here));
    for section in [
        "What it finds",
        "Why it is bad",
        "Known limits",
        "Bad",
        "Good",
        "Weak<Owner>",
    ] {
        assert!(text.contains(section), "explain lacks {section}:\n{text}");
    }
}

#[test]
fn human_rendering_snapshot() {
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rc-cycle/two_files_arc_mutex");
    let out = leaklint(&["check", "--color", "never", "."], &fixture);
    let got = stdout(&out);
    let snapshot =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/rc-cycle-two-files.txt");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&snapshot, &got).unwrap();
    }
    let want =
        std::fs::read_to_string(&snapshot).expect("snapshot exists (UPDATE_SNAPSHOTS=1 writes it)");
    assert_eq!(
        got, want,
        "human output changed; rerun with UPDATE_SNAPSHOTS=1 if intended"
    );
}

#[test]
fn color_is_off_for_pipes_and_no_color() {
    let dir = crate_with("color", &[("src/lib.rs", CYCLE)]);
    assert!(
        !stdout(&leaklint(&["check"], &dir)).contains('\u{1b}'),
        "auto: a pipe gets no color"
    );
    assert!(stdout(&leaklint(&["check", "--color", "always"], &dir)).contains('\u{1b}'));
}

/// What a full check leaves unparsed or unwalked changes no diagnostic: every
/// fixture gives the same report as a run that skips nothing (`--no-skip`),
/// with and without `--include-tests`.
#[test]
fn skips_change_no_diagnostic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let run = |extra: &[&str]| {
        let mut args = vec![
            "check",
            "fixtures",
            "--format",
            "json",
            "--exit-zero",
            "--no-cache",
        ];
        args.extend_from_slice(extra);
        let mut doc = json(&leaklint(&args, root));
        doc["summary"]["elapsed_ms"] = Value::Null;
        doc
    };
    for tests in [&[][..], &["--include-tests"][..]] {
        let full = run(tests);
        assert!(
            full["diagnostics"].as_array().unwrap().len() > 100,
            "{full}"
        );
        let mut reference = tests.to_vec();
        reference.push("--no-skip");
        assert_eq!(full, run(&reference), "with {tests:?}");
    }
}
