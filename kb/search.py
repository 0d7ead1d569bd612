"""Full-text search over the KB index: the one module that knows how we search.

Query handling, in order:
0. What a copied log line carries that nothing can match (IP addresses, dates and
   times, hex ids) is dropped.
1. Filler words ("why", "is", "my", "bug", "issue": FILLER) are dropped unless the
   query has nothing else; the word being typed stays.
2. Each remaining whitespace-separated word becomes one or more phrases of adjacent
   terms (kb.textindex.query_pieces): `x-dead-letter-routing-key` → the phrase
   "x dead letter routing key"; Hangul words lose a trailing particle (`워커가` →
   워커) and become phrases of bigrams. A CamelCase identifier also asks for its words
   (`AMQPConnectionError` → "amqp connection error"; the index holds both forms,
   kb.textindex.camel_words), in the word pairs and in the meaning text too.
3. A plain word that the index does not know is widened to its other forms that it
   knows (`workers` → worker), else (five letters or more) to its one-edit neighbours
   from the typo table and their forms (`heatbeat` → heartbeat, heartbeats).
4. The last word is a prefix unless the query ends with a space (search as you
   type) or was submitted whole (`complete`: the /search page).
5. Signals (the ones the paste ranker reads: words and WordLlama vectors):
   - all words (AND), ranked by FTS5's bm25 with column weights (title and
     signatures far above keywords, summary and body);
   - any word (OR; any bigram of a CJK word), plus the query's adjacent word pairs as
     phrases, so an error text quoted inside a title ranks its entry; when that finds
     nothing, each term of a name written with capitals may match alone
     (`Errno::ECONNREFUSED` → econnrefused);
   - semantic similarity: the best cosine between the query (misspelt words
     corrected) and the entry's vectors (all its signal text, its title, its topic
     words; kb.vectors).
   A short query (fewer than three content words) whose words all match keeps those
   entries, ordered with the semantic signal too; any other query takes the any-word
   matches plus the semantic top entries. Korean words are left out of the semantic
   text (WordLlama's Hangul vectors are noise; the KB has Korean text to match),
   Chinese and Japanese are not (the KB has none of their text).
   - signatures: the entries whose pattern signatures (the paste ranker's) match the
     query's text, with the best weight that matched (a title quoting an error text, or
     saying a symptom the way a signature catches it).
6. Each candidate scores bm25 / the query's best bm25 + COSINE_WEIGHT x (cosine -
   the best cosine) + ALL_WORDS_BONUS when it holds every word + SIGNATURE_WEIGHT x
   its signature's weight (weights derived by bench/search_weights.py).
7. A query the semantic signal reads (three content words or more, or Chinese or
   Japanese) is also read as a short paste by the paste ranker
   (diagnostics/learned_rank.py: signatures, rules, BM25 over symptom and cause, the
   symptom views' cosine, setting names); each candidate of either list scores
   step 6's score + FUSE_SEARCH_RR / its search rank + FUSE_RANKER_LOG_P x
   ln(the ranker's probability) + FUSE_RANKER_RR / its ranker rank (bench/search_fusion.py
   derives them). An exact title or slug match goes first.
"""

from __future__ import annotations

import html
import math
import re
import sqlite3
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from diagnostics.matcher import get_matcher
from kb import index as kb_index
from kb.index import KnowledgeBase
from kb.loader import Entry
from kb.textindex import (
    CJK_RUN,
    HANGUL_RUN,
    TYPO_MIN_LENGTH,
    deletions,
    query_pieces,
    split_identifier,
    within_one_edit,
)
from kb.vectors import Similarities, is_known_word, search_similarities

COLUMN_WEIGHTS = (10.0, 8.0, 4.0, 3.0, 1.0, 6.0)  # title, signatures, keywords, summary, body, ko
MAX_QUERY_WORDS = 24
MAX_QUERY_CHARS = 500
_local = threading.local()


@dataclass
class SearchHit:
    slug: str
    title: str
    summary: str
    url: str
    snippet: str
    score: float

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def of_entry(cls, entry: Entry, score: float) -> SearchHit:
        """An entry no word matched, shown with its summary as the snippet."""
        return cls(
            entry.slug, entry.title, entry.summary, entry.url, html.escape(entry.summary), score
        )


