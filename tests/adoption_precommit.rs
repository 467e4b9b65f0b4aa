//! The pre-commit hook with the real `pre-commit` (from PyPI) in a temporary
//! git repository: a commit adding a leak is refused with the finding shown,
//! a clean commit passes.
//!
//! `.pre-commit-hooks.yaml` declares `language: rust`, which makes pre-commit
//! `cargo install` leaklint from the repository: a release build that needs
//! the crates.io index. The test runs the same hook (same id, entry, types,
//! `require_serial`) as `language: system` against the binary cargo built for
//! the tests, found on PATH as `leaklint`.
//!
//! `pre-commit` comes from `LEAKLINT_PRE_COMMIT` (set by `.ci/run`, which then
//! requires it) or PATH; without either the test prints SKIPPED and passes.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn pre_commit() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("LEAKLINT_PRE_COMMIT") {
        return Some(PathBuf::from(p));
    }
    let found = Command::new("pre-commit").arg("--version").output();
    found
        .ok()
        .filter(|o| o.status.success())
        .map(|_| PathBuf::from("pre-commit"))
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("run command")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn git(repo: &Path, args: &[&str], env: &[(&str, String)]) -> Output {
    let mut cmd = Command::new("git");
    cmd.args(args).current_dir(repo);
    for (k, v) in env {
        cmd.env(k, v);
    }
    run(&mut cmd)
}

/// The `leaklint` hook of `.pre-commit-hooks.yaml`, as its lines.
fn published_hook() -> Vec<String> {
    let yaml = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml"),
    )
    .unwrap();
    let start = yaml.find("- id: leaklint\n").expect("a `leaklint` hook");
    let rest = &yaml[start + 2..];
    let end = rest.find("\n- ").unwrap_or(rest.len());
    rest[..end].lines().map(|l| l.trim().to_string()).collect()
}

#[test]
fn hooks_file_declares_both_hooks_as_the_issue_says() {
    let yaml = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml"),
    )
    .unwrap();
    let hook = published_hook();
    for line in [
        "id: leaklint",
        "entry: leaklint check --force-exclude",
        "language: rust",
        "types: [rust]",
        "require_serial: true",
    ] {
        assert!(hook.iter().any(|l| l == line), "{line} in {hook:?}");
    }
    let ws = &yaml[yaml.find("- id: leaklint-workspace\n").unwrap()..];
    assert!(ws.contains("pass_filenames: false"), "{ws}");
    assert!(ws.contains("entry: leaklint check\n"), "{ws}");
}

