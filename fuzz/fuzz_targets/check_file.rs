//! Arbitrary bytes as one source file, through the whole check pipeline
//! (read, parse, macro expansion, every rule, crate pass, rendering).
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use leaklint::engine::{self, Options};
use libfuzzer_sys::fuzz_target;

fn folder() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("leaklint-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let path = folder().join("input.rs");
    let report = engine::check(&Options {
        paths: vec![path.clone()],
        stdin: Some((path, data.to_vec())),
        threads: Some(1),
        standalone: true,
        include_tests: true,
        ..Options::default()
    })
    .expect("the folder exists");
    assert!(report.diagnostics.iter().all(|d| d.rule != "internal-error"));
    leaklint::render::json::render(&report);
});
