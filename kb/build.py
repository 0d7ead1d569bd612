"""content/ → the KB index file, atomically.

The index is one read-only SQLite file (docs table with each entry as JSON,
an FTS5 table for search, a typo-correction table). It is written to a temporary
file beside the target and moved over it with `os.replace`, so a web process
either sees the old index or the new one, never half of one. When any content
file is broken nothing is written: the previous index stays in service and the
errors come back as `path:line: message`.

The build is idempotent: its `version` is a hash of the content files, and the
same content gives the same index.

The build owns validation, for every entry (docs/entry-format.md): schema and
sections (kb.loader), completeness (`Policy`: examples, counter-examples, the
Korean body and keywords, References), cross-references, and what needs the
engine or the code (diagnostics.validation): signatures the matcher would drop,
examples that do not rank their entry first, rule messages, and slugs named by
code, templates and corpora. Every build runs all of it; only the small test
fixture KB relaxes the completeness minimums (`FIXTURE_POLICY`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from diagnostics import validation
from diagnostics.setting_names import write_setting_table
from kb.loader import ContentError, Entry, load_file
from kb.textindex import camel_words, fold_for_index, signature_words, typo_deletions
from kb.vectors import write_signal_fts, write_vectors

SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE docs(id INTEGER PRIMARY KEY, slug TEXT UNIQUE NOT NULL, kind TEXT NOT NULL,
                  data TEXT NOT NULL);
CREATE TABLE aliases(alias TEXT PRIMARY KEY, slug TEXT NOT NULL);
CREATE VIRTUAL TABLE fts USING fts5(
    title, signatures, keywords, summary, body, ko,
    tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4'
);
CREATE VIRTUAL TABLE vocab USING fts5vocab(fts, row);
CREATE TABLE typo(del TEXT NOT NULL, term TEXT NOT NULL);
"""


@dataclass(frozen=True)
class Policy:
    """What every entry must have beyond the schema (the defaults are the site's)."""

    min_examples: int = 3
    min_counter_examples: int = 1
    min_keywords_ko: int = 2
    korean_body: bool = True
    references: bool = True  # a `## References` section
    confirm: bool = True  # a `confirm` question (shown beside each match of a diagnosis)
    code_references: bool = True  # rules' messages, slugs named by code, templates, corpora


SITE_POLICY = Policy()
# The tiny KB under tests/fixtures tests the machinery, not the content: no corpus or
# code points at it and its entries are one-liners. Examples and signatures still run.
FIXTURE_POLICY = Policy(
    min_examples=1,
    min_keywords_ko=1,
    korean_body=False,
    references=False,
    code_references=False,
    confirm=False,
)


