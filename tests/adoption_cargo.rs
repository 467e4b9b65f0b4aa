//! `cargo leaklint`: the `cargo-leaklint` binary, run by real cargo, on a real
//! workspace (a root package and two members).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

mod support;
use support::write;

const CYCLE: &str = "use std::cell::RefCell;\nuse std::rc::Rc;\n\npub struct Owner {\n    gadgets: RefCell<Vec<Rc<Gadget>>>,\n}\n\npub struct Gadget {\n    owner: Rc<Owner>,\n}\n";

fn manifest(name: &str) -> String {
    format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n")
}

fn workspace(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("leaklint-cargo-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    write(
        &dir,
        "Cargo.toml",
        format!(
            "{}\n[workspace]\nmembers = [\"alpha\", \"beta\"]\n",
            manifest("root")
        ),
    );
    write(&dir, "src/lib.rs", CYCLE);
    write(&dir, "build.rs", "fn main() {}\n");
    for member in ["alpha", "beta"] {
        write(&dir, &format!("{member}/Cargo.toml"), manifest(member));
        write(&dir, &format!("{member}/src/lib.rs"), CYCLE);
    }
    dir
}

fn cargo_leaklint(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-leaklint"))
        .arg("leaklint")
        .args(args)
        .current_dir(cwd)
        .env_remove("CARGO_TERM_COLOR")
        .output()
        .expect("run cargo-leaklint")
}

fn paths(o: &Output) -> Vec<String> {
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    });
    doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn packages_workspace_and_manifest_path() {
    let ws = workspace("select");
    let all = cargo_leaklint(&["--workspace", "--format", "json"], &ws);
    assert_eq!(all.status.code(), Some(1));
    assert_eq!(
        paths(&all),
        vec!["alpha/src/lib.rs", "beta/src/lib.rs", "src/lib.rs"]
    );
    // The root package only: its folder holds the members, which are not checked.
    let root = cargo_leaklint(&["--format", "json"], &ws);
    assert_eq!(paths(&root), vec!["src/lib.rs"]);
    let one = cargo_leaklint(&["-p", "beta", "--format", "json"], &ws);
    assert_eq!(paths(&one), vec!["beta/src/lib.rs"]);
    let two = cargo_leaklint(
        &["--package=alpha", "-pbeta", "check", "--format", "json"],
        &ws,
    );
    assert_eq!(paths(&two), vec!["alpha/src/lib.rs", "beta/src/lib.rs"]);
    let elsewhere = cargo_leaklint(
        &[
            "--manifest-path",
            "../Cargo.toml",
            "-p",
            "alpha",
            "--format",
            "json",
        ],
        &ws.join("beta"),
    );
    assert_eq!(paths(&elsewhere).len(), 1);
    assert!(paths(&elsewhere)[0].ends_with("alpha/src/lib.rs"));
    let unknown = cargo_leaklint(&["-p", "gamma"], &ws);
    assert_eq!(unknown.status.code(), Some(2));
    let err = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        err.contains("package `gamma` is not a member of the workspace; members: "),
        "{err}"
    );
    // Other leaklint commands pass through.
    let rules = cargo_leaklint(&["rules"], &ws);
    assert!(String::from_utf8_lossy(&rules.stdout).contains("rc-cycle"));
}

#[test]
fn cargo_term_color_sets_color_unless_given() {
    let ws = workspace("color");
    let run = |color: &str, extra: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cargo-leaklint"));
        cmd.arg("leaklint")
            .args(["-p", "alpha"])
            .args(extra)
            .current_dir(&ws)
            .env("CARGO_TERM_COLOR", color);
        String::from_utf8_lossy(&cmd.output().unwrap().stdout).into_owned()
    };
    assert!(run("always", &[]).contains("\u{1b}["));
    assert!(!run("never", &[]).contains("\u{1b}["));
    assert!(!run("always", &["--color", "never"]).contains("\u{1b}["));
}

#[test]
fn real_cargo_runs_the_subcommand_and_leaklint_recognises_cargo() {
    let ws = workspace("real");
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_cargo-leaklint"))
        .parent()
        .unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let out = Command::new(cargo)
        .args(["leaklint", "-p", "alpha", "--format", "json"])
        .current_dir(&ws)
        .env("PATH", path)
        .output()
        .unwrap();
    assert_eq!(paths(&out), vec!["alpha/src/lib.rs"]);
    // The `leaklint` binary called as cargo calls a subcommand does the same.
    let same = Command::new(env!("CARGO_BIN_EXE_leaklint"))
        .args(["leaklint", "-p", "alpha", "--format", "json"])
        .current_dir(&ws)
        .output()
        .unwrap();
    assert_eq!(paths(&same), vec!["alpha/src/lib.rs"]);
}
