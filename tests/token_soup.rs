//! A CI-sized fuzz run: thousands of files of generated token soup (near-Rust
//! that is often invalid) through the whole pipeline. Every file must end as
//! diagnostics or nothing, never a panic or an `internal-error`. The same check
//! with coverage guidance, and for longer, is `fuzz/` (see its README).

use std::path::PathBuf;

use leaklint::engine::{self, Options};

/// xorshift64*: deterministic, so a failure names a seed that reproduces it.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

const TOKENS: &[&str] = &[
    "fn",
    "struct",
    "enum",
    "impl",
    "trait",
    "type",
    "let",
    "mut",
    "move",
    "async",
    "await",
    "loop",
    "while",
    "for",
    "in",
    "if",
    "else",
    "match",
    "return",
    "break",
    "continue",
    "static",
    "const",
    "pub",
    "use",
    "mod",
    "self",
    "Self",
    "crate",
    "super",
    "where",
    "dyn",
    "ref",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "<",
    ">",
    "::",
    ":",
    ";",
    ",",
    ".",
    "=",
    "=>",
    "->",
    "&",
    "*",
    "?",
    "!",
    "|",
    "#",
    "'a",
    "0",
    "1u8",
    "\"s\"",
    "'c'",
    "x",
    "y",
    "Rc",
    "Arc",
    "Weak",
    "RefCell",
    "Mutex",
    "Vec",
    "HashMap",
    "Option",
    "Some",
    "None",
    "Box",
    "clone",
    "new",
    "push",
    "insert",
    "remove",
    "lock",
    "borrow_mut",
    "spawn",
    "tokio",
    "thread",
    "sleep",
    "tick",
    "interval",
    "select",
    "join",
    "vec",
    "format",
    "thread_local",
    "lazy_static",
    "forget",
    "Closure",
    "set_interval_with_callback",
    "add_event_listener_with_callback",
    "connect_clicked",
    "glib",
    "timeout_add_local",
    "cached",
    "JoinSet",
    "abort",
    "Drop",
    "drop",
    "cfg",
    "test",
    "tokio::spawn",
    "std::thread::spawn",
];

/// Templates that are valid Rust, mutated by the soup so parse and rules both run.
const SEEDS: &[&str] = &[
    "struct S { a: Rc<RefCell<Vec<Rc<S>>>>, parent: Option<Rc<S>> }",
    "fn f() { tokio::spawn(async move { loop { interval.tick().await; } }); }",
    "fn g(x: &Rc<RefCell<W>>) { let c = x.clone(); x.borrow_mut().cb = Some(Box::new(move || c.go())); }",
    "thread_local! { static T: RefCell<HashMap<u8, u8>> = RefCell::new(HashMap::new()); }",
    "fn h() { let mut v = Vec::new(); loop { v.push(1); tokio::select! { _ = a => break, b = c => {} } } }",
];

fn soup(rng: &mut Rng) -> String {
    let mut out = String::new();
    if rng.next().is_multiple_of(3) {
        // Valid files too, so the rules run on every seed shape, in random company.
        for _ in 0..1 + rng.next() % 4 {
            out.push_str(rng.pick(SEEDS));
            out.push('\n');
        }
        return out;
    }
    if rng.next().is_multiple_of(2) {
        out.push_str(rng.pick(SEEDS));
        out.push('\n');
    }
    let len = 1 + rng.next() % 120;
    for _ in 0..len {
        out.push_str(rng.pick(TOKENS));
        out.push(if rng.next().is_multiple_of(7) {
            '\n'
        } else {
            ' '
        });
    }
    if rng.next().is_multiple_of(3) {
        // Splice a seed into the middle so half-valid items appear inside junk.
        let at = (rng.next() as usize) % (out.len() + 1);
        let at = (0..=at)
            .rev()
            .find(|i| out.is_char_boundary(*i))
            .unwrap_or(0);
        out.insert_str(at, rng.pick(SEEDS));
    }
    out
}

#[test]
fn token_soup_never_crashes_the_pipeline() {
    let dir = std::env::temp_dir().join(format!("leaklint-soup-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let seed = 0x1ea4_u64 ^ 0x9e37_79b9_7f4a_7c15;
    let mut rng = Rng(seed);
    let files = 2000;
    let mut paths: Vec<PathBuf> = Vec::new();
    for i in 0..files {
        let path = dir.join(format!("soup{i:04}.rs"));
        std::fs::write(&path, soup(&mut rng)).unwrap();
        paths.push(path);
    }
    let report = engine::check(&Options {
        paths: vec![dir.clone()],
        threads: Some(2),
        standalone: true,
        include_tests: true,
        ..Options::default()
    })
    .unwrap();
    let crashes: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.rule == "internal-error")
        .map(|d| format!("{}: {}", d.path, d.message))
        .collect();
    assert!(
        crashes.is_empty(),
        "seed {seed:#x}:\n{}",
        crashes.join("\n")
    );
    assert_eq!(report.files, files);
    let parsed = files - report.parse_errors();
    assert!(
        parsed > 0 && report.parse_errors() > 0,
        "the soup should mix valid and invalid files"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
