"""What wikis, chat tools, crawlers and browsers ask a KB for.

robots.txt, sitemap.xml, an OpenSearch description, an Atom feed of new and
updated entries, the raw Markdown of an entry (`/kb/<slug>.md`) and an oEmbed
endpoint (a summary card for tools that embed links). Absolute URLs use
KB_SITE_URL (else the request's origin).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit
from xml.sax.saxutils import escape, quoteattr

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.html import escape as html_escape
from django.views.decorators.http import require_safe

from kb import index
from kb.context import site_url
from kb.render import PLACEHOLDER
from kb.search import search
from kb.views import in_query_language

FEED_SIZE = 30
_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)
_ENTRY_PATH = re.compile(r"^/(kb|guides)/([a-z0-9][a-z0-9\-]*)/?$")


def _plain(text: str) -> str:
    return text.replace("`", "")


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        "Disallow: /d/",
        "Disallow: /checks/",
        "Disallow: /api/checks",
        "Disallow: /api/diagnose",
        "Disallow: /diagnose/",
        "Disallow: /i18n/",
        "Disallow: /feedback",
        f"Sitemap: {site_url(request)}/sitemap.xml",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@require_safe
def sitemap_xml(request: HttpRequest) -> HttpResponse:
    base = site_url(request)
    kb = index.get_kb()
    rows = [f"<url><loc>{escape(base)}/</loc></url>", f"<url><loc>{escape(base)}/kb/</loc></url>"]
    for entry in kb.of_kind("entry") + kb.of_kind("guide"):
        rows.append(
            f"<url><loc>{escape(base + entry.url)}</loc>"
            + (f"<lastmod>{escape(entry.updated)}</lastmod>" if entry.updated else "")
            + "</url>"
        )
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + "\n".join(rows)
        + "\n</urlset>\n"
    )
    return HttpResponse(body, content_type="application/xml; charset=utf-8")


def _short_name(name: str, limit: int = 16) -> str:
    """OpenSearch's ShortName (16 characters at most), cut between words, not inside one."""
    if len(name) <= limit:
        return name
    cut = name[: limit + 1].rsplit(" ", 1)[0].strip()
    return cut if 0 < len(cut) <= limit else name[:limit]


@require_safe
def opensearch_xml(request: HttpRequest) -> HttpResponse:
    base = site_url(request)
    name = settings.KB_SITE_NAME
    body = f"""<?xml version="1.0" encoding="UTF-8"?>
<OpenSearchDescription xmlns="http://a9.com/-/spec/opensearch/1.1/" xmlns:moz="http://www.mozilla.org/2006/browser/search/">
<ShortName>{escape(_short_name(name))}</ShortName>
<Description>{escape(name)}: Celery, RabbitMQ and Redis errors and fixes</Description>
<InputEncoding>UTF-8</InputEncoding>
<Image width="16" height="16" type="image/svg+xml">{escape(base)}/static/favicon.svg</Image>
<Url type="text/html" method="get" template={quoteattr(base + "/search?q={searchTerms}")}/>
<Url type="application/x-suggestions+json" method="get" template={quoteattr(base + "/api/search/suggest?q={searchTerms}")}/>
<moz:SearchForm>{escape(base)}/search</moz:SearchForm>
</OpenSearchDescription>
"""
    return HttpResponse(body, content_type="application/opensearchdescription+xml; charset=utf-8")


@require_safe
def search_suggest(request: HttpRequest) -> JsonResponse:
    """OpenSearch suggestions: [query, [titles], [summaries], [urls]]."""
    query = request.GET.get("q", "")
    hits = search(query, limit=8) if query.strip() else []
    results = in_query_language([hit.as_dict() for hit in hits], query)  # Korean titles
    base = site_url(request)
    data = [
        query,
        [r["title"] for r in results],
        [_plain(r["summary"]) for r in results],
        [base + r["url"] for r in results],
    ]
    return JsonResponse(data, safe=False)


@require_safe
def atom_feed(request: HttpRequest) -> HttpResponse:
    base = site_url(request)
    kb = index.get_kb()
    entries = sorted(
        kb.of_kind("entry") + kb.of_kind("guide"),
        key=lambda e: (e.updated, e.slug),
        reverse=True,
    )[:FEED_SIZE]
    updated = entries[0].updated if entries else "2026-01-01"
    items = []
    for entry in entries:
        items.append(
            "<entry>"
            f"<title>{escape(_plain(entry.title))}</title>"
            f'<link rel="alternate" href={quoteattr(base + entry.url)}/>'
            f"<id>{escape(base + entry.url)}</id>"
            f"<updated>{escape(entry.updated)}T00:00:00Z</updated>"
            f"<summary>{escape(_plain(entry.summary))}</summary>"
            + "".join(f"<category term={quoteattr(t)}/>" for t in entry.tags)
            + "</entry>"
        )
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{escape(settings.KB_SITE_NAME)}: new and updated entries</title>"
        f'<link rel="self" href={quoteattr(base + "/feed.atom")}/>'
        f'<link rel="alternate" href={quoteattr(base + "/kb/")}/>'
        f"<id>{escape(base)}/feed.atom</id>"
        f"<updated>{escape(updated)}T00:00:00Z</updated>"
        f"<author><name>{escape(settings.KB_SITE_NAME)}</name></author>"
        + "".join(items)
        + "</feed>\n"
    )
    return HttpResponse(body, content_type="application/atom+xml; charset=utf-8")


