//! Which files a run reads, which crate each belongs to, and which are reported.
//!
//! A crate is the folder of the nearest `Cargo.toml` above a file. Every `.rs`
//! file of the crate of a named path is read (for cross-file facts); only files
//! under a named path are reported. A file with no `Cargo.toml` above it belongs
//! to the crate made of the named path alone.

use std::collections::{BTreeMap, HashMap};
use std::path::{Component, Path, PathBuf};

#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    pub crate_id: usize,
    pub module: Vec<String>,
    /// Under a named path: its diagnostics are shown.
    pub report: bool,
}

#[derive(Debug, Clone)]
pub struct CrateRoot {
    pub root: PathBuf,
    pub has_manifest: bool,
}

#[derive(Debug, Default)]
pub struct Discovery {
    pub files: Vec<SourceFile>,
    pub crates: Vec<CrateRoot>,
    /// Folders or entries the walk could not read, as messages.
    pub walk_errors: Vec<String>,
}

pub struct DiscoverOptions {
    pub include_tests: bool,
    /// Treat every named path as a crate of its own (fixtures, examples).
    pub standalone: bool,
}

#[derive(Debug)]
pub struct UsageError(pub String);

pub fn discover(paths: &[PathBuf], opts: &DiscoverOptions) -> Result<Discovery, UsageError> {
    for p in paths {
        if std::fs::symlink_metadata(p).is_err() {
            return Err(UsageError(format!(
                "path not found: {} (pass existing files or folders)",
                p.display()
            )));
        }
    }
    let mut manifests = ManifestCache::default();
    // absolute key -> (path as spelled, crate root, has manifest, reported)
    let mut found: BTreeMap<PathBuf, (PathBuf, PathBuf, bool, bool)> = BTreeMap::new();
    let mut insert = |file: PathBuf, root: &Path, has: bool, report: bool| {
        found
            .entry(absolute_key(&file))
            .or_insert_with(|| (file, root.to_path_buf(), has, report));
    };
    let mut errors = Vec::new();
    let mut widened: Vec<PathBuf> = Vec::new();

    for named in paths {
        let named = normalize(named);
        let manifest_root = if opts.standalone {
            None
        } else {
            manifests.root_above(&named)
        };
        if named.is_file() {
            let (root, has) = match &manifest_root {
                Some(r) => (r.clone(), true),
                None => (named.clone(), false),
            };
            insert(named.clone(), &root, has, true);
        } else {
            for file in walk(&named, &mut errors) {
                let (root, has) = if opts.standalone {
                    (named.clone(), false)
                } else {
                    match manifests.root_above(&file) {
                        Some(r) => (r, true),
                        None => (named.clone(), false),
                    }
                };
                if !opts.include_tests && in_test_folder(&file, &root) {
                    continue;
                }
                insert(file, &root, has, true);
            }
        }
        if let Some(root) = manifest_root
            && !widened.contains(&root)
        {
            widened.push(root);
        }
    }
    // Read the rest of each named path's crate for facts, without reporting it.
    for root in &widened {
        for file in walk(root, &mut errors) {
            if manifests.root_above(&file).as_ref() != Some(root) {
                continue;
            }
            if !opts.include_tests && in_test_folder(&file, root) {
                continue;
            }
            insert(file, root, true, false);
        }
    }

    let mut discovery = Discovery {
        walk_errors: errors,
        ..Discovery::default()
    };
    let mut crate_ids: HashMap<PathBuf, usize> = HashMap::new();
    for (_, (path, root, has_manifest, report)) in found {
        let crate_id = *crate_ids.entry(absolute_key(&root)).or_insert_with(|| {
            discovery.crates.push(CrateRoot {
                root: root.clone(),
                has_manifest,
            });
            discovery.crates.len() - 1
        });
        let module = module_path(&path, &root);
        discovery.files.push(SourceFile {
            path,
            crate_id,
            module,
            report,
        });
    }
    Ok(discovery)
}

fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

