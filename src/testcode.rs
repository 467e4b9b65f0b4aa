//! Test code is not shipped, so by default it is not checked: `#[cfg(test)]`
//! items and `#[test]`-like functions are removed from the tree before rules run.

use syn::visit_mut::{self, VisitMut};

use crate::source::Bodies;
use syn::{Attribute, Item, Meta};

pub fn strip_tests(file: &mut syn::File, bodies: Bodies<'_>) {
    TestStripper { bodies }.visit_file_mut(file);
}

/// `#[cfg(test)]`, `#[cfg(all(test, ..))]`: the item exists only in test builds.
pub fn is_cfg_test(attrs: &[Attribute]) -> bool {
    attrs
        .iter()
        .any(|a| a.path().is_ident("cfg") && a.parse_args::<Meta>().is_ok_and(|m| test_only(&m)))
}

fn test_only(meta: &Meta) -> bool {
    match meta {
        Meta::Path(p) => p.is_ident("test"),
        Meta::List(list) => {
            let nested = list
                .parse_args_with(
                    syn::punctuated::Punctuated::<Meta, syn::Token![,]>::parse_terminated,
                )
                .map(|p| p.into_iter().collect::<Vec<_>>())
                .unwrap_or_default();
            if list.path.is_ident("all") {
                nested.iter().any(test_only)
            } else if list.path.is_ident("any") {
                !nested.is_empty() && nested.iter().all(test_only)
            } else {
                false
            }
        }
        Meta::NameValue(_) => false,
    }
}

/// `#[test]`, `#[tokio::test]`, `#[async_std::test]`, `#[bench]`, `#[rstest]`, ..
pub fn is_test_fn(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().segments.last().is_some_and(|s| {
            matches!(
                s.ident.to_string().as_str(),
                "test" | "bench" | "rstest" | "test_case"
            )
        })
    })
}

fn is_test_item(item: &Item) -> bool {
    let attrs: &[Attribute] = match item {
        Item::Fn(f) => {
            return is_cfg_test(&f.attrs) || is_test_fn(&f.attrs);
        }
        Item::Mod(m) => &m.attrs,
        Item::Impl(i) => &i.attrs,
        Item::Struct(s) => &s.attrs,
        Item::Enum(e) => &e.attrs,
        Item::Static(s) => &s.attrs,
        Item::Const(c) => &c.attrs,
        Item::Trait(t) => &t.attrs,
        Item::Type(t) => &t.attrs,
        Item::Use(u) => &u.attrs,
        Item::Macro(m) => &m.attrs,
        _ => return false,
    };
    is_cfg_test(attrs)
}

struct TestStripper<'a> {
    bodies: Bodies<'a>,
}

impl VisitMut for TestStripper<'_> {
    // Test items carry an attribute: a body without `#` holds none.
    fn visit_item_fn_mut(&mut self, f: &mut syn::ItemFn) {
        if self.bodies.may_hold_char(&f.block, '#') {
            visit_mut::visit_item_fn_mut(self, f);
        }
    }

    fn visit_impl_item_fn_mut(&mut self, f: &mut syn::ImplItemFn) {
        if self.bodies.may_hold_char(&f.block, '#') {
            visit_mut::visit_impl_item_fn_mut(self, f);
        }
    }

    fn visit_file_mut(&mut self, file: &mut syn::File) {
        file.items.retain(|i| !is_test_item(i));
        visit_mut::visit_file_mut(self, file);
    }

    fn visit_item_mod_mut(&mut self, m: &mut syn::ItemMod) {
        if let Some((_, items)) = &mut m.content {
            items.retain(|i| !is_test_item(i));
        }
        visit_mut::visit_item_mod_mut(self, m);
    }

    fn visit_item_impl_mut(&mut self, i: &mut syn::ItemImpl) {
        i.items.retain(|item| match item {
            syn::ImplItem::Fn(f) => !is_cfg_test(&f.attrs) && !is_test_fn(&f.attrs),
            _ => true,
        });
        visit_mut::visit_item_impl_mut(self, i);
    }

    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        b.stmts
            .retain(|s| !matches!(s, syn::Stmt::Item(i) if is_test_item(i)));
        visit_mut::visit_block_mut(self, b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;

    #[test]
    fn removes_test_items_only() {
        let mut f = syn::parse_file(
            "fn keep() {} #[cfg(test)] mod t {} #[test] fn t1() {} #[tokio::test] async fn t2() {} #[cfg(all(test, unix))] fn t3() {} #[cfg(not(test))] fn keep2() {} #[cfg(any(test, feature = \"x\"))] fn keep3() {}",
        )
        .unwrap();
        strip_tests(&mut f, Bodies::unknown());
        let out = f.into_token_stream().to_string();
        assert!(
            out.contains("keep ()") && out.contains("keep2") && out.contains("keep3"),
            "{out}"
        );
        assert!(
            !out.contains("t1")
                && !out.contains("t2")
                && !out.contains("t3")
                && !out.contains("mod t"),
            "{out}"
        );
    }
}