def _source(entry, korean: bool) -> str | None:
    folder = Path(settings.KB_CONTENT_DIR) / ("guides" if entry.kind == "guide" else "entries")
    path = folder / f"{entry.slug}.ko.md" if korean else folder / f"{entry.slug}.md"
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None


EXAMPLES_NOTE = {
    "en": "Example values, not yours: {values}. Replace them with your own names and settings.",
    "ko": "예시 값(자신의 값이 아님): {values}. 자신의 이름과 설정 값으로 바꿔 쓴다.",
}


@require_safe
def raw_markdown(request: HttpRequest, slug: str) -> HttpResponse:
    """The entry as Markdown: title, summary, then the body (placeholders at their defaults)."""
    from django.http import Http404, HttpResponsePermanentRedirect

    kb = index.get_kb()
    entry = kb.resolve(slug) or kb.resolve(slug.lower())
    if entry is None:
        raise Http404(slug)
    if entry.slug != slug:
        return HttpResponsePermanentRedirect(f"/kb/{entry.slug}.md")
    korean = request.GET.get("lang") == "ko" and entry.has_korean_body
    source = _source(entry, korean)
    if source is None:
        raise Http404(slug)
    body = _FRONT_MATTER.sub("", source, count=1).strip("\n")
    shown = {m.group(1) for m in PLACEHOLDER.finditer(body) if m.group(1) in entry.defaults}
    body = PLACEHOLDER.sub(lambda m: entry.defaults.get(m.group(1), m.group(0)), body)
    title = entry.title_ko if korean and entry.title_ko else entry.title
    summary = entry.summary_ko if korean and entry.summary_ko else entry.summary
    link = f"{site_url(request)}{entry.url}" + ("?lang=ko" if korean else "")
    # plain text cannot mark a value: say which ones are examples, once
    note = ""
    if shown:
        values = ", ".join(f"`{entry.defaults[name]}`" for name in sorted(shown))
        note = EXAMPLES_NOTE["ko" if korean else "en"].format(values=values) + "\n\n"
    text = f"# {title}\n\n{summary}\n\nSource: <{link}>\n\n{note}{body}\n"
    response = HttpResponse(text, content_type="text/markdown; charset=utf-8")
    response["Link"] = f'<{link}>; rel="canonical"'  # the page in the language shown
    return response


@require_safe
def oembed(request: HttpRequest) -> HttpResponse:
    """oEmbed (https://oembed.com/): a rich summary card for an entry URL of this site."""
    url = request.GET.get("url", "")
    fmt = request.GET.get("format", "json")
    if fmt != "json":
        return HttpResponse("only format=json", status=501, content_type="text/plain")
    parts = urlsplit(url)
    found = _ENTRY_PATH.match(parts.path or "")
    kb = index.get_kb()
    entry = kb.resolve(found.group(2)) if found else None
    if entry is None:
        return JsonResponse({"error": "not an entry of this site"}, status=404)
    korean = "lang=ko" in (parts.query or "") and bool(entry.title_ko)
    title = _plain(entry.title_ko if korean else entry.title)
    summary = _plain(entry.summary_ko if korean and entry.summary_ko else entry.summary)
    link = site_url(request) + entry.url + ("?lang=ko" if korean else "")
    try:
        width = max(200, min(int(request.GET.get("maxwidth", 600)), 800))
    except ValueError:
        width = 600
    card = (
        f'<blockquote class="kb-card" style="margin:0;max-width:{width}px;border-left:4px solid #0b5cad;'
        f'padding:.5em 1em;font-family:system-ui,sans-serif">'
        f'<p style="margin:0 0 .3em"><a href="{html_escape(link)}"><strong>{html_escape(title)}</strong></a></p>'
        f'<p style="margin:0">{html_escape(summary)}</p>'
        f'<p style="margin:.3em 0 0;font-size:.85em;color:#566072">{html_escape(settings.KB_SITE_NAME)}</p>'
        "</blockquote>"
    )
    data = {
        "version": "1.0",
        "type": "rich",
        "title": title,
        "provider_name": settings.KB_SITE_NAME,
        "provider_url": site_url(request) + "/",
        "html": card,
        "width": width,
        "height": None,
        "thumbnail_url": site_url(request) + "/static/og-card.png",
        "thumbnail_width": 1200,
        "thumbnail_height": 630,
    }
    return HttpResponse(json.dumps(data), content_type="application/json")
