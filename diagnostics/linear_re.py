"""Regular expressions for pasted text: RE2 only (linear time), with the work counted.

    >>> from diagnostics import linear_re
    >>> WORD = linear_re.compile(r"\\bpass(?:word)?\\b", linear_re.IGNORECASE)
    >>> WORD.search("PASSWORD=x").group()
    'PASSWORD'

Python's `re` backtracks: a pattern as plain as `\\w*password` takes time
quadratic (or worse) in a run of letters, and a 2 KB paste can hold a worker
for a minute. Every pattern that runs on pasted text (parsers, rules,
redaction) is compiled here instead. RE2 has no backtracking, so each call
is linear in the text it scans; there are no look-arounds or backreferences
(`compile` refuses them, so a backtracking pattern cannot creep back in).

Each call charges the current `diagnostics.budget` with the length of the
text handed to the engine, which is what the tests' work bounds count. The
`google-re2` wrapper encodes the whole `str` to UTF-8 on every call, so a
loop that calls `match(text, pos)` along a long text is quadratic: callers
match lines (or short slices), never a moving position in a long text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import re2

from diagnostics import budget
from diagnostics.budget import _current as _budget_var

IGNORECASE = 1
MULTILINE = 2
DOTALL = 4
_INLINE = {IGNORECASE: "i", MULTILINE: "m", DOTALL: "s"}
_OPTIONS = re2.Options()
_OPTIONS.log_errors = False
_OPTIONS.max_mem = 64 << 20  # large alternations (redaction) need more than the 8 MB default

error = re2.error
_ANCHOR_START = re2._Anchor.ANCHOR_START
_UNANCHORED = re2._Anchor.UNANCHORED
_NO_SPAN = (-1, -1)
_current_budget = _budget_var.get


class Pattern:
    """A compiled RE2 pattern with the `re.Pattern` methods the parsers use."""

    __slots__ = ("_regex", "pattern", "flags", "_on_empty", "needs", "_groupindex")

    def __init__(self, pattern: str, flags: int = 0, needs: tuple[str, ...] = ()) -> None:
        inline = "".join(letter for flag, letter in _INLINE.items() if flags & flag)
        self.pattern = pattern
        self.flags = flags
        self._regex = re2.compile(f"(?{inline}){pattern}" if inline else pattern, _OPTIONS)
        # Each call costs microseconds of wrapper overhead: the answer for an empty line
        # (the blanked middle of a long paste has thousands) is computed once.
        self._on_empty = self._regex.match("")
        # the wrapper rebuilds this dict from RE2 on every `m.group(name)`: built once here
        self._groupindex = self._regex.groupindex
        self.needs = _checked_needs(needs, flags, self._on_empty)

    def _charge(self, text: str) -> None:
        budget.charge(len(text) + 1, regex=True)

    def _first(self, anchor: Any, text: str, pos: int) -> Any:
        """The first match, like the wrapper's `match`/`search`, with a fast path for
        ASCII text (byte offsets are character offsets: no offset translation)."""
        if not text:
            return self._on_empty
        # budget.charge(len(text) + 1, regex=True), written out: this runs ~1000 times a paste
        spent = _current_budget()
        if spent is not None:
            work = len(text) + 1
            spent.work += work
            spent.regex_calls += 1
            spent.regex_work += work
        needs = self.needs
        if needs and not any(literal in text for literal in needs):
            return None  # every match contains one of `needs`: no RE2 call (same answer)
        if not text.isascii() or pos < 0 or pos > len(text):
            return next(self._regex._match(anchor, text, pos, None), None)
        spans = self._regex._regexp.Match(anchor, text.encode("ascii"), pos, len(text))
        if spans[0] == _NO_SPAN:
            return None
        return _Match(self._regex, text, pos, len(text), spans, self._groupindex)

    def match(self, text: str, pos: int = 0) -> Any:
        return self._first(_ANCHOR_START, text, pos)

    def search(self, text: str, pos: int = 0) -> Any:
        return self._first(_UNANCHORED, text, pos)

    def fullmatch(self, text: str) -> Any:
        self._charge(text)
        return self._regex.fullmatch(text)

    def finditer(self, text: str) -> Iterator[Any]:
        self._charge(text)
        return self._regex.finditer(text)

    def findall(self, text: str) -> list[Any]:
        self._charge(text)
        return self._regex.findall(text)

    def sub(self, repl: str | Callable[[Any], str], text: str, count: int = 0) -> str:
        self._charge(text)
        return self._regex.sub(repl, text, count)

    def split(self, text: str) -> list[str]:
        self._charge(text)
        return self._regex.split(text)

    def __repr__(self) -> str:
        return f"linear_re.compile({self.pattern!r}, {self.flags})"


class _Match(re2._Match):
    """The wrapper's match object, reading named groups from its pattern's index built
    once (the wrapper asks RE2 for every group name and count on every access)."""

    __slots__ = ("_index",)

    def __init__(
        self, regexp: Any, text: str, pos: int, endpos: int, spans: Any, index: dict
    ) -> None:
        super().__init__(regexp, text, pos, endpos, spans)
        self._index = index

    def __getitem__(self, group: int | str) -> str | None:
        if not isinstance(group, int):
            try:
                group = self._index[group]
            except KeyError:
                raise IndexError("bad group name") from None
        if not 0 <= group < len(self._spans):
            raise IndexError("bad group index")
        start, end = self._spans[group]
        return None if start == -1 else self._text[start:end]


def compile(pattern: str, flags: int = 0, needs: tuple[str, ...] = ()) -> Pattern:  # noqa: A001
    """An RE2 pattern; `re2.error` for syntax RE2 lacks (look-arounds, backreferences).

    `needs`: literals of which every match contains at least one (case as written).
    `match` and `search` answer None without calling RE2 when the text holds none of
    them; the work is charged all the same. tests/test_linear_re_needs.py checks each
    such pattern against RE2 alone on every line of the test pastes.
    """
    return Pattern(pattern, flags, needs)


def _checked_needs(needs: tuple[str, ...], flags: int, on_empty: Any) -> tuple[str, ...]:
    if not needs:
        return ()
    if isinstance(needs, str) or not all(isinstance(n, str) and n for n in needs):
        raise ValueError("needs: a tuple of non-empty literals")
    if on_empty is not None:
        raise ValueError("needs: the pattern matches empty text, so a match needs no literal")
    if flags & IGNORECASE and any(
        ch.lower() != ch.upper() or not ch.isascii() for n in needs for ch in n
    ):
        raise ValueError("needs: with IGNORECASE only literals without letters are exact")
    return tuple(needs)


def sub(pattern: str, repl: str | Callable[[Any], str], text: str, flags: int = 0) -> str:
    return _cached(pattern, flags).sub(repl, text)


def search(pattern: str, text: str, flags: int = 0) -> Any:
    return _cached(pattern, flags).search(text)


def fullmatch(pattern: str, text: str, flags: int = 0) -> Any:
    return _cached(pattern, flags).fullmatch(text)


def split(pattern: str, text: str, flags: int = 0) -> list[str]:
    return _cached(pattern, flags).split(text)


_CACHE: dict[tuple[str, int], Pattern] = {}


def _cached(pattern: str, flags: int) -> Pattern:
    key = (pattern, flags)
    compiled = _CACHE.get(key)
    if compiled is None:
        compiled = _CACHE[key] = Pattern(pattern, flags)
    return compiled
