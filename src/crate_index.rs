//! The crate pass's view of all type declarations in a crate: name resolution
//! across files (by module path where known, else by a unique name), type alias
//! expansion and trait implementors.

use std::collections::{HashMap, HashSet};

use crate::facts::{AliasDecl, ImplDecl, ItemFacts, TraitDecl, Ty, TypeDecl};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Entity {
    Type(usize),
    Alias(usize),
    Trait(usize),
}

pub struct CrateIndex<'a> {
    pub types: Vec<&'a TypeDecl>,
    pub aliases: Vec<&'a AliasDecl>,
    pub traits: Vec<&'a TraitDecl>,
    impls: Vec<&'a ImplDecl>,
    by_name: HashMap<&'a str, Vec<Entity>>,
    modules: HashSet<&'a str>,
}

impl<'a> CrateIndex<'a> {
    pub fn new(files: impl IntoIterator<Item = &'a ItemFacts>) -> CrateIndex<'a> {
        let mut index = CrateIndex {
            types: Vec::new(),
            aliases: Vec::new(),
            traits: Vec::new(),
            impls: Vec::new(),
            by_name: HashMap::new(),
            modules: HashSet::new(),
        };
        for facts in files {
            for t in &facts.types {
                index.add(&t.name, &t.module, Entity::Type(index.types.len()));
                index.types.push(t);
            }
            for a in &facts.aliases {
                index.add(&a.name, &a.module, Entity::Alias(index.aliases.len()));
                index.aliases.push(a);
            }
            for t in &facts.traits {
                index.add(&t.name, &t.module, Entity::Trait(index.traits.len()));
                index.traits.push(t);
            }
            index.impls.extend(&facts.impls);
        }
        index
    }

    fn add(&mut self, name: &'a str, module: &'a [String], entity: Entity) {
        self.by_name.entry(name).or_default().push(entity);
        self.modules.extend(module.iter().map(String::as_str));
    }

    fn module_of(&self, e: Entity) -> &'a [String] {
        match e {
            Entity::Type(i) => &self.types[i].module,
            Entity::Alias(i) => &self.aliases[i].module,
            Entity::Trait(i) => &self.traits[i].module,
        }
    }

    /// What a (file-resolved) path names in this crate, if anything.
    pub fn resolve(&self, path: &[String], from_module: &[String]) -> Option<Entity> {
        let (name, prefix) = path.split_last()?;
        let candidates = self.by_name.get(name.as_str())?;
        let in_module = |module: &[String]| {
            candidates
                .iter()
                .copied()
                .find(|&e| self.module_of(e) == module)
        };
        let unique = || (candidates.len() == 1).then(|| candidates[0]);
        match prefix.first().map(String::as_str) {
            None => in_module(from_module).or_else(unique),
            Some("crate") => in_module(&prefix[1..]).or_else(unique),
            Some(first) if self.modules.contains(first) => {
                let mut relative = from_module.to_vec();
                relative.extend(prefix.iter().cloned());
                in_module(&relative)
                    .or_else(|| in_module(prefix))
                    .or_else(unique)
            }
            Some(_) => None,
        }
    }

    /// Types of the crate that implement trait `t`.
    pub fn implementors(&self, t: usize) -> Vec<usize> {
        let name = &self.traits[t].name;
        let mut out = Vec::new();
        for imp in &self.impls {
            if imp.trait_path.last() != Some(name) {
                continue;
            }
            if let Ty::Path { path, .. } = &imp.self_ty
                && let Some(Entity::Type(i)) = self.resolve(path, &imp.module)
                && !out.contains(&i)
            {
                out.push(i);
            }
        }
        out
    }

    /// The aliased type with the alias's generic parameters replaced by `args`.
    pub fn expand_alias(&self, alias: usize, args: &[Ty]) -> Ty {
        let decl = self.aliases[alias];
        let subst: HashMap<&str, &Ty> =
            decl.generics.iter().map(String::as_str).zip(args).collect();
        substitute(&decl.ty, &subst)
    }
}

fn substitute(ty: &Ty, subst: &HashMap<&str, &Ty>) -> Ty {
    match ty {
        Ty::Path { path, args } if path.len() == 1 && args.is_empty() => {
            match subst.get(path[0].as_str()) {
                Some(t) => (*t).clone(),
                None => ty.clone(),
            }
        }
        Ty::Path { path, args } => Ty::Path {
            path: path.clone(),
            args: args.iter().map(|a| substitute(a, subst)).collect(),
        },
        Ty::Tuple(items) => Ty::Tuple(items.iter().map(|a| substitute(a, subst)).collect()),
        Ty::Array(t) => Ty::Array(Box::new(substitute(t, subst))),
        Ty::Ref { mutable, inner } => Ty::Ref {
            mutable: *mutable,
            inner: Box::new(substitute(inner, subst)),
        },
        Ty::Ptr(t) => Ty::Ptr(Box::new(substitute(t, subst))),
        Ty::Dyn(b) => Ty::Dyn(b.iter().map(|a| substitute(a, subst)).collect()),
        Ty::Other => Ty::Other,
    }
}
