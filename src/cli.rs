//! The command line: `leaklint check | rules | explain`. Exit codes: 0 clean,
//! 1 diagnostics found, 2 usage, configuration or I/O error.

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::engine::{self, Options};
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
    Check(CheckArgs),
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
    /// Read and parse only, no rules (for benchmarks).
    #[arg(long, hide = true)]
    parse_only: bool,
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
    let cli = match Cli::try_parse() {
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
            None => usage_error(&format!(
                "unknown rule `{rule}`; valid rules: {}",
                rule_list()
            )),
        },
        Command::Check(args) => check(args),
        Command::Merge { files } => merge(&files),
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

fn validate_ids(ids: &[String], flag: &str) -> Result<(), String> {
    for id in ids {
        if rules::find(id).is_none() && !rules::ENGINE_IDS.contains(&id.as_str()) {
            return Err(format!(
                "{flag}: unknown rule `{id}`; valid rules: {}",
                rule_list()
            ));
        }
    }
    Ok(())
}

fn check(args: CheckArgs) -> i32 {
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
    let opts = Options {
        stdin,
        paths: args.paths,
        select: args.select,
        ignore: args.ignore,
        include_tests: args.include_tests,
        threads: args.threads,
        standalone: false,
        parse_only: args.parse_only,
        shard: args.shard,
    };
    // Rule panics become `internal-error` diagnostics; keep their backtraces off stderr.
    std::panic::set_hook(Box::new(|_| {}));
    let report = match engine::check(&opts) {
        Ok(r) => r,
        Err(e) => return usage_error(&e.0),
    };
    let _ = std::panic::take_hook();
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
    let written = match format {
        Format::Human => render::human::render_to_stdout(&report, color),
        other => std::io::stdout().write_all(render::render(other, &report, &cx).as_bytes()),
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
