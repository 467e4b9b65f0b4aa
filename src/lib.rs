//! leaklint: a static analyzer that finds memory and resource leaks in Rust code.
//!
//! The pipeline (see `engine`): discover files, then per file in parallel
//! read → parse → expand common macros → strip test code → file rules → facts,
//! with every span turned into an owned byte range before the task returns;
//! then one pass per crate joins the facts, and the report is sorted and rendered.

pub mod baseline;
pub mod cache;
pub mod cargo;
pub mod cli;
pub mod config;
pub mod crate_index;
pub mod diagnostic;
pub mod discover;
pub mod engine;
pub mod facts;
pub mod imports;
pub mod macros;
pub mod merge;
pub mod meta;
pub mod render;
pub mod rules;
pub mod skip;
pub mod source;
pub mod suppress;
pub mod testcode;
pub mod timings;
