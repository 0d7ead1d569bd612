"""Per-(paste, entry) signals for the learned ranker (issue 10).

    >>> signals = paste_signals(kb, parsed, hits, findings)
    >>> signals.features("queue-arguments-mismatch")
    [0.95, 1.0, 0.69, 0.0, 1.0, 1.0, 1.0, 0.41, 0.0, 1.0, 0.2, 0.0, 0.83, 1.0]  # FEATURES

Four kinds of signal, each computed once per paste:

* **signature evidence** (precise): the entry's distinct signature hits combined
  as before (`1 - prod(1 - 0.95 w)`), the strongest weight, how many there are,
  and the strongest rule finding. A weak hit (weight < CONTEXT_MAX_WEIGHT) all of
  whose lines are *context lines* (the worker banner, startup INFO, the generic
  "Connection to broker lost" reconnect notice) does not count: context never
  creates a match on its own.
* **BM25** of the paste's informative words against each entry's title,
  summary, symptom and cause (an FTS5 table `signal_fts` written by kb_build, in
  two columns: the head, title to symptom phrases, and the Symptom and Cause sections;
  for a KB held only in memory, the same table in an in-memory SQLite).
* **semantic similarity**: cosine between the paste's WordLlama vector and
  the entry's (kb/vectors.py; entry vectors come from the index).
* **learned words** (diagnostics/words.py): a word model trained on labelled pastes and
  users' reports gives each entry a probability from the words people use for its
  problem, and "no entry fits" one too.

Candidates are the entries with signature or rule evidence plus the top `TOP_K` entries of
BM25 and of the cosine, and the word model's first WORD_CANDIDATES. Each candidate gets a
feature vector (FEATURES); diagnostics/learned_rank.py turns it into a probability.
"""

from __future__ import annotations

import contextlib
import math
import sqlite3
import threading
from dataclasses import dataclass, field
from typing import Any

from diagnostics import linear_re as re
from diagnostics.ranking import finding_evidence, finding_facts, finding_weight
from diagnostics.setting_names import paste_setting_names, write_setting_table
from diagnostics.words import NONE_CLASS, WORD_CANDIDATES, WORD_RANKS, load_words
from kb.textindex import WORD_PIECES, fold_for_index, fold_for_signals
from kb.vectors import cosine_scores, write_signal_fts

TOP_K = 5
SIGNAL_KINDS = ("signature", "bm25", "cosine", "setting", "words")
MAX_QUERY_TERMS = 32
ANSWER_CACHE_SIZE = 512  # BM25 answers kept per signal table
MAX_SIGNAL_CHARS = 2000
CONTEXT_MAX_WEIGHT = 0.8
SHIPPED: Any = object()  # paste_signals(words=...) default: the shipped word model

FEATURES = (
    "sig_score",  # combined signature evidence, 1 - prod(1 - 0.95 w)
    "sig_max",  # strongest signature weight
    "sig_count",  # log(1 + distinct signatures that hit)
    "rule",  # strongest rule finding (error 0.9, warning 0.75, info 0.4)
    "bm25_rel",  # BM25 / best BM25 of this paste
    "bm25_rr",  # 1 / BM25 rank (0 outside the top K)
    "bm25_head_rel",  # head-only BM25 (weights 1:0) / best head-only BM25 of this paste
    "cos",  # cosine similarity to the entry vector
    "cos_gap",  # cosine minus the best cosine of this paste (<= 0)
    "cos_rr",  # 1 / cosine rank (0 outside the top K)
    "sig_lead",  # strongest weight minus the best other entry's strongest weight
    "setting",  # log(1 + BM25 of the paste's setting names against the entry's)
    "word_p",  # the word model's probability of the entry (diagnostics/words.py)
    "word_rr",  # 1 / the entry's rank in the word model's order (0 outside its first five)
)
# The "no entry fits" alternative: its utility is a bias plus these paste-level values.
NULL_FEATURES = (
    "null_bias",
    "null_best_sig",
    "null_best_cos",
    "null_prose",
    "null_config",
    "null_word",  # the word model's probability of "no entry fits"
)

