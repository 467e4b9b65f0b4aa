//! Baselines: today's findings, recorded so that only new ones are reported.
//!
//! An entry is keyed by rule, path and a hash of the primary span's source
//! with whitespace removed (the engine's fingerprint basis), and holds a
//! count: the baseline survives lines moving and code being reformatted, and
//! a second copy of a known finding is still new.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diagnostic::{Diagnostic, fnv1a};
use crate::engine::Report;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Key {
    pub rule: String,
    pub path: String,
    pub hash: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    #[serde(flatten)]
    pub key: Key,
    pub count: usize,
    /// The first finding's message, for people reading the file.
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub entries: Vec<Entry>,
}

/// What applying a baseline found: entries (with the count) that matched nothing.
pub struct Applied {
    pub hidden: usize,
    pub stale: Vec<Entry>,
    /// The baseline with stale counts dropped, for `--prune-baseline`.
    pub pruned: Baseline,
}

pub fn key(report: &Report, d: &Diagnostic) -> Key {
    let text = crate::render::source_text(report, d.file);
    // Without any whitespace: rustfmt and hand edits change spacing, not code.
    let excerpt: String = text
        .get(d.span.start.offset..d.span.end.offset)
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    Key {
        rule: d.rule.clone(),
        path: d.path.clone(),
        hash: format!("{:016x}", fnv1a(excerpt.as_bytes(), 0)),
    }
}

pub fn from_report(report: &Report) -> Baseline {
    let mut entries: BTreeMap<Key, Entry> = BTreeMap::new();
    for d in &report.diagnostics {
        let k = key(report, d);
        entries
            .entry(k.clone())
            .or_insert_with(|| Entry {
                key: k,
                count: 0,
                message: d.message.clone(),
            })
            .count += 1;
    }
    Baseline {
        version: 1,
        entries: entries.into_values().collect(),
    }
}

pub fn write(baseline: &Baseline, path: &Path) -> Result<(), String> {
    let mut text = serde_json::to_string_pretty(baseline).expect("JSON of plain data");
    text.push('\n');
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

pub fn read(path: &Path) -> Result<Baseline, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read baseline {}: {e}", path.display()))?;
    let b: Baseline = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{}:{}: not a leaklint baseline: {e}",
            path.display(),
            e.line()
        )
    })?;
    if b.version != 1 {
        return Err(format!(
            "{}: baseline version {} is not supported (expected 1)",
            path.display(),
            b.version
        ));
    }
    Ok(b)
}

/// Hides the findings the baseline holds (up to each entry's count).
pub fn apply(report: &mut Report, baseline: &Baseline) -> Applied {
    let mut left: BTreeMap<Key, usize> = BTreeMap::new();
    for e in &baseline.entries {
        *left.entry(e.key.clone()).or_default() += e.count;
    }
    let keys: Vec<Key> = report.diagnostics.iter().map(|d| key(report, d)).collect();
    let mut keep = Vec::with_capacity(keys.len());
    let mut hidden = 0;
    for k in &keys {
        match left.get_mut(k) {
            Some(n) if *n > 0 => {
                *n -= 1;
                hidden += 1;
                keep.push(false);
            }
            _ => keep.push(true),
        }
    }
    let mut i = 0;
    report.diagnostics.retain(|_| {
        i += 1;
        keep[i - 1]
    });
    report.baselined += hidden;
    let mut stale = Vec::new();
    let mut pruned = Vec::new();
    let checked: std::collections::HashSet<&str> =
        report.reported.iter().map(String::as_str).collect();
    for e in &baseline.entries {
        // Entries of files this run did not check are neither matched nor stale.
        if !checked.contains(e.key.path.as_str()) {
            pruned.push(e.clone());
            continue;
        }
        let unmatched = left.get_mut(&e.key).map(|n| {
            let u = (*n).min(e.count);
            *n -= u;
            u
        });
        let unmatched = unmatched.unwrap_or(0);
        if unmatched > 0 {
            stale.push(Entry {
                count: unmatched,
                ..e.clone()
            });
        }
        if e.count > unmatched {
            pruned.push(Entry {
                count: e.count - unmatched,
                ..e.clone()
            });
        }
    }
    Applied {
        hidden,
        stale,
        pruned: Baseline {
            version: 1,
            entries: pruned,
        },
    }
}