@dataclass
class BuildResult:
    entries: list[Entry] = field(default_factory=list)
    errors: list[ContentError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    version: str = ""
    written: bool = False


def content_files(content_dir: Path) -> list[tuple[Path, str]]:
    files = [(p, "entry") for p in sorted((content_dir / "entries").glob("*.md"))]
    files += [(p, "guide") for p in sorted((content_dir / "guides").glob("*.md"))]
    return [(p, kind) for p, kind in files if not p.name.endswith(".ko.md")]


VERIFICATION_FILE = "verification.json"


def content_version(files: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    files = list(files)
    if files:  # the lab's record is content too: pages show it
        record = files[0].parent.parent / VERIFICATION_FILE
        if record.exists():
            digest.update(record.name.encode() + b"\0" + record.read_bytes() + b"\0")
    for path in files:
        korean = path.with_name(f"{path.stem}.ko.md")
        if korean.exists():
            digest.update(korean.name.encode() + b"\0" + korean.read_bytes() + b"\0")
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def load_content(content_dir: Path, policy: Policy = SITE_POLICY) -> BuildResult:
    """Load and validate every content file (no writing); all errors, not the first."""
    result = BuildResult()
    files = content_files(content_dir)
    root = content_dir.parent
    for path, kind in files:
        entry, errors = load_file(path, kind, root)
        result.errors.extend(errors)
        if entry is not None:
            result.entries.append(entry)
    result.errors.extend(check_orphan_translations(content_dir, root))
    result.errors.extend(check_cross_references(result.entries))
    result.errors.extend(check_completeness(result.entries, policy))
    result.errors.extend(validation.signature_errors(result.entries))
    if policy.code_references:
        result.errors.extend(validation.rule_message_errors(result.entries))
        result.errors.extend(validation.referenced_slug_errors(result.entries, root))
    attach_verification(Path(content_dir), result)
    if not result.errors:  # examples need a sound KB; they run on every build
        result.errors.extend(validation.example_errors(result.entries))
    result.version = content_version(p for p, _ in files)
    return result


def attach_verification(content_dir: Path, result: BuildResult) -> None:
    """Give each entry its lab record (content/verification.json, written by verify_entries).

    A record older than the entry's `updated` date is a warning: the entry changed
    after it was last verified (run `manage.py verify_entries --only <slug>`).
    """
    path = content_dir / VERIFICATION_FILE
    if not path.exists():
        return
    shown = str(path.relative_to(content_dir.parent))
    try:
        records = json.loads(path.read_text(encoding="utf-8")).get("entries", {})
        if not isinstance(records, dict):
            raise ValueError("'entries' must be a mapping")
    except (ValueError, AttributeError, OSError) as exc:
        result.errors.append(ContentError(shown, 1, f"invalid verification record: {exc}"))
        return
    entries = {entry.slug: entry for entry in result.entries}
    for slug, record in records.items():
        entry = entries.get(slug)
        if entry is None or not isinstance(record, dict):
            result.errors.append(ContentError(shown, 1, f"record for unknown entry {slug!r}"))
            continue
        entry.verification = {
            key: record.get(key, "") for key in ("status", "reason", "versions", "date")
        }
        date = str(record.get("date", ""))
        if record.get("status") != "not-reproducible" and entry.updated and date < entry.updated:
            result.warnings.append(
                f"{entry.path}: verification record ({date}) is older than 'updated' "
                f"({entry.updated}): run manage.py verify_entries --only {slug}"
            )


# The optional keywords_<lang> lists: each term must be written in that language's script.
FOREIGN_SCRIPTS = {
    "keywords_zh": re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]"),
    "keywords_ja": re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]"),
    "keywords_ru": re.compile(r"[\u0400-\u04ff]"),
}


def check_completeness(entries: list[Entry], policy: Policy) -> list[ContentError]:
    """Every entry (not a list of them) has what a reader and the engine need."""
    errors = []
    for entry in entries:
        if entry.kind != "entry":
            continue

        def error(key: str, message: str, entry: Entry = entry) -> None:
            errors.append(ContentError(entry.path, entry.key_lines.get(key, 1), message))

        if len(entry.examples) < policy.min_examples:
            error("examples", f"needs at least {policy.min_examples} examples")
        if len(entry.counter_examples) < policy.min_counter_examples:
            error(
                "counter_examples", f"needs at least {policy.min_counter_examples} counter-example"
            )
        if len(entry.keywords_ko) < policy.min_keywords_ko:
            error("keywords_ko", f"needs at least {policy.min_keywords_ko} keywords_ko")
        for key, script in FOREIGN_SCRIPTS.items():
            for word in getattr(entry, key):
                if not script.search(word):
                    error(key, f"{key} term {word!r} has no {key[-2:]} letters")
        if policy.korean_body and not entry.has_korean_body:
            error("title_ko", f"needs a Korean body ({entry.slug}.ko.md)")
        if policy.references and "references" not in {s["id"] for s in entry.section_templates}:
            error("title", "needs a '## References' section")
        if policy.confirm and not entry.confirm:
            error("title", "needs 'confirm: {en: ..., ko: ...}', the question that confirms it")
    return errors


def check_orphan_translations(content_dir: Path, root: Path) -> list[ContentError]:
    """A `<slug>.ko.md` needs its `<slug>.md`."""
    errors = []
    for folder in ("entries", "guides"):
        for korean in sorted((content_dir / folder).glob("*.ko.md")):
            if not korean.with_name(korean.name.replace(".ko.md", ".md")).exists():
                shown = str(korean.relative_to(root))
                errors.append(ContentError(shown, 1, "Korean body without an English file"))
    return errors


