"""Captured texts become an entry's examples (`verify_entries --refresh-examples`).

The front matter is edited as text, so comments and formatting elsewhere stay
as written. Captured examples are the list items that follow a comment line
`# lab capture: <name> (<versions>, <date>)`; a refresh replaces exactly those
and leaves hand-written examples alone. The file is reloaded afterwards and the
change is undone if it no longer loads, or if a capture would not rank its
entry first.
"""

from __future__ import annotations

import datetime as dt
import textwrap

from kb.loader import load_file
from lab.runner import diagnose_text, entry_path

MARK = "  # lab capture:"


def _clean(text: str) -> str:
    lines = [line.rstrip() for line in textwrap.dedent(text.strip("\n")).splitlines()]
    return "\n".join(lines).strip("\n")


def _items(lines: list[str], start: int, end: int) -> list[tuple[int, int, bool]]:
    """(first line, end line, captured?) of each list item in lines[start:end]."""
    items: list[tuple[int, int, bool]] = []
    index = start
    while index < end:
        first = index
        while index < end and lines[index].startswith("  #"):
            index += 1
        if index >= end:
            break
        if not lines[index].startswith("  - "):
            index += 1
            continue
        captured = any(lines[i].startswith(MARK) for i in range(first, index))
        index += 1
        while index < end and not lines[index].startswith(("  - ", "  #")):
            index += 1
        items.append((first, index, captured))
    return items


def refresh_examples(slug: str, captures: list[dict[str, str]], versions: dict[str, str]) -> bool:
    """Replace the entry's captured examples with `captures`; True when the file changed."""
    path = entry_path(slug)
    original = path.read_text(encoding="utf-8")
    lines = original.split("\n")
    try:
        start = lines.index("examples:") + 1
    except ValueError:
        return False
    end = start
    while end < len(lines) and (lines[end].startswith(" ") or not lines[end].strip()):
        end += 1
    kept: list[str] = []
    for first, stop, captured in _items(lines, start, end):
        if not captured:
            kept.extend(lines[first:stop])
    shown = ", ".join(
        f"{name} {versions[key]}"
        for key, name in (("celery", "Celery"), ("kombu", "kombu"), ("rabbitmq", "RabbitMQ"))
        if key in versions
    )
    today = dt.date.today().isoformat()
    new: list[str] = []
    seen: set[str] = set()
    for capture in captures:
        text = _clean(capture["text"])
        if not text or text in seen:
            continue
        seen.add(text)
        new.append(f"{MARK} {capture['name']} ({shown}, {today})")
        # a first line that starts with spaces needs YAML's explicit indentation indicator
        new.append("  - |2" if text[:1].isspace() else "  - |")
        new.extend(("    " + line) if line else "" for line in text.split("\n"))
    while kept and not kept[-1].strip():
        kept.pop()
    updated = "\n".join(lines[:start] + new + kept + lines[end:])
    if updated == original:
        return False
    path.write_text(updated, encoding="utf-8")
    entry, errors = load_file(path, "entry")
    if entry is None or errors or not _captures_rank_first(entry, captures):
        path.with_suffix(".rejected").write_text(updated, encoding="utf-8")
        path.write_text(original, encoding="utf-8")
        raise ValueError(f"{path}: refreshed examples do not load or rank: {errors[:3]}")
    return True


def _captures_rank_first(entry, captures: list[dict[str, str]]) -> bool:
    return all(diagnose_text(c["text"])["slug"] == entry.slug for c in captures)


__all__ = ["MARK", "refresh_examples"]
