#!/usr/bin/env bash
# Side-by-side benchmark of raci-annex against the tools a team would use
# instead (../shared/bench: Python reportlab + XlsxWriter + csv, Typst), on
# the same machine in the same run, with ../shared/bench/timeit.py --vs
# (A and B alternate, the A/B ratio is taken pair by pair).
#
#     scripts/bench.sh                      # sizes 24 1000 10000, 5 runs
#     SIZES="24 1000" RUNS=3 scripts/bench.sh
#     SIZES= SHAPES= BIG= scripts/bench.sh  # only diff --json against diff -u, and diff --out
#
# Knobs ("" skips a row group): SIZES, RUNS, WARMUP, BIG (the size near the 16 MiB limit, default
# 35000; "" to skip), SHAPES (10,000 activities laid out otherwise: all in
# one phase, and over 40 phases; "" to skip), IMPORT (the `import` of the
# five network-vpc pages; "" to skip, default 1), MD (`--format md` of
# n10000, alone and added to the whole job; "" to skip, default 1), DIFF
# (the size whose two versions `diff --json` compares against GNU `diff -u`,
# default 35000; "" to skip), AMEND (diff --out, the amendment annex, of
# those two versions and of the 24-activity matrix with 5 changes; "" to
# skip, default 1), ATTACH (the size whose PDFs are timed with and without
# --attach-source, default 10000; "" to skip), AUTHORING (the size of the matrix that `validate
# --message-format json` checks with 1,000 errors put in by
# scripts/inject-errors.py, and `schema`; default 35000, "" to skip),
# BATCH (a folder of that many matrices of 60 activities each, default
# 300; "" to skip), BENCH (the shared bench folder), VENV, DATA, OUT.
# Prints a markdown table of medians and ratios; raw timeit output in $OUT.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
BENCH=${BENCH:-$ROOT/../shared/bench}
SIZES=${SIZES-"24 1000 10000"}
BIG=${BIG-35000}
SHAPES=${SHAPES-"10000-1phase 10000-40phases"}
IMPORT=${IMPORT-1}
MD=${MD-1}
DIFF=${DIFF-35000}
AUTHORING=${AUTHORING-35000}
BATCH=${BATCH-300}
RUNS=${RUNS:-5}
WARMUP=${WARMUP:-1}
VENV=${VENV:-/tmp/raci-bench-venv}
DATA=${DATA:-/tmp/raci-bench-data}
OUT=${OUT:-/tmp/raci-bench-cmp}
LANGS=de,en,fr