# Lines that describe the set-up rather than the failure (issue 10: context lines
# never create a match on their own).
CONTEXT_LINE = re.compile(
    r"(?:^|\s)\.>\s+\S"  # worker banner fields: `.> results:     disabled://`
    r"|^[\s*-]*-{3,}\s*(?:celery@|\[(?:config|queues|tasks)\])"  # banner frame
    r"|^\s*\[(?:config|queues|tasks)\]\s*$"
    # log lines (a level or a `]`/`:` before the text) that narrate set-up or reconnects
    r"|(?:INFO|WARNING|DEBUG)\S*\]?\s*(?:consumer:\s*)?"
    r"(?:Connected to (?:amqp|redis|rediss|amqps|sqs)://|mingle: |celery@\S+ ready\.)"
    r"|(?:\]|WARNING\S*)\s*(?:consumer:\s*)?Connection to broker lost\. "
    r"Trying to re-establish the connection"
    # the retry notice printed under any connection error, whatever its cause
    r"|(?:^|\|)\s*Trying again in [\d.]+ seconds\.\.\.(?:\s*\(\d+/\d+\))?\s*$",
    re.IGNORECASE,
)
_NOISE = re.compile(
    r"\b\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?"  # timestamps
    r"|\b0x[0-9a-f]+\b|<0\.\d+\.\d+>|\b[0-9a-f]{8}-[0-9a-f-]{27,}\b"  # addresses, pids, uuids
    r"|\b\d+(?:\.\d+)*\b"  # numbers
)
_ERROR_WORDS = re.compile(
    r"error|exception|fail|refused|denied|timeout|timed out|cannot|can't|unable|fatal|"
    r"critical|warning|not found|killed|lost|closed|rejected|invalid|missing|"
    r"错误|失败|エラー|失敗|오류|실패|ошибк",
    re.IGNORECASE,
)
# _ERROR_WORDS is a plain list of words: on ASCII text, matching it ignoring case is
# finding one of its ASCII words in the lower-cased text (no ASCII character folds to
# another letter: the special cases K/ſ/İ/ı are not ASCII), and Python's `re` costs
# ~10 times a substring test on each line.
_ERROR_WORDS_ASCII = tuple(
    word for word in _ERROR_WORDS.pattern.split("|") if word.isascii() and word == word.lower()
)


# A traceback frame says where the code lives. The install prefix (a virtualenv, a
# container's /app, a home directory) says nothing about the failure, yet read as words
# it moved the same traceback's answer from `high` to `possible` on another machine. A
# frame keeps the path inside site-packages (`celery/app/utils.py`) or the file's name,
# and the function.
_FRAME = re.compile(r'^\s*File "([^"\n]*)", line \d+, in (\S+)', needs=('File "',))
_PACKAGE_DIRS = ("site-packages/", "dist-packages/")


def frame_words(line: str) -> str:
    """A traceback frame line without its install prefix; other lines unchanged."""
    found = _FRAME.match(line)
    if found is None:
        return line
    path = found.group(1).replace("\\", "/")
    inside = [path.rsplit(d, 1)[1] for d in _PACKAGE_DIRS if d in path]
    return f"{inside[0] if inside else path.rsplit('/', 1)[-1]} {found.group(2)}"


_FAILURE_WORDS_ASCII = tuple(w for w in _ERROR_WORDS_ASCII if w != "warning")


def _is_failure(line: str) -> bool:
    """An error word other than "warning": the line reports a failure, not a caution."""
    return _has_error_word(line, _FAILURE_WORDS_ASCII)


def _has_error_word(line: str, ascii_words: tuple[str, ...] = _ERROR_WORDS_ASCII) -> bool:
    if line.isascii():
        lowered = line.lower()
        return any(word in lowered for word in ascii_words)
    return _ERROR_WORDS.search(line) is not None