def _connection(path: Path) -> sqlite3.Connection:
    """One read-only connection per thread and index file (reopened after a swap)."""
    key = (str(path), path.stat().st_ino)
    cached = getattr(_local, "connections", {})
    if key not in cached:
        for old in cached.values():
            old.close()
        cached = {key: sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)}
        _local.connections = cached
    return cached[key]


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _phrase(terms: list[str], prefix: bool) -> str:
    return _quote(" ".join(terms)) + ("*" if prefix else "")


def _corrections(connection: sqlite3.Connection, term: str) -> list[str]:
    if len(term) < TYPO_MIN_LENGTH or not term.isascii() or not term.isalpha():
        return []
    known = connection.execute(  # indexed, unlike the vocab table (see _word_forms)
        "SELECT 1 FROM typo WHERE del = ? AND term = ?", (term, term)
    ).fetchone()
    if known:
        return []
    keys = [term, *deletions(term)]
    marks = ",".join("?" * len(keys))
    rows = connection.execute(f"SELECT DISTINCT term FROM typo WHERE del IN ({marks})", keys)  # noqa: S608
    return sorted(t for (t,) in rows if within_one_edit(term, t))[:5]


def _word_forms(connection: sqlite3.Connection, term: str) -> list[str]:
    """Other forms of an English word that the index knows (`workers` → worker,
    `redelivering` → redeliver(ed), `kills` → killed): the index does not stem, and people
    write titles in other forms than the entries do."""
    if len(term) < 4 or not term.isascii() or not term.isalpha():
        return []
    stem = term
    for ending in ("ing", "ed", "es", "s"):
        if term.endswith(ending) and len(term) - len(ending) >= 3:
            stem = term[: -len(ending)]
            break
    forms = {stem, stem + "e", stem + "s", stem + "es", stem + "ed", stem + "ing", stem + "d"}
    forms.discard(term)
    # the typo table holds every plain term of 4+ letters as (term, term), indexed:
    # far cheaper than the vocab table, which FTS5 scans
    marks = ",".join("?" * len(forms))
    rows = connection.execute(
        f"SELECT DISTINCT term FROM typo WHERE del IN ({marks}) AND del = term",  # noqa: S608
        sorted(forms),
    )
    return sorted(t for (t,) in rows)


def _unknown_cjk(connection: sqlite3.Connection, terms: list[str]) -> bool:
    """A Chinese/Japanese phrase none of whose bigrams the index knows: it cannot match,
    and under AND it would hide the query's other words (left to the semantic signal)."""
    if not terms or not CJK_RUN.fullmatch(terms[0]) or HANGUL_RUN.search(terms[0]):
        return False
    marks = ",".join("?" * len(terms))
    known = connection.execute(
        f"SELECT 1 FROM vocab WHERE term IN ({marks}) LIMIT 1",  # noqa: S608
        terms,
    ).fetchone()
    return known is None


# Words that say nothing about a problem: how people frame a title around it ("Why is
# ... not working", "[QUESTION]", "bug"). A query drops them unless it has nothing else.
FILLER = frozenset(
    [
        "a",
        "about",
        "after",
        "again",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "but",
        "by",
        "can",
        "cannot",
        "could",
        "d",
        "did",
        "do",
        "does",
        "doing",
        "don",
        "done",
        "even",
        "ever",
        "for",
        "from",
        "get",
        "gets",
        "getting",
        "got",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "just",
        "let",
        "ll",
        "m",
        "may",
        "me",
        "might",
        "my",
        "no",
        "nor",
        "not",
        "of",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "out",
        "over",
        "please",
        "re",
        "s",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "t",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "ve",
        "very",
        "was",
        "way",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "bug",
        "bugs",
        "issue",
        "issues",
        "problem",
        "problems",
        "question",
        "help",
        "fix",
        "fixed",
        "fixes",
        "trying",
        "try",
        "tried",
        "while",
        "still",
        "always",
        "sometimes",
        "anyone",
        "someone",
        "something",
        # the first halves of contractions (`doesn't` → doesn, t)
        "aren",
        "couldn",
        "didn",
        "doesn",
        "hadn",
        "hasn",
        "haven",
        "isn",
        "shouldn",
        "wasn",
        "weren",
        "won",
        "wouldn",
    ]
)


