//! `closure-cycle`: a closure that holds a strong pointer to the object it is
//! stored in.
//!
//! Every function body is walked once, in source order, with a scoped table of
//! what each local name stands for: an *object* (an `Rc`/`Arc` or a gtk widget,
//! known from how it was made or typed), whether the name is a *strong* handle to
//! it (an owned clone, not a borrow), and the closure it holds, if any. While the
//! walk is inside a `move` closure (or `async move` block, or `glib::clone!`), every
//! name it reads from outside is a capture. Stores (a closure passed to
//! `x.connect_*`, assigned to `x.borrow_mut().f`, ...), containment (`c.append(&w)`)
//! and releases (`x.take()`, `disconnect`) are collected on the way and joined at
//! the end of the function, so their order in the source does not matter.

mod clone_macro;

use std::collections::{HashMap, HashSet};

use serde::Deserialize;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Expr, Pat, Type};

use crate::diagnostic::{Finding, Location};
use crate::imports::path_segments;
use crate::macros::is_macro_call;
use crate::meta::RuleMeta;
use crate::rules::{FileCtx, FileOutput, Rule};

pub struct ClosureCycle {
    meta: RuleMeta,
    tables: Tables,
}

#[derive(Deserialize)]
struct Tables {
    rc_constructors: Vec<String>,
    rc_clones: Vec<String>,
    strong_types: Vec<String>,
    clone_methods: Vec<String>,
    gtk_crates: Vec<String>,
    gtk_constructors: Vec<String>,
    builder_start: String,
    builder_finish: String,
    builder_child_methods: Vec<String>,
    container_methods: Vec<String>,
    store_methods: Vec<String>,
    store_prefixes: Vec<String>,
    place_store_methods: Vec<String>,
    release_methods: Vec<String>,
    passthrough_methods: Vec<String>,
    emitter_prefixes: Vec<String>,
    wrapper_calls: Vec<String>,
    wrapper_methods: Vec<String>,
    wrapper_macros: Vec<String>,
    holder_calls: Vec<String>,
    widget_field_wrappers: Vec<String>,
    instance_methods: Vec<String>,
    clone_macros: Vec<String>,
    weak_markers: Vec<String>,
    strong_markers: Vec<String>,
}

fn has(table: &[String], name: &str) -> bool {
    table.iter().any(|t| t == name)
}

fn has_prefix(table: &[String], name: &str) -> bool {
    table.iter().any(|p| name.starts_with(p.as_str()))
}

impl ClosureCycle {
    pub fn new() -> ClosureCycle {
        let meta = RuleMeta::parse(include_str!("../../rules/closure-cycle.toml"));
        let tables = meta.tables();
        ClosureCycle { meta, tables }
    }
}

impl Default for ClosureCycle {
    fn default() -> Self {
        ClosureCycle::new()
    }
}

impl Rule for ClosureCycle {
    fn meta(&self) -> &RuleMeta {
        &self.meta
    }

    fn check_file(&self, cx: &FileCtx<'_>, out: &mut FileOutput) {
        let file = FileInfo {
            gtk_glob: cx.file.items.iter().any(|item| match item {
                syn::Item::Use(u) => self.is_gtk_glob(&u.tree, &mut Vec::new()),
                _ => false,
            }),
            gtk_file: cx.file.items.iter().any(|item| match item {
                syn::Item::Use(u) => self.uses_gtk(&u.tree),
                _ => false,
            }),
            wrapper_types: self.wrapper_types(&cx.file.items),
            constructors: HashMap::new(),
        };
        let mut constructors = HashMap::new();
        self.constructors(cx, &cx.file.items, &file.wrapper_types, &mut constructors);
        let file = FileInfo {
            constructors,
            ..file
        };
        let mut items = ItemWalker {
            rule: self,
            cx,
            file: &file,
            self_ty: None,
            out: &mut out.findings,
        };
        items.visit_file(cx.file);
    }
}

impl ClosureCycle {
    /// `use gtk::*;` (not a prelude): `Button::new` then names a gtk type.
    fn is_gtk_glob(&self, tree: &syn::UseTree, prefix: &mut Vec<String>) -> bool {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                let hit = self.is_gtk_glob(&p.tree, prefix);
                prefix.pop();
                hit
            }
            syn::UseTree::Group(g) => g.items.iter().any(|t| self.is_gtk_glob(t, prefix)),
            syn::UseTree::Glob(_) => {
                self.is_gtk_path(prefix) && prefix.last().is_some_and(|l| l != "prelude")
            }
            _ => false,
        }
    }

    fn uses_gtk(&self, tree: &syn::UseTree) -> bool {
        match tree {
            syn::UseTree::Path(p) => self.is_gtk_path(&[p.ident.to_string()]),
            syn::UseTree::Name(n) => self.is_gtk_path(&[n.ident.to_string()]),
            syn::UseTree::Rename(r) => self.is_gtk_path(&[r.ident.to_string()]),
            syn::UseTree::Group(g) => g.items.iter().any(|t| self.uses_gtk(t)),
            syn::UseTree::Glob(_) => false,
        }
    }

    /// Types declared by `glib::wrapper! { pub struct Name(ObjectSubclass<..>) .. }`.
    fn wrapper_types(&self, items: &[syn::Item]) -> Vec<String> {
        let mut out = Vec::new();
        for item in items {
            match item {
                syn::Item::Macro(m)
                    if m.mac.path.segments.last().is_some_and(|s| {
                        has(&self.tables.wrapper_macros, &s.ident.to_string())
                    }) =>
                {
                    let tokens: Vec<proc_macro2::TokenTree> =
                        m.mac.tokens.clone().into_iter().collect();
                    for w in tokens.windows(2) {
                        if let (
                            proc_macro2::TokenTree::Ident(kw),
                            proc_macro2::TokenTree::Ident(name),
                        ) = (&w[0], &w[1])
                            && kw == "struct"
                        {
                            out.push(name.to_string());
                        }
                    }
                }
                syn::Item::Mod(m) => {
                    if let Some((_, inner)) = &m.content {
                        out.extend(self.wrapper_types(inner));
                    }
                }
                _ => {}
            }
        }
        out
    }

    fn type_kind(&self, cx: &FileCtx<'_>, ty: &Type) -> Option<(Kind, bool)> {
        match ty {
            Type::Reference(r) => self.type_kind(cx, &r.elem).map(|(k, _)| (k, false)),
            Type::Paren(p) => self.type_kind(cx, &p.elem),
            Type::Path(p) if p.qself.is_none() => {
                let last = p.path.segments.last()?.ident.to_string();
                if has(&self.tables.strong_types, &last) {
                    let kind = if last.contains("Arc") {
                        Kind::Arc
                    } else {
                        Kind::Rc
                    };
                    return Some((kind, true));
                }
                let resolved = cx.imports.resolve_path(&p.path);
                let upper = last.chars().next().is_some_and(char::is_uppercase);
                (upper && resolved.len() >= 2 && self.is_gtk_path(&resolved))
                    .then_some((Kind::Widget, true))
            }
            _ => None,
        }
    }

    /// Functions of the file that return a new object, by `name` or `Type::name`:
    /// `fn new() -> Rc<Self>`, `fn build() -> gtk::Window`, `-> Self` of a wrapper type.
    fn constructors(
        &self,
        cx: &FileCtx<'_>,
        items: &[syn::Item],
        wrappers: &[String],
        out: &mut HashMap<String, Kind>,
    ) {
        let owned = |ty: &syn::ReturnType, self_ty: Option<&str>| -> Option<Kind> {
            let syn::ReturnType::Type(_, ty) = ty else {
                return None;
            };
            if let (Type::Path(p), Some(name)) = (&**ty, self_ty)
                && p.path.is_ident("Self")
            {
                return wrappers.iter().any(|w| w == name).then_some(Kind::Widget);
            }
            match self.type_kind(cx, ty) {
                Some((kind, true)) => Some(kind),
                _ => None,
            }
        };
        for item in items {
            match item {
                syn::Item::Fn(f) => {
                    if let Some(kind) = owned(&f.sig.output, None) {
                        out.insert(f.sig.ident.to_string(), kind);
                    }
                }
                syn::Item::Impl(i) if i.trait_.is_none() => {
                    let Type::Path(p) = &*i.self_ty else { continue };
                    let Some(name) = p.path.segments.last().map(|s| s.ident.to_string()) else {
                        continue;
                    };
                    for it in &i.items {
                        if let syn::ImplItem::Fn(f) = it
                            && let Some(kind) = owned(&f.sig.output, Some(&name))
                        {
                            out.insert(format!("{name}::{}", f.sig.ident), kind);
                        }
                    }
                }
                syn::Item::Mod(m) => {
                    if let Some((_, inner)) = &m.content {
                        self.constructors(cx, inner, wrappers, out);
                    }
                }
                _ => {}
            }
        }
    }

    fn is_gtk_path(&self, segments: &[String]) -> bool {
        self.tables.gtk_crates.iter().any(|c| {
            let mut written = segments.iter();
            c.split("::")
                .all(|part| written.next().is_some_and(|s| s == part))
        })
    }
}

