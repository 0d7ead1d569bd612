"""What the KB build asks of the diagnostics: the checks that need the engine or the code.

kb/build.py owns validation and calls these while building, so a plain
`kb_build` (and `make run`) refuses content that the engine would serve badly:

* `signature_errors`: every signature the matcher would drop (RE2 errors, a
  pattern that matches the empty string) -- `Matcher.errors`, read here.
* `example_errors`: every example must rank its entry first, every
  counter-example must not.
* `rule_message_errors`: every rule (diagnostics.rules.RULES) points at an
  existing entry that has its message in English and Korean, whose
  placeholders are evidence keys the rule declares.
* `referenced_slug_errors`: slugs named by code (checks, rules), templates and
  the test corpora exist.

Layering: kb.build -> diagnostics.validation -> diagnostics.engine -> kb.index;
nothing below imports kb.build, so there is no cycle.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from diagnostics.engine import PasteError, diagnose
from diagnostics.matcher import Matcher
from diagnostics.rules import RULES
from kb.index import KnowledgeBase
from kb.loader import MESSAGE_PLACEHOLDER, ContentError, Entry

CODE_FOLDERS = ("diagnostics", "lab")
TEMPLATE_FOLDER = "templates"
CORPUS_FOLDERS = ("tests/corpus", "tests/heldout", "tests/heldout2")
NONE_FOLDER = "_none"
# `entry="slug"`, `X_ENTRY = "slug"` and the values of `ENTRY_BY_*` maps name entries in code.
TEMPLATE_LINK = re.compile(
    r"""(?:href="/kb/|{%\s*url\s+['"]kb:(?:entry|guide)['"]\s+['"])([a-z0-9-]+)"""
)


def _path(entry: Entry) -> str:
    return entry.path or f"content/entries/{entry.slug}.md"


MATCHER_ERROR = re.compile(r"^(?P<slug>[^:]+): signature (?P<number>\d+): (?P<detail>.*)$", re.S)


def signature_errors(entries: list[Entry]) -> list[ContentError]:
    """Signatures the matcher cannot use (`Matcher.errors`): it would drop them silently."""
    by_slug = {entry.slug: entry for entry in entries}
    errors = []
    for message in Matcher([e for e in entries if e.kind == "entry"]).errors:
        found = MATCHER_ERROR.match(message)
        entry = by_slug.get(found["slug"]) if found else None
        if entry is None or found is None:
            errors.append(ContentError("content", 1, message))
            continue
        signature = entry.signatures[int(found["number"]) - 1]
        detail = f"signature {found['number']}: {found['detail']}"
        errors.append(ContentError(_path(entry), signature.line, detail))
    return errors


def example_errors(entries: list[Entry]) -> list[ContentError]:
    """Examples that do not rank their own entry first; counter-examples that do."""
    kb = KnowledgeBase.from_entries(entries, version="build")
    errors: list[ContentError] = []
    for entry in kb.entries.values():
        if entry.kind != "entry":
            continue
        line = entry.key_lines.get("examples", 1)
        for number, example in enumerate(entry.examples, start=1):
            top = _top_slug(example, kb)
            if top != entry.slug:
                message = f"example {number} ranks {top or 'nothing'} first"
                errors.append(ContentError(_path(entry), line, message))
        line = entry.key_lines.get("counter_examples", 1)
        for number, example in enumerate(entry.counter_examples, start=1):
            if _top_slug(example, kb) == entry.slug:
                message = f"counter-example {number} ranks {entry.slug} first"
                errors.append(ContentError(_path(entry), line, message))
    return errors


def _top_slug(text: str, kb: KnowledgeBase) -> str | None:
    try:
        result = diagnose(text, kb=kb)
    except PasteError:
        return None
    return result.matches[0].slug if result.matches else None


def rule_message_errors(entries: list[Entry]) -> list[ContentError]:
    """Each rule's entry exists and words its finding in en and ko with declared placeholders."""
    by_slug = {entry.slug: entry for entry in entries}
    errors: list[ContentError] = []
    for spec in RULES.values():
        entry = by_slug.get(spec.entry)
        where = f"diagnostics rule {spec.id}"
        if entry is None:
            errors.append(ContentError(where, 1, f"points at unknown entry {spec.entry!r}"))
            continue
        line = entry.key_lines.get("messages", 1)
        texts = entry.messages.get(spec.id)
        if texts is None:
            errors.append(ContentError(_path(entry), line, f"no message for rule {spec.id!r}"))
            continue
        for lang, text in texts.items():
            unknown = sorted(set(MESSAGE_PLACEHOLDER.findall(text)) - set(spec.evidence))
            if unknown:
                message = f"messages.{spec.id}.{lang} uses {unknown}, not evidence of the rule"
                errors.append(ContentError(_path(entry), line, message))
    for entry in entries:
        for rule in entry.messages:
            if rule not in RULES:
                line = entry.key_lines.get("messages", 1)
                errors.append(ContentError(_path(entry), line, f"no rule {rule!r} in the code"))
            elif RULES[rule].entry != entry.slug:
                message = f"rule {rule!r} points at {RULES[rule].entry}, not here"
                errors.append(
                    ContentError(_path(entry), entry.key_lines.get("messages", 1), message)
                )
    return errors


def referenced_slug_errors(entries: list[Entry], root: Path) -> list[ContentError]:
    """Slugs named by code, templates and corpus folders that no entry (or alias) has."""
    known = {entry.slug for entry in entries} | {a for entry in entries for a in entry.aliases}
    errors = []
    for where, line, slug in referenced_slugs(root):
        if slug not in known:
            errors.append(ContentError(where, line, f"names entry {slug!r}, which does not exist"))
    return errors


def referenced_slugs(root: Path) -> Iterable[tuple[str, int, str]]:
    """(file, line, slug) for every entry slug the code, the templates and the corpora name."""
    for folder in CODE_FOLDERS:
        for path in sorted((root / folder).rglob("*.py")):
            if "migrations" not in path.parts:
                yield from _code_slugs(path, root)
    for path in sorted((root / TEMPLATE_FOLDER).rglob("*.html")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            for slug in TEMPLATE_LINK.findall(line):
                yield str(path.relative_to(root)), number, slug
    for folder in CORPUS_FOLDERS:
        for path in sorted(p for p in (root / folder).glob("*") if p.is_dir()):
            if path.name != NONE_FOLDER:
                yield str(path.relative_to(root)), 1, path.name


def _code_slugs(path: Path, root: Path) -> Iterable[tuple[str, int, str]]:
    shown = str(path.relative_to(root))
    found = [
        (value.lineno, value.value)
        for node in ast.walk(ast.parse(path.read_text()))
        for value in _entry_values(node)
        if isinstance(value, ast.Constant) and isinstance(value.value, str)
    ]
    for line, slug in sorted(found):
        yield shown, line, slug


def _entry_values(node: ast.AST) -> list[Any]:
    if isinstance(node, ast.keyword) and node.arg == "entry":
        return [node.value]
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        name = getattr(node.targets[0], "id", "")
        if name.endswith("_ENTRY"):
            return [node.value]
        if name.startswith("ENTRY_BY_") and isinstance(node.value, ast.Dict):
            return list(node.value.values)
    return []
