//! The command line: `leaklint check | rules | explain`. Exit codes: 0 clean,
//! 1 diagnostics found, 2 usage, configuration or I/O error.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::{Parser, Subcommand, ValueEnum};

use crate::baseline;
use crate::config::Config;
use crate::engine::{self, Options, Report};
use crate::render::{self, Format};
use crate::rules;

#[derive(Parser, Debug)]
#[command(
    name = "leaklint",
    version,
    about = "Finds memory and resource leaks in Rust source code"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check files and folders (default: the current folder).
    Check(Box<CheckArgs>),
    /// List every rule with its default severity and summary.
    Rules,
    /// Print the full documentation of a rule.
    Explain {
        /// A rule id, as listed by `leaklint rules`.
        rule: String,
    },
    /// Merge the JSON or SARIF outputs of `check --shard K/N` runs into one.
    Merge {
        /// Documents written by `check --format json` or `--format sarif`.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Print the effective configuration for a path, and where each value came from.
    Config {
        /// The path whose configuration to show (default: the current folder).
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Read this configuration file instead of looking for one.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Print the reference of every configuration key (Markdown) instead.
        #[arg(long)]
        reference: bool,
    },
}

#[derive(clap::Args, Debug)]
struct CheckArgs {
    /// Files and folders to check; `-` reads one file from stdin (with --stdin-filename).
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Output format on stdout [default: human, or github when GITHUB_ACTIONS=true].
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Also write FORMAT to PATH, from the same analysis (repeatable).
    #[arg(long = "output", value_name = "FORMAT=PATH", value_parser = parse_output)]
    outputs: Vec<(Format, PathBuf)>,
    /// Check stdin as the text of this file; the rest of its crate is read from disk.
    #[arg(long, value_name = "PATH")]
    stdin_filename: Option<PathBuf>,
    /// Run only these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',')]
    select: Option<Vec<String>>,
    /// Skip these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',')]
    ignore: Vec<String>,
    /// Worker threads (default: one per core).
    #[arg(short = 'j', long)]
    threads: Option<usize>,
    /// When to color the human output.
    #[arg(long, value_enum, default_value = "auto")]
    color: ColorWhen,
    /// Exit with 0 even when diagnostics are found.
    #[arg(long)]
    exit_zero: bool,
    /// Also check test code (`#[cfg(test)]`, `#[test]`, `tests/`, `benches/`).
    #[arg(long)]
    include_tests: bool,
    /// Print where the run spent its time (on stderr, after the output).
    #[arg(long)]
    timings: bool,
    /// Check only shard K of N (1-based), split by crate: for CI matrices; join with `leaklint merge`.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    shard: Option<(usize, usize)>,
    /// Read this configuration file instead of the closest `leaklint.toml` / `Cargo.toml`.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Apply the configuration's `exclude` also to files named on the command line.
    #[arg(long)]
    force_exclude: bool,
    /// Also list the findings silenced by `leaklint: allow` comments.
    #[arg(long)]
    show_suppressed: bool,
    /// Record every finding in FILE and exit with 0.
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    write_baseline: Option<PathBuf>,
    /// Hide the findings FILE records; list its stale entries on stderr.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// With --baseline: drop the stale entries from FILE.
    #[arg(long, requires = "baseline")]
    prune_baseline: bool,
    /// Print how many findings each rule has instead of the findings.
    #[arg(long)]
    statistics: bool,
    /// Analyse every file; neither read nor write the facts cache.
    #[arg(long, conflicts_with = "cache_dir")]
    no_cache: bool,
    /// Keep the facts cache in DIR [default: target/leaklint of the cargo project].
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
    /// Read and parse only, no rules (for benchmarks).
    #[arg(long, hide = true)]
    parse_only: bool,
    /// Parse and walk everything, skipping nothing (for benchmarks: the
    /// diagnostics must be the same as a normal check's).
    #[arg(long, hide = true)]
    no_skip: bool,
}

fn parse_shard(arg: &str) -> Result<(usize, usize), String> {
    let parsed = arg.split_once('/').and_then(|(k, n)| {
        Some((
            k.trim().parse::<usize>().ok()?,
            n.trim().parse::<usize>().ok()?,
        ))
    });
    match parsed {
        Some((k, n)) if n >= 1 && (1..=n).contains(&k) => Ok((k, n)),
        _ => Err(format!(
            "expected K/N with 1 <= K <= N, e.g. 2/4, got `{arg}`"
        )),
    }
}

