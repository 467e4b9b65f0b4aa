//! The facts cache: for each source file, everything the crate pass and the
//! report need from its file task (findings, item facts, rule facts,
//! suppression comments), so a re-run over unchanged files reads and hashes
//! them, loads their entries, and runs only the crate pass and the rendering.
//!
//! Layout: `<root>/<version>-<build>/<entry>`. `<build>` hashes the running
//! executable's size and modification time, so a rebuilt leaklint never reads
//! another build's entries. `<entry>` hashes the file's path and module with
//! the run's configuration (the rules, their tables after configuration,
//! whether test code is checked); the entry holds a hash and the length of the
//! file's bytes, compared on load, so an edit overwrites the file's one entry.
//! Entries are written to a temporary name and renamed: parallel runs never
//! see half an entry. A new build's folder prunes all but the two most recent
//! older ones, so the cache does not grow across versions.

use std::any::Any;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::diagnostic::{FileId, in_cached_file};
use crate::rules::{Rule, RuleFacts};

/// Bumped when the entry layout changes in a way the build hash would not catch.
const FORMAT: u32 = 1;
/// Older builds' folders kept next to the current one.
const KEEP_OLDER: usize = 2;

pub struct Cache {
    dir: PathBuf,
    config: u64,
    writable: AtomicBool,
    warning: OnceLock<String>,
    hits: AtomicUsize,
    misses: AtomicUsize,
    written: AtomicUsize,
}

/// Where a file's entry is, and what its bytes must hash to.
pub struct FileKey {
    entry: u64,
    content: u64,
    len: u64,
}

#[derive(Serialize, Deserialize)]
struct Entry<T> {
    content: u64,
    len: u64,
    result: T,
    /// Rule index in the run's rule list (part of the key), and its encoded facts.
    facts: Vec<(usize, Vec<u8>)>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    pub hits: usize,
    pub misses: usize,
    pub written: usize,
}

/// `$CARGO_TARGET_DIR/leaklint`, else `target/leaklint` in the cargo project
/// around `cwd` (the nearest folder with a `Cargo.toml` declaring a workspace,
/// else the nearest with a `Cargo.toml`), else `cwd/target/leaklint`.
pub fn default_root(cwd: &Path) -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR").filter(|d| !d.is_empty()) {
        return cwd.join(dir).join("leaklint");
    }
    let manifests: Vec<&Path> = cwd
        .ancestors()
        .filter(|d| d.join("Cargo.toml").is_file())
        .collect();
    let workspace = manifests.iter().find(|d| {
        std::fs::read_to_string(d.join("Cargo.toml"))
            .is_ok_and(|t| t.lines().any(|l| l.trim_start().starts_with("[workspace")))
    });
    let project = workspace.or(manifests.first()).copied().unwrap_or(cwd);
    project.join("target").join("leaklint")
}

fn hash_of(value: impl Hash) -> u64 {
    let mut h = DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}

/// Changes whenever the executable is rebuilt or replaced.
fn build_id() -> u64 {
    let meta = std::env::current_exe().and_then(std::fs::metadata);
    let stamp = meta.ok().map(|m| {
        let modified = m
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
        (m.len(), modified)
    });
    hash_of((FORMAT, stamp))
}

