"""Out-of-fold figures of the learned ranker, per training set and per kind.

    .venv/bin/python bench/cv_report.py                  # the shipped signals
    .venv/bin/python bench/cv_report.py --signals signature,cosine,words

Trains as bench/train_ranker.py does (the word model per fold, the L2 grid, the `high`
threshold) without writing anything, then prints each training set's out-of-fold top-1,
top-3 and `high` answers (right / all), the same by kind over the real pastes, and a last
line `cv pastes=N top1=... top3=... high=... high_wrong=...`. An engine change is measured
here on the spent sets before the sealed set is scored once.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import qualitylib as q  # noqa: E402
import train_ranker  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--signals", default=",".join(train_ranker.SHIPPED_SIGNALS))
    parser.add_argument("--exclude", default="", help="training sets to leave out")
    args = parser.parse_args()
    rows, _, data, probabilities, gates = train_ranker.train_from(
        q.setup(), args.signals, args.exclude
    )
    report(rows, data, probabilities, gates)
    return 0


def report(rows: list[q.Row], data: dict, probabilities: list, gates: tuple) -> tuple[int, ...]:
    """Print the out-of-fold table of `train_ranker.train`'s results; return the totals
    (pastes, top-1 right, top-3 right, `high`, wrong `high`)."""
    gate, gate_w = gates
    tally: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for row, p, p0, pw in zip(rows, probabilities, gate, gate_w, strict=True):
        if not q.is_paste(row):
            continue
        answer = q.trained_answer(row, data, p, (p0, pw))
        expect = row.item.expect
        right = answer.slug == expect if expect else answer.confidence != "high"
        top3 = expect in q.top3_from(row, p) if expect else right
        high = answer.confidence == "high"
        for key in ((q.set_of(row), "all"), ("all", row.kind), ("all", "all")):
            counts = tally[key]
            counts[0] += 1
            counts[1] += right
            counts[2] += top3
            counts[3] += high
            counts[4] += high and answer.slug != expect
    print(f"l2={data['trained']['l2']} high_threshold={data['high_threshold']:.4f}")
    print(f"{'set':12} {'kind':10} {'n':>5} {'top1':>6} {'top3':>6} {'high':>5} {'wrong':>5}")
    for (name, kind), (n, right, top3, high, wrong) in sorted(tally.items()):
        print(f"{name:12} {kind:10} {n:5} {right / n:6.3f} {top3 / n:6.3f} {high:5} {wrong:5}")
    n, right, top3, high, wrong = tally[("all", "all")]
    print(
        f"cv pastes={n} top1={right / n:.3f} top3={top3 / n:.3f} "
        f"high={high / n:.3f} high_wrong={wrong}"
    )
    return tuple(tally[("all", "all")])


if __name__ == "__main__":
    sys.exit(main())
