"""The sealed fifth held-out set is well-formed and uses no thread seen before.

These tests guard the evaluation data only; they never run the engine (the set is sealed:
see tests/heldout5/README.md). A paste whose thread also appears in the tuning corpus, an
earlier held-out set, either set of real-title queries or anything cited in content/ would
make the sealed figure optimistic, so overlap fails.

The set is collected in three parts by three helpers (entries a-f, g-q, r-z, a third of
the `_none` pastes each); `test_full_set_thresholds` checks the whole set, so it fails on a
branch that holds one part only and passes once all three are merged.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.corpus_loader import KINDS, LABEL_SLUGS, NONE_FOLDER, load_corpus
from tests.test_heldout4_format import CITED_URL_RE, URL_RE, read_tsv, thread_key

TESTS = Path(__file__).parent
HELDOUT5 = TESTS / "heldout5"
EARLIER_SETS = ("corpus", "heldout", "heldout2", "heldout3", "heldout4")
EARLIER_QUERIES = ("queries_real", "queries_real2")


@pytest.fixture(scope="module")
def items():
    return load_corpus(HELDOUT5)


@pytest.fixture(scope="module")
def used_elsewhere() -> set[str]:
    """Threads of every earlier set and title query, and threads cited anywhere in content/."""
    urls = [item.source for name in EARLIER_SETS for item in load_corpus(TESTS / name)]
    for folder in EARLIER_QUERIES:
        for path in sorted((TESTS / folder).glob("*.tsv")):
            urls += [row["source"] for row in read_tsv(path)[1]]
    for page in sorted((TESTS.parent / "content").rglob("*.md")):
        urls += CITED_URL_RE.findall(page.read_text(encoding="utf-8"))
    return {thread_key(url) for url in urls}


def test_every_paste_loads_with_kind_evidence_and_topic(items):
    assert len(items) == len(list(HELDOUT5.glob("*/*.txt")))
    for item in items:
        assert item.kind in KINDS, item.path
        assert item.evidence, item.path
        assert URL_RE.match(item.source), item.path
        assert item.label == NONE_FOLDER or item.label in LABEL_SLUGS, item.path
        if item.expect is None:
            assert item.topic, f"{item.path}: a _none paste needs a topic"


def test_no_thread_twice_and_none_from_earlier_sets(items, used_elsewhere):
    keys = [thread_key(item.source) for item in items]
    assert [k for k, n in Counter(keys).items() if n > 1] == []
    assert sorted(set(keys) & used_elsewhere) == []


def test_full_set_thresholds(items):
    """Thresholds of the merged set (all three parts): fails while a part is missing."""
    kinds = Counter(item.kind for item in items)
    counts = {
        "pastes": len(items),
        "prose": kinds["prose"],
        "config": kinds["config"],
        "log+traceback": kinds["log"] + kinds["traceback"],
    }
    minimum = {"pastes": 120, "prose": 35, "config": 25, "log+traceback": 40}
    assert {name: n for name, n in counts.items() if n < minimum[name]} == {}
    share_none = sum(item.expect is None for item in items) / len(items)
    assert 0.10 <= share_none <= 0.16
