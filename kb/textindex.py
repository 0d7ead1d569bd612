"""How text is cut into searchable terms, shared by the index build and queries.

FTS5's unicode61 tokenizer splits on anything that is not a letter or digit
(`PRECONDITION_FAILED` → `precondition failed`), which is what we want for
error texts: the query side cuts the same way and asks for the pieces as an
adjacent phrase, so `global_qos` finds "global QoS" and `result.get()` finds
"result.get()".

Hangul (and, the same way, Chinese and Japanese: CJK ideographs, hiragana,
katakana) is the exception. unicode61 keeps a run of syllables as one token
(`쿼럼큐를`), so a query for `쿼럼` would miss it; trigram tokenizers return
nothing for two-syllable words. We therefore rewrite every run of two or more
syllables as its overlapping bigrams (`캐시워밍업` → `캐시 시워 워밍 밍업`) on
both sides. A two-syllable query word becomes one bigram term; a longer word a
phrase of adjacent bigrams, so `검색` never matches `검` ... `색`.

Typos: one edit (substitution, insertion, deletion or transposition) in words of
five letters or more, found through a deletion index (every term with one letter
removed), then confirmed with a real distance check.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

HANGUL_RUN = re.compile(r"[\uac00-\ud7a3]+")
# Hangul, CJK ideographs (Chinese, Japanese kanji), hiragana and katakana: cut into bigrams
CJK_RUN = re.compile(
    r"[\uac00-\ud7a3\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\u31f0-\u31ff]+"
)
WORD_PIECES = re.compile(r"[^\W_]+")
TYPO_MIN_LENGTH = 5
_REGEX_SYNTAX = re.compile(r"\(\?P<\w+>|\(\?[a-zA-Z:]+\)?|\[[^\]]*\]|\\[a-zA-Z]|[()*+?|{}^$\\.]")


def hangul_bigrams(run: str) -> list[str]:
    if len(run) < 2:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def fold_for_index(text: str) -> str:
    """Rewrite Hangul and other CJK runs as bigrams; leave everything else to the tokenizer."""
    return CJK_RUN.sub(lambda m: " ".join(hangul_bigrams(m.group(0))), text)


# Cyrillic words are cut to their first letters on both sides of the paste path's BM25
# (entries' `keywords_ru` and the paste): Russian inflects nouns and verbs by their
# endings (`воркер`, `воркеры`, `воркеров`), so a shared prefix stands in for a stemmer: words of
# six letters or more keep their first five.
CYRILLIC_WORD = re.compile(r"[\u0400-\u04ff]{6,}")
CYRILLIC_STEM = 5


def fold_for_signals(text: str) -> str:
    """`fold_for_index`, plus Cyrillic words cut to CYRILLIC_STEM letters (lowercased)."""
    text = CYRILLIC_WORD.sub(lambda m: m.group(0).lower()[:CYRILLIC_STEM], text)
    return fold_for_index(text)


def signature_words(signatures: Iterable) -> str:
    """The searchable words of an entry's signatures (regex syntax stripped)."""
    words = []
    for sig in signatures:
        for regex in (sig.exception, sig.message, sig.pattern):
            if regex:
                words.append(_REGEX_SYNTAX.sub(" ", regex))
    return " ".join(words)


# Korean particles a query word may end with (`태스크가`, `워커를`, `설정으로`): the
# entries' text has the noun with other particles or none, so a query drops them.
KOREAN_PARTICLES = (
    "으로",
    "에서",
    "에게",
    "까지",
    "부터",
    "처럼",
    "이",
    "가",
    "을",
    "를",
    "은",
    "는",
    "의",
    "에",
    "로",
    "와",
    "과",
    "도",
)


def strip_particle(run: str) -> str:
    """A Hangul word without its trailing particle, keeping two syllables at least."""
    for particle in KOREAN_PARTICLES:
        if run.endswith(particle) and len(run) - len(particle) >= 2:
            return run[: -len(particle)]
    return run


# Identifiers written in CamelCase (`AMQPConnectionError`, `Redis::CannotConnectError`,
# `SoftTimeLimitExceeded`): unicode61 keeps each as one token, so another client's name
# for the same failure shares no term with an entry. The search index also holds their
# words (`amqp connection error`), appended to each column (camel_words), and a query
# word asks for either form.
_CAMEL_PIECE = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+[0-9]*|[A-Z]+[0-9]*|[0-9]+")


def split_identifier(token: str) -> list[str]:
    """The lowercased words of a CamelCase token (`CannotConnectError` → cannot, connect,
    error), or [] when it is not one (`ECONNREFUSED`, `celery`, `x509`)."""
    if not token.isascii() or token.islower() or token.isupper():
        return []
    pieces = _CAMEL_PIECE.findall(token)
    if len(pieces) < 2 or "".join(pieces) != token or min(map(len, pieces)) < 2:
        return []
    return [p.lower() for p in pieces]


def camel_words(text: str) -> str:
    """The words of every CamelCase identifier in `text`, for the search index."""
    found = (split_identifier(t) for t in WORD_PIECES.findall(text))
    return " ".join(" ".join(words) for words in found if words)


def query_pieces(word: str, *, split_camel: bool = False) -> list[list[str]]:
    """One query word → phrases (lists of adjacent terms).

    A lone syllable (`큐`) stays a one-term phrase: the search asks for it as a
    prefix, which finds the bigrams that start with it (`큐가`, `큐를`) and the
    syllable standing alone. A Hangul word drops its trailing particle first.
    `split_camel`: CamelCase tokens become their words (`AMQPConnectionError` →
    amqp connection error).
    """
    phrases: list[list[str]] = []
    latin: list[str] = []
    for part in _split_cjk(word):
        if CJK_RUN.fullmatch(part):
            if latin:
                phrases.append(latin)
                latin = []
            if HANGUL_RUN.fullmatch(part):
                part = strip_particle(part)
            phrases.append(hangul_bigrams(part))
        else:
            for token in WORD_PIECES.findall(part):
                words = split_identifier(token) if split_camel else []
                latin += words or [token.lower()]
    if latin:
        phrases.append(latin)
    return phrases


def _split_cjk(word: str) -> list[str]:
    """`word` cut into alternating non-CJK and CJK parts (the CJK runs kept)."""
    parts: list[str] = []
    last = 0
    for match in CJK_RUN.finditer(word):
        parts += [word[last : match.start()], match.group(0)]
        last = match.end()
    parts.append(word[last:])
    return [p for p in parts if p]


def deletions(term: str) -> set[str]:
    return {term[:i] + term[i + 1 :] for i in range(len(term))}


def typo_deletions(terms: Iterable[str]) -> list[tuple[str, str]]:
    """Rows (deleted form, term) for every indexable term of typo-worthy length."""
    rows = []
    for term in terms:
        if len(term) >= TYPO_MIN_LENGTH - 1 and term.isascii() and term.isalpha():
            rows.append((term, term))
            rows.extend((deleted, term) for deleted in deletions(term))
    return rows


def within_one_edit(a: str, b: str) -> bool:
    """True when a and b differ by one substitution, insertion, deletion or transposition."""
    if a == b or abs(len(a) - len(b)) > 1:
        return a == b
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))
