"""Markdown body → sections of HTML with stable anchors and fillable placeholders.

Rendering happens once, at index build time (never per request). Three things
here are promises to the outside world:

* Anchors. `## Symptom`, `## Cause`, `## Fix`, `## Verify`, `## Background` and
  `## References` always get `#symptom` ... whatever the heading's language;
  every other heading gets its explicit `{#id}` or a fixed ASCII slug of its
  text. A heading that would get no ASCII id is an error, never `#_1`.
* Placeholders. `{{queue}}` in the body becomes an opaque token that survives
  Markdown and Pygments untouched (letters and digits only), so a diagnosis can
  later fill it with the user's (escaped) queue name, even inside code blocks.
* Highlighting is server-side (Pygments via codehilite), so pages need no JS.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import markdown

FIXED_SECTION_IDS = {
    "symptom": "symptom",
    "symptoms": "symptom",
    "증상": "symptom",
    "cause": "cause",
    "causes": "cause",
    "원인": "cause",
    "fix": "fix",
    "fixes": "fix",
    "solution": "fix",
    "해결": "fix",
    "해결 방법": "fix",
    "verify": "verify",
    "verification": "verify",
    "확인": "verify",
    "background": "background",
    "배경": "background",
    "references": "references",
    "reference": "references",
    "참고": "references",
    "참고 자료": "references",
}
PLACEHOLDER = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")
_TOKEN = re.compile(r"kbph([0-9a-f]+)x")
_HEADING = re.compile(r"^(#{2,6})[ \t]+(.+?)[ \t]*#*[ \t]*$")
_EXPLICIT_ID = re.compile(r"\s*\{#([A-Za-z][A-Za-z0-9_\-]*)\}\s*$")
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
_TAG = re.compile(r"<[^>]+>")
_ANCHOR_LINK = re.compile(r'<a class="anchor"[^>]*>#</a>')


@dataclass
class RenderedBody:
    sections: list[dict[str, str]] = field(default_factory=list)
    text: str = ""
    placeholders: dict[str, int] = field(default_factory=dict)
    errors: list[tuple[int, str]] = field(default_factory=list)


def slugify_heading(text: str) -> str:
    """A fixed ASCII slug: lowercase words joined by hyphens (`Quorum queues (3.13)` → `quorum-queues-3-13`)."""
    text = re.sub(r"`([^`]*)`", r"\1", text)
    words = re.findall(r"[a-z0-9]+", text.lower())
    return "-".join(words)[:80].strip("-")


def placeholder_token(name: str) -> str:
    return f"kbph{name.encode().hex()}x"


def _new_markdown() -> markdown.Markdown:
    return markdown.Markdown(
        # superfences instead of fenced_code: fences nested in list items render too.
        extensions=["pymdownx.superfences", "codehilite", "tables", "attr_list", "sane_lists"],
        extension_configs={"codehilite": {"guess_lang": False, "css_class": "highlight"}},
        output_format="html",
    )


def render_body(body: str, *, first_line: int = 1) -> RenderedBody:
    """Split a body into level-2 sections and render each to HTML."""
    result = RenderedBody()
    chunks = _split_sections(body, first_line, result)
    md = _new_markdown()
    for section_id, title, source in chunks:
        md.reset()
        section_html = _focusable_code(_add_heading_links(link_urls(md.convert(source))))
        if section_id == "references":
            section_html = titled_references(section_html)
        title_html = md.reset().convert(title) if title else ""
        title_html = re.sub(r"^<p>|</p>$", "", title_html)
        result.sections.append({"id": section_id, "title": title_html, "html": section_html})
    plain = " ".join(
        _TAG.sub(" ", _ANCHOR_LINK.sub("", s["title"] + " " + s["html"])) for s in result.sections
    )
    plain = _TOKEN.sub(lambda m: bytes.fromhex(m.group(1)).decode(), html.unescape(plain))
    result.text = " ".join(plain.split())
    return result


def _split_sections(body: str, first_line: int, result: RenderedBody) -> list[tuple[str, str, str]]:
    chunks: list[tuple[str, str, list[str]]] = [("intro", "", [])]
    seen: set[str] = set()
    fence: str | None = None
    for offset, line in enumerate(body.split("\n")):
        number = first_line + offset
        for match in PLACEHOLDER.finditer(line):
            result.placeholders.setdefault(match.group(1), number)
        line = PLACEHOLDER.sub(lambda m: placeholder_token(m.group(1)), line)
        fence_match = _FENCE.match(line)
        if fence_match:
            marker = fence_match.group(1)
            if fence is None:
                fence = marker[0] * len(marker)
            elif marker.startswith(fence):
                fence = None
        heading = None if fence or fence_match else _HEADING.match(line)
        if not heading:
            chunks[-1][2].append(line)
            continue
        level, text = len(heading.group(1)), heading.group(2)
        anchor = _anchor_for(text, level, number, seen, result)
        clean = _EXPLICIT_ID.sub("", text).strip()
        if level == 2:
            chunks.append((anchor, clean, []))
        else:
            chunks[-1][2].append(f"{heading.group(1)} {clean} {{#{anchor}}}")
    return [
        (sid, title, "\n".join(lines))
        for sid, title, lines in chunks
        if sid != "intro" or "".join(lines).strip()
    ]


def _anchor_for(text: str, level: int, line: int, seen: set[str], result: RenderedBody) -> str:
    explicit = _EXPLICIT_ID.search(text)
    clean = _EXPLICIT_ID.sub("", text).strip()
    if explicit:
        anchor = explicit.group(1)
    elif level == 2 and clean.lower() in FIXED_SECTION_IDS:
        anchor = FIXED_SECTION_IDS[clean.lower()]
    else:
        anchor = slugify_heading(clean)
    if not anchor:
        result.errors.append(
            (line, f"heading {clean!r} needs an explicit ASCII id: '{clean} {{#some-id}}'")
        )
        anchor = f"section-{line}"
    if anchor in seen:
        result.errors.append(
            (line, f"duplicate anchor #{anchor}: give the heading an explicit {{#id}}")
        )
    seen.add(anchor)
    return anchor


# The label is English in the built HTML (one build serves every language); the entry
# view puts the reader's translation in its place (`kb.views.localize_anchor_labels`).
ANCHOR_LABEL = "Link to this section"


def _add_heading_links(section_html: str) -> str:
    return re.sub(
        r'<h([3-6]) id="([^"]+)">(.*?)</h\1>',
        rf'<h\1 id="\2">\3 <a class="anchor" href="#\2" aria-label="{ANCHOR_LABEL}">#</a></h\1>',
        section_html,
    )


_URL = re.compile(r"https?://[^\s<>\"']+")
_SKIP_TAGS = ("pre", "code", "a")


def link_urls(section_html: str) -> str:
    """Turn bare URLs in text into links (never inside code, pre or an existing link)."""
    out: list[str] = []
    depth = 0
    for part in re.split(r"(<[^>]+>)", section_html):
        if part.startswith("<"):
            name = re.match(r"</?([a-zA-Z0-9]+)", part)
            if name and name.group(1).lower() in _SKIP_TAGS and not part.endswith("/>"):
                depth += -1 if part.startswith("</") else 1
            out.append(part)
        elif depth > 0:
            out.append(part)
        else:
            out.append(_URL.sub(_url_link, part))
    return "".join(out)


def _url_link(match: re.Match[str]) -> str:
    url = match.group(0)
    trail = ""
    while url and url[-1] in ".,;:!?)":
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url, trail = url[:-1], url[-1] + trail
    return f'<a href="{url}">{url}</a>{trail}'


_REFERENCE_ITEM = re.compile(
    r"<li>(?P<title>(?:(?!</li>).)+?):\s*(?P<links>(?:<a href=\"[^\"]+\">[^<]+</a>(?:,?\s*(?:and\s*)?)?)+)</li>",
    re.S,
)
_LINK = re.compile(r'<a href="([^"]+)">([^<]+)</a>')


def titled_references(section_html: str) -> str:
    """`- Title: URL` items become a link named by the title, the site shown beside it."""

    def item(match: re.Match[str]) -> str:
        links = _LINK.findall(match.group("links"))
        title = " ".join(match.group("title").split())
        first, *more = [url for url, _ in links]
        extra = "".join(
            f' · <a href="{url}" class="ref-more">{html.escape(_short_url(url))}</a>'
            for url in more
        )
        return (
            f'<li><a href="{first}">{title}</a> '
            f'<span class="ref-host">{html.escape(_host(first))}</span>{extra}</li>'
        )

    return _REFERENCE_ITEM.sub(item, section_html)


def _host(url: str) -> str:
    host = re.sub(r"^https?://", "", html.unescape(url)).split("/", 1)[0]
    return host.removeprefix("www.")


def _short_url(url: str) -> str:
    """A second link's text: the last parts of its path (`kombu/pull/2481`)."""
    path = re.sub(r"^https?://[^/]+/?", "", html.unescape(url)).strip("/")
    parts = [p for p in re.split(r"[/#]", path) if p]
    return "/".join(parts[-3:]) or _host(url)