/// A folder this cache made for some build: `<version>-<16 hex digits>`.
fn is_build_dir(name: &str) -> bool {
    name.rsplit_once('-').is_some_and(|(version, hash)| {
        !version.is_empty() && hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

impl Cache {
    /// The cache under `root` for this build and configuration. A folder that
    /// cannot be created leaves the cache empty, with a [`Cache::warning`].
    pub fn open(root: &Path, rules: &[&'static dyn Rule], include_tests: bool) -> Cache {
        let name = format!("{}-{:016x}", env!("CARGO_PKG_VERSION"), build_id());
        let rule_keys: Vec<(&str, &str, String)> = rules
            .iter()
            .map(|r| {
                (
                    r.id(),
                    r.meta().severity.as_str(),
                    format!("{:?}", r.meta().tables),
                )
            })
            .collect();
        let cache = Cache {
            dir: root.join(&name),
            config: hash_of((rule_keys, include_tests)),
            writable: AtomicBool::new(true),
            warning: OnceLock::new(),
            hits: AtomicUsize::new(0),
            misses: AtomicUsize::new(0),
            written: AtomicUsize::new(0),
        };
        if !cache.dir.is_dir() {
            let made = std::fs::create_dir_all(&cache.dir).and_then(|()| {
                std::fs::write(
                    root.join("CACHEDIR.TAG"),
                    "Signature: 8a477f597d28d172789f06886806bc55\n# leaklint's facts cache; safe to delete.\n",
                )?;
                // Git ignores the cache wherever it lands (a repository without a
                // `/target` rule, a pre-commit run that checks the tree is unchanged).
                std::fs::write(root.join(".gitignore"), "# leaklint's facts cache\n*\n")
            });
            match made {
                Ok(()) => prune(root, &name),
                Err(e) => cache.disable(&e),
            }
        }
        cache
    }

    fn disable(&self, e: &std::io::Error) {
        self.writable.store(false, Ordering::Relaxed);
        let _ = self.warning.set(format!(
            "cache disabled: cannot write {}: {e}",
            self.dir.display()
        ));
    }

    /// Why entries are not written, once per run.
    pub fn warning(&self) -> Option<&str> {
        self.warning.get().map(String::as_str)
    }

    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            written: self.written.load(Ordering::Relaxed),
        }
    }

    pub fn key(&self, path: &Path, module: &[String], bytes: &[u8]) -> FileKey {
        let path = crate::discover::absolute_key(path);
        let mut content = DefaultHasher::new();
        content.write(bytes);
        FileKey {
            entry: hash_of((self.config, path, module)),
            content: content.finish(),
            len: bytes.len() as u64,
        }
    }

    fn entry_path(&self, key: &FileKey) -> PathBuf {
        self.dir.join(format!("{:016x}", key.entry))
    }

    /// The stored result of file `id`, if its entry matches the bytes hashed in `key`.
    pub fn load<T: DeserializeOwned>(
        &self,
        id: FileId,
        key: &FileKey,
        rules: &[&'static dyn Rule],
    ) -> Option<(T, Vec<(usize, RuleFacts)>)> {
        let found = std::fs::read(self.entry_path(key)).ok().and_then(|bytes| {
            in_cached_file(id, || {
                let entry: Entry<T> = bincode::deserialize(&bytes).ok()?;
                if entry.content != key.content || entry.len != key.len {
                    return None;
                }
                let facts = entry
                    .facts
                    .into_iter()
                    .map(|(i, b)| Some((i, rules.get(i)?.decode_facts(&b)?)))
                    .collect::<Option<Vec<_>>>()?;
                Some((entry.result, facts))
            })
        });
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// Stores file `id`'s result, unless a rule's facts cannot be encoded.
    pub fn store<T: Serialize>(
        &self,
        id: FileId,
        key: &FileKey,
        result: &T,
        facts: &[(usize, RuleFacts)],
        rules: &[&'static dyn Rule],
    ) {
        if !self.writable.load(Ordering::Relaxed) {
            return;
        }
        let encoded = in_cached_file(id, || {
            let facts = facts
                .iter()
                .map(|(i, f)| Some((*i, rules[*i].encode_facts(f.as_ref())?)))
                .collect::<Option<Vec<_>>>()?;
            let entry = Entry {
                content: key.content,
                len: key.len,
                result,
                facts,
            };
            bincode::serialize(&entry).ok()
        });
        let Some(bytes) = encoded else {
            return;
        };
        static TEMP: AtomicUsize = AtomicUsize::new(0);
        let path = self.entry_path(key);
        let temp = path.with_extension(format!(
            "tmp-{}-{}",
            std::process::id(),
            TEMP.fetch_add(1, Ordering::Relaxed)
        ));
        match std::fs::write(&temp, bytes).and_then(|()| std::fs::rename(&temp, &path)) {
            Ok(()) => {
                self.written.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                let _ = std::fs::remove_file(&temp);
                self.disable(&e);
            }
        }
    }
}

/// Removes older builds' folders but the [`KEEP_OLDER`] most recently changed.
fn prune(root: &Path, current: &str) {
    let Ok(read) = std::fs::read_dir(root) else {
        return;
    };
    let mut older: Vec<(std::time::SystemTime, PathBuf)> = read
        .flatten()
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name != current && is_build_dir(&name) && e.path().is_dir()
        })
        .map(|e| {
            let modified = e.metadata().and_then(|m| m.modified());
            (modified.unwrap_or(std::time::UNIX_EPOCH), e.path())
        })
        .collect();
    older.sort_by_key(|(modified, _)| std::cmp::Reverse(*modified));
    for (_, dir) in older.into_iter().skip(KEEP_OLDER) {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// [`Rule::encode_facts`] for facts of type `T`.
pub fn encode<T: Serialize + 'static>(facts: &(dyn Any + Send + Sync)) -> Option<Vec<u8>> {
    bincode::serialize(facts.downcast_ref::<T>()?).ok()
}

/// [`Rule::decode_facts`] for facts of type `T`.
pub fn decode<T: DeserializeOwned + Send + Sync + 'static>(bytes: &[u8]) -> Option<RuleFacts> {
    let facts: T = bincode::deserialize(bytes).ok()?;
    Some(Box::new(facts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_folders_named_like_builds_are_pruned() {
        assert!(is_build_dir("0.1.0-0123456789abcdef"));
        assert!(!is_build_dir("0.1.0-0123"));
        assert!(!is_build_dir("-0123456789abcdef"));
        assert!(!is_build_dir("src"));
        assert!(!is_build_dir("my-project"));
    }
}
