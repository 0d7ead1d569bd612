"""Semantic vectors: a small embedding model that ships inside a package.

    >>> model = get_model()                       # None when the package is absent
    >>> model.embed(["queue declared with other arguments"]).shape
    (1, 256)

The model is WordLlama (`wordllama` 0.4.0.post1, MIT): a token-embedding table
distilled from a large language model, 256 dimensions, average-pooled. Its
weights (`l2_supercat_256.safetensors`, 16 MB) and tokenizer file are inside the
wheel; we open them from the package directory ourselves because the package's
own `WordLlama.load()` looks for the tokenizer in a folder that does not exist
(`tokenizer/` instead of `tokenizers/`) and then tries to download it. Nothing is
ever downloaded: when the files are missing the model is None and the semantic
signal is 0 for every entry (the ranker still works on the other signals).

Entry vectors are computed by `kb_build` (`write_vectors`) from each entry's
title, summary, `symptoms` phrases, Symptom and Cause sections (the same text
the BM25 signal reads, see `entry_signal_text`) and stored in the index as one float32 blob per entry;
`load_vectors` reads them back as a matrix. docs/ranking.md compares this model
with all-MiniLM-L6-v2 on the corpus.
"""

from __future__ import annotations

import contextlib
import html
import logging
import os
import re
import sqlite3
import threading
from pathlib import Path
from typing import Any

from kb.loader import MAX_SYMPTOMS
from kb.textindex import fold_for_index, fold_for_signals

logger = logging.getLogger(__name__)

MODEL_NAME = "wordllama-l2-supercat-256"
DIM = 256
MAX_EMBED_CHARS = 4000
EMBED_CACHE_SIZE = 512  # texts whose vector is kept (a paste's informative text repeats often)
_lock = threading.Lock()
_model: Any = None
_model_loaded = False

