//! Configuration: `leaklint.toml`, or `[package.metadata.leaklint]` /
//! `[workspace.metadata.leaklint]` in `Cargo.toml`. The closest one at or above
//! the checked path wins (in one folder, `leaklint.toml` before `Cargo.toml`).
//!
//! Errors name the file, the line and the key, list the valid choices, and
//! make the run exit with 2. Per-rule options extend the rules' `[tables]`
//! through [`crate::meta::set_table_extensions`], before the registry is built.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::diagnostic::Severity;

/// Every key of the configuration: name, TOML type, meaning. The README's
/// reference is `leaklint config --reference`; a test keeps the two equal.
pub const KEYS: &[(&str, &str, &str)] = &[
    (
        "select",
        "array of rule ids",
        "Run only these rules (default: every rule). `--select` replaces it.",
    ),
    (
        "ignore",
        "array of rule ids",
        "Skip these rules. `--ignore` adds to it.",
    ),
    (
        "severity",
        "table of rule id = `\"error\"`, `\"warning\"` or `\"note\"`",
        "Report a rule at another severity than its default.",
    ),
    (
        "exclude",
        "array of globs",
        "Paths not to report: gitignore syntax, relative to the configuration file's folder. Default: none (`target/`, hidden folders and git-ignored files are never walked). Named files are still checked unless `--force-exclude`.",
    ),
    (
        "extend-exclude",
        "array of globs",
        "More paths not to report, added to `exclude`.",
    ),
    (
        "include-tests",
        "boolean",
        "Also check test code (default: false). `--include-tests` turns it on.",
    ),
    (
        "rules.<rule-id>.<table>",
        "the type of that table in `rules/<rule-id>.toml` (an array, or a table of entries)",
        "Entries added to one of the rule's API tables, e.g. your own spawn functions, listener pairs or cache types.",
    ),
];

/// The reference table, in Markdown.
pub fn reference() -> String {
    let mut out = String::from("| key | type | meaning |\n|---|---|---|\n");
    for (key, ty, doc) in KEYS {
        out.push_str(&format!("| `{key}` | {ty} | {doc} |\n"));
    }
    out
}

type Ids = Spanned<Vec<Spanned<String>>>;
/// `[rules.<id>]`: table name → entries to add.
type RuleOptions = BTreeMap<Spanned<String>, Spanned<toml::Value>>;

#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    select: Option<Ids>,
    ignore: Option<Ids>,
    severity: Option<BTreeMap<Spanned<String>, Spanned<String>>>,
    exclude: Option<Spanned<Vec<String>>>,
    extend_exclude: Option<Spanned<Vec<String>>>,
    include_tests: Option<Spanned<bool>>,
    rules: Option<BTreeMap<Spanned<String>, RuleOptions>>,
}

#[derive(Deserialize)]
struct CargoToml {
    package: Option<CargoSection>,
    workspace: Option<CargoSection>,
}

#[derive(Deserialize)]
struct CargoSection {
    metadata: Option<CargoMetadata>,
}

#[derive(Deserialize)]
struct CargoMetadata {
    leaklint: Option<RawConfig>,
}

/// A value and where it came from: `default`, `command line`, or `file:line`.
#[derive(Debug, Clone)]
pub struct Setting<T> {
    pub value: T,
    pub origin: String,
}

