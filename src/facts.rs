//! Facts: small owned data that file tasks extract for crate-wide rules — the
//! crate's type declarations with their field types, aliases, traits and impls.
//! No syn type survives the file task.

use std::fmt;

use serde::{Deserialize, Serialize};
use syn::visit::Visit;

use crate::diagnostic::Location;
use crate::imports::{Imports, path_segments};
use crate::source::{Bodies, FileSpans, Words};
use crate::testcode::is_cfg_test;

/// A type as written, with paths resolved through the file's imports.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Ty {
    Path {
        path: Vec<String>,
        args: Vec<Ty>,
    },
    Tuple(Vec<Ty>),
    /// An array or a slice.
    Array(Box<Ty>),
    Ref {
        mutable: bool,
        inner: Box<Ty>,
    },
    Ptr(Box<Ty>),
    /// `dyn A + B` or `impl A + B`: each bound a `Ty::Path`.
    Dyn(Vec<Ty>),
    Other,
}

impl Ty {
    pub fn from_syn(ty: &syn::Type, imports: &Imports) -> Ty {
        match ty {
            syn::Type::Path(p) if p.qself.is_none() => path_ty(&p.path, imports),
            syn::Type::Paren(p) => Ty::from_syn(&p.elem, imports),
            syn::Type::Group(g) => Ty::from_syn(&g.elem, imports),
            syn::Type::Tuple(t) => {
                Ty::Tuple(t.elems.iter().map(|e| Ty::from_syn(e, imports)).collect())
            }
            syn::Type::Array(a) => Ty::Array(Box::new(Ty::from_syn(&a.elem, imports))),
            syn::Type::Slice(s) => Ty::Array(Box::new(Ty::from_syn(&s.elem, imports))),
            syn::Type::Reference(r) => Ty::Ref {
                mutable: r.mutability.is_some(),
                inner: Box::new(Ty::from_syn(&r.elem, imports)),
            },
            syn::Type::Ptr(p) => Ty::Ptr(Box::new(Ty::from_syn(&p.elem, imports))),
            syn::Type::TraitObject(t) => Ty::Dyn(bounds(&t.bounds, imports)),
            syn::Type::ImplTrait(t) => Ty::Dyn(bounds(&t.bounds, imports)),
            _ => Ty::Other,
        }
    }

    /// The last path segment (`Rc` for `std::rc::Rc<T>`).
    pub fn last(&self) -> Option<&str> {
        match self {
            Ty::Path { path, .. } => path.last().map(String::as_str),
            _ => None,
        }
    }

    /// Whether `f` holds for a path in the type, its arguments included (depth
    /// first, stopping at the first that does).
    pub fn any_path<F: FnMut(&[String]) -> bool>(&self, f: &mut F) -> bool {
        match self {
            Ty::Path { path, args } => f(path) || args.iter().any(|a| a.any_path(f)),
            Ty::Tuple(items) | Ty::Dyn(items) => items.iter().any(|a| a.any_path(f)),
            Ty::Array(t) | Ty::Ptr(t) | Ty::Ref { inner: t, .. } => t.any_path(f),
            Ty::Other => false,
        }
    }

    pub fn args(&self) -> &[Ty] {
        match self {
            Ty::Path { args, .. } => args,
            _ => &[],
        }
    }
}

fn bounds(
    bounds: &syn::punctuated::Punctuated<syn::TypeParamBound, syn::Token![+]>,
    imports: &Imports,
) -> Vec<Ty> {
    bounds
        .iter()
        .filter_map(|b| match b {
            syn::TypeParamBound::Trait(t) => Some(path_ty(&t.path, imports)),
            _ => None,
        })
        .collect()
}