[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || {
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends fonts-dejavu-core
}
cargo build --release --locked -q
TOOL=$ROOT/target/release/raci-annex
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
if [ -n "$SIZES$SHAPES$BATCH" ]; then
  "$VENV/bin/pip" install -q -r "$BENCH/requirements.txt"
else # only the diff, import and authoring blocks: PyYAML for the generators
  "$VENV/bin/pip" install -q "$(grep -i '^pyyaml' "$BENCH/requirements.txt")"
fi
PY=$VENV/bin/python
mkdir -p "$DATA" "$OUT"
for n in $SIZES $BIG $DIFF $AUTHORING; do
  [ -s "$DATA/n$n.yaml" ] || "$PY" "$BENCH/scale.py" --src data/llmaas.yaml --n "$n" --langs $LANGS --out "$DATA/n$n.yaml"
done
# The same 10,000 activities in one phase (one 300-page table, one
# 10,000-row sheet) and spread over 40 phases.
for shape in $SHAPES; do
  [ -s "$DATA/n$shape.yaml" ] || "$PY" - "$DATA/n10000.yaml" "$shape" "$DATA/n$shape.yaml" <<'PY'
import sys, yaml
src, shape, out = sys.argv[1:]
m = yaml.safe_load(open(src, encoding="utf-8"))
acts = [a for p in m["phases"] for a in p.get("activities", [])]
first = m["phases"][0]
if shape.endswith("-1phase"):
    m["phases"] = [dict(first, activities=acts)]
else:
    k = int(shape.split("-")[1].removesuffix("phases"))
    per = -(-len(acts) // k)
    m["phases"] = [
        dict(m["phases"][i % len(m["phases"])], id=f"phase-{i + 1:02d}", activities=acts[i * per:(i + 1) * per])
        for i in range(k)
    ]
class Plain(yaml.SafeDumper):  # shared titles written out, not as anchors and aliases
    def ignore_aliases(self, data):
        return True
yaml.dump(m, open(out, "w", encoding="utf-8"), Dumper=Plain, allow_unicode=True, sort_keys=False, width=1000)
PY
done

# Every timed run, of either side, writes into a new empty folder under
# $runs (fresh.sh adds `--out DIR`): raci-annex leaves the files of a run
# into a folder of its own outputs alone and renders only what changed, so
# runs into one folder would time reruns. Nothing is deleted while timing,
# so that ext4 never has to skip recently freed inodes for either side.
runs=$OUT/runs
rm -rf "$runs" && mkdir -p "$runs"
cat >"$runs/fresh.sh" <<'SH'
#!/bin/sh
# fresh.sh BASE CMD...: runs CMD --out a new empty folder under BASE
d=$(mktemp -d "$1/run.XXXXXX") || exit 1
shift
exec "$@" --out "$d"
SH
FRESH="sh $runs/fresh.sh $runs"

# pair LABEL N "TOOL ARGS" "PEER COMMAND (without --out)" -> one table row
pair() {
  local label=$1 n=$2 tool_args=$3 peer=$4 log="$OUT/$1-n$2.txt"
  # shellcheck disable=SC2086 # tool_args and FRESH are word lists on purpose
  python3 "$BENCH/timeit.py" --runs "$RUNS" --warmup "$WARMUP" --vs "$FRESH $peer" -- \
    $FRESH "$TOOL" generate --quiet --data "$DATA/n$n.yaml" --lang $LANGS $tool_args >"$log"
  rm -rf "$runs"/run.*
  local a b ratio peak
  a=$(awk '/^A /{f=1} f&&/wall/{print $6; exit}' "$log")
  b=$(awk '/^B /{f=1} f&&/wall/{print $6; exit}' "$log")
  peak=$(awk '/^A /{f=1} f&&/peak/{print $6; exit}' "$log")
  ratio=$(awk '/A\/B wall ratio/{print $10}' "$log")
  # timeit prints the pair-by-pair ratio with three decimals (0.020 covers
  # 48.8× to 51.3×); the ratio of the medians is finer at large speed-ups.
  printf '| %s | %s | %s s | %s s | %s | %.1f× | %.1f× | %s MiB |\n' "$label" "$n" "$a" "$b" "$ratio" \
    "$(python3 -c "print(1/float('$ratio'))")" "$(python3 -c "print(float('$b')/float('$a'))")" "$peak"
}

echo "Machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr); $(date -u +%Y-%m-%d)"
echo "Runs: $RUNS (+$WARMUP warm-up) per command, medians; ratio = median of per-pair wall ratios tool/peer."
echo
if [ -n "$SIZES$SHAPES$BATCH" ]; then
  echo "| job | activities | raci-annex | peer | ratio | speed-up | peer / raci-annex medians | raci-annex peak |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
fi
for n in $SIZES $SHAPES; do
  pair "all formats vs Python (reportlab+XlsxWriter+csv)" "$n" "" \
    "$PY $BENCH/peers/python_reportlab_xlsxwriter.py --quiet --data $DATA/n$n.yaml --lang $LANGS"
  pair "pdf vs Typst" "$n" "--format pdf" \
    "$PY $BENCH/peers/typst_pdf.py --quiet --data $DATA/n$n.yaml --lang $LANGS"
  pair "xlsx vs XlsxWriter" "$n" "--format xlsx" \
    "$PY $BENCH/peers/python_reportlab_xlsxwriter.py --quiet --format xlsx --data $DATA/n$n.yaml --lang $LANGS"
done
if [ -n "$BATCH" ]; then
  # A folder of $BATCH matrices of 60 activities (scale.py, a seed and an id
  # per file), each side in one process, each run into a new empty folder.
  batch=$DATA/batch$BATCH
  if [ ! -d "$batch" ] || [ "$(find "$batch" -name '*.yaml' | wc -l)" -ne "$BATCH" ]; then
    rm -rf "$batch"
    "$PY" - "$BENCH" data/llmaas.yaml "$BATCH" "$batch" <<'PY'
import os, re, sys
bench, src, count, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
sys.path.insert(0, bench)
import scale
os.makedirs(out, exist_ok=True)
for i in range(1, count + 1):
    path = os.path.join(out, f"offer-{i:03d}.yaml")
    sys.argv = ["scale.py", "--src", src, "--n", "60", "--langs", "de,en,fr", "--out", path, "--seed", str(i)]
    scale.main()
    text = open(path, encoding="utf-8").read()
    open(path, "w", encoding="utf-8").write(re.sub(r"^id: .*$", f"id: offer-{i:03d}", text, count=1, flags=re.M))
PY
  fi
  log=$OUT/batch.txt
  # shellcheck disable=SC2086 # $LANGS is one word
  python3 "$BENCH/timeit.py" --runs "$RUNS" --warmup "$WARMUP" \
    --vs "sh $runs/fresh.sh $runs $PY $BENCH/peers/python_reportlab_xlsxwriter.py --quiet --data $batch --lang $LANGS" -- \
    sh "$runs/fresh.sh" "$runs" "$TOOL" generate --quiet --data "$batch" --lang $LANGS >"$log"
  a=$(awk '/^A /{f=1} f&&/wall/{print $6; exit}' "$log")
  b=$(awk '/^B /{f=1} f&&/wall/{print $6; exit}' "$log")
  peak=$(awk '/^A /{f=1} f&&/peak/{print $6; exit}' "$log")
  ratio=$(awk '/A\/B wall ratio/{print $10}' "$log")
  rm -rf "$runs"/run.*
  # The same batch again into a folder that holds its outputs: nothing changed.
  "$TOOL" generate --quiet --data "$batch" --lang $LANGS --out "$runs/again"
  python3 "$BENCH/timeit.py" --runs "$RUNS" --warmup "$WARMUP" -- \
    "$TOOL" generate --quiet --data "$batch" --lang $LANGS --out "$runs/again" >"$OUT/batch-again.txt"
  again=$(awk '/wall/{print $6; exit}' "$OUT/batch-again.txt")
  # Durability: the same runs with a build that never flushes (the
  # bench-unflushed feature), pair by pair; the difference is what the
  # flushes cost.
  cargo build --release --locked -q --features bench-unflushed
  cp "$TOOL" "$OUT/raci-annex-unflushed"
  cargo build --release --locked -q
  python3 "$BENCH/timeit.py" --runs "$RUNS" --warmup "$WARMUP" \
    --vs "sh $runs/fresh.sh $runs $OUT/raci-annex-unflushed generate --quiet --data $batch --lang $LANGS" -- \
    sh "$runs/fresh.sh" "$runs" "$TOOL" generate --quiet --data "$batch" --lang $LANGS >"$OUT/batch-flush.txt"
  unflushed=$(awk '/^B /{f=1} f&&/wall/{print $6; exit}' "$OUT/batch-flush.txt")
  flushed=$(awk '/^A /{f=1} f&&/wall/{print $6; exit}' "$OUT/batch-flush.txt")
  rm -rf "$runs"/run.* "$runs/again"
  echo
  echo "$BATCH matrices of 60 activities in one folder, all formats, 3 languages, each run into an empty folder:"
  echo
  echo "| job | raci-annex | peer | ratio | speed-up | peer / raci-annex medians | raci-annex peak | second run, nothing changed | without flushes (same pairs) |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  printf '| batch vs Python (one process) | %s s | %s s | %s | %.1f× | %.1f× | %s MiB | %s s (%.2f× the first) | %s s against %s s: flushes %.1f %% |\n' \
    "$a" "$b" "$ratio" "$(python3 -c "print(1/float('$ratio'))")" "$(python3 -c "print(float('$b')/float('$a'))")" \
    "$peak" "$again" "$(python3 -c "print(float('$again')/float('$a'))")" "$unflushed" "$flushed" \
    "$(python3 -c "print(100*(float('$flushed')-float('$unflushed'))/float('$flushed'))")"
fi
if [ -n "$BIG" ]; then
  echo
  echo "Largest input the 16 MiB limit admits ($(du -h "$DATA/n$BIG.yaml" | cut -f1)), all formats, 3 languages:"
  # shellcheck disable=SC2086 # FRESH is a word list on purpose
  python3 "$BENCH/timeit.py" --runs "$RUNS" --warmup "$WARMUP" -- \
    $FRESH "$TOOL" generate --quiet --data "$DATA/n$BIG.yaml" --lang $LANGS | tee "$OUT/big.txt"
  rm -rf "$runs"/run.*
fi

if [ -n "$IMPORT" ]; then
  # import: the five pages of one real matrix (tests/fixtures/pages, CC0),
  # whole process; target: median under 20 ms.
  P=$ROOT/tests/fixtures/pages/network-vpc
  echo
  echo "import of the five network-vpc pages (matrix and drift report), whole process:"
  python3 "$BENCH/timeit.py" --runs "$((RUNS * 6))" --warmup "$WARMUP" -- \
    "$TOOL" import --quiet --id network-vpc --page "fr=$P/fr.md" --page "en=$P/en.md" --page "de=$P/de.md" \
    --page "es=$P/es.md" --page "it=$P/it.md" --drift "$OUT/import-drift.json" | tee "$OUT/import.txt"
fi

# diff: two versions of the DIFF-activity matrix (NEW made from OLD by
# scripts/new-version.py: 2 % of activities with other roles, 1 % added,
# 1 % removed, 1 % moved), `diff --json` against GNU `diff -u` of the same
# two files (reading both and comparing them: the floor). Target: ≤ 3×.
if [ -n "$DIFF" ]; then
  old=$DATA/n$DIFF.yaml new=$DATA/n$DIFF-new.yaml
  [ -s "$new" ] || "$PY" scripts/new-version.py --src "$old" --out "$new"
  log=$OUT/diff-n$DIFF.txt
  python3 "$BENCH/timeit.py" --runs "$RUNS" --warmup "$WARMUP" --vs "diff -u $old $new" -- \
    "$TOOL" diff --json "$old" "$new" >"$log"
  a=$(awk '/^A /{f=1} f&&/wall/{print $6; exit}' "$log")
  b=$(awk '/^B /{f=1} f&&/wall/{print $6; exit}' "$log")
  peak=$(awk '/^A /{f=1} f&&/peak/{print $6; exit}' "$log")
  ratio=$(awk '/A\/B wall ratio/{print $10}' "$log")
  echo
  echo "| job | activities | raci-annex | GNU diff -u | ratio (pairs) | ratio of medians | target | raci-annex peak |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
  printf '| diff --json, two versions | %s | %s s | %s s | %s× | %.2f× | ≤ 3× | %s MiB |\n' "$DIFF" "$a" "$b" "$ratio" \
    "$(python3 -c "print(float('$a')/float('$b'))")" "$peak"
fi

# The authoring tools (docs/performance.md, "Validation for CI and the
# schema"): validate --message-format json on a large matrix with 1,000
# errors (target < 1 s), and schema (target < 10 ms).
if [ -n "$AUTHORING" ]; then
  errors=$DATA/n$AUTHORING-e1000.yaml
  [ -s "$errors" ] || "$PY" scripts/inject-errors.py --src "$DATA/n$AUTHORING.yaml" --errors 1000 --out "$errors"
  echo
  echo "validate --message-format json, $AUTHORING activities with 1,000 errors (exit status 1 expected):"
  python3 "$BENCH/timeit.py" --runs "$RUNS" --warmup "$WARMUP" -- \
    "$TOOL" validate --message-format json "$errors" | tee "$OUT/validate-json.txt"
  echo
  echo "schema:"
  python3 "$BENCH/timeit.py" --runs "$RUNS" --warmup "$WARMUP" -- "$TOOL" schema | tee "$OUT/schema.txt"
fi

if [ -n "$MD" ]; then
  # generate --format md of 10,000 activities in 3 languages (target: median
  # under 0.2 s), beside --format csv, the other text format, for scale; then
  # the whole job with md added against the default formats (target: A/B
  # ratio under 1.10).
  M=$DATA/n10000.yaml
  echo
  echo "generate --format md, 10,000 activities, 3 languages (A), beside --format csv (B):"
  python3 "$BENCH/timeit.py" --runs "$((RUNS * 2))" --warmup "$WARMUP" \
    --vs "$FRESH $TOOL generate --quiet --data $M --lang $LANGS --format csv" -- \
    $FRESH "$TOOL" generate --quiet --data "$M" --lang $LANGS --format md | tee "$OUT/md.txt"
  echo
  echo "the whole job with md (A: pdf,xlsx,csv,md) against the default formats (B), 10,000 activities:"
  python3 "$BENCH/timeit.py" --runs "$RUNS" --warmup "$WARMUP" \
    --vs "$FRESH $TOOL generate --quiet --data $M --lang $LANGS" -- \
    $FRESH "$TOOL" generate --quiet --data "$M" --lang $LANGS --format pdf,xlsx,csv,md | tee "$OUT/md-added.txt"
fi

ATTACH=${ATTACH-10000}
if [ -n "$ATTACH" ]; then
  # --attach-source (PDF/A-3a: the matrix file and each language's CSV
  # embedded in its annex) against the same PDFs without (target: A/B
  # ratio under 1.10), and the sizes of the two annexes of the first language.
  M=$DATA/n$ATTACH.yaml
  [ -s "$M" ] || "$PY" "$BENCH/scale.py" --src data/llmaas.yaml --n "$ATTACH" --langs $LANGS --out "$M"
  echo
  echo "--format pdf --attach-source (A) against --format pdf (B), $ATTACH activities, 3 languages:"
  python3 "$BENCH/timeit.py" --runs "$RUNS" --warmup "$WARMUP" \
    --vs "$FRESH $TOOL generate --quiet --data $M --lang $LANGS --format pdf" -- \
    $FRESH "$TOOL" generate --quiet --data "$M" --lang $LANGS --format pdf --attach-source | tee "$OUT/attach.txt"
  rm -rf "$OUT/attach-a" "$OUT/attach-b"
  "$TOOL" generate --quiet --data "$M" --lang de --format pdf --attach-source --out "$OUT/attach-a"
  "$TOOL" generate --quiet --data "$M" --lang de --format pdf --out "$OUT/attach-b"
  echo "annex sizes (de): with sources $(stat -c %s "$OUT"/attach-a/*.pdf) bytes, without $(stat -c %s "$OUT"/attach-b/*.pdf) bytes"
fi

# diff --out: the amendment annex (PDF, XLSX, CSV; de, en, fr) of the same
# two versions, side by side with diff --json of them (the comparison
# alone); then of the 24-activity matrix with 5 changes (new-version.py on
# it: 2 roles changed, 1 activity added, 1 removed, 1 moved), whole process.
# Targets: under 1.5 s and 300 MiB; under 30 ms.
AMEND=${AMEND-1}
if [ -n "$AMEND" ] && [ -n "$DIFF" ]; then
  old=$DATA/n$DIFF.yaml new=$DATA/n$DIFF-new.yaml
  log=$OUT/amend-n$DIFF.txt
  rm -rf "$OUT/amend"
  python3 "$BENCH/timeit.py" --runs "$RUNS" --warmup "$WARMUP" --vs "$TOOL diff --json $old $new" -- \
    $FRESH "$TOOL" diff --quiet "$old" "$new" --lang $LANGS >"$log"
  a=$(awk '/^A /{f=1} f&&/wall/{print $6; exit}' "$log")
  b=$(awk '/^B /{f=1} f&&/wall/{print $6; exit}' "$log")
  cpu=$(awk '/^A /{f=1} f&&/cpu/{print $6; exit}' "$log")
  peak=$(awk '/^A /{f=1} f&&/peak/{print $6; exit}' "$log")
  maxpeak=$(awk '/^A /{f=1} f&&/peak/{print $8; exit}' "$log")
  echo
  echo "| job | activities | changes | raci-annex | cpu | diff --json | target | peak (median, max) |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
  "$TOOL" diff --quiet "$old" "$new" --lang en --format csv --out "$OUT/amend"
  changes=$(($(wc -l <"$OUT/amend/llmaas-changes-en.csv") - 1))
  printf '| diff --out, all formats, 3 languages | %s | %s | %s s | %s s | %s s | < 1.5 s, < 300 MiB | %s, %s MiB |\n' \
    "$DIFF" "$changes" "$a" "$cpu" "$b" "$peak" "$maxpeak"
fi
if [ -n "$AMEND" ]; then
  [ -s "$DATA/n24.yaml" ] || "$PY" "$BENCH/scale.py" --src data/llmaas.yaml --n 24 --langs $LANGS --out "$DATA/n24.yaml"
  [ -s "$DATA/n24-new.yaml" ] || "$PY" scripts/new-version.py --src "$DATA/n24.yaml" --out "$DATA/n24-new.yaml"
  echo
  echo "diff --out of the 24-activity matrix with 5 changes, all formats, 3 languages, whole process (target < 30 ms):"
  python3 "$BENCH/timeit.py" --runs "$((RUNS * 6))" --warmup "$WARMUP" -- \
    $FRESH "$TOOL" diff --quiet "$DATA/n24.yaml" "$DATA/n24-new.yaml" | tee "$OUT/amend24.txt"
fi