/// Finds the functions of a file (and of inline modules and impls) and checks each.
struct ItemWalker<'a, 'c> {
    rule: &'a ClosureCycle,
    cx: &'a FileCtx<'c>,
    file: &'a FileInfo,
    /// The type of the enclosing `impl`, by its last segment.
    self_ty: Option<String>,
    out: &'a mut Vec<Finding>,
}

/// What a file tells about gtk, once.
struct FileInfo {
    /// `use gtk::*;`: a bare `Button::new` is a gtk constructor.
    gtk_glob: bool,
    /// The file uses a gtk crate: `self.obj()` is a subclass's instance.
    gtk_file: bool,
    wrapper_types: Vec<String>,
    /// The file's own functions that return a new object (`Type::name` or `name`).
    constructors: HashMap<String, Kind>,
}

impl ItemWalker<'_, '_> {
    fn check_fn(&mut self, sig: &syn::Signature, body: &syn::Block) {
        // Captures happen only in `move` closures and blocks and in clone
        // macros: a body whose text has neither holds no cycle to find.
        let text = self.cx.bodies.text(body);
        if text.is_some_and(|t| !may_capture(t, &self.rule.tables.clone_macros)) {
            return;
        }
        let mut f = FnWalker {
            rule: self.rule,
            t: &self.rule.tables,
            cx: self.cx,
            file: self.file,
            self_ty: self.self_ty.clone(),
            fields: HashMap::new(),
            instance: None,
            scopes: vec![HashMap::new()],
            objs: Vec::new(),
            frames: Vec::new(),
            closures: HashMap::new(),
            stores: Vec::new(),
            contains: Vec::new(),
            emptied: HashSet::new(),
            empty_cells: HashSet::new(),
            returned: HashSet::new(),
            body_next: true,
            closure_depth: 0,
            emitters: HashMap::new(),
            out: &mut *self.out,
        };
        if sig.receiver().is_some()
            && let Some(ty) = &self.self_ty
        {
            f.bind_self(ty);
        }
        f.bind_params(sig);
        f.visit_block(body);
        f.report();
    }
}

/// Whether `text` holds the word `move` or a clone macro's call (`clone!`).
fn may_capture(text: &str, clone_macros: &[String]) -> bool {
    use crate::source::{has_word, word_positions};
    has_word(text, "move")
        || clone_macros.iter().any(|name| {
            word_positions(text, name)
                .any(|at| text[at + name.len()..].trim_start().starts_with('!'))
        })
}

impl<'ast> Visit<'ast> for ItemWalker<'_, '_> {
    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        let outer = self.self_ty.take();
        if let Type::Path(p) = &*i.self_ty {
            self.self_ty = p.path.segments.last().map(|s| s.ident.to_string());
        }
        visit::visit_item_impl(self, i);
        self.self_ty = outer;
    }

    fn visit_item_fn(&mut self, i: &'ast syn::ItemFn) {
        self.check_fn(&i.sig, &i.block);
    }

    fn visit_impl_item_fn(&mut self, i: &'ast syn::ImplItemFn) {
        self.check_fn(&i.sig, &i.block);
    }

    fn visit_trait_item_fn(&mut self, i: &'ast syn::TraitItemFn) {
        if let Some(body) = &i.default {
            self.check_fn(&i.sig, body);
        }
    }
}

type ObjId = usize;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Rc,
    Arc,
    Widget,
}

struct Obj {
    kind: Kind,
}

/// Where a strong handle was made and from what.
#[derive(Clone)]
struct Handle {
    site: Location,
    name: String,
    /// The name it clones (`button` in `let me = button.clone()`); `None` for the
    /// original pointer itself.
    clone_of: Option<String>,
    /// The macro (`glib::clone`) whose `#[strong]`/`@strong` marker made it.
    by_macro: Option<String>,
}

#[derive(Clone, Default)]
struct Binding {
    obj: Option<ObjId>,
    strong: bool,
    closure: Option<Location>,
    handle: Option<Handle>,
}

#[derive(Clone)]
struct Capture {
    obj: ObjId,
    handle: Handle,
}

struct Frame {
    key: Location,
    depth: usize,
    captures: Vec<Capture>,
}

struct ClosureInfo {
    head: Location,
    /// "closure" or "async block".
    what: &'static str,
    captures: Vec<Capture>,
}

