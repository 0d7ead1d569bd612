"""The learned word signal (issue 10, thirteenth session): which entry a paste's words point
to, learned from labelled pastes and from users' reports written for each entry.

    >>> model = load_words()
    >>> model.probabilities("redis worker memory keeps growing until it is killed")
    {'redis-oom-maxmemory': 0.41, ..., '_none': 0.03}

A multinomial logistic regression over the unigrams and bigrams of the paste's informative
text (`signals.informative_text`, folded as the BM25 query is): one class per entry and one
for "no entry fits"; each term's feature is its idf, the vector L2-normalised per paste.
It reads the words people use for a problem, where BM25 and the embedding read the entry's
own words: the two descriptions a careful reader matches ("the worker's memory keeps
climbing", "idle connections dropped after 50 s") and fragments of an error text quoted in
prose (bench/ceiling.py, docs/ranking.md "Thirteenth session").

Trained by `bench/train_ranker.py` (numpy only: Nesterov's accelerated gradient with the
step 1/L, deterministic) on the ranker's training pastes, the entries' examples and
counter-examples, `bench/data/synthetic_reports/` (30 reports per entry, and 20 more in `second/`, written from
the entry alone), and each entry's own title, summary, symptom phrases and foreign keywords
(`bench/qualitylib.entry_texts`); stored in `diagnostics/word_weights.npz`. The ranker reads three of its
values (signals.FEATURES `word_p`, `word_rr`; NULL_FEATURES `null_word`), and its first
WORD_CANDIDATES entries become candidates. Its weights for the ranker's training rows come
from a word model trained without their fold (stacking), so the ranker learns how far the
word signal can be trusted on a paste it has not seen. The `high` gate
(learned_rank.sure_up_to) also asks the answer to be `high` without the word features:
words say what a paste is about, not that its problem happened.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kb.textindex import WORD_PIECES, fold_for_signals

WORDS_PATH = Path(__file__).with_name("word_weights.npz")
NONE_CLASS = "_none"
WORD_CANDIDATES = 3  # the word model's first entries that become candidates
WORD_RANKS = 5  # word_rr: 1 / rank among the word model's first five entries, else 0
MAX_TERMS = 400  # distinct unigrams + bigrams read per text (the text is <= 2,000 chars)
MIN_DF = 2  # a term in fewer training texts than this is not in the vocabulary
# the word model alone, out of fold over the training pastes (ninth session): l2 3 → top-1
# 0.266, 0.3 → 0.673, 0.1 → 0.714, 0.03 → 0.744; 0.1 with the ranker (docs/ranking.md)
WORDS_L2 = 0.1
ITERATIONS = 300
# a weight below this is stored as 0 (measured: the stored model's answers against the
# unpruned one, docs/ranking.md)
MIN_WEIGHT = 0.01
_lock = threading.Lock()
_cache: dict[str, Any] = {}


def _is_cjk(term: str) -> bool:
    return any(ord(ch) > 0x2E7F for ch in term)


def paste_terms(text: str, stop: frozenset[str] = frozenset()) -> list[str]:
    """Distinct unigrams and bigrams of `text` (folded as the paste's BM25 query is), in
    order; words of fewer than three letters (but CJK), digits and `stop` words left out."""
    words = [
        w
        for w in WORD_PIECES.findall(fold_for_signals(text).lower())
        if (len(w) >= 3 or _is_cjk(w)) and w not in stop and not w.isdigit()
    ]
    seen: set[str] = set()
    out: list[str] = []
    for i, word in enumerate(words):
        for term in (word, f"{words[i - 1]} {word}" if i else None):
            if term is not None and term not in seen:
                seen.add(term)
                out.append(term)
                if len(out) >= MAX_TERMS:
                    return out
    return out


@dataclass
class WordModel:
    classes: list[str]  # entry slugs, then NONE_CLASS
    terms: list[str]  # the vocabulary
    idf: Any  # numpy float32 array, one per term
    weights: Any  # numpy float32 array, terms x classes
    bias: Any  # numpy float32 array, one per class
    stop: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        self.index = {t: i for i, t in enumerate(self.terms)}

    def probabilities(self, text: str) -> dict[str, float]:
        """Every class's probability for `text` (they sum to 1)."""
        import numpy as np

        rows = [self.index[t] for t in paste_terms(text, self.stop) if t in self.index]
        scores = np.array(self.bias, dtype=np.float64)
        if rows:
            x = self.idf[rows].astype(np.float64)
            x /= math.sqrt(float(x @ x)) or 1.0
            scores += x @ self.weights[rows].astype(np.float64)
        scores -= scores.max()
        p = np.exp(scores)
        p /= p.sum()
        return {c: float(v) for c, v in zip(self.classes, p, strict=True)}

    def pruned(self, min_weight: float = MIN_WEIGHT) -> WordModel:
        """The model as stored: weights below `min_weight` set to 0 (they compress to
        nothing), float32. Every term stays: its idf counts in the paste's norm."""
        import numpy as np

        w = np.asarray(self.weights, dtype=np.float32)
        w = np.where(np.abs(w) >= min_weight, w, 0.0).astype(np.float32)
        idf = np.asarray(self.idf, dtype=np.float32)
        bias = np.asarray(self.bias, dtype=np.float32)
        return WordModel(list(self.classes), list(self.terms), idf, w, bias, self.stop)

    def save(self, path: Path) -> None:
        import numpy as np

        with path.open("wb") as handle:
            np.savez_compressed(
                handle,
                classes=np.array(self.classes),
                terms=np.array(self.terms),
                idf=np.asarray(self.idf, np.float32),
                weights=np.asarray(self.weights, np.float32),
                bias=np.asarray(self.bias, np.float32),
                stop=np.array(sorted(self.stop)),
            )


def read_words(path: Path) -> WordModel:
    import numpy as np

    with np.load(path, allow_pickle=False) as data:
        return WordModel(
            [str(c) for c in data["classes"]],
            [str(t) for t in data["terms"]],
            data["idf"],
            data["weights"],
            data["bias"],
            frozenset(str(s) for s in data["stop"]),
        )


def load_words(path: Path = WORDS_PATH) -> WordModel | None:
    """The shipped word model, or None when there is none (the ranker then runs without it)."""
    key = str(path)
    with _lock:
        if key not in _cache:
            _cache[key] = read_words(path) if path.exists() else None
        return _cache[key]


def train_words(
    texts: list[str],
    labels: list[str | None],
    classes: list[str],
    *,
    sample_weights: list[float] | None = None,
    stop: frozenset[str] = frozenset(),
    l2: float = WORDS_L2,
    iterations: int = ITERATIONS,
) -> WordModel:
    """Multinomial logistic regression, L2-regularised (the bias too), by Nesterov's
    accelerated gradient with the step 1/L (L bounds the Hessian: deterministic, no line
    search). `labels`: a slug of `classes`, or None for "no entry fits" (NONE_CLASS, which
    `classes` ends with)."""
    import numpy as np

    docs = [paste_terms(t, stop) for t in texts]
    df: dict[str, int] = {}
    for terms in docs:
        for t in terms:
            df[t] = df.get(t, 0) + 1
    vocab = sorted(t for t, n in df.items() if n >= MIN_DF)
    index = {t: i for i, t in enumerate(vocab)}
    n_docs = len(docs)
    idf = np.array([math.log((1 + n_docs) / (1 + df[t])) + 1.0 for t in vocab])
    # the text-by-term matrix, sparse: rows sorted for X @ w, columns sorted for X' @ g
    rows_of: list[int] = []
    cols_of: list[int] = []
    vals_of: list[float] = []
    for row, terms in enumerate(docs):
        cols = [index[t] for t in terms if t in index]
        if cols:
            values = idf[cols]
            rows_of += [row] * len(cols)
            cols_of += cols
            vals_of += list(values / np.linalg.norm(values))
    # the bias as one more column, 1 in every row (so every row and column has an entry)
    rows_of += list(range(n_docs))
    cols_of += [len(vocab)] * n_docs
    vals_of += [1.0] * n_docs
    r_idx, c_idx, vals = np.array(rows_of), np.array(cols_of), np.array(vals_of)
    width = len(vocab) + 1
    by_row = np.lexsort((c_idx, r_idx))
    row_starts = np.searchsorted(r_idx[by_row], np.arange(n_docs))
    by_col = np.lexsort((r_idx, c_idx))
    col_starts = np.searchsorted(c_idx[by_col], np.arange(width))

    def times(w: Any) -> Any:  # X @ w
        return np.add.reduceat(vals[by_row, None] * w[c_idx[by_row]], row_starts)

    def times_t(g: Any) -> Any:  # X' @ g
        return np.add.reduceat(vals[by_col, None] * g[r_idx[by_col]], col_starts)

    class_index = {c: k for k, c in enumerate(classes)}
    y = np.array([class_index[label or NONE_CLASS] for label in labels])
    s = np.ones(n_docs) if sample_weights is None else np.asarray(sample_weights, dtype=float)
    onehot = np.zeros((n_docs, len(classes)))
    onehot[np.arange(n_docs), y] = 1.0
    # Lipschitz constant of the gradient: 0.5 x the largest eigenvalue of X' S X, plus l2
    v = np.ones((width, 1)) / math.sqrt(width)
    for _ in range(50):
        v = times_t(s[:, None] * times(v))
        v /= np.linalg.norm(v)
    lipschitz = 0.5 * float((v * times_t(s[:, None] * times(v))).sum()) + l2
    step = 1.0 / lipschitz
    w = np.zeros((width, len(classes)))
    previous = w
    for t in range(1, iterations + 1):
        look = w + (t - 2) / (t + 1) * (w - previous) if t > 1 else w
        u = times(look)
        u -= u.max(axis=1, keepdims=True)
        p = np.exp(u)
        p /= p.sum(axis=1, keepdims=True)
        grad = times_t(s[:, None] * (p - onehot)) + l2 * look
        previous, w = w, look - step * grad
    return WordModel(list(classes), vocab, idf, w[:-1], w[-1], stop)
