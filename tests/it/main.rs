//! The end-to-end suite: one test binary (linked once) that runs the real
//! `raci-annex` binary on fixtures and reads its outputs back with
//! independent readers. Where a new test belongs:
//! - `errors`: invalid matrices and what `validate` / `generate` say about them;
//! - `import`: `raci-annex import` on real and synthetic pages, its errors, its fuzzer;
//! - `codes`: every diagnostic code documented and produced;
//! - `authoring`: the JSON Schema, the machine-readable diagnostics, completions and manual page;
//! - `md`: `generate --format md` imported back to the same matrix, and read by a second parser;
//! - `seed`: the canonical LLMaaS matrix against the seed's table;
//! - `pipeline`: exit codes, all-or-nothing writes, determinism;
//! - `batch`: many matrices, shared folders (lock, unchanged files, journal), faults late in a batch;
//! - `csv`, `pdf`, `xlsx`: each format read back;
//! - `diff`: `raci-annex diff` on pairs of matrices;
//! - `amendment`: `diff --out`, the amendment annex's PDF, XLSX and CSV read back.

mod support;

mod amendment;
mod authoring;
mod batch;
mod codes;
mod csv;
mod diff;
mod errors;
mod import;
mod md;
mod pdf;
mod pipeline;
mod seed;
mod xlsx;
