#!/usr/bin/env bash
# The "outputs" stage of CI: runs `raci-annex generate` on the shipped data and
# checks what it wrote with readers that share no code with the tool:
#   - sha256sum -c SHA256SUMS, and SHA256SUMS lists exactly the files present
#     but the lock file (so no temporary file or journal is left behind);
#   - every PDF: qpdf --check, pdffonts (every font embedded, subset, with a
#     Unicode map), pdfinfo (tagged, with a form), pdfinfo -struct-text (the
#     structure tree, headings and tables), pdftotext (some text);
#   - signing: pyHanko signs the customer's field, then the provider's, of
#     an annex with a throw-away self-signed certificate; both signatures
#     validate, qpdf --check passes on the signed file;
#   - --attach-source: pdfdetach extracts the matrix file and the CSV, equal
#     byte for byte to the source and the run's CSV;
#   - every XLSX: LibreOffice converts each sheet to CSV;
#   - every CSV: UTF-8, the spec's header, CRLF, the same number of records in
#     every language; --csv-delimiter and --csv-bom;
#   - diff --out of two versions of the shipped matrix: the amendment annex
#     (tagged, fields pyHanko lists, both versions and the CSV attached, the
#     CSV's columns and rows, the workbook's two sheets, reproducible);
#   - a second run gives byte-identical files.
# PYHANKO names the pyHanko command (installed by .ci/run into a venv).
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

