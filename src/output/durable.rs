//! Getting staged files onto the disk before they are renamed into place.
//!
//! Two ways, chosen by how many files the run stages ([`Flusher::for_files`]):
//! - **a run of a few files**: each staged file is handed to a few threads
//!   that `fsync` it while the run goes on rendering the next ones, so that
//!   waiting for the disk overlaps with the work instead of following it;
//! - **a batch** ([`SYNCFS_FROM`] files or more, on Linux): nothing is
//!   flushed one by one; the commit flushes the whole file system once with
//!   `syncfs` after the last file and the journal are written. Each `fsync`
//!   writes its file's inode block and waits for it, a few hundred
//!   microseconds of CPU in the kernel per file on ext4, on the two cores
//!   that render; one `syncfs` writes the blocks that thousands of new files
//!   share once, in order. Two background `syncfs` calls, after a third and
//!   two thirds of the files, get the disk writing while the run renders
//!   ([`Early`]): the commit's own `syncfs` then waits 9 ms instead of 76.
//!
//! Either way, the commit waits until everything is on the disk, then
//! flushes the output folder. The measurements are in docs/performance.md,
//! section *Durability*.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

/// At most this many threads flush staged files. They mostly wait for the
/// disk, so there are more of them than cores: concurrent `fsync` calls
/// share the disk's cache flushes.
const THREADS: usize = 16;

/// From this many files on, a run is flushed with one `syncfs` at the commit
/// rather than file by file (where the system has `syncfs`). Below it, the
/// background `fsync` calls overlap the rendering and cost a run of a dozen
/// files less than a `syncfs` after it (docs/performance.md, *Durability*).
pub(super) const SYNCFS_FROM: usize = 200;

/// Threads for a run of `files` files: one per eight files, at least two,
/// at most [`THREADS`]: starting sixteen for a run of a dozen files cost it
/// a few percent of its time (docs/performance.md, *The small run*).
fn threads_for(files: usize) -> usize {
    (files / 8).clamp(2, THREADS)
}
/// A batch starts a background `syncfs` after each [`EARLY_PARTS`]th of its
/// files but the last ([`Early`]).
const EARLY_PARTS: usize = 3;

/// Files waiting to be flushed before [`Flusher::flush`] blocks the stager.
const QUEUE: usize = 256;

/// Flushes a run's staged files; [`Flusher::finish`] waits until all of them
/// are on the disk.
pub(super) enum Flusher {
    /// Each file flushed by background threads as it is staged.
    EachFile(Threads),
    /// Nothing flushed one by one: one `syncfs` at [`Flusher::finish`],
    /// after the background ones of [`Early`].
    Whole(Early),
}

/// Background `syncfs` calls of [`Flusher::Whole`] while the run goes on:
/// one each time another [`EARLY_PARTS`]th of the expected files is staged.
/// They only get the disk writing early, while the run still renders, so
/// that the commit's `syncfs` (the one that reports errors) has less left
/// to write: the batch's wall time 0.968× (docs/performance.md).
pub(super) struct Early {
    /// The output folder, opened anew by each background call: a `syncfs`
    /// reports a write error once per open file, and the commit's handle
    /// must still see it.
    folder: PathBuf,
    /// Files staged so far.
    staged: AtomicUsize,
    /// Files between two background calls (0: none).
    every: usize,
    /// The background calls started, joined by [`Flusher::finish`].
    calls: Mutex<Vec<JoinHandle<()>>>,
}

/// The background threads of [`Flusher::EachFile`].
pub(super) struct Threads {
    queue: Option<SyncSender<(File, PathBuf)>>,
    threads: Vec<JoinHandle<()>>,
    /// The first failure, with the file concerned.
    failed: Arc<Mutex<Option<(PathBuf, io::Error)>>>,
}

impl std::fmt::Debug for Flusher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Flusher::EachFile(t) => f.debug_struct("EachFile").field("threads", &t.threads.len()).finish(),
            Flusher::Whole(e) => f.debug_struct("Whole").field("every", &e.every).finish(),
        }
    }
}

impl Flusher {
    /// The flusher for a run that stages about `files` files into `folder`.
    pub(super) fn for_files(files: usize, folder: &Path) -> Flusher {
        if files >= SYNCFS_FROM && HAS_SYNCFS {
            Flusher::Whole(Early {
                folder: folder.to_path_buf(),
                staged: AtomicUsize::new(0),
                every: files / EARLY_PARTS,
                calls: Mutex::new(Vec::new()),
            })
        } else {
            Flusher::each_file(threads_for(files))
        }
    }

    /// Starts `threads` flushing threads.
    pub(super) fn each_file(threads: usize) -> Flusher {
        let (queue, work) = sync_channel::<(File, PathBuf)>(QUEUE);
        let work: Arc<Mutex<Receiver<(File, PathBuf)>>> = Arc::new(Mutex::new(work));
        let failed = Arc::new(Mutex::new(None));
        let threads = (0..threads)
            .filter_map(|i| {
                let (work, failed) = (Arc::clone(&work), Arc::clone(&failed));
                std::thread::Builder::new()
                    .name(format!("flush-{i}"))
                    .stack_size(64 * 1024)
                    .spawn(move || {
                        loop {
                            let next = work.lock().unwrap_or_else(PoisonError::into_inner).recv();
                            let Ok((file, path)) = next else { break };
                            if let Err(e) = sync(&file) {
                                failed
                                    .lock()
                                    .unwrap_or_else(PoisonError::into_inner)
                                    .get_or_insert((path, e));
                            }
                        }
                    })
                    .ok()
            })
            .collect();
        Flusher::EachFile(Threads { queue: Some(queue), threads, failed })
    }