struct Store {
    obj: ObjId,
    /// The object as written at the store (`button`, `self`).
    name: String,
    at: Location,
    closure: Location,
}

struct Containment {
    child: ObjId,
    parent: ObjId,
    child_name: String,
    at: Location,
    /// The field decl of a subclass implementation, rather than a call that puts it in.
    field: bool,
}

/// What an expression gives a `let`.
enum Value {
    Unknown,
    /// The same binding again (a move, or a borrow when `strong` is false).
    Same(Binding),
    Clone {
        obj: ObjId,
        of: String,
    },
    New(Kind),
}

struct FnWalker<'a, 'c> {
    rule: &'a ClosureCycle,
    t: &'a Tables,
    cx: &'a FileCtx<'c>,
    file: &'a FileInfo,
    self_ty: Option<String>,
    /// Fields of `self` known to be objects (`self.inner: Rc<..>`, `self.button: gtk::Button`).
    fields: HashMap<String, ObjId>,
    /// The gtk object of a subclass implementation (`self.obj()`).
    instance: Option<ObjId>,
    scopes: Vec<HashMap<String, Binding>>,
    objs: Vec<Obj>,
    frames: Vec<Frame>,
    closures: HashMap<Location, ClosureInfo>,
    stores: Vec<Store>,
    contains: Vec<Containment>,
    emptied: HashSet<ObjId>,
    /// Cells made empty (`Rc::new(RefCell::new(None))`): all they hold is what is stored.
    empty_cells: HashSet<ObjId>,
    /// Objects the function returns: an empty cell handed back is the caller's to clear.
    returned: HashSet<ObjId>,
    /// Whether the next block is the function body, and how deep in closures the walk is.
    body_next: bool,
    closure_depth: usize,
    /// Closures (by location) whose first parameter is the emitter object.
    emitters: HashMap<Location, ObjId>,
    out: &'a mut Vec<Finding>,
}

fn peel(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => peel(&p.expr),
        Expr::Group(g) => peel(&g.expr),
        Expr::Reference(r) => peel(&r.expr),
        _ => e,
    }
}

fn single_name(e: &Expr) -> Option<String> {
    match peel(e) {
        Expr::Path(p) if p.qself.is_none() && p.path.segments.len() == 1 => {
            Some(p.path.segments[0].ident.to_string())
        }
        _ => None,
    }
}

fn pat_names(p: &Pat, out: &mut Vec<String>) {
    match p {
        Pat::Ident(i) => {
            out.push(i.ident.to_string());
            if let Some((_, sub)) = &i.subpat {
                pat_names(sub, out);
            }
        }
        Pat::Type(t) => pat_names(&t.pat, out),
        Pat::Reference(r) => pat_names(&r.pat, out),
        Pat::Paren(p) => pat_names(&p.pat, out),
        Pat::Tuple(t) => t.elems.iter().for_each(|p| pat_names(p, out)),
        Pat::TupleStruct(t) => t.elems.iter().for_each(|p| pat_names(p, out)),
        Pat::Slice(s) => s.elems.iter().for_each(|p| pat_names(p, out)),
        Pat::Or(o) => o.cases.iter().for_each(|p| pat_names(p, out)),
        Pat::Struct(s) => s.fields.iter().for_each(|f| pat_names(&f.pat, out)),
        _ => {}
    }
}