fn merge(files: &[PathBuf]) -> i32 {
    let mut docs = Vec::new();
    for f in files {
        let text = match std::fs::read_to_string(f) {
            Ok(t) => t,
            Err(e) => return usage_error(&format!("cannot read {}: {e}", f.display())),
        };
        match serde_json::from_str(&text) {
            Ok(v) => docs.push((f.display().to_string(), v)),
            Err(e) => return usage_error(&format!("{}: not JSON: {e}", f.display())),
        }
    }
    match crate::merge::merge(&docs) {
        Ok(merged) => {
            println!(
                "{}",
                serde_json::to_string_pretty(&merged).expect("JSON value")
            );
            0
        }
        Err(e) => usage_error(&e),
    }
}

fn parse_output(arg: &str) -> Result<(Format, PathBuf), String> {
    let (name, path) = arg
        .split_once('=')
        .ok_or_else(|| format!("expected FORMAT=PATH, e.g. sarif=leaklint.sarif, got `{arg}`"))?;
    let format = Format::from_str(name, true).map_err(|_| {
        let names: Vec<String> = Format::value_variants()
            .iter()
            .filter_map(|f| f.to_possible_value().map(|v| v.get_name().to_string()))
            .collect();
        format!("unknown format `{name}`; formats: {}", names.join(", "))
    })?;
    if path.is_empty() {
        return Err(format!("no path after `{name}=`"));
    }
    Ok((format, PathBuf::from(path)))
}

/// The stdout format: as given, else `github` inside GitHub Actions, else `human`.
fn stdout_format(given: Option<Format>) -> Format {
    given.unwrap_or_else(|| {
        if std::env::var_os("GITHUB_ACTIONS").is_some_and(|v| v == "true") {
            Format::Github
        } else {
            Format::Human
        }
    })
}

