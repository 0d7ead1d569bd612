"""Derive search's signal weights (kb/search.py COSINE_WEIGHT, ALL_WORDS_BONUS,
SIGNATURE_WEIGHT).

The queries are people's words that no sealed set holds: the first line of every
labelled paste in `tests/corpus/` (at most 14 words; lines of fewer than 3 words
skipped), each expecting its paste's entry. For every point of a small grid the
script sets the weights, runs the site's search on every query and prints top-1 and
top-3; the best point by top-3 (then top-1) is the one to keep in kb/search.py.

    python bench/search_weights.py
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

from kb import search as kb_search  # noqa: E402
from tests.corpus_loader import load_corpus  # noqa: E402

COSINE_WEIGHTS = (0.0, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0)
ALL_WORDS_BONUSES = (0.0, 0.5, 1.0, 2.0)
SIGNATURE_WEIGHTS = (0.0, 1.0, 2.0, 3.0)
MAX_WORDS = 14


def corpus_line_queries(root: Path = ROOT / "tests" / "corpus") -> list[tuple[str, str]]:
    """(query, expected slug): the first text line of each labelled corpus paste."""
    queries = []
    for item in load_corpus(root):
        if not item.expect:
            continue
        lines = (line for line in item.text.splitlines() if line.strip())
        line = next((line for line in lines if not line.startswith("```")), "")
        words = line.split()[:MAX_WORDS]
        if len(words) >= 3:
            queries.append((" ".join(words), item.expect))
    return queries


def score(queries: list[tuple[str, str]]) -> tuple[float, float]:
    top1 = top3 = 0
    for query, expected in queries:
        slugs = [hit.slug for hit in kb_search.search(query, limit=3, complete=True)]
        top1 += slugs[:1] == [expected]
        top3 += expected in slugs
    return top1 / len(queries), top3 / len(queries)


def main() -> None:
    queries = corpus_line_queries()
    print(f"{len(queries)} corpus-line queries")
    shipped = (kb_search.COSINE_WEIGHT, kb_search.ALL_WORDS_BONUS, kb_search.SIGNATURE_WEIGHT)
    print(f"{'cosine':>7} {'all_words':>9} {'signature':>9} {'top1':>6} {'top3':>6}")
    results = []
    grid = itertools.product(COSINE_WEIGHTS, ALL_WORDS_BONUSES, SIGNATURE_WEIGHTS)
    for cosine, bonus, signature in grid:
        kb_search.COSINE_WEIGHT, kb_search.ALL_WORDS_BONUS = cosine, bonus
        kb_search.SIGNATURE_WEIGHT = signature
        top1, top3 = score(queries)
        results.append((top3, top1, cosine, bonus, signature))
        mark = "  (shipped)" if (cosine, bonus, signature) == shipped else ""
        print(f"{cosine:7.1f} {bonus:9.1f} {signature:9.1f} {top1:6.3f} {top3:6.3f}{mark}")
    top3, top1, cosine, bonus, signature = max(results)
    print(
        f"search_weights best cosine={cosine} all_words={bonus} signature={signature} "
        f"top1={top1:.3f} top3={top3:.3f}"
    )


if __name__ == "__main__":
    main()
