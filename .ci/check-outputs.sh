#!/usr/bin/env bash
# The "outputs" stage of CI: runs `raci-annex generate` on the shipped data and
# checks what it wrote with readers that share no code with the tool:
#   - sha256sum -c SHA256SUMS, and SHA256SUMS lists exactly the files present
#     but the lock file (so no temporary file or journal is left behind);
#   - every PDF: qpdf --check, pdffonts (every font embedded, subset, with a
#     Unicode map), pdfinfo, pdftotext (some text);
#   - every XLSX: LibreOffice converts each sheet to CSV;
#   - every CSV: UTF-8, the spec's header, CRLF, the same number of records in
#     every language; --csv-delimiter and --csv-bom;
#   - a second run gives byte-identical files.
# A format whose writer reports "not implemented yet" is skipped with a note.
# Its writer is still being built, and CI must not fail on that alone. Any
# other failure, and any check of a file that exists, is strict.
set -euo pipefail
shopt -s nullglob

cd "$(dirname "${BASH_SOURCE[0]}")/.."

tmp=$(mktemp -d "${TMPDIR:-/tmp}/raci-ci.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

header() { printf '\n=== outputs: %s ===\n' "$*"; }
fail() {
  printf 'FAIL: %s\n' "$*" >&2
  exit 1
}
ra() { cargo run --quiet --release --locked -- "$@"; }

header "build the release binary"
cargo build --release --locked

header "which formats are implemented"
formats=()
for f in pdf xlsx csv; do
  if ra generate --quiet --format "$f" --out "$tmp/probe-$f" 2>"$tmp/probe-$f.err"; then
    formats+=("$f")
    echo "$f: available"
  elif grep -q 'not implemented yet' "$tmp/probe-$f.err"; then
    echo "$f: not implemented yet, its checks are skipped"
  else
    cat "$tmp/probe-$f.err" >&2
    fail "generate --format $f failed"
  fi
done
has() { [[ " ${formats[*]} " == *" $1 "* ]]; }
has csv || fail "the CSV writer must exist"
args=()
if ((${#formats[@]} < 3)); then
  args=(--format "$(IFS=,; echo "${formats[*]}")")
fi

header "validate"
ra validate | tee "$tmp/validate.txt"
# With a single matrix, its phase count gives the number of XLSX sheets.
phases=""
if [[ $(wc -l <"$tmp/validate.txt") -eq 1 ]]; then
  phases=$(sed -n 's/^ok: .*: \([0-9][0-9]*\) phases, .*/\1/p' "$tmp/validate.txt")
fi
languages=$(sed -n 's/.* \([0-9][0-9]*\) languages$/\1/p' "$tmp/validate.txt" | awk '{ n += $1 } END { print n + 0 }')

header "generate ${args[*]} --out \$tmp/a"
out="$tmp/a"
ra generate "${args[@]}" --out "$out"

header "SHA256SUMS"
(cd "$out" && sha256sum --strict -c SHA256SUMS)
listed=$(awk '{ print $2 }' "$out/SHA256SUMS" | sort)
present=$(find "$out" -mindepth 1 -maxdepth 1 ! -name SHA256SUMS ! -name .raci-annex.lock ! -name .raci-annex.manifest -printf '%f\n' | sort)
if [[ $listed != "$present" ]]; then
  diff <(echo "$listed") <(echo "$present") || true
  fail "SHA256SUMS does not list exactly the files in the output folder (left: listed, right: present)"
fi
echo "SHA256SUMS lists exactly the $(wc -l <"$out/SHA256SUMS") files present"

header "file set"
stems=()
for legend in "$out"/*-legend.csv; do
  stem=$(basename "$legend" -legend.csv)
  stems+=("$stem")
  [[ -f $out/$stem.csv ]] || fail "$stem-legend.csv has no $stem.csv"
  if has pdf; then [[ -f $out/$stem.pdf ]] || fail "$stem.pdf is missing"; fi
  if has xlsx; then [[ -f $out/$stem.xlsx ]] || fail "$stem.xlsx is missing"; fi
done
((${#stems[@]} == languages)) ||
  fail "${#stems[@]} matrix-language pairs written, but validate counted $languages languages"
per_stem=2
if has pdf; then per_stem=$((per_stem + 1)); fi
if has xlsx; then per_stem=$((per_stem + 1)); fi
count=$(wc -l <"$out/SHA256SUMS")
((count == ${#stems[@]} * per_stem)) ||
  fail "$count files written, expected ${#stems[@]} x $per_stem"
echo "${#stems[@]} matrix-language pairs: ${stems[*]}"

header "CSV"
# Counts RFC 4180 records: a line break ends a record only outside quotes,
# i.e. when the number of '"' seen so far is even (quotes in fields are doubled).
records() { awk '{ q += gsub(/"/, "\"") } q % 2 == 0 { n++ } END { print n + 0 }' "$1"; }
declare -A rows_of
for stem in "${stems[@]}"; do
  csv=$out/$stem.csv
  legend=$out/$stem-legend.csv
  for f in "$csv" "$legend"; do
    iconv -f UTF-8 -t UTF-8 "$f" >/dev/null || fail "$f is not valid UTF-8"
    [[ $(head -c 3 "$f" | od -An -tx1 | tr -d ' ') != efbbbf ]] || fail "$f has a byte order mark without --csv-bom"
  done
  head_csv=$(head -n 1 "$csv")
  [[ $head_csv == matrix_id,matrix_version,phase_id,phase,subphase_id,subphase,activity_id,activity,*,note$'\r' ]] ||
    fail "$csv: unexpected header: $head_csv"
  [[ $(head -n 1 "$legend") == code,name,description$'\r' ]] || fail "$legend: unexpected header"
  n=$(records "$csv")
  ((n >= 2)) || fail "$csv has no activity rows"
  ((  $(records "$legend") >= 2 )) || fail "$legend has no role rows"
  matrix=${stem%-*}
  if [[ -n ${rows_of[$matrix]:-} && ${rows_of[$matrix]} != "$n" ]]; then
    fail "$csv has $n records, another language of $matrix has ${rows_of[$matrix]}"
  fi
  rows_of[$matrix]=$n
  echo "$stem.csv: $((n - 1)) activities; $stem-legend.csv: $(($(records "$legend") - 1)) roles"
done

header "CSV options: --csv-delimiter ';' --csv-bom"
ra generate --quiet --format csv --csv-delimiter ';' --csv-bom --out "$tmp/csv-opts"
for f in "$tmp/csv-opts"/*.csv; do
  [[ $(head -c 3 "$f" | od -An -tx1 | tr -d ' ') == efbbbf ]] || fail "$f: no byte order mark"
  first=$(head -n 1 "$f" | tail -c +4)
  [[ $first == matrix_id\;matrix_version\;* || $first == code\;name\;description$'\r' ]] ||
    fail "$f: header not separated by ';': $first"
done
echo "ok: byte order mark and ';' in every CSV"

header "PDF"
pdfs=("$out"/*.pdf)
if ((${#pdfs[@]} == 0)); then
  echo "no PDF written: PDF checks skipped"
fi
for pdf in "${pdfs[@]}"; do
  echo "--- $(basename "$pdf")"
  qpdf --check "$pdf" || fail "$pdf: qpdf --check"
  fonts=$(pdffonts "$pdf") || fail "$pdf: pdffonts"
  printf '%s\n' "$fonts"
  # Columns: name type encoding emb sub uni object-number generation; the
  # type may have two words, so count from the end.
  awk 'NR > 2 && NF > 0 {
         n++
         if ($(NF-4) != "yes" || $(NF-3) != "yes" || $(NF-2) != "yes") { bad++; print "not emb/sub/uni yes: " $0 }
       }
       END { if (n == 0) { print "no fonts at all"; exit 1 } exit (bad > 0) }' <<<"$fonts" ||
    fail "$pdf: every font must be embedded, subset and have a Unicode map"
  pdfinfo "$pdf" || fail "$pdf: pdfinfo"
  text=$(pdftotext -enc UTF-8 "$pdf" -) || fail "$pdf: pdftotext"
  [[ -n ${text//[[:space:]]/} ]] || fail "$pdf: pdftotext found no text"
  echo "text: $(wc -w <<<"$text") words"
done

header "XLSX"
xlsxs=("$out"/*.xlsx)
if ((${#xlsxs[@]} == 0)); then
  echo "no XLSX written: XLSX checks skipped"
fi
for xlsx in "${xlsxs[@]}"; do
  name=$(basename "$xlsx" .xlsx)
  dir=$tmp/xlsx-csv/$name
  mkdir -p "$dir"
  echo "--- $name.xlsx"
  timeout 300 soffice --headless --norestore "-env:UserInstallation=file://$tmp/lo" \
    --convert-to 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1' \
    --outdir "$dir" "$xlsx" || fail "$xlsx: LibreOffice conversion failed"
  sheets=("$dir"/*.csv)
  ((${#sheets[@]} > 0)) || fail "$xlsx: LibreOffice produced no CSV"
  for s in "${sheets[@]}"; do
    [[ -s $s ]] || fail "$xlsx: sheet $(basename "$s") is empty"
    echo "sheet: $(basename "$s") ($(wc -l <"$s") lines)"
  done
  if [[ -n $phases ]]; then
    ((${#sheets[@]} == phases + 1)) ||
      fail "$xlsx: ${#sheets[@]} sheets, expected a legend sheet and $phases phase sheets"
  else
    ((${#sheets[@]} >= 2)) || fail "$xlsx: expected a legend sheet and at least one phase sheet"
  fi
done

header "reproducibility: a second run (--jobs 1) gives the same bytes"
ra generate --quiet "${args[@]}" --jobs 1 --out "$tmp/b"
diff <(cd "$tmp/a" && ls -A) <(cd "$tmp/b" && ls -A) || fail "the two runs wrote different file names"
for f in "$tmp/a"/* "$tmp/a"/.[!.]*; do
  cmp "$f" "$tmp/b/$(basename "$f")" || fail "$(basename "$f") differs between two runs"
done
echo "ok: $(find "$tmp/a" -mindepth 1 -maxdepth 1 | wc -l) files identical"

header "done (formats checked: ${formats[*]})"