    /// Takes `file` (written completely, at `path`) to be flushed: queues it
    /// (flushing it at once if no thread could be started), or, for
    /// [`Flusher::Whole`], closes it for the `syncfs` to come.
    pub(super) fn flush(&self, file: File, path: &Path) -> io::Result<()> {
        if cfg!(feature = "bench-unflushed") {
            return Ok(());
        }
        match self {
            Flusher::Whole(early) => {
                early.staged(file);
                Ok(())
            }
            Flusher::EachFile(Threads { queue: Some(q), threads, .. }) if !threads.is_empty() => q
                .send((file, path.to_path_buf()))
                .map_err(|_| io::Error::other("the flushing threads stopped")),
            Flusher::EachFile(_) => sync(&file),
        }
    }

    /// Waits until every file taken is on the disk; `folder` (the output
    /// folder, opened before the first file was staged) names the file
    /// system that [`Flusher::Whole`] flushes.
    ///
    /// # Errors
    /// The first failure, with its file (the folder, for `syncfs`).
    pub(super) fn finish(self, folder: &File, folder_path: &Path) -> Result<(), (PathBuf, io::Error)> {
        match self {
            Flusher::Whole(early) => {
                early.join();
                syncfs(folder).map_err(|e| (folder_path.to_path_buf(), e))
            }
            Flusher::EachFile(mut t) => {
                t.join();
                match t.failed.lock().unwrap_or_else(PoisonError::into_inner).take() {
                    Some(f) => Err(f),
                    None => Ok(()),
                }
            }
        }
    }
}

impl Early {
    /// Counts `file` (closed here) and starts a background `syncfs` when
    /// another part of the run is staged.
    fn staged(&self, file: File) {
        drop(file);
        let n = self.staged.fetch_add(1, Ordering::Relaxed) + 1;
        if self.every == 0 || !n.is_multiple_of(self.every) || n / self.every >= EARLY_PARTS {
            return;
        }
        let folder = self.folder.clone();
        let call = std::thread::Builder::new().name("syncfs".into()).stack_size(64 * 1024).spawn(move || {
            if let Ok(f) = File::open(&folder) {
                let _ = syncfs(&f);
            }
        });
        if let Ok(call) = call {
            self.calls.lock().unwrap_or_else(PoisonError::into_inner).push(call);
        }
    }

    /// Waits for the background calls.
    fn join(&self) {
        let calls = std::mem::take(&mut *self.calls.lock().unwrap_or_else(PoisonError::into_inner));
        for c in calls {
            let _ = c.join();
        }
    }
}

impl Threads {
    /// Closes the queue and waits for the threads to flush what it holds.
    fn join(&mut self) {
        drop(self.queue.take());
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Drop for Threads {
    fn drop(&mut self) {
        self.join();
    }
}

/// Whether [`syncfs`] flushes one file system (else [`Flusher::Whole`] is
/// never chosen).
const HAS_SYNCFS: bool = cfg!(target_os = "linux");

/// `syncfs` of the file system holding `folder`: every dirty file and inode
/// on it, this run's among them. Since Linux 5.8 it also reports a write
/// error on that file system since `folder` was opened.
#[cfg(target_os = "linux")]
fn syncfs(folder: &File) -> io::Result<()> {
    if cfg!(feature = "bench-unflushed") {
        return Ok(());
    }
    rustix::fs::syncfs(folder).map_err(io::Error::from)
}

/// Without `syncfs`, [`Flusher::Whole`] is never made.
#[cfg(not(target_os = "linux"))]
fn syncfs(folder: &File) -> io::Result<()> {
    sync(folder)
}

/// Flushes the file at `path` (one found after a killed run, which may not
/// have flushed it).
pub(super) fn flush_path(path: &Path) -> io::Result<()> {
    sync(&File::open(path)?)
}

/// `fsync` of `file` (a file or a folder). Does nothing in a build with the
/// `bench-unflushed` feature, which exists only so that `scripts/bench.sh`
/// can measure what the flushes cost: such a build may lose files to a
/// power cut and must never be used for real.
pub(super) fn sync(file: &File) -> io::Result<()> {
    if cfg!(feature = "bench-unflushed") { Ok(()) } else { file.sync_all() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_queued_file_is_flushed_before_finish_returns() {
        let dir = std::env::temp_dir().join(format!("raci-annex-flusher-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("mkdir");
        let f = Flusher::each_file(4);
        for i in 0..40 {
            let path = dir.join(format!("{i}"));
            std::fs::write(&path, b"x").expect("write");
            f.flush(File::open(&path).expect("open"), &path).expect("queue");
        }
        assert!(f.finish(&File::open(&dir).expect("open"), &dir).is_ok());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_batch_syncs_twice_in_the_background_and_once_at_the_commit() {
        let dir = std::env::temp_dir().join(format!("raci-annex-early-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("mkdir");
        let f = Flusher::for_files(SYNCFS_FROM, &dir);
        for i in 0..SYNCFS_FROM {
            let path = dir.join(format!("{i}"));
            std::fs::write(&path, b"x").expect("write");
            f.flush(File::open(&path).expect("open"), &path).expect("count");
        }
        let Flusher::Whole(early) = &f else { panic!("a batch is flushed whole: {f:?}") };
        assert_eq!(
            early.calls.lock().expect("calls").len(),
            EARLY_PARTS - 1,
            "after each third but the last"
        );
        assert!(f.finish(&File::open(&dir).expect("open"), &dir).is_ok());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