#[test]
fn a_commit_adding_a_leak_is_refused_and_a_clean_one_passes() {
    let Some(pre_commit) = pre_commit() else {
        // Past libtest's capture, so the skip shows in a passing run.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: pre-commit hook test: pre-commit is not installed (pip install pre-commit, or run .ci/run)"
        );
        return;
    };
    let repo = std::env::temp_dir().join(format!("leaklint-precommit-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&repo);
    std::fs::create_dir_all(repo.join("src")).unwrap();
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_leaklint")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let env = vec![
        ("PATH", path),
        (
            "PRE_COMMIT_HOME",
            repo.join(".pre-commit-home").display().to_string(),
        ),
        ("GIT_AUTHOR_NAME", "t".to_string()),
        ("GIT_AUTHOR_EMAIL", "t@example.com".to_string()),
        ("GIT_COMMITTER_NAME", "t".to_string()),
        ("GIT_COMMITTER_EMAIL", "t@example.com".to_string()),
        ("NO_COLOR", "1".to_string()),
    ];
    assert!(git(&repo, &["init", "-q"], &env).status.success());
    // The published hook, with `language: system` instead of `rust`.
    let hook: Vec<String> = published_hook()
        .into_iter()
        .map(|l| {
            if l == "language: rust" {
                "language: system".to_string()
            } else {
                l
            }
        })
        .collect();
    let mut config = String::from("repos:\n  - repo: local\n    hooks:\n      - ");
    config.push_str(&hook.join("\n        "));
    config.push('\n');
    std::fs::write(repo.join(".pre-commit-config.yaml"), &config).unwrap();
    std::fs::write(
        repo.join("Cargo.toml"),
        "[package]\nname = \"hooked\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .unwrap();
    std::fs::write(repo.join(".gitignore"), ".pre-commit-home/\n").unwrap();
    std::fs::write(
        repo.join("src/lib.rs"),
        "pub mod graph;\n\npub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n",
    )
    .unwrap();
    // A type whose cycle is only visible with the other file of the crate.
    std::fs::write(
        repo.join("src/graph.rs"),
        "use std::cell::RefCell;\nuse std::rc::Rc;\n\npub struct Owner {\n    pub gadgets: RefCell<Vec<Rc<crate::gadget::Gadget>>>,\n}\n",
    )
    .unwrap();

    let mut install = Command::new(&pre_commit);
    install.arg("install").current_dir(&repo);
    for (k, v) in &env {
        install.env(k, v);
    }
    let installed = run(&mut install);
    assert!(installed.status.success(), "{}", text(&installed));

    assert!(git(&repo, &["add", "-A"], &env).status.success());
    let clean = git(&repo, &["commit", "-q", "-m", "clean"], &env);
    assert!(
        clean.status.success(),
        "clean commit refused:\n{}",
        text(&clean)
    );
    assert!(text(&clean).contains("leaklint"), "{}", text(&clean));

    std::fs::write(
        repo.join("src/lib.rs"),
        "pub mod gadget;\npub mod graph;\n\npub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n",
    )
    .unwrap();
    std::fs::write(
        repo.join("src/gadget.rs"),
        "use std::rc::Rc;\n\npub struct Gadget {\n    owner: Rc<crate::graph::Owner>,\n}\n",
    )
    .unwrap();
    assert!(git(&repo, &["add", "-A"], &env).status.success());
    let leaky = git(&repo, &["commit", "-q", "-m", "leak"], &env);
    let out = text(&leaky);
    assert!(!leaky.status.success(), "leaky commit accepted:\n{out}");
    assert!(out.contains("warning[rc-cycle]"), "{out}");
    assert!(out.contains("src/gadget.rs:4:5"), "{out}");
    assert!(out.contains("Failed"), "{out}");
    let log = git(&repo, &["log", "--oneline"], &env);
    assert_eq!(String::from_utf8_lossy(&log.stdout).lines().count(), 1);

    // Fixing it (a Weak back-pointer) lets the commit through.
    std::fs::write(
        repo.join("src/gadget.rs"),
        "use std::rc::Weak;\n\npub struct Gadget {\n    owner: Weak<crate::graph::Owner>,\n}\n",
    )
    .unwrap();
    assert!(git(&repo, &["add", "-A"], &env).status.success());
    let fixed = git(&repo, &["commit", "-q", "-m", "fixed"], &env);
    assert!(fixed.status.success(), "{}", text(&fixed));
    let _ = std::fs::remove_dir_all(&repo);
}

/// The published hook as users get it (`language: rust`: pre-commit clones
/// this repository at HEAD and `cargo install`s it). A release build of
/// several minutes, so only with `LEAKLINT_PRE_COMMIT_RUST=1`.
#[test]
fn language_rust_hook_installs_from_this_repository() {
    let Some(pre_commit) = pre_commit() else {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: pre-commit language: rust hook: pre-commit is not installed"
        );
        return;
    };
    if std::env::var_os("LEAKLINT_PRE_COMMIT_RUST").is_none_or(|v| v != "1") {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: pre-commit language: rust hook: cargo-installs leaklint (minutes); set LEAKLINT_PRE_COMMIT_RUST=1 to run it"
        );
        return;
    }
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rev = git(here, &["rev-parse", "HEAD"], &[]);
    let rev = String::from_utf8_lossy(&rev.stdout).trim().to_string();
    let repo = std::env::temp_dir().join(format!("leaklint-precommit-rust-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&repo);
    std::fs::create_dir_all(repo.join("src")).unwrap();
    assert!(git(&repo, &["init", "-q"], &[]).status.success());
    std::fs::write(
        repo.join(".pre-commit-config.yaml"),
        format!(
            "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: leaklint\n",
            here.display()
        ),
    )
    .unwrap();
    std::fs::write(
        repo.join("Cargo.toml"),
        "[package]\nname = \"hooked\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .unwrap();
    std::fs::write(
        repo.join("src/lib.rs"),
        "use std::cell::RefCell;\nuse std::rc::Rc;\n\npub struct Owner {\n    gadgets: RefCell<Vec<Rc<Gadget>>>,\n}\n\npub struct Gadget {\n    owner: Rc<Owner>,\n}\n",
    )
    .unwrap();
    assert!(git(&repo, &["add", "-A"], &[]).status.success());
    let mut cmd = Command::new(&pre_commit);
    cmd.args(["run", "--all-files"])
        .current_dir(&repo)
        .env("PRE_COMMIT_HOME", repo.join(".pre-commit-home"))
        .env("NO_COLOR", "1");
    let out = run(&mut cmd);
    let shown = text(&out);
    assert!(!out.status.success(), "{shown}");
    assert!(shown.contains("warning[rc-cycle]"), "{shown}");
    let _ = std::fs::remove_dir_all(&repo);
}