_STOP = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "that",
        "this",
        "from",
        "are",
        "was",
        "were",
        "not",
        "but",
        "have",
        "has",
        "had",
        "you",
        "your",
        "our",
        "its",
        "into",
        "when",
        "then",
        "than",
        "there",
        "their",
        "they",
        "them",
        "which",
        "what",
        "who",
        "how",
        "why",
        "can",
        "could",
        "would",
        "should",
        "will",
        "shall",
        "may",
        "might",
        "all",
        "any",
        "some",
        "one",
        "two",
        "also",
        "just",
        "only",
        "very",
        "file",
        "line",
        "most",
        "recent",
        "call",
        "last",
        "traceback",
        "self",
        "none",
        "true",
        "false",
        "return",
        "def",
        "python",
        "site",
        "packages",
        "lib",
        "usr",
        "local",
        "var",
        "home",
        "src",
        "app",
        "info",
        "debug",
        "warning",
        "error",
        "mainprocess",
        "forkpoolworker",
        # prose filler: words people wrap a description in, which a few entries use in
        # passing (rare there, so BM25 would weigh them as if they named a cause)
        "about",
        "being",
        "now",
        "like",
        "want",
        "doesn",
        "don",
        "didn",
        "isn",
        "wasn",
        "problem",
        "issue",
        "behavior",
        "behaviour",
        "however",
        "sure",
        "currently",
        "seems",
        "seem",
        "via",
        "did",
        "does",
        "something",
        "able",
        "think",
        "following",
        "possible",
        "therefore",
        "please",
        "actually",
        "thing",
        "things",
        "looks",
        "really",
        "maybe",
        "thanks",
        "anyone",
        "http",
        "https",
        "www",
        "com",
        "github",
    ]
)
_local = threading.local()


@dataclass
class Candidate:
    slug: str
    weights: list[float] = field(default_factory=list)
    context_weights: list[float] = field(default_factory=list)
    rule: float = 0.0
    evidence: list[dict[str, Any]] = field(default_factory=list)
    facts: dict[str, str] = field(default_factory=dict)
    bm25: float = 0.0
    bm25_rank: int = 0  # 1-based; 0 = not in the top K
    bm25_head: float = 0.0  # BM25 with `signal_fts`'s head column alone (HEAD_ONLY)
    cos: float = 0.0
    cos_rank: int = 0
    setting: float = 0.0  # BM25 of the paste's setting names (diagnostics/setting_names.py)
    word_p: float = 0.0  # the word model's probability (diagnostics/words.py)
    word_rank: int = 0  # 1-based among the word model's first WORD_RANKS; 0 = not there
    # how many of its signatures hit only inside someone's sentences ("I get a "NOAUTH
    # Authentication required" error when ..."), never on a line the software printed
    quoted_hits: int = 0
    # an exception of the paste that none of this entry's evidence lines is: the paste
    # has a second problem, and the entry may not be the one the user is asking about
    leaves_exception: bool = False

    @property
    def sig_score(self) -> float:
        remaining = 1.0
        for weight in self.weights:
            remaining *= 1.0 - 0.95 * min(max(weight, 0.0), 1.0)
        return 1.0 - remaining

    @property
    def sig_max(self) -> float:
        return max(self.weights, default=0.0)

    @property
    def only_quoted(self) -> bool:
        """Its evidence is errors quoted in someone's sentences, nothing the software printed
        and no rule finding."""
        return bool(self.weights) and self.quoted_hits == len(self.weights) and not self.rule

    @property
    def precise(self) -> bool:
        return bool(self.weights) or self.rule > 0


