"""Content files → validated `Entry` objects.

`content/entries/<slug>.md` and `content/guides/<slug>.md` are the source of
truth: YAML front matter, then a Markdown body (docs/entry-format.md). This
module reads one file, checks its schema and returns an `Entry` plus a list of
`ContentError`s (each with the file and line, printed as `path:line: message`).
It never raises on bad content: the build collects every error first, so a
writer sees them all at once.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.urls import reverse

from kb.render import (
    PLACEHOLDER,
    RenderedBody,
    defaults_shown,
    fill_placeholders,
    inline_html,
    render_body,
)

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
COMPONENTS = {
    "celery",
    "kombu",
    "amqp",
    "rabbitmq",
    "redis",
    "kubernetes",
    "django",
    "python",
    "postgresql",
    "docker",
}
# Optional search terms in other languages people describe problems in (docs/entry-format.md)
FOREIGN_KEYWORDS = ("keywords_zh", "keywords_ja", "keywords_ru")
REQUIRED_SECTIONS = ("symptom", "cause", "fix")
ENTRY_KEYS_REQUIRED = (
    "title",
    "summary",
    "title_ko",
    "summary_ko",
    "keywords_ko",
    "tags",
    "components",
    "updated",
    "versions",
    "signatures",
    "examples",
    "counter_examples",
)
MAX_SYMPTOMS = 10
MAX_SYMPTOM_CHARS = 100
GUIDE_KEYS_REQUIRED = ("title", "summary", "tags", "components", "updated", "versions")
KNOWN_KEYS = set(ENTRY_KEYS_REQUIRED) | {
    "symptoms",
    "aliases",
    "related",
    "defaults",
    "messages",
    "not_reproducible",
    "confirm",
    *FOREIGN_KEYWORDS,
}
MESSAGE_LANGS = ("en", "ko")
MESSAGE_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")
MIN_EXAMPLES = 3
MIN_COUNTER_EXAMPLES = 1
MIN_KEYWORDS_KO = 2
# `confirm`: one yes/no question per language that tells a reader whether this entry's cause
# is theirs (shown beside each match of a diagnosis)
MAX_CONFIRM_CHARS = 240


@dataclass(frozen=True)
class Signature:
    """One matcher signature (docs/entry-format.md, "Signatures")."""

    exception: str | None = None
    message: str | None = None
    pattern: str | None = None
    unless: str | None = None
    weight: float = 1.0
    case: bool = False
    line: int = 0


@dataclass(frozen=True)
class Section:
    """One level-2 section of an entry. `html` shows placeholders with their defaults."""

    id: str
    title: str
    html: str


@dataclass(frozen=True)
class ContentError:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class Entry:
    """A KB entry or guide, as the site and the matcher use it."""

    slug: str
    kind: str = "entry"
    title: str = ""
    summary: str = ""
    title_ko: str = ""
    summary_ko: str = ""
    keywords_ko: list[str] = field(default_factory=list)
    keywords_zh: list[str] = field(default_factory=list)
    keywords_ja: list[str] = field(default_factory=list)
    keywords_ru: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    components: list[str] = field(default_factory=list)
    # how people describe the problem in their own words (read by the meaning signals)
    symptoms: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    related: list[str] = field(default_factory=list)
    updated: str = ""
    versions: dict[str, str] = field(default_factory=dict)
    signatures: list[Signature] = field(default_factory=list)
    defaults: dict[str, str] = field(default_factory=dict)
    not_reproducible: str = ""  # why the lab cannot reproduce it here (lab/README.md)
    verification: dict[str, Any] = field(default_factory=dict)  # content/verification.json
    examples: list[str] = field(default_factory=list)
    counter_examples: list[str] = field(default_factory=list)
    messages: dict[str, dict[str, str]] = field(default_factory=dict)  # rule id -> {en, ko}
    # {en, ko}: the one check that tells whether this entry is the reader's problem
    confirm: dict[str, str] = field(default_factory=dict)
    section_templates: list[dict[str, str]] = field(default_factory=list)
    body_text: str = ""
    section_templates_ko: list[dict[str, str]] = field(default_factory=list)
    body_text_ko: str = ""
    path: str = ""
    key_lines: dict[str, int] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return reverse("kb:guide" if self.kind == "guide" else "kb:entry", args=[self.slug])

    @property
    def sections(self) -> list[Section]:
        return self.sections_in("en")

    @property
    def has_korean_body(self) -> bool:
        return bool(self.section_templates_ko)

    def sections_in(self, lang: str) -> list[Section]:
        """The body's sections in `lang` ("ko" falls back to English when there is no .ko.md)."""
        return [
            Section(s["id"], s["title"], fill_placeholders(s["html"], {}, self.defaults, lang))
            for s in self._templates(lang)
        ]

    def render_confirm(self, facts: Mapping[str, str] | None = None, lang: str = "en") -> str:
        """HTML of the `confirm` question in `lang`, its names filled from `facts`, else defaults."""
        text = self.confirm.get(lang) or self.confirm.get("en", "")
        return inline_html(text, facts or {}, self.defaults, lang) if text else ""

    def render_section(
        self, section_id: str, facts: Mapping[str, str] | None = None, lang: str = "en"
    ) -> str:
        """HTML of one section with placeholders filled from `facts` (escaped), else defaults."""
        template = self._section_template(section_id, lang)
        return fill_placeholders(template, facts or {}, self.defaults, lang) if template else ""

    def section_defaults(
        self, section_id: str, facts: Mapping[str, str] | None = None, lang: str = "en"
    ) -> dict[str, str]:
        """The example values (defaults) one section shows where `facts` give none."""
        template = self._section_template(section_id, lang)
        return defaults_shown(template, facts or {}, self.defaults) if template else {}

    def _section_template(self, section_id: str, lang: str) -> str | None:
        """The unfilled HTML of one section in `lang`, or None when the entry has none."""
        for section in self._templates(lang):
            if section["id"] == section_id:
                return section["html"]
        return None

    def _templates(self, lang: str) -> list[dict[str, str]]:
        if lang == "ko" and self.section_templates_ko:
            return self.section_templates_ko
        return self.section_templates

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["signatures"] = [asdict(sig) for sig in self.signatures]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Entry:
        data = dict(data)
        data["signatures"] = [Signature(**sig) for sig in data.get("signatures", [])]
        return cls(**data)


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that remembers the line of every mapping key and sequence item."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict:
    mapping = yaml.SafeLoader.construct_mapping(loader, node, deep=True)
    lines = {key.value: key.start_mark.line for key, _ in node.value if hasattr(key, "value")}
    mapping["__lines__"] = lines
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _strip_lines(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k != "__lines__"}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value


