//! The facts cache through the real binary: a warm run prints exactly what a
//! cold one does, an edited file is analysed again, a configuration change
//! invalidates, `--no-cache` writes nothing, a cache that cannot be written is
//! one line on stderr, and old builds' folders are pruned.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

mod support;
use support::{scratch, write};

fn leaklint_with(args: &[&str], cwd: &Path, stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_leaklint"));
    cmd.args(args)
        .current_dir(cwd)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("NO_COLOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run leaklint");
    {
        use std::io::Write;
        let mut input = child.stdin.take().unwrap();
        input.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    }
    child.wait_with_output().expect("run leaklint")
}

fn leaklint(args: &[&str], cwd: &Path) -> Output {
    leaklint_with(args, cwd, None)
}

/// `check --format FORMAT --timings --cache-dir CACHE`: the hit and miss counts are on stderr.
fn timed_check(format: &str, cache: &Path) -> Vec<String> {
    ["check", "--format", format, "--timings", "--cache-dir"]
        .iter()
        .map(|a| a.to_string())
        .chain([cache.display().to_string()])
        .collect()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `(hits, misses, written)` from the `--timings` line.
fn cache_counts(o: &Output) -> (usize, usize, usize) {
    let err = stderr(o);
    let line = err
        .lines()
        .find(|l| l.contains(" hits, "))
        .unwrap_or_else(|| panic!("no facts cache line in:\n{err}"));
    let numbers: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    assert_eq!(numbers.len(), 3, "{line}");
    (numbers[0], numbers[1], numbers[2])
}

/// The JSON report without its one run-dependent field.
fn json_without_elapsed(o: &Output) -> String {
    stdout(o)
        .lines()
        .filter(|l| !l.contains("elapsed_ms"))
        .collect::<Vec<_>>()
        .join("\n")
}

const LIB: &str = "mod poller;\nmod session;\nmod state;\n\nuse std::sync::{Arc, Mutex};\n\nuse crate::session::Session;\n\npub struct Server {\n    sessions: Mutex<Vec<Arc<Session>>>,\n}\n";
const SESSION: &str = "use std::sync::Arc;\n\nuse crate::Server;\n\npub struct Session {\n    id: u64,\n    server: Arc<Server>,\n}\n";
const SESSION_WEAK: &str = "use std::sync::Weak;\n\nuse crate::Server;\n\npub struct Session {\n    id: u64,\n    server: Weak<Server>,\n}\n";
const POLLER: &str = "use std::time::Duration;\n\npub struct Poller;\n\nimpl Poller {\n    pub fn start(&self) {\n        tokio::spawn(async move {\n            let mut every = tokio::time::interval(Duration::from_secs(5));\n            loop {\n                every.tick().await;\n            }\n        });\n    }\n}\n";
/// Declares a map another file grows (`login.rs`): a crate-wide unbounded-collection.
const STATE: &str = "use std::collections::HashMap;\nuse std::sync::Mutex;\n\npub struct AppState {\n    // leaklint: allow(rc-cycle) -- nothing to silence here\n    pub sessions: Mutex<HashMap<u64, String>>,\n}\n";
const LOGIN: &str = "use crate::state::AppState;\n\npub fn login(state: &AppState, id: u64, user: String) {\n    state.sessions.lock().unwrap().insert(id, user);\n}\n";
const LOGOUT: &str = "\npub fn logout(state: &AppState, id: u64) {\n    state.sessions.lock().unwrap().remove(&id);\n}\n";
/// `ourrt::spawn` is a spawner only with the configuration below.
const CUSTOM: &str = "pub fn start() {\n    ourrt::spawn(async move {\n        let mut every = tokio::time::interval(std::time::Duration::from_secs(1));\n        loop {\n            every.tick().await;\n        }\n    });\n}\n";

/// A crate with findings of several rules, a crate-wide cycle across two
/// files, a suppression comment and a file that does not parse.
fn demo_crate(name: &str) -> PathBuf {
    let dir = scratch(name);
    write(
        &dir,
        "Cargo.toml",
        "[package]\nname = \"demo\"\nversion = \"0.1.0\"\n",
    );
    write(
        &dir,
        "src/lib.rs",
        format!("mod login;\nmod custom;\n{LIB}"),
    );
    write(&dir, "src/session.rs", SESSION);
    write(&dir, "src/poller.rs", POLLER);
    write(&dir, "src/state.rs", STATE);
    write(&dir, "src/login.rs", LOGIN);
    write(&dir, "src/custom.rs", CUSTOM);
    write(&dir, "src/broken.rs", "fn broken( {\n");
    dir
}

const FILES: usize = 7;

fn rules_found(o: &Output) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(&stdout(o)).expect("JSON");
    let mut rules: Vec<String> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            format!(
                "{} {}",
                d["path"].as_str().unwrap(),
                d["rule"].as_str().unwrap()
            )
        })
        .collect();
    rules.sort();
    rules
}