impl FnWalker<'_, '_> {
    fn loc(&self, node: &(impl Spanned + 'static)) -> Location {
        self.cx.spans.loc(node)
    }

    fn span_range(
        &self,
        from: &(impl Spanned + 'static),
        to: &(impl Spanned + 'static),
    ) -> Location {
        let a = self.loc(from);
        let b = self.loc(to);
        Location {
            file: a.file,
            start: a.start,
            end: b.end.max(a.start),
        }
    }

    fn new_obj(&mut self, kind: Kind) -> ObjId {
        self.objs.push(Obj { kind });
        self.objs.len() - 1
    }

    fn lookup(&self, name: &str) -> Option<(usize, &Binding)> {
        self.scopes
            .iter()
            .enumerate()
            .rev()
            .find_map(|(depth, s)| s.get(name).map(|b| (depth, b)))
    }

    fn bind(&mut self, name: String, b: Binding) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.insert(name, b);
        }
    }

    fn with_scope(&mut self, f: impl FnOnce(&mut Self)) {
        self.scopes.push(HashMap::new());
        f(self);
        self.scopes.pop();
    }

    /// A name read here: a capture of every enclosing `move` frame it comes from outside of.
    fn use_name(&mut self, name: &str) {
        let Some((depth, b)) = self.lookup(name) else {
            return;
        };
        let (Some(obj), true, Some(handle)) = (b.obj, b.strong, b.handle.clone()) else {
            return;
        };
        for frame in self.frames.iter_mut().filter(|f| f.depth > depth) {
            if !frame.captures.iter().any(|c| c.handle.site == handle.site) {
                frame.captures.push(Capture {
                    obj,
                    handle: handle.clone(),
                });
            }
        }
    }

    /// The kind of a type when it is an `Rc`/`Arc` or a gtk object, and whether it is owned.
    fn type_kind(&self, ty: &Type) -> Option<(Kind, bool)> {
        self.rule.type_kind(self.cx, ty)
    }

    fn field_kind(&self, ty: &crate::facts::Ty) -> Option<Kind> {
        let last = ty.last()?;
        if has(&self.t.strong_types, last) {
            return Some(if last.contains("Arc") {
                Kind::Arc
            } else {
                Kind::Rc
            });
        }
        if has(&self.t.widget_field_wrappers, last) {
            return Some(Kind::Widget);
        }
        match ty {
            crate::facts::Ty::Path { path, .. }
                if path.len() >= 2
                    && last.chars().next().is_some_and(char::is_uppercase)
                    && self.rule.is_gtk_path(path) =>
            {
                Some(Kind::Widget)
            }
            _ => None,
        }
    }

    /// In a method of `ty`: its object fields, `self` for a `glib::wrapper!` type, and
    /// the instance of a gtk subclass (which owns the widgets among the fields).
    fn bind_self(&mut self, ty: &str) {
        if self.file.wrapper_types.iter().any(|w| w == ty) {
            let obj = self.new_obj(Kind::Widget);
            self.bind(
                "self".into(),
                Binding {
                    obj: Some(obj),
                    ..Binding::default()
                },
            );
        }
        let instance = self.file.gtk_file.then(|| self.new_obj(Kind::Widget));
        self.instance = instance;
        let items = self.cx.items;
        for decl in items.types.iter().filter(|d| d.name == ty) {
            for field in &decl.fields {
                let Some(kind) = self.field_kind(&field.ty) else {
                    continue;
                };
                let obj = self.new_obj(kind);
                self.fields.insert(field.name.clone(), obj);
                if let (Some(parent), Kind::Widget) = (instance, kind) {
                    self.contains.push(Containment {
                        child: obj,
                        parent,
                        child_name: format!("self.{}", field.name),
                        at: field.location,
                        field: true,
                    });
                }
            }
        }
    }

    fn self_field(e: &Expr) -> Option<String> {
        match peel(e) {
            Expr::Field(f) if single_name(&f.base).is_some_and(|b| b == "self") => {
                match &f.member {
                    syn::Member::Named(n) => Some(n.to_string()),
                    syn::Member::Unnamed(i) => Some(i.index.to_string()),
                }
            }
            _ => None,
        }
    }

    /// The object an expression names: a local, a field of `self`, or `self.obj()`.
    fn obj_ref(&self, e: &Expr) -> Option<(ObjId, String)> {
        let e = peel(e);
        if let Some(name) = single_name(e) {
            return Some((self.lookup(&name)?.1.obj?, name));
        }
        if let Some(field) = Self::self_field(e) {
            return Some((*self.fields.get(&field)?, format!("self.{field}")));
        }
        match e {
            Expr::MethodCall(m)
                if m.args.is_empty()
                    && has(&self.t.instance_methods, &m.method.to_string())
                    && single_name(&m.receiver).is_some_and(|r| r == "self") =>
            {
                Some((self.instance?, format!("self.{}()", m.method)))
            }
            _ => None,
        }
    }

    fn bind_params(&mut self, sig: &syn::Signature) {
        for input in &sig.inputs {
            match input {
                syn::FnArg::Receiver(r) => {
                    if r.colon_token.is_none() {
                        continue;
                    }
                    if let Some((kind, owned)) = self.type_kind(&r.ty) {
                        let obj = self.new_obj(kind);
                        let handle = Handle {
                            site: self.loc(r),
                            name: "self".into(),
                            clone_of: None,
                            by_macro: None,
                        };
                        self.bind(
                            "self".into(),
                            Binding {
                                obj: Some(obj),
                                strong: owned,
                                closure: None,
                                handle: Some(handle),
                            },
                        );
                    }
                }
                syn::FnArg::Typed(t) => {
                    let known = self.type_kind(&t.ty);
                    let mut names = Vec::new();
                    pat_names(&t.pat, &mut names);
                    for name in names {
                        let b = match (known, &*t.pat) {
                            (Some((kind, owned)), Pat::Ident(_)) => Binding {
                                obj: Some(self.new_obj(kind)),
                                strong: owned,
                                closure: None,
                                handle: Some(Handle {
                                    site: self.loc(t),
                                    name: name.clone(),
                                    clone_of: None,
                                    by_macro: None,
                                }),
                            },
                            _ => Binding::default(),
                        };
                        self.bind(name, b);
                    }
                }
            }
        }
    }

    fn is_clone_macro(&self, path: &syn::Path) -> bool {
        path.segments
            .last()
            .is_some_and(|s| has(&self.t.clone_macros, &s.ident.to_string()))
    }

    fn matches_call(&self, path: &syn::Path, table: &[String]) -> bool {
        if self.cx.imports.match_table(path, table, &[]).is_some() {
            return true;
        }
        let written = path_segments(path);
        written.len() == 2
            && table.iter().any(|entry| {
                let tail: Vec<&str> = entry.rsplit("::").take(2).collect();
                tail.len() == 2 && tail[1] == written[0] && tail[0] == written[1]
            })
    }

    /// `gtk::Button::new(..)`, `Label::with_label(..)`, `gtk::Window::builder()`.
    fn is_gtk_type_call(&self, path: &syn::Path, ctors: &[String]) -> bool {
        let written = path_segments(path);
        if written.len() < 2 {
            return false;
        }
        let ctor = &written[written.len() - 1];
        let ty = &written[written.len() - 2];
        let is_ctor = ctors.iter().any(|c| {
            if c.ends_with('_') {
                ctor.starts_with(c.as_str())
            } else {
                ctor == c
            }
        });
        if !is_ctor || !ty.chars().next().is_some_and(char::is_uppercase) {
            return false;
        }
        let resolved = self.cx.imports.resolve(&written);
        if self.rule.is_gtk_path(&resolved) {
            return true;
        }
        self.file.gtk_glob && written.len() == 2 && resolved == written && ty != "Rc" && ty != "Arc"
    }

    /// The root of a `Type::builder()...` chain when it is a gtk type.
    fn gtk_builder_root<'e>(&self, e: &'e Expr) -> Option<&'e syn::ExprCall> {
        match e {
            Expr::MethodCall(m) => self.gtk_builder_root(&m.receiver),
            Expr::Call(c) => match &*c.func {
                Expr::Path(p)
                    if p.path
                        .segments
                        .last()
                        .is_some_and(|s| s.ident == self.t.builder_start)
                        && self.is_gtk_type_call(
                            &p.path,
                            std::slice::from_ref(&self.t.builder_start),
                        ) =>
                {
                    Some(c)
                }
                _ => None,
            },
            _ => None,
        }
    }

    fn value(&mut self, e: &Expr) -> Value {
        match e {
            Expr::Paren(p) => self.value(&p.expr),
            Expr::Group(g) => self.value(&g.expr),
            Expr::Reference(r) => match self.value(&r.expr) {
                Value::Same(mut b) => {
                    b.strong = false;
                    Value::Same(b)
                }
                _ => Value::Unknown,
            },
            Expr::Path(_) => {
                match single_name(e).and_then(|n| self.lookup(&n).map(|(_, b)| b.clone())) {
                    Some(b) => Value::Same(b),
                    None => Value::Unknown,
                }
            }
            Expr::Field(_) | Expr::MethodCall(_) if self.obj_ref(e).is_some() => {
                match self.obj_ref(e) {
                    Some((obj, _)) => Value::Same(Binding {
                        obj: Some(obj),
                        ..Binding::default()
                    }),
                    None => Value::Unknown,
                }
            }
            Expr::MethodCall(m)
                if m.args.is_empty() && has(&self.t.clone_methods, &m.method.to_string()) =>
            {
                match self.obj_ref(&m.receiver) {
                    Some((obj, of)) => Value::Clone { obj, of },
                    None => Value::Unknown,
                }
            }
            Expr::MethodCall(m)
                if m.method == self.t.builder_finish
                    && self.gtk_builder_root(&m.receiver).is_some() =>
            {
                Value::New(Kind::Widget)
            }
            Expr::Call(c) => {
                let Expr::Path(p) = &*c.func else {
                    return Value::Unknown;
                };
                if self.matches_call(&p.path, &self.t.rc_clones) {
                    let Some(arg) = c.args.first() else {
                        return Value::Unknown;
                    };
                    // `Rc::clone(&self.inner)` shows the field is an `Rc`.
                    if let Some(field) = Self::self_field(arg)
                        && !self.fields.contains_key(&field)
                    {
                        let written = path_segments(&p.path).join("::");
                        let kind = if written.contains("Arc") {
                            Kind::Arc
                        } else {
                            Kind::Rc
                        };
                        let obj = self.new_obj(kind);
                        self.fields.insert(field, obj);
                    }
                    return match self.obj_ref(arg) {
                        Some((obj, of)) => Value::Clone { obj, of },
                        None => Value::Unknown,
                    };
                }
                if let Some(hit) = self
                    .cx
                    .imports
                    .match_table(&p.path, &self.t.rc_constructors, &[])
                    .map(str::to_string)
                    .or_else(|| {
                        self.matches_call(&p.path, &self.t.rc_constructors)
                            .then(|| path_segments(&p.path).join("::"))
                    })
                {
                    return Value::New(if hit.contains("Arc") {
                        Kind::Arc
                    } else {
                        Kind::Rc
                    });
                }
                let ctors: Vec<String> = self
                    .t
                    .gtk_constructors
                    .iter()
                    .filter(|c| **c != self.t.builder_start)
                    .cloned()
                    .collect();
                if self.is_gtk_type_call(&p.path, &ctors) {
                    return Value::New(Kind::Widget);
                }
                let mut written = path_segments(&p.path);
                if written.first().is_some_and(|s| s == "Self")
                    && let Some(ty) = &self.self_ty
                {
                    written[0] = ty.clone();
                }
                if let Some(kind) = self.file.constructors.get(&written.join("::")) {
                    return Value::New(*kind);
                }
                Value::Unknown
            }
            _ => Value::Unknown,
        }
    }

    /// The closures an expression stores: the closure itself, one held by a local,
    /// or one wrapped in `Box::new`, `Some`, `Closure::wrap`, a struct literal, ...
    fn stored_closures(&self, e: &Expr, out: &mut Vec<Location>) {
        match e {
            Expr::Closure(_) | Expr::Async(_) => out.push(self.loc(e)),
            Expr::Macro(m) if self.is_clone_macro(&m.mac.path) => out.push(self.loc(&m.mac)),
            Expr::Path(_) => {
                if let Some(key) =
                    single_name(e).and_then(|n| self.lookup(&n).and_then(|(_, b)| b.closure))
                {
                    out.push(key);
                }
            }
            Expr::Paren(p) => self.stored_closures(&p.expr, out),
            Expr::Group(g) => self.stored_closures(&g.expr, out),
            Expr::Reference(r) => self.stored_closures(&r.expr, out),
            Expr::Cast(c) => self.stored_closures(&c.expr, out),
            Expr::Call(c) => {
                let wraps = is_macro_call(c)
                    || matches!(&*c.func, Expr::Path(p) if p.path.segments.last().is_some_and(|s| has(&self.t.wrapper_calls, &s.ident.to_string())));
                if wraps {
                    c.args.iter().for_each(|a| self.stored_closures(a, out));
                }
            }
            Expr::MethodCall(m) if has(&self.t.wrapper_methods, &m.method.to_string()) => {
                self.stored_closures(&m.receiver, out)
            }
            Expr::Struct(s) => s
                .fields
                .iter()
                .for_each(|f| self.stored_closures(&f.expr, out)),
            Expr::Tuple(t) => t.elems.iter().for_each(|a| self.stored_closures(a, out)),
            Expr::Array(a) => a.elems.iter().for_each(|a| self.stored_closures(a, out)),
            Expr::Block(b) => match b.block.stmts.last() {
                Some(syn::Stmt::Expr(tail, None)) => self.stored_closures(tail, out),
                Some(syn::Stmt::Macro(m))
                    if m.semi_token.is_none() && self.is_clone_macro(&m.mac.path) =>
                {
                    out.push(self.loc(&m.mac))
                }
                _ => {}
            },
            _ => {}
        }
    }

    /// The object a place belongs to: `x`, `x.f`, `*x.borrow_mut()`, `x.lock().unwrap().f[i]`.
    fn place_root(&self, e: &Expr) -> Option<(ObjId, String)> {
        if !matches!(e, Expr::Path(_))
            && let Some(hit) = self.obj_ref(e)
        {
            return Some(hit);
        }
        match e {
            Expr::Field(f) => self.place_root(&f.base),
            Expr::Index(i) => self.place_root(&i.expr),
            Expr::Paren(p) => self.place_root(&p.expr),
            Expr::Group(g) => self.place_root(&g.expr),
            Expr::Reference(r) => self.place_root(&r.expr),
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => self.place_root(&u.expr),
            Expr::Try(t) => self.place_root(&t.expr),
            Expr::MethodCall(m) if has(&self.t.passthrough_methods, &m.method.to_string()) => {
                self.place_root(&m.receiver)
            }
            Expr::Path(_) => {
                let name = single_name(e)?;
                let obj = self.lookup(&name)?.1.obj?;
                Some((obj, name))
            }
            _ => None,
        }
    }

    /// `Rc::new(RefCell::new(None))`, `Rc::new(Cell::new(None))`.
    fn is_empty_cell(e: &Expr) -> bool {
        let Expr::Call(outer) = peel(e) else {
            return false;
        };
        match outer.args.first().map(peel) {
            Some(Expr::Call(inner)) if outer.args.len() == 1 && inner.args.len() == 1 => {
                Self::is_none(&inner.args[0])
            }
            _ => false,
        }
    }

    /// Objects an expression hands out: itself, or inside a tuple, struct or `Some(..)`.
    fn escaping(&self, e: &Expr, out: &mut Vec<ObjId>) {
        if let Some((obj, _)) = self.obj_ref(e) {
            out.push(obj);
            return;
        }
        match peel(e) {
            Expr::Tuple(t) => t.elems.iter().for_each(|x| self.escaping(x, out)),
            Expr::Struct(st) => st.fields.iter().for_each(|f| self.escaping(&f.expr, out)),
            Expr::Call(c) => c.args.iter().for_each(|x| self.escaping(x, out)),
            _ => {}
        }
    }

    fn mark_returned(&mut self, e: &Expr) {
        let mut objs = Vec::new();
        self.escaping(e, &mut objs);
        self.returned.extend(objs);
    }

    fn is_none(e: &Expr) -> bool {
        single_name(e).is_some_and(|n| n == "None")
    }

    fn record_store(&mut self, obj: ObjId, name: String, at: Location, value: &Expr) {
        let mut keys = Vec::new();
        self.stored_closures(value, &mut keys);
        for closure in keys {
            self.stores.push(Store {
                obj,
                name: name.clone(),
                at,
                closure,
            });
        }
    }

    fn method_call(&mut self, m: &syn::ExprMethodCall) {
        let method = m.method.to_string();
        let root = self.place_root(&m.receiver);
        let at = self.span_range(&m.receiver, &m.method);
        if has_prefix(&self.t.emitter_prefixes, &method) {
            let emitter = match &root {
                Some((obj, _)) => *obj,
                None => self.new_obj(Kind::Widget),
            };
            for arg in &m.args {
                let mut keys = Vec::new();
                self.stored_closures(arg, &mut keys);
                for k in keys {
                    self.emitters.insert(k, emitter);
                }
            }
        }
        let Some((obj, name)) = root else {
            return;
        };
        let stores = has(&self.t.store_methods, &method)
            || has_prefix(&self.t.store_prefixes, &method)
            || has(&self.t.place_store_methods, &method);
        if has(&self.t.release_methods, &method)
            || (has(&self.t.place_store_methods, &method) && m.args.iter().any(Self::is_none))
        {
            self.emptied.insert(obj);
        } else if stores {
            for arg in &m.args {
                self.record_store(obj, name.clone(), at, arg);
            }
        }
        if has(&self.t.container_methods, &method)
            && let Some(arg) = m.args.first()
        {
            self.contain(arg, obj, self.loc(m));
        }
    }

    /// `arg` (`&w`, `Some(&w)`) is put into `parent`.
    fn contain(&mut self, arg: &Expr, parent: ObjId, at: Location) {
        let arg = match peel(arg) {
            Expr::Call(c) if c.args.len() == 1 => &c.args[0],
            other => other,
        };
        if let Some((child, child_name)) = self.obj_ref(arg)
            && child != parent
        {
            self.contains.push(Containment {
                child,
                parent,
                child_name,
                at,
                field: false,
            });
        }
    }

    /// Objects a new `Rc`/`Arc` holds: `Rc::new(State { button: button.clone(), .. })`.
    fn held_objects(&self, e: &Expr, out: &mut Vec<(ObjId, String, Location)>) {
        // A borrow passed along is not kept.
        if matches!(e, Expr::Reference(_)) {
            return;
        }
        if let Some((obj, name)) = self.obj_ref(e) {
            out.push((obj, name, self.loc(e)));
            return;
        }
        match peel(e) {
            Expr::MethodCall(m)
                if m.args.is_empty() && has(&self.t.clone_methods, &m.method.to_string()) =>
            {
                if let Some((obj, name)) = self.obj_ref(&m.receiver) {
                    out.push((obj, name, self.loc(e)));
                }
            }
            Expr::Call(c) if self.is_holder(&c.func) => {
                c.args.iter().for_each(|a| self.held_objects(a, out))
            }
            Expr::Struct(st) => st
                .fields
                .iter()
                .for_each(|f| self.held_objects(&f.expr, out)),
            Expr::Tuple(t) => t.elems.iter().for_each(|a| self.held_objects(a, out)),
            Expr::Array(a) => a.elems.iter().for_each(|a| self.held_objects(a, out)),
            _ => {}
        }
    }

    /// `RefCell::new`, `Some`, ...: a call that keeps its argument as it is.
    fn is_holder(&self, func: &Expr) -> bool {
        let Expr::Path(p) = func else {
            return false;
        };
        let written = path_segments(&p.path);
        let tail = written[written.len().saturating_sub(2)..].join("::");
        has(&self.t.holder_calls, &tail)
    }

    fn builder_children(&mut self, e: &Expr, parent: ObjId) {
        if let Expr::MethodCall(m) = e {
            if has(&self.t.builder_child_methods, &m.method.to_string())
                && let Some(arg) = m.args.first()
            {
                self.contain(arg, parent, self.span_range(&m.method, m));
            }
            self.builder_children(&m.receiver, parent);
        }
    }

    fn local(&mut self, l: &syn::Local) {
        if let Some(init) = &l.init {
            self.visit_expr(&init.expr);
            if let Some((_, diverge)) = &init.diverge {
                self.visit_expr(diverge);
            }
        }
        let mut names = Vec::new();
        pat_names(&l.pat, &mut names);
        let single = match &l.pat {
            Pat::Ident(i) if i.subpat.is_none() => Some((i.ident.to_string(), None)),
            Pat::Type(t) => match &*t.pat {
                Pat::Ident(i) if i.subpat.is_none() => Some((i.ident.to_string(), Some(&*t.ty))),
                _ => None,
            },
            _ => None,
        };
        let Some((name, ty)) = single else {
            for n in names {
                self.bind(n, Binding::default());
            }
            return;
        };
        let site = self.loc(l);
        let value = match &l.init {
            Some(init) => self.value(&init.expr),
            None => Value::Unknown,
        };
        let handle = |clone_of: Option<String>| Handle {
            site,
            name: name.clone(),
            clone_of,
            by_macro: None,
        };
        let mut b = match value {
            Value::Same(b) => Binding {
                handle: b.handle.as_ref().map(|h| Handle {
                    site,
                    name: name.clone(),
                    clone_of: h.clone_of.clone(),
                    by_macro: h.by_macro.clone(),
                }),
                ..b
            },
            Value::Clone { obj, of } => Binding {
                obj: Some(obj),
                strong: true,
                closure: None,
                handle: Some(handle(Some(of))),
            },
            Value::New(kind) => {
                let obj = self.new_obj(kind);
                if let Some(init) = &l.init {
                    if kind == Kind::Widget {
                        self.builder_children(&init.expr, obj);
                    } else if Self::is_empty_cell(&init.expr) {
                        self.empty_cells.insert(obj);
                    } else {
                        let mut held = Vec::new();
                        self.held_objects(&init.expr, &mut held);
                        for (child, child_name, at) in held {
                            self.contains.push(Containment {
                                child,
                                parent: obj,
                                child_name,
                                at,
                                field: false,
                            });
                        }
                    }
                }
                Binding {
                    obj: Some(obj),
                    strong: true,
                    closure: None,
                    handle: Some(handle(None)),
                }
            }
            Value::Unknown => match ty.and_then(|t| self.type_kind(t)) {
                Some((kind, owned)) => Binding {
                    obj: Some(self.new_obj(kind)),
                    strong: owned,
                    closure: None,
                    handle: Some(handle(None)),
                },
                None => Binding::default(),
            },
        };
        if let Some(init) = &l.init {
            let mut keys = Vec::new();
            self.stored_closures(&init.expr, &mut keys);
            b.closure = keys.first().copied().or(b.closure);
        }
        self.bind(name, b);
    }

    fn bind_pat_unknown(&mut self, p: &Pat) {
        let mut names = Vec::new();
        pat_names(p, &mut names);
        for n in names {
            self.bind(n, Binding::default());
        }
    }

    /// Closure parameters; the first one is the emitter when the closure is a signal handler.
    fn bind_closure_params<'p>(&mut self, key: Location, params: impl Iterator<Item = &'p Pat>) {
        let emitter = self.emitters.get(&key).copied();
        for (i, p) in params.enumerate() {
            if i == 0
                && let Some(obj) = emitter
                && let Some(id) = match p {
                    Pat::Ident(id) => Some(id),
                    Pat::Type(t) => match &*t.pat {
                        Pat::Ident(id) => Some(id),
                        _ => None,
                    },
                    _ => None,
                }
            {
                self.bind(
                    id.ident.to_string(),
                    Binding {
                        obj: Some(obj),
                        strong: false,
                        closure: None,
                        handle: None,
                    },
                );
                continue;
            }
            self.bind_pat_unknown(p);
        }
    }

    /// Called before the closure's own scope is pushed: names from scopes below are captures.
    fn enter_frame(&mut self, key: Location) {
        self.frames.push(Frame {
            key,
            depth: self.scopes.len(),
            captures: Vec::new(),
        });
    }

    fn leave_frame(&mut self, head: Location, what: &'static str) {
        if let Some(frame) = self.frames.pop() {
            self.closures.insert(
                frame.key,
                ClosureInfo {
                    head,
                    what,
                    captures: frame.captures,
                },
            );
        }
    }

    fn clone_macro(&mut self, mac: &syn::Macro) -> bool {
        if !self.is_clone_macro(&mac.path) {
            return false;
        }
        let Some(parsed) = clone_macro::parse(&mac.tokens) else {
            return false;
        };
        let key = self.loc(mac);
        let head = self.loc(&mac.path);
        let macro_name = path_segments(&mac.path).join("::");
        for m in &parsed.markers {
            self.use_name(&m.outer);
        }
        let body = &parsed.body;
        self.enter_frame(key);
        self.scopes.push(HashMap::new());
        for m in &parsed.markers {
            let outer = self.lookup(&m.outer).and_then(|(_, b)| b.obj);
            let strong =
                has(&self.t.strong_markers, &m.kind) && !has(&self.t.weak_markers, &m.kind);
            let b = match outer {
                Some(obj) if strong => {
                    let start = self.cx.spans.span(m.start);
                    let end = self.cx.spans.span(m.end);
                    let handle = Handle {
                        site: Location {
                            end: end.end.max(start.start),
                            ..start
                        },
                        name: m.inner.clone(),
                        clone_of: Some(m.outer.clone()),
                        by_macro: Some(macro_name.clone()),
                    };
                    if let Some(frame) = self.frames.last_mut() {
                        frame.captures.push(Capture {
                            obj,
                            handle: handle.clone(),
                        });
                    }
                    Binding {
                        obj: Some(obj),
                        strong: true,
                        closure: None,
                        handle: Some(handle),
                    }
                }
                // A weak capture is upgraded inside: the name is no strong handle.
                _ => Binding::default(),
            };
            self.bind(m.inner.clone(), b);
        }
        self.closure_depth += 1;
        match body {
            Expr::Closure(c) => {
                self.bind_closure_params(key, c.inputs.iter());
                self.visit_expr(&c.body);
            }
            Expr::Async(a) => self.visit_block(&a.block),
            other => self.visit_expr(other),
        }
        self.closure_depth -= 1;
        let what = if matches!(body, Expr::Async(_)) {
            "async block"
        } else {
            "closure"
        };
        self.leave_frame(head, what);
        self.scopes.pop();
        true
    }

    /// Names read by a macro the engine did not expand.
    fn scan_tokens(&mut self, tokens: &proc_macro2::TokenStream) {
        let mut after_dot = false;
        for t in tokens.clone() {
            match t {
                proc_macro2::TokenTree::Ident(i) => {
                    if !after_dot {
                        self.use_name(&i.to_string());
                    }
                    after_dot = false;
                }
                proc_macro2::TokenTree::Group(g) => {
                    self.scan_tokens(&g.stream());
                    after_dot = false;
                }
                proc_macro2::TokenTree::Punct(p) => after_dot = p.as_char() == '.',
                proc_macro2::TokenTree::Literal(_) => after_dot = false,
            }
        }
    }

    fn macro_use(&mut self, mac: &syn::Macro) {
        if !self.clone_macro(mac) {
            self.scan_tokens(&mac.tokens);
        }
    }

    /// Each object's containers, nearest first, with the containment that puts it there.
    fn ancestors(&self, obj: ObjId) -> Vec<(ObjId, &Containment)> {
        let mut out: Vec<(ObjId, &Containment)> = Vec::new();
        let mut queue = vec![obj];
        let mut seen = HashSet::from([obj]);
        while let Some(o) = queue.pop() {
            for c in self.contains.iter().filter(|c| c.child == o) {
                if seen.insert(c.parent) {
                    out.push((c.parent, c));
                    queue.push(c.parent);
                }
            }
        }
        out
    }

    fn report(&mut self) {
        let mut found = Vec::new();
        let mut reported: HashSet<Location> = HashSet::new();
        for store in &self.stores {
            let Some(info) = self.closures.get(&store.closure) else {
                continue;
            };
            for cap in &info.captures {
                let via = if cap.obj == store.obj {
                    let handed_back =
                        self.empty_cells.contains(&store.obj) && self.returned.contains(&store.obj);
                    if self.emptied.contains(&store.obj) || handed_back {
                        continue;
                    }
                    None
                } else {
                    match self
                        .ancestors(store.obj)
                        .into_iter()
                        .find(|(a, _)| *a == cap.obj)
                    {
                        Some((_, c)) => Some(c),
                        None => continue,
                    }
                };
                if !reported.insert(cap.handle.site) {
                    continue;
                }
                found.push(self.finding(store, info, cap, via));
            }
        }
        self.out.extend(found);
    }

    fn finding(
        &self,
        store: &Store,
        info: &ClosureInfo,
        cap: &Capture,
        via: Option<&Containment>,
    ) -> Finding {
        let h = &cap.handle;
        let what = match &h.clone_of {
            Some(of) if h.by_macro.is_some() => format!(
                "a strong clone of `{of}` made by `{}!`",
                h.by_macro.as_deref().unwrap_or_default()
            ),
            Some(of) => format!("a strong clone of `{of}`"),
            None if via.is_some() => "a strong pointer to it".to_string(),
            None => "a strong pointer to that same object".to_string(),
        };
        let target = h.clone_of.clone().unwrap_or_else(|| h.name.clone());
        let mut message = format!(
            "{} stored in `{}` captures `{}`, {what}",
            info.what, store.name, h.name
        );
        if let Some(c) = via {
            message.push_str(&format!(", which contains `{}`", store.name));
            if c.child_name != store.name {
                message.push_str(&format!(" (through `{}`)", c.child_name));
            }
        }
        let mut f = Finding::new(h.site, message)
            .label(
                info.head,
                format!("this {} holds `{}` strongly", info.what, h.name),
            )
            .label(store.at, format!("and is stored in `{}` here", store.name));
        if let Some(c) = via {
            let how = if c.field {
                format!(
                    "`{}` belongs to the implementation, which `{target}` owns",
                    c.child_name
                )
            } else {
                format!("`{}` is put into `{target}` here", c.child_name)
            };
            f = f.label(c.at, how);
        }
        f = f.note(match via {
            Some(_) => format!(
                "`{target}` keeps `{}`, `{}` keeps the closure and the closure keeps `{target}`: none of them is ever dropped",
                store.name, store.name
            ),
            None => format!(
                "`{}` keeps the closure and the closure keeps `{}`: neither is ever dropped",
                store.name, store.name
            ),
        });
        let help = match self.objs[cap.obj].kind {
            Kind::Widget if !target.chars().all(|c| c.is_alphanumeric() || c == '_') => format!(
                "capture a weak reference: `let weak = {target}.downgrade()` before the closure and `weak.upgrade()` inside"
            ),
            Kind::Widget => format!(
                "capture a weak reference: `glib::clone!(#[weak] {target}, move |..| ..)`, or `{target}.downgrade()` before the closure and `upgrade()` inside"
            ),
            Kind::Rc => format!(
                "capture a weak reference: `let weak = Rc::downgrade(&{target})` before the closure and `weak.upgrade()` inside"
            ),
            Kind::Arc => format!(
                "capture a weak reference: `let weak = Arc::downgrade(&{target})` before the closure and `weak.upgrade()` inside"
            ),
        };
        f.help(help)
    }
}