impl<T> Setting<T> {
    fn default(value: T) -> Setting<T> {
        Setting {
            value,
            origin: "default".to_string(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct TableExtension {
    pub rule: String,
    pub table: String,
    pub value: toml::Value,
    pub origin: String,
}

#[derive(Debug, Clone)]
pub struct Config {
    /// The file read, and which part of it (`leaklint.toml`, `[package.metadata.leaklint]`).
    pub source: Option<(PathBuf, String)>,
    /// Folder that exclude globs are relative to.
    pub root: PathBuf,
    pub select: Setting<Option<Vec<String>>>,
    pub ignore: Setting<Vec<String>>,
    pub severity: Vec<(String, Severity, String)>,
    pub exclude: Setting<Vec<String>>,
    pub extend_exclude: Setting<Vec<String>>,
    pub include_tests: Setting<bool>,
    pub tables: Vec<TableExtension>,
    /// Rule ids as written, with their origin, checked once the registry exists.
    rule_refs: Vec<(String, String)>,
}

#[derive(Debug)]
pub struct ConfigError(pub String);

impl Config {
    pub fn empty(root: PathBuf) -> Config {
        Config {
            source: None,
            root,
            select: Setting::default(None),
            ignore: Setting::default(Vec::new()),
            severity: Vec::new(),
            exclude: Setting::default(Vec::new()),
            extend_exclude: Setting::default(Vec::new()),
            include_tests: Setting::default(false),
            tables: Vec::new(),
            rule_refs: Vec::new(),
        }
    }

    /// The configuration that applies to `path`: the closest one above it.
    pub fn discover(path: &Path) -> Result<Config, ConfigError> {
        let abs = crate::discover::absolute_key(path);
        let start = if abs.is_dir() {
            abs.clone()
        } else {
            abs.parent().map(Path::to_path_buf).unwrap_or(abs.clone())
        };
        for dir in start.ancestors() {
            let own = dir.join("leaklint.toml");
            if own.is_file() {
                return Config::load(&own);
            }
            let manifest = dir.join("Cargo.toml");
            if manifest.is_file()
                && let Some(config) = Config::from_manifest(&manifest)?
            {
                return Ok(config);
            }
        }
        Ok(Config::empty(start))
    }

    /// Reads one file: a `leaklint.toml`, or a `Cargo.toml`'s metadata.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        if path.file_name().is_some_and(|n| n == "Cargo.toml") {
            return Ok(Config::from_manifest(path)?.unwrap_or_else(|| {
                Config::empty(path.parent().unwrap_or(Path::new(".")).to_path_buf())
            }));
        }
        let text = read(path)?;
        let raw: RawConfig = toml::from_str(&text).map_err(|e| toml_error(path, &text, &e))?;
        Config::build(path, &text, "leaklint.toml", raw)
    }

    fn from_manifest(path: &Path) -> Result<Option<Config>, ConfigError> {
        let text = read(path)?;
        // Only the leaklint part must be ours; a manifest cargo accepts is fine otherwise.
        let quick: toml::Table = match toml::from_str(&text) {
            Ok(t) => t,
            Err(_) => return Ok(None),
        };
        let has = |section: &str| {
            quick
                .get(section)
                .and_then(|s| s.get("metadata"))
                .and_then(|m| m.get("leaklint"))
                .is_some()
        };
        if !has("package") && !has("workspace") {
            return Ok(None);
        }
        let parsed: CargoToml = toml::from_str(&text).map_err(|e| toml_error(path, &text, &e))?;
        let from_package = parsed
            .package
            .and_then(|p| p.metadata)
            .and_then(|m| m.leaklint);
        let (raw, part) = match from_package {
            Some(raw) => (raw, "[package.metadata.leaklint]"),
            None => (
                parsed
                    .workspace
                    .and_then(|w| w.metadata)
                    .and_then(|m| m.leaklint)
                    .unwrap_or_default(),
                "[workspace.metadata.leaklint]",
            ),
        };
        Config::build(path, &text, part, raw).map(Some)
    }

    fn build(path: &Path, text: &str, part: &str, raw: RawConfig) -> Result<Config, ConfigError> {
        let root = crate::discover::absolute_key(path.parent().unwrap_or(Path::new(".")));
        let mut config = Config::empty(root);
        config.source = Some((path.to_path_buf(), part.to_string()));
        let at = |span: Range<usize>| format!("{}:{}", path.display(), line_of(text, span.start));
        let mut refs = Vec::new();
        if let Some(select) = raw.select {
            let origin = at(select.span());
            let ids = select.into_inner();
            refs.extend(ids.iter().map(|s| (s.get_ref().clone(), at(s.span()))));
            config.select = Setting {
                value: Some(ids.into_iter().map(Spanned::into_inner).collect()),
                origin,
            };
        }
        if let Some(ignore) = raw.ignore {
            let origin = at(ignore.span());
            let ids = ignore.into_inner();
            refs.extend(ids.iter().map(|s| (s.get_ref().clone(), at(s.span()))));
            config.ignore = Setting {
                value: ids.into_iter().map(Spanned::into_inner).collect(),
                origin,
            };
        }
        for (rule, level) in raw.severity.unwrap_or_default() {
            refs.push((rule.get_ref().clone(), at(rule.span())));
            let Some(severity) = Severity::parse(level.get_ref()) else {
                return Err(ConfigError(format!(
                    "{}: severity.{}: unknown severity `{}`; valid: error, warning, note",
                    at(level.span()),
                    rule.get_ref(),
                    level.get_ref()
                )));
            };
            config
                .severity
                .push((rule.into_inner(), severity, at(level.span())));
        }
        if let Some(exclude) = raw.exclude {
            config.exclude = Setting {
                origin: at(exclude.span()),
                value: exclude.into_inner(),
            };
        }
        if let Some(extend) = raw.extend_exclude {
            config.extend_exclude = Setting {
                origin: at(extend.span()),
                value: extend.into_inner(),
            };
        }
        for glob in config
            .exclude
            .value
            .iter()
            .chain(&config.extend_exclude.value)
        {
            let mut b = ignore::gitignore::GitignoreBuilder::new(&config.root);
            if let Err(e) = b.add_line(None, glob) {
                return Err(ConfigError(format!(
                    "{}: bad exclude glob `{glob}`: {e}",
                    path.display()
                )));
            }
        }
        if let Some(include) = raw.include_tests {
            config.include_tests = Setting {
                origin: at(include.span()),
                value: include.into_inner(),
            };
        }
        for (rule, tables) in raw.rules.unwrap_or_default() {
            refs.push((rule.get_ref().clone(), at(rule.span())));
            for (table, value) in tables {
                config.tables.push(TableExtension {
                    rule: rule.get_ref().clone(),
                    table: table.get_ref().clone(),
                    origin: at(table.span()),
                    value: value.into_inner(),
                });
            }
        }
        config.rule_refs = refs;
        Ok(config)
    }

    /// Extensions for [`crate::meta::set_table_extensions`]: rule id → table → value.
    pub fn table_extensions(&self) -> BTreeMap<String, toml::Table> {
        let mut map: BTreeMap<String, toml::Table> = BTreeMap::new();
        for t in &self.tables {
            map.entry(t.rule.clone())
                .or_default()
                .insert(t.table.clone(), t.value.clone());
        }
        map
    }

    /// Checks rule ids and table names against the registry (call after the
    /// table extensions are set). `engine_ids` are valid ids that are not rules.
    pub fn validate(&self, engine_ids: &[&str]) -> Result<(), ConfigError> {
        let rules = crate::rules::registry();
        let valid: Vec<&str> = rules
            .iter()
            .map(|r| r.id())
            .chain(engine_ids.iter().copied())
            .collect();
        for (id, origin) in &self.rule_refs {
            if !valid.contains(&id.as_str()) {
                return Err(ConfigError(format!(
                    "{origin}: unknown rule `{id}`; valid rules: {}",
                    valid.join(", ")
                )));
            }
        }
        for t in &self.tables {
            let Some(rule) = crate::rules::find(&t.rule) else {
                return Err(ConfigError(format!(
                    "{}: rules.{}: `{}` has no tables; rules with tables: {}",
                    t.origin,
                    t.rule,
                    t.rule,
                    rules
                        .iter()
                        .filter(|r| !r.meta().tables.is_empty())
                        .map(|r| r.id())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            };
            let tables = &rule.meta().tables;
            let names: Vec<&str> = tables.keys().map(String::as_str).collect();
            let Some(base) = tables.get(&t.table) else {
                return Err(ConfigError(format!(
                    "{}: rules.{}.{}: unknown table `{}`; tables of {}: {}",
                    t.origin,
                    t.rule,
                    t.table,
                    t.table,
                    t.rule,
                    if names.is_empty() {
                        "(none)".to_string()
                    } else {
                        names.join(", ")
                    }
                )));
            };
            if let Err(expected) = crate::meta::extension_fits(base, &t.value) {
                return Err(ConfigError(format!(
                    "{}: rules.{}.{}: wrong type; expected {expected}",
                    t.origin, t.rule, t.table
                )));
            }
        }
        Ok(())
    }

    /// What `leaklint config` prints: every value and where it came from.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        match &self.source {
            Some((path, part)) => {
                out.push_str(&format!("# configuration: {} {part}\n", path.display()))
            }
            None => out.push_str("# configuration: none found; defaults\n"),
        }
        let list = |v: &[String]| {
            format!(
                "[{}]",
                v.iter()
                    .map(|s| format!("{s:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let mut line = |key: &str, value: String, origin: &str| {
            out.push_str(&format!("{key} = {value}  # {origin}\n"));
        };
        match &self.select.value {
            Some(ids) => line("select", list(ids), &self.select.origin),
            None => line("select", "(every rule)".to_string(), &self.select.origin),
        }
        line("ignore", list(&self.ignore.value), &self.ignore.origin);
        line("exclude", list(&self.exclude.value), &self.exclude.origin);
        line(
            "extend-exclude",
            list(&self.extend_exclude.value),
            &self.extend_exclude.origin,
        );
        line(
            "include-tests",
            self.include_tests.value.to_string(),
            &self.include_tests.origin,
        );
        for rule in crate::rules::registry() {
            let (severity, origin) = self
                .severity
                .iter()
                .rev()
                .find(|(id, _, _)| id == rule.id())
                .map(|(_, s, o)| (*s, o.as_str()))
                .unwrap_or((rule.meta().default_severity(), "default"));
            line(
                &format!("severity.{}", rule.id()),
                format!("{:?}", severity.as_str()),
                origin,
            );
        }
        for (id, severity, origin) in &self.severity {
            if crate::rules::find(id).is_none() {
                line(
                    &format!("severity.{id}"),
                    format!("{:?}", severity.as_str()),
                    origin,
                );
            }
        }
        for t in &self.tables {
            line(
                &format!("rules.{}.{}", t.rule, t.table),
                format!("+ {}", t.value),
                &t.origin,
            );
        }
        out
    }

    /// The exclude matcher: `exclude` and `extend-exclude`, relative to [`Config::root`].
    pub fn exclude_matcher(&self) -> Option<ignore::gitignore::Gitignore> {
        let globs: Vec<&String> = self
            .exclude
            .value
            .iter()
            .chain(&self.extend_exclude.value)
            .collect();
        if globs.is_empty() {
            return None;
        }
        let mut b = ignore::gitignore::GitignoreBuilder::new(&self.root);
        for g in globs {
            let _ = b.add_line(None, g);
        }
        b.build().ok()
    }
}

fn read(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path)
        .map_err(|e| ConfigError(format!("cannot read {}: {e}", path.display())))
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

fn toml_error(path: &Path, text: &str, e: &toml::de::Error) -> ConfigError {
    let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(1);
    let message = e.message().trim();
    ConfigError(format!("{}:{line}: {message}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_name_the_line_and_the_valid_keys() {
        let text = "select = [\"rc-cycle\"]\n\nexlude = []\n";
        let e = toml::from_str::<RawConfig>(text).unwrap_err();
        let err = toml_error(Path::new("leaklint.toml"), text, &e).0;
        assert!(
            err.starts_with("leaklint.toml:3: unknown field `exlude`"),
            "{err}"
        );
        assert!(err.contains("extend-exclude"), "{err}");
    }

    #[test]
    fn spanned_keys_give_lines() {
        let text = "[severity]\nrc-cycle = \"error\"\n\n[rules.rc-cycle]\nweak = [\"my::Weak\"]\n";
        let raw: RawConfig = toml::from_str(text).unwrap();
        let c = Config::build(Path::new("x/leaklint.toml"), text, "leaklint.toml", raw).unwrap();
        assert_eq!(c.severity[0].2, "x/leaklint.toml:2");
        assert_eq!(c.tables[0].origin, "x/leaklint.toml:5");
        assert_eq!(c.rule_refs[1].1, "x/leaklint.toml:4");
    }
}