#[test]
fn a_warm_run_prints_exactly_what_a_cold_run_prints() {
    let dir = demo_crate("warm-same");
    let cache = dir.join("cache");
    let cache_arg = cache.to_str().unwrap();
    for format in ["human", "json", "concise", "sarif"] {
        let _ = std::fs::remove_dir_all(&cache);
        let args = [
            "check",
            "--format",
            format,
            "--color",
            "never",
            "--timings",
            "--cache-dir",
            cache_arg,
        ];
        let cold = leaklint(&args, &dir);
        let warm = leaklint(&args, &dir);
        let off = leaklint(&["check", "--format", format, "--no-cache"], &dir);
        assert_eq!(cache_counts(&cold), (0, FILES, FILES), "{format}");
        assert_eq!(cache_counts(&warm), (FILES, 0, 0), "{format}");
        assert_eq!(cold.status.code(), Some(1));
        assert_eq!(warm.status.code(), Some(1));
        if format == "json" {
            assert_eq!(json_without_elapsed(&cold), json_without_elapsed(&warm));
            assert_eq!(json_without_elapsed(&cold), json_without_elapsed(&off));
        } else {
            assert_eq!(stdout(&cold), stdout(&warm), "{format}");
            assert_eq!(stdout(&cold), stdout(&off), "{format}");
        }
    }
    let json = leaklint(
        &["check", "--format", "json", "--cache-dir", cache_arg],
        &dir,
    );
    assert_eq!(
        rules_found(&json),
        vec![
            "src/broken.rs parse-error",
            "src/poller.rs uncleaned-interval",
            "src/session.rs rc-cycle",
            "src/state.rs unbounded-collection",
            "src/state.rs unused-suppression",
        ]
    );
}

#[test]
fn an_edited_file_is_analysed_again() {
    let dir = demo_crate("edited");
    let cache = dir.join("cache");
    let args = timed_check("json", &cache);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let first = leaklint(&args, &dir);
    assert!(rules_found(&first).contains(&"src/session.rs rc-cycle".to_string()));

    write(&dir, "src/session.rs", SESSION_WEAK);
    write(&dir, "src/login.rs", format!("{LOGIN}{LOGOUT}"));
    let edited = leaklint(&args, &dir);
    assert_eq!(cache_counts(&edited), (FILES - 2, 2, 2));
    let found = rules_found(&edited);
    assert!(!found.iter().any(|f| f.contains("rc-cycle")), "{found:?}");
    assert!(
        !found.iter().any(|f| f.contains("unbounded-collection")),
        "{found:?}"
    );

    write(&dir, "src/session.rs", SESSION);
    let back = leaklint(&args, &dir);
    assert_eq!(cache_counts(&back), (FILES - 1, 1, 1));
    assert!(rules_found(&back).contains(&"src/session.rs rc-cycle".to_string()));
}

