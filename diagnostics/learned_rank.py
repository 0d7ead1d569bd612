"""Learned ranking: the signals of diagnostics/signals.py → probabilities → confidence.

    >>> ranking = rank_paste(kb, parsed, hits, findings)
    >>> ranking.confidence, ranking.items[0].slug, ranking.items[0].score
    ('high', 'quorum-queue-global-qos', 0.998)

`rank_paste` is what diagnostics/engine.py calls (its one ranking call). Without
trained weights (no `ranker_weights.json`, or one written for other features)
it runs the single-signal ranking of diagnostics/ranking.py instead.

The model is a conditional logit (multinomial logistic regression over the
candidates of one paste): each candidate entry has utility `w · features` plus its
own intercept (`entry_priors`, strongly L2-regularised; 0 for an entry without one), a
"no entry fits" alternative has utility `v · null_features`, and a softmax over
them gives each entry's probability of being the answer. `w`, `v`, the
regularisation strength and the `high` threshold are all fitted by
`bench/train_ranker.py` on tests/corpus and the spent held-out sets with
cross-validation and stored in `diagnostics/ranker_weights.json`; nothing here is hand-set.

Confidence: the first entry is `high` when its probability reaches the
trained `high_threshold` (the lowest value at which the cross-validated answers to the
real pastes, not the entries' examples, that the gates of `is_sure` allow are right
>= 99.5%) and exceeds the entry's own threshold,
if it has one (the highest cross-validated probability at which an answer naming it was
wrong), and `is_sure`'s gates pass (among them: the answer reaches the threshold without the
setting signal's part too, and is the first without the word signal's); other entries are `possible`. When the "no
entry fits" alternative is the most probable, the paste gets `none` (and the
engine adds full-text search results), unless the top entry has precise
(signature or rule) evidence, which is shown as `possible`.

Inference is plain Python + numpy on the JSON weights; training needs nothing
more (Newton's method on the regularised log-likelihood).
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from diagnostics.ranking import WORDING, RankedEntry, Ranking, merge_by_line, rank_entries
from diagnostics.redact import redact_text
from diagnostics.signals import (
    FEATURES,
    NULL_FEATURES,
    SIGNAL_KINDS,
    PasteSignals,
    paste_signals,
)

WEIGHTS_PATH = Path(__file__).with_name("ranker_weights.json")
MAX_MATCHES = 5
MIN_PROBABILITY = 0.02  # below this an entry is not worth listing (also stored in the JSON)
# a `none` answer's candidates passed on to lead its search results (Ranking.closest)
CLOSEST = 3
# ...unless its own evidence is strong: a signature of at least this weight (the weight at
# which a hit on a context line counts too, signals.CONTEXT_MAX_WEIGHT) or an error-level
# rule finding. The probabilities answer "which entry is this paste about", so in a paste
# with three distinct errors the other two fell below 0.02 and were not shown at all;
# every cause with evidence is listed (issue 10, "several causes in one paste").
STRONG_SIGNATURE = 0.8
STRONG_RULE = 0.9
_lock = threading.Lock()
_cache: dict[str, Any] = {}


@dataclass
class RankerModel:
    weights: list[float]  # len(FEATURES) + len(NULL_FEATURES)
    high_threshold: float
    min_probability: float = MIN_PROBABILITY
    signals: tuple[str, ...] = SIGNAL_KINDS
    meta: dict[str, Any] | None = None
    entry_high_thresholds: dict[str, float] = field(default_factory=dict)
    # per-entry intercept, added to the entry's utility (0 for an entry without one)
    entry_priors: dict[str, float] = field(default_factory=dict)

    def threshold_for(self, slug: str) -> float:
        """The probability at which `slug` as the first answer is `high`."""
        return max(self.high_threshold, self.entry_high_thresholds.get(slug, 0.0))

    def utilities(
        self, signals: PasteSignals, *, setting: bool = True, words: bool = True
    ) -> tuple[list[str], list[float], float]:
        n = len(FEATURES)
        slugs = list(signals.candidates)
        weights = self.weights if setting else unlifted(self.weights)
        weights = weights if words else wordless(weights)
        w, v = weights[:n], weights[n:]
        priors = self.entry_priors
        utilities = [
            sum(a * b for a, b in zip(w, signals.features(s), strict=False)) + priors.get(s, 0.0)
            for s in slugs
        ]
        null = sum(a * b for a, b in zip(v, signals.null_features(), strict=False))
        return slugs, utilities, null

    def probabilities(
        self, signals: PasteSignals, *, setting: bool = True, words: bool = True
    ) -> tuple[list[tuple[str, float]], float]:
        """Candidates with their probability (best first) and the null alternative's
        (`setting=False`, `words=False`: without the setting signal's or the word signal's
        part, for the `high` gate)."""
        slugs, utilities, null = self.utilities(signals, setting=setting, words=words)
        top = max([null, *utilities])
        exps = [math.exp(u - top) for u in utilities]
        null_exp = math.exp(null - top)
        total = sum(exps) + null_exp
        ranked = sorted(
            ((s, e / total) for s, e in zip(slugs, exps, strict=False)), key=lambda p: (-p[1], p[0])
        )
        return ranked, null_exp / total

    def to_json(self) -> dict[str, Any]:
        return {
            "model": "conditional-logit",
            "features": list(FEATURES),
            "null_features": list(NULL_FEATURES),
            "weights": [round(x, 6) for x in self.weights],
            # rounded up: a rounded-down threshold could let the next (wrong) answer through
            "high_threshold": math.ceil(self.high_threshold * 1e6) / 1e6,
            "entry_high_thresholds": dict(sorted(self.entry_high_thresholds.items())),
            **(
                {"entry_priors": {k: round(v, 6) for k, v in sorted(self.entry_priors.items())}}
                if self.entry_priors
                else {}
            ),
            "min_probability": self.min_probability,
            "signals": list(self.signals),
            **(self.meta or {}),
        }


def load_model(path: Path = WEIGHTS_PATH) -> RankerModel | None:
    """The trained model, or None when no weights file exists (then the old ranking runs)."""
    key = str(path)
    with _lock:
        if key in _cache:
            return _cache[key]
        model = None
        if path.exists():
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("features") == list(FEATURES) and data.get("null_features") == list(
                NULL_FEATURES
            ):
                model = RankerModel(
                    weights=[float(x) for x in data["weights"]],
                    high_threshold=float(data["high_threshold"]),
                    min_probability=float(data.get("min_probability", MIN_PROBABILITY)),
                    signals=tuple(data.get("signals", SIGNAL_KINDS)),
                    meta={k: data[k] for k in ("trained", "cv") if k in data},
                    entry_high_thresholds={
                        k: float(v) for k, v in data.get("entry_high_thresholds", {}).items()
                    },
                    entry_priors={k: float(v) for k, v in data.get("entry_priors", {}).items()},
                )
        _cache[key] = model
        return model


def rank_paste(
    kb: Any, parsed: Any, hits: list[Any], findings: list[Any], *, model: RankerModel | None = None
) -> Ranking:
    """Candidates ranked by learned probability, with evidence and a calibrated confidence."""
    model = model or load_model()
    if model is None:  # no trained weights: the single-signal ranking
        return rank_entries(kb, hits, findings, parsed.lines)
    signals = paste_signals(kb, parsed, hits, findings, use=frozenset(model.signals))
    return ranking_from(signals, model)


def ranking_from(signals: PasteSignals, model: RankerModel) -> Ranking:
    everything, null = model.probabilities(signals)
    ranked = listed(everything, signals.candidates, model.min_probability)
    closest = everything[:CLOSEST]
    if not ranked:
        return Ranking("none", [], learned=True, closest=closest)
    top_slug, top_p = ranked[0]
    top = signals.candidates[top_slug]
    if null > top_p and not top.precise:
        return Ranking("none", [], learned=True, closest=closest)
    sure = is_sure(
        top,
        top_p,
        model.threshold_for(top_slug),
        lambda: dict(model.probabilities(signals, setting=False)[0]).get(top_slug, 0.0),
        lambda: model.probabilities(signals, words=False)[0][0][0] == top_slug,
    )
    overall = "high" if sure else "possible"
    items = []
    for position, (slug, probability) in enumerate(ranked):
        c = signals.candidates[slug]
        item = RankedEntry(slug, weights=list(c.weights), facts=dict(c.facts))
        item.score = probability
        item.evidence = _evidence(c, signals)
        item.confidence = "high" if position == 0 and overall == "high" else "possible"
        items.append(item)
    return Ranking(overall, items, learned=True)


def listed(
    ranked: list[tuple[str, float]], candidates: dict[str, Any], min_probability: float
) -> list[tuple[str, float]]:
    """The matches shown, best first: the entries at `min_probability` or more, then (when
    there is a first match) those below it whose own evidence is strong, by probability; at
    most MAX_MATCHES. The order stays the model's, so the first match, `none` and `high`
    are decided as without the strong ones (bench/qualitylib mirrors this)."""
    shown = [(s, p) for s, p in ranked if p >= min_probability]
    if shown:
        shown += [(s, p) for s, p in ranked if p < min_probability and strong(candidates[s])]
    return shown[:MAX_MATCHES]


def strong(c: Any) -> bool:
    """A candidate (signals.Candidate) whose own evidence names its problem: a signature
    of weight STRONG_SIGNATURE or more, or an error-level rule finding."""
    return c.sig_max >= STRONG_SIGNATURE or c.rule >= STRONG_RULE


def is_sure(
    top: Any,
    probability: float,
    needed: float,
    without_setting: Callable[[], float] | None,
    first_without_words: Callable[[], bool] | None = None,
) -> bool:
    """Whether the first entry (`top`, a Candidate) is `high`: its probability reaches
    `needed`, the paste has no exception its evidence leaves unexplained (two problems in
    one paste: never sure which one is asked about), its evidence is not only errors quoted
    in someone's sentences (signals.in_sentence: "I get "NOAUTH Authentication required"
    when I set a password" is how near-misses with another cause read, more often than the
    software's own log line or traceback does), when the setting signal
    counted for it, it reaches `needed` without that signal's part too (the settings a
    paste sets say what it is about, not that its problem happened), and it is the first
    entry without the word signal's part too (diagnostics/words.py: the words people use for
    a problem may make the evidence's answer surer, but never choose the `high` answer).
    `without_setting` gives that probability, `first_without_words` that answer, when asked
    (None: not known, no gate). ranking_from and bench/qualitylib.answer_from both decide
    with this."""
    # below `needed` already: the gates (each a second pass over the candidates) can only
    # lower it
    if probability < needed:
        return False
    return sure_up_to(top, probability, without_setting, first_without_words) >= needed


def sure_up_to(
    top: Any,
    probability: float,
    without_setting: Callable[[], float] | None,
    first_without_words: Callable[[], bool] | None = None,
) -> float:
    """The highest threshold at which this answer is `high` (is_sure's gates; 0.0: never).
    bench/train_ranker.py chooses the threshold over these values, so an answer the gates
    keep at `possible` whatever its probability does not raise the threshold for others."""
    if top.leaves_exception or top.only_quoted:
        return 0.0
    if top.setting > 0 and without_setting is not None:
        probability = min(probability, without_setting())
    if first_without_words is not None and not first_without_words():
        return 0.0
    return probability


def _evidence(c: Any, signals: PasteSignals) -> list[dict[str, Any]]:
    evidence = merge_by_line(list(c.evidence))[:8]
    if evidence:
        return evidence
    first = next((line for line in signals.text.splitlines() if line.strip()), "")
    ranks = [
        f"{name} rank {rank}"
        for name, rank in (
            ("BM25", c.bm25_rank),
            ("semantic", c.cos_rank),
            ("word model", c.word_rank),
        )
        if rank
    ]
    return [
        {
            "line": None,
            "text": redact_text(first)[:300],
            "source": WORDING,
            "signature": "similar wording to the entry's symptom and cause"
            + (f" ({', '.join(ranks)})" if ranks else ""),
        }
    ]


# --- training (bench/train_ranker.py) ---------------------------------------


def design(
    signals: PasteSignals, expect: str | None, priors: dict[str, int] | None = None
) -> tuple[list[list[float]], int, list[str]]:
    """Rows of one paste's alternatives (candidates, then null) and the index of the right one.
    `priors` (slug -> column): one indicator column per entry after the features, whose
    weights are the entries' intercepts (`entry_priors`)."""
    n, m = len(FEATURES), len(NULL_FEATURES)
    k = len(priors or {})
    slugs = list(signals.candidates)
    rows = []
    for s in slugs:
        onehot = [0.0] * k
        if priors and s in priors:
            onehot[priors[s]] = 1.0
        rows.append(signals.features(s) + [0.0] * m + onehot)
    rows.append([0.0] * n + signals.null_features() + [0.0] * k)
    target = slugs.index(expect) if expect in signals.candidates else len(slugs)
    return rows, target, slugs


def fit(
    groups: list[tuple[Any, ...]],
    l2: float,
    iterations: int = 100,
    dim: int | None = None,
    prior_l2: float | None = None,
) -> list[float]:
    """Newton's method on the L2-regularised conditional-logit log-likelihood.

    A group is (rows, target) or (rows, target, weight): a weight counts the paste
    that many times. `dim`: the rows' width, the ranker's features by default (the /search
    fusion of bench/search_fusion.py fits its own four). `prior_l2`: the L2 strength of
    the columns after the features (the entries' intercepts, `design(priors=...)`);
    the rows' width is then read from the groups.

    Each step is damped by backtracking (halved until the objective decreases): a
    full Newton step overshoots when some pastes are almost separable, and then
    the iteration diverges.
    """
    import numpy as np

    base = dim or len(FEATURES) + len(NULL_FEATURES)
    data = [(np.asarray(g[0], dtype=float), g[1], g[2] if len(g) > 2 else 1.0) for g in groups]
    dim = data[0][0].shape[1] if prior_l2 is not None and data else base
    penalty = np.full(dim, float(l2))
    penalty[base:] = prior_l2 if prior_l2 is not None else l2

    def objective(w: Any) -> float:
        total = 0.5 * float(w @ (penalty * w))
        for x, target, weight in data:
            u = x @ w
            top = u.max()
            total += weight * (top + math.log(float(np.exp(u - top).sum())) - u[target])
        return total

    w = np.zeros(dim)
    current = objective(w)
    for _ in range(iterations):
        grad = penalty * w
        hess = np.diag(penalty)
        for x, target, weight in data:
            u = x @ w
            p = np.exp(u - u.max())
            p /= p.sum()
            mean = p @ x
            grad += weight * (mean - x[target])
            hess += weight * ((x * p[:, None]).T @ x - np.outer(mean, mean))
        step = np.linalg.solve(hess, grad)
        scale = 1.0
        while scale > 1e-6:
            candidate = w - scale * step
            value = objective(candidate)
            if value <= current:
                break
            scale /= 2
        else:
            break
        w, current = candidate, value
        if np.abs(scale * step).max() < 1e-8:
            break
    return [float(x) for x in w]


SETTING_FEATURE = FEATURES.index("setting")


WORD_FEATURES = frozenset(
    [FEATURES.index("word_p"), FEATURES.index("word_rr")]
    + [len(FEATURES) + NULL_FEATURES.index("null_word")]
)


def unlifted(weights: list[float]) -> list[float]:
    """The weights without the setting signal's (the `high` gate's second opinion)."""
    return [0.0 if i == SETTING_FEATURE else w for i, w in enumerate(weights)]


def wordless(weights: list[float]) -> list[float]:
    """The weights without the word signal's (the `high` gate's third opinion)."""
    return [0.0 if i in WORD_FEATURES else w for i, w in enumerate(weights)]


def predict(weights: list[float], rows: list[list[float]]) -> list[float]:
    utilities = [sum(a * b for a, b in zip(weights, row, strict=False)) for row in rows]
    top = max(utilities)
    exps = [math.exp(u - top) for u in utilities]
    total = sum(exps)
    return [e / total for e in exps]


def high_threshold(pairs: list[tuple[float, bool]], precision: float = 0.99) -> float:
    """Lowest probability t such that the answers at >= t are right at least `precision`
    of the time (pairs: (top probability, right?)); 1.01 if there is none."""
    ordered = sorted(pairs, key=lambda p: -p[0])
    best = 1.01
    right = 0
    for count, (probability, ok) in enumerate(ordered, start=1):
        right += ok
        boundary = count == len(ordered) or ordered[count][0] < probability
        if boundary and right / count >= precision:
            best = probability
    return best


def entry_thresholds(answers: list[tuple[str, float, bool]], threshold: float) -> dict[str, float]:
    """Per entry, the probability its answers must exceed to be `high`, where that is above
    `threshold`: the highest cross-validated probability at which an answer naming the entry
    was wrong (answers: (slug, probability, right?)). An entry whose evidence has been seen
    on a paste it does not fit is not `high` at that strength again."""
    caps: dict[str, float] = {}
    for slug, probability, ok in answers:
        if not ok and probability >= threshold:
            caps[slug] = max(caps.get(slug, 0.0), probability)
    # strictly above the wrong answer; rounded up so the JSON never lets it through
    return {slug: math.ceil(p * 1e6 + 1) / 1e6 for slug, p in sorted(caps.items())}
