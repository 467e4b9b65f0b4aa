//! The pipeline: discover → per file in parallel (read, parse, expand macros,
//! strip tests, file rules, facts; spans become byte ranges before the task
//! returns) → per crate (join facts, crate rules) → resolve positions → sort.

use std::collections::{HashMap, HashSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::cache::Cache;
use crate::crate_index::CrateIndex;
use crate::diagnostic::{
    Diagnostic, FileId, Finding, Location, ResolvedLabel, Severity, Span, fnv1a,
};
use crate::discover::{
    CrateRoot, DiscoverOptions, Discovery, SourceFile, UsageError, absolute_key, discover,
    module_path,
};
use crate::facts::{ItemFacts, extract_items};
use crate::imports::Imports;
use crate::rules::{CrateCtx, CrateFile, FileCtx, FileOutput, Rule, RuleFacts};
use crate::source::{Bodies, FileSpans, LineIndex, SpanMap, parse_input};
use crate::timings::{FileTimes, Phase, Timings};

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
    /// Skip nothing: every file is parsed whole, as written, every function
    /// body is walked and spans are turned into offsets by proc-macro2 alone.
    /// The reference a full check's output must equal (`scripts/bench.sh`).
    pub no_skip: bool,
    /// An editor's buffer: this file's text instead of what is on disk. The
    /// rest of its crate is read from disk; only this file is reported.
    pub stdin: Option<(PathBuf, Vec<u8>)>,
    /// `--shard K/N` (1-based K): check only this shard's crates.
    pub shard: Option<(usize, usize)>,
    /// Severity overrides from the configuration: rule id → severity.
    pub severity: Vec<(String, Severity)>,
    /// Files not to report (the configuration's `exclude` globs).
    pub exclude: Option<ignore::gitignore::Gitignore>,
    /// Apply `exclude` to files named on the command line too.
    pub force_exclude: bool,
    /// Counts files as they are analyzed, for a progress line.
    pub progress: Option<std::sync::Arc<Progress>>,
    /// The facts cache's folder; `None` analyses every file.
    pub cache: Option<PathBuf>,
}

/// Files analyzed of the total, updated while a run goes.
#[derive(Debug, Default)]
pub struct Progress {
    pub total: std::sync::atomic::AtomicUsize,
    pub done: std::sync::atomic::AtomicUsize,
}

