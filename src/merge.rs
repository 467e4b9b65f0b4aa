//! `leaklint merge`: joins the JSON or SARIF documents of `--shard K/N` runs
//! into one, as if a single run had checked every shard.

use serde_json::Value;

pub fn merge(docs: &[(String, Value)]) -> Result<Value, String> {
    let (first_name, first) = docs.first().ok_or("merge needs at least one file")?;
    let is_sarif = |v: &Value| v.get("runs").is_some_and(Value::is_array);
    let is_json = |v: &Value| {
        v.get("version") == Some(&Value::from(1))
            && v.get("diagnostics").is_some_and(Value::is_array)
    };
    if is_sarif(first) {
        for (name, d) in docs {
            if !is_sarif(d) {
                return Err(format!("{name}: not a SARIF document like {first_name}"));
            }
        }
        Ok(merge_sarif(docs))
    } else if is_json(first) {
        for (name, d) in docs {
            if !is_json(d) {
                return Err(format!(
                    "{name}: not a leaklint JSON document (version 1) like {first_name}"
                ));
            }
        }
        Ok(merge_json(docs))
    } else {
        Err(format!(
            "{first_name}: neither leaklint JSON (--format json) nor SARIF (--format sarif)"
        ))
    }
}

fn merge_json(docs: &[(String, Value)]) -> Value {
    let mut merged = docs[0].1.clone();
    let mut diagnostics: Vec<Value> = Vec::new();
    let mut suppressed: Vec<Value> = Vec::new();
    let mut summary = serde_json::Map::new();
    for (_, doc) in docs {
        diagnostics.extend(doc["diagnostics"].as_array().into_iter().flatten().cloned());
        suppressed.extend(doc["suppressed"].as_array().into_iter().flatten().cloned());
        for (key, value) in doc["summary"].as_object().into_iter().flatten() {
            let n = value.as_u64().unwrap_or(0);
            let entry = summary.entry(key.clone()).or_insert(Value::from(0u64));
            let old = entry.as_u64().unwrap_or(0);
            // Shards run side by side: the merged run took as long as the slowest.
            *entry = Value::from(if key == "elapsed_ms" {
                old.max(n)
            } else {
                old + n
            });
        }
    }
    sort_diagnostics(&mut diagnostics);
    merged["diagnostics"] = Value::Array(diagnostics);
    if !suppressed.is_empty() {
        sort_diagnostics(&mut suppressed);
        merged["suppressed"] = Value::Array(suppressed);
    }
    merged["summary"] = Value::Object(summary);
    merged
}

/// The order a single run prints: path, offset, rule, message.
fn sort_diagnostics(diagnostics: &mut [Value]) {
    diagnostics.sort_by(|a, b| {
        let key = |d: &Value| {
            (
                d["path"].as_str().unwrap_or("").to_string(),
                d["span"]["start"]["offset"].as_u64().unwrap_or(0),
                d["rule"].as_str().unwrap_or("").to_string(),
                d["message"].as_str().unwrap_or("").to_string(),
            )
        };
        key(a).cmp(&key(b))
    });
}

fn merge_sarif(docs: &[(String, Value)]) -> Value {
    let mut merged = docs[0].1.clone();
    let mut results: Vec<Value> = Vec::new();
    for (_, doc) in docs {
        for run in doc["runs"].as_array().into_iter().flatten() {
            results.extend(run["results"].as_array().into_iter().flatten().cloned());
        }
    }
    results.sort_by(|a, b| {
        let key = |r: &Value| {
            let loc = &r["locations"][0]["physicalLocation"];
            (
                loc["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
                loc["region"]["startLine"].as_u64().unwrap_or(0),
                loc["region"]["startColumn"].as_u64().unwrap_or(0),
                r["ruleId"].as_str().unwrap_or("").to_string(),
            )
        };
        key(a).cmp(&key(b))
    });
    if let Some(runs) = merged["runs"].as_array_mut() {
        runs.truncate(1);
        if let Some(run) = runs.first_mut() {
            run["results"] = Value::Array(results);
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(diags: Vec<Value>, files: u64, ms: u64) -> Value {
        json!({"version": 1, "tool": {"name": "leaklint"}, "diagnostics": diags,
               "summary": {"files": files, "diagnostics": 1, "elapsed_ms": ms}})
    }

    fn diag(path: &str, offset: u64) -> Value {
        json!({"path": path, "rule": "rc-cycle", "message": "m", "span": {"start": {"offset": offset}}})
    }

    #[test]
    fn json_shards_merge_sorted_with_summed_counts() {
        let a = doc(vec![diag("b.rs", 5)], 3, 40);
        let b = doc(vec![diag("a.rs", 9)], 2, 70);
        let m = merge(&[("a".into(), a), ("b".into(), b)]).unwrap();
        let paths: Vec<_> = m["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["path"].clone())
            .collect();
        assert_eq!(paths, vec![json!("a.rs"), json!("b.rs")]);
        assert_eq!(m["summary"]["files"], 5);
        assert_eq!(m["summary"]["diagnostics"], 2);
        assert_eq!(m["summary"]["elapsed_ms"], 70);
    }

    #[test]
    fn mixed_documents_are_refused() {
        let sarif = json!({"runs": [{"results": []}]});
        let err = merge(&[
            ("x.sarif".into(), sarif),
            ("y.json".into(), doc(vec![], 0, 0)),
        ])
        .unwrap_err();
        assert!(err.contains("y.json"), "{err}");
    }
}
