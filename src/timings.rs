//! `--timings`: where a run spends its time. Per-file phases run on every worker
//! thread, so they are summed thread time; the others are wall time.

use std::fmt;
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Read,
    Parse,
    /// Macro expansion, test-code stripping, imports.
    Prepare,
    FileRules,
    Facts,
    /// Hashing files, loading and storing facts cache entries.
    Cache,
}

const PHASES: [(Phase, &str); 6] = [
    (Phase::Read, "read"),
    (Phase::Parse, "parse"),
    (Phase::Prepare, "expand macros, strip tests, imports"),
    (Phase::FileRules, "file rules"),
    (Phase::Facts, "facts"),
    (Phase::Cache, "facts cache (hash, load, store)"),
];

#[derive(Clone, Copy, Debug, Default)]
pub struct FileTimes {
    pub phases: [Duration; 6],
    pub bytes: u64,
}

impl FileTimes {
    /// Runs `f`, adding its time to `phase`.
    pub fn time<T>(&mut self, phase: Phase, f: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let out = f();
        self.phases[phase as usize] += start.elapsed();
        out
    }

    pub fn add(&mut self, other: &FileTimes) {
        for (a, b) in self.phases.iter_mut().zip(other.phases) {
            *a += b;
        }
        self.bytes += other.bytes;
    }
}

#[derive(Clone, Debug, Default)]
pub struct Timings {
    pub discover: Duration,
    pub files: usize,
    /// Wall time of the parallel per-file phase.
    pub per_file_wall: Duration,
    pub per_file: FileTimes,
    pub crate_pass: Duration,
    /// Resolving positions and sorting.
    pub resolve: Duration,
    pub render: Duration,
    pub total: Duration,
    /// `None` when the run used no facts cache.
    pub cache: Option<crate::cache::CacheStats>,
}

impl fmt::Display for Timings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let mb = self.per_file.bytes as f64 / 1_000_000.0;
        writeln!(f, "leaklint timings: {} files, {mb:.1} MB", self.files)?;
        writeln!(f, "  {:<38} {:>10.1} ms", "discover", ms(self.discover))?;
        writeln!(
            f,
            "  {:<38} {:>10.1} ms wall",
            "per file (parallel)",
            ms(self.per_file_wall)
        )?;
        for (phase, name) in PHASES {
            let t = self.per_file.phases[phase as usize];
            writeln!(f, "    {:<36} {:>10.1} ms thread time", name, ms(t))?;
        }
        if let Some(c) = self.cache {
            writeln!(
                f,
                "  {:<38} {:>7} hits, {} misses, {} written",
                "facts cache", c.hits, c.misses, c.written
            )?;
        }
        writeln!(f, "  {:<38} {:>10.1} ms", "crate pass", ms(self.crate_pass))?;
        writeln!(
            f,
            "  {:<38} {:>10.1} ms",
            "resolve and sort",
            ms(self.resolve)
        )?;
        writeln!(f, "  {:<38} {:>10.1} ms", "render", ms(self.render))?;
        let secs = self.total.as_secs_f64().max(1e-9);
        write!(
            f,
            "  {:<38} {:>10.1} ms ({:.1} MB/s)",
            "total",
            ms(self.total),
            mb / secs
        )
    }
}