/// `--stdin-filename PATH -`: the buffer's path and text.
fn read_buffer(args: &CheckArgs) -> Result<Option<(PathBuf, Vec<u8>)>, String> {
    let dash = args.paths.iter().any(|p| p.as_os_str() == "-");
    match (&args.stdin_filename, dash) {
        (None, false) => Ok(None),
        (None, true) => Err("`-` reads stdin and needs --stdin-filename PATH".to_string()),
        (Some(_), false) => Err("--stdin-filename needs `-` as the path to check".to_string()),
        (Some(name), true) => {
            if args.paths.len() > 1 {
                return Err("`-` must be the only path when checking stdin".to_string());
            }
            let mut text = Vec::new();
            std::io::stdin()
                .read_to_end(&mut text)
                .map_err(|e| format!("cannot read stdin: {e}"))?;
            Ok(Some((name.clone(), text)))
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ColorWhen {
    Auto,
    Always,
    Never,
}

pub fn main() -> i32 {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let invoked_as_cargo = args.first().is_some_and(|a| {
        Path::new(a)
            .file_stem()
            .is_some_and(|s| s == "cargo-leaklint")
    }) || args.get(1).is_some_and(|a| a == "leaklint");
    if invoked_as_cargo {
        return crate::cargo::main(args);
    }
    run(args)
}

/// Runs with the given argv (argv[0] is the program name).
pub fn run(args: Vec<std::ffi::OsString>) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    match cli.command {
        Command::Rules => {
            let mut out = std::io::stdout().lock();
            for rule in rules::registry() {
                let m = rule.meta();
                let _ = writeln!(out, "{:<22} {:<8} {}", m.id, m.severity, m.summary);
            }
            0
        }
        Command::Explain { rule } => match rules::find(&rule) {
            Some(r) => {
                print!("{}", r.meta().explain_text());
                0
            }
            None => match crate::suppress::explain(&rule) {
                Some(text) => {
                    print!("{text}");
                    0
                }
                None => usage_error(&format!(
                    "unknown rule `{rule}`; valid rules: {}",
                    rule_list()
                )),
            },
        },
        Command::Check(args) => check(*args),
        Command::Merge { files } => merge(&files),
        Command::Config {
            path,
            config,
            reference,
        } => {
            if reference {
                print!("{}", crate::config::reference());
                return 0;
            }
            match load_config(config.as_deref(), &path) {
                Ok(c) => {
                    print!("{}", c.describe());
                    0
                }
                Err(e) => usage_error(&e),
            }
        }
    }
}

fn rule_list() -> String {
    rules::registry()
        .iter()
        .map(|r| r.id())
        .collect::<Vec<_>>()
        .join(", ")
}

fn usage_error(message: &str) -> i32 {
    eprintln!("leaklint: error: {message}");
    2
}

/// Ids that are valid in selections but are not rules.
fn engine_ids() -> Vec<&'static str> {
    rules::ENGINE_IDS
        .iter()
        .chain(crate::suppress::IDS)
        .copied()
        .collect()
}

/// The configuration (explicit or the closest), with its table extensions
/// installed and its rule ids checked against the registry.
fn load_config(explicit: Option<&Path>, path: &Path) -> Result<Config, String> {
    let config = match explicit {
        Some(file) => Config::load(file),
        None => Config::discover(path),
    }
    .map_err(|e| e.0)?;
    crate::meta::set_table_extensions(config.table_extensions());
    config.validate(&engine_ids()).map_err(|e| e.0)?;
    Ok(config)
}

fn validate_ids(ids: &[String], flag: &str) -> Result<(), String> {
    for id in ids {
        if rules::find(id).is_none() && !engine_ids().contains(&id.as_str()) {
            return Err(format!(
                "{flag}: unknown rule `{id}`; valid rules: {}",
                rule_list()
            ));
        }
    }
    Ok(())
}

fn check(args: CheckArgs) -> i32 {
    let config_path = args
        .stdin_filename
        .clone()
        .or_else(|| args.paths.first().cloned())
        .unwrap_or_else(|| PathBuf::from("."));
    let config = match load_config(args.config.as_deref(), &config_path) {
        Ok(c) => c,
        Err(e) => return usage_error(&e),
    };
    let ids = [
        validate_ids(args.select.as_deref().unwrap_or(&[]), "--select"),
        validate_ids(&args.ignore, "--ignore"),
    ];
    if let Some(Err(e)) = ids.into_iter().find(Result::is_err) {
        return usage_error(&e);
    }
    if args.threads == Some(0) {
        return usage_error("--threads must be at least 1");
    }
    let stdin = match read_buffer(&args) {
        Ok(b) => b,
        Err(e) => return usage_error(&e),
    };
    let format = stdout_format(args.format);
    let mut ignore = config.ignore.value.clone();
    ignore.extend(args.ignore.iter().cloned());
    let show_progress = format == Format::Human
        && !args.statistics
        && std::io::stderr().is_terminal()
        && stdin.is_none();
    let progress = show_progress.then(|| Arc::new(engine::Progress::default()));
    let opts = Options {
        stdin,
        paths: args.paths.clone(),
        select: args.select.clone().or(config.select.value.clone()),
        ignore,
        include_tests: args.include_tests || config.include_tests.value,
        threads: args.threads,
        standalone: false,
        parse_only: args.parse_only,
        no_skip: args.no_skip,
        shard: args.shard,
        severity: config
            .severity
            .iter()
            .map(|(id, s, _)| (id.clone(), *s))
            .collect(),
        exclude: config.exclude_matcher(),
        force_exclude: args.force_exclude,
        progress: progress.clone(),
        cache: cache_root(&args),
    };
    let ticker = progress.map(progress_line);
    // Rule panics become `internal-error` diagnostics; keep their backtraces off stderr.
    std::panic::set_hook(Box::new(|_| {}));
    let report = engine::check(&opts);
    if let Some((stop, handle)) = ticker {
        stop.store(true, Ordering::Relaxed);
        handle.thread().unpark();
        let _ = handle.join();
    }
    let mut report = match report {
        Ok(r) => r,
        Err(e) => return usage_error(&e.0),
    };
    let _ = std::panic::take_hook();
    if let Some(w) = &report.cache_warning {
        eprintln!("leaklint: {w}");
    }
    if let Some(path) = &args.write_baseline {
        let b = baseline::from_report(&report);
        if let Err(e) = baseline::write(&b, path) {
            return usage_error(&e);
        }
        eprintln!(
            "leaklint: wrote {} finding{} ({} entr{}) to {}",
            report.diagnostics.len(),
            if report.diagnostics.len() == 1 {
                ""
            } else {
                "s"
            },
            b.entries.len(),
            if b.entries.len() == 1 { "y" } else { "ies" },
            path.display()
        );
        return 0;
    }
    if let Some(path) = &args.baseline {
        let b = match baseline::read(path) {
            Ok(b) => b,
            Err(e) => return usage_error(&e),
        };
        let applied = baseline::apply(&mut report, &b);
        for e in &applied.stale {
            let item = if e.key.item.is_empty() {
                String::new()
            } else {
                format!("{}, ", e.key.item)
            };
            eprintln!(
                "leaklint: stale baseline entry: {} in {} ({item}{}x, hash {}): {}",
                e.key.rule, e.key.path, e.count, e.key.hash, e.message
            );
        }
        if args.prune_baseline {
            if let Err(e) = baseline::write(&applied.pruned, path) {
                return usage_error(&e);
            }
            eprintln!(
                "leaklint: pruned {} stale entr{} from {}",
                applied.stale.len(),
                if applied.stale.len() == 1 { "y" } else { "ies" },
                path.display()
            );
        } else if !applied.stale.is_empty() {
            eprintln!(
                "leaklint: {} stale baseline entr{}; drop them with --prune-baseline",
                applied.stale.len(),
                if applied.stale.len() == 1 { "y" } else { "ies" }
            );
        }
    }
    for e in &report.walk_errors {
        eprintln!("leaklint: warning: {e}");
    }
    let color = match args.color {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    };
    let cx = render::Context::detect();
    for (format, path) in &args.outputs {
        if let Err(e) = std::fs::write(path, render::render(*format, &report, &cx)) {
            return usage_error(&format!("--output: cannot write {}: {e}", path.display()));
        }
    }
    let render_start = std::time::Instant::now();
    let written = if args.statistics {
        std::io::stdout().write_all(statistics(&report, format).as_bytes())
    } else {
        match format {
            Format::Human => render::human::render_to_stdout(&report, color).and_then(|()| {
                if args.show_suppressed {
                    std::io::stdout().write_all(suppressed_list(&report).as_bytes())
                } else {
                    Ok(())
                }
            }),
            other => std::io::stdout().write_all(render::render(other, &report, &cx).as_bytes()),
        }
    };
    if args.timings {
        let mut timings = report.timings.clone();
        timings.render = render_start.elapsed();
        timings.total += timings.render;
        eprintln!("{timings}");
    }
    if let Err(e) = written
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return usage_error(&format!("cannot write output: {e}"));
    }
    if report.diagnostics.is_empty() || args.exit_zero {
        0
    } else {
        1
    }
}

