//! The end-to-end suite: one test binary (linked once) that runs the real
//! `raci-annex` binary on fixtures and reads its outputs back with
//! independent readers. Where a new test belongs:
//! - `errors`: invalid matrices and what `validate` / `generate` say about them;
//! - `seed`: the canonical LLMaaS matrix against the seed's table;
//! - `pipeline`: exit codes, all-or-nothing writes, determinism;
//! - `batch`: many matrices, shared folders (lock, unchanged files, journal), faults late in a batch;
//! - `csv`, `pdf`, `xlsx`: each format read back.

mod support;

mod batch;
mod csv;
mod errors;
mod pdf;
mod pipeline;
mod seed;
mod xlsx;