VECTOR_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors(slug TEXT PRIMARY KEY, model TEXT NOT NULL, vec BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS search_vectors(
    slug TEXT NOT NULL, view TEXT NOT NULL, model TEXT NOT NULL, vec BLOB NOT NULL,
    PRIMARY KEY (slug, view)
);
"""

_TAGS = re.compile(r"<[^>]+>")


class WordLlamaModel:
    """Token-embedding lookup + mean pooling + L2 normalisation (no torch, no network).

    The same computation as `wordllama.inference.WordLlamaInference.embed` (average of
    the token rows), written out so that one text is tokenised with `encode`, not
    `encode_batch`: the batch call starts a thread pool that costs ~10 ms per call on a
    busy 2-core machine.
    """

    name = MODEL_NAME

    def __init__(self, embedding: Any, tokenizer: Any) -> None:
        import numpy as np

        self.embedding = np.ascontiguousarray(embedding, dtype=np.float32)
        self.tokenizer = tokenizer
        self.tokenizer.no_truncation()
        self.tokenizer.no_padding()
        self._cache: dict[str, Any] = {}

    def embed_one(self, text: str) -> Any:
        """`embed([text])[0]`, remembered for the last texts seen (read-only array): the
        model never changes in a process, so the same text always gives the same vector."""
        vector = self._cache.get(text)
        if vector is None:
            vector = self.embed([text])[0]
            vector.flags.writeable = False
            if len(self._cache) >= EMBED_CACHE_SIZE:
                self._cache.clear()
            self._cache[text] = vector
        return vector

    def embed(self, texts: list[str]) -> Any:
        import numpy as np

        out = np.zeros((len(texts), self.embedding.shape[1]), dtype=np.float32)
        last = self.embedding.shape[0] - 1
        for row, text in enumerate(texts):
            ids = self.tokenizer.encode(text[:MAX_EMBED_CHARS], add_special_tokens=False).ids
            if not ids:
                continue
            vector = self.embedding[np.clip(np.asarray(ids), 0, last)].sum(axis=0)
            norm = float(np.linalg.norm(vector))
            if norm > 0:
                out[row] = vector / norm
        return out


def _load_wordllama() -> WordLlamaModel | None:
    try:
        import wordllama
        from safetensors import safe_open
        from tokenizers import Tokenizer
    except ImportError:
        return None
    package = Path(wordllama.__file__).parent
    weights = package / "weights" / "l2_supercat_256.safetensors"
    tokenizer_file = package / "tokenizers" / "l2_supercat_tokenizer_config.json"
    if not weights.exists() or not tokenizer_file.exists():
        return None
    tokenizer = Tokenizer.from_file(str(tokenizer_file))
    with safe_open(str(weights), framework="np", device="cpu") as handle:
        embedding = handle.get_tensor("embedding.weight")
    return WordLlamaModel(embedding, tokenizer)


def get_model() -> WordLlamaModel | None:
    """The shared model (loaded once per process), or None when it is not installed."""
    global _model, _model_loaded
    if _model_loaded:
        return _model
    with _lock:
        if not _model_loaded:
            _model = _load_wordllama()
            _model_loaded = True
            # one line per process: shows whether a request or the warm-up paid for it
            logger.info(
                "embedding model %s in pid %d",
                "loaded" if _model is not None else "not installed",
                os.getpid(),
            )
    return _model


def _section_text(entry: Any, section_id: str) -> str:
    for section in entry.section_templates:
        if section.get("id") == section_id:
            return " ".join(html.unescape(_TAGS.sub(" ", section.get("html", ""))).split())
    return ""


def entry_signal_text(entry: Any) -> str:
    """What the meaning signals read of an entry: title, summary, symptom phrases, the
    Symptom and Cause sections, KO words."""
    parts = [
        entry.title,
        entry.summary,
        ". ".join(entry.symptoms),
        _section_text(entry, "symptom"),
        _section_text(entry, "cause"),
        entry.title_ko,
        entry.summary_ko,
        " ".join(entry.keywords_ko),
    ]
    return "\n".join(p for p in parts if p)


def entry_signal_columns(entry: Any) -> tuple[str, str]:
    """`entry_signal_text` in two columns for BM25: the short head (title, summary,
    symptom phrases, KO words), and the body (the Symptom and Cause sections)."""
    head = [
        entry.title,
        entry.summary,
        ". ".join(entry.symptoms),
        entry.title_ko,
        entry.summary_ko,
        " ".join(entry.keywords_ko),
    ]
    body = [_section_text(entry, "symptom"), _section_text(entry, "cause")]
    return "\n".join(p for p in head if p), "\n".join(p for p in body if p)


def entry_foreign_text(entry: Any) -> str:
    """The entry's Chinese, Japanese and Russian search terms (`keywords_zh/ja/ru`), read by
    the paste path's BM25 from a table of their own: the English table's scores (and the
    ranker trained on them) stay as they were, and the embedding model reads English."""
    return "\n".join(
        " ".join(words)
        for words in (entry.keywords_zh, entry.keywords_ja, entry.keywords_ru)
        if words
    )


def entry_title_text(entry: Any) -> str:
    """A short view of an entry for search queries, which read like titles."""
    return "\n".join(p for p in (entry.title, entry.title_ko) if p)


def entry_topic_text(entry: Any) -> str:
    """Title, tags, components and summary: the entry's topic words without its prose."""
    return "\n".join([entry.title, " ".join(entry.tags), " ".join(entry.components), entry.summary])


def _symptom_view(number: int) -> Any:
    def text(entry: Any) -> str:
        """One of the entry's `symptoms` phrases (its title when it has fewer)."""
        return entry.symptoms[number] if number < len(entry.symptoms) else entry.title

    return text


# The extra views search compares a query with (the paste ranker uses `vectors` alone):
# a title-like query reads like one symptom phrase, not like all of them averaged.
SEARCH_VIEWS = {
    "title": entry_title_text,
    "topic": entry_topic_text,
    **{f"symptom{n}": _symptom_view(n) for n in range(MAX_SYMPTOMS)},
}


def write_vectors(connection: sqlite3.Connection, entries: list[Any]) -> None:
    """Store one vector per diagnosable entry, and one per search view (called by kb.build)."""
    connection.executescript(VECTOR_SCHEMA)
    model = get_model()
    diagnosable = [e for e in entries if e.kind == "entry"]
    if model is None or not diagnosable:
        return
    import numpy as np

    matrix = model.embed([entry_signal_text(e) for e in diagnosable]).astype(np.float32)
    connection.executemany(
        "INSERT INTO vectors VALUES (?, ?, ?)",
        [(e.slug, model.name, matrix[i].tobytes()) for i, e in enumerate(diagnosable)],
    )
    for view, text in SEARCH_VIEWS.items():
        matrix = model.embed([text(e) for e in diagnosable]).astype(np.float32)
        connection.executemany(
            "INSERT INTO search_vectors VALUES (?, ?, ?, ?)",
            [(e.slug, view, model.name, matrix[i].tobytes()) for i, e in enumerate(diagnosable)],
        )


def load_vectors(path: Path | None, view: str | None = None) -> tuple[list[str], Any] | None:
    """(slugs, float32 matrix) from the index file (the entries' vectors, or one search
    view's), or None when it has none."""
    if path is None:
        return None
    try:
        import numpy as np
    except ImportError:
        return None
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        if view is None:
            rows = connection.execute(
                "SELECT slug, vec FROM vectors WHERE model = ? ORDER BY slug", (MODEL_NAME,)
            ).fetchall()
        else:
            rows = connection.execute(
                "SELECT slug, vec FROM search_vectors WHERE model = ? AND view = ? ORDER BY slug",
                (MODEL_NAME, view),
            ).fetchall()
    except sqlite3.OperationalError:  # an index built before vectors existed
        return None
    finally:
        connection.close()
    if not rows:
        return None
    matrix = np.vstack([np.frombuffer(blob, dtype=np.float32) for _, blob in rows])
    return [slug for slug, _ in rows], matrix


SIGNAL_FTS_SCHEMA = """
CREATE VIRTUAL TABLE IF NOT EXISTS signal_fts USING fts5(
    slug UNINDEXED, text, body, tokenize = 'unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE IF NOT EXISTS signal_vocab USING fts5vocab(signal_fts, row);
CREATE VIRTUAL TABLE IF NOT EXISTS signal_i18n USING fts5(
    slug UNINDEXED, text, tokenize = 'unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE IF NOT EXISTS signal_i18n_vocab USING fts5vocab(signal_i18n, row);
"""


def write_signal_fts(connection: sqlite3.Connection, entries: list[Any]) -> None:
    connection.executescript(SIGNAL_FTS_SCHEMA)
    connection.executemany(
        "INSERT INTO signal_fts(slug, text, body) VALUES (?, ?, ?)",
        [
            (e.slug, *(fold_for_index(part) for part in entry_signal_columns(e)))
            for e in sorted(entries, key=lambda e: e.slug)
            if e.kind == "entry"
        ],
    )
    connection.executemany(
        "INSERT INTO signal_i18n(slug, text) VALUES (?, ?)",
        [
            (e.slug, fold_for_signals(entry_foreign_text(e)))
            for e in sorted(entries, key=lambda e: e.slug)
            if e.kind == "entry" and entry_foreign_text(e)
        ],
    )


# --- similarity ----------------------------------------------------------------

_vector_lock = threading.Lock()


def entry_vectors(kb: Any) -> tuple[list[str], Any] | None:
    """(slugs, matrix) for `kb`: from the index file, else embedded now (cached per KB)."""
    cached = getattr(kb, "_signal_vectors", None)
    if cached is not None and cached[0] == kb.version:
        return cached[1]
    with _vector_lock:
        loaded = load_vectors(kb.path)
        if loaded is None:
            model = get_model()
            entries = sorted(
                (e for e in kb.entries.values() if e.kind == "entry"), key=lambda e: e.slug
            )
            if model is not None and entries:
                loaded = (
                    [e.slug for e in entries],
                    model.embed([entry_signal_text(e) for e in entries]),
                )
        with contextlib.suppress(AttributeError):
            kb._signal_vectors = (kb.version, loaded)
    return loaded


class Similarities:
    """Cosine of one text against every entry: the top few, and any entry's on demand."""

    def __init__(
        self, slugs: list[str], scores: Any, top: int, index: dict[str, int] | None = None
    ) -> None:
        import numpy as np

        self._slugs = slugs
        self._scores = scores
        self._index = index if index is not None else {slug: i for i, slug in enumerate(slugs)}
        count = min(top, len(slugs))
        part = np.argpartition(-scores, count - 1)[:count] if count else []
        self.top = sorted(((slugs[i], float(scores[i])) for i in part), key=lambda p: -p[1])

    def of(self, slug: str) -> float:
        index = self._index.get(slug)
        return 0.0 if index is None else float(self._scores[index])


def cosine_scores(kb: Any, text: str, top: int = 5) -> Similarities | None:
    """The text's cosine similarity to every entry (None without model or vectors)."""
    vectors = entry_vectors(kb)
    return None if vectors is None else _best_cosine(kb, text, top, vectors[0], [vectors[1]])


def _best_cosine(
    kb: Any, text: str, top: int, slugs: list[str], matrices: list[Any]
) -> Similarities | None:
    """The text's best cosine over the rows of `matrices` (one row per slug in each)."""
    model = get_model()
    if model is None or not text.strip():
        return None
    import numpy as np

    vector = model.embed_one(text)
    # einsum, not `matrix @ vector`: BLAS's worker threads cost 15-30 ms a call on a busy
    # 2-core machine for what is a 1 ms product at 10,000 entries
    scores = np.einsum("ij,j->i", matrices[0], vector)
    for matrix in matrices[1:]:
        scores = np.maximum(scores, np.einsum("ij,j->i", matrix, vector))
    return Similarities(slugs, scores, top, None if kb is None else _slug_index(kb, slugs))


def _slug_index(kb: Any, slugs: list[str]) -> dict[str, int]:
    cached = getattr(kb, "_signal_slug_index", None)
    if cached is not None and cached[0] is slugs:
        return cached[1]
    index = {slug: i for i, slug in enumerate(slugs)}
    with contextlib.suppress(AttributeError):
        kb._signal_slug_index = (slugs, index)
    return index


def search_matrices(kb: Any) -> tuple[list[str], list[Any]] | None:
    """(slugs, [entry matrix, one matrix per search view]) for `kb`, cached per KB version.
    Views come from the index; a KB held in memory (or an older index) embeds them now."""
    cached = getattr(kb, "_search_vectors", None)
    if cached is not None and cached[0] == kb.version:
        return cached[1]
    base = entry_vectors(kb)
    result = None
    if base is not None:
        slugs, matrix = base
        matrices = [matrix]
        model = get_model()
        for view, text in SEARCH_VIEWS.items():
            loaded = load_vectors(kb.path, view)
            if loaded is not None and loaded[0] == slugs:
                matrices.append(loaded[1])
            elif model is not None:
                matrices.append(model.embed([text(kb.entries[slug]) for slug in slugs]))
        result = (slugs, matrices)
    with contextlib.suppress(AttributeError):
        kb._search_vectors = (kb.version, result)
    return result


def is_known_word(word: str) -> bool:
    """True when the embedding model reads `word` as one token of its own (a whole word
    it knows; False without the model)."""
    model = get_model()
    if model is None:
        return False
    pieces = model.tokenizer.encode(" " + word, add_special_tokens=False).tokens
    return len([p for p in pieces if p != "▁"]) == 1


def search_similarities(
    kb: Any, text: str, top: int = 10, among: list[str] | None = None
) -> Similarities | None:
    """A search query's similarity to every entry (or only to the entries `among`, which
    is cheaper): the best cosine over the entry's views (all its signal text, its title,
    its topic words), since a query may read like any of them."""
    found = search_matrices(kb)
    if found is None:
        return None
    slugs, matrices = found
    if among is not None:
        index = _slug_index(kb, slugs)
        rows = [index[slug] for slug in among if slug in index]
        if not rows:
            return None
        return _best_cosine(
            None, text, top, [slugs[row] for row in rows], [m[rows] for m in matrices]
        )
    return _best_cosine(kb, text, top, slugs, matrices)