#[test]
fn a_configuration_change_invalidates_the_entries() {
    let dir = demo_crate("config");
    let cache = dir.join("cache");
    let cache_arg = cache.to_str().unwrap();
    let args = [
        "check",
        "--format",
        "json",
        "--timings",
        "--cache-dir",
        cache_arg,
    ];
    let plain = leaklint(&args, &dir);
    assert!(!rules_found(&plain).iter().any(|f| f.contains("custom.rs")));

    write(
        &dir,
        "leaklint.toml",
        "[rules.uncleaned-interval.spawners]\n\"ourrt::spawn\" = \"tokio\"\n",
    );
    let configured = leaklint(&args, &dir);
    assert_eq!(cache_counts(&configured), (0, FILES, FILES));
    assert!(rules_found(&configured).contains(&"src/custom.rs uncleaned-interval".to_string()));
    let again = leaklint(&args, &dir);
    assert_eq!(cache_counts(&again), (FILES, 0, 0));
    assert_eq!(
        json_without_elapsed(&configured),
        json_without_elapsed(&again)
    );

    // Rules and test code change what a file task finds; severity is applied later.
    let selected = [&args[..], &["--select", "rc-cycle"]].concat();
    assert_eq!(cache_counts(&leaklint(&selected, &dir)), (0, FILES, FILES));
    let tests = [&args[..], &["--include-tests"]].concat();
    assert_eq!(cache_counts(&leaklint(&tests, &dir)), (0, FILES, FILES));
    write(
        &dir,
        "leaklint.toml",
        "[rules.uncleaned-interval.spawners]\n\"ourrt::spawn\" = \"tokio\"\n[severity]\nrc-cycle = \"error\"\n",
    );
    let severe = leaklint(&args, &dir);
    assert_eq!(cache_counts(&severe), (FILES, 0, 0));
    let v: serde_json::Value = serde_json::from_str(&stdout(&severe)).unwrap();
    let cycle = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rule"] == "rc-cycle")
        .unwrap();
    assert_eq!(cycle["severity"], "error");
}

#[test]
fn the_default_cache_is_in_the_cargo_target_folder_and_no_cache_writes_nothing() {
    let dir = demo_crate("default-location");
    let off = leaklint(&["check", "--no-cache"], &dir.join("src"));
    assert_eq!(off.status.code(), Some(1));
    assert!(!dir.join("target").exists());
    assert!(!dir.join("src/target").exists());

    let on = leaklint(&["check", "."], &dir.join("src"));
    assert_eq!(stdout(&on), stdout(&off));
    assert!(dir.join("target/leaklint/CACHEDIR.TAG").is_file());
    assert!(!dir.join("src/target").exists());
    // Git ignores the cache even in a repository that does not ignore `target/`
    // (a pre-commit run fails when a hook leaves the tree changed).
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(args)
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    git(&["init", "-q"]);
    let status = git(&["status", "--porcelain", "--untracked-files=all"]);
    assert!(!status.contains("target/"), "{status}");
    assert!(status.contains("src/"), "{status}");

    let elsewhere = scratch("default-location-target");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_leaklint"));
    let out = cmd
        .args(["check", "."])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", &elsewhere)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(elsewhere.join("leaklint/CACHEDIR.TAG").is_file());
}

#[test]
fn a_cache_that_cannot_be_written_is_one_line_on_stderr() {
    let dir = demo_crate("unwritable");
    let expected = leaklint(&["check", "--no-cache"], &dir);
    // A regular file where the folder should be: unwritable even for root.
    let blocker = dir.join("not-a-folder");
    write(&dir, "not-a-folder", "");
    let out = leaklint(&["check", "--cache-dir", blocker.to_str().unwrap()], &dir);
    assert_eq!(stdout(&out), stdout(&expected));
    assert_eq!(out.status.code(), expected.status.code());
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("leaklint: cache disabled: cannot write ") && err.contains("not-a-folder"),
        "{err}"
    );

    // A read-only folder, where permissions are enforced (not for root).
    let read_only = dir.join("read-only");
    std::fs::create_dir_all(&read_only).unwrap();
    let cache_arg = read_only.to_str().unwrap();
    leaklint(&["check", "--cache-dir", cache_arg], &dir);
    let entries = std::fs::read_dir(&read_only).unwrap().flatten();
    for e in entries.filter(|e| e.path().is_dir()) {
        set_read_only(&e.path(), true);
    }
    set_read_only(&read_only, true);
    let enforced = std::fs::write(read_only.join("probe"), "").is_err();
    if enforced {
        write(&dir, "src/session.rs", SESSION_WEAK);
        let out = leaklint(&["check", "--cache-dir", cache_arg], &dir);
        let expected = leaklint(&["check", "--no-cache"], &dir);
        assert_eq!(stdout(&out), stdout(&expected));
        assert_eq!(out.status.code(), expected.status.code());
        assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    } else {
        eprintln!("skipped the read-only folder case: permissions are not enforced (root)");
    }
    set_read_only(&read_only, false);
    for e in std::fs::read_dir(&read_only).unwrap().flatten() {
        set_read_only(&e.path(), false);
    }
}