def _is_filler(word: str) -> bool:
    pieces = query_pieces(word)
    return bool(pieces) and all(
        len(terms) <= 2 and all(t in FILLER or (len(t) == 1 and t.isascii()) for t in terms)
        for terms in pieces
    )


def content_words(words: list[str]) -> list[str]:
    """`words` without filler (all of them when every word is filler)."""
    kept = [w for w in words if not _is_filler(w)]
    return kept or words


_SYLLABLES = "\x00"


def _join_syllables(words: list[str]) -> list[str]:
    """Two one-syllable Hangul words in a row (`두 번`, `안 됨`) joined into one marked
    word: alone, each would ask for every bigram that starts with it."""
    out: list[str] = []
    for word in words:
        if (
            out
            and len(word) == 1
            and HANGUL_RUN.fullmatch(word)
            and len(out[-1]) == 1
            and HANGUL_RUN.fullmatch(out[-1])
        ):
            out[-1] = out[-1] + _SYLLABLES + word
        else:
            out.append(word)
    return out


def build_match(
    connection: sqlite3.Connection, query: str, *, mode: str = "AND", singles: bool = False
) -> str:
    """The FTS5 MATCH expression for a user query ('' when it has no searchable word).
    `singles` (any word, OR): each word of a name written with capitals and made of
    several terms (`Errno::ECONNREFUSED`, `Redis::TimeoutError`) may match alone too."""
    words = query[:MAX_QUERY_CHARS].split()[:MAX_QUERY_WORDS]
    prefix_last = bool(query) and not query[-1:].isspace()
    if any(not _is_filler(w) for w in words):  # the word being typed stays: it may grow
        last = len(words) - 1
        words = [w for i, w in enumerate(words) if not _is_filler(w) or (prefix_last and i == last)]
    words = _join_syllables(words)
    parts: list[str] = []
    for number, word in enumerate(words):
        if _SYLLABLES in word:
            # one-syllable Korean words in a row (`두 번`): the phrase of those syllables,
            # as the index holds them apart, or written together (두번)
            first, second = word.split(_SYLLABLES)
            pair = f"{_phrase([first, second], False)} OR {_phrase([first + second], False)}"
            parts.append(f"({pair})")
            continue
        phrases = query_pieces(word)
        split = query_pieces(word, split_camel=True)
        is_last = number == len(words) - 1
        for index, terms in enumerate(phrases):
            if _unknown_cjk(connection, terms):
                continue
            prefix = is_last and prefix_last and index == len(phrases) - 1 and len(terms[-1]) >= 2
            if len(terms) == 1 and len(terms[0]) == 1 and HANGUL_RUN.fullmatch(terms[0]):
                prefix = True  # one syllable: the bigrams that start with it
            expression = _phrase(terms, prefix)
            if split[index] != terms:
                # a CamelCase identifier: its words too (`AMQPConnectionError` → the
                # phrase "amqp connection error"; the index holds both forms)
                expression = f"({expression} OR {_phrase(split[index], prefix)})"
            if singles and len(terms) > 1 and not word.islower() and word.isascii():
                # any word may match: so may each word of a dotted, `::` or CamelCase
                # name (`Errno::ECONNREFUSED` → econnrefused, `pika.exceptions.X` → pika)
                alone = [
                    t
                    for t in dict.fromkeys(terms)
                    if len(t) > 1 and t not in FILLER and not t.isdigit()
                ]
                parts.append("(" + " OR ".join([expression, *map(_quote, alone)]) + ")")
                continue
            if mode == "OR" and len(terms) > 1 and CJK_RUN.fullmatch(terms[0]):
                # any word may match: so may any bigram of a CJK word (`거부됨` → 거부)
                expression = " OR ".join(_phrase([t], False) for t in terms[:-1])
                expression += " OR " + _phrase(terms[-1:], prefix)
            if len(terms) == 1:
                # other forms of the word the index knows (`workers` → worker), else its
                # corrections with their forms (`heatbeat` → heartbeat, heartbeats)
                fixes = _word_forms(connection, terms[0])
                if not fixes:
                    fixes = _corrections(connection, terms[0])
                    forms = [f for fix in fixes[:2] for f in _word_forms(connection, fix)]
                    if is_known_word(terms[0]):  # a real word (`cores`): a typo is unlikely
                        forms = []
                    fixes = sorted({*fixes, *forms})
                if fixes:
                    expression = "(" + " OR ".join([expression, *map(_quote, fixes)]) + ")"
            parts.append(expression)
    return f" {mode} ".join(parts)