def _focusable_code(section_html: str) -> str:
    """Code blocks scroll sideways on narrow screens: make them reachable by keyboard."""
    return section_html.replace("<pre>", '<pre tabindex="0">')


# The tooltip of a value taken from the reader's paste, in the page's language.
FACT_TITLE = {"en": "from your paste", "ko": "붙여 넣은 내용에서 찾은 값"}
# ... and of a value the paste did not give: the entry's `defaults`, an example to replace.
# The words are the span's title (a tooltip, and its accessible description); the span is
# styled as a placeholder (`.kb-default` in static/kb.css), and the pages say once, in text,
# what that style means (`kb/_example_note.html`).
DEFAULT_TITLE = {
    "en": "example value: replace with yours",
    "ko": "예시 값: 자신의 값으로 바꿔 쓴다",
}
DEFAULT_CLASS = "kb-default"


def fill_placeholders(
    section_html: str, facts: Mapping[str, str], defaults: Mapping[str, str], lang: str = "en"
) -> str:
    """Replace placeholder tokens with the user's facts (escaped), else the defaults.

    The two never look alike: a fact is a `kb-fact` span titled "from your paste", a
    default a `kb-default` span titled "example value: replace with yours".
    """
    fact_title = FACT_TITLE.get(lang, FACT_TITLE["en"])
    default_title = DEFAULT_TITLE.get(lang, DEFAULT_TITLE["en"])

    def replace(match: re.Match[str]) -> str:
        name = bytes.fromhex(match.group(1)).decode()
        if facts.get(name):
            value = html.escape(str(facts[name]))
            return f'<span class="kb-fact" title="{fact_title}">{value}</span>'
        if name in defaults:
            value = html.escape(str(defaults[name]))
            return f'<span class="{DEFAULT_CLASS}" title="{default_title}">{value}</span>'
        return html.escape("{{" + name + "}}")

    return _TOKEN.sub(replace, section_html)


