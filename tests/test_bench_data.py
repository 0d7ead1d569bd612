"""The measurement data under bench/data/ stays readable by its scripts.

`bench/data/ceiling_heldout12.tsv` (bench/ceiling.py) must answer for exactly the pastes of
tests/heldout12 with labels the KB knows; `bench/data/synthetic_reports/` (bench/
words_experiment.py --reports) must name entries that exist. A renamed entry or a moved paste
fails here instead of silently shrinking a figure.
"""

from __future__ import annotations

import csv
from pathlib import Path

import yaml

from tests.corpus_loader import load_corpus

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
SLUGS = {
    p.stem for p in (ROOT / "content" / "entries").glob("*.md") if not p.name.endswith(".ko.md")
}


def test_ceiling_answers_cover_heldout12_with_known_labels():
    with (DATA / "ceiling_heldout12.tsv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    paths = [row["path"] for row in rows]
    pastes = [
        item.path.relative_to(ROOT / "tests").as_posix()
        for item in load_corpus(ROOT / "tests" / "heldout12")
    ]
    assert sorted(paths) == sorted(pastes)
    for row in rows:
        for column in ("first", "second", "third"):
            assert row[column] in SLUGS | {"_none"}, row
        assert row["confidence"] in {"high", "medium", "low"}, row


def test_synthetic_reports_name_existing_entries():
    files = sorted((DATA / "synthetic_reports").glob("*.yaml"))
    assert files
    for path in files:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert data["slug"] == path.stem and path.stem in SLUGS, path.name
        reports = data["reports"]
        assert len(reports) == 30 and all(isinstance(r, str) and r.strip() for r in reports)
        assert len(set(reports)) == len(reports), path.name


def test_second_batch_of_reports_names_existing_entries_and_repeats_none():
    first = {
        str(r)
        for path in (DATA / "synthetic_reports").glob("*.yaml")
        for r in yaml.safe_load(path.read_text(encoding="utf-8"))["reports"]
    }
    files = sorted((DATA / "synthetic_reports" / "second").glob("*.yaml"))
    assert {path.stem for path in files} == {
        path.stem for path in (DATA / "synthetic_reports").glob("*.yaml")
    }
    for path in files:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert data["slug"] == path.stem and path.stem in SLUGS, path.name
        reports = [str(r) for r in data["reports"]]
        assert len(reports) == 20 and all(r.strip() for r in reports), path.name
        assert len(set(reports)) == len(reports) and not first & set(reports), path.name


def test_weights_check_ignores_only_float_noise():
    """`bench/train_ranker.py --check` (run by `make test`): a weight on the other side of its
    sixth decimal is the same model; any other difference is a stale file."""
    import sys

    sys.path.insert(0, str(ROOT / "bench"))
    from train_ranker import same_up_to_rounding

    committed = {"weights": [2.18559, -0.5], "high_threshold": 0.994, "signals": ["bm25"]}
    assert same_up_to_rounding(committed, {**committed, "weights": [2.185591, -0.5]})
    assert not same_up_to_rounding(committed, {**committed, "weights": [2.1857, -0.5]})
    assert not same_up_to_rounding(committed, {**committed, "weights": [2.18559]})
    assert not same_up_to_rounding(committed, {**committed, "signals": ["cosine"]})
    assert not same_up_to_rounding(committed, {**committed, "extra": 1})
    assert not same_up_to_rounding(committed, None)
