"""Parsers register themselves: one `PARSER = Parser(...)` per module, found by looking.

    >>> sorted(parser.kind for parser in registered_parsers())[:3]
    ['celery-log', 'exception', 'python-config']

A parser reads one kind of input from a whole paste and returns its facts, or
raises `NotMine` when the text is another kind (insights-core's SkipComponent);
`MalformedPaste` when it is its kind but broken or hostile. Its sample is the
indented block after the `Sample` line of its module docstring: a literal input
of that kind, which tests/test_parser_samples.py parses with the parser.

`parse_paste` wires the parsers whose facts have a field of their own in
`ParsedPaste` (`wired=True`); any other registered parser runs on every paste
and its facts land in `ParsedPaste.extra[kind]`. Adding a parser (say, Flower's
log format) is its module with a docstring sample and `PARSER`, plus a test.
"""

from __future__ import annotations

import importlib
import pkgutil
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from types import ModuleType
from typing import Any

from diagnostics.parsers.errors import NotMine

__all__ = ["NotMine", "Parser", "registered_parsers", "sample_of"]


@dataclass(frozen=True)
class Parser:
    kind: str
    parse: Callable[[str], Any]  # the whole paste -> facts; NotMine when it is not this kind
    wired: bool = False  # parse_paste stores its facts in a ParsedPaste field of their own
    module: str = ""

    @property
    def sample(self) -> str:
        return sample_of(importlib.import_module(self.module))


def sample_of(module: ModuleType) -> str:
    """The indented block after the docstring's `Sample` line, dedented ("" when none)."""
    lines = (module.__doc__ or "").splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("Sample")), None)
    if start is None:
        return ""
    block: list[str] = []
    for line in lines[start + 1 :]:
        if line.strip() and not line.startswith("    "):
            break
        block.append(line)
    return textwrap.dedent("\n".join(block)).strip("\n") + "\n"


@lru_cache(maxsize=8)
def registered_parsers(package: str = "diagnostics.parsers") -> tuple[Parser, ...]:
    """Every module of `package` that defines `PARSER`, in module-name order (found once)."""
    found = []
    root = importlib.import_module(package)
    for info in sorted(pkgutil.iter_modules(root.__path__), key=lambda i: i.name):
        # imported by name at run time: discovering them is the point of the registry
        module = importlib.import_module(f"{package}.{info.name}")
        parser = getattr(module, "PARSER", None)
        if isinstance(parser, Parser):
            found.append(parser)
    return tuple(found)
