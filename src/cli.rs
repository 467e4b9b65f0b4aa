//! The command line: `leaklint check | rules | explain`. Exit codes: 0 clean,
//! 1 diagnostics found, 2 usage, configuration or I/O error.

use std::io::{IsTerminal, Write};
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
}

#[derive(clap::Args, Debug)]
struct CheckArgs {
    /// Files and folders to check.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
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
    /// Read and parse only, no rules (for benchmarks).
    #[arg(long, hide = true)]
    parse_only: bool,
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
    let opts = Options {
        paths: args.paths,
        select: args.select,
        ignore: args.ignore,
        include_tests: args.include_tests,
        threads: args.threads,
        standalone: false,
        parse_only: args.parse_only,
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
    let render_start = std::time::Instant::now();
    let written = match args.format {
        Format::Human => render::human::render_to_stdout(&report, color),
        Format::Json => std::io::stdout().write_all(render::json::render(&report).as_bytes()),
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