impl<'ast> Visit<'ast> for FnWalker<'_, '_> {
    fn visit_block(&mut self, b: &'ast syn::Block) {
        let body = std::mem::take(&mut self.body_next);
        self.with_scope(|w| {
            for stmt in &b.stmts {
                w.visit_stmt(stmt);
            }
            if body && let Some(syn::Stmt::Expr(tail, None)) = b.stmts.last() {
                w.mark_returned(tail);
            }
        });
    }

    fn visit_expr_return(&mut self, r: &'ast syn::ExprReturn) {
        if self.closure_depth == 0
            && let Some(e) = &r.expr
        {
            self.mark_returned(e);
        }
        visit::visit_expr_return(self, r);
    }

    fn visit_stmt(&mut self, s: &'ast syn::Stmt) {
        match s {
            // Items are checked on their own; their bodies do not see these locals.
            syn::Stmt::Item(item) => {
                let mut items = ItemWalker {
                    rule: self.rule,
                    cx: self.cx,
                    file: self.file,
                    self_ty: None,
                    out: &mut *self.out,
                };
                items.visit_item(item);
            }
            syn::Stmt::Local(l) => self.local(l),
            syn::Stmt::Macro(m) => self.macro_use(&m.mac),
            syn::Stmt::Expr(e, _) => self.visit_expr(e),
        }
    }

