//! Getting staged files onto the disk before they are renamed into place.
//!
//! Every staged file is handed to a [`Flusher`]: a few threads that `fsync`
//! each file while the run goes on rendering the next ones, so that waiting
//! for the disk overlaps with the work instead of following it. The commit
//! hands it the journal too (and the folders holding any this run created),
//! waits for the last of them, then flushes the output folder.
//!
//! Why per-file flushes in background threads rather than one `syncfs`:
//! they wait only for this run's own data, and while the rendering goes on,
//! where `syncfs` flushes every other job's data too and comes after the
//! rendering, on the run's critical path. The measurements are in
//! docs/performance.md, section *Durability*.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

/// At most this many threads flush staged files. They mostly wait for the
/// disk, so there are more of them than cores: concurrent `fsync` calls
/// share the disk's cache flushes.
const THREADS: usize = 16;

/// Threads for a run of `files` files: one per eight files, at least two,
/// at most [`THREADS`]: starting sixteen for a run of a dozen files cost it
/// a few percent of its time (docs/performance.md, *The small run*).
pub(super) fn threads_for(files: usize) -> usize {
    (files / 8).clamp(2, THREADS)
}
/// Files waiting to be flushed before [`Flusher::flush`] blocks the stager.
const QUEUE: usize = 256;

/// Flushes files in the background; [`Flusher::finish`] waits for all of them.
pub(super) struct Flusher {
    queue: Option<SyncSender<(File, PathBuf)>>,
    threads: Vec<JoinHandle<()>>,
    /// The first failure, with the file concerned.
    failed: Arc<Mutex<Option<(PathBuf, io::Error)>>>,
}

impl std::fmt::Debug for Flusher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Flusher").field("threads", &self.threads.len()).finish_non_exhaustive()
    }
}

impl Flusher {
    /// Starts `threads` flushing threads.
    pub(super) fn start(threads: usize) -> Flusher {
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
        Flusher { queue: Some(queue), threads, failed }
    }

    /// Queues `file` (written completely, at `path`) to be flushed; flushes
    /// it at once if no thread could be started.
    pub(super) fn flush(&self, file: File, path: &Path) -> io::Result<()> {
        if cfg!(feature = "bench-unflushed") {
            return Ok(());
        }
        match &self.queue {
            Some(q) if !self.threads.is_empty() => q
                .send((file, path.to_path_buf()))
                .map_err(|_| io::Error::other("the flushing threads stopped")),
            _ => sync(&file),
        }
    }

    /// Waits until every queued file is flushed.
    ///
    /// # Errors
    /// The first failure, with its file.
    pub(super) fn finish(mut self) -> Result<(), (PathBuf, io::Error)> {
        drop(self.queue.take());
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
        match self.failed.lock().unwrap_or_else(PoisonError::into_inner).take() {
            Some(f) => Err(f),
            None => Ok(()),
        }
    }
}

impl Drop for Flusher {
    fn drop(&mut self) {
        drop(self.queue.take());
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
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
        let f = Flusher::start(4);
        for i in 0..40 {
            let path = dir.join(format!("{i}"));
            std::fs::write(&path, b"x").expect("write");
            f.flush(File::open(&path).expect("open"), &path).expect("queue");
        }
        assert!(f.finish().is_ok());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