/// The facts cache's folder: `--cache-dir`, else the default; none with `--no-cache`.
fn cache_root(args: &CheckArgs) -> Option<PathBuf> {
    if args.no_cache {
        return None;
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    Some(match &args.cache_dir {
        Some(dir) => cwd.join(dir),
        None => crate::cache::default_root(&cwd),
    })
}

/// `--statistics`: findings per rule, most first.
fn statistics(report: &Report, format: Format) -> String {
    let mut counts: std::collections::BTreeMap<&str, (usize, &'static str)> = Default::default();
    for d in &report.diagnostics {
        counts.entry(&d.rule).or_insert((0, d.severity.as_str())).0 += 1;
    }
    let mut rows: Vec<(&str, usize, &str)> =
        counts.into_iter().map(|(r, (n, s))| (r, n, s)).collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    if format != Format::Human && format != Format::Concise {
        let map: serde_json::Map<String, serde_json::Value> = rows
            .iter()
            .map(|(r, n, _)| (r.to_string(), serde_json::Value::from(*n)))
            .collect();
        return format!("{}\n", serde_json::Value::Object(map));
    }
    let mut out = String::new();
    for (rule, n, severity) in &rows {
        out.push_str(&format!("{n:>6}  {rule:<28} {severity}\n"));
    }
    out.push_str(&render::summary_line(report));
    out.push('\n');
    out
}

/// `--show-suppressed`: one line per silenced finding.
fn suppressed_list(report: &Report) -> String {
    let mut out = String::new();
    if report.suppressed.is_empty() {
        return out;
    }
    out.push_str(&format!("suppressed ({}):\n", report.suppressed.len()));
    for d in &report.suppressed {
        out.push_str(&format!(
            "  {}:{}:{}: {}[{}] {}\n",
            d.path,
            d.span.start.line,
            d.span.start.column,
            d.severity.as_str(),
            d.rule,
            d.message
        ));
    }
    out
}

/// A progress line on stderr after a second: `files analyzed / total`.
fn progress_line(
    progress: Arc<engine::Progress>,
) -> (Arc<AtomicBool>, std::thread::JoinHandle<()>) {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let handle = std::thread::spawn(move || {
        let started = std::time::Instant::now();
        // Tests set a shorter delay; users get a second.
        let delay = std::env::var("LEAKLINT_PROGRESS_DELAY_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .map_or(
                std::time::Duration::from_secs(1),
                std::time::Duration::from_millis,
            );
        let mut shown = false;
        // The count is drawn once more as the run stops, so a run that ends
        // between two ticks after the delay still shows its last count.
        loop {
            let stopping = flag.load(Ordering::Relaxed);
            if started.elapsed() >= delay {
                let total = progress.total.load(Ordering::Relaxed);
                let done = progress.done.load(Ordering::Relaxed);
                eprint!("\rleaklint: {done}/{total} files analyzed");
                shown = true;
            }
            if stopping {
                break;
            }
            std::thread::park_timeout(std::time::Duration::from_millis(100));
        }
        if shown {
            eprint!("\r\x1b[K");
        }
    });
    (stop, handle)
}