fn set_read_only(path: &Path, read_only: bool) {
    use std::os::unix::fs::PermissionsExt;
    let mode = if read_only { 0o555 } else { 0o755 };
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn an_editor_buffer_is_not_cached() {
    let dir = demo_crate("buffer");
    let cache = dir.join("cache");
    let args = [
        "check",
        "--format",
        "json",
        "--timings",
        "--cache-dir",
        cache.to_str().unwrap(),
        "--stdin-filename",
        "src/session.rs",
        "-",
    ];
    let first = leaklint_with(&args, &dir, Some(SESSION));
    assert_eq!(cache_counts(&first), (0, FILES - 1, FILES - 1));
    assert_eq!(rules_found(&first), vec!["src/session.rs rc-cycle"]);
    let weak = leaklint_with(&args, &dir, Some(SESSION_WEAK));
    assert_eq!(cache_counts(&weak), (FILES - 1, 0, 0));
    assert!(rules_found(&weak).is_empty());
}

#[test]
fn a_damaged_entry_is_a_miss() {
    let dir = demo_crate("damaged");
    let cache = dir.join("cache");
    let args = timed_check("concise", &cache);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let cold = leaklint(&args, &dir);
    let build = std::fs::read_dir(&cache)
        .unwrap()
        .flatten()
        .find(|e| e.path().is_dir())
        .unwrap()
        .path();
    for (i, e) in std::fs::read_dir(&build).unwrap().flatten().enumerate() {
        let junk: &[u8] = if i % 2 == 0 {
            b""
        } else {
            b"\xff\xff\xff\xff\xff\xff\xff\xff garbage"
        };
        std::fs::write(e.path(), junk).unwrap();
    }
    let damaged = leaklint(&args, &dir);
    assert_eq!(cache_counts(&damaged), (0, FILES, FILES));
    assert_eq!(stdout(&damaged), stdout(&cold));
    assert_eq!(cache_counts(&leaklint(&args, &dir)), (FILES, 0, 0));
}

#[test]
fn a_new_build_prunes_old_builds_folders() {
    let dir = demo_crate("prune");
    let cache = dir.join("cache");
    let old = [
        "0.0.1-0000000000000001",
        "0.0.1-0000000000000002",
        "0.0.1-0000000000000003",
    ];
    for (age, name) in old.iter().enumerate() {
        std::fs::create_dir_all(cache.join(name)).unwrap();
        let when =
            std::time::SystemTime::now() - std::time::Duration::from_secs(1000 * (3 - age as u64));
        std::fs::File::open(cache.join(name))
            .unwrap()
            .set_modified(when)
            .unwrap();
    }
    std::fs::create_dir_all(cache.join("notes")).unwrap();
    leaklint(&["check", "--cache-dir", cache.to_str().unwrap()], &dir);
    let mut left: Vec<String> = std::fs::read_dir(&cache)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with(env!("CARGO_PKG_VERSION")))
        .collect();
    left.sort();
    assert_eq!(
        left,
        vec![
            ".gitignore",
            "0.0.1-0000000000000002",
            "0.0.1-0000000000000003",
            "CACHEDIR.TAG",
            "notes"
        ]
    );
}