def _pairs_match(query: str) -> str:
    """Adjacent word pairs of the query as FTS5 phrases, any of them ('' for fewer than
    two words): entries holding a stretch of the query's own wording, such as an error
    text quoted inside a title ("… max number of clients reached"), rank first."""
    terms, split = [], []
    for word in query[:MAX_QUERY_CHARS].split()[:MAX_QUERY_WORDS]:
        if not CJK_RUN.search(word):
            terms += [t for phrase in query_pieces(word) for t in phrase]
            split += [t for phrase in query_pieces(word, split_camel=True) for t in phrase]
    pairs = _pairs(terms)
    found = " OR ".join(sorted(_phrase([a, b], False) for a, b in pairs))
    # the pairs of a CamelCase identifier's words (`CannotConnectError` → "cannot
    # connect"), asked of the short columns only: a phrase of two common words over
    # every body is what costs on a large KB (bench/search.py)
    inner = sorted(_phrase([a, b], False) for a, b in _pairs(split) - pairs)
    if inner:
        inner_match = f"{{{PAIR_COLUMNS}}} : (" + " OR ".join(inner) + ")"
        found = f"{found} OR {inner_match}" if found else inner_match
    return found


PAIR_COLUMNS = "title signatures keywords summary"


def _pairs(terms: list[str]) -> set[tuple[str, str]]:
    return {
        (a, b)
        for a, b in zip(terms, terms[1:], strict=False)
        if not (a in FILLER and b in FILLER) and len(a) > 1 and len(b) > 1
    }


def corrected_query(query: str, *, kb: KnowledgeBase | None = None) -> str | None:
    """The query with each unknown word replaced by its closest known word (`prefrok` →
    `prefork`), or None when no word needed correcting: "showing results for …"."""
    kb = kb or kb_index.get_kb()
    if kb.path is None or not query.strip():
        return None
    return _corrected(_connection(kb.path), query)


def _corrected(connection: sqlite3.Connection, query: str) -> str | None:
    words = query[:MAX_QUERY_CHARS].split()[:MAX_QUERY_WORDS]
    changed = False
    out = []
    for word in words:
        fixes = _corrections(connection, word.lower()) if word.isalpha() else []
        if fixes:
            out.append(min(fixes, key=lambda t: (abs(len(t) - len(word)), t)))
            changed = True
        else:
            out.append(word)
    return " ".join(out) if changed else None


def _meaning_corrected(connection: sqlite3.Connection, query: str) -> str:
    """The query as the meaning signal reads it: a misspelt word replaced by its
    correction (the embedding of `heatbeat` is far from heartbeat's, while the word
    match already widened it). Only a word the embedding model does not know whole
    (kb.vectors.is_known_word: `cores`, a real word the KB lacks, is no typo of
    `codes`), and only a correction with the same first letter (`sentry` is no typo
    of `entry`)."""
    corrected = _corrected(connection, query)
    if corrected is None:
        return query
    words = []
    for word, fixed in zip(query.split(), corrected.split(), strict=False):
        if fixed != word and (fixed[:1] != word[:1].lower() or is_known_word(word)):
            fixed = word
        words.append(fixed)
    return " ".join(words)


