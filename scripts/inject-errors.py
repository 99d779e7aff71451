#!/usr/bin/env python3
"""Put exactly N content errors into a large matrix, deterministically.

    python3 scripts/inject-errors.py --src /tmp/n35000.yaml --errors 1000 --out /tmp/n35000-e1000.yaml

For the benchmark of `validate --message-format json` (docs/performance.md):
a matrix written by ../shared/bench/scale.py, with one error in each of N
activities spread evenly over the file. Each edit breaks exactly one rule and
keeps the YAML valid, so that every error is reported in one run; the kinds
cycle through accountable-count, unknown-role, responsible-missing,
repeated-role, unknown-party, duplicate-id and bad-id. Line-based (no YAML
library needed) and without randomness: the same input gives the same file.
"""
import argparse
import re
import sys

ACTIVITY = re.compile(r"^(\s*)- id: (\S+)\s*$")
ROLES = re.compile(r"^(\s+)roles: \{.*\}\s*$")
PARTY = re.compile(r"^\s*- id: ([a-z0-9][a-z0-9_-]*)\s*$")
KINDS = ["accountable-count", "unknown-role", "responsible-missing", "repeated-role", "unknown-party",
         "duplicate-id", "bad-id"]


def parties(lines):
    """The first two party ids, from the `parties:` block."""
    ids, inside = [], False
    for line in lines:
        if line.startswith("parties:"):
            inside = True
        elif inside and line[:1] not in (" ", "-", ""):
            break
        elif inside and (m := PARTY.match(line)):
            ids.append(m.group(1))
    if len(ids) < 2:
        sys.exit("the matrix needs at least two parties")
    return ids[:2]


def activity_lines(lines):
    """The index of each activity's `- id:` line: the items of each `activities:` block."""
    out, block, item = [], None, None  # indent of the open `activities:` key and of its items
    for i, line in enumerate(lines):
        text = line.lstrip(" ")
        if not text or text.startswith("#"):
            continue
        indent = len(line) - len(text)
        if block is not None and (indent < block or indent == block and not text.startswith("- ")):
            block = item = None
        if text.rstrip() == "activities:":
            block, item = indent, None
        elif block is not None and (m := ACTIVITY.match(line)):
            item = len(m.group(1)) if item is None else item
            if len(m.group(1)) == item:
                out.append(i)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", required=True)
    ap.add_argument("--errors", type=int, default=1000)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    with open(args.src, encoding="utf-8") as f:
        lines = f.read().split("\n")
    a, b = parties(lines)
    starts = activity_lines(lines)
    if len(starts) < 2 * args.errors:
        sys.exit(f"{len(starts)} activities: too few for {args.errors} errors")
    step = len(starts) // args.errors
    done = 0
    for n in range(args.errors):
        k = n * step + step // 2
        start, end = starts[k], starts[k + 1] if k + 1 < len(starts) else len(lines)
        indent, aid = ACTIVITY.match(lines[start]).groups()
        kind = KINDS[n % len(KINDS)]
        if kind == "duplicate-id":
            lines[start] = f"{indent}- id: {ACTIVITY.match(lines[starts[k - 1]]).group(2)}"
        elif kind == "bad-id":
            lines[start] = f"{indent}- id: _{aid}"
        else:
            roles = next((i for i in range(start + 1, end) if ROLES.match(lines[i])), None)
            if roles is None:
                sys.exit(f"activity {aid} has no one-line roles: block")
            pad = ROLES.match(lines[roles]).group(1)
            cell = {
                "accountable-count": f"{a}: RA, {b}: A",
                "unknown-role": f"{a}: RAX, {b}: I",
                "responsible-missing": f"{a}: A, {b}: I",
                "repeated-role": f"{a}: RAR, {b}: I",
                "unknown-party": f"{a}: RA, ghost: I",
            }[kind]
            lines[roles] = f"{pad}roles: {{{cell}}}"
        done += 1
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    print(f"{args.out}: {done} errors in {len(starts)} activities", file=sys.stderr)


if __name__ == "__main__":
    main()
