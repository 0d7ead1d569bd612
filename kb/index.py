"""The KB as the running site sees it: loaded from the index file, cached.

`get_kb()` is cheap to call on every request: it stats the index file and
reloads only when a rebuild swapped a new file in (inode or mtime changed), so a
`kb_build` on a live site takes effect without a restart. When no index exists
(a fresh checkout where `make setup` has not run) it raises `IndexUnavailable`
with the command that builds one: a request never builds (and validates, and
runs every example of) the whole KB itself. The site answers 503 with that
message (kb.middleware).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from kb.loader import Entry


class IndexUnavailable(RuntimeError):
    """There is no index file yet: `python manage.py kb_build` (or `make setup`) builds it."""


@dataclass
class KnowledgeBase:
    entries: dict[str, Entry]
    aliases: dict[str, str] = field(default_factory=dict)
    version: str = ""
    path: Path | None = None

    @classmethod
    def from_entries(cls, entries: list[Entry], version: str = "memory") -> KnowledgeBase:
        aliases = {alias: entry.slug for entry in entries for alias in entry.aliases}
        return cls({entry.slug: entry for entry in entries}, aliases, version)

    def resolve(self, slug_or_alias: str) -> Entry | None:
        """The entry for a slug, or for an old slug kept in `aliases`."""
        slug = self.aliases.get(slug_or_alias, slug_or_alias)
        return self.entries.get(slug)

    def by_title(self) -> dict[str, Entry]:
        """Entries by lowercased English and Korean title (built once per KB)."""
        if not hasattr(self, "_by_title"):
            titles: dict[str, Entry] = {}
            for entry in self.entries.values():
                for title in (entry.title, entry.title_ko):
                    if title:
                        titles.setdefault(" ".join(title.lower().split()), entry)
            self._by_title = titles
        return self._by_title

    def of_kind(self, kind: str) -> list[Entry]:
        return sorted(
            (e for e in self.entries.values() if e.kind == kind), key=lambda e: e.title.lower()
        )


_lock = threading.Lock()
_cache: dict[str, tuple[tuple[int, int], KnowledgeBase]] = {}


def index_path() -> Path:
    return Path(settings.KB_INDEX_PATH)


def _file_key(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return (stat.st_ino, stat.st_mtime_ns)


def get_kb() -> KnowledgeBase:
    """The current knowledge base (reloaded after a rebuild)."""
    path = index_path()
    key = _file_key(path)
    if key is None:
        raise IndexUnavailable(
            f"No KB index at {path}: build it with `python manage.py kb_build` "
            "(`make run` and `make setup` do)"
        )
    cached = _cache.get(str(path))
    if cached and cached[0] == key:
        return cached[1]
    with _lock:
        kb = load_index(path)
        _cache[str(path)] = (key, kb)
        return kb


def load_index(path: Path) -> KnowledgeBase:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        version = connection.execute("SELECT value FROM meta WHERE key='version'").fetchone()[0]
        entries = {
            slug: Entry.from_json(json.loads(data))
            for slug, data in connection.execute("SELECT slug, data FROM docs")
        }
        aliases = dict(connection.execute("SELECT alias, slug FROM aliases"))
    finally:
        connection.close()
    return KnowledgeBase(entries, aliases, version, path)