def search(
    query: str, limit: int = 10, *, kb: KnowledgeBase | None = None, complete: bool = False
) -> list[SearchHit]:
    """Best entries for `query`, best first (score: higher is better). `complete`: the
    query was submitted whole (the /search page), so its last word is a word, not the
    start of one being typed (as a trailing space says in the type-ahead)."""
    kb = kb or kb_index.get_kb()
    if kb.path is None or not query.strip():
        return []
    if complete:
        # a submitted query's last word is a word; when nothing matches it whole (a word cut
        # short before Enter, the type-ahead's "See all results" for what was typed), it is
        # read as the start of one, as the type-ahead reads it
        return search(query.rstrip() + " ", limit, kb=kb) or search(query, limit, kb=kb)
    connection = _connection(kb.path)
    query = _without_noise(query)
    pool = max(limit, POOL)
    expression = build_match(connection, query, mode="AND")
    every = _run(connection, kb, expression, query, pool) if expression else []
    meaning = _meaning_query(_meaning_corrected(connection, query))
    if every and not meaning:
        # a short query whose words all match (search as you type): the word match
        # finds the entries, the meaning signal helps order them
        words, semantic_text = every, _unkorean(query)
        # only these entries' cosines are needed: the best of them stands in for the
        # best of all, which shifts every score alike and leaves the order as it is
        among = [hit.slug for hit in every]
    else:
        any_word = build_match(connection, query, mode="OR")
        some = " OR ".join(filter(None, [any_word, _pairs_match(query)]))
        words = _run(connection, kb, some, query, pool) if some else []
        if not words and not meaning:
            # nothing matched the words as written: each word of another client's
            # exception name may match alone (`Errno::ECONNREFUSED` → econnrefused); only
            # then, as any single word of a phrase matches much of a large KB
            alone = build_match(connection, query, mode="OR", singles=True)
            if alone != any_word:
                some = alone
                words = _run(connection, kb, some, query, pool)
        semantic_text, among = meaning, None
    signed = _signature_hits(kb, query)
    if among is not None:  # an entry a signature names is ordered with the others
        among += [slug for slug in signed if slug not in among]
    similarities = _similarities(kb, semantic_text, pool, among)
    hits = _combine(kb, words, {hit.slug for hit in every}, similarities, bool(meaning), signed)
    if meaning:  # a query of several words reads like a short paste: the paste ranker too
        hits = _fused(kb, hits[:pool], _paste_ranking(kb, query))
    hits = _exact_first(hits, query, kb, limit)
    _add_snippets(connection, kb, hits, query, expression if every else some)
    return hits


# What a copied log line carries that no entry can match and that only dilutes the
# query: IP addresses, dates and times, hexadecimal ids (a task id, a container id).
_NOISE = re.compile(
    r"\b\d{1,3}(?:\.\d{1,3}){3}\b"  # 10.0.0.5 (a port after it stays)
    r"|\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:[.,]\d+)?Z?)?"  # 2024-01-02 10:11:12,345
    r"|\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b"  # 10:11:12.345
    r"|\b(?=[0-9a-f-]*\d)(?=[0-9a-f-]*[a-f])[0-9a-f]{8,}(?:-[0-9a-f]{4,})*\b"  # ids, uuids
)


def _without_noise(query: str) -> str:
    """`query` without IP addresses, timestamps and hex ids (a trailing space kept)."""
    cleaned = _NOISE.sub(" ", query)
    if not cleaned.strip():
        return query
    return " ".join(cleaned.split()) + (" " if query[-1:].isspace() else "")


MEANING_MIN_WORDS = 3
POOL = 20  # candidates each signal contributes before fusion


def _has_chinese_or_japanese(query: str) -> bool:
    return any(not HANGUL_RUN.fullmatch(run) for run in CJK_RUN.findall(query))


def _meaning_query(query: str) -> str:
    """The text the semantic signal reads: the query's content words, when there are
    three or more of them or Chinese/Japanese text ('' otherwise: a word or two, typed
    as a prefix, mean little to an embedding and must not pull in unrelated entries)."""
    words = content_words(query[:MAX_QUERY_CHARS].split()[:MAX_QUERY_WORDS])
    # Korean words are left to the word match: WordLlama's vectors for Hangul are noise
    # (it pulled unrelated entries above exact Korean matches), while the KB's Korean
    # text makes Korean words match (CJK without Korean text has only the vectors)
    words = _unkorean(" ".join(words)).split()
    if len(words) >= MEANING_MIN_WORDS or _has_chinese_or_japanese(query):
        # a CamelCase identifier reads as its words (`Redis::CannotConnectError` → Redis
        # Cannot Connect Error): the embedding knows the words, not the glued token. It
        # still counts as one word: one identifier typed alone is left to the word match
        return " ".join(_identifier_words(w) for w in words)
    return ""


def _identifier_words(word: str) -> str:
    """`word` with each CamelCase token spelt as its words (kb.textindex.split_identifier)."""
    return _CAMEL_TOKEN.sub(lambda m: " ".join(split_identifier(m.group(0))) or m.group(0), word)


