//! Rule metadata, read from `rules/<id>.toml`: the what and why of a rule, its
//! examples, and the API tables its implementation reads.

use std::collections::BTreeMap;
use std::sync::OnceLock;

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

/// Entries a configuration adds to rules' `[tables]`: rule id → table → value.
static TABLE_EXTENSIONS: OnceLock<BTreeMap<String, toml::Table>> = OnceLock::new();

/// Sets the table extensions for this process. Call before the rule registry
/// is first built (`rules::registry()`); every [`RuleMeta::parse`] merges them,
/// so every rule sees its configured entries without knowing about configuration.
/// Returns false when they were already set.
pub fn set_table_extensions(ext: BTreeMap<String, toml::Table>) -> bool {
    TABLE_EXTENSIONS.set(ext).is_ok()
}

fn type_name(v: &toml::Value) -> &'static str {
    v.type_str()
}

/// Whether `ext` may extend the table value `base`: an array extends an array
/// whose elements have the same type (tables: the same keys); a scalar
/// replaces a scalar of its type. `Err` says what was expected.
pub fn extension_fits(base: &toml::Value, ext: &toml::Value) -> Result<(), String> {
    match (base, ext) {
        (toml::Value::Array(b), toml::Value::Array(e)) => {
            let Some(first) = b.first() else {
                return Ok(());
            };
            for item in e {
                let same = match (first, item) {
                    (toml::Value::Table(x), toml::Value::Table(y)) => x.keys().eq(y.keys()),
                    _ => type_name(first) == type_name(item),
                };
                if !same {
                    return Err(match first {
                        toml::Value::Table(x) => format!(
                            "an array of tables with keys {}",
                            x.keys().cloned().collect::<Vec<_>>().join(", ")
                        ),
                        other => format!("an array of {}s", type_name(other)),
                    });
                }
            }
            Ok(())
        }
        (toml::Value::Array(_), _) => Err("an array".to_string()),
        (b, e) if type_name(b) == type_name(e) => Ok(()),
        (b, _) => Err(format!("a {}", type_name(b))),
    }
}

fn extend(base: &mut toml::Value, ext: &toml::Value) {
    match (base, ext) {
        (toml::Value::Array(b), toml::Value::Array(e)) => {
            for item in e {
                if !b.contains(item) {
                    b.push(item.clone());
                }
            }
        }
        (b, e) => *b = e.clone(),
    }
}

impl RuleMeta {
    /// Parses embedded TOML. A malformed rule file is a bug in leaklint itself,
    /// caught by the test suite, so this panics with the file's id.
    pub fn parse(text: &str) -> RuleMeta {
        let mut meta: RuleMeta =
            toml::from_str(text).unwrap_or_else(|e| panic!("bad rule TOML: {e}"));
        if let Some(ext) = TABLE_EXTENSIONS.get().and_then(|m| m.get(&meta.id)) {
            for (name, value) in ext {
                if let Some(base) = meta.tables.get_mut(name)
                    && extension_fits(base, value).is_ok()
                {
                    extend(base, value);
                }
            }
        }
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
