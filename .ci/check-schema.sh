#!/usr/bin/env bash
# The "schema" stage of CI: `raci-annex schema` checked by check-jsonschema
# (PyPI), a validator that shares no code with the tool:
#   - the schema itself against the draft 2020-12 meta-schema;
#   - every valid fixture and data/*.yaml, converted to JSON with PyYAML,
#     against the schema;
#   - an invalid fixture (an unknown field) refused, so that the stage can fail.
# check-jsonschema and PyYAML go into a venv of their own under $TMPDIR.
set -euo pipefail
shopt -s nullglob

cd "$(dirname "${BASH_SOURCE[0]}")/.."

tmp=$(mktemp -d "${TMPDIR:-/tmp}/raci-ci-schema.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
venv=${TMPDIR:-/tmp}/raci-ci-jsonschema-venv
if [[ ! -x $venv/bin/check-jsonschema ]]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet check-jsonschema==0.39.0 PyYAML==6.0.4
fi
"$venv/bin/check-jsonschema" --version

cargo run --quiet --release --locked -- schema >"$tmp/raci-annex.schema.json"
"$venv/bin/check-jsonschema" --check-metaschema "$tmp/raci-annex.schema.json"

# YAML -> JSON; a date such as 2026-11-23 becomes its ISO text, as an editor reads it.
to_json() {
  "$venv/bin/python" -c 'import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1], encoding="utf-8")), open(sys.argv[2], "w"), default=str)' "$1" "$2"
}
valid=()
for f in tests/fixtures/valid/*.yaml data/*.yaml; do
  out="$tmp/$(basename "$(dirname "$f")")-$(basename "$f" .yaml).json"
  to_json "$f" "$out"
  valid+=("$out")
done
echo "valid matrices: ${#valid[@]}"
"$venv/bin/check-jsonschema" --schemafile "$tmp/raci-annex.schema.json" "${valid[@]}"

to_json tests/fixtures/invalid/unknown-field--activities-typo.yaml "$tmp/invalid.json"
if "$venv/bin/check-jsonschema" --schemafile "$tmp/raci-annex.schema.json" "$tmp/invalid.json" >"$tmp/invalid.out" 2>&1; then
  echo "FAIL: check-jsonschema accepts tests/fixtures/invalid/unknown-field--activities-typo.yaml" >&2
  exit 1
fi
grep -q activites "$tmp/invalid.out" || { cat "$tmp/invalid.out" >&2; exit 1; }
echo "an unknown field is refused: ok"
