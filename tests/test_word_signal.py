"""Issue 10: the learned word signal (diagnostics/words.py; `word_p`, `word_rr` and
`null_word` in signals.FEATURES / NULL_FEATURES) and its `high` gate."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from diagnostics.learned_rank import WORD_FEATURES, is_sure, load_model, wordless
from diagnostics.parsers import parse_paste
from diagnostics.signals import FEATURES, NULL_FEATURES, Candidate, paste_signals
from diagnostics.words import (
    NONE_CLASS,
    WORD_CANDIDATES,
    WordModel,
    load_words,
    paste_terms,
    read_words,
    train_words,
)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))


@pytest.fixture(scope="module")
def kb(shipped_kb):
    return shipped_kb


TOY = {
    "redis-oom": [
        "redis memory keeps growing until the container is killed",
        "used memory of redis climbs every hour and the pod is oom killed",
        "redis maxmemory reached and the worker dies",
    ],
    "heartbeat": [
        "idle connections are dropped by the load balancer after fifty seconds",
        "the worker loses its broker connection when idle for a minute",
        "haproxy closes idle connections and the worker reconnects",
    ],
}


def toy_model(**kwargs) -> WordModel:
    texts = [t for ts in TOY.values() for t in ts] + ["hello world how do i install it"] * 2
    labels = [s for s, ts in TOY.items() for _ in ts] + [None, None]
    return train_words(texts, labels, [*TOY, NONE_CLASS], **kwargs)


def test_terms_are_distinct_unigrams_and_bigrams_without_short_words_and_digits():
    terms = paste_terms("The worker at 100% memory: the worker dies", frozenset({"the"}))
    # "the" is a stop word, "at" too short, "100" a number: worker memory worker dies
    assert terms == ["worker", "memory", "worker memory", "memory worker", "dies", "worker dies"]
    assert "100" not in terms and "at" not in terms


def test_the_word_model_learns_which_words_point_at_which_class():
    model = toy_model()
    p = model.probabilities("our redis memory is growing and the pod gets killed")
    assert abs(sum(p.values()) - 1.0) < 1e-9
    assert max(p, key=p.get) == "redis-oom"
    q = model.probabilities("haproxy drops the idle connections of the worker")
    assert max(q, key=q.get) == "heartbeat"
    # words it never saw: no class gains from them, the biases decide
    assert model.probabilities("zzzz qqqq") == model.probabilities("")


def test_pruning_keeps_every_terms_idf_and_only_drops_small_weights(tmp_path):
    model = toy_model()
    stored = model.pruned(min_weight=0.05)
    assert stored.terms == model.terms
    assert np.array_equal(stored.weights == 0, np.abs(model.weights) < 0.05)
    stored.save(tmp_path / "w.npz")
    again = read_words(tmp_path / "w.npz")
    assert again.terms == stored.terms and again.classes == stored.classes
    text = "redis memory growing, pod killed"
    assert again.probabilities(text) == pytest.approx(stored.probabilities(text), abs=1e-6)


def test_training_is_deterministic():
    a, b = toy_model(iterations=50), toy_model(iterations=50)
    assert np.array_equal(a.weights, b.weights) and np.array_equal(a.bias, b.bias)


def test_the_shipped_word_model_covers_the_entries_and_reads_peoples_words(kb):
    model = load_words()
    assert model is not None, "diagnostics/word_weights.npz is missing: bench/train_ranker.py"
    entries = {s for s, e in kb.entries.items() if e.kind == "entry"}
    assert set(model.classes) == entries | {NONE_CLASS}
    # a description with no error text in it (the ceiling's reader case, bench/ceiling.py)
    p = model.probabilities(
        "Our worker's memory keeps climbing for hours until the container gets killed "
        "by the kernel and the task it was running never finishes"
    )
    ranked = sorted((s for s in p if s != NONE_CLASS), key=lambda s: -p[s])
    assert "worker-lost-oom" in ranked[:WORD_CANDIDATES], ranked[:5]


def test_the_word_models_first_entries_become_candidates_with_their_features(kb):
    signals = paste_signals(
        kb, parse_paste("the workers memory keeps growing until the pod is killed"), [], []
    )
    model = load_words()
    p = model.probabilities(signals.text)
    first = sorted((s for s in p if s != NONE_CLASS), key=lambda s: (-p[s], s))
    assert set(first[:WORD_CANDIDATES]) <= set(signals.candidates)
    at = FEATURES.index("word_p")
    features = signals.features(first[0])
    assert features[at] == pytest.approx(p[first[0]])
    assert features[FEATURES.index("word_rr")] == 1.0
    assert signals.null_features()[NULL_FEATURES.index("null_word")] == pytest.approx(p[NONE_CLASS])
    # without the signal, none of it
    off = paste_signals(
        kb,
        parse_paste("the workers memory keeps growing until the pod is killed"),
        [],
        [],
        words=None,
    )
    assert all(c.word_p == 0 and c.word_rank == 0 for c in off.candidates.values())


def test_the_high_gate_drops_only_the_word_weights():
    model = load_model()
    assert model is not None
    gated = wordless(model.weights)
    assert {FEATURES.index("word_p"), FEATURES.index("word_rr")} < WORD_FEATURES
    assert all(gated[i] == 0.0 for i in WORD_FEATURES)
    assert [w for i, w in enumerate(gated) if i not in WORD_FEATURES] == [
        w for i, w in enumerate(model.weights) if i not in WORD_FEATURES
    ]


def test_an_answer_the_words_chose_is_not_high():
    top = Candidate("x")
    assert is_sure(top, 0.999, 0.99, None, lambda: True)
    assert not is_sure(top, 0.999, 0.99, None, lambda: False)
    assert is_sure(top, 0.999, 0.99, None, None)  # no gate known
    assert not is_sure(top, 0.98, 0.99, None, lambda: True)


def test_the_word_check_tolerates_pruning_edges_but_not_a_real_change():
    from train_ranker import same_words

    model = toy_model(iterations=50).pruned(min_weight=0.01)
    model.weights[0, 0] = 0.0  # a weight the pruning dropped
    twin = WordModel(
        model.classes, model.terms, model.idf.copy(), model.weights.copy(), model.bias.copy()
    )
    assert same_words(model, twin)
    row, col = 0, 0
    twin.weights[row, col] = 0.01  # at the edge: kept on one side, dropped on the other
    assert same_words(model, twin)
    twin.weights[row, col] = 0.5
    assert not same_words(model, twin)
    assert not same_words(model, None)
