//! The two versions `diff` compares: read (a file or standard input),
//! validated as `validate` does, every error of both reported together, and
//! checked to be versions of one matrix.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use super::Changes;
use crate::diag::{Code, Diagnostic, Report};
use crate::load::{self, Loaded};

/// What messages call standard input.
pub const STDIN_NAME: &str = "<stdin>";

/// Where one version comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// Standard input (`-` on the command line), read once.
    Stdin,
    /// A matrix file.
    File(PathBuf),
}

impl Input {
    /// `-` is standard input; anything else a path.
    pub fn from_arg(arg: &OsStr) -> Input {
        if arg == "-" { Input::Stdin } else { Input::File(PathBuf::from(arg)) }
    }

    /// The name messages use: the path as given, or `<stdin>`.
    pub fn name(&self) -> &Path {
        match self {
            Input::Stdin => Path::new(STDIN_NAME),
            Input::File(p) => p,
        }
    }

    fn load(&self, threads: usize) -> Result<Loaded, Report> {
        match self {
            Input::Stdin => load::load_reader(self.name(), std::io::stdin().lock(), threads),
            Input::File(p) => load::load_on(p, threads),
        }
    }
}

/// Two loaded versions of one matrix, with their warnings.
#[derive(Debug)]
pub struct Pair {
    /// OLD.
    pub old: Loaded,
    /// NEW.
    pub new: Loaded,
}

/// Why two inputs cannot be compared; either way `diff` exits 1.
#[derive(Debug, thiserror::Error)]
pub enum PairError {
    /// Either input is invalid: the reports of both, OLD first (a valid
    /// side's only when it has warnings).
    #[error("invalid input")]
    Invalid(Vec<Report>),
    /// Both are valid but are different matrices (`different-matrix`, on NEW).
    #[error("different matrices")]
    DifferentMatrix(Report),
}

impl PairError {
    /// Every report to print.
    pub fn reports(&self) -> &[Report] {
        match self {
            PairError::Invalid(r) => r,
            PairError::DifferentMatrix(r) => std::slice::from_ref(r),
        }
    }
}

/// Loads and validates OLD and NEW (at once, on two threads when there are
/// two cores; `one_at_a_time`, each on every core in turn, for half the
/// peak memory), then checks that they have the same matrix `id`.
///
/// The caller refuses two [`Input::Stdin`] (standard input can be read
/// only once); given both, the second reads nothing and is refused as empty.
///
/// # Errors
/// [`PairError`]: either input invalid, or the ids differ.
pub fn load_pair(old: &Input, new: &Input, one_at_a_time: bool) -> Result<Pair, PairError> {
    let cores = crate::cores();
    let (a, b) = if cores >= 2 && !one_at_a_time {
        let each = (cores / 2).max(1);
        std::thread::scope(|s| {
            let b = s.spawn(|| new.load(each));
            let a = old.load(each);
            (a, b.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
        })
    } else {
        // Each on every core (a large file is parsed in two halves at once):
        // a tenth slower than both at once, with one parse tree in memory
        // at a time instead of two.
        (old.load(cores), new.load(cores))
    };
    let (old_l, new_l) = match (a, b) {
        (Ok(a), Ok(b)) => (a, b),
        (a, b) => {
            let keep = |r: Result<Loaded, Report>| match r {
                Ok(l) => (!l.report.diagnostics.is_empty()).then_some(l.report),
                Err(r) => Some(r),
            };
            return Err(PairError::Invalid([keep(a), keep(b)].into_iter().flatten().collect()));
        }
    };
    if old_l.matrix.id != new_l.matrix.id {
        let (o, n) = (&old_l.matrix.id, &new_l.matrix.id);
        let mut r = Report::new(new.name());
        r.push(
            Diagnostic::error(
                Code::DifferentMatrix,
                None,
                format!("OLD ({}) is matrix '{o}' and NEW is matrix '{n}'", old.name().display()),
            )
            .subject(format!("matrix {n}"))
            .help("compare two versions of the same matrix: a different `id` is a different matrix"),
        );
        return Err(PairError::DifferentMatrix(r));
    }
    Ok(Pair { old: old_l, new: new_l })
}

/// The `version-not-bumped` warning, when the content changed but NEW has
/// OLD's `version`: two different contracts would carry the same version.
pub fn version_warning(pair: &Pair, changes: &Changes) -> Option<Report> {
    let (old, new) = (&pair.old.matrix, &pair.new.matrix);
    if changes.is_empty() || old.version != new.version {
        return None;
    }
    let mut r = Report::new(&new.source.path);
    r.push(
        Diagnostic::warning(
            Code::VersionNotBumped,
            None,
            format!(
                "the content changed ({} change{}) but the version is still '{}'",
                changes.len(),
                if changes.len() == 1 { "" } else { "s" },
                new.version
            ),
        )
        .subject(format!("matrix {}", new.id))
        .help("raise `version` in NEW: two different contracts would otherwise carry the same version"),
    );
    Some(r)
}
