#!/usr/bin/env bash
# The "durability" stage of CI: traces `raci-annex generate` with strace and
# checks the order of its flushes and renames (cli.md, "Guarantees"):
#   - every new file is flushed (an fsync of the file, or a syncfs of the
#     folder's file system after it was closed) before it is renamed;
#   - the journal is written and flushed before the first rename, and
#     removed only after the folder is flushed (fsync of the folder) after
#     the last rename;
#   - a run with nothing changed renames and flushes nothing.
# Three runs: into an empty folder, over earlier files (one language more, so
# some files are new and some replaced), and with nothing changed; each
# flushes file by file. Then a batch of 20 matrices (240 files), which is
# flushed with one syncfs, into an empty folder and over its own files.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

tmp=$(cd "$(mktemp -d "${TMPDIR:-/tmp}/raci-ci-flush.XXXXXX")" && pwd -P)
trap 'rm -rf "$tmp"' EXIT
fail() {
  printf 'FAIL: %s\n' "$*" >&2
  exit 1
}
bin=target/release/raci-annex
[[ -x $bin ]] || cargo build --release --locked
out="$tmp/out"

# trace LABEL ARGS... -> $tmp/LABEL.trace
trace() {
  local label=$1
  shift
  strace -f -qq -y -o "$tmp/$label.trace" \
    -e trace=openat,close,fsync,fdatasync,syncfs,rename,renameat,renameat2,unlink,unlinkat \
    "$bin" generate --quiet --out "${OUT_DIR:-$out}" "$@"
}

# check LABEL: the order rules above, on $tmp/LABEL.trace; prints a summary.
check() {
  awk -v dir="${OUT_DIR:-$out}" -v label="$1" -v want_syncfs="${2:-0}" '
    # The quoted strings of a line (paths given to the call).
    function quoted(line, arr,   n, rest, i, j) {
      n = 0; rest = line
      while ((i = index(rest, "\"")) > 0) {
        rest = substr(rest, i + 1); j = index(rest, "\"")
        arr[++n] = substr(rest, 1, j - 1); rest = substr(rest, j + 1)
      }
      return n
    }
    # The path strace -y shows for the first fd argument: call(N</path>...
    function fdpath(line,   s) {
      s = line; sub(/^[0-9]+ +[a-z0-9]+\([0-9]+</, "", s); sub(/>.*/, "", s); return s
    }
    { n++; call = $2; sub(/\(.*/, "", call) }
    call == "openat" && /O_CREAT/ { quoted($0, q); if (q[1] ~ /\/\.raci-annex\.journal$/) journal_written = n }
    # The journal is flushed by an fsync of it, or by a syncfs after it was written.
    (call == "fsync" || call == "fdatasync") && fdpath($0) ~ /\/\.raci-annex\.journal$/ { journal_flushed = n }
    call == "syncfs" && journal_written > 0 { journal_flushed = n }
    call == "close" { closed[fdpath($0)] = n }
    call == "syncfs" { last_syncfs = n; flushes++ }
    call == "fsync" || call == "fdatasync" {
      p = fdpath($0); fsynced[p] = n; flushes++
      if (p == dir) dir_flushed = n
    }
    call ~ /^rename/ {
      k = quoted($0, q); from = q[1]; to = q[k]
      if (!(from in closed)) { print label ": rename of " from " that was never written"; bad = 1 }
      ok = (last_syncfs > closed[from]) || (from in fsynced)
      if (!ok) { print label ": " from " renamed to " to " before it was flushed"; bad = 1 }
      if (journal_written == 0 || journal_flushed == 0) {
        print label ": " to " renamed before the journal was written and flushed"; bad = 1
      }
      renames++; last_rename = n
    }
    call ~ /^unlink/ { quoted($0, q); if (q[1] ~ /\/\.raci-annex\.journal$/) journal_removed = n }
    END {
      if (renames > 0 && dir_flushed < last_rename) { print label ": the folder is not flushed after the last rename"; bad = 1 }
      if (renames > 0 && journal_removed < dir_flushed) { print label ": the journal is removed before the folder is flushed"; bad = 1 }
      printf "%s: %d renames, %d flushes (syncfs/fsync), journal %s\n", label, renames, flushes, (journal_written ? "written and removed" : "none")
      if (label == "unchanged" && (renames > 0 || flushes > 0 || journal_written)) { print label ": a run with nothing changed renamed or flushed"; bad = 1 }
      if (label != "unchanged" && renames == 0) { print label ": nothing was renamed"; bad = 1 }
      if (want_syncfs && !last_syncfs) { print label ": a batch was flushed without syncfs"; bad = 1 }
      exit bad
    }' "$tmp/$1.trace" || fail "flush order ($1), trace in $tmp/$1.trace"
}

trace empty --lang de,en
check empty
trace over --lang de,en,fr
check over
trace unchanged --lang de,en,fr
check unchanged
(cd "$out" && sha256sum --strict -c --quiet SHA256SUMS) || fail "SHA256SUMS does not verify"

batch="$tmp/batch"
mkdir -p "$batch"
for i in $(seq -w 1 20); do
  sed "s/^id: \"llmaas\"/id: \"offer-$i\"/" data/llmaas.yaml >"$batch/offer-$i.yaml"
done
OUT_DIR="$tmp/batch-out" trace batch --data "$batch" --lang de,en,fr
OUT_DIR="$tmp/batch-out" check batch 1
sed -i 's/^version: .*/version: "9.9"/' "$batch/offer-07.yaml"
OUT_DIR="$tmp/batch-out" trace batch-over --data "$batch" --lang de,en,fr
OUT_DIR="$tmp/batch-out" check batch-over 1
(cd "$tmp/batch-out" && sha256sum --strict -c --quiet SHA256SUMS) || fail "the batch's SHA256SUMS does not verify"
echo "ok: every new file flushed before its rename, the folder after the last one"