_CAMEL_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9]*")


def _unkorean(query: str) -> str:
    return " ".join(w for w in query.split() if not HANGUL_RUN.search(w))


def _similarities(
    kb: KnowledgeBase, text: str, top: int, among: list[str] | None
) -> Similarities | None:
    """Semantic similarity of `text` to every entry, or to those `among` (kb.vectors;
    None without the model)."""
    if not text.strip():
        return None
    try:
        return search_similarities(kb, text, top=top, among=among)
    except Exception:  # a broken vectors table: the word match alone
        return None


# Weights of the signals (bench/search_weights.py derives them: a grid over the corpus
# pastes' first lines as queries, docs/ranking.md "Search"). The word signal is BM25
# (any word, plus adjacent word pairs) relative to the best match of the query.
COSINE_WEIGHT = 4.0  # per unit of cosine below the query's best entry
ALL_WORDS_BONUS = 0.0  # the entry holds every word of the query (the grid's best: none)
# per unit of weight of an entry's signature the query holds (the grid's best)
SIGNATURE_WEIGHT = 3.0


def _signature_hits(kb: KnowledgeBase, query: str) -> dict[str, float]:
    """Entries whose pattern signatures (the paste ranker's, diagnostics.matcher) match
    the query, with the best weight that matched: a title often quotes an error text
    (`… max number of clients reached`, `Never call result.get() within a task`) or
    says a symptom the way a signature catches it. One RE2 set pass over the query."""
    try:
        matcher = get_matcher(kb)
    except Exception:  # a KB without signatures to compile: no signature signal
        return {}
    text = query.strip()[:MAX_QUERY_CHARS]
    found: dict[str, float] = {}
    for index in matcher.candidates(text):
        signature = matcher.patterns[index]
        if signature.unless is not None and signature.unless.search(text):
            continue
        found[signature.slug] = max(found.get(signature.slug, 0.0), signature.weight)
    return found


def _combine(
    kb: KnowledgeBase,
    words: list[SearchHit],
    every: set[str],
    similarities: Similarities | None,
    add_semantic: bool,
    signed: dict[str, float] | None = None,
) -> list[SearchHit]:
    """Candidates (the word matches, plus the semantic top when `add_semantic`, plus the
    entries a signature names) scored by BM25 relative to the best, cosine relative to
    the best, all-words matches and the weight of the entry's signature the query holds."""
    signed = signed or {}
    by_slug = {hit.slug: hit for hit in words}
    best_bm25 = max((hit.score for hit in words), default=0.0) or 1.0
    candidates = list(by_slug)
    candidates += [slug for slug in signed if slug not in by_slug]
    best_cos = 0.0
    if similarities is not None:
        best_cos = similarities.top[0][1] if similarities.top else 0.0
        if add_semantic:
            candidates += [slug for slug, _ in similarities.top if slug not in by_slug]
    scored = []
    for order, slug in enumerate(candidates):
        entry = kb.entries.get(slug)
        if entry is None:
            continue
        hit = by_slug.get(slug) or SearchHit.of_entry(entry, 0.0)
        score = max(hit.score, 0.0) / best_bm25 + ALL_WORDS_BONUS * (slug in every)
        score += SIGNATURE_WEIGHT * signed.get(slug, 0.0)
        if similarities is not None:
            score += COSINE_WEIGHT * (similarities.of(slug) - best_cos)
        hit.score = round(score, 6)
        scored.append((-score, order, hit))
    return [hit for _, _, hit in sorted(scored, key=lambda item: item[:2])]


# Fusion with the paste ranker (diagnostics/learned_rank.py) for a query the meaning signal
# reads (three content words or more, or Chinese/Japanese): a conditional logit over four
# features of each candidate, fitted on the spent title sets (bench/search_fusion.py derives
# them, leave-one-set-out figures in docs/ranking.md "Eighth session: /search ranked with the
# paste ranker too"; refitted for the word signal, "Thirteenth session", and for the ranker
# without BM25 with queries_real10 added, "Fourteenth session"), scaled so that the search
# score's own weight is 1.
FUSE_SEARCH_RR = 0.31  # per unit of 1 / the entry's rank in search's own order
FUSE_RANKER_LOG_P = 0.05  # per unit of ln(the paste ranker's probability of the entry)
FUSE_RANKER_RR = 0.82  # per unit of 1 / the entry's rank in the paste ranker's order
FUSE_MIN_P = 1e-4  # the probability of an entry the paste ranker does not name


