//! `--shard K/N` splits a run by crate; `leaklint merge` joins the pieces into
//! what one run over everything reports.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

const CYCLE: &str = "use std::cell::RefCell;\nuse std::rc::Rc;\npub struct Owner {\n    gadgets: RefCell<Vec<Rc<Gadget>>>,\n}\npub struct Gadget {\n    owner: Rc<Owner>,\n}\n";

fn run(args: &[&str], cwd: &Path) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_leaklint"))
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn diagnostics(doc: &str) -> Vec<Value> {
    let v: Value = serde_json::from_str(doc).unwrap();
    v["diagnostics"].as_array().unwrap().clone()
}

#[test]
fn shards_partition_the_crates_and_merge_back() {
    let dir = std::env::temp_dir().join(format!("leaklint-shard-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for i in 0..12 {
        let krate = dir.join(format!("crate{i}"));
        std::fs::create_dir_all(krate.join("src")).unwrap();
        std::fs::write(
            krate.join("Cargo.toml"),
            format!("[package]\nname = \"c{i}\"\n"),
        )
        .unwrap();
        std::fs::write(krate.join("src/lib.rs"), CYCLE).unwrap();
        std::fs::write(krate.join("src/broken.rs"), "fn (").unwrap();
    }
    let (_, whole) = run(&["check", "--format", "json", "."], &dir);
    let mut parts = Vec::new();
    for k in 1..=3 {
        let shard = format!("{k}/3");
        let (_, doc) = run(&["check", "--format", "json", "--shard", &shard, "."], &dir);
        let file = dir.join(format!("shard{k}.json"));
        std::fs::write(&file, &doc).unwrap();
        parts.push(diagnostics(&doc).len());
    }
    assert_eq!(parts.iter().sum::<usize>(), 24, "{parts:?}");
    assert!(
        parts.iter().all(|&n| n < 24),
        "every crate landed in one shard: {parts:?}"
    );
    let (code, merged) = run(
        &["merge", "shard1.json", "shard2.json", "shard3.json"],
        &dir,
    );
    assert_eq!(code, Some(0));
    assert_eq!(diagnostics(&merged), diagnostics(&whole));
    let summary = |doc: &str| {
        let mut v: Value = serde_json::from_str(doc).unwrap();
        v["summary"]["elapsed_ms"] = Value::Null;
        v["summary"].clone()
    };
    assert_eq!(summary(&merged), summary(&whole));
    assert_eq!(run(&["check", "--shard", "4/3", "."], &dir).0, Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}
