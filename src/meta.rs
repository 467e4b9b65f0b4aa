//! Rule metadata, read from `rules/<id>.toml`: the what and why of a rule, its
//! examples, and the API tables its implementation reads.

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::diagnostic::Severity;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleMeta {
    pub id: String,
    pub summary: String,
    pub severity: String,
    pub category: String,
    pub explain: Explain,
    #[serde(default, rename = "example")]
    pub examples: Vec<Example>,
    #[serde(default)]
    pub tables: toml::Table,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Explain {
    pub finds: String,
    pub why: String,
    pub limits: String,
}

#[derive(Debug, Deserialize, PartialEq, Eq, Clone, Copy)]
#[serde(rename_all = "lowercase")]
pub enum ExampleKind {
    Bad,
    Good,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    pub kind: ExampleKind,
    pub code: String,
}

impl RuleMeta {
    /// Parses embedded TOML. A malformed rule file is a bug in leaklint itself,
    /// caught by the test suite, so this panics with the file's id.
    pub fn parse(text: &str) -> RuleMeta {
        let meta: RuleMeta = toml::from_str(text).unwrap_or_else(|e| panic!("bad rule TOML: {e}"));
        assert!(
            Severity::parse(&meta.severity).is_some(),
            "rule {}: bad severity {}",
            meta.id,
            meta.severity
        );
        meta
    }

    pub fn default_severity(&self) -> Severity {
        Severity::parse(&self.severity).expect("checked in parse")
    }

    /// The rule's API tables as a typed struct.
    pub fn tables<T: DeserializeOwned>(&self) -> T {
        self.tables
            .clone()
            .try_into()
            .unwrap_or_else(|e| panic!("rule {}: bad [tables]: {e}", self.id))
    }

    /// The text of `leaklint explain <id>`.
    pub fn explain_text(&self) -> String {
        let mut out = format!(
            "{} ({}, default severity: {})\n\n{}\n\nWhat it finds\n\n{}\n\nWhy it is bad\n\n{}\n\nKnown limits\n\n{}\n",
            self.id,
            self.category,
            self.severity,
            self.summary,
            self.explain.finds.trim(),
            self.explain.why.trim(),
            self.explain.limits.trim()
        );
        for kind in [ExampleKind::Bad, ExampleKind::Good] {
            for ex in self.examples.iter().filter(|e| e.kind == kind) {
                let title = if kind == ExampleKind::Bad {
                    "Bad"
                } else {
                    "Good"
                };
                out.push_str(&format!("\n{title}\n\n```rust\n{}\n```\n", ex.code.trim()));
            }
        }
        out
    }
}