fn path_ty(path: &syn::Path, imports: &Imports) -> Ty {
    let mut args = Vec::new();
    if let Some(last) = path.segments.last()
        && let syn::PathArguments::AngleBracketed(a) = &last.arguments
    {
        for arg in &a.args {
            match arg {
                syn::GenericArgument::Type(t) => args.push(Ty::from_syn(t, imports)),
                syn::GenericArgument::AssocType(t) => args.push(Ty::from_syn(&t.ty, imports)),
                _ => {}
            }
        }
    }
    Ty::Path {
        path: imports.resolve(&path_segments(path)),
        args,
    }
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn list(f: &mut fmt::Formatter<'_>, items: &[Ty], sep: &str) -> fmt::Result {
            for (i, t) in items.iter().enumerate() {
                if i > 0 {
                    f.write_str(sep)?;
                }
                write!(f, "{t}")?;
            }
            Ok(())
        }
        match self {
            Ty::Path { path, args } => {
                f.write_str(path.last().map(String::as_str).unwrap_or("_"))?;
                if !args.is_empty() {
                    f.write_str("<")?;
                    list(f, args, ", ")?;
                    f.write_str(">")?;
                }
                Ok(())
            }
            Ty::Tuple(items) => {
                f.write_str("(")?;
                list(f, items, ", ")?;
                f.write_str(")")
            }
            Ty::Array(t) => write!(f, "[{t}]"),
            Ty::Ref { mutable, inner } => {
                write!(f, "&{}{inner}", if *mutable { "mut " } else { "" })
            }
            Ty::Ptr(t) => write!(f, "*{t}"),
            Ty::Dyn(b) => {
                f.write_str("dyn ")?;
                list(f, b, " + ")
            }
            Ty::Other => f.write_str("_"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TypeKind {
    Struct,
    Enum,
    Union,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FieldDecl {
    /// `owner`, `0` for tuple fields, `Variant.field` / `Variant.0` in enums.
    pub name: String,
    pub ty: Ty,
    pub location: Location,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TypeDecl {
    pub name: String,
    pub module: Vec<String>,
    pub kind: TypeKind,
    pub generics: Vec<String>,
    pub fields: Vec<FieldDecl>,
    pub location: Location,
    /// Declared `pub` (not `pub(crate)` or private): code outside the crate can hold it.
    pub public: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AliasDecl {
    pub name: String,
    pub module: Vec<String>,
    pub generics: Vec<String>,
    pub ty: Ty,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TraitDecl {
    pub name: String,
    pub module: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ImplDecl {
    pub trait_path: Vec<String>,
    pub self_ty: Ty,
    pub module: Vec<String>,
}

/// The items of one file, for crate-wide rules.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ItemFacts {
    pub types: Vec<TypeDecl>,
    pub aliases: Vec<AliasDecl>,
    pub traits: Vec<TraitDecl>,
    pub impls: Vec<ImplDecl>,
    /// Module paths declared `#[cfg(test)] mod x;` (their files are test code).
    pub test_modules: Vec<Vec<String>>,
}

/// Modules this file declares `#[cfg(test)] mod x;`: their files are test code.
/// Read before test code is stripped, since stripping removes the declarations.
pub fn test_module_decls(file: &syn::File, module: &[String]) -> Vec<Vec<String>> {
    struct Decls {
        module: Vec<String>,
        found: Vec<Vec<String>>,
    }
    impl<'ast> Visit<'ast> for Decls {
        fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
            self.module.push(m.ident.to_string());
            if m.content.is_none() && is_cfg_test(&m.attrs) {
                self.found.push(self.module.clone());
            }
            syn::visit::visit_item_mod(self, m);
            self.module.pop();
        }

        // Only items declare modules; expressions and types cannot.
        fn visit_block(&mut self, _: &'ast syn::Block) {}
    }
    let mut d = Decls {
        module: module.to_vec(),
        found: Vec::new(),
    };
    d.visit_file(file);
    d.found
}

pub fn extract_items(
    file: &syn::File,
    module: &[String],
    imports: &Imports,
    spans: FileSpans<'_>,
    bodies: Bodies<'_>,
) -> ItemFacts {
    let mut v = ItemExtractor {
        facts: ItemFacts::default(),
        module: module.to_vec(),
        imports,
        spans,
        bodies,
    };
    v.visit_file(file);
    v.facts
}

struct ItemExtractor<'a> {
    facts: ItemFacts,
    module: Vec<String>,
    imports: &'a Imports,
    spans: FileSpans<'a>,
    bodies: Bodies<'a>,
}

/// The words that open the items [`ItemExtractor`] reads: a function body
/// without one of them is not walked.
static ITEM_WORDS: Words = Words::new(&[
    "mod",
    "struct",
    "enum",
    "union",
    "type",
    "trait",
    "impl",
    "macro_rules",
]);

fn generic_names(g: &syn::Generics) -> Vec<String> {
    g.type_params().map(|p| p.ident.to_string()).collect()
}

impl ItemExtractor<'_> {
    /// From the field's name (or type, in a tuple struct) to the end of its type:
    /// doc comments and attributes above it are not part of the field's span.
    fn field_location(&self, f: &syn::Field) -> Location {
        let end = self.spans.loc(&f.ty);
        let start = match &f.ident {
            Some(id) => self.spans.loc(id),
            None => end,
        };
        Location {
            start: start.start,
            ..end
        }
    }

    fn fields(&self, prefix: &str, fields: &syn::Fields) -> Vec<FieldDecl> {
        fields
            .iter()
            .enumerate()
            .filter(|(_, f)| !is_cfg_test(&f.attrs))
            .map(|(i, f)| {
                let own = f
                    .ident
                    .as_ref()
                    .map_or_else(|| i.to_string(), |id| id.to_string());
                FieldDecl {
                    name: if prefix.is_empty() {
                        own
                    } else {
                        format!("{prefix}.{own}")
                    },
                    ty: Ty::from_syn(&f.ty, self.imports),
                    location: self.field_location(f),
                }
            })
            .collect()
    }
}

impl<'ast> Visit<'ast> for ItemExtractor<'_> {
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        if self.bodies.may_hold(&f.block, &ITEM_WORDS) {
            syn::visit::visit_item_fn(self, f);
        }
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        if self.bodies.may_hold(&f.block, &ITEM_WORDS) {
            syn::visit::visit_impl_item_fn(self, f);
        }
    }

    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        if f.default
            .as_ref()
            .is_none_or(|b| self.bodies.may_hold(b, &ITEM_WORDS))
        {
            syn::visit::visit_trait_item_fn(self, f);
        }
    }

    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        self.module.push(m.ident.to_string());
        syn::visit::visit_item_mod(self, m);
        self.module.pop();
    }

    fn visit_item_struct(&mut self, s: &'ast syn::ItemStruct) {
        let fields = self.fields("", &s.fields);
        self.facts.types.push(TypeDecl {
            name: s.ident.to_string(),
            module: self.module.clone(),
            kind: TypeKind::Struct,
            generics: generic_names(&s.generics),
            fields,
            location: self.spans.loc(&s.ident),
            public: matches!(s.vis, syn::Visibility::Public(_)),
        });
        syn::visit::visit_item_struct(self, s);
    }

    fn visit_item_enum(&mut self, e: &'ast syn::ItemEnum) {
        let fields = e
            .variants
            .iter()
            .flat_map(|v| self.fields(&v.ident.to_string(), &v.fields))
            .collect();
        self.facts.types.push(TypeDecl {
            name: e.ident.to_string(),
            module: self.module.clone(),
            kind: TypeKind::Enum,
            generics: generic_names(&e.generics),
            fields,
            location: self.spans.loc(&e.ident),
            public: matches!(e.vis, syn::Visibility::Public(_)),
        });
        syn::visit::visit_item_enum(self, e);
    }

    fn visit_item_union(&mut self, u: &'ast syn::ItemUnion) {
        let fields = self.fields("", &syn::Fields::Named(u.fields.clone()));
        self.facts.types.push(TypeDecl {
            name: u.ident.to_string(),
            module: self.module.clone(),
            kind: TypeKind::Union,
            generics: generic_names(&u.generics),
            fields,
            location: self.spans.loc(&u.ident),
            public: matches!(u.vis, syn::Visibility::Public(_)),
        });
        syn::visit::visit_item_union(self, u);
    }

    fn visit_item_type(&mut self, t: &'ast syn::ItemType) {
        self.facts.aliases.push(AliasDecl {
            name: t.ident.to_string(),
            module: self.module.clone(),
            generics: generic_names(&t.generics),
            ty: Ty::from_syn(&t.ty, self.imports),
        });
        syn::visit::visit_item_type(self, t);
    }

    fn visit_item_trait(&mut self, t: &'ast syn::ItemTrait) {
        self.facts.traits.push(TraitDecl {
            name: t.ident.to_string(),
            module: self.module.clone(),
        });
        syn::visit::visit_item_trait(self, t);
    }

    fn visit_item_macro(&mut self, m: &'ast syn::ItemMacro) {
        // Types a `macro_rules!` body defines are types of the crate too.
        for item in crate::macros::macro_rules_types(&m.mac) {
            self.visit_item(&item);
        }
        syn::visit::visit_item_macro(self, m);
    }

    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        if let Some((_, path, _)) = &i.trait_ {
            self.facts.impls.push(ImplDecl {
                trait_path: self.imports.resolve_path(path),
                self_ty: Ty::from_syn(&i.self_ty, self.imports),
                module: self.module.clone(),
            });
        }
        syn::visit::visit_item_impl(self, i);
    }
}
