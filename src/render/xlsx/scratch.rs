//! The workbook's scratch files, and their failures as output errors.
//!
//! The sheets are rust_xlsxwriter's "low memory" worksheets: each writes its
//! rows, as they are added, to an anonymous temporary file in the system's
//! temporary folder (`TMPDIR`, else `/tmp`; on Linux an `O_TMPFILE` that no
//! other program sees and that vanishes with the process, even after
//! `kill -9`), and the workbook copies them into its zip at the end. A
//! standard worksheet instead keeps every cell in memory and makes
//! rust_xlsxwriter start one thread per sheet to assemble it: for a batch
//! of 900 workbooks, 6,300 thread starts, and page faults waiting behind
//! them (docs/performance.md, *Many matrices in one run*).
//!
//! The price: a scratch file can fail to be written (a full disk, a file
//! size limit, a `TMPDIR` that is not writable). That is not a defect but
//! an output that cannot be written, so it is reported as an
//! [`OutputError`] (exit 3) naming the folder and the cause. rust_xlsxwriter
//! returns the failure to create the file, but it panics when a write to
//! the file fails (its XML writer has no error path); [`contain`] catches
//! exactly that panic on the rendering thread, and [`is_contained`] lets
//! the binary's panic hook stay silent about it.

use std::any::Any;
use std::cell::Cell;
use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::path::PathBuf;

use rust_xlsxwriter::XlsxError;

use crate::output::OutputError;

/// What [`crate::output`] says it could not do, before the folder's name.
const ACTION: &str = "write the workbook's scratch files in the temporary folder (TMPDIR)";

thread_local! {
    /// Whether this thread is inside [`contain`].
    static CONTAINING: Cell<bool> = const { Cell::new(false) };
}

/// The folder where rust_xlsxwriter creates the scratch files (its default).
pub(crate) fn folder() -> PathBuf {
    std::env::temp_dir()
}

/// Runs `build`; a panic of a failed scratch-file write becomes an
/// [`OutputError`], any other panic goes on unwinding (a defect).
pub(crate) fn contain<T>(build: impl FnOnce() -> T) -> Result<T, OutputError> {
    let outer = CONTAINING.replace(true);
    let result = catch_unwind(AssertUnwindSafe(build));
    CONTAINING.set(outer);
    result.map_err(|payload| match write_failure(payload.as_ref()) {
        Some(source) => OutputError { action: ACTION, path: folder(), source },
        None => resume_unwind(payload),
    })
}

/// Whether a panic with `payload` on the current thread is a failed
/// scratch-file write inside [`contain`], which is reported as an error:
/// the binary's panic hook prints nothing for it (and prints every other
/// panic, defects inside [`contain`] included).
pub fn is_contained(payload: &(dyn Any + Send)) -> bool {
    CONTAINING.get() && write_failure(payload).is_some()
}

/// The failure to create a scratch file, as an output error; anything else
/// that rust_xlsxwriter refuses is given back (a defect).
pub(crate) fn creation_failure(e: XlsxError) -> Result<OutputError, XlsxError> {
    match e {
        XlsxError::TempFileError(path, source) => Ok(OutputError { action: ACTION, path, source }),
        other => Err(other),
    }
}

/// The operating system's error in the message of a panic of a failed
/// write: rust_xlsxwriter panics with `expect`/`unwrap` on an
/// `io::Error`, whose message ends in its debug form, `Os { code: 28, ...`.
fn write_failure(payload: &(dyn Any + Send)) -> Option<io::Error> {
    let message = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())?;
    let code = message.split_once("Os { code: ")?.1;
    let digits = code.find(|c: char| !c.is_ascii_digit()).map_or(code, |end| &code[..end]);
    digits.parse().ok().map(io::Error::from_raw_os_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_becomes_an_output_error_with_the_os_error() {
        let e = contain(|| {
            // As rust_xlsxwriter's XML writer fails on a full disk.
            let write: io::Result<()> = std::hint::black_box(Err(io::Error::from_raw_os_error(28)));
            write.expect("Couldn't write to xml file");
        })
        .expect_err("contained");
        assert_eq!(e.source.kind(), io::ErrorKind::StorageFull);
        assert_eq!(e.path, folder());
        assert!(!CONTAINING.get(), "the flag is reset after the build");
    }

    #[test]
    fn other_panics_go_on_unwinding() {
        let outer = catch_unwind(|| contain(|| panic!("index out of bounds")));
        assert!(outer.is_err(), "a defect is not turned into an output error");
        assert!(!CONTAINING.get());
    }

    #[test]
    fn the_hook_is_silent_only_for_a_failed_write_inside_contain() {
        let failed: Box<dyn Any + Send> =
            Box::new("Couldn't write to xml file: Os { code: 27, kind: FileTooLarge }".to_string());
        let defect: Box<dyn Any + Send> = Box::new("index out of bounds");
        assert!(!is_contained(failed.as_ref()), "outside contain");
        let inside = contain(|| (is_contained(failed.as_ref()), is_contained(defect.as_ref())));
        assert_eq!(inside.ok(), Some((true, false)));
    }

    #[test]
    fn a_build_without_panic_passes_through() {
        assert_eq!(contain(|| 7).ok(), Some(7));
    }
}
