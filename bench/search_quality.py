"""Search in people's words: real thread titles typed as queries (issue 10).

Reads every `*.tsv` of a title set folder, `tests/<set>/` (columns query, expected
slug, source, language), runs each query through the site's search (`kb.search.search`,
the same function `/search`, `/api/search` and the type-ahead use) as the /search page
does (a submitted query: `complete=True`, its last word whole; `--typeahead` searches
as the type-ahead does, the last word a prefix) and prints top-1 and top-3 per language. Sealed sets (SEALED) are scored only with `--sealed`: once, at the
end of a piece of work, never to tune search to their titles. `queries_real` and
`queries_real2` were scored that way and are spent (tuning on them is allowed now);
`queries_real3` (the titles of tests/heldout6's threads) was scored once at the end of the
fourth session (top-1 0.640, top-3 0.780) and is spent too. `queries_real4` (the titles of
tests/heldout7's threads, 81 rows in three files) was scored once at the end of the fifth
session (top-1 0.703, top-3 0.865) and is spent. `queries_real5` (the titles of
tests/heldout8's threads, 119 rows) was scored once at the end of the sixth (top-1 0.604,
top-3 0.673) and is spent. `queries_real6` (the titles of tests/heldout9's threads, 106
rows) was scored once at the end of the seventh (top-1 0.528, top-3 0.742) and is spent.
`queries_real7` (the titles of tests/heldout10's threads) was scored once at the end of the
eighth session (top-1 0.642, top-3 0.698) and `queries_real8` (tests/heldout11's) at the end of
the tenth (top-1 0.448, top-3 0.597); `queries_real9` (tests/heldout12's) at the end of the
eleventh (top-1 0.465, top-3 0.718); `queries_real10` (tests/heldout13's titles) at the end of
the thirteenth (top-1 0.406, top-3 0.562; spent); `queries_real11` (tests/heldout14's) at the
end of the fourteenth (top-1 0.286, top-3 0.416; spent); `queries_real12` (tests/heldout15's)
at the end of the fifteenth (top-1 0.405, top-3 0.595; spent); `queries_real13` (tests/heldout16's)
at the end of the sixteenth (top-1 0.480, top-3 0.694; spent); `queries_real14` (tests/heldout17's)
at the end of the seventeenth (top-1 0.531, top-3 0.714; spent); `queries_real15` (tests/heldout18's,
127 titles) at the start of the twentieth (top-1 0.384, top-3 0.598; spent). `queries_real16`
(tests/heldout19's 125 titles, 105 scored) at the start of the twenty-fourth (top-1 0.390,
top-3 0.562; spent). `queries_real17` (tests/heldout20's titles, started at the end of the
twenty-fourth session) is sealed.

    python bench/search_quality.py --set queries_real15           # spent: a tuning figure
    python bench/search_quality.py --set queries_real2            # spent: a tuning figure
    python bench/search_quality.py --set queries_real2 --misses   # and each row not first

Labels filed under a slug announced but never written map to the covering entry
(`LABEL_ALIASES` in tests/corpus_loader.py). A `_none` row (the KB covers nothing of it)
is counted apart and not scored (search always lists something for real words).
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from kb.search import search  # noqa: E402
from tests.corpus_loader import LABEL_ALIASES, NONE_FOLDER  # noqa: E402

TESTS = ROOT / "tests"
DEFAULT_SET = "queries_real17"
# queries_real3..16 are spent; queries_real17 (heldout20's titles) is sealed
SEALED: frozenset[str] = frozenset({"queries_real17"})


def set_folder(name: str) -> Path:
    """tests/<name>, refusing anything that is not a plain folder name."""
    if not name or name != Path(name).name or name.startswith("."):
        raise ValueError(f"--set takes a folder name under tests/, not {name!r}")
    return TESTS / name


def load_queries(folder: Path = TESTS / DEFAULT_SET) -> list[dict[str, str]]:
    """Every row of every *.tsv in `folder`, in file-name order."""
    rows: list[dict[str, str]] = []
    for path in sorted(folder.glob("*.tsv")):
        with path.open(encoding="utf-8", newline="") as handle:
            rows += csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
    return rows


def score(
    rows: list[dict[str, str]], *, misses: bool = False, typeahead: bool = False
) -> dict[str, list[int]]:
    """Per language (and 'all'): [n, top1 hits, top3 hits] over rows with an entry label.
    Each title is searched as the /search page does (submitted: `complete=True`), or as
    the type-ahead does (`typeahead`: the last word a prefix). `misses` prints each row
    whose entry is not first: its rank (- beyond 10), the query, the expected entry and
    the first three found."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in rows:
        expected = LABEL_ALIASES.get(row["expected"], row["expected"])
        if expected == NONE_FOLDER:
            continue
        found = search(row["query"], limit=10 if misses else 3, complete=not typeahead)
        slugs = [hit.slug for hit in found]
        if misses and slugs[:1] != [expected]:
            rank = slugs.index(expected) + 1 if expected in slugs else "-"
            print(f"miss rank={rank} {row['query']!r} expected={expected} got={slugs[:3]}")
        slugs = slugs[:3]
        for key in (row["language"], "all"):
            totals[key][0] += 1
            totals[key][1] += bool(slugs[:1] == [expected])
            totals[key][2] += expected in slugs
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--set", default=DEFAULT_SET, help="a folder of *.tsv title sets under tests/"
    )
    parser.add_argument("--sealed", action="store_true", help="allow scoring a sealed set")
    parser.add_argument(
        "--misses", action="store_true", help="print each row whose entry is not first"
    )
    parser.add_argument(
        "--typeahead",
        action="store_true",
        help="search as the type-ahead does (the last word a prefix), not as /search does",
    )
    args = parser.parse_args()
    try:
        folder = set_folder(args.set)
    except ValueError as error:
        parser.error(str(error))
    if args.set in SEALED and not args.sealed:
        parser.error(f"tests/{args.set} is sealed: pass --sealed to score it (once)")
    if args.misses and args.set in SEALED:
        parser.error(f"tests/{args.set} is sealed: its rows are never printed")
    rows = load_queries(folder)
    if not rows:
        parser.error(f"no rows in tests/{args.set}/*.tsv")
    totals = score(rows, misses=args.misses, typeahead=args.typeahead)
    uncovered = sum(row["expected"] == NONE_FOLDER for row in rows)
    print(f"{'language':10} {'n':>4} {'top1':>6} {'top3':>6}")
    for language in sorted(totals, key=lambda k: (k == "all", k)):
        n, top1, top3 = totals[language]
        print(f"{language:10} {n:4d} {top1 / n:6.3f} {top3 / n:6.3f}")
    n, top1, top3 = totals["all"]
    print(f"({uncovered} rows labelled {NONE_FOLDER} are not scored)")
    mode = " mode=typeahead" if args.typeahead else ""
    print(f"search_quality set={args.set}{mode} n={n} top1={top1 / n:.3f} top3={top3 / n:.3f}")


if __name__ == "__main__":
    main()
