//! Build script: `RACI_BUILD_ID`, a digest of everything this build's output
//! bytes can depend on (the sources, the shipped templates and fonts, the
//! locked dependencies, the compiler). `generate` puts it into the input key
//! of every render job (`src/output/manifest.rs`), so that a rebuilt tool
//! never takes a file made by another build for one of its own.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let mut inputs = Vec::new();
    for dir in ["src", "templates"] {
        println!("cargo:rerun-if-changed={dir}");
        files(&root.join(dir), &mut inputs);
    }
    for file in ["Cargo.toml", "Cargo.lock", "build.rs"] {
        println!("cargo:rerun-if-changed={file}");
        inputs.push(root.join(file));
    }
    inputs.sort();
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let version = std::process::Command::new(rustc).arg("-vV").output().map(|o| o.stdout).unwrap_or_default();
    // Two SipHash-1-3 digests with different prefixes: 128 bits, no build dependency.
    let mut id = String::new();
    for seed in [0u8, 1] {
        let mut h = DefaultHasher::new();
        seed.hash(&mut h);
        version.hash(&mut h);
        for f in &inputs {
            f.strip_prefix(&root).unwrap_or(f).hash(&mut h);
            std::fs::read(f).unwrap_or_default().hash(&mut h);
        }
        id.push_str(&format!("{:016x}", h.finish()));
    }
    println!("cargo:rustc-env=RACI_BUILD_ID={id}");
}
