//! The pipeline: discover → per file in parallel (read, parse, expand macros,
//! strip tests, file rules, facts; spans become byte ranges before the task
//! returns) → per crate (join facts, crate rules) → resolve positions → sort.

use std::collections::{HashMap, HashSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::crate_index::CrateIndex;
use crate::diagnostic::{
    Diagnostic, FileId, Finding, Location, ResolvedLabel, Severity, Span, fnv1a,
};
use crate::discover::{DiscoverOptions, Discovery, SourceFile, UsageError, discover};
use crate::facts::{ItemFacts, extract_items};
use crate::imports::Imports;
use crate::rules::{CrateCtx, CrateFile, FileCtx, FileOutput, Rule, RuleFacts};
use crate::source::{FileSpans, LineIndex, parse_input};

/// Deep input recurses deeply in syn and in our visitors; worker threads get room.
const WORKER_STACK: usize = 1 << 30;

#[derive(Debug, Clone, Default)]
pub struct Options {
    pub paths: Vec<PathBuf>,
    /// Rule ids to run; `None` runs every rule.
    pub select: Option<Vec<String>>,
    pub ignore: Vec<String>,
    pub include_tests: bool,
    /// Worker threads; `None` lets rayon choose.
    pub threads: Option<usize>,
    pub standalone: bool,
    /// Read and parse only: the floor a syn-based tool cannot go under.
    pub parse_only: bool,
}

pub struct Report {
    pub diagnostics: Vec<Diagnostic>,
    /// Text of every file a diagnostic points into, for rendering.
    pub sources: HashMap<FileId, (String, String)>,
    pub files: usize,
    pub walk_errors: Vec<String>,
    pub elapsed: Duration,
}

impl Report {
    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }

    pub fn parse_errors(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.rule == "parse-error")
            .count()
    }
}

struct FileResult {
    findings: Vec<(String, Severity, Finding)>,
    items: ItemFacts,
    rule_facts: Vec<(usize, RuleFacts)>,
}

pub fn enabled_rules(opts: &Options) -> Vec<&'static dyn Rule> {
    crate::rules::registry()
        .iter()
        .map(|r| r.as_ref())
        .filter(|r| {
            opts.select
                .as_ref()
                .is_none_or(|s| s.iter().any(|id| id == r.id()))
        })
        .filter(|r| !opts.ignore.iter().any(|id| id == r.id()))
        .collect()
}

fn engine_rule_enabled(opts: &Options, id: &str) -> bool {
    opts.select
        .as_ref()
        .is_none_or(|s| s.iter().any(|x| x == id))
        && !opts.ignore.iter().any(|x| x == id)
}

pub fn check(opts: &Options) -> Result<Report, UsageError> {
    let started = Instant::now();
    let discovery = discover(
        &opts.paths,
        &DiscoverOptions {
            include_tests: opts.include_tests,
            standalone: opts.standalone,
        },
    )?;
    let rules = enabled_rules(opts);
    let mut builder = rayon::ThreadPoolBuilder::new().stack_size(WORKER_STACK);
    if let Some(n) = opts.threads {
        builder = builder.num_threads(n.max(1));
    }
    let pool = builder
        .build()
        .map_err(|e| UsageError(format!("cannot start worker threads: {e}")))?;
    let report = pool.install(|| run(opts, &discovery, &rules));
    Ok(Report {
        elapsed: started.elapsed(),
        walk_errors: discovery.walk_errors.clone(),
        ..report
    })
}

fn run(opts: &Options, discovery: &Discovery, rules: &[&'static dyn Rule]) -> Report {
    let files = &discovery.files;
    // Largest files first, one file per task, so no thread is left with a giant at the end.
    let mut order: Vec<usize> = (0..files.len()).collect();
    let sizes: Vec<u64> = files
        .par_iter()
        .map(|f| std::fs::metadata(&f.path).map(|m| m.len()).unwrap_or(0))
        .collect();
    order.sort_by_key(|&i| std::cmp::Reverse(sizes[i]));
    let mut results: Vec<(usize, FileResult)> = order
        .par_iter()
        .with_max_len(1)
        .map(|&id| (id, analyze_file(id, &files[id], rules, opts)))
        .collect();
    results.sort_by_key(|(id, _)| *id);
    let mut results: Vec<FileResult> = results.into_iter().map(|(_, r)| r).collect();

    let excluded = if opts.include_tests {
        HashSet::new()
    } else {
        test_module_files(files, &results)
    };
    for &id in &excluded {
        results[id] = FileResult {
            findings: Vec::new(),
            items: ItemFacts::default(),
            rule_facts: Vec::new(),
        };
    }

    let mut findings: Vec<(String, Severity, Finding)> = Vec::new();
    for r in &mut results {
        findings.append(&mut r.findings);
    }
    if !opts.parse_only {
        let crate_findings: Vec<Vec<(String, Severity, Finding)>> = (0..discovery.crates.len())
            .into_par_iter()
            .map(|c| crate_pass(c, files, &results, rules))
            .collect();
        findings.extend(crate_findings.into_iter().flatten());
    }
    findings.retain(|(rule, _, f)| {
        engine_rule_enabled(opts, rule)
            && (files[f.primary.file].report
                || f.labels.iter().any(|l| files[l.location.file].report))
    });
    let (diagnostics, sources) = resolve(findings, files);
    Report {
        diagnostics,
        sources,
        files: files.iter().filter(|f| f.report).count(),
        walk_errors: Vec::new(),
        elapsed: Duration::ZERO,
    }
}

/// Files whose module is declared `#[cfg(test)] mod x;` by its parent.
fn test_module_files(files: &[SourceFile], results: &[FileResult]) -> HashSet<FileId> {
    let mut test_modules: HashMap<usize, Vec<&Vec<String>>> = HashMap::new();
    for (f, r) in files.iter().zip(results) {
        test_modules
            .entry(f.crate_id)
            .or_default()
            .extend(&r.items.test_modules);
    }
    files
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            test_modules
                .get(&f.crate_id)
                .is_some_and(|mods| mods.iter().any(|m| f.module.starts_with(m)))
        })
        .map(|(i, _)| i)
        .collect()
}