    fn visit_expr_macro(&mut self, m: &'ast syn::ExprMacro) {
        self.macro_use(&m.mac);
    }

    fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
        if p.qself.is_none() && p.path.segments.len() == 1 {
            self.use_name(&p.path.segments[0].ident.to_string());
        }
        visit::visit_expr_path(self, p);
    }

    fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
        let key = self.loc(c);
        let head = match &c.capture {
            Some(m) => self.span_range(m, &c.or2_token),
            None => self.span_range(&c.or1_token, &c.or2_token),
        };
        let moves = c.capture.is_some();
        if moves {
            self.enter_frame(key);
        }
        self.scopes.push(HashMap::new());
        self.closure_depth += 1;
        self.bind_closure_params(key, c.inputs.iter());
        self.visit_expr(&c.body);
        if moves {
            self.leave_frame(head, "closure");
        }
        self.closure_depth -= 1;
        self.scopes.pop();
    }

    fn visit_expr_async(&mut self, a: &'ast syn::ExprAsync) {
        let moves = a.capture.is_some();
        if moves {
            self.enter_frame(self.loc(a));
        }
        self.closure_depth += 1;
        self.visit_block(&a.block);
        self.closure_depth -= 1;
        if let Some(m) = &a.capture {
            let head = self.span_range(&a.async_token, m);
            self.leave_frame(head, "async block");
        }
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        self.method_call(m);
        visit::visit_expr_method_call(self, m);
    }

    fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
        if let Some((obj, name)) = self.place_root(&a.left) {
            if Self::is_none(&a.right) {
                self.emptied.insert(obj);
            } else {
                let at = self.span_range(&a.left, &a.eq_token);
                self.record_store(obj, name, at, &a.right);
            }
        }
        visit::visit_expr_assign(self, a);
    }

    fn visit_arm(&mut self, arm: &'ast syn::Arm) {
        self.with_scope(|w| {
            w.bind_pat_unknown(&arm.pat);
            if let Some((_, guard)) = &arm.guard {
                w.visit_expr(guard);
            }
            w.visit_expr(&arm.body);
        });
    }

    fn visit_expr_for_loop(&mut self, f: &'ast syn::ExprForLoop) {
        self.visit_expr(&f.expr);
        self.with_scope(|w| {
            w.bind_pat_unknown(&f.pat);
            w.visit_block(&f.body);
        });
    }

    fn visit_expr_let(&mut self, l: &'ast syn::ExprLet) {
        self.visit_expr(&l.expr);
        self.bind_pat_unknown(&l.pat);
    }

    fn visit_expr_if(&mut self, i: &'ast syn::ExprIf) {
        self.with_scope(|w| {
            w.visit_expr(&i.cond);
            w.visit_block(&i.then_branch);
        });
        if let Some((_, e)) = &i.else_branch {
            self.visit_expr(e);
        }
    }

    fn visit_expr_while(&mut self, wh: &'ast syn::ExprWhile) {
        self.with_scope(|w| {
            w.visit_expr(&wh.cond);
            w.visit_block(&wh.body);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::may_capture;

    #[test]
    fn only_move_and_clone_macro_calls_may_capture() {
        let macros = ["clone".to_string()];
        for text in [
            "{ spawn(move || x) }",
            "{ async move {} }",
            "{ clone!(@strong a => move |_| {}) }",
            "{ glib::clone !(a) }",
        ] {
            assert!(may_capture(text, &macros), "{text}");
        }
        for text in [
            "{ v.remove(0); moved(); }",
            "{ a.clone(); let clone = 1; }",
            "{ || x }",
        ] {
            assert!(!may_capture(text, &macros), "{text}");
        }
    }
}
