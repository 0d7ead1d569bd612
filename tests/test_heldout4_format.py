"""The sealed fourth held-out set and the second set of real-title queries are well-formed.

These tests guard the evaluation data only; they never run the engine (the set is sealed:
see tests/heldout4/README.md). A paste or a query whose thread also appears in the tuning
corpus, an earlier held-out set, the first real-title queries or an entry's References would
make the sealed figure optimistic, so overlap fails.

`tests/heldout4/` and `tests/queries_real2/` are collected in two halves by two helpers
(entries a-l and m-z). `test_full_set_thresholds` checks the thresholds of the whole set, so
it fails on a branch that holds only one half; it passes once both halves are merged.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import pytest

from tests.corpus_loader import (
    KINDS,
    LABEL_ALIASES,
    LABEL_SLUGS,
    NONE_FOLDER,
    load_corpus,
)

TESTS = Path(__file__).parent
HELDOUT4 = TESTS / "heldout4"
QUERIES2 = TESTS / "queries_real2"
EARLIER_QUERIES = TESTS / "queries_real" / "queries.tsv"
OTHER_SETS = ("corpus", "heldout", "heldout2", "heldout3")
QUERY_COLUMNS = ["query", "expected", "source", "language"]
URL_RE = re.compile(r"^https?://\S+$")
CITED_URL_RE = re.compile(r"https?://[^\s)>\]`'\"]+")


def thread_key(url: str) -> str:
    """One key per thread: no fragment, no query string, no trailing slash, any case."""
    return re.split(r"[#?]", url, maxsplit=1)[0].rstrip("/").lower()


def read_tsv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return list(reader.fieldnames or []), list(reader)


@pytest.fixture(scope="module")
def items():
    return load_corpus(HELDOUT4)


@pytest.fixture(scope="module")
def used_elsewhere() -> set[str]:
    """Threads of the earlier sets and queries, and threads cited anywhere in content/."""
    urls = [item.source for name in OTHER_SETS for item in load_corpus(TESTS / name)]
    urls += [row["source"] for row in read_tsv(EARLIER_QUERIES)[1]]
    for page in sorted((TESTS.parent / "content").rglob("*.md")):
        urls += CITED_URL_RE.findall(page.read_text(encoding="utf-8"))
    return {thread_key(url) for url in urls}


@pytest.fixture(scope="module")
def queries() -> list[dict[str, str]]:
    files = sorted(QUERIES2.glob("*.tsv"))
    assert files, "tests/queries_real2 holds no .tsv file"
    rows = []
    for path in files:
        columns, file_rows = read_tsv(path)
        assert columns == QUERY_COLUMNS, path
        assert file_rows, f"{path}: no queries"
        rows += [{**row, "file": path.name} for row in file_rows]
    return rows


def assert_pastes_well_formed(items: list, folder: Path) -> None:
    """Every file of `folder` loaded, each with a kind, evidence, a thread URL and a known
    label; a `_none` paste also with its topic (shared with the later sealed sets)."""
    assert len(items) == len(list(folder.glob("*/*.txt")))
    for item in items:
        assert item.kind in KINDS, item.path
        assert item.evidence, item.path
        assert URL_RE.match(item.source), item.path
        assert item.label == NONE_FOLDER or item.label in LABEL_SLUGS, item.path
        if item.expect is None:
            assert item.topic, f"{item.path}: a _none paste needs a topic"


def assert_threads_new(items: list, used: set[str]) -> None:
    """No thread gives two pastes, and none was used before."""
    keys = [thread_key(item.source) for item in items]
    assert [k for k, n in Counter(keys).items() if n > 1] == []
    assert sorted(set(keys) & used) == []


def test_every_paste_loads_with_kind_evidence_and_topic(items):
    assert_pastes_well_formed(items, HELDOUT4)


def test_no_thread_twice_and_none_from_earlier_sets(items, used_elsewhere):
    assert_threads_new(items, used_elsewhere)


def test_queries_are_labelled_titles_from_threads_unused_before(queries, items, used_elsewhere):
    for row in queries:
        assert row["query"] and row["query"].strip() == row["query"], row
        assert row["expected"] == NONE_FOLDER or row["expected"] in LABEL_SLUGS, row
        assert URL_RE.match(row["source"] or ""), row
        assert re.fullmatch(r"[a-z]{2}", row["language"] or ""), row
    keys = [thread_key(row["source"]) for row in queries]
    assert [k for k, n in Counter(keys).items() if n > 1] == []
    assert sorted(set(keys) & used_elsewhere) == []

    # A title whose thread also gave a paste carries the paste's label (aliases resolved
    # on both sides: a folder named for an alias loads under the entry it stands for).
    def resolved(label: str) -> str:
        return LABEL_ALIASES.get(label, label)

    paste_labels = {thread_key(item.source): resolved(item.label) for item in items}
    mismatched = [
        (row["source"], row["expected"], paste_labels[key])
        for row, key in zip(queries, keys, strict=True)
        if key in paste_labels and paste_labels[key] != resolved(row["expected"])
    ]
    assert mismatched == []


def kind_counts(items: list) -> dict[str, int]:
    """How many pastes a set holds, in all and of each kind the thresholds name."""
    kinds = Counter(item.kind for item in items)
    return {
        "pastes": len(items),
        "prose": kinds["prose"],
        "config": kinds["config"],
        "log+traceback": kinds["log"] + kinds["traceback"],
    }


def test_full_set_thresholds(items, queries):
    """Thresholds of the merged set (both halves): fails while only one half is present."""
    counts = {**kind_counts(items), "queries": len(queries)}
    minimum = {"pastes": 120, "prose": 30, "config": 25, "log+traceback": 40, "queries": 100}
    assert {name: n for name, n in counts.items() if n < minimum[name]} == {}
    share_none = sum(item.expect is None for item in items) / len(items)
    assert 0.10 <= share_none <= 0.15
