//! Nasty inputs: each is a diagnostic or quietly fine, never a crash, and the
//! other files are still checked.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

mod support;
use support::scratch;

const CYCLE: &str = "use std::cell::RefCell;\nuse std::rc::Rc;\npub struct Owner {\n    gadgets: RefCell<Vec<Rc<Gadget>>>,\n}\npub struct Gadget {\n    owner: Rc<Owner>,\n}\n";

fn check_json(dir: &Path) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_leaklint"))
        .args(["check", "--format", "json", "."])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "exit {:?}, stderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn by_path(doc: &Value) -> Vec<(String, String, u64, u64)> {
    doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_string(),
                d["rule"].as_str().unwrap().to_string(),
                d["span"]["start"]["line"].as_u64().unwrap(),
                d["span"]["start"]["column"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn odd_encodings_and_bytes() {
    let dir = scratch("bytes");
    std::fs::write(dir.join("bom.rs"), format!("\u{feff}{CYCLE}")).unwrap();
    std::fs::write(
        dir.join("crlf.rs"),
        CYCLE
            .replace('\n', "\r\n")
            .replace("Owner", "O2")
            .replace("Gadget", "G2"),
    )
    .unwrap();
    std::fs::write(dir.join("nul.rs"), b"fn f() {}\0\0\n").unwrap();
    std::fs::write(dir.join("empty.rs"), b"").unwrap();
    std::fs::write(
        dir.join("shebang.rs"),
        "#!/usr/bin/env rust-script\nfn main() {}\n",
    )
    .unwrap();
    std::fs::write(dir.join("latin1.rs"), b"// \xff\xfe\nfn f() {}\n").unwrap();
    let got = by_path(&check_json(&dir));
    assert!(
        got.contains(&("bom.rs".into(), "rc-cycle".into(), 7, 5)),
        "{got:?}"
    );
    assert!(
        got.contains(&("crlf.rs".into(), "rc-cycle".into(), 7, 5)),
        "{got:?}"
    );
    assert!(
        got.iter().any(|d| d.0 == "nul.rs" && d.1 == "parse-error"),
        "{got:?}"
    );
    assert!(
        got.iter()
            .any(|d| d.0 == "latin1.rs" && d.1 == "parse-error" && d.2 == 1),
        "{got:?}"
    );
    assert!(
        !got.iter().any(|d| d.0 == "empty.rs" || d.0 == "shebang.rs"),
        "{got:?}"
    );
}

#[test]
fn unreadable_vanished_and_looping_paths() {
    let dir = scratch("paths");
    std::fs::write(dir.join("ok.rs"), CYCLE).unwrap();
    // A folder named like a source file cannot be read as one.
    std::fs::create_dir_all(dir.join("folder.rs")).unwrap();
    #[cfg(unix)]
    {
        // A link whose target is gone: the file disappeared between walk and read.
        std::os::unix::fs::symlink(dir.join("gone.rs"), dir.join("vanished.rs")).unwrap();
        std::os::unix::fs::symlink(&dir, dir.join("loop")).unwrap();
    }
    let got = by_path(&check_json(&dir));
    assert!(
        got.contains(&("ok.rs".into(), "rc-cycle".into(), 7, 5)),
        "{got:?}"
    );
    #[cfg(unix)]
    assert!(
        got.iter()
            .any(|d| d.0 == "vanished.rs" && d.1 == "parse-error"),
        "{got:?}"
    );
}

#[test]
fn a_large_generated_file() {
    let dir = scratch("large");
    let mut text = String::with_capacity(51 << 20);
    let mut i = 0;
    while text.len() < 50 << 20 {
        text.push_str(&format!("pub fn f{i}(x: u64) -> u64 {{ let v = vec![x, {i}]; v.iter().sum::<u64>() + x * {i} }}\n"));
        i += 1;
    }
    std::fs::write(dir.join("big.rs"), &text).unwrap();
    std::fs::write(dir.join("ok.rs"), CYCLE).unwrap();
    let got = by_path(&check_json(&dir));
    assert_eq!(got, vec![("ok.rs".into(), "rc-cycle".into(), 7, 5)]);
}
