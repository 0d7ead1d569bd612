"""Every parser registers itself with a sample of its input, and the sample parses.

insights-core style: the literal sample in each parser module's docstring is
run through that parser; the docstrings' doctests run too; plain prose is
"not mine" to every parser (one exception type, NotMine).
"""

from __future__ import annotations

import doctest
import importlib
import sys

import pytest

from diagnostics.parsers import parse_paste
from diagnostics.parsers.base import NotMine, Parser, registered_parsers, sample_of

PARSERS = registered_parsers()
PROSE = "Our nightly export stopped yesterday and nobody knows why.\n"


def test_every_input_kind_has_a_registered_parser():
    kinds = {parser.kind for parser in PARSERS}
    assert {"exception", "celery-log", "python-config", "yaml", "worker-command"} <= kinds
    assert {"requirements", "rabbitmq-conf"} <= kinds


@pytest.mark.parametrize("parser", PARSERS, ids=lambda p: p.kind)
def test_the_docstring_sample_parses(parser):
    assert parser.sample.strip(), f"{parser.module} has no Sample block in its docstring"
    assert parser.parse(parser.sample)


@pytest.mark.parametrize("parser", PARSERS, ids=lambda p: p.kind)
def test_prose_is_not_mine(parser):
    with pytest.raises(NotMine):
        parser.parse(PROSE)


@pytest.mark.parametrize(
    "module",
    sorted(
        {parser.module for parser in PARSERS} | {"diagnostics.parsers", "diagnostics.parsers.base"}
    ),
)
def test_parser_doctests(module):
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_a_parser_module_dropped_into_a_package_is_found(tmp_path, monkeypatch):
    package = tmp_path / "flowerlogs"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "flower.py").write_text(
        '"""Flower log lines.\n\nSample:\n\n    [I 261120 10:01:02 command:140] Visit me at http://0.0.0.0:5555\n"""\n'
        "from diagnostics.parsers.base import NotMine, Parser\n\n\n"
        "def parse(text):\n"
        "    lines = [line for line in text.splitlines() if 'command:' in line]\n"
        "    if not lines:\n"
        "        raise NotMine('no flower line')\n"
        "    return lines\n\n\n"
        "PARSER = Parser('flower-log', parse, module=__name__)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        [parser] = registered_parsers("flowerlogs")
        assert parser.kind == "flower-log" and not parser.wired
        assert parser.parse(parser.sample) == [parser.sample.strip()]
        # an unwired parser runs on every paste; its facts are filed under its kind
        monkeypatch.setattr("diagnostics.parsers.registered_parsers", lambda: (*PARSERS, parser))
        parsed = parse_paste("x\n" + parser.sample)
        assert parsed.extra == {"flower-log": [parser.sample.strip()]}
        assert "flower-log" in parsed.kinds
    finally:
        sys.modules.pop("flowerlogs.flower", None)
        sys.modules.pop("flowerlogs", None)


def test_sample_of_takes_the_indented_block_after_the_sample_line():
    module = type(sys)("m")
    module.__doc__ = "Title.\n\nSample (one line):\n\n    a = 1\n      b\n\nMore prose.\n"
    assert sample_of(module) == "a = 1\n  b\n"
    assert isinstance(PARSERS[0], Parser)