def split_front_matter(text: str) -> tuple[str, str, int]:
    """Return (front matter, body, line number where the body starts)."""
    if not text.startswith("---"):
        raise ValueError("file must start with '---' and YAML front matter")
    match = re.search(r"^---[ \t]*$", text[3:], re.MULTILINE)
    if not match:
        raise ValueError("front matter is not closed by a '---' line")
    front = text[3 : 3 + match.start()]
    body = text[3 + match.end() :]
    return front, body.lstrip("\n"), text[: 3 + match.end()].count("\n") + 2


def load_file(
    path: Path, kind: str, root: Path | None = None
) -> tuple[Entry | None, list[ContentError]]:
    """Load one content file. Returns the entry (None when unusable) and its errors."""
    shown = str(path.relative_to(root)) if root else str(path)
    errors: list[ContentError] = []

    def error(line: int, message: str) -> None:
        errors.append(ContentError(shown, line, message))

    try:
        text = path.read_text(encoding="utf-8")
        front, body, body_line = split_front_matter(text)
        raw = yaml.load(front, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        error((mark.line + 1) if mark else 1, f"invalid YAML front matter: {exc.problem or exc}")
        return None, errors
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
        error(1, f"cannot read: {exc}")
        return None, errors
    if not isinstance(raw, dict):
        error(1, "front matter must be a YAML mapping")
        return None, errors
    lines = {key: line + 1 for key, line in raw.get("__lines__", {}).items()}
    data = _strip_lines(raw)
    slug = path.stem
    if not SLUG_RE.match(slug):
        error(1, f"file name {slug!r} is not a valid slug (lowercase letters, digits, hyphens)")
    entry = _build_entry(slug, kind, data, lines, error, raw.get("signatures"))
    entry.path = shown
    entry.key_lines = lines
    rendered = render_body(body, first_line=body_line)
    for line, message in rendered.errors:
        error(line, message)
    _check_sections(entry, rendered, body_line, error)
    entry.section_templates = rendered.sections
    entry.body_text = rendered.text
    _check_placeholders(entry, rendered, body_line, error)
    korean = path.with_name(f"{slug}.ko.md")
    if korean.exists():
        _load_korean_body(entry, korean, root, errors)
    return entry, errors


def _load_korean_body(entry: Entry, path: Path, root: Path | None, errors: list) -> None:
    """`<slug>.ko.md`: the same sections in Korean (a body only, no front matter).

    It must have the entry's required sections and may only use placeholders
    the English file gives defaults for; anchors are the same (`## 증상` is
    `#symptom`), so a link to `#fix` works in both languages.
    """
    shown = str(path.relative_to(root)) if root else str(path)

    def error(line: int, message: str) -> None:
        errors.append(ContentError(shown, line, message))

    try:
        body = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        error(1, f"cannot read: {exc}")
        return
    if body.startswith("---"):
        error(1, "a Korean body has no front matter: the English file holds it")
        return
    rendered = render_body(body, first_line=1)
    for line, message in rendered.errors:
        error(line, message)
    _check_sections(entry, rendered, 1, error)
    _check_placeholders(entry, rendered, 1, error)
    english, korean = _anchor_ids(entry.section_templates), _anchor_ids(rendered.sections)
    if english != korean:
        missing, extra = sorted(english - korean), sorted(korean - english)
        error(1, f"anchors differ from the English body: missing {missing}, extra {extra}")
    entry.section_templates_ko = rendered.sections
    entry.body_text_ko = rendered.text


def _anchor_ids(sections: list[dict[str, str]]) -> set[str]:
    """Every anchor of a body: section ids and sub-heading ids."""
    ids = {section["id"] for section in sections}
    for section in sections:
        ids.update(re.findall(r'<h[3-6] id="([^"]+)"', section["html"]))
    return ids


def _build_entry(
    slug: str, kind: str, data: dict, lines: dict[str, int], error, raw_signatures: Any = None
) -> Entry:
    required = ENTRY_KEYS_REQUIRED if kind == "entry" else GUIDE_KEYS_REQUIRED
    for key in required:
        if data.get(key) in (None, "", []) and not (key == "counter_examples" and key in data):
            error(1, f"missing required key {key!r}")
    for key in data:
        if key not in KNOWN_KEYS:
            error(lines.get(key, 1), f"unknown key {key!r}")

    def text(key: str) -> str:
        value = data.get(key, "")
        if not isinstance(value, str):
            error(lines.get(key, 1), f"{key!r} must be a string")
            return ""
        return value.strip()

    def str_list(key: str) -> list[str]:
        value = data.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            error(lines.get(key, 1), f"{key!r} must be a list of strings")
            return []
        return [v for v in value]

    def symptom_list() -> list[str]:
        phrases = [" ".join(v.split()) for v in str_list("symptoms")]
        if len(phrases) > MAX_SYMPTOMS:
            error(lines.get("symptoms", 1), f"'symptoms' takes at most {MAX_SYMPTOMS} phrases")
        for phrase in phrases:
            if not phrase or len(phrase) > MAX_SYMPTOM_CHARS:
                error(
                    lines.get("symptoms", 1),
                    f"each of 'symptoms' is a short phrase (1-{MAX_SYMPTOM_CHARS} characters)",
                )
        return phrases

    updated = data.get("updated")
    if isinstance(updated, dt.date):
        updated = updated.isoformat()
    elif updated is not None and not (
        isinstance(updated, str) and re.match(r"^\d{4}-\d{2}-\d{2}$", updated)
    ):
        error(lines.get("updated", 1), "'updated' must be a date YYYY-MM-DD")
        updated = ""
    versions = data.get("versions") or {}
    if not isinstance(versions, dict):
        error(lines.get("versions", 1), "'versions' must be a mapping like {celery: \"5.7.0\"}")
        versions = {}
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        error(lines.get("defaults", 1), "'defaults' must be a mapping")
        defaults = {}
    components = str_list("components")
    for component in components:
        if component not in COMPONENTS:
            error(
                lines.get("components", 1),
                f"unknown component {component!r} (one of {sorted(COMPONENTS)})",
            )
    return Entry(
        slug=slug,
        kind=kind,
        title=text("title"),
        summary=" ".join(text("summary").split()),
        title_ko=text("title_ko"),
        summary_ko=" ".join(text("summary_ko").split()),
        keywords_ko=str_list("keywords_ko"),
        keywords_zh=str_list("keywords_zh"),
        keywords_ja=str_list("keywords_ja"),
        keywords_ru=str_list("keywords_ru"),
        tags=str_list("tags"),
        components=components,
        symptoms=symptom_list(),
        aliases=str_list("aliases"),
        related=str_list("related"),
        updated=updated or "",
        versions={str(k): str(v) for k, v in versions.items()},
        # the raw items still know their lines (data has them stripped)
        signatures=_build_signatures(raw_signatures, lines.get("signatures", 1), error),
        defaults={str(k): str(v) for k, v in defaults.items()},
        not_reproducible=" ".join(text("not_reproducible").split()),
        examples=str_list("examples"),
        counter_examples=str_list("counter_examples"),
        messages=_build_messages(data.get("messages"), lines.get("messages", 1), error),
        confirm=_build_confirm(data.get("confirm"), defaults, lines.get("confirm", 1), error),
    )


def _build_confirm(raw: Any, defaults: dict, line: int, error) -> dict[str, str]:
    """`confirm: {en: "...", ko: "..."}`: a yes/no question whose placeholders are defaults."""
    if raw is None:
        return {}
    texts = _strip_lines(raw)
    if not isinstance(texts, dict) or set(texts) != set(MESSAGE_LANGS):
        error(line, "'confirm' must be a mapping with a string for each of en, ko")
        return {}
    out = {}
    for lang in MESSAGE_LANGS:
        text = texts[lang]
        if not isinstance(text, str) or not text.strip():
            error(line, f"confirm.{lang} must be a non-empty string")
            continue
        text = " ".join(text.split())
        if len(text) > MAX_CONFIRM_CHARS:
            error(line, f"confirm.{lang} is {len(text)} characters (at most {MAX_CONFIRM_CHARS})")
        unknown = sorted(set(MESSAGE_PLACEHOLDER.findall(text)) - {str(k) for k in defaults})
        if unknown:
            error(line, f"confirm.{lang} uses {unknown}: only the entry's defaults are filled")
        out[lang] = text
    return out


def _build_messages(raw: Any, line: int, error) -> dict[str, dict[str, str]]:
    """`messages: {rule-id: {en: "...", ko: "..."}}`: the words of each rule's finding."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        error(line, "'messages' must map rule ids to {en: ..., ko: ...}")
        return {}
    out: dict[str, dict[str, str]] = {}
    for rule, texts in raw.items():
        if not isinstance(texts, dict):
            error(line, f"messages.{rule} must be a mapping with 'en' and 'ko'")
            continue
        texts = _strip_lines(texts)
        missing = [lang for lang in MESSAGE_LANGS if not isinstance(texts.get(lang), str)]
        extra = sorted(set(texts) - set(MESSAGE_LANGS))
        if missing or extra:
            error(
                line,
                f"messages.{rule} needs a string for each of en, ko (missing {missing}, unknown {extra})",
            )
            continue
        out[str(rule)] = {lang: " ".join(texts[lang].split()) for lang in MESSAGE_LANGS}
    return out


def _build_signatures(raw: Any, line: int, error) -> list[Signature]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        error(line, "'signatures' must be a list")
        return []
    signatures = []
    for number, item in enumerate(raw):
        item_line = line + 1
        if isinstance(item, dict):
            item_line = 1 + min(item.get("__lines__", {}).values(), default=line)
            item = _strip_lines(item)
        if not isinstance(item, dict):
            error(item_line, f"signature {number + 1} must be a mapping")
            continue
        unknown = set(item) - {"exception", "message", "pattern", "unless", "weight", "case"}
        if unknown:
            error(item_line, f"signature {number + 1}: unknown keys {sorted(unknown)}")
        if not item.get("exception") and not item.get("pattern"):
            error(item_line, f"signature {number + 1} needs 'exception' or 'pattern'")
            continue
        if item.get("message") and not item.get("exception"):
            error(item_line, f"signature {number + 1}: 'message' goes with 'exception'")
        weight = item.get("weight", 1.0)
        if not isinstance(weight, int | float) or not 0 < weight <= 1:
            error(item_line, f"signature {number + 1}: weight must be a number in (0, 1]")
            weight = 0.5
        signatures.append(
            Signature(
                exception=item.get("exception"),
                message=item.get("message"),
                pattern=item.get("pattern"),
                unless=item.get("unless"),
                weight=float(weight),
                case=bool(item.get("case", False)),
                line=item_line,
            )
        )
    return signatures


def _check_sections(entry: Entry, rendered: RenderedBody, body_line: int, error) -> None:
    ids = [section["id"] for section in rendered.sections]
    if entry.kind == "entry":
        for required in REQUIRED_SECTIONS:
            if required not in ids:
                error(body_line, f"missing required section '## {required.capitalize()}'")
        present = [s for s in ids if s in REQUIRED_SECTIONS]
        if present != [s for s in REQUIRED_SECTIONS if s in present]:
            error(body_line, "sections must come in the order Symptom, Cause, Fix")


def _check_placeholders(entry: Entry, rendered: RenderedBody, body_line: int, error) -> None:
    for name, line in rendered.placeholders.items():
        if name not in entry.defaults:
            error(line, f"placeholder {{{{{name}}}}} has no value in 'defaults'")
    del body_line  # the placeholder lines are absolute already


__all__ = ["PLACEHOLDER", "ContentError", "Entry", "Section", "Signature", "load_file"]
