"""Top-1 accuracy of the diagnostics engine on the corpus of real pastes.

Each paste in tests/corpus/ was taken from a public issue thread. A labelled paste
counts as a hit when the engine's first match is the expected entry (at any
confidence). A ``_none`` near-miss counts as a hit when the engine does NOT answer
``high`` (``possible`` or ``none`` are honest answers for something we have no
entry for). Separately, no ``_none`` paste may get a ``high`` answer at all.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.corpus_loader import CorpusItem, load_corpus

engine = pytest.importorskip(
    "diagnostics.engine",
    reason="diagnostics.engine is not written yet; the corpus accuracy test needs diagnose(text)",
)

CORPUS_ROOT = Path(__file__).parent / "corpus"
MIN_ACCURACY = 0.90
HIGH = "high"


def confidence_name(value: object) -> str:
    """Normalise a confidence (plain string or enum) to its lower-case name."""
    raw = getattr(value, "value", value)
    return str(raw).rsplit(".", 1)[-1].lower()


def top_answer(text: str) -> tuple[str | None, str, str]:
    """Return (top slug or None, top match confidence, overall confidence)."""
    diagnosis = engine.diagnose(text)
    overall = confidence_name(diagnosis.confidence)
    if not diagnosis.matches:
        return None, "none", overall
    first = diagnosis.matches[0]
    return first.slug, confidence_name(first.confidence), overall


def is_high(top_conf: str, overall: str) -> bool:
    return HIGH in (top_conf, overall)


def is_hit(item: CorpusItem, slug: str | None, top_conf: str, overall: str) -> bool:
    if item.expect is None:
        return not is_high(top_conf, overall)
    return slug == item.expect


@pytest.fixture(scope="module")
def results(django_db_blocker):
    """Run every paste once; the DB is not needed but the KB index may be read."""
    corpus = load_corpus(CORPUS_ROOT)
    rows = []
    with django_db_blocker.unblock():
        for item in corpus:
            slug, top_conf, overall = top_answer(item.text)
            rows.append((item, slug, top_conf, overall))
    return rows


def describe(item: CorpusItem, slug: str | None, top_conf: str, overall: str) -> str:
    rel = Path(item.path.parent.name) / item.path.name
    return f"  {rel}: expected {item.label}, got {slug or '-'} ({top_conf}; overall {overall})"


def test_corpus_top1_accuracy(results, capsys):
    hits = [row for row in results if is_hit(*row)]
    misses = [row for row in results if not is_hit(*row)]
    total = len(results)
    ratio = len(hits) / total
    with capsys.disabled():
        print(f"\ncorpus top-1 accuracy: {len(hits)}/{total} = {ratio:.1%}")
        if misses:
            print(f"misses ({len(misses)}):")
            for row in misses:
                print(describe(*row))
    assert ratio >= MIN_ACCURACY, f"top-1 accuracy {ratio:.1%} < {MIN_ACCURACY:.0%}"


def test_no_near_miss_gets_a_high_answer(results):
    high = [describe(*row) for row in results if row[0].expect is None and is_high(*row[2:])]
    assert high == [], "near-misses answered with high confidence:\n" + "\n".join(high)