pub struct Report {
    pub diagnostics: Vec<Diagnostic>,
    /// Findings silenced by `// leaklint: allow(...)` comments.
    pub suppressed: Vec<Diagnostic>,
    /// Findings hidden because the baseline holds them.
    pub baselined: usize,
    /// Text of every file a diagnostic points into, for rendering.
    pub sources: HashMap<FileId, (String, String)>,
    pub files: usize,
    /// Shown paths of the reported files.
    pub reported: Vec<String>,
    pub walk_errors: Vec<String>,
    pub elapsed: Duration,
    pub timings: Timings,
    /// Why the facts cache could not be written, if it could not.
    pub cache_warning: Option<String>,
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

/// What a file task hands to the crate pass and the report; what the facts
/// cache stores (rule facts are encoded by their rules).
#[derive(Default, Serialize, Deserialize)]
struct FileResult {
    findings: Vec<(String, Severity, Finding)>,
    items: ItemFacts,
    directives: Vec<crate::suppress::Directive>,
    #[serde(skip)]
    rule_facts: Vec<(usize, RuleFacts)>,
    #[serde(skip)]
    times: FileTimes,
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
    check_with(opts, &enabled_rules(opts))
}

/// [`check`] with an explicit set of rules.
pub fn check_with(opts: &Options, rules: &[&'static dyn Rule]) -> Result<Report, UsageError> {
    let started = Instant::now();
    let discover_opts = DiscoverOptions {
        include_tests: opts.include_tests,
        standalone: opts.standalone,
    };
    let mut discovery = match &opts.stdin {
        None => discover(&opts.paths, &discover_opts)?,
        Some((path, _)) => discover_buffer(path, &discover_opts)?,
    };
    if let Some(shard) = opts.shard {
        keep_shard(&mut discovery, shard);
    }
    if let Some(matcher) = &opts.exclude {
        apply_exclude(&mut discovery, matcher, opts);
    }
    if let Some(p) = &opts.progress {
        p.total
            .store(discovery.files.len(), std::sync::atomic::Ordering::Relaxed);
    }
    let mut builder = rayon::ThreadPoolBuilder::new().stack_size(WORKER_STACK);
    if let Some(n) = opts.threads {
        builder = builder.num_threads(n.max(1));
    }
    let pool = builder
        .build()
        .map_err(|e| UsageError(format!("cannot start worker threads: {e}")))?;
    let discovered = started.elapsed();
    let mut report = pool.install(|| run(opts, &discovery, rules));
    report.timings.discover = discovered;
    report.timings.total = started.elapsed();
    Ok(Report {
        elapsed: started.elapsed(),
        walk_errors: discovery.walk_errors.clone(),
        ..report
    })
}

/// `--shard K/N`: only the crates whose root path hashes to shard K (1-based) of N.
/// Whole crates go to one shard, so cross-file rules see every file they need.
fn keep_shard(discovery: &mut Discovery, (k, n): (usize, usize)) {
    let in_shard: Vec<bool> = discovery
        .crates
        .iter()
        .map(|c| fnv1a(display_path(&c.root).as_bytes(), 0) % n as u64 == (k - 1) as u64)
        .collect();
    discovery.files.retain(|f| in_shard[f.crate_id]);
}

/// Files matching the `exclude` globs are read (for facts) but not reported;
/// files named on the command line only with `--force-exclude`.
fn apply_exclude(
    discovery: &mut Discovery,
    matcher: &ignore::gitignore::Gitignore,
    opts: &Options,
) {
    let named: HashSet<PathBuf> = opts
        .paths
        .iter()
        .chain(opts.stdin.as_ref().map(|(p, _)| p))
        .filter(|p| !p.is_dir())
        .map(|p| absolute_key(p))
        .collect();
    let root = matcher.path().to_path_buf();
    for f in &mut discovery.files {
        let abs = absolute_key(&f.path);
        if !f.report || !abs.starts_with(&root) {
            continue;
        }
        if !opts.force_exclude && named.contains(&abs) {
            continue;
        }
        if matcher.matched_path_or_any_parents(&abs, false).is_ignore() {
            f.report = false;
        }
    }
}

/// The crate of a buffer that may not exist on disk yet: its folder's crate,
/// with the buffer reported and nothing else.
fn discover_buffer(path: &Path, opts: &DiscoverOptions) -> Result<Discovery, UsageError> {
    if path.is_file() {
        return discover(&[path.to_path_buf()], opts);
    }
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !folder.is_dir() {
        return Err(UsageError(format!(
            "--stdin-filename: folder not found: {} (name a file in an existing folder)",
            folder.display()
        )));
    }
    let mut discovery = discover(&[folder], opts)?;
    let key = absolute_key(path);
    let home = (0..discovery.crates.len())
        .filter(|&c| discovery.crates[c].has_manifest)
        .filter(|&c| key.starts_with(absolute_key(&discovery.crates[c].root)))
        .max_by_key(|&c| absolute_key(&discovery.crates[c].root).components().count());
    let (crate_id, root) = match home {
        Some(c) => (c, discovery.crates[c].root.clone()),
        None => {
            discovery.crates.push(CrateRoot {
                root: path.to_path_buf(),
                has_manifest: false,
            });
            (discovery.crates.len() - 1, path.to_path_buf())
        }
    };
    discovery.files.retain(|f| f.crate_id == crate_id);
    for f in &mut discovery.files {
        f.report = false;
    }
    discovery.files.push(SourceFile {
        path: path.to_path_buf(),
        crate_id,
        module: module_path(path, &root),
        report: true,
    });
    Ok(discovery)
}

/// A file's bytes: the editor's buffer for `--stdin-filename`, else the disk.
fn read_source(opts: &Options, path: &Path) -> std::io::Result<Vec<u8>> {
    if let Some((buffer, text)) = &opts.stdin
        && absolute_key(buffer) == absolute_key(path)
    {
        return Ok(text.clone());
    }
    std::fs::read(path)
}

fn run(opts: &Options, discovery: &Discovery, rules: &[&'static dyn Rule]) -> Report {
    let files = &discovery.files;
    let sizes: Vec<u64> = files
        .par_iter()
        .map(|f| std::fs::metadata(&f.path).map(|m| m.len()).unwrap_or(0))
        .collect();
    // Crate by crate, so a crate's facts are dropped once its crate pass has run
    // and memory follows the largest crates in flight, not the whole tree. Largest
    // crates and, inside each, largest files first, one file per task, so no thread
    // is left with a giant at the end.
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); discovery.crates.len()];
    for (id, f) in files.iter().enumerate() {
        members[f.crate_id].push(id);
    }
    let mut crate_order: Vec<usize> = (0..members.len()).collect();
    crate_order
        .sort_by_key(|&c| std::cmp::Reverse(members[c].iter().map(|&i| sizes[i]).sum::<u64>()));
    // The floor a parse-only pass measures has no cache, nor the reference
    // a run that skips nothing gives.
    let cache = opts
        .cache
        .as_deref()
        .filter(|_| !opts.parse_only && !opts.no_skip)
        .map(|root| Cache::open(root, rules, opts.include_tests));
    let per_file_start = Instant::now();
    let crates: Vec<CrateResult> = crate_order
        .par_iter()
        .with_max_len(1)
        .map(|&c| {
            let mut order: Vec<usize> = members[c].clone();
            order.sort_by_key(|&i| std::cmp::Reverse(sizes[i]));
            let analyze =
                |ids: &[usize], test_modules: &[Vec<String>]| -> Vec<(usize, FileResult)> {
                    ids.par_iter()
                        .with_max_len(1)
                        .map(|&id| {
                            let r = if in_test_module(&files[id].module, test_modules) {
                                // Test code: finish_crate would drop all it found.
                                FileResult::default()
                            } else {
                                match &cache {
                                    Some(cache) => {
                                        analyze_file_cached(id, &files[id], rules, opts, cache)
                                    }
                                    None => analyze_file(id, &files[id], rules, opts),
                                }
                            };
                            if let Some(p) = &opts.progress {
                                p.done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            }
                            (id, r)
                        })
                        .collect()
                };
            // Files that look like tests go second, so that those a `#[cfg(test)]
            // mod x;` of the first declares need not be parsed at all (a
            // parse-only pass, which finds no declarations, keeps one order).
            let skip_tests = !opts.include_tests && !opts.no_skip && !opts.parse_only;
            let (later, first): (Vec<usize>, Vec<usize>) = order
                .into_iter()
                .partition(|&id| skip_tests && looks_like_tests(&files[id].module));
            let mut crate_results = analyze(&first, &[]);
            let declared: Vec<Vec<String>> = crate_results
                .iter()
                .flat_map(|(_, r)| r.items.test_modules.iter().cloned())
                .collect();
            crate_results.extend(analyze(&later, &declared));
            // The crate pass sees files in a fixed order, whatever order they ran in.
            crate_results.sort_by_key(|(id, _)| *id);
            let crate_results = crate_results.into_iter().map(|(_, r)| r).collect();
            finish_crate(&members[c], crate_results, files, rules, opts)
        })
        .collect();
    let mut results: Vec<FileResult> = (0..files.len()).map(|_| FileResult::default()).collect();
    let mut findings: Vec<(String, Severity, Finding)> = Vec::new();
    let mut crate_pass_time = Duration::ZERO;
    for (c, done) in crate_order.iter().zip(crates) {
        for (&id, r) in members[*c].iter().zip(done.files) {
            results[id] = r;
        }
        findings.extend(done.findings);
        crate_pass_time += done.crate_pass;
    }
    let mut timings = Timings {
        per_file_wall: per_file_start.elapsed(),
        files: files.len(),
        cache: cache.as_ref().map(Cache::stats),
        crate_pass: crate_pass_time,
        ..Timings::default()
    };
    for r in &results {
        timings.per_file.add(&r.times);
    }
    let resolve_start = Instant::now();
    findings.retain(|(rule, _, f)| {
        let reported = files[f.primary.file].report
            || (opts.stdin.is_none() && f.labels.iter().any(|l| files[l.location.file].report));
        engine_rule_enabled(opts, rule) && reported
    });
    let mut suppressed = Vec::new();
    if !opts.parse_only {
        suppressed = apply_suppressions(&mut findings, files, &results, rules);
        findings.retain(|(rule, _, _)| engine_rule_enabled(opts, rule));
    }
    for (rule, severity, _) in findings.iter_mut().chain(suppressed.iter_mut()) {
        if let Some((_, s)) = opts.severity.iter().rev().find(|(id, _)| id == rule) {
            *severity = *s;
        }
    }
    let (diagnostics, mut sources) = resolve(findings, files, opts);
    let (suppressed, more) = resolve(suppressed, files, opts);
    sources.extend(more);
    timings.resolve = resolve_start.elapsed();
    Report {
        diagnostics,
        suppressed,
        baselined: 0,
        sources,
        files: files.iter().filter(|f| f.report).count(),
        reported: files
            .iter()
            .filter(|f| f.report)
            .map(|f| display_path(&f.path))
            .collect(),
        walk_errors: Vec::new(),
        elapsed: Duration::ZERO,
        timings,
        cache_warning: cache.and_then(|c| c.warning().map(str::to_string)),
    }
}

/// Moves suppressed findings out of `findings` (returned), and adds the
/// engine's findings about the suppressions themselves.
fn apply_suppressions(
    findings: &mut Vec<(String, Severity, Finding)>,
    files: &[SourceFile],
    results: &[FileResult],
    rules: &[&'static dyn Rule],
) -> Vec<(String, Severity, Finding)> {
    use crate::suppress::Directive;
    let mut used: HashSet<(FileId, usize)> = HashSet::new();
    let mut suppressed = Vec::new();
    findings.retain(|(rule, severity, f)| {
        let file = f.primary.file;
        let hit = results[file]
            .directives
            .iter()
            .position(|d: &Directive| d.applies(rule, f.primary.start));
        match hit {
            Some(i) => {
                used.insert((file, i));
                suppressed.push((rule.clone(), *severity, f.clone()));
                false
            }
            None => true,
        }
    });
    let ran = |id: &str| rules.iter().any(|r| r.id() == id);
    for (file, r) in results.iter().enumerate() {
        if !files[file].report {
            continue;
        }
        for (i, d) in r.directives.iter().enumerate() {
            let at = |m: String| engine_finding(file, d.comment.start, d.comment.end, m);
            let what = if d.file_level { "allow-file" } else { "allow" };
            let list = d.rules.join(", ");
            if d.reason.is_none() {
                findings.push((
                    "suppression-without-reason".to_string(),
                    Severity::Warning,
                    at(format!("`{what}({list})` gives no reason"))
                        .help("say why after `--`, e.g. `// leaklint: allow(rule-id) -- the owner clears it on drop`"),
                ));
            }
            if used.contains(&(file, i)) || d.in_skipped_tests {
                continue;
            }
            let unknown: Vec<&String> = d
                .rules
                .iter()
                .filter(|id| {
                    crate::rules::find(id).is_none()
                        && !crate::rules::ENGINE_IDS.contains(&id.as_str())
                        && !crate::suppress::IDS.contains(&id.as_str())
                })
                .collect();
            if let Some(id) = unknown.first() {
                findings.push((
                    "unused-suppression".to_string(),
                    Severity::Warning,
                    at(format!("`{what}({list})` names no rule `{id}`")).help(format!(
                        "valid rules: {}",
                        crate::rules::registry()
                            .iter()
                            .map(|r| r.id())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                ));
            } else if !d.rules.is_empty() && d.rules.iter().all(|id| ran(id)) {
                let scope = if d.file_level {
                    "in this file"
                } else {
                    "on this line or the next"
                };
                findings.push((
                    "unused-suppression".to_string(),
                    Severity::Warning,
                    at(format!("`{what}({list})` silenced nothing {scope}"))
                        .help("remove the comment"),
                ));
            }
        }
    }
    suppressed
}

/// Files whose module is declared `#[cfg(test)] mod x;` by its parent.
/// A crate's files once its crate pass has run: each file keeps only its findings,
/// suppression comments and timings; the facts are dropped.
struct CrateResult {
    files: Vec<FileResult>,
    findings: Vec<(String, Severity, Finding)>,
    /// Thread time of the crate pass.
    crate_pass: Duration,
}

/// Whether a module's path names tests (`tests`, `test_util`, `mock_tests`),
/// the files most often declared `#[cfg(test)] mod x;`. Only the order of work
/// depends on it: a test module's files are dropped in [`finish_crate`] anyway.
fn looks_like_tests(module: &[String]) -> bool {
    module.iter().any(|m| m.contains("test"))
}

/// Whether a file's module is one of `test_modules` (`#[cfg(test)] mod x;`
/// declarations) or inside one. The skip before parsing and the drop in
/// [`finish_crate`] must agree, so both ask this.
fn in_test_module(module: &[String], test_modules: &[Vec<String>]) -> bool {
    test_modules.iter().any(|m| module.starts_with(m))
}

fn finish_crate(
    members: &[usize],
    mut results: Vec<FileResult>,
    files: &[SourceFile],
    rules: &[&'static dyn Rule],
    opts: &Options,
) -> CrateResult {
    // Files under a `#[cfg(test)] mod x;` are test code.
    if !opts.include_tests {
        let test_modules: Vec<Vec<String>> = results
            .iter()
            .flat_map(|r| r.items.test_modules.iter().cloned())
            .collect();
        for (&id, r) in members.iter().zip(&mut results) {
            if in_test_module(&files[id].module, &test_modules) {
                *r = FileResult {
                    times: r.times,
                    ..FileResult::default()
                };
            }
        }
    }
    let mut findings = Vec::new();
    for r in &mut results {
        findings.append(&mut r.findings);
    }
    let start = Instant::now();
    if !opts.parse_only {
        findings.extend(crate_pass(members, files, &results, rules));
    }
    let crate_pass = start.elapsed();
    let files = results
        .into_iter()
        .map(|r| FileResult {
            directives: r.directives,
            times: r.times,
            ..FileResult::default()
        })
        .collect();
    CrateResult {
        files,
        findings,
        crate_pass,
    }
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

/// [`analyze_file`] through the facts cache. An editor's buffer is neither
/// loaded nor stored (it changes on every keystroke); a file with an
/// `internal-error` is not stored, so the next run tries again.
fn analyze_file_cached(
    id: FileId,
    file: &SourceFile,
    rules: &[&'static dyn Rule],
    opts: &Options,
    cache: &Cache,
) -> FileResult {
    let is_buffer = opts
        .stdin
        .as_ref()
        .is_some_and(|(p, _)| absolute_key(p) == absolute_key(&file.path));
    if is_buffer {
        return analyze_file(id, file, rules, opts);
    }
    let mut times = FileTimes::default();
    let bytes = match times.time(Phase::Read, || std::fs::read(&file.path)) {
        Ok(bytes) => bytes,
        Err(e) => return analyzed(id, file, rules, opts, Err(e), times),
    };
    let key = times.time(Phase::Cache, || cache.key(&file.path, &file.module, &bytes));
    if let Some((mut result, facts)) =
        times.time(Phase::Cache, || cache.load::<FileResult>(id, &key, rules))
    {
        times.bytes = bytes.len() as u64;
        result.rule_facts = facts;
        result.times = times;
        return result;
    }
    let mut result = analyzed(id, file, rules, opts, Ok(bytes), times);
    if !result
        .findings
        .iter()
        .any(|(rule, _, _)| rule == "internal-error")
    {
        let start = Instant::now();
        cache.store(id, &key, &result, &result.rule_facts, rules);
        result.times.phases[Phase::Cache as usize] += start.elapsed();
    }
    result
}

fn analyze_file(
    id: FileId,
    file: &SourceFile,
    rules: &[&'static dyn Rule],
    opts: &Options,
) -> FileResult {
    let mut times = FileTimes::default();
    let read = times.time(Phase::Read, || read_source(opts, &file.path));
    analyzed(id, file, rules, opts, read, times)
}

/// The file task on bytes already read (`times` holds the read).
fn analyzed(
    id: FileId,
    file: &SourceFile,
    rules: &[&'static dyn Rule],
    opts: &Options,
    read: std::io::Result<Vec<u8>>,
    mut times: FileTimes,
) -> FileResult {
    let mut result = FileResult::default();
    match read {
        Ok(bytes) => {
            times.bytes = bytes.len() as u64;
            match String::from_utf8(bytes) {
                Ok(text) => {
                    // Every file of the crate: a finding shown through a label in a
                    // named file is suppressed where its primary span is.
                    if !opts.parse_only {
                        result.directives = crate::suppress::scan(&text);
                    }
                    analyze_text(id, file, &text, rules, opts, &mut result, &mut times)
                }
                Err(e) => {
                    let at = e.utf8_error().valid_up_to();
                    result.findings.push(parse_error(
                        id,
                        at,
                        at,
                        "file is not valid UTF-8".to_string(),
                    ));
                }
            }
        }
        Err(e) => result
            .findings
            .push(parse_error(id, 0, 0, format!("cannot read file: {e}"))),
    }
    result.times = times;
    result
}

/// The file's syntax tree. A full check parses it without what no rule reads
/// ([`crate::skip`]); if that does not parse, the text as written is parsed, so
/// errors are the text's own. The parse-only pass parses the text as written.
/// A full check also gets the lines of the text syn parsed, to turn spans into
/// byte offsets quickly ([`SpanMap`]).
fn parse_code(code: &str, opts: &Options) -> syn::Result<(syn::File, Option<SpanMap>)> {
    if !opts.parse_only && !opts.no_skip {
        let lean = crate::skip::blank_unread_text(code);
        if let Ok(tokens) = lean.parse::<proc_macro2::TokenStream>() {
            let tokens = crate::skip::empty_unread_items(tokens, !opts.include_tests);
            if let Ok(file) = syn::parse2::<syn::File>(tokens) {
                return Ok((file, Some(SpanMap::new(&lean))));
            }
        }
        proc_macro2::extra::invalidate_current_thread_spans();
        return syn::parse_str::<syn::File>(code).map(|file| (file, Some(SpanMap::new(code))));
    }
    syn::parse_str::<syn::File>(code).map(|file| (file, None))
}

/// What a syn error says, with proc-macro2's opaque lexer error put in words.
fn parse_message(e: &syn::Error) -> String {
    let said = e.to_string();
    if said == "cannot parse string into token stream" {
        "cannot parse: unbalanced delimiter, unterminated string or comment, or invalid character"
            .to_string()
    } else {
        format!("cannot parse: {said}")
    }
}

fn parse_error(
    id: FileId,
    start: usize,
    end: usize,
    message: String,
) -> (String, Severity, Finding) {
    (
        "parse-error".to_string(),
        Severity::Error,
        engine_finding(id, start, end, message),
    )
}

fn analyze_text(
    id: FileId,
    file: &SourceFile,
    text: &str,
    rules: &[&'static dyn Rule],
    opts: &Options,
    result: &mut FileResult,
    times: &mut FileTimes,
) {
    let input = parse_input(text);
    let parsed = times.time(Phase::Parse, || parse_code(input.code, opts));
    match parsed {
        Err(e) => {
            let loc = FileSpans::plain(id, input.base).span(e.span());
            result
                .findings
                .push(parse_error(id, loc.start, loc.end, parse_message(&e)));
        }
        Ok((mut ast, map)) if !opts.parse_only => {
            let spans = FileSpans {
                file: id,
                base: input.base,
                map: map.as_ref(),
            };
            let bodies = if opts.no_skip {
                Bodies::unknown()
            } else {
                Bodies::new(text, spans)
            };
            let (test_modules, imports) = times.time(Phase::Prepare, || {
                crate::macros::expand_file(&mut ast, bodies);
                let test_modules = crate::facts::test_module_decls(&ast, &file.module);
                if !opts.include_tests && !result.directives.is_empty() {
                    let tests = crate::suppress::test_ranges(&ast, spans);
                    for d in &mut result.directives {
                        d.in_skipped_tests = tests.iter().any(|r| r.contains(&d.comment.start));
                    }
                }
                if !opts.include_tests {
                    crate::testcode::strip_tests(&mut ast, bodies);
                }
                (test_modules, Imports::collect(&ast, &file.module, bodies))
            });
            let items = times.time(Phase::Facts, || ItemFacts {
                test_modules,
                ..extract_items(&ast, &file.module, &imports, spans, bodies)
            });
            let cx = FileCtx {
                file: &ast,
                source: text,
                path: &file.path,
                module: &file.module,
                imports: &imports,
                spans,
                items: &items,
                bodies,
            };
            times.time(Phase::FileRules, || {
                for (index, rule) in rules.iter().enumerate() {
                    let mut out = FileOutput::default();
                    match catch_unwind(AssertUnwindSafe(|| rule.check_file(&cx, &mut out))) {
                        Ok(()) => {
                            let severity = rule.meta().default_severity();
                            let found = out.findings.into_iter();
                            result
                                .findings
                                .extend(found.map(|f| (rule.id().to_string(), severity, f)));
                            if let Some(facts) = out.facts {
                                result.rule_facts.push((index, facts));
                            }
                        }
                        Err(panic) => result.findings.push(internal_error(id, rule.id(), panic)),
                    }
                }
            });
            times.time(Phase::Parse, || drop(ast));
            result.items = items;
        }
        Ok((ast, _)) => times.time(Phase::Parse, || drop(ast)),
    }
    // Spans are plain numbers by now; free proc-macro2's per-thread source map.
    proc_macro2::extra::invalidate_current_thread_spans();
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

/// The crate rules over one crate's files (`results[k]` is `members[k]`'s).
fn crate_pass(
    members: &[usize],
    files: &[SourceFile],
    results: &[FileResult],
    rules: &[&'static dyn Rule],
) -> Vec<(String, Severity, Finding)> {
    let Some(&first) = members.first() else {
        return Vec::new();
    };
    let index = CrateIndex::new(results.iter().map(|r| &r.items));
    let mut out = Vec::new();
    for (rule_index, rule) in rules.iter().enumerate() {
        let cx = CrateCtx {
            files: members
                .iter()
                .zip(results)
                .map(|(&i, r)| CrateFile {
                    path: &files[i].path,
                    module: &files[i].module,
                    items: &r.items,
                    facts: r
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
    opts: &Options,
) -> (Vec<Diagnostic>, Sources) {
    let mut loaded: HashMap<FileId, LoadedFile> = HashMap::new();
    for f in &findings {
        let ids =
            std::iter::once(f.2.primary.file).chain(f.2.labels.iter().map(|l| l.location.file));
        for id in ids {
            loaded.entry(id).or_insert_with(|| {
                let bytes = read_source(opts, &files[id].path).unwrap_or_default();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta::RuleMeta;

    struct Panics(RuleMeta);

    impl Rule for Panics {
        fn meta(&self) -> &RuleMeta {
            &self.0
        }

        fn check_file(&self, cx: &FileCtx<'_>, _: &mut FileOutput) {
            if cx.source.contains("boom") {
                panic!("boom in {}", cx.path.display());
            }
        }
    }

    #[test]
    fn a_panicking_rule_becomes_an_internal_error_for_that_file_only() {
        let meta = RuleMeta::parse(
            "id = \"panics\"\nsummary = \"s\"\nseverity = \"warning\"\ncategory = \"test\"\n[explain]\nfinds = \"f\"\nwhy = \"w\"\nlimits = \"l\"\n",
        );
        let rule: &'static dyn Rule = Box::leak(Box::new(Panics(meta)));
        let dir = std::env::temp_dir().join(format!("leaklint-panic-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("a.rs"), "fn boom() {}").unwrap();
        std::fs::write(dir.join("b.rs"), "fn fine() {}").unwrap();
        std::fs::write(dir.join("c.rs"), "fn (").unwrap();
        let opts = Options {
            paths: vec![dir.clone()],
            threads: Some(2),
            standalone: true,
            ..Options::default()
        };
        let report = check_with(&opts, &[rule]).unwrap();
        let got: Vec<(String, String)> = report
            .diagnostics
            .iter()
            .map(|d| {
                (
                    d.path.rsplit('/').next().unwrap().to_string(),
                    d.rule.clone(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("a.rs".to_string(), "internal-error".to_string()),
                ("c.rs".to_string(), "parse-error".to_string())
            ]
        );
        assert!(report.diagnostics[0].message.contains("boom in"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
