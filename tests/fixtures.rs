//! The fixtures under `fixtures/<rule>/`, checked exhaustively both ways: every
//! diagnostic needs an annotation and every annotation a diagnostic.

mod support;

use std::path::{Path, PathBuf};

use leaklint::meta::ExampleKind;
use leaklint::rules::registry;

fn fixture_entries(rule: &str) -> Vec<PathBuf> {
    let dir = Path::new("fixtures").join(rule);
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("rule {rule} has no fixtures folder {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() || p.extension().is_some_and(|e| e == "rs"))
        .collect();
    entries.sort();
    entries
}

#[test]
fn every_fixture_matches_its_annotations() {
    let mut problems = Vec::new();
    let mut checked = 0;
    for rule in registry() {
        for entry in fixture_entries(rule.id()) {
            checked += 1;
            for p in support::check_fixture(rule.id(), &entry) {
                problems.push(format!("[{}] {p}", entry.display()));
            }
        }
    }
    assert!(checked > 0, "no fixtures found");
    assert!(
        problems.is_empty(),
        "fixture mismatches:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_rule_has_metadata_fixtures_and_both_kinds_of_example() {
    for rule in registry() {
        let meta = rule.meta();
        let toml = Path::new("rules").join(format!("{}.toml", meta.id));
        assert!(toml.is_file(), "missing {}", toml.display());
        let entries = fixture_entries(&meta.id);
        let annotated = entries
            .iter()
            .filter(|e| !support::annotations(e).expected.is_empty())
            .count();
        assert!(
            annotated > 0,
            "{}: no fixture expects a diagnostic",
            meta.id
        );
        for kind in [ExampleKind::Bad, ExampleKind::Good] {
            assert!(
                meta.examples.iter().any(|e| e.kind == kind),
                "{}: no {kind:?} example in its TOML",
                meta.id
            );
        }
        assert!(!meta.summary.is_empty() && !meta.explain.limits.trim().is_empty());
    }
}

#[test]
fn toml_examples_bad_fire_and_good_stay_quiet() {
    let dir = std::env::temp_dir().join(format!("leaklint-examples-{}", std::process::id()));
    for rule in registry() {
        for (i, example) in rule.meta().examples.iter().enumerate() {
            let file = dir.join(format!("{}-{i}.rs", rule.id()));
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&file, &example.code).unwrap();
            let report = support::run(
                std::slice::from_ref(&file),
                vec![rule.id().to_string(), "parse-error".to_string()],
                false,
            );
            let fired = report
                .diagnostics
                .iter()
                .filter(|d| d.rule == rule.id())
                .count();
            let parse_errors = report.parse_errors();
            assert_eq!(parse_errors, 0, "{} example {i} does not parse", rule.id());
            match example.kind {
                ExampleKind::Bad => {
                    assert!(fired > 0, "{} bad example {i} does not fire", rule.id())
                }
                ExampleKind::Good => assert_eq!(fired, 0, "{} good example {i} fires", rule.id()),
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