@dataclass
class PasteSignals:
    candidates: dict[str, Candidate]
    best_bm25: float = 0.0
    best_head: float = 0.0
    best_cos: float = 0.0
    prose: bool = False
    config: bool = False
    text: str = ""
    null_word: float = 0.0  # the word model's probability of "no entry fits"

    def features(self, slug: str) -> list[float]:
        c = self.candidates[slug]
        others = max(
            (o.sig_max for s, o in self.candidates.items() if s != slug),
            default=0.0,
        )
        return [
            c.sig_score,
            c.sig_max,
            math.log1p(len(c.weights)),
            c.rule,
            c.bm25 / self.best_bm25 if self.best_bm25 > 0 else 0.0,
            1.0 / c.bm25_rank if c.bm25_rank else 0.0,
            c.bm25_head / self.best_head if self.best_head > 0 else 0.0,
            c.cos,
            c.cos - self.best_cos,
            1.0 / c.cos_rank if c.cos_rank else 0.0,
            c.sig_max - others,
            math.log1p(c.setting),
            c.word_p,
            1.0 / c.word_rank if c.word_rank else 0.0,
        ]

    def null_features(self) -> list[float]:
        best_sig = max(
            (max(c.sig_max, c.rule) for c in self.candidates.values()),
            default=0.0,
        )
        return [
            1.0,
            best_sig,
            self.best_cos,
            float(self.prose),
            float(self.config),
            self.null_word,
        ]


_CONTEXT_HINTS = (
    ".>",
    "---",
    "[config]",
    "[queues]",
    "[tasks]",
    "connect",
    "mingle",
    "ready.",
    "trying again",
)


def is_context_line(text: str) -> bool:
    lowered = text.lower()
    if not any(hint in lowered for hint in _CONTEXT_HINTS):
        return False
    return bool(CONTEXT_LINE.search(text))


def _context_only(hit: Any, context_lines: list[str]) -> bool:
    """True when every line of the hit is a context line, or a logical line (a message
    wrapped over several physical lines) on which the pattern only matches inside its
    context lines: `... Cannot connect to redis://...: Authentication required.` joined
    with the `Trying again in 2.00 seconds...` under it is not a reconnect notice."""
    regex = hit.signature.regex if hit.signature.kind == "pattern" else None
    for evidence in hit.evidence:
        text = evidence.get("text", "")
        if is_context_line(text):
            continue
        rest = text
        for line in context_lines:
            if line and line in rest:
                rest = rest.replace(line, " ")
        if regex is None or rest == text or regex.search(rest):
            return False
    return True


# someone's sentence: three or more plain words from its start (after list and quote marks,
# with quoted or backticked spans taken out) and a word of someone telling what happened to
# them; a line the software printed starts with a name, a code, a bracket, a number or
# `Word:`, and its messages ("No nodes replied within time constraint.") tell no one's story
_QUOTED_SPAN = re.compile(r'"[^"]*"|`[^`]*`|“[^”]*”')
_SENTENCE = re.compile(r"^[\s>*#|\-]*[A-Za-z][a-z']*,?(?:\s+[A-Za-z][a-z']*,?){2,}(?:\s|$)")
_TELLING = re.compile(
    r"\b(?:I|I'm|I've|I'd|we|we're|we've|my|our|me|us|you|your|get|gets|getting|got|try|"
    r"trying|tried|see|seeing|saw|results|happens|happened|when|whenever|keeps?|throws?)\b",
    re.IGNORECASE,
)


def in_sentence(text: str) -> bool:
    """Whether a paste line is someone's sentence rather than the software's output."""
    told = _QUOTED_SPAN.sub(" ", text)
    return bool(_SENTENCE.match(told) and _TELLING.search(told))


def _only_in_sentences(hit: Any, logged_lines: set[int]) -> bool:
    """True when every evidence line of the hit is a sentence, none a log record."""
    evidence = [e for e in hit.evidence if e.get("text")]
    return bool(evidence) and all(
        e.get("line") not in logged_lines and in_sentence(e["text"]) for e in evidence
    )


