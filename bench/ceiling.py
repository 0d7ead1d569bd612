"""How well a careful reader does from a paste's text alone: a ceiling for the engine.

    .venv/bin/python bench/ceiling.py            # the reader's figures, per kind and confidence
    .venv/bin/python bench/ceiling.py --engine   # and the engine's on the same pastes, paste by paste

`bench/data/ceiling_heldout12.tsv` holds the answers of two helpers (twelfth session) who
labelled the 126 pastes of the spent set tests/heldout12 from their text alone: each saw
a copy with only `kind:` and the text (no `source:`, `evidence:`, `topic:`, `note:`, no
folder name), the 55 entries' own files, no look-ups and no project code; they gave their
first three entries (or `_none`) and a confidence. They were not shown the labels, the
engine's answers or any other set. Scored here against the set's labels the same way
bench/quality.py scores the engine: a `_none` paste counts as right at top-1 when the reader
put `_none` first (the engine's rule, "not `high`", has no equivalent for a reader).

The figure is what the text allows a reader who knows Celery, RabbitMQ and Redis and has the
entries in front of them: where the engine falls short of it, the words were there.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import qualitylib as q  # noqa: E402

DATA = Path(__file__).resolve().parent / "data" / "ceiling_heldout12.tsv"
SET = "heldout12"


def load_answers(path: Path = DATA) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["path"]: row for row in csv.DictReader(handle, delimiter="\t")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--engine", action="store_true", help="the engine on the same pastes")
    args = parser.parse_args()
    answers = load_answers()
    items = q.load_set(SET)
    tally: dict[str, Counter] = defaultdict(Counter)
    rows = []
    for item in items:
        key = item.path.relative_to(q.ROOT / "tests").as_posix()
        answer = answers[key]
        expect = item.expect or "_none"
        kind = item.kind or "?"
        top = [answer["first"], answer["second"], answer["third"]]
        for group in (kind, "all", f"confidence {answer['confidence']}"):
            tally[group]["n"] += 1
            tally[group]["top1"] += top[0] == expect
            tally[group]["top3"] += expect in top
        rows.append((item, key, expect, top))
    print(f"{'reader':<20} {'n':>4} {'top1':>6} {'top3':>6}")
    for group in ("log", "traceback", "config", "prose", "all"):
        c = tally[group]
        print(f"{group:<20} {c['n']:>4} {c['top1'] / c['n']:>6.3f} {c['top3'] / c['n']:>6.3f}")
    for level in ("high", "medium", "low"):
        c = tally[f"confidence {level}"]
        if c["n"]:
            print(f"{'confidence ' + level:<20} {c['n']:>4} {c['top1'] / c['n']:>6.3f}")
    if not args.engine:
        return 0
    import quality

    kb = q.setup()
    results = quality.engine_results([item for item, *_ in rows], kb)
    both = reader_only = engine_only = 0
    for (_, key, expect, top), result in zip(rows, results, strict=True):
        reader = top[0] == expect
        both += reader and result.top1
        reader_only += reader and not result.top1
        engine_only += result.top1 and not reader
        if reader != result.top1:
            who = "reader" if reader else "engine"
            print(f"only the {who:<6} {expect:<30} engine {result.top[:2]} {key}")
    print(
        f"ceiling set={SET} n={len(rows)} reader_top1={tally['all']['top1'] / len(rows):.3f} "
        f"engine_top1={sum(r.top1 for r in results) / len(rows):.3f} both={both} "
        f"reader_only={reader_only} engine_only={engine_only}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
