//! Per-file name resolution for `use` items. syn resolves nothing, so every rule
//! that matches a path (`tokio::spawn`) asks [`Imports`] what a name means here:
//! `use tokio::time::interval as every;` makes `every(..)` mean `tokio::time::interval`.

use std::collections::HashMap;

use syn::visit::Visit;

use crate::source::Bodies;

/// A path as segments, e.g. `["tokio", "time", "interval"]`.
pub type PathSegments = Vec<String>;

#[derive(Debug, Default, Clone)]
pub struct Imports {
    /// The file's module path inside its crate (`["net", "pool"]`).
    module: Vec<String>,
    names: HashMap<String, PathSegments>,
    globs: Vec<PathSegments>,
}

impl Imports {
    pub fn collect(file: &syn::File, module: &[String], bodies: Bodies<'_>) -> Imports {
        let mut imports = Imports {
            module: module.to_vec(),
            ..Imports::default()
        };
        let mut collector = UseCollector {
            imports: &mut imports,
            bodies,
        };
        collector.visit_file(file);
        imports
    }

    /// Resolves a written path to absolute segments where the file tells it:
    /// `crate::`, `self::` and `super::` become `crate::<module>::..`, and a first
    /// segment brought in by `use` is replaced by what it names.
    pub fn resolve(&self, segments: &[String]) -> PathSegments {
        let Some(first) = segments.first() else {
            return Vec::new();
        };
        match first.as_str() {
            "crate" => segments.to_vec(),
            "self" | "super" => {
                let mut module = self.module.clone();
                let mut rest = segments;
                while let Some(seg) = rest.first() {
                    match seg.as_str() {
                        "self" => {}
                        "super" => {
                            module.pop();
                        }
                        _ => break,
                    }
                    rest = &rest[1..];
                }
                let mut out = vec!["crate".to_string()];
                out.extend(module);
                out.extend(rest.iter().cloned());
                out
            }
            _ => match self.names.get(first) {
                Some(target) => {
                    let mut out = target.clone();
                    out.extend(segments[1..].iter().cloned());
                    out
                }
                None => segments.to_vec(),
            },
        }
    }

    pub fn resolve_path(&self, path: &syn::Path) -> PathSegments {
        self.resolve(&path_segments(path))
    }

    /// Which entry of `table` (paths written `a::b::c`) this path names, if any:
    /// through `use` renames, glob imports, and the crate re-exports in `reexports`
    /// (pairs `from => to`, e.g. `gtk::glib => glib`).
    pub fn match_table<'t>(
        &self,
        path: &syn::Path,
        table: &'t [String],
        reexports: &[(String, String)],
    ) -> Option<&'t str> {
        let written = path_segments(path);
        let mut candidates = vec![self.resolve(&written)];
        if written.len() == 1 {
            for glob in &self.globs {
                let mut c = glob.clone();
                c.push(written[0].clone());
                candidates.push(c);
            }
        }
        // Re-export pairs only swap path prefixes; unless one renames the item
        // itself, an entry can match only a candidate with the same last name.
        let last = |p: &'t str| p.rsplit("::").next();
        let renames = reexports
            .iter()
            .any(|(from, to)| from.rsplit("::").next() != to.rsplit("::").next());
        for candidate in candidates {
            let Some(name) = candidate.last() else {
                continue;
            };
            let mut entries = table
                .iter()
                .filter(|e| renames || last(e) == Some(name.as_str()))
                .peekable();
            if entries.peek().is_none() {
                continue;
            }
            let written = candidate.join("::");
            let joined = canonical(&written, reexports);
            if let Some(hit) = entries.find(|entry| canonical(entry, reexports) == joined) {
                return Some(hit);
            }
        }
        None
    }
}

/// Applies the longest matching re-export prefix.
fn canonical<'p>(path: &'p str, reexports: &[(String, String)]) -> std::borrow::Cow<'p, str> {
    let mut best: Option<&(String, String)> = None;
    for pair in reexports {
        let matches = path
            .strip_prefix(pair.0.as_str())
            .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"));
        if matches && best.is_none_or(|b| b.0.len() < pair.0.len()) {
            best = Some(pair);
        }
    }
    match best {
        Some((from, to)) => format!("{to}{}", &path[from.len()..]).into(),
        None => path.into(),
    }
}

