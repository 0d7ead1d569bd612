"""Derive the fusion of /search with the paste ranker (kb/search.py FUSE_* constants).

For every scored title of the spent title sets (SPENT; never a sealed set), the site's
search runs without the fusion (the search index's own order and scores, the pool of 20)
and the paste ranker reads the title as a paste (kb.search._paste_ranking). Each candidate
(either list) has four features: search's score (an entry only the ranker names: one
below search's last), 1 / search rank, ln(ranker probability, at least FUSE_MIN_P),
1 / ranker rank. A conditional logit (L2) is fitted; leave-one-set-out figures say whether
it generalises; the fit on every set, scaled to search's score weight 1, gives the
constants.

    python bench/search_fusion.py [--l2 0.01]
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from search_quality import SEALED, load_queries, set_folder  # noqa: E402

from diagnostics import learned_rank  # noqa: E402
from kb import index as kb_index  # noqa: E402
from kb import search as kb_search  # noqa: E402
from tests.corpus_loader import LABEL_ALIASES, NONE_FOLDER  # noqa: E402

SPENT = (
    "queries_real",
    "queries_real2",
    "queries_real3",
    "queries_real4",
    "queries_real5",
    "queries_real6",
    "queries_real7",
    "queries_real8",
    "queries_real9",
    "queries_real10",
    "queries_ko",
)
assert not SEALED & set(SPENT)


def collect(name: str) -> list[tuple[np.ndarray, int, list[str], str]]:
    """(features, index of the expected entry or -1, candidates, query) per scored title."""
    kb = kb_index.get_kb()
    ranker = kb_search._paste_ranking
    groups = []
    for row in load_queries(set_folder(name)):
        expected = LABEL_ALIASES.get(row["expected"], row["expected"])
        if expected == NONE_FOLDER:
            continue
        kb_search._paste_ranking = lambda kb, query: []
        try:
            found = kb_search.search(row["query"], limit=kb_search.POOL, complete=True)
        finally:
            kb_search._paste_ranking = ranker
        meaning = bool(kb_search._meaning_query(row["query"]))
        ranked = ranker(kb, row["query"]) if meaning else []
        order = [hit.slug for hit in found]
        score = {hit.slug: hit.score for hit in found}
        floor = min(score.values(), default=0.0) - 1.0
        probability = dict(ranked)
        ranker_order = [slug for slug, _ in ranked]
        candidates = list(dict.fromkeys(order + ranker_order))
        rows = []
        for slug in candidates:
            if not meaning:  # search's own order: the fusion is not asked
                rows.append([score.get(slug, floor), 0.0, 0.0, 0.0])
                continue
            rows.append(
                [
                    score.get(slug, floor),
                    1 / (order.index(slug) + 1) if slug in order else 0.0,
                    math.log(max(probability.get(slug, 0.0), kb_search.FUSE_MIN_P)),
                    1 / (ranker_order.index(slug) + 1) if slug in ranker_order else 0.0,
                ]
            )
        y = candidates.index(expected) if expected in candidates else -1
        groups.append((np.array(rows, float), y, candidates, row["query"]))
    return groups


def fit(groups, l2: float, iterations: int = 50) -> np.ndarray:
    """The four fusion weights: diagnostics.learned_rank.fit (Newton's method on the
    L2-regularised conditional-logit log-likelihood) over the titles whose entry is a
    candidate; `l2` weighs w·w whole (learned_rank's ½·l2·w·w, so it gets 2 × l2)."""
    train = [(x, y) for x, y, _, _ in groups if y >= 0]
    return np.array(learned_rank.fit(train, 2 * l2, iterations, dim=4))


def hits(groups, w) -> tuple[int, int, int]:
    top1 = top3 = 0
    for x, y, candidates, _ in groups:
        if y < 0:
            continue
        u = x @ w
        order = sorted(range(len(candidates)), key=lambda i: (-u[i], i))
        top1 += order[0] == y
        top3 += y in order[:3]
    return top1, top3, len(groups)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--l2", type=float, default=0.01)
    args = parser.parse_args()
    data = {name: collect(name) for name in SPENT}
    search_only = np.array([1.0, 0, 0, 0])
    totals = np.zeros(4, int)
    for held in SPENT:
        w = fit([g for name in SPENT if name != held for g in data[name]], args.l2)
        before, after = hits(data[held], search_only), hits(data[held], w)
        totals += [*before[:2], *after[:2]]
        print(
            f"{held:14} n={before[2]:3d} search top1/top3 {before[0]}/{before[1]}"
            f"  fused out-of-fold {after[0]}/{after[1]}"
        )
    print(f"all: search {totals[0]}/{totals[1]}  fused out-of-fold {totals[2]}/{totals[3]}")
    w = fit([g for name in SPENT for g in data[name]], args.l2)
    scaled = w / w[0]
    print(
        f"fit on every set, scaled: FUSE_SEARCH_RR={scaled[1]:.2f} "
        f"FUSE_RANKER_LOG_P={scaled[2]:.2f} FUSE_RANKER_RR={scaled[3]:.2f}"
    )


if __name__ == "__main__":
    main()
