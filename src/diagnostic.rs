//! Owned diagnostics. Rules produce [`Finding`]s (byte ranges, no syn types);
//! the engine adds the rule id, severity, line/column positions and a fingerprint.

use std::cell::Cell;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Index of a file in the run's file table.
pub type FileId = usize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Note,
}

impl Severity {
    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "note" => Some(Severity::Note),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// A byte range in one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    pub file: FileId,
    pub start: usize,
    pub end: usize,
}

thread_local! {
    static CACHED_FILE: Cell<Option<FileId>> = const { Cell::new(None) };
}

/// Runs `f` with `file` as the one file whose locations (de)serialize: a
/// [`FileId`] is an index in one run's file table, so the facts cache stores
/// byte ranges only and gives them the file's id of the run that reads them.
/// A file task's locations are all in its own file; any other fails to serialize.
pub fn in_cached_file<T>(file: FileId, f: impl FnOnce() -> T) -> T {
    let outer = CACHED_FILE.replace(Some(file));
    let out = f();
    CACHED_FILE.set(outer);
    out
}

impl Serialize for Location {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if CACHED_FILE.get() != Some(self.file) {
            return Err(serde::ser::Error::custom(
                "a location outside the file being cached",
            ));
        }
        (self.start, self.end).serialize(s)
    }
}

impl<'de> Deserialize<'de> for Location {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Location, D::Error> {
        let (start, end) = <(usize, usize)>::deserialize(d)?;
        let file = CACHED_FILE
            .get()
            .ok_or_else(|| serde::de::Error::custom("a location outside a cached file"))?;
        Ok(Location { file, start, end })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    pub location: Location,
    pub message: String,
}

/// What a rule reports: where, what, and how to fix it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub message: String,
    pub primary: Location,
    pub labels: Vec<Label>,
    pub notes: Vec<String>,
    pub help: Option<String>,
}

impl Finding {
    pub fn new(primary: Location, message: impl Into<String>) -> Finding {
        Finding {
            message: message.into(),
            primary,
            labels: Vec::new(),
            notes: Vec::new(),
            help: None,
        }
    }

    pub fn label(mut self, location: Location, message: impl Into<String>) -> Finding {
        self.labels.push(Label {
            location,
            message: message.into(),
        });
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Finding {
        self.notes.push(note.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Finding {
        self.help = Some(help.into());
        self
    }
}

/// A 1-based line, a 1-based column counted in characters, and a 0-based byte offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
    pub offset: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Span {
    pub start: Position,
    pub end: Position,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ResolvedLabel {
    pub path: String,
    #[serde(skip)]
    pub file: FileId,
    pub span: Span,
    pub message: String,
}

/// A finding as users see it: every location resolved, ready to render.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub rule: String,
    pub severity: Severity,
    pub message: String,
    pub path: String,
    #[serde(skip)]
    pub file: FileId,
    pub span: Span,
    pub labels: Vec<ResolvedLabel>,
    pub notes: Vec<String>,
    pub help: Option<String>,
    pub fingerprint: String,
}

/// 64-bit FNV-1a: small, stable across runs and platforms (std's hasher is neither).
pub fn fnv1a(bytes: &[u8], seed: u64) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325u64 ^ seed;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}