def _paste_ranking(kb: KnowledgeBase, query: str) -> list[tuple[str, float]]:
    """The paste ranker's candidates for `query` read as a paste, with their probabilities,
    best first ([] without a trained model or when the query cannot be read as a paste).
    The same signals as /diagnose: signatures, rules, BM25 over symptom and cause, the
    cosine over the symptom views, setting names; about 1 ms on the bundled KB."""
    # imported here, not at the top: only a long query needs the paste ranker, and the
    # type-ahead's short queries must not pay for loading it
    from diagnostics.learned_rank import load_model  # (see above)
    from diagnostics.parsers import parse_paste  # (see above)
    from diagnostics.rules import run_rules  # (see above)
    from diagnostics.signals import paste_signals  # (see above)

    model = load_model()
    if model is None:
        return []
    try:
        parsed = parse_paste(query.strip()[:MAX_QUERY_CHARS])
        findings = run_rules(parsed)
        found = get_matcher(kb).match(parsed.logical, parsed.exceptions, parsed.lines)
        signals = paste_signals(kb, parsed, found, findings, use=frozenset(model.signals))
        return model.probabilities(signals)[0]
    except Exception:  # the search index alone, as without a model
        return []


def _fused(
    kb: KnowledgeBase, hits: list[SearchHit], ranked: list[tuple[str, float]]
) -> list[SearchHit]:
    """`hits` (search's order) and the paste ranker's `ranked` entries as one order: search's
    score + FUSE_SEARCH_RR / its rank + FUSE_RANKER_LOG_P × ln(probability) + FUSE_RANKER_RR
    / the ranker's rank. An entry only the ranker names enters one below search's last."""
    if not ranked:
        return hits
    floor = min((hit.score for hit in hits), default=0.0) - 1.0
    search_rank = {hit.slug: rank for rank, hit in enumerate(hits, 1)}
    ranker_rank = {slug: rank for rank, (slug, _) in enumerate(ranked, 1)}
    probability = dict(ranked)
    by_slug = {hit.slug: hit for hit in hits}
    for slug in ranker_rank:
        entry = kb.entries.get(slug)
        if slug not in by_slug and entry is not None:
            by_slug[slug] = SearchHit.of_entry(entry, floor)
    scored = []
    for slug, hit in by_slug.items():
        score = hit.score
        if slug in search_rank:
            score += FUSE_SEARCH_RR / search_rank[slug]
        score += FUSE_RANKER_LOG_P * math.log(max(probability.get(slug, 0.0), FUSE_MIN_P))
        if slug in ranker_rank:
            score += FUSE_RANKER_RR / ranker_rank[slug]
        hit.score = round(score, 6)
        scored.append((-score, search_rank.get(slug, len(hits) + 1), hit))
    return [hit for _, _, hit in sorted(scored, key=lambda item: item[:2])]


def _run(connection, kb: KnowledgeBase, expression: str, query: str, limit: int) -> list[SearchHit]:
    weights = ", ".join(str(w) for w in COLUMN_WEIGHTS)
    ranked_sql = (
        f"SELECT rowid, bm25(fts, {weights}) AS rank FROM fts "  # noqa: S608 - constants
        "WHERE fts MATCH ? ORDER BY rank LIMIT ?"
    )
    try:
        ranked = connection.execute(ranked_sql, (expression, limit)).fetchall()
    except sqlite3.OperationalError:
        return []
    slugs = _slugs(connection, [rowid for rowid, _ in ranked])
    hits = []
    for rowid, rank in ranked:
        entry = kb.entries.get(slugs.get(rowid, ""))
        if entry is None:
            continue
        hits.append(
            SearchHit(entry.slug, entry.title, entry.summary, entry.url, "", round(-rank, 4))
        )
    return hits