formats=(pdf xlsx csv)
has() { [[ " ${formats[*]} " == *" $1 "* ]]; }
args=()

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
  info=$(pdfinfo "$pdf") || fail "$pdf: pdfinfo"
  printf '%s\n' "$info"
  grep -q '^Tagged: *yes' <<<"$info" || fail "$pdf: not a tagged PDF"
  grep -q '^Form: *AcroForm' <<<"$info" || fail "$pdf: no signature fields (AcroForm)"
  # poppler reads the structure tree on its own: a Document with the title
  # as H1, section headings as H2 and tables with header cells.
  structure=$(pdfinfo -struct-text "$pdf" 2>&1) || fail "$pdf: pdfinfo -struct-text"
  head -n 1 <<<"$structure" | grep -qx 'Document' || fail "$pdf: the structure tree does not start with Document"
  for el in H1 H2 Table THead TBody TR TH TD P Form; do
    grep -Eq "^ *$el( |:|$)" <<<"$structure" || fail "$pdf: no $el element in the structure tree"
  done
  echo "structure: $(grep -c . <<<"$structure") lines, $(grep -Ec '^ *H2( |$)' <<<"$structure") H2, $(grep -Ec '^ *Table( |$)' <<<"$structure") tables"
  text=$(pdftotext -enc UTF-8 "$pdf" -) || fail "$pdf: pdftotext"
  [[ -n ${text//[[:space:]]/} ]] || fail "$pdf: pdftotext found no text"
  echo "text: $(wc -w <<<"$text") words"
done

if has pdf; then
  header "signing: pyHanko signs the customer's field, then the provider's"
  [[ -n ${PYHANKO:-} ]] || fail "PYHANKO (the pyHanko command) is not set"
  pdf=${pdfs[0]}
  sig=$tmp/sig
  mkdir -p "$sig"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$sig/key.pem" -out "$sig/cert.pem" -days 2 \
    -subj "/CN=raci-annex CI throw-away signer" 2>/dev/null || fail "openssl could not make a test certificate"
  fields=$("$PYHANKO" sign list "$pdf") || fail "$pdf: pyHanko cannot list its fields"
  echo "$fields"
  grep -qx 'signature-customer:EMPTY' <<<"$fields" || fail "$pdf: no empty signature-customer field"
  grep -qx 'signature-provider:EMPTY' <<<"$fields" || fail "$pdf: no empty signature-provider field"
  "$PYHANKO" sign addsig --field signature-customer pemder --no-pass --key "$sig/key.pem" --cert "$sig/cert.pem" \
    "$pdf" "$sig/one.pdf" || fail "pyHanko could not sign the customer's field"
  "$PYHANKO" sign addsig --field signature-provider pemder --no-pass --key "$sig/key.pem" --cert "$sig/cert.pem" \
    "$sig/one.pdf" "$sig/two.pdf" || fail "pyHanko could not sign the provider's field"
  verdict=$("$PYHANKO" sign validate --trust "$sig/cert.pem" --trust-replace "$sig/two.pdf") ||
    fail "the signatures do not validate"
  echo "$verdict"
  [[ $(grep -c ':INTACT:TRUSTED' <<<"$verdict") == 2 ]] || fail "not both signatures intact and trusted"
  qpdf --check "$sig/two.pdf" || fail "qpdf --check fails on the signed annex"
  cmp -n "$(stat -c %s "$pdf")" "$pdf" "$sig/two.pdf" || fail "signing changed the original bytes"
  echo "ok: two signatures, valid, the original bytes kept"

  header "--attach-source: the matrix and the CSV inside each annex"
  ra generate --quiet --attach-source --format pdf,csv --out "$tmp/attached"
  for pdf in "$tmp/attached"/*.pdf; do
    stem=$(basename "$pdf" .pdf)
    list=$(pdfdetach -list "$pdf") || fail "$pdf: pdfdetach -list"
    echo "$list"
    rm -rf "$tmp/detached" && mkdir -p "$tmp/detached"
    pdfdetach -saveall -o "$tmp/detached" "$pdf" || fail "$pdf: pdfdetach -saveall"
    yamls=("$tmp/detached"/*.yaml)
    ((${#yamls[@]} == 1)) || fail "$pdf: expected one attached matrix file, found ${#yamls[@]}"
    cmp "${yamls[0]}" "data/$(basename "${yamls[0]}")" || fail "$pdf: the attached matrix differs from the source"
    cmp "$tmp/detached/$stem.csv" "$tmp/attached/$stem.csv" || fail "$pdf: the attached CSV differs from $stem.csv"
  done
  echo "ok: every annex carries the matrix file and its CSV, byte for byte"
fi

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

header "diff --out: the amendment annex of two versions of the shipped matrix"
# NEW: data/llmaas.yaml with the version raised, one role cell and one
# English text changed (plain text edits: CI needs no YAML library).
amend=$tmp/amend
mkdir -p "$amend"
cp data/llmaas.yaml "$amend/old.yaml"
python3 - "$amend/old.yaml" "$amend/new.yaml" <<'PY'
import sys
s = open(sys.argv[1], encoding="utf-8").read()
for old, new in [
    ('version: "1.0"', 'version: "1.1"'),
    ('          customer: "RA"\n          provider: "CI"\n', '          customer: "RA"\n          provider: "C"\n'),
    ('en: "Subscribe to the service and select the invoicing entity"', 'en: "Subscribe to the service and choose the invoicing entity"'),
]:
    assert s.count(old) >= 1, old
    s = s.replace(old, new, 1)
open(sys.argv[2], "w", encoding="utf-8").write(s)
PY
ra diff "$amend/old.yaml" "$amend/new.yaml" || fail "diff (summary) failed"
ra diff --quiet "$amend/old.yaml" "$amend/new.yaml" --out "$amend/a" --attach-source ||
  fail "diff --out failed"
(cd "$amend/a" && sha256sum --strict -c SHA256SUMS) || fail "diff --out: SHA256SUMS does not match"
listed=$(awk '{ print $2 }' "$amend/a/SHA256SUMS" | sort)
present=$(find "$amend/a" -mindepth 1 -maxdepth 1 ! -name SHA256SUMS ! -name .raci-annex.lock ! -name .raci-annex.manifest -printf '%f\n' | sort)
[[ $listed == "$present" ]] || fail "diff --out: SHA256SUMS does not list exactly the files present"
langs=$(grep -c '' <<<"$(sed -n 's/^languages: \[\(.*\)\]$/\1/p' data/llmaas.yaml | tr ',' '\n')")
(($(wc -l <"$amend/a/SHA256SUMS") == 3 * langs)) || fail "diff --out: expected 3 files for each of $langs languages"
for pdf in "$amend/a"/*.pdf; do
  stem=$(basename "$pdf" .pdf)
  echo "--- $stem.pdf"
  qpdf --check "$pdf" >/dev/null || fail "$pdf: qpdf --check"
  info=$(pdfinfo "$pdf") || fail "$pdf: pdfinfo"
  grep -q '^Tagged: *yes' <<<"$info" || fail "$pdf: not a tagged PDF"
  grep -q '^Form: *AcroForm' <<<"$info" || fail "$pdf: no signature fields (AcroForm)"
  pdffonts "$pdf" | awk 'NR > 2 && NF > 0 && ($(NF-4) != "yes" || $(NF-3) != "yes" || $(NF-2) != "yes") { bad++ }
    END { exit (bad > 0) }' || fail "$pdf: every font must be embedded, subset and have a Unicode map"
  structure=$(pdfinfo -struct-text "$pdf" 2>&1) || fail "$pdf: pdfinfo -struct-text"
  for el in H1 H2 Table THead TBody TR TH TD P Form; do
    grep -Eq "^ *$el( |:|$)" <<<"$structure" || fail "$pdf: no $el element in the structure tree"
  done
  fields=$("$PYHANKO" sign list "$pdf") || fail "$pdf: pyHanko cannot list its fields"
  for party in customer provider; do
    grep -qx "signature-$party:EMPTY" <<<"$fields" || fail "$pdf: no empty signature-$party field"
  done
  text=$(pdftotext -enc UTF-8 "$pdf" -) || fail "$pdf: pdftotext"
  grep -q '→' <<<"$text" || fail "$pdf: no codes before → after"
  rm -rf "$amend/detached" && mkdir -p "$amend/detached"
  pdfdetach -saveall -o "$amend/detached" "$pdf" || fail "$pdf: pdfdetach -saveall"
  cmp "$amend/detached/old.yaml" "$amend/old.yaml" || fail "$pdf: the attached OLD differs from its file"
  cmp "$amend/detached/new.yaml" "$amend/new.yaml" || fail "$pdf: the attached NEW differs from its file"
  cmp "$amend/detached/$stem.csv" "$amend/a/$stem.csv" || fail "$pdf: the attached CSV differs from $stem.csv"
  echo "tagged, fields listed by pyHanko, OLD, NEW and the CSV attached byte for byte"
done
for csv in "$amend/a"/*.csv; do
  [[ $(head -n 1 "$csv") == matrix_id,old_version,new_version,kind,phase_id,subphase_id,activity_id,activity,party,old,new,languages$'\r' ]] ||
    fail "$csv: unexpected header"
  grep -q '^llmaas,1.0,1.1,roles-changed,define-needs,,LLMAAS-NEED-01,.*,provider,CI,C,'$'\r''$' "$csv" ||
    fail "$csv: no roles-changed row for LLMAAS-NEED-01"
  (($(records "$csv") == 3)) || fail "$csv: expected the header and 2 changes, found $(records "$csv") records"
done
xlsx=$(find "$amend/a" -name '*-changes-en.xlsx' | head -n 1)
dir=$amend/xlsx-csv
timeout 300 soffice --headless --norestore "-env:UserInstallation=file://$tmp/lo" \
  --convert-to 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1' \
  --outdir "$dir" "$xlsx" >/dev/null || fail "$xlsx: LibreOffice conversion failed"
sheets=("$dir"/*.csv)
((${#sheets[@]} == 2)) || fail "$xlsx: expected a summary sheet and a changes sheet, found ${#sheets[@]}"
ra diff --quiet "$amend/old.yaml" "$amend/new.yaml" --out "$amend/b" --attach-source
for f in "$amend/a"/*; do
  cmp "$f" "$amend/b/$(basename "$f")" || fail "diff --out: $(basename "$f") differs between two runs"
done
echo "ok: the amendment annex of $langs languages, reproducible"

header "reproducibility: a second run (--jobs 1) gives the same bytes"
ra generate --quiet "${args[@]}" --jobs 1 --out "$tmp/b"
diff <(cd "$tmp/a" && ls -A) <(cd "$tmp/b" && ls -A) || fail "the two runs wrote different file names"
for f in "$tmp/a"/* "$tmp/a"/.[!.]*; do
  cmp "$f" "$tmp/b/$(basename "$f")" || fail "$(basename "$f") differs between two runs"
done
echo "ok: $(find "$tmp/a" -mindepth 1 -maxdepth 1 | wc -l) files identical"

header "done (formats checked: ${formats[*]})"
