"""Top-1 accuracy of the diagnostics engine on the corpus of real pastes.

Each paste in tests/corpus/ was taken from a public issue thread. A labelled paste
counts as a hit when the engine's first match is the expected entry (at any
confidence; the figures are also printed per confidence level). A ``_none``
near-miss counts as a hit only when NO match, at any position, is ``high``
(``possible`` or ``none`` are honest answers for something we have no entry for).

The learned ranker (diagnostics/learned_rank.py) was trained on this corpus, so
the in-sample figure below is near its ceiling: the floor sits at the measured
figure so that a single regression shows. Out-of-fold (cross-validated) figures
come from `bench/quality.py --set corpus`. After adding pastes or entries,
retrain (`bench/train_ranker.py`) and re-measure these floors.
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
# Measured in-sample with the committed ranker (54 entries, 556 pastes; fifth session:
# config rules, the setting signal, null_config at l2 0.3, prose and error-text signatures):
# 505/556 (90.8%); out-of-fold (bench/quality.py --set corpus) 0.906. The floors sit at the
# measured figures. Sixth session (trained with the spent sets too; 78 pastes from other
# clients and languages added, 634 in all): 578/634, out-of-fold 0.910. Eighth session (two
# rpc:// pastes relabelled from _none; the training's grid now picks l2 0.3, a tie with 0.1 in
# out-of-fold log-likelihood): 577/634.
# Thirteenth session (the word signal, which has read these pastes: in-sample): 625/639.
# Fourteenth session (no BM25 features, the second batch of users' reports): 630/639.
# Fifteenth session (heldout8..11 train the ranker and the word model too): 632/639.
# Sixteenth session (heldout12..14 too): 635/639. Seventeenth (heldout15..16 too, l2 3.0):
# 632/639. Eighteenth (heldout17 too): 632/639.
MIN_ACCURACY = 632 / 639
# `high` answers measured: 315/634 (out-of-fold 0.495; sixth session, trained on the corpus
# and the spent sets heldout3..7, threshold 0.9900); every one right. Seventh session, the
# threshold chosen over the real pastes only (0.9967 after its config rules): 202/634, every
# one right. Eighth session (threshold 0.9965, l2 0.3): 205/634.
# Thirteenth session (the word signal, threshold 0.9924): 304/639.
# Fourteenth session (no BM25 features, threshold 0.9940): 291/639.
# Fifteenth session (heldout8..11 in training, threshold 0.9940; sentence-only evidence is
# never `high`): 221/639.
# Sixteenth session (heldout12..14 train the ranker too, threshold 0.9930): 216/639.
# Seventeenth session (heldout15..16 too, threshold 0.9948): 208/639.
# Eighteenth session (heldout17 too, threshold 0.9952): 199/639.
# Twenty-first session (heldout18 too, counter-examples weighted in the word model): 197/639.
# Twenty-fourth session (MySQL's missing-table error weighs like PostgreSQL's; the retrain
# leaves celery 3689's garbled protocol-2 headers just under the threshold): 196/639.
MIN_HIGH_SHARE = 196 / 639
HIGH = "high"


def confidence_name(value: object) -> str:
    """Normalise a confidence (plain string or enum) to its lower-case name."""
    raw = getattr(value, "value", value)
    return str(raw).rsplit(".", 1)[-1].lower()


def top_answer(text: str) -> tuple[str | None, str, str]:
    """Return (top slug or None, top match confidence, overall confidence).

    The overall confidence is ``high`` whenever ANY match is ``high`` (a near-miss
    answered with a high second match is as wrong as one with a high first match).
    """
    diagnosis = engine.diagnose(text)
    overall = confidence_name(diagnosis.confidence)
    if any(confidence_name(m.confidence) == HIGH for m in diagnosis.matches):
        overall = HIGH
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


def per_confidence(rows: list[tuple]) -> str:
    """`level: answers (hits)` for each confidence of the first match."""
    parts = []
    for level in ("high", "possible", "none"):
        group = [row for row in rows if row[2] == level]
        parts.append(f"{level}: {len(group)} ({sum(is_hit(*row) for row in group)} right)")
    return "; ".join(parts)


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
        print(f"by confidence: {per_confidence(results)}")
        if misses:
            print(f"misses ({len(misses)}):")
            for row in misses:
                print(describe(*row))
    assert ratio >= MIN_ACCURACY, f"top-1 accuracy {ratio:.1%} < {MIN_ACCURACY:.0%}"


def test_no_near_miss_gets_a_high_answer(results):
    nones = [row for row in results if row[0].expect is None]
    assert len(nones) >= 10, "the corpus needs near-misses for this check to mean anything"
    high = [describe(*row) for row in nones if is_high(*row[2:])]
    assert high == [], "near-misses answered with high confidence:\n" + "\n".join(high)


def test_enough_high_answers_and_all_right(results):
    """`high` must stay reachable: an engine that never says `high` fails here."""
    high = [row for row in results if is_high(*row[2:])]
    wrong = [describe(*row) for row in high if row[0].expect != row[1]]
    assert wrong == []
    assert len(high) / len(results) >= MIN_HIGH_SHARE, f"only {len(high)} high answers"
