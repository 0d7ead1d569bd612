"""`linear_re.compile(..., needs=...)`: the literal prefilter never changes an answer.

A pattern given `needs` skips RE2 on a line holding none of those literals. The
test finds every such pattern in the paste parsers and rules and compares its
`search` and `match` with RE2's own answer on every line of the test pastes
(corpus, the open held-out sets, the entries' Markdown) and on lines built to hold each literal.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

from diagnostics import budget, linear_re
from tests.corpus_loader import load_corpus

ROOT = Path(__file__).resolve().parent.parent


def _patterns_with_needs() -> list[tuple[str, linear_re.Pattern]]:
    import diagnostics.parsers
    import diagnostics.rules

    found: dict[int, tuple[str, linear_re.Pattern]] = {}

    def visit(name: str, value: object, depth: int = 0) -> None:
        if isinstance(value, linear_re.Pattern):
            if value.needs:
                found[id(value)] = (name, value)
        elif isinstance(value, (tuple, list)) and depth < 3:
            for item in value:
                visit(name, item, depth + 1)
        elif isinstance(value, dict) and depth < 3:
            for item in value.values():
                visit(name, item, depth + 1)

    for package in (diagnostics.parsers, diagnostics.rules):
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            for attr, value in vars(module).items():
                visit(f"{module.__name__}.{attr}", value)
    return sorted(found.values(), key=lambda pair: pair[0])


PATTERNS = _patterns_with_needs()


def _lines() -> list[str]:
    lines: set[str] = set()
    for name in ("corpus", "heldout", "heldout2"):
        for item in load_corpus(ROOT / "tests" / name):
            lines.update(item.text.splitlines())
    for path in sorted((ROOT / "content").rglob("*.md")):  # the entries' examples and prose
        lines.update(path.read_text(encoding="utf-8").splitlines())
    for _, pattern in PATTERNS:  # each literal alone, and inside text that matches elsewhere
        for literal in pattern.needs:
            lines.update({literal, f"x {literal} y", f"  {literal}", literal.lower()})
    return sorted(lines)


def test_the_parsers_use_needs():
    names = {name for name, _ in PATTERNS}
    assert "diagnostics.parsers.logs.KINDS" in names
    assert "diagnostics.parsers.traceback.FRAME" in names
    assert len(PATTERNS) >= 15


@pytest.mark.parametrize("name,pattern", PATTERNS, ids=[name for name, _ in PATTERNS])
def test_needs_gives_re2s_own_answer_on_every_test_line(name, pattern):
    raw = pattern._regex
    checked = 0
    for line in _LINES:
        for head in (line, line[:400]):
            found = pattern.search(head)
            expected = raw.search(head)
            assert (found and found.span()) == (expected and expected.span()), (name, head)
            found = pattern.match(head)
            expected = raw.match(head)
            assert (found and found.span()) == (expected and expected.span()), (name, head)
            checked += 1
    assert checked > 2_000


_LINES = _lines()


def test_a_skipped_call_is_charged_like_a_scanned_one():
    plain = linear_re.compile(r"a+b")
    prefiltered = linear_re.compile(r"a+b", needs=("b",))
    for pattern in (plain, prefiltered):
        with budget.counting() as spent:
            assert pattern.search("aaaa") is None
        assert (spent.work, spent.regex_calls, spent.regex_work) == (5, 1, 5)


@pytest.mark.parametrize(
    "pattern,flags,needs",
    [
        (r"x*", 0, ("x",)),  # matches empty text: no literal is needed
        (r"error", linear_re.IGNORECASE, ("error",)),  # ERROR would be skipped
        (r"a", 0, "a"),  # a string, not a tuple of literals
        (r"a", 0, ("",)),
    ],
)
def test_needs_that_could_change_an_answer_are_refused(pattern, flags, needs):
    with pytest.raises(ValueError):
        linear_re.compile(pattern, flags, needs=needs)


@pytest.mark.parametrize("text", ["key=v1 tail", "key= tail", "ünï key=v2", "nothing here"])
def test_match_groups_read_like_the_wrappers_own(text):
    """The fast ASCII path builds its own match object (linear_re._Match, group names read
    from an index built once): groups by name and number, unmatched groups and bad names
    answer as the wrapper's match does."""
    pattern = linear_re.compile(r"(?P<key>key)=(?P<value>v\d)?(\s+(?P<rest>\w+))?")
    ours, theirs = pattern.search(text), pattern._regex.search(text)
    assert (ours is None) == (theirs is None)
    if ours is None:
        return
    for group in ("key", "value", "rest", 0, 1, 2, 3, 4):
        assert ours.group(group) == theirs.group(group), group
    assert ours.groups() == theirs.groups()
    assert ours.groupdict() == theirs.groupdict()
    assert [ours.span(n) for n in range(5)] == [theirs.span(n) for n in range(5)]
    for bad in ("nope", 5):
        with pytest.raises(IndexError):
            ours.group(bad)
