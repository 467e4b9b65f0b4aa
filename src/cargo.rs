//! `cargo leaklint [--manifest-path PATH] [-p NAME]... [--workspace] [ARGS]`:
//! cargo runs `cargo-leaklint leaklint ARGS`. The packages come from
//! `cargo metadata`; their source folders are checked with `leaklint check ARGS`
//! (or `ARGS` may start with another leaklint command).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use cargo_metadata::{MetadataCommand, Package, TargetKind};

const USAGE: &str =
    "usage: cargo leaklint [--manifest-path PATH] [-p NAME]... [--workspace] [check options]";

pub fn main(args: Vec<OsString>) -> i32 {
    let mut rest: Vec<OsString> = args.into_iter().skip(1).collect();
    if rest.first().is_some_and(|a| a == "leaklint") {
        rest.remove(0);
    }
    let mut manifest: Option<PathBuf> = None;
    let mut packages: Vec<String> = Vec::new();
    let mut workspace = false;
    let mut passed: Vec<OsString> = Vec::new();
    let mut it = rest.into_iter();
    while let Some(arg) = it.next() {
        let text = arg.to_string_lossy().into_owned();
        let mut value = |name: &str| -> Result<OsString, String> {
            it.next()
                .ok_or_else(|| format!("{name} needs a value; {USAGE}"))
        };
        match text.as_str() {
            "--manifest-path" => match value("--manifest-path") {
                Ok(v) => manifest = Some(v.into()),
                Err(e) => return error(&e),
            },
            "-p" | "--package" => match value("--package") {
                Ok(v) => packages.push(v.to_string_lossy().into_owned()),
                Err(e) => return error(&e),
            },
            "--workspace" | "--all" => workspace = true,
            _ => {
                if let Some(v) = text.strip_prefix("--manifest-path=") {
                    manifest = Some(v.into());
                } else if let Some(v) = text.strip_prefix("--package=") {
                    packages.push(v.to_string());
                } else if let Some(v) = text.strip_prefix("-p").filter(|v| !v.is_empty()) {
                    packages.push(v.to_string());
                } else {
                    passed.push(arg);
                }
            }
        }
    }
    let command = match passed.first().map(|a| a.to_string_lossy().into_owned()) {
        Some(c)
            if [
                "rules",
                "explain",
                "config",
                "help",
                "--help",
                "-h",
                "--version",
                "-V",
            ]
            .contains(&c.as_str()) =>
        {
            return crate::cli::run(std::iter::once("leaklint".into()).chain(passed).collect());
        }
        Some(c) if c == "check" => {
            passed.remove(0);
            "check"
        }
        _ => "check",
    };
    let paths = match package_paths(manifest.as_deref(), &packages, workspace) {
        Ok(p) => p,
        Err(e) => return error(&e),
    };
    let mut argv: Vec<OsString> = vec!["leaklint".into(), command.into()];
    let has_color = passed
        .iter()
        .any(|a| a.to_string_lossy().starts_with("--color"));
    if !has_color
        && let Ok(color) = std::env::var("CARGO_TERM_COLOR")
        && ["auto", "always", "never"].contains(&color.as_str())
    {
        argv.push("--color".into());
        argv.push(color.into());
    }
    argv.extend(passed);
    argv.extend(paths.into_iter().map(OsString::from));
    crate::cli::run(argv)
}

fn error(message: &str) -> i32 {
    eprintln!("cargo-leaklint: error: {message}");
    2
}

/// The source folders of the chosen packages: `-p` names, every member with
/// `--workspace`, else the package of the manifest (the default members of
/// a virtual workspace).
fn package_paths(
    manifest: Option<&Path>,
    names: &[String],
    workspace: bool,
) -> Result<Vec<PathBuf>, String> {
    let mut cmd = MetadataCommand::new();
    cmd.no_deps();
    if let Some(m) = manifest {
        cmd.manifest_path(m);
    }
    let metadata = cmd
        .exec()
        .map_err(|e| format!("cargo metadata failed: {e}"))?;
    let members: Vec<&Package> = metadata.workspace_packages();
    let chosen: Vec<&Package> = if !names.is_empty() {
        let mut chosen = Vec::new();
        for name in names {
            match members.iter().find(|p| p.name.as_str() == name) {
                Some(p) => chosen.push(*p),
                None => {
                    return Err(format!(
                        "package `{name}` is not a member of the workspace; members: {}",
                        members
                            .iter()
                            .map(|p| p.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
            }
        }
        chosen
    } else if workspace {
        members
    } else if let Some(root) = metadata.root_package() {
        vec![root]
    } else if metadata.workspace_default_members.is_available() {
        members
            .into_iter()
            .filter(|p| metadata.workspace_default_members.contains(&p.id))
            .collect()
    } else {
        members
    };
    let mut paths: Vec<PathBuf> = Vec::new();
    for p in chosen {
        // The folders of its targets, not the package folder: a workspace
        // root's folder holds its members too.
        let mut dirs: Vec<PathBuf> = p
            .targets
            .iter()
            .filter(|t| !t.kind.contains(&TargetKind::CustomBuild))
            .filter_map(|t| t.src_path.parent().map(|d| d.as_std_path().to_path_buf()))
            .collect();
        dirs.sort();
        dirs.dedup();
        let mut kept: Vec<PathBuf> = Vec::new();
        for d in dirs {
            if !kept.iter().any(|k| d.starts_with(k)) {
                kept.push(d);
            }
        }
        paths.extend(kept);
    }
    if paths.is_empty() {
        return Err("no packages to check".to_string());
    }
    Ok(paths)
}
