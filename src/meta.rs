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
/// whose elements have the same type (tables: only keys the base's elements
/// use, with every key they all have); a table adds keys with values of a type
/// its values have, and extends the values of keys it has; a scalar replaces a
/// scalar of its type. `Err` says what was expected.
pub fn extension_fits(base: &toml::Value, ext: &toml::Value) -> Result<(), String> {
    use toml::Value;
    match (base, ext) {
        (Value::Array(b), Value::Array(e)) => {
            let Some(first) = b.first() else {
                return Ok(());
            };
            if let Value::Table(_) = first {
                let tables: Vec<&toml::Table> = b.iter().filter_map(Value::as_table).collect();
                let any: BTreeMap<&String, &Value> = tables.iter().flat_map(|t| t.iter()).collect();
                let all: Vec<&String> = any
                    .keys()
                    .copied()
                    .filter(|k| tables.iter().all(|t| t.contains_key(*k)))
                    .collect();
                let expected = || {
                    format!(
                        "an array of tables with keys {} (required: {})",
                        any.keys()
                            .map(|k| k.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                        all.iter()
                            .map(|k| k.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                for item in e {
                    let Value::Table(t) = item else {
                        return Err(expected());
                    };
                    if all.iter().any(|k| !t.contains_key(*k)) {
                        return Err(expected());
                    }
                    for (k, v) in t {
                        match any.get(k) {
                            Some(b) => extension_fits(b, v).map_err(|e| format!("{k}: {e}"))?,
                            None => return Err(expected()),
                        }
                    }
                }
                return Ok(());
            }
            for item in e {
                if type_name(first) != type_name(item) {
                    return Err(format!("an array of {}s", type_name(first)));
                }
            }
            Ok(())
        }
        (Value::Array(_), _) => Err("an array".to_string()),
        (Value::Table(b), Value::Table(e)) => {
            for (k, v) in e {
                match b.get(k) {
                    Some(bv) => extension_fits(bv, v).map_err(|e| format!("{k}: {e}"))?,
                    None => {
                        if !b.values().any(|bv| type_name(bv) == type_name(v)) {
                            return Err(format!(
                                "{k}: a value of type {}",
                                b.values()
                                    .map(type_name)
                                    .collect::<std::collections::BTreeSet<_>>()
                                    .into_iter()
                                    .collect::<Vec<_>>()
                                    .join(" or ")
                            ));
                        }
                    }
                }
            }
            Ok(())
        }
        (Value::Table(_), _) => Err("a table".to_string()),
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
        (toml::Value::Table(b), toml::Value::Table(e)) => {
            for (k, v) in e {
                match b.get_mut(k) {
                    Some(bv) => extend(bv, v),
                    None => {
                        b.insert(k.clone(), v.clone());
                    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> toml::Value {
        toml::from_str::<toml::Table>(&format!("x = {text}")).unwrap()["x"].clone()
    }

    #[test]
    fn extensions_fit_arrays_maps_and_records() {
        let fits = |b: &str, e: &str| extension_fits(&v(b), &v(e));
        assert!(fits(r#"["a"]"#, r#"["b"]"#).is_ok());
        assert!(fits(r#"["a"]"#, "[1]").unwrap_err().contains("strings"));
        assert!(
            fits(
                r#"{ "tokio::spawn" = "tokio" }"#,
                r#"{ "my::spawn" = "tokio" }"#
            )
            .is_ok()
        );
        assert!(fits(r#"{ "tokio::spawn" = "tokio" }"#, r#"{ "my::spawn" = 1 }"#).is_err());
        let records = r#"[{ types = ["a"], constructors = ["b"] }, { types = ["c"], constructors = [], note = "n" }]"#;
        assert!(fits(records, r#"[{ types = ["x"], constructors = ["y"] }]"#).is_ok());
        assert!(
            fits(records, r#"[{ types = ["x"] }]"#)
                .unwrap_err()
                .contains("required: constructors, types")
        );
        assert!(
            fits(
                records,
                r#"[{ types = ["x"], constructors = [], typo = 1 }]"#
            )
            .is_err()
        );
        let mut base = v(r#"{ a = ["1"] }"#);
        extend(&mut base, &v(r#"{ a = ["2"], b = ["3"] }"#));
        assert_eq!(base, v(r#"{ a = ["1", "2"], b = ["3"] }"#));
    }
}
