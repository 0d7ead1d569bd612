"""The corpus of real pastes loads, is big enough, and every label is a real slug.

These tests guard the evaluation data itself: a file with a typo in its header
or a slug that does not exist would silently skew the accuracy figure.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.corpus_loader import (
    KNOWN_SLUGS,
    NONE_FOLDER,
    SEED_SLUGS,
    CorpusFormatError,
    entry_slugs,
    load_corpus,
)

CORPUS_ROOT = Path(__file__).parent / "corpus"
MIN_ITEMS = 60


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(CORPUS_ROOT)


def test_known_slugs_are_the_entries_of_the_knowledge_base(tmp_path):
    assert set(SEED_SLUGS) <= KNOWN_SLUGS  # the seed entries stay (slugs never change)
    assert all(slug == slug.lower() and " " not in slug for slug in KNOWN_SLUGS)
    # derived from content/, so an entry added there is a valid corpus folder at once
    (tmp_path / "new-entry.md").write_text("---\n---\n")
    (tmp_path / "new-entry.ko.md").write_text("")
    assert entry_slugs(tmp_path) == {"new-entry"}


def test_every_file_loads_and_corpus_is_large_enough(corpus):
    files = sorted(CORPUS_ROOT.glob("*/*.txt"))
    assert len(corpus) == len(files)
    assert len(corpus) >= MIN_ITEMS


def test_every_expect_is_a_known_slug_or_none(corpus):
    for item in corpus:
        assert item.expect is None or item.expect in KNOWN_SLUGS, item.path
        assert item.label == item.path.parent.name


def test_no_stray_files_outside_slug_folders():
    stray = [p for p in CORPUS_ROOT.rglob("*") if p.is_file() and p.suffix == ".txt"]
    nested = [p for p in stray if p.parent.parent != CORPUS_ROOT]
    assert nested == []


def test_sources_are_recorded_and_pastes_are_not_empty(corpus):
    for item in corpus:
        assert item.source.startswith(("https://", "http://")), item.path
        assert item.text.strip(), item.path


def test_corpus_has_near_misses_and_broad_coverage(corpus):
    labels = Counter(item.label for item in corpus)
    assert labels[NONE_FOLDER] >= 8
    assert len([slug for slug in labels if slug != NONE_FOLDER]) >= 25


def write(tmp_path: Path, folder: str, body: str) -> Path:
    target = tmp_path / folder / "paste.txt"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(body, encoding="utf-8")
    return target


GOOD = "source: https://github.com/x/y/issues/1\nexpect: {expect}\n---\nsome error\n"


def test_loader_accepts_a_good_file_and_maps_none(tmp_path):
    write(tmp_path, NONE_FOLDER, GOOD.format(expect=NONE_FOLDER))
    (item,) = load_corpus(tmp_path)
    assert item.expect is None
    assert item.text == "some error\n"


@pytest.mark.parametrize(
    ("folder", "body", "message"),
    [
        ("unregistered-task", "source: https://x/1\nexpect: unregistered-task\nerr\n", "no '---'"),
        ("unregistered-task", "expect: unregistered-task\n---\nerr\n", "missing 'source'"),
        ("unregistered-task", "source: not a url\nexpect: unregistered-task\n---\nerr\n", "URL"),
        ("unregistered-task", GOOD.format(expect="queue-not-found"), "does not match"),
        ("no-such-slug", GOOD.format(expect="no-such-slug"), "not a known slug"),
        ("unregistered-task", GOOD.format(expect="unregistered-task") + "x", None),
        ("unregistered-task", "source: https://x/1\nexpect: unregistered-task\n---\n\n", "empty"),
        (
            "unregistered-task",
            "source: https://x/1\nfoo: bar\nexpect: unregistered-task\n---\ne\n",
            "unknown header",
        ),
    ],
)
def test_loader_rejects_bad_files_naming_them(tmp_path, folder, body, message):
    write(tmp_path, folder, body)
    if message is None:
        assert load_corpus(tmp_path)[0].expect == folder
        return
    with pytest.raises(CorpusFormatError) as err:
        load_corpus(tmp_path)
    assert message in str(err.value)
    assert f"{folder}/paste.txt" in str(err.value)
