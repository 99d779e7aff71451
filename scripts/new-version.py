#!/usr/bin/env python3
"""Make the NEW version of a matrix from OLD, for the diff benchmark.

    python3 scripts/new-version.py --src OLD.yaml --out NEW.yaml

Of OLD's activities, 2 % get other roles (the cells of the first two
parties swapped, which keeps exactly one A and at least one R), 1 % are
removed and 1 % move to the next phase; 1 % as many new activities (texts
and roles copied from an existing one) are added at random places. The
version becomes --version. Deterministic (fixed seed): the same OLD always
gives the same NEW. Written with PyYAML in the layout of
../shared/bench/scale.py (flow-style leaves, no line wrapping), so that an
unchanged part of OLD, dumped again, is byte for byte what it was and
`diff -u OLD NEW` sees only the changes.

Needs PyYAML (a venv: python3 -m venv /tmp/v && /tmp/v/bin/pip install pyyaml).
"""
import argparse
import random

import yaml

try:
    Loader, Dumper = yaml.CSafeLoader, yaml.CSafeDumper
except AttributeError:  # PyYAML without libyaml
    Loader, Dumper = yaml.SafeLoader, yaml.SafeDumper


def dump(m, path):
    with open(path, "w", encoding="utf-8") as f:
        yaml.dump(m, f, Dumper=Dumper, allow_unicode=True, sort_keys=False, default_flow_style=None, width=4096)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--src", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--version", default="1.1")
    ap.add_argument("--seed", type=int, default=11)
    a = ap.parse_args()

    with open(a.src, encoding="utf-8") as f:
        m = yaml.load(f, Loader=Loader)
    rnd = random.Random(a.seed)
    phases = m["phases"]
    # Only the phases' own activities: what scale.py writes (no subphases).
    where = [(pi, ai) for pi, p in enumerate(phases) for ai in range(len(p.get("activities", [])))]
    n = len(where)
    k1, k2 = max(1, n // 100), max(1, n // 50)
    picked = rnd.sample(range(n), k2 + 3 * k1)
    roles_changed = {where[i] for i in picked[:k2]}
    removed = {where[i] for i in picked[k2:k2 + k1]}
    moved = {where[i] for i in picked[k2 + k1:k2 + 2 * k1]}
    templates = [where[i] for i in picked[k2 + 2 * k1:]]

    p1, p2 = (p["id"] for p in m["parties"][:2])
    for pi, ai in roles_changed:
        roles = phases[pi]["activities"][ai].setdefault("roles", {})
        c1, c2 = roles.pop(p1, None), roles.pop(p2, None)
        if c2 is not None:
            roles[p1] = c2
        if c1 is not None:
            roles[p2] = c1

    new_acts = [[] for _ in phases]
    moving = [[] for _ in phases]
    for pi, p in enumerate(phases):
        for ai, act in enumerate(p.get("activities", [])):
            if (pi, ai) in removed:
                continue
            if (pi, ai) in moved:
                moving[(pi + 1) % len(phases)].append(act)
            else:
                new_acts[pi].append(act)
    for pi, acts in enumerate(moving):
        for act in acts:
            new_acts[pi].insert(rnd.randrange(len(new_acts[pi]) + 1), act)
    for serial, (pi, ai) in enumerate(templates, 1):
        src = phases[pi]["activities"][ai]
        act = {"id": f"NEW-{serial:06d}", "text": dict(src["text"]), "roles": dict(src.get("roles", {}))}
        target = rnd.randrange(len(phases))
        new_acts[target].insert(rnd.randrange(len(new_acts[target]) + 1), act)
    for p, acts in zip(phases, new_acts):
        p["activities"] = acts
    m["version"] = a.version
    dump(m, a.out)


if __name__ == "__main__":
    main()
