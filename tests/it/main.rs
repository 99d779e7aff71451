//! The end-to-end suite: one test binary (linked once) that runs the real
//! `raci-annex` binary on fixtures and reads its outputs back with
//! independent readers. Where a new test belongs:
//! - `errors`: invalid matrices and what `validate` / `generate` say about them;
//! - `import`: `raci-annex import` on real and synthetic pages, its errors, its fuzzer;
//! - `seed`: the canonical LLMaaS matrix against the seed's table;
//! - `pipeline`: exit codes, all-or-nothing writes, determinism;
//! - `csv`, `pdf`, `xlsx`: each format read back;
//! - `diff`: `raci-annex diff` on pairs of matrices;
//! - `amendment`: `diff --out`, the amendment annex's PDF, XLSX and CSV read back.

mod support;

mod amendment;
mod csv;
mod diff;
mod errors;
mod import;
mod pdf;
mod pipeline;
mod seed;
mod xlsx;