fn engine_finding(id: FileId, start: usize, end: usize, message: String) -> Finding {
    Finding::new(
        Location {
            file: id,
            start,
            end,
        },
        message,
    )
}

fn analyze_file(
    id: FileId,
    file: &SourceFile,
    rules: &[&'static dyn Rule],
    opts: &Options,
) -> FileResult {
    let mut result = FileResult {
        findings: Vec::new(),
        items: ItemFacts::default(),
        rule_facts: Vec::new(),
    };
    let parse_error = |result: &mut FileResult, start: usize, end: usize, message: String| {
        result.findings.push((
            "parse-error".to_string(),
            Severity::Error,
            engine_finding(id, start, end, message),
        ));
    };
    let bytes = match std::fs::read(&file.path) {
        Ok(b) => b,
        Err(e) => {
            parse_error(&mut result, 0, 0, format!("cannot read file: {e}"));
            return result;
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            parse_error(&mut result, at, at, "file is not valid UTF-8".to_string());
            return result;
        }
    };
    let input = parse_input(&text);
    let spans = FileSpans {
        file: id,
        base: input.base,
    };
    match syn::parse_str::<syn::File>(input.code) {
        Err(e) => {
            let loc = spans.span(e.span());
            parse_error(
                &mut result,
                loc.start,
                loc.end,
                format!("cannot parse: {e}"),
            );
        }
        Ok(mut ast) if !opts.parse_only => {
            crate::macros::expand_file(&mut ast);
            let test_modules = crate::facts::cfg_test_module_decls(&ast, &file.module);
            if !opts.include_tests {
                crate::testcode::strip_tests(&mut ast);
            }
            let imports = Imports::collect(&ast, &file.module);
            let mut items = extract_items(&ast, &file.module, &imports, spans);
            items.test_modules = test_modules;
            let cx = FileCtx {
                file: &ast,
                source: &text,
                path: &file.path,
                module: &file.module,
                imports: &imports,
                spans,
                items: &items,
            };
            let mut outputs = Vec::new();
            for (index, rule) in rules.iter().enumerate() {
                let mut out = FileOutput::default();
                let ran = catch_unwind(AssertUnwindSafe(|| rule.check_file(&cx, &mut out)));
                match ran {
                    Ok(()) => outputs.push((index, rule, out)),
                    Err(panic) => result.findings.push(internal_error(id, rule.id(), panic)),
                }
            }
            for (index, rule, out) in outputs {
                let severity = rule.meta().default_severity();
                result.findings.extend(
                    out.findings
                        .into_iter()
                        .map(|f| (rule.id().to_string(), severity, f)),
                );
                if let Some(facts) = out.facts {
                    result.rule_facts.push((index, facts));
                }
            }
            drop(ast);
            result.items = items;
        }
        Ok(ast) => drop(ast),
    }
    // Spans are plain numbers by now; free proc-macro2's per-thread source map.
    proc_macro2::extra::invalidate_current_thread_spans();
    result
}

fn internal_error(
    id: FileId,
    rule: &str,
    panic: Box<dyn std::any::Any + Send>,
) -> (String, Severity, Finding) {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string());
    let finding = engine_finding(
        id,
        0,
        0,
        format!("rule {rule} crashed on this file: {what}"),
    )
    .note("this is a bug in leaklint; the other rules and files were still checked")
    .help("please report it with this file");
    ("internal-error".to_string(), Severity::Error, finding)
}

