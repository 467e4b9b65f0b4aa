//! `--format rustc-json` read back with `cargo_metadata::Message`, the parser
//! cargo tooling and rust-analyzer use: every line parses, the messages come
//! before `build-finished`, and every span's bytes, lines and columns point at
//! the text they claim.

use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::Command;

use cargo_metadata::diagnostic::{DiagnosticLevel, DiagnosticSpan};
use cargo_metadata::{Message, MetadataCommand, TargetKind};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("leaklint-rustc-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    dir
}

const LIB: &str = "mod model;\nuse std::cell::RefCell;\nuse std::rc::Rc;\nuse crate::model::Gadget;\n\npub struct Owner {\n    // «owns» its gadgets\n    gadgets: RefCell<Vec<Rc<Gadget>>>,\n}\n";
const MODEL: &str = "use std::rc::Rc;\nuse crate::Owner;\n\npub struct Gadget {\n    /* ½ */ owner: Rc<Owner>,\n}\n";

fn messages(dir: &Path) -> Vec<Message> {
    let out = Command::new(env!("CARGO_BIN_EXE_leaklint"))
        .args([
            "check",
            "--select",
            "rc-cycle,parse-error",
            "--format",
            "rustc-json",
        ])
        .current_dir(dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    parse(&out.stdout)
}

/// cargo_metadata turns a line it cannot read into `TextLine`: none may be.
fn parse(stdout: &[u8]) -> Vec<Message> {
    let all: Vec<Message> = Message::parse_stream(BufReader::new(stdout))
        .map(Result::unwrap)
        .collect();
    for m in &all {
        assert!(
            !matches!(m, Message::TextLine(_)),
            "not a cargo message: {m:?}"
        );
    }
    all
}

/// The span's bytes, and its lines and character columns, computed from the file.
fn assert_span_is_right(dir: &Path, span: &DiagnosticSpan, want: &str) {
    let text = std::fs::read_to_string(dir.join(&span.file_name)).unwrap();
    let (start, end) = (span.byte_start as usize, span.byte_end as usize);
    assert_eq!(&text[start..end], want, "{span:?}");
    let position = |offset: usize| {
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        (line, text[line_start..offset].chars().count() + 1)
    };
    assert_eq!(position(start), (span.line_start, span.column_start));
    assert_eq!(position(end), (span.line_end, span.column_end));
    let line = text.lines().nth(span.line_start - 1).unwrap();
    assert_eq!(span.text[0].text, line);
    assert_eq!(span.text[0].highlight_start, span.column_start);
    assert_eq!(span.text[0].highlight_end, span.column_end);
}

#[test]
fn cargo_metadata_reads_every_line_and_spans_point_at_the_code() {
    let dir = scratch("cycle");
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"my-crate\"\nversion = \"1.2.3\"\n",
    )
    .unwrap();
    std::fs::write(dir.join("src/lib.rs"), LIB).unwrap();
    std::fs::write(dir.join("src/model.rs"), MODEL).unwrap();
    std::fs::write(dir.join("src/broken.rs"), "pub fn f( {\n").unwrap();
    let messages = messages(&dir);
    assert_eq!(messages.len(), 3, "{messages:?}");
    let Message::BuildFinished(finished) = &messages[2] else {
        panic!("ends with build-finished: {:?}", messages[2]);
    };
    assert!(!finished.success, "a parse error is an error");

    let compiler: Vec<_> = messages
        .iter()
        .filter_map(|m| match m {
            Message::CompilerMessage(c) => Some(c),
            _ => None,
        })
        .collect();
    assert_eq!(compiler.len(), 2);
    let cargo_id = cargo_package_id(&dir, "my-crate");
    for c in &compiler {
        assert_eq!(c.package_id.repr, cargo_id);
        assert_eq!(c.target.name, "my_crate");
        assert_eq!(c.target.kind, vec![TargetKind::Lib]);
        assert!(
            c.message
                .rendered
                .as_deref()
                .unwrap()
                .contains(&c.message.message)
        );
    }

    let parse = &compiler[0].message;
    assert_eq!(parse.code.as_ref().unwrap().code, "leaklint::parse-error");
    assert_eq!(parse.level, DiagnosticLevel::Error);
    assert_eq!(parse.spans[0].file_name, "src/broken.rs");

    let cycle = &compiler[1].message;
    assert_eq!(cycle.code.as_ref().unwrap().code, "leaklint::rc-cycle");
    assert_eq!(cycle.level, DiagnosticLevel::Warning);
    assert_eq!(cycle.spans.len(), 2);
    let primary = &cycle.spans[0];
    assert!(primary.is_primary);
    assert_eq!(primary.file_name, "src/model.rs");
    assert_span_is_right(&dir, primary, "owner: Rc<Owner>");
    let label = &cycle.spans[1];
    assert!(!label.is_primary && label.label.is_some());
    assert_eq!(label.file_name, "src/lib.rs");
    assert_span_is_right(&dir, label, "gadgets: RefCell<Vec<Rc<Gadget>>>");
    let kinds: Vec<DiagnosticLevel> = cycle.children.iter().map(|c| c.level).collect();
    assert!(kinds.contains(&DiagnosticLevel::Help), "{kinds:?}");
}

#[test]
fn a_clean_run_is_one_successful_build_finished() {
    let dir = scratch("clean");
    std::fs::write(dir.join("src/main.rs"), "fn main() {}\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_leaklint"))
        .args(["check", "--format", "rustc-json"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let all = parse(&out.stdout);
    assert!(
        matches!(&all[..], [Message::BuildFinished(f)] if f.success),
        "{all:?}"
    );
}

/// The package id cargo itself gives `name` in the workspace at `dir`.
fn cargo_package_id(dir: &Path, name: &str) -> String {
    let metadata = MetadataCommand::new()
        .current_dir(dir)
        .no_deps()
        .other_options(vec!["--offline".to_string()])
        .exec()
        .expect("cargo metadata");
    let package = metadata
        .packages
        .iter()
        .find(|p| p.name.as_str() == name)
        .unwrap_or_else(|| panic!("{name} in {:?}", metadata.packages));
    package.id.repr.clone()
}

#[test]
fn package_ids_are_cargos_own() {
    let dir = scratch("workspace");
    std::fs::write(
        dir.join("Cargo.toml"),
        "[workspace]\nmembers = [\"member\"]\n\n[workspace.package]\nversion = \"2.0.0\"\n",
    )
    .unwrap();
    let member = dir.join("member");
    std::fs::create_dir_all(member.join("src")).unwrap();
    std::fs::write(
        member.join("Cargo.toml"),
        "[package]\nname = \"member\"\nversion.workspace = true\n",
    )
    .unwrap();
    std::fs::write(member.join("src/lib.rs"), LIB).unwrap();
    std::fs::write(member.join("src/model.rs"), MODEL).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_leaklint"))
        .args(["check", "--select", "rc-cycle", "--format", "rustc-json"])
        .current_dir(&dir)
        .output()
        .unwrap();
    let all = parse(&out.stdout);
    let Message::CompilerMessage(c) = &all[0] else {
        panic!("{all:?}");
    };
    assert_eq!(c.package_id.repr, cargo_package_id(&dir, "member"));
    assert_eq!(c.message.spans[0].file_name, "member/src/model.rs");
}