pub fn path_segments(path: &syn::Path) -> PathSegments {
    path.segments.iter().map(|s| s.ident.to_string()).collect()
}

/// The last segment's name, the part rules compare when a full path is not needed.
pub fn last_ident(path: &syn::Path) -> Option<String> {
    path.segments.last().map(|s| s.ident.to_string())
}

/// A function body without this word declares no import.
static USE: crate::source::Words = crate::source::Words::new(&["use"]);

struct UseCollector<'a> {
    imports: &'a mut Imports,
    bodies: Bodies<'a>,
}

impl UseCollector<'_> {
    fn add_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.add_tree(prefix, &p.tree);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                let name = n.ident.to_string();
                if name == "self" {
                    if let Some(last) = prefix.last().cloned() {
                        self.insert(last, prefix.clone());
                    }
                } else {
                    let mut full = prefix.clone();
                    full.push(name.clone());
                    self.insert(name, full);
                }
            }
            syn::UseTree::Rename(r) => {
                let mut full = prefix.clone();
                if r.ident != "self" {
                    full.push(r.ident.to_string());
                }
                self.insert(r.rename.to_string(), full);
            }
            syn::UseTree::Glob(_) => {
                let resolved = self.absolute(prefix);
                self.imports.globs.push(resolved);
            }
            syn::UseTree::Group(g) => {
                for item in &g.items {
                    self.add_tree(prefix, item);
                }
            }
        }
    }

    fn absolute(&self, segments: &[String]) -> PathSegments {
        match segments.first().map(String::as_str) {
            Some("crate" | "self" | "super") => self.imports.resolve(segments),
            _ => segments.to_vec(),
        }
    }

    fn insert(&mut self, name: String, full: PathSegments) {
        if name == "_" {
            return;
        }
        let resolved = self.absolute(&full);
        self.imports.names.entry(name).or_insert(resolved);
    }
}

impl<'ast> Visit<'ast> for UseCollector<'_> {
    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        let mut prefix = Vec::new();
        self.add_tree(&mut prefix, &item.tree);
    }

    // Function bodies may hold `use` too; they are collected into the same flat
    // per-file table, so no need to prune anything here. A body whose text has
    // no `use` is not walked.
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        if self.bodies.may_hold(&f.block, &USE) {
            syn::visit::visit_item_fn(self, f);
        }
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        if self.bodies.may_hold(&f.block, &USE) {
            syn::visit::visit_impl_item_fn(self, f);
        }
    }

    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        if f.default
            .as_ref()
            .is_none_or(|b| self.bodies.may_hold(b, &USE))
        {
            syn::visit::visit_trait_item_fn(self, f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn imports(src: &str) -> Imports {
        Imports::collect(
            &syn::parse_file(src).unwrap(),
            &["net".to_string()],
            Bodies::unknown(),
        )
    }

    #[test]
    fn renames_globs_and_reexports() {
        let i = imports(
            "use tokio::time::interval as every; use gtk::glib::*; use super::model::{Owner, self};",
        );
        let table = vec![
            "tokio::time::interval".to_string(),
            "glib::timeout_add_local".to_string(),
        ];
        let reexports = vec![("gtk::glib".to_string(), "glib".to_string())];
        let p: syn::Path = syn::parse_str("every").unwrap();
        assert_eq!(
            i.match_table(&p, &table, &reexports),
            Some("tokio::time::interval")
        );
        let p: syn::Path = syn::parse_str("timeout_add_local").unwrap();
        assert_eq!(
            i.match_table(&p, &table, &reexports),
            Some("glib::timeout_add_local")
        );
        assert_eq!(
            i.resolve(&["Owner".to_string()]),
            vec!["crate", "model", "Owner"]
        );
        assert_eq!(i.resolve(&["model".to_string()]), vec!["crate", "model"]);
        let p: syn::Path = syn::parse_str("interval").unwrap();
        assert_eq!(i.match_table(&p, &table, &reexports), None);
    }
}