fn crate_pass(
    crate_id: usize,
    files: &[SourceFile],
    results: &[FileResult],
    rules: &[&'static dyn Rule],
) -> Vec<(String, Severity, Finding)> {
    let members: Vec<usize> = (0..files.len())
        .filter(|&i| files[i].crate_id == crate_id)
        .collect();
    let Some(&first) = members.first() else {
        return Vec::new();
    };
    let index = CrateIndex::new(members.iter().map(|&i| &results[i].items));
    let mut out = Vec::new();
    for (rule_index, rule) in rules.iter().enumerate() {
        let cx = CrateCtx {
            files: members
                .iter()
                .map(|&i| CrateFile {
                    path: &files[i].path,
                    module: &files[i].module,
                    items: &results[i].items,
                    facts: results[i]
                        .rule_facts
                        .iter()
                        .find(|(r, _)| *r == rule_index)
                        .map(|(_, f)| f.as_ref()),
                })
                .collect(),
            index: &index,
        };
        let mut findings = Vec::new();
        match catch_unwind(AssertUnwindSafe(|| rule.check_crate(&cx, &mut findings))) {
            Ok(()) => {
                let severity = rule.meta().default_severity();
                out.extend(
                    findings
                        .into_iter()
                        .map(|f| (rule.id().to_string(), severity, f)),
                );
            }
            Err(panic) => out.push(internal_error(first, rule.id(), panic)),
        }
    }
    out
}

/// Shown paths: relative to the current folder when beneath it, else as given.
pub fn display_path(path: &Path) -> String {
    let shown = std::env::current_dir()
        .ok()
        .and_then(|cwd| {
            let abs = crate::discover::absolute_key(path);
            abs.strip_prefix(&cwd).ok().map(Path::to_path_buf)
        })
        .unwrap_or_else(|| path.to_path_buf());
    shown.to_string_lossy().replace('\\', "/")
}

struct LoadedFile {
    path: String,
    text: String,
    lines: LineIndex,
}

type Sources = HashMap<FileId, (String, String)>;

fn resolve(
    findings: Vec<(String, Severity, Finding)>,
    files: &[SourceFile],
) -> (Vec<Diagnostic>, Sources) {
    let mut loaded: HashMap<FileId, LoadedFile> = HashMap::new();
    for f in &findings {
        let ids =
            std::iter::once(f.2.primary.file).chain(f.2.labels.iter().map(|l| l.location.file));
        for id in ids {
            loaded.entry(id).or_insert_with(|| {
                let bytes = std::fs::read(&files[id].path).unwrap_or_default();
                let text = String::from_utf8_lossy(&bytes).into_owned();
                LoadedFile {
                    path: display_path(&files[id].path),
                    lines: LineIndex::new(&text),
                    text,
                }
            });
        }
    }
    let load = |id: FileId| &loaded[&id];
    let mut diagnostics = Vec::with_capacity(findings.len());
    for (rule, severity, f) in findings {
        let span_of = |file: &LoadedFile, loc: Location| Span {
            start: file.lines.position(&file.text, loc.start),
            end: file.lines.position(&file.text, loc.end.max(loc.start)),
        };
        let primary = load(f.primary.file);
        let span = span_of(primary, f.primary);
        let path = primary.path.clone();
        let excerpt: String = primary
            .text
            .get(span.start.offset..span.end.offset)
            .unwrap_or("")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let labels = f
            .labels
            .iter()
            .map(|l| {
                let file = load(l.location.file);
                ResolvedLabel {
                    path: file.path.clone(),
                    file: l.location.file,
                    span: span_of(file, l.location),
                    message: l.message.clone(),
                }
            })
            .collect();
        let fingerprint = fnv1a(format!("{rule}\0{path}\0{excerpt}").as_bytes(), 0);
        diagnostics.push(Diagnostic {
            rule,
            severity,
            message: f.message,
            path,
            file: f.primary.file,
            span,
            labels,
            notes: f.notes,
            help: f.help,
            fingerprint: format!("{fingerprint:016x}"),
        });
    }
    diagnostics.sort_by(|a, b| {
        (
            &a.path,
            a.span.start.offset,
            &a.rule,
            &a.message,
            a.span.end.offset,
        )
            .cmp(&(
                &b.path,
                b.span.start.offset,
                &b.rule,
                &b.message,
                b.span.end.offset,
            ))
    });
    diagnostics.dedup_by(|a, b| {
        a.rule == b.rule && a.span == b.span && a.path == b.path && a.message == b.message
    });
    // Identical code twice in a file gives the same hash: number the repeats.
    let mut seen: HashMap<String, u64> = HashMap::new();
    for d in &mut diagnostics {
        let n = seen.entry(d.fingerprint.clone()).or_insert(0);
        if *n > 0 {
            let again = fnv1a(d.fingerprint.as_bytes(), *n);
            d.fingerprint = format!("{again:016x}");
        }
        *n += 1;
    }
    let sources = loaded
        .into_iter()
        .map(|(id, f)| (id, (f.path, f.text)))
        .collect();
    (diagnostics, sources)
}
