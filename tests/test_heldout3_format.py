"""The sealed third held-out set and the real-title queries are well-formed and unused elsewhere.

These tests guard the evaluation data only; they never run the engine (the set is sealed:
see tests/heldout3/README.md). A paste or a query whose thread also appears in the tuning
corpus or an earlier held-out set would make the sealed figure optimistic, so overlap fails.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import pytest

from tests.corpus_loader import (
    KINDS,
    LABEL_SLUGS,
    NONE_FOLDER,
    CorpusFormatError,
    load_corpus,
)

TESTS = Path(__file__).parent
HELDOUT3 = TESTS / "heldout3"
QUERIES = TESTS / "queries_real" / "queries.tsv"
OTHER_SETS = ("corpus", "heldout", "heldout2")
URL_RE = re.compile(r"^https?://\S+$")
CITED_URL_RE = re.compile(r"https?://[^\s)>\]`'\"]+")


def thread_key(url: str) -> str:
    """One key per thread: no fragment, no query string, no trailing slash, any case."""
    return re.split(r"[#?]", url, maxsplit=1)[0].rstrip("/").lower()


@pytest.fixture(scope="module")
def items():
    return load_corpus(HELDOUT3)


@pytest.fixture(scope="module")
def used_elsewhere() -> set[str]:
    """Threads of the other sets, and threads cited by the entries (their authors read them)."""
    used = {thread_key(item.source) for name in OTHER_SETS for item in load_corpus(TESTS / name)}
    for page in (TESTS.parent / "content").rglob("*.md"):
        used |= {thread_key(url) for url in CITED_URL_RE.findall(page.read_text(encoding="utf-8"))}
    return used


@pytest.fixture(scope="module")
def queries() -> list[dict[str, str]]:
    with QUERIES.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def test_every_paste_loads_with_kind_and_evidence(items):
    assert len(items) == len(list(HELDOUT3.glob("*/*.txt")))
    assert len(items) >= 120
    for item in items:
        assert item.kind in KINDS, item.path
        assert item.evidence, item.path
        assert item.label == NONE_FOLDER or item.label in LABEL_SLUGS, item.path
        if item.expect is None:
            assert item.topic, f"{item.path}: a _none paste needs a topic"


def test_mix_of_kinds_and_share_of_uncovered(items):
    kinds = Counter(item.kind for item in items)
    assert kinds["prose"] >= 30
    assert kinds["config"] >= 25
    assert kinds["log"] + kinds["traceback"] >= 40
    share_none = sum(item.expect is None for item in items) / len(items)
    assert 0.10 <= share_none <= 0.15


def test_no_thread_twice_and_none_from_other_sets(items, used_elsewhere):
    keys = [thread_key(item.source) for item in items]
    assert [k for k, n in Counter(keys).items() if n > 1] == []
    assert sorted(set(keys) & used_elsewhere) == []


def test_queries_are_labelled_real_titles_from_unused_threads(queries, items, used_elsewhere):
    assert len(queries) >= 80
    assert {row["language"] for row in queries} >= {"en", "zh", "ja"}
    for row in queries:
        assert row["query"].strip(), row
        assert row["expected"] == NONE_FOLDER or row["expected"] in LABEL_SLUGS, row
        assert URL_RE.match(row["source"]), row
    keys = [thread_key(row["source"]) for row in queries]
    assert [k for k, n in Counter(keys).items() if n > 1] == []
    pastes = {thread_key(item.source) for item in items}
    assert sorted(set(keys) & (used_elsewhere | pastes)) == []


def test_loader_rejects_an_unknown_kind(tmp_path):
    target = tmp_path / "unregistered-task" / "paste.txt"
    target.parent.mkdir()
    target.write_text(
        "source: https://x/1\nexpect: unregistered-task\nkind: screenshot\n---\nerr\n",
        encoding="utf-8",
    )
    with pytest.raises(CorpusFormatError, match="kind 'screenshot'"):
        load_corpus(tmp_path)


def test_loader_accepts_issue10_slugs_and_new_headers(tmp_path):
    target = tmp_path / "connection-forced" / "paste.txt"
    target.parent.mkdir()
    target.write_text(
        "source: https://x/1\nexpect: connection-forced\nkind: log\nevidence: why\n---\ne\n",
        encoding="utf-8",
    )
    (item,) = load_corpus(tmp_path)
    assert (item.expect, item.kind, item.evidence, item.topic) == (
        "connection-forced",
        "log",
        "why",
        "",
    )