def _add_snippets(connection, kb: KnowledgeBase, hits: list[SearchHit], query: str, expression):
    """Fill in the snippets of the hits shown (only those: snippets are the slow part).
    Korean queries show the Korean summary; an entry the words did not match, its summary."""
    korean = bool(HANGUL_RUN.search(query))
    snippets: dict[str, str] = {}
    if hits and expression and not korean:
        marks = ",".join("?" * len(hits))
        rows = connection.execute(
            f"SELECT id, slug FROM docs WHERE slug IN ({marks})",  # noqa: S608
            [hit.slug for hit in hits],
        )
        rowids = dict(rows)
        try:
            found = _snippets(connection, expression, list(rowids))
        except sqlite3.OperationalError:
            found = {}
        snippets = {rowids[rowid]: text for rowid, text in found.items()}
    for hit in hits:
        entry = kb.entries[hit.slug]
        if korean:
            hit.snippet = _korean_snippet(entry, query)
        elif hit.slug in snippets:
            hit.snippet = _format_snippet(snippets[hit.slug])
        else:
            hit.snippet = html.escape(entry.summary)


def _snippets(connection, expression: str, rowids: list[int]) -> dict[int, str]:
    """Snippets for the ranked rows only (computing them for every match is the slow part)."""
    if not rowids:
        return {}
    marks = ",".join("?" * len(rowids))
    sql = (
        "SELECT rowid, snippet(fts, 4, char(2), char(3), '…', 14), "  # noqa: S608
        "snippet(fts, 3, char(2), char(3), '…', 14), snippet(fts, 0, char(2), char(3), '…', 14) "
        f"FROM fts WHERE fts MATCH ? AND rowid IN ({marks})"
    )
    found = {}
    for rowid, *candidates in connection.execute(sql, (expression, *rowids)):
        found[rowid] = next((c for c in candidates if "\x02" in c), candidates[1])
    return found


def _slugs(connection, rowids: list[int]) -> dict[int, str]:
    marks = ",".join("?" * len(rowids))
    sql = f"SELECT id, slug FROM docs WHERE id IN ({marks})"  # noqa: S608
    return dict(connection.execute(sql, rowids)) if rowids else {}


_BACKTICKS = re.compile(r"`([^`<>]+)`")


def _format_snippet(raw: str) -> str:
    """Escape the snippet, then turn FTS5's \\x02/\\x03 markers into <mark>."""
    marked = html.escape(raw).replace("\x02", "<mark>").replace("\x03", "</mark>")
    return _BACKTICKS.sub(r"<code>\1</code>", marked)


def _korean_snippet(entry, query: str) -> str:
    """Korean results show the Korean summary, with the query's words marked."""
    text = html.escape(entry.summary_ko or entry.summary)
    for word in sorted(set(HANGUL_RUN.findall(query)), key=len, reverse=True):
        if len(word) >= 2:
            text = text.replace(html.escape(word), f"<mark>{html.escape(word)}</mark>")
    return _BACKTICKS.sub(r"<code>\1</code>", text)


def _exact_first(
    hits: list[SearchHit], query: str, kb: KnowledgeBase, limit: int
) -> list[SearchHit]:
    exact = exact_match(query, kb)
    if exact is None:
        return hits[:limit]
    rest = [hit for hit in hits if hit.slug != exact.slug]
    top = next((hit for hit in hits if hit.slug == exact.slug), None)
    if top is None:
        top = SearchHit.of_entry(exact, 0.0)
    top.score = max([top.score, *(hit.score for hit in rest)]) + 1.0
    return [top, *rest][:limit]


def exact_match(query: str, kb: KnowledgeBase | None = None):
    """The entry whose slug, alias or title equals the query (case and spacing ignored)."""
    kb = kb or kb_index.get_kb()
    wanted = " ".join(query.lower().split())
    if not wanted:
        return None
    entry = kb.resolve(wanted.replace(" ", "-"))
    if entry:
        return entry
    return kb.by_title().get(wanted)


def highlight_terms(text: str, query: str) -> str:
    """Escape `text` and mark the query's words in it (for summaries on result pages)."""
    escaped = html.escape(text)
    words = {w for w in re.findall(r"[^\W_]{3,}", query.lower())}
    for word in sorted(words, key=len, reverse=True):
        escaped = re.sub(rf"(?i)\b({re.escape(word)})", r"<mark>\1</mark>", escaped)
    return escaped