def informative_text(parsed: Any, limit: int = MAX_SIGNAL_CHARS) -> str:
    """What the meaning signals read of a paste, at most `limit` characters.

    Timestamps, numbers, addresses and context lines go; repeated lines count
    once. Exception messages come first, then lines with error words, then the
    rest in paste order, so a long log keeps its errors within the limit (which
    also bounds the cost of BM25 and embedding whatever the paste's size).
    """
    head = [f"{e.short_type} {e.message}" for e in parsed.exceptions[-3:]]
    raw: list[str] = []
    seen: set[str] = set()
    size = sum(len(h) for h in head)
    lines = parsed.lines
    # the first lines up to `limit`, then the last ones up to twice that: a long log's
    # error is usually at its end (a 9,000-line log ending in its one error read only
    # the head, and the meaning signals pointed elsewhere)
    end = len(lines)
    for index, line in enumerate(lines):
        if size >= limit:
            end = index
            break
        size = _take(line, raw, seen, size)
    tail: list[str] = []
    for line in reversed(lines[end:]):
        if size >= 2 * limit:
            break
        size = _take(line, tail, seen, size)
    raw += reversed(tail)
    errors: list[str] = []
    rest: list[str] = []
    kept: set[str] = set()
    # one substitution over all lines: far cheaper than one per line
    for line in _NOISE.sub(" ", "\n".join(raw)).split("\n"):
        cleaned = " ".join(line.split())
        if not cleaned or cleaned in kept:
            continue
        kept.add(cleaned)
        (errors if _has_error_word(cleaned) else rest).append(cleaned)
    text = "\n".join(head + errors + rest)
    return text[:limit]


def _take(line: str, into: list[str], seen: set[str], size: int) -> int:
    """informative_text's reading of one line: blank, repeated and context lines go."""
    if not line.strip() or line in seen:
        return size
    seen.add(line)
    if is_context_line(line):
        return size
    line = frame_words(line)
    into.append(line)
    return size + len(line)


def query_terms(text: str) -> list[str]:
    """Distinct searchable terms of `text` (already folded), in order: the index's cutting."""
    terms: list[str] = []
    seen: set[str] = set()
    for term in WORD_PIECES.findall(text.lower()):
        if term in seen or (len(term) < 3 and not _is_cjk(term)) or term in _STOP:
            continue
        seen.add(term)
        if not term.isdigit():
            terms.append(term)
    return terms


def _is_cjk(term: str) -> bool:
    return any(ord(ch) > 0x2E7F for ch in term)


# --- BM25 -------------------------------------------------------------------


_memory_lock = threading.Lock()


