"""List the training sets' prose pastes whose out-of-fold top-1 is wrong.

    .venv/bin/python bench/prose_misses.py            # every training set
    .venv/bin/python bench/prose_misses.py --set heldout4 --text 300
    .venv/bin/python bench/prose_misses.py --set heldout5 --kind all   # every kind

Only the training sets (qualitylib.TRAINING_SETS: the corpus and the spent heldout3..7)
are read; the floors (heldout8..11) are the judge and never listed. The answers are the
out-of-fold ones `bench/quality.py --set <training set>` scores (5-fold CV at the committed
model's L2 and threshold). Used to choose which entries' `symptoms` phrases to revise
(docs/ranking.md "Eleventh session: prose phrases from the training sets' misses").
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import qualitylib as q  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--set", action="append", choices=q.TRAINING_SETS)
    parser.add_argument("--kind", default="prose", help="a kind, or `all` (default prose)")
    parser.add_argument("--text", type=int, default=240, help="characters of each paste shown")
    args = parser.parse_args()
    sets = tuple(args.set or q.TRAINING_SETS)

    kb = q.setup()
    from diagnostics import learned_rank  # after django.setup()

    model = learned_rank.load_model()
    trained = (model.meta or {}).get("trained", {})
    rows = q.collect(q.training_items(kb), kb, use=frozenset(model.signals))
    gate: list[list[float]] = [[] for _ in rows]
    probabilities = q.cv_probabilities(rows, trained.get("l2", 1.0), gate)
    pairs: Counter[tuple[str, str]] = Counter()
    total = wrong = 0
    for row, p, p0 in zip(rows, probabilities, gate, strict=True):
        if not q.is_paste(row) or q.set_of(row) not in sets or args.kind not in ("all", row.kind):
            continue
        total += 1
        answer = q.answer_from(
            row, p, model.high_threshold, entry_thresholds=model.entry_high_thresholds, unlifted=p0
        )
        top = q.top3_from(row, p) if answer.slug else []
        expect = row.item.expect
        right = (answer.confidence != "high") if expect is None else (top[:1] == [expect])
        if right:
            continue
        wrong += 1
        pairs[(expect or "_none", top[0] if top else "-")] += 1
        text = " ".join(row.item.text.split())[: args.text]
        print(f"{q.set_of(row)}/{row.item.path.name}: expected {expect or '_none'}")
        print(f"  answered {top or '-'} ({answer.confidence}, {answer.probability:.2f})")
        print(f"  {text}\n")
    print(f"{args.kind} misses: {wrong}/{total}")
    for (expect, answered), n in pairs.most_common():
        print(f"  {n} {expect} -> {answered}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