fn walk(dir: &Path, errors: &mut Vec<String>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let walker = ignore::WalkBuilder::new(dir)
        .hidden(true)
        .git_ignore(true)
        .git_exclude(true)
        .ignore(true)
        .parents(true)
        .require_git(false)
        .follow_links(false)
        .filter_entry(|e| {
            !(e.depth() > 0
                && e.file_type().is_some_and(|t| t.is_dir())
                && e.file_name() == "target")
        })
        .sort_by_file_name(|a, b| a.cmp(b))
        .build();
    for entry in walker {
        match entry {
            Ok(e) => {
                let is_file = e.file_type().is_some_and(|t| t.is_file() || t.is_symlink());
                if is_file && e.path().extension().is_some_and(|x| x == "rs") {
                    out.push(normalize(e.path()));
                }
            }
            Err(err) => errors.push(err.to_string()),
        }
    }
    out
}

fn in_test_folder(file: &Path, root: &Path) -> bool {
    let rel = file.strip_prefix(root).unwrap_or(file);
    matches!(
        rel.components().next(),
        Some(Component::Normal(c)) if c == "tests" || c == "benches"
    )
}

/// `src/net/pool.rs` → `net::pool`; `src/lib.rs`, `src/main.rs` → the root;
/// `src/net/mod.rs` → `net`. Files outside `src/` keep their folder names.
pub fn module_path(file: &Path, root: &Path) -> Vec<String> {
    let rel = file.strip_prefix(root).unwrap_or(file);
    let mut parts: Vec<String> = rel
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    if parts.first().is_some_and(|p| p == "src") {
        parts.remove(0);
    }
    if let Some(last) = parts.pop() {
        let stem = last.strip_suffix(".rs").unwrap_or(&last).to_string();
        let is_root = parts.is_empty() && (stem == "lib" || stem == "main");
        if stem != "mod" && !is_root {
            parts.push(stem);
        }
    }
    parts
}

#[derive(Default)]
struct ManifestCache {
    dirs: HashMap<PathBuf, Option<PathBuf>>,
}

impl ManifestCache {
    /// The folder of the nearest `Cargo.toml` with a `[package]` at or above
    /// `path`, spelled in the same style (relative or absolute) as `path`.
    fn root_above(&mut self, path: &Path) -> Option<PathBuf> {
        let dir = if path.is_dir() {
            path.to_path_buf()
        } else {
            path.parent()?.to_path_buf()
        };
        self.lookup(if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        })
    }

    fn lookup(&mut self, dir: PathBuf) -> Option<PathBuf> {
        if let Some(hit) = self.dirs.get(&dir) {
            return hit.clone();
        }
        let is_package =
            std::fs::read_to_string(dir.join("Cargo.toml")).is_ok_and(|t| t.contains("[package]"));
        let result = if is_package {
            Some(dir.clone())
        } else {
            let at_fs_root = absolute_key(&dir).parent().is_none();
            if at_fs_root {
                None
            } else {
                self.lookup(lexical_parent(&dir))
            }
        };
        self.dirs.insert(dir, result.clone());
        result
    }
}

fn lexical_parent(dir: &Path) -> PathBuf {
    match dir.components().next_back() {
        Some(Component::CurDir) => PathBuf::from(".."),
        Some(Component::ParentDir) => dir.join(".."),
        _ => match dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        },
    }
}

/// An absolute, lexically normalized path: the identity of a file in a run.
pub fn absolute_key(path: &Path) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_paths_follow_the_layout() {
        let root = Path::new("c");
        assert!(module_path(Path::new("c/src/lib.rs"), root).is_empty());
        assert_eq!(module_path(Path::new("c/src/a/b.rs"), root), vec!["a", "b"]);
        assert_eq!(module_path(Path::new("c/src/a/mod.rs"), root), vec!["a"]);
        assert_eq!(
            module_path(Path::new("c/examples/x.rs"), root),
            vec!["examples", "x"]
        );
    }
}