class SignalTable:
    """A connection to `signal_fts` with its document frequencies read once (the
    fts5vocab table is scanned, not searched, so per-paste lookups would cost ms)."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        self.doc_freq = dict(connection.execute("SELECT term, doc FROM signal_vocab"))
        self.total = connection.execute("SELECT count(*) FROM signal_fts").fetchone()[0] or 1
        # answers by query: the table is read-only, so a query's answer holds until the
        # index file changes (then `_signal_connection` opens a new table)
        self.answers: dict[tuple[str, str, int], list[tuple[str, float]]] = {}
        try:  # the entries' keywords_zh/ja/ru (an index built before them has no table)
            self.foreign_freq = dict(connection.execute("SELECT term, doc FROM signal_i18n_vocab"))
            self.foreign_total = connection.execute("SELECT count(*) FROM signal_i18n").fetchone()[
                0
            ]
        except sqlite3.Error:
            self.foreign_freq, self.foreign_total = {}, 0
        self.settings = SettingIndex(connection)

    def close(self) -> None:
        self.connection.close()


def _signal_connection(kb: Any) -> SignalTable | None:
    """Read-only connection to the index's signal table (one per thread and index file),
    or, for a KB held only in memory, an in-memory copy kept on the KB object."""
    if kb.path is not None:
        try:
            stat = kb.path.stat()
        except OSError:
            stat = None
        if stat is not None:
            key = (str(kb.path), stat.st_ino, stat.st_mtime_ns)
            cache = getattr(_local, "signal", None)
            if cache is not None and cache[0] == key:
                return cache[1]
            try:
                connection = SignalTable(sqlite3.connect(f"file:{kb.path}?mode=ro", uri=True))
            except sqlite3.Error:  # an index built before issue 10: use the memory copy
                connection = None
            if connection is not None:
                if cache is not None:
                    with contextlib.suppress(sqlite3.Error):
                        cache[1].close()
                _local.signal = (key, connection)
                return connection
    cached = getattr(kb, "_signal_memory_fts", None)
    if cached is not None and cached[0] == kb.version:
        return cached[1]
    with _memory_lock:
        memory = sqlite3.connect(":memory:", check_same_thread=False)
        write_signal_fts(memory, list(kb.entries.values()))
        write_setting_table(memory, list(kb.entries.values()))
        connection = SignalTable(memory)
        with contextlib.suppress(AttributeError):
            kb._signal_memory_fts = (kb.version, connection)
    return connection


def bm25_scores(
    kb: Any,
    text: str,
    limit: int = TOP_K,
    weights: tuple[float, float] | None = None,
) -> list[tuple[str, float]]:
    """Best entries for the paste's words by BM25 (higher is better), best first.

    Two tables: the entries' English and Korean text, and their Chinese, Japanese and
    Russian search terms (asked only for the paste's non-ASCII terms, Cyrillic words cut
    to a stem). An entry found in both gets the sum of its two scores. `weights`: the
    head and body column weights of the first table (default HEAD_WEIGHT, BODY_WEIGHT)."""
    return bm25_views(kb, text, ((limit, weights),))[0]


def bm25_views(
    kb: Any, text: str, views: tuple[tuple[int, tuple[float, float] | None], ...]
) -> list[list[tuple[str, float]]]:
    """bm25_scores for each (limit, weights) of `views`: the paste's terms are read and
    chosen once for all of them."""
    table = _signal_connection(kb)
    if table is None:
        return [[] for _ in views]
    queries = (
        ("signal_fts", query_terms(fold_for_index(text)), table.doc_freq, table.total),
        (
            "signal_i18n",
            [t for t in query_terms(fold_for_signals(text)) if not t.isascii()],
            table.foreign_freq,
            table.foreign_total,
        ),
    )
    # the rarest terms carry the most; very common ones only slow FTS5 down
    chosen = [
        (
            name,
            sorted(
                (t for t in terms if t in known and known[t] <= max(1, total // 2)),
                key=lambda t: known[t],
            )[:MAX_QUERY_TERMS],
        )
        for name, terms, known, total in queries
    ]
    answers = []
    for limit, weights in views:
        scores: dict[str, float] = {}
        for name, terms in chosen:
            for slug, score in _bm25_query(table, name, terms, limit, weights):
                scores[slug] = scores.get(slug, 0.0) + score
        answers.append(sorted(scores.items(), key=lambda item: -item[1])[:limit])
    return answers


# Head-only BM25 (column weights 1:0 on `signal_fts`, plus the foreign-words table as in
# bm25_scores): the ranker's `bm25_head_rel` beside the 1:1 score (docs/ranking.md, tenth
# session; a body-only feature beside it measured worse). Kept for the best
# COLUMN_SCORE_LIMIT entries so that candidates found by the other signals get theirs too;
# it adds no candidates.
HEAD_ONLY = (1.0, 0.0)
COLUMN_SCORE_LIMIT = 4 * TOP_K


# BM25 column weights of `signal_fts`: the entry's head (title, summary, symptom phrases, KO
# words) and its body (the Symptom and Cause sections). FTS5 normalises by the whole row's
# length, so 1:1 is exactly the one-column ranking. 2:1 (a head word counts twice) raised
# top-1/top-3 on the corpus and every spent set but lowered the `high` share below the test
# floors with the retrained ranker (docs/ranking.md, eighth session): not switched on.
HEAD_WEIGHT, BODY_WEIGHT = 1.0, 1.0
_BM25_SQL = {
    "signal_fts": "SELECT slug, bm25(signal_fts, 0, ?, ?) AS rank FROM signal_fts "
    "WHERE signal_fts MATCH ? ORDER BY rank LIMIT ?",
    "signal_i18n": "SELECT slug, bm25(signal_i18n) AS rank FROM signal_i18n "
    "WHERE signal_i18n MATCH ? ORDER BY rank LIMIT ?",
}


def _bm25_query(
    table: SignalTable,
    name: str,
    terms: list[str],
    limit: int,
    weights: tuple[float, float] | None = None,
) -> list[tuple[str, float]]:
    """BM25 answers of one FTS table for `terms` (`weights`: head and body of
    `signal_fts`), remembered per table (read-only)."""
    if not terms:
        return []
    expression = " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)
    weights = weights or (HEAD_WEIGHT, BODY_WEIGHT)
    key = (name, expression, limit, weights if name == "signal_fts" else None)
    answer = table.answers.get(key)
    if answer is None:
        try:
            params: tuple[Any, ...] = (expression, limit)
            if name == "signal_fts":
                params = (*weights, expression, limit)
            ranked = table.connection.execute(_BM25_SQL[name], params).fetchall()
        except sqlite3.Error:
            return []
        answer = [(slug, -rank) for slug, rank in ranked if -rank > 0]
        if len(table.answers) >= ANSWER_CACHE_SIZE:
            table.answers.clear()
        table.answers[key] = answer
    return list(answer)


# --- setting names ----------------------------------------------------------

SETTING_K1, SETTING_B = 1.2, 0.75  # BM25's usual constants


class SettingIndex:
    """The entries' setting tokens (`signal_settings`, kb_build) as postings, read once per
    index, scored by BM25 in Python (a paste sets a few settings)."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.postings: dict[str, list[tuple[str, int]]] = {}
        lengths: dict[str, int] = {}
        try:
            rows = connection.execute("SELECT slug, setting, count FROM signal_settings").fetchall()
        except sqlite3.Error:  # an index built before the table: no setting signal
            rows = []
        for slug, setting, count in rows:
            self.postings.setdefault(setting, []).append((slug, count))
            lengths[slug] = lengths.get(slug, 0) + count
        self.lengths = lengths
        self.total = connection.execute("SELECT count(*) FROM signal_fts").fetchone()[0] or 1
        self.average = sum(lengths.values()) / len(lengths) if lengths else 1.0

    def scores(self, names: set[str]) -> dict[str, float]:
        scores: dict[str, float] = {}
        for name in names:
            posting = self.postings.get(name)
            if not posting:
                continue
            df = len(posting)
            idf = math.log(1.0 + (self.total - df + 0.5) / (df + 0.5))
            for slug, tf in posting:
                norm = 1.0 - SETTING_B + SETTING_B * self.lengths[slug] / self.average
                part = idf * tf * (SETTING_K1 + 1) / (tf + SETTING_K1 * norm)
                scores[slug] = scores.get(slug, 0.0) + part
        return scores


