//! The end-to-end suite: one test binary (linked once) that runs the real
//! `raci-annex` binary on fixtures and reads its outputs back with
//! independent readers. Where a new test belongs:
//! - `errors`: invalid matrices and what `validate` / `generate` say about them;
//! - `import`: `raci-annex import` on real and synthetic pages, its errors, its fuzzer;
//! - `md`: `generate --format md` imported back to the same matrix, and read by a second parser;
//! - `seed`: the canonical LLMaaS matrix against the seed's table;
//! - `pipeline`: exit codes, all-or-nothing writes, determinism;
//! - `csv`, `pdf`, `xlsx`: each format read back.

mod support;

mod csv;
mod errors;
mod import;
mod md;
mod pdf;
mod pipeline;
mod seed;
mod xlsx;
