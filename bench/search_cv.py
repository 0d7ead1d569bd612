"""Cross-validated search weights over the spent title sets (issue 10).

For every point of a small grid (kb/search.py COSINE_WEIGHT, ALL_WORDS_BONUS,
MEANING_MIN_WORDS) the script runs the site's search on every labelled row of the spent
title sets (SETS: all three spent, tuning allowed), then, leaving one set out at a time,
picks the point best on the other two (top-3 + top-1, ties to the shipped weights) and
scores it on the one left out. The printed out-of-fold figures are a measurement of
"learn the weights from titles"; a figure of the best point on all titles is not (it is
fitted on them), and is printed only to show how far in-sample tuning flatters.

    python bench/search_cv.py
"""

from __future__ import annotations

import itertools
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from bench.search_quality import load_queries, set_folder  # noqa: E402
from kb import search as kb_search  # noqa: E402
from tests.corpus_loader import LABEL_ALIASES, NONE_FOLDER  # noqa: E402

SETS = ("queries_real", "queries_real2", "queries_real3")
COSINE_WEIGHTS = (2.0, 3.0, 4.0, 5.0, 6.0, 8.0)
ALL_WORDS_BONUSES = (0.0, 0.25, 0.5)
MEANING_MIN_WORDS = (2, 3)
NAMES = ("COSINE_WEIGHT", "ALL_WORDS_BONUS", "MEANING_MIN_WORDS")


def rows() -> list[tuple[str, str, str]]:
    """(set, query, expected slug) for every row with an entry label."""
    out = []
    for name in SETS:
        for row in load_queries(set_folder(name)):
            expected = LABEL_ALIASES.get(row["expected"], row["expected"])
            if expected != NONE_FOLDER:
                out.append((name, row["query"], expected))
    return out


def hits(titles: list[tuple[str, str, str]], point: tuple) -> list[tuple[bool, bool]]:
    """(top-1, top-3) per row with the weights of `point`."""
    saved = [getattr(kb_search, name) for name in NAMES]
    for name, value in zip(NAMES, point, strict=True):
        setattr(kb_search, name, value)
    try:
        out = []
        for _, query, expected in titles:
            slugs = [hit.slug for hit in kb_search.search(query, limit=3)]
            out.append((slugs[:1] == [expected], expected in slugs))
        return out
    finally:
        for name, value in zip(NAMES, saved, strict=True):
            setattr(kb_search, name, value)


def rate(results: list[tuple[bool, bool]], keep: list[bool]) -> tuple[float, float]:
    chosen = [r for r, k in zip(results, keep, strict=True) if k]
    n = len(chosen) or 1
    return sum(a for a, _ in chosen) / n, sum(b for _, b in chosen) / n


def main() -> None:
    titles = rows()
    shipped = tuple(getattr(kb_search, name) for name in NAMES)
    grid = sorted({*itertools.product(COSINE_WEIGHTS, ALL_WORDS_BONUSES, MEANING_MIN_WORDS)})
    grid = sorted({*grid, shipped})
    results = {point: hits(titles, point) for point in grid}
    print(
        f"{len(titles)} titles, {len(grid)} points; shipped {dict(zip(NAMES, shipped, strict=True))}"
    )
    oof: list[tuple[bool, bool]] = [(False, False)] * len(titles)
    for left_out in SETS:
        train = [name != left_out for name, _, _ in titles]

        def merit(point: tuple, train: list[bool] = train) -> tuple[float, bool]:
            top1, top3 = rate(results[point], train)
            return top1 + top3, point == shipped

        best = max(grid, key=merit)
        for i, (name, _, _) in enumerate(titles):
            if name == left_out:
                oof[i] = results[best][i]
        print(f"left out {left_out}: picked {dict(zip(NAMES, best, strict=True))}")
    print(f"{'set':14} {'shipped':>13} {'out-of-fold':>13}")
    for name in (*SETS, "all"):
        keep = [name in ("all", s) for s, _, _ in titles]
        a1, a3 = rate(results[shipped], keep)
        b1, b3 = rate(oof, keep)
        print(f"{name:14} {a1:6.3f}/{a3:.3f} {b1:6.3f}/{b3:.3f}")
    every = [True] * len(titles)
    best = max(grid, key=lambda p: sum(rate(results[p], every)))
    top1, top3 = rate(results[best], every)
    print(f"in-sample best (not a measurement) {best}: {top1:.3f}/{top3:.3f}")


if __name__ == "__main__":
    main()