def check_cross_references(entries: list[Entry]) -> list[ContentError]:
    errors: list[ContentError] = []
    owners: dict[str, str] = {}
    for entry in entries:
        for name in [entry.slug, *entry.aliases]:
            if name in owners:
                what = "slug" if name == entry.slug else "alias"
                line = entry.key_lines.get("aliases", 1) if what == "alias" else 1
                errors.append(
                    ContentError(
                        entry.path, line, f"{what} {name!r} is already used by {owners[name]}"
                    )
                )
            owners[name] = entry.path
    slugs = {entry.slug for entry in entries}
    for entry in entries:
        for related in entry.related:
            if related not in slugs:
                line = entry.key_lines.get("related", 1)
                errors.append(
                    ContentError(entry.path, line, f"related slug {related!r} does not exist")
                )
        for markdown_link in _internal_links(entry):
            if markdown_link not in owners:
                errors.append(
                    ContentError(entry.path, 1, f"link to unknown slug {markdown_link!r}")
                )
    return errors


def _internal_links(entry: Entry) -> list[str]:
    import re

    found = []
    for section in entry.section_templates + entry.section_templates_ko:
        found += re.findall(r'href="/(?:kb|guides)/([a-z0-9\-]+)/?(?:#[^"]*)?"', section["html"])
    return found


def build_index(content_dir: Path, index_path: Path, policy: Policy = SITE_POLICY) -> BuildResult:
    """Validate content and, when it is all valid, swap in a freshly built index."""
    result = load_content(Path(content_dir), policy)
    if result.errors:
        return result
    write_index(result.entries, Path(index_path), result.version)
    result.written = True
    return result


def write_index(entries: list[Entry], index_path: Path, version: str) -> None:
    """Write `entries` to a new SQLite file and move it over `index_path` atomically."""
    index_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".kb-index-", suffix=".tmp", dir=index_path.parent)
    os.close(fd)
    try:
        connection = sqlite3.connect(tmp_name)
        try:
            _fill(connection, entries, version)
            connection.commit()
        finally:
            connection.close()
        # mkstemp creates 0600; the index holds only public content and the web server
        # may run as another user than kb_build.
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, index_path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def _fill(connection: sqlite3.Connection, entries: list[Entry], version: str) -> None:
    connection.executescript(SCHEMA)
    connection.executemany(
        "INSERT INTO meta VALUES (?, ?)", [("version", version), ("entries", str(len(entries)))]
    )
    for number, entry in enumerate(sorted(entries, key=lambda e: e.slug), start=1):
        connection.execute(
            "INSERT INTO docs VALUES (?, ?, ?, ?)",
            (number, entry.slug, entry.kind, json.dumps(entry.to_json(), ensure_ascii=False)),
        )
        connection.executemany(
            "INSERT INTO aliases VALUES (?, ?)", [(alias, entry.slug) for alias in entry.aliases]
        )
        connection.execute(
            "INSERT INTO fts(rowid, title, signatures, keywords, summary, body, ko) VALUES (?,?,?,?,?,?,?)",
            (
                number,
                _searchable(f"{entry.title} {entry.slug.replace('-', ' ')}"),
                _searchable(signature_words(entry.signatures)),
                _searchable(
                    " ".join(
                        entry.tags
                        + entry.components
                        + entry.symptoms
                        + entry.keywords_zh
                        + entry.keywords_ja
                        + entry.keywords_ru
                    )
                ),
                _searchable(entry.summary),
                _searchable(entry.body_text),
                fold_for_index(
                    " ".join(
                        [entry.title_ko, entry.summary_ko, *entry.keywords_ko, entry.body_text_ko]
                    )
                ),
            ),
        )
    terms = [row[0] for row in connection.execute("SELECT term FROM vocab")]
    connection.executemany("INSERT INTO typo VALUES (?, ?)", typo_deletions(terms))
    connection.execute("CREATE INDEX typo_del ON typo(del)")
    _write_signal_tables(connection, entries)


def _searchable(text: str) -> str:
    """A column of the search index: the text, then the words of its CamelCase
    identifiers (kb.textindex.camel_words: `AMQPConnectionError` → amqp connection error)."""
    return fold_for_index(f"{text} {camel_words(text)}".strip())


def _write_signal_tables(connection: sqlite3.Connection, entries: list[Entry]) -> None:
    """Issue 10 ranking signals: BM25 table, setting names and entry vectors
    (diagnostics/signals.py, diagnostics/setting_names.py)."""
    write_signal_fts(connection, entries)
    write_setting_table(connection, entries)
    write_vectors(connection, entries)