def setting_scores(kb: Any, parsed: Any, limit: int = TOP_K) -> tuple[dict[str, float], list[str]]:
    """BM25 of the paste's setting names against every entry's (all scores, and the best
    `limit` entries, best first)."""
    table = _signal_connection(kb)
    if table is None:
        return {}, []
    names = paste_setting_names(parsed)
    if not names:
        return {}, []
    scores = table.settings.scores(names)
    best = sorted(scores, key=lambda slug: (-scores[slug], slug))[:limit]
    return scores, best


# --- all together -----------------------------------------------------------


def paste_signals(
    kb: Any,
    parsed: Any,
    hits: list[Any],
    findings: list[Any],
    *,
    use: frozenset[str] | None = None,
    words: Any = SHIPPED,
) -> PasteSignals:
    """Every candidate entry of this paste with its signals. `use` limits the signal kinds
    (subset of SIGNAL_KINDS) for ablation. `words`: the word model (diagnostics/words.py;
    by default the shipped one; bench/train_ranker.py passes each fold's)."""
    use = use or frozenset(SIGNAL_KINDS)
    entries = kb.entries
    candidates: dict[str, Candidate] = {}

    def candidate(slug: str) -> Candidate:
        return candidates.setdefault(slug, Candidate(slug))

    context_lines: list[str] | None = None  # computed on the first weak hit
    logged_lines: set[int] | None = None  # the log records' lines, on the first hit
    if "signature" in use:
        for hit in sorted(hits, key=lambda h: -h.signature.weight):
            slug = hit.signature.slug
            entry = entries.get(slug)
            if entry is None or entry.kind != "entry":
                continue
            weight = hit.signature.weight
            if weight < CONTEXT_MAX_WEIGHT and context_lines is None:
                context_lines = [line.strip() for line in parsed.lines if is_context_line(line)]
            context = weight < CONTEXT_MAX_WEIGHT and _context_only(hit, context_lines or [])
            item = candidate(slug)
            if context:
                item.context_weights.append(weight)
                continue
            item.weights.append(weight)
            item.evidence.extend(hit.evidence)
            if logged_lines is None:
                logged_lines = {record.line for record in parsed.log_lines}
            if _only_in_sentences(hit, logged_lines):
                item.quoted_hits += 1
            for key, value in hit.facts.items():
                item.facts.setdefault(key, value)
        for finding in findings:
            entry = entries.get(finding.entry)
            if entry is None or entry.kind != "entry":
                continue
            item = candidate(finding.entry)
            item.rule = max(item.rule, finding_weight(finding))
            item.evidence.append(finding_evidence(finding, parsed.lines))
            for key, value in finding_facts(finding).items():
                item.facts.setdefault(key, value)
        # context-only entries are not candidates by themselves
        for slug in [s for s, c in candidates.items() if not c.precise]:
            del candidates[slug]
        exception_lines = {e.line for e in parsed.exceptions if e.line}
        for c in candidates.values():
            c.leaves_exception = bool(
                exception_lines - {e.get("line") for e in c.evidence}
            ) and not any("rule" not in e and _is_failure(e.get("text", "")) for e in c.evidence)

    text = informative_text(parsed)
    signals = PasteSignals(candidates, text=text)
    logged = bool(parsed.exceptions or parsed.log_lines)
    configured = bool(parsed.config or parsed.yaml_docs)
    signals.prose = not (logged or configured)
    signals.config = configured and not logged
    head_of: dict[str, float] = {}
    if "bm25" in use:
        ranked, head = bm25_views(kb, text, ((TOP_K, None), (COLUMN_SCORE_LIMIT, HEAD_ONLY)))
        if ranked:
            signals.best_bm25 = ranked[0][1]
        for rank, (slug, score) in enumerate(ranked, start=1):
            if slug in entries:
                item = candidate(slug)
                item.bm25, item.bm25_rank = score, rank
        signals.best_head = head[0][1] if head else 0.0
        head_of = dict(head)
    word_probabilities: dict[str, float] = {}
    word_rank: dict[str, int] = {}
    if "words" in use:
        model = load_words() if words is SHIPPED else words
        if model is not None:
            word_probabilities = model.probabilities(text)
            signals.null_word = word_probabilities.get(NONE_CLASS, 0.0)
            ranked_words = sorted(
                (s for s in word_probabilities if s in entries),
                key=lambda s: (-word_probabilities[s], s),
            )[:WORD_RANKS]
            word_rank = {slug: rank for rank, slug in enumerate(ranked_words, start=1)}
            for slug in ranked_words[:WORD_CANDIDATES]:
                candidate(slug)
    if "setting" in use:
        scores, best = setting_scores(kb, parsed)
        for slug in best:
            if slug in entries:
                candidate(slug)
        for slug, item in candidates.items():
            item.setting = scores.get(slug, 0.0)
    if "cosine" in use:
        similarities = cosine_scores(kb, text, top=TOP_K)
        if similarities is not None:
            signals.best_cos = similarities.top[0][1] if similarities.top else 0.0
            for rank, (slug, _) in enumerate(similarities.top, start=1):
                if slug in entries:
                    candidate(slug).cos_rank = rank
            for slug, item in candidates.items():
                item.cos = similarities.of(slug)
    for slug, item in candidates.items():
        item.bm25_head = head_of.get(slug, 0.0)
        item.word_p = word_probabilities.get(slug, 0.0)
        item.word_rank = word_rank.get(slug, 0)
    return signals
