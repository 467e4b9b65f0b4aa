//! The output formats through the real binary: golden files for every format
//! on a fixture crate, escaping of awkward messages and paths, `--output`
//! writing the same findings in every format, the GitHub Actions default,
//! and `--stdin-filename` for editors.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use leaklint::diagnostic::{Diagnostic, Position, ResolvedLabel, Severity, Span};
use leaklint::engine::Report;
use leaklint::render::{self, Context, Format};
use serde_json::Value;

mod support;
use support::{scratch, write};

const SELECT: &str = "rc-cycle,parse-error,internal-error";

fn leaklint_with(args: &[&str], cwd: &Path, env: &[(&str, &str)], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_leaklint"));
    cmd.args(args)
        .current_dir(cwd)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("NO_COLOR")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("run leaklint");
    if let Some(text) = stdin {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    child.wait_with_output().unwrap()
}

fn leaklint(args: &[&str], cwd: &Path) -> Output {
    leaklint_with(args, cwd, &[], None)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

const UNICODE: &str = "use std::cell::RefCell;\nuse std::rc::Rc;\n\n/// Café: its house owns it.\npub struct Café {\n    /* ünï */ parent: Rc<Maison>,\n}\n\npub struct Maison {\n    cafés: RefCell<Vec<Rc<Café>>>,\n}\n";

/// A repository (a `.git` folder marks its root) holding one crate: the
/// `two_files_arc_mutex` fixture, a cycle behind non-ASCII text, and a file
/// that does not parse.
fn demo_repo(name: &str) -> PathBuf {
    let dir = scratch(name);
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    write(
        &dir,
        "Cargo.toml",
        "[package]\nname = \"demo-crate\"\nversion = \"0.3.1\"\nedition = \"2021\"\n",
    );
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rc-cycle/two_files_arc_mutex/src");
    for file in ["lib.rs", "session.rs"] {
        let text = std::fs::read_to_string(fixture.join(file)).unwrap();
        write(&dir, &format!("src/{file}"), &text);
    }
    write(&dir, "src/unicode.rs", UNICODE);
    write(&dir, "src/broken.rs", "fn broken( {\n");
    dir
}

fn root_text(dir: &Path) -> String {
    dir.to_string_lossy().into_owned()
}

/// Golden text of one format; `UPDATE_SNAPSHOTS=1` rewrites it.
fn assert_golden(name: &str, got: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/snapshots/{name}"));
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, got).unwrap();
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{} missing (UPDATE_SNAPSHOTS=1 writes it)", path.display()));
    assert_eq!(
        got, want,
        "{name} changed; rerun with UPDATE_SNAPSHOTS=1 if intended"
    );
}

fn run_format(dir: &Path, format: &str) -> String {
    let out = leaklint(&["check", "--select", SELECT, "--format", format], dir);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{format}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout(&out).replace(&root_text(dir), "$ROOT")
}

#[test]
fn golden_files_for_every_format() {
    let dir = demo_repo("golden");
    for (format, file) in [
        ("concise", "output-concise.txt"),
        ("github", "output-github.txt"),
        ("gitlab", "output-gitlab.json"),
        ("rdjson", "output-rdjson.json"),
        ("rdjsonl", "output-rdjsonl.jsonl"),
        ("rustc-json", "output-rustc-json.jsonl"),
    ] {
        assert_golden(file, &run_format(&dir, format));
    }
    // rules[] and ruleIndex grow with every new rule: checked below, not frozen here.
    let mut sarif: Value = serde_json::from_str(&run_format(&dir, "sarif")).unwrap();
    let run = &mut sarif["runs"][0];
    run["tool"]["driver"]["rules"] =
        Value::String("(checked by sarif_rules_come_from_the_registry)".into());
    for result in run["results"].as_array_mut().unwrap() {
        result.as_object_mut().unwrap().remove("ruleIndex");
    }
    assert_golden(
        "output-sarif.json",
        &(serde_json::to_string_pretty(&sarif).unwrap() + "\n"),
    );
}

#[test]
fn sarif_rules_come_from_the_registry() {
    let dir = demo_repo("sarif-rules");
    let sarif: Value = serde_json::from_str(&run_format(&dir, "sarif")).unwrap();
    let run = &sarif["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "leaklint");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert!(
        driver["informationUri"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    let rules = driver["rules"].as_array().unwrap();
    for rule in leaklint::rules::registry() {
        let m = rule.meta();
        let d = rules
            .iter()
            .find(|d| d["id"] == m.id.as_str())
            .unwrap_or_else(|| panic!("rule {} missing from rules[]", m.id));
        assert_eq!(d["shortDescription"]["text"], m.summary.as_str());
        assert_eq!(d["fullDescription"]["text"], m.explain.finds.trim());
        assert_eq!(d["help"]["text"], m.explain_text());
        assert_eq!(d["defaultConfiguration"]["level"], m.severity.as_str());
    }
    for id in ["parse-error", "internal-error"] {
        assert!(rules.iter().any(|d| d["id"] == id), "{id}");
    }
    for result in run["results"].as_array().unwrap() {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        let artifact = &result["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(artifact["uriBaseId"], "SRCROOT");
        assert!(artifact["uri"].as_str().unwrap().starts_with("src/"));
    }
    let base = run["originalUriBaseIds"]["SRCROOT"]["uri"]
        .as_str()
        .unwrap();
    assert_eq!(base, "file://$ROOT/");
}

#[test]
fn paths_are_repository_relative_from_a_subfolder() {
    let dir = demo_repo("subfolder");
    let src = dir.join("src");
    let github = stdout(&leaklint(
        &["check", "--select", SELECT, "--format", "github", "."],
        &src,
    ));
    assert!(github.contains("file=src/session.rs,"), "{github}");
    assert!(
        github.contains("%0Asrc/lib.rs:8:5: "),
        "labels too: {github}"
    );
    let gitlab: Value = serde_json::from_slice(
        &leaklint(
            &["check", "--select", SELECT, "--format", "gitlab", "."],
            &src,
        )
        .stdout,
    )
    .unwrap();
    assert!(
        gitlab
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["location"]["path"].as_str().unwrap().starts_with("src/")),
        "{gitlab}"
    );
    // reviewdog and rust-analyzer resolve paths from where they run: the current folder.
    let concise = stdout(&leaklint(
        &["check", "--select", SELECT, "--format", "concise", "."],
        &src,
    ));
    assert!(
        concise.contains("\nsession.rs:8:5: warning[rc-cycle]"),
        "{concise}"
    );
}

/// The (path, line, column, rule) of every finding a format shows.
type Seen = Vec<(String, u64, u64, String)>;

fn seen_json(text: &str) -> Seen {
    let doc: Value = serde_json::from_str(text).unwrap();
    doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_string(),
                d["span"]["start"]["line"].as_u64().unwrap(),
                d["span"]["start"]["column"].as_u64().unwrap(),
                d["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn every_output_shows_the_same_findings() {
    let dir = demo_repo("outputs");
    let formats = [
        "human",
        "concise",
        "sarif",
        "github",
        "gitlab",
        "rdjson",
        "rdjsonl",
        "rustc-json",
    ];
    let mut args: Vec<String> = vec![
        "check".into(),
        "--select".into(),
        SELECT.into(),
        "--format".into(),
        "json".into(),
    ];
    for f in formats {
        args.push("--output".into());
        args.push(format!("{f}=out/{f}.txt"));
    }
    std::fs::create_dir_all(dir.join("out")).unwrap();
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = leaklint(&refs, &dir);
    assert_eq!(out.status.code(), Some(1));
    let want = seen_json(&stdout(&out));
    assert_eq!(want.len(), 3, "{want:?}");
    let read = |f: &str| std::fs::read_to_string(dir.join(format!("out/{f}.txt"))).unwrap();

    let concise: Seen = read("concise")
        .lines()
        .map(|l| {
            let (head, rest) = l.split_once(": ").unwrap();
            let mut parts = head.rsplitn(3, ':');
            let col = parts.next().unwrap().parse().unwrap();
            let line = parts.next().unwrap().parse().unwrap();
            let path = parts.next().unwrap().to_string();
            let rule = rest[rest.find('[').unwrap() + 1..rest.find(']').unwrap()].to_string();
            (path, line, col, rule)
        })
        .collect();
    assert_eq!(concise, want, "concise");

    let sarif: Value = serde_json::from_str(&read("sarif")).unwrap();
    let from_sarif: Seen = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let loc = &r["locations"][0]["physicalLocation"];
            (
                loc["artifactLocation"]["uri"].as_str().unwrap().to_string(),
                loc["region"]["startLine"].as_u64().unwrap(),
                loc["region"]["startColumn"].as_u64().unwrap(),
                r["ruleId"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(from_sarif, want, "sarif");

    let gitlab: Value = serde_json::from_str(&read("gitlab")).unwrap();
    let from_gitlab: Vec<(String, u64, String)> = gitlab
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["location"]["path"].as_str().unwrap().to_string(),
                i["location"]["lines"]["begin"].as_u64().unwrap(),
                i["check_name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want_lines: Vec<(String, u64, String)> = want
        .iter()
        .map(|(p, l, _, r)| (p.clone(), *l, r.clone()))
        .collect();
    assert_eq!(from_gitlab, want_lines, "gitlab");

    let rd_one = |d: &Value| {
        (
            d["location"]["path"].as_str().unwrap().to_string(),
            d["location"]["range"]["start"]["line"].as_u64().unwrap(),
            d["code"]["value"].as_str().unwrap().to_string(),
        )
    };
    let rdjson: Value = serde_json::from_str(&read("rdjson")).unwrap();
    let from_rdjson: Vec<_> = rdjson["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(rd_one)
        .collect();
    assert_eq!(from_rdjson, want_lines, "rdjson");
    let from_rdjsonl: Vec<_> = read("rdjsonl")
        .lines()
        .map(|l| rd_one(&serde_json::from_str(l).unwrap()))
        .collect();
    assert_eq!(from_rdjsonl, want_lines, "rdjsonl");

    let from_rustc: Seen = read("rustc-json")
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|m| m["reason"] == "compiler-message")
        .map(|m| {
            let span = &m["message"]["spans"][0];
            (
                span["file_name"].as_str().unwrap().to_string(),
                span["line_start"].as_u64().unwrap(),
                span["column_start"].as_u64().unwrap(),
                m["message"]["code"]["code"].as_str().unwrap()["leaklint::".len()..].to_string(),
            )
        })
        .collect();
    assert_eq!(from_rustc, want, "rustc-json");

    let from_github: Vec<(String, u64, u64)> = read("github")
        .lines()
        .map(|l| {
            let props = l.split("::").nth(1).unwrap().split_once(' ').unwrap().1;
            let get = |k: &str| {
                props
                    .split(',')
                    .find_map(|p| p.strip_prefix(&format!("{k}=")))
                    .unwrap()
                    .to_string()
            };
            (
                get("file"),
                get("line").parse().unwrap(),
                get("col").parse().unwrap(),
            )
        })
        .collect();
    let want_cols: Vec<(String, u64, u64)> = want
        .iter()
        .map(|(p, l, c, _)| (p.clone(), *l, *c))
        .collect();
    assert_eq!(from_github, want_cols, "github");

    let human = read("human");
    for (path, line, col, rule) in &want {
        assert!(human.contains(&format!("[{rule}]")), "{human}");
        assert!(human.contains(&format!("{path}:{line}:{col}")), "{human}");
    }
    assert_eq!(
        human,
        stdout(&leaklint(
            &["check", "--select", SELECT, "--color", "never"],
            &dir
        )),
        "--output human is the plain human output"
    );
}

#[test]
fn output_flag_errors_are_usage_errors() {
    let dir = demo_repo("output-errors");
    for bad in ["sarif", "nope=x.txt", "sarif="] {
        let out = leaklint(&["check", "--output", bad], &dir);
        assert_eq!(out.status.code(), Some(2), "{bad}");
    }
    let out = leaklint(&["check", "--output", "sarif=no/such/folder/x.sarif"], &dir);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no/such/folder/x.sarif"));
}

#[test]
fn github_actions_gets_workflow_commands_by_default() {
    let dir = demo_repo("gha");
    let gha = [("GITHUB_ACTIONS", "true")];
    let out = leaklint_with(&["check", "--select", SELECT], &dir, &gha, None);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.lines().all(|l| l.starts_with("::")), "{text}");
    assert!(text.contains("::warning file=src/session.rs,line=8,col=5,endLine=8,endColumn=24,title=leaklint(rc-cycle)::"));
    assert!(text.contains("::error file=src/broken.rs,"));
    let human = leaklint_with(
        &["check", "--select", SELECT, "--format", "human"],
        &dir,
        &gha,
        None,
    );
    assert!(stdout(&human).contains("warning[rc-cycle]"));
    let outside = leaklint(&["check", "--select", SELECT], &dir);
    assert!(stdout(&outside).contains("warning[rc-cycle]"));
}

/// A report built by hand: a message and a path with everything a format
/// has to escape.
fn awkward_report() -> Report {
    let text = "fn a() {}\nlet x = 1;\n".to_string();
    let path = "src/we,ird:100%.rs".to_string();
    let pos = |line, column, offset| Position {
        line,
        column,
        offset,
    };
    let diagnostic = Diagnostic {
        rule: "rc-cycle".into(),
        severity: Severity::Warning,
        message: "cycle: a, b, 100% sure\nsecond line\r\nthird".into(),
        path: path.clone(),
        file: 0,
        span: Span {
            start: pos(2, 5, 14),
            end: pos(2, 6, 15),
        },
        labels: vec![ResolvedLabel {
            path: path.clone(),
            file: 0,
            span: Span {
                start: pos(1, 4, 3),
                end: pos(1, 5, 4),
            },
            message: "label: with, commas %".into(),
        }],
        notes: vec!["note: 50%, really".into()],
        help: Some("try: this, or that".into()),
        fingerprint: "0123456789abcdef".into(),
    };
    let mut report = support::empty_report();
    report.diagnostics = vec![diagnostic];
    report.sources = HashMap::from([(0, (path, text))]);
    report
}

fn awkward_context() -> Context {
    let cwd = std::env::temp_dir().join("leaklint-awkward");
    Context {
        repo_root: Some(cwd.clone()),
        cwd,
    }
}

#[test]
fn github_escaping() {
    let text = render::render(Format::Github, &awkward_report(), &awkward_context());
    assert_eq!(
        text,
        "::warning file=src/we%2Cird%3A100%25.rs,line=2,col=5,endLine=2,endColumn=6,\
         title=leaklint(rc-cycle)::cycle: a, b, 100%25 sure%0Asecond line%0D%0Athird\
         %0Anote: note: 50%25, really%0Ahelp: try: this, or that\
         %0Asrc/we,ird:100%25.rs:1:4: label: with, commas %25\n"
    );
    assert_eq!(text.lines().count(), 1);
}

#[test]
fn concise_escaping() {
    let text = render::render(Format::Concise, &awkward_report(), &awkward_context());
    assert_eq!(
        text,
        "src/we,ird:100%.rs:2:5: warning[rc-cycle] cycle: a, b, 100% sure\\nsecond line\\nthird\n"
    );
}

#[test]
fn json_formats_keep_awkward_text_exactly() {
    let report = awkward_report();
    let cx = awkward_context();
    let message = &report.diagnostics[0].message;
    let full = format!("{message}\nnote: note: 50%, really\nhelp: try: this, or that");

    let gitlab: Value =
        serde_json::from_str(&render::render(Format::Gitlab, &report, &cx)).unwrap();
    assert_eq!(gitlab[0]["description"], message.as_str());
    assert_eq!(gitlab[0]["location"]["path"], "src/we,ird:100%.rs");
    assert_eq!(gitlab[0]["fingerprint"], "0123456789abcdef");
    assert_eq!(gitlab[0]["severity"], "major");

    let rdjson: Value =
        serde_json::from_str(&render::render(Format::Rdjson, &report, &cx)).unwrap();
    let d = &rdjson["diagnostics"][0];
    assert_eq!(d["message"], full.as_str());
    assert_eq!(d["location"]["path"], "src/we,ird:100%.rs");
    assert_eq!(
        d["related_locations"][0]["message"],
        "label: with, commas %"
    );
    let lines = render::render(Format::Rdjsonl, &report, &cx);
    assert_eq!(lines.lines().count(), 1);
    assert_eq!(serde_json::from_str::<Value>(&lines).unwrap(), *d);

    let sarif: Value = serde_json::from_str(&render::render(Format::Sarif, &report, &cx)).unwrap();
    let r = &sarif["runs"][0]["results"][0];
    assert_eq!(r["message"]["text"], full.as_str());
    assert_eq!(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "src/we%2Cird%3A100%25.rs",
        "a colon in a relative URI would read as a scheme"
    );
    assert_eq!(
        r["relatedLocations"][0]["message"]["text"],
        "label: with, commas %"
    );

    let rustc = render::render(Format::RustcJson, &report, &cx);
    let first: Value = serde_json::from_str(rustc.lines().next().unwrap()).unwrap();
    assert_eq!(first["message"]["message"], message.as_str());
    assert_eq!(
        first["message"]["spans"][0]["file_name"],
        "src/we,ird:100%.rs"
    );
    assert_eq!(
        first["message"]["spans"][0]["text"][0]["text"],
        "let x = 1;"
    );
    assert_eq!(first["message"]["children"][1]["level"], "help");
}

const CYCLE_HALF: &str = "mod session;\nmod other;\nuse std::sync::{Arc, Mutex};\nuse crate::session::Session;\npub struct Server {\n    sessions: Mutex<Vec<Arc<Session>>>,\n}\n";
const SESSION_WEAK: &str = "use std::sync::Weak;\nuse crate::Server;\npub struct Session {\n    server: Weak<Server>,\n}\n";
const SESSION_STRONG: &str =
    "use std::sync::Arc;\nuse crate::Server;\npub struct Session {\n    server: Arc<Server>,\n}\n";
const OTHER_CYCLE: &str = "use std::cell::RefCell;\nuse std::rc::Rc;\npub struct Owner {\n    gadgets: RefCell<Vec<Rc<Gadget>>>,\n}\npub struct Gadget {\n    owner: Rc<Owner>,\n}\n";

/// Holds plugins of a type that exists only in an editor's unsaved new file.
const REGISTRY: &str = "use std::sync::{Arc, Mutex};\nuse crate::fresh::Plugin;\npub struct Registry {\n    plugins: Mutex<Vec<Arc<Plugin>>>,\n}\n";

fn editor_crate(name: &str, session: &str) -> PathBuf {
    let dir = scratch(name);
    write(
        &dir,
        "Cargo.toml",
        "[package]\nname = \"editor\"\nversion = \"0.1.0\"\n",
    );
    write(&dir, "src/lib.rs", CYCLE_HALF);
    write(&dir, "src/session.rs", session);
    write(&dir, "src/other.rs", OTHER_CYCLE);
    write(&dir, "src/registry.rs", REGISTRY);
    dir
}

fn check_buffer(dir: &Path, name: &str, text: &str) -> (Option<i32>, Value) {
    let out = leaklint_with(
        &["check", "--format", "json", "--stdin-filename", name, "-"],
        dir,
        &[],
        Some(text),
    );
    let doc = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code(), doc)
}

fn rules_and_paths(doc: &Value) -> Vec<(String, String)> {
    doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_string(),
                d["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn stdin_buffer_is_checked_instead_of_the_file_on_disk() {
    let dir = editor_crate("stdin-unsaved", SESSION_WEAK);
    let (code, doc) = check_buffer(&dir, "src/session.rs", SESSION_STRONG);
    assert_eq!(code, Some(1));
    assert_eq!(
        rules_and_paths(&doc),
        vec![("src/session.rs".to_string(), "rc-cycle".to_string())],
        "the buffer's cycle with lib.rs (on disk); not other.rs's cycle"
    );
    let d = &doc["diagnostics"][0];
    assert_eq!(d["labels"][0]["path"], "src/lib.rs");
    let (start, end) = (
        d["span"]["start"]["offset"].as_u64().unwrap() as usize,
        d["span"]["end"]["offset"].as_u64().unwrap() as usize,
    );
    assert_eq!(&SESSION_STRONG[start..end], "server: Arc<Server>");
    assert_eq!(doc["summary"]["files"], 1);

    let fixed = editor_crate("stdin-fixed", SESSION_STRONG);
    let (code, doc) = check_buffer(&fixed, "src/session.rs", SESSION_WEAK);
    assert_eq!(code, Some(0), "{doc}");
}

#[test]
fn stdin_buffer_with_a_syntax_error_gets_only_its_parse_error() {
    let dir = editor_crate("stdin-broken", SESSION_STRONG);
    let (code, doc) = check_buffer(
        &dir,
        "src/session.rs",
        "pub struct Session {\n    server: Arc<\n",
    );
    assert_eq!(code, Some(1));
    assert_eq!(
        rules_and_paths(&doc),
        vec![("src/session.rs".to_string(), "parse-error".to_string())]
    );
    let out = leaklint_with(
        &[
            "check",
            "--format",
            "rustc-json",
            "--stdin-filename",
            "src/session.rs",
            "-",
        ],
        &dir,
        &[],
        Some("fn f( {\n"),
    );
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.contains("\"file_name\":\"src/session.rs\""), "{text}");
}

#[test]
fn stdin_buffer_of_a_new_file_uses_its_crate() {
    let dir = editor_crate("stdin-new", SESSION_WEAK);
    assert!(!dir.join("src/fresh.rs").exists());
    let plugin = "use std::sync::Arc;\nuse crate::registry::Registry;\npub struct Plugin {\n    registry: Arc<Registry>,\n}\n";
    let (code, doc) = check_buffer(&dir, "src/fresh.rs", plugin);
    assert_eq!(code, Some(1), "{doc}");
    assert_eq!(
        rules_and_paths(&doc),
        vec![("src/fresh.rs".to_string(), "rc-cycle".to_string())],
        "closes a cycle with registry.rs, read from disk"
    );
    assert_eq!(
        doc["diagnostics"][0]["labels"][0]["path"],
        "src/registry.rs"
    );
    let (code, doc) = check_buffer(&dir, "src/brand_new.rs", "fn (");
    assert_eq!(code, Some(1));
    assert_eq!(
        rules_and_paths(&doc),
        vec![("src/brand_new.rs".to_string(), "parse-error".to_string())]
    );
}

#[test]
fn stdin_usage_errors() {
    let dir = editor_crate("stdin-usage", SESSION_WEAK);
    for args in [
        vec!["check", "-"],
        vec!["check", "--stdin-filename", "src/session.rs"],
        vec!["check", "--stdin-filename", "src/session.rs", "-", "src"],
        vec!["check", "--stdin-filename", "no/such/folder/x.rs", "-"],
    ] {
        let out = leaklint_with(&args, &dir, &[], Some(""));
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!out.stderr.is_empty());
    }
}

#[test]
fn files_outside_the_repository_get_absolute_uris() {
    let repo = demo_repo("outside-repo");
    let elsewhere = scratch("outside-file");
    write(&elsewhere, "cycle.rs", OTHER_CYCLE);
    let file = elsewhere.join("cycle.rs");
    let out = leaklint(
        &["check", "--format", "sarif", file.to_str().unwrap()],
        &repo,
    );
    assert_eq!(out.status.code(), Some(1));
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    let artifact =
        &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(
        artifact["uri"].as_str().unwrap(),
        render::file_uri(&file),
        "{artifact}"
    );
    assert!(artifact.get("uriBaseId").is_none());
    let github = stdout(&leaklint(
        &["check", "--format", "github", file.to_str().unwrap()],
        &repo,
    ));
    assert!(
        github.contains(&format!(
            "file={},",
            render::github::escape_property(&root_text(&file))
        )),
        "{github}"
    );
}