_BACKTICKS = re.compile(r"`([^`]+)`")


def inline_code_html(text: str) -> str:
    """Our short texts (titles, summaries, `confirm`) as HTML: escaped, `x` as <code>x</code>."""
    return _BACKTICKS.sub(r"<code>\1</code>", html.escape(text))


def drop_backticks(text: str) -> str:
    """The same short texts as plain text (link previews, meta tags): `x` as x."""
    return _BACKTICKS.sub(r"\1", text)


def inline_html(
    text: str, facts: Mapping[str, str], defaults: Mapping[str, str], lang: str = "en"
) -> str:
    """One line of plain text as HTML: escaped, `code` spans, placeholders filled.

    For short front-matter texts (an entry's `confirm` question): no other Markdown."""
    tokens = PLACEHOLDER.sub(lambda m: placeholder_token(m.group(1)), inline_code_html(text))
    return fill_placeholders(tokens, facts, defaults, lang)


def uses_defaults(filled_html: str) -> bool:
    """True when filled HTML shows at least one default (an example value)."""
    return f'<span class="{DEFAULT_CLASS}"' in filled_html


def defaults_shown(
    section_html: str, facts: Mapping[str, str], defaults: Mapping[str, str]
) -> dict[str, str]:
    """The placeholders of a (not yet filled) section that would show their default, in order."""
    out: dict[str, str] = {}
    for match in _TOKEN.finditer(section_html):
        name = bytes.fromhex(match.group(1)).decode()
        if not facts.get(name) and name in defaults:
            out.setdefault(name, str(defaults[name]))
    return out
