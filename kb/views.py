"""Pages and JSON of the knowledge base. Views are thin: the KB and search do the work."""

from __future__ import annotations

import re
from collections import Counter

from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext
from django.views.decorators.http import require_safe

from kb import index
from kb.feedback import record_not_found
from kb.loader import Entry
from kb.pagecache import cached_by_index
from kb.render import ANCHOR_LABEL, uses_defaults
from kb.search import corrected_query, exact_match, search
from kb.textindex import HANGUL_RUN

SEARCH_DEFAULT_LIMIT = 10
SEARCH_MAX_LIMIT = 50


def entry_summary(entry: Entry) -> dict:
    return {
        "slug": entry.slug,
        "kind": entry.kind,
        "title": entry.title,
        "summary": entry.summary,
        "url": entry.url,
        "tags": entry.tags,
        "components": entry.components,
        "updated": entry.updated,
    }


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    kb = index.get_kb()
    entries = kb.of_kind("entry")
    components = Counter(c for e in entries for c in e.components)
    tags = Counter(t for e in entries for t in e.tags)
    recent = sorted(entries, key=lambda e: (e.updated, e.title), reverse=True)[:8]
    return render(
        request,
        "kb/home.html",
        {
            "components": sorted(components.items()),
            "tags": sorted(tags.items(), key=lambda kv: (-kv[1], kv[0]))[:30],
            "recent": recent,
            "guides": kb.of_kind("guide"),
            "entry_count": len(entries),
        },
    )


@require_safe
def entry_index(request: HttpRequest) -> HttpResponse:
    kb = index.get_kb()
    component = request.GET.get("component", "")
    tag = request.GET.get("tag", "")
    entries = [
        e
        for e in kb.of_kind("entry")
        if (not component or component in e.components) and (not tag or tag in e.tags)
    ]
    return render(
        request,
        "kb/index.html",
        {"entries": entries, "component": component, "tag": tag, "guides": kb.of_kind("guide")},
    )


def _document(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    kb = index.get_kb()
    entry = kb.resolve(slug) or kb.resolve(slug.lower().replace("_", "-"))
    if entry is None:
        raise Http404(slug)
    if entry.slug != slug or entry.kind != kind:  # an old slug, or /kb/<guide>/: one home each
        query = f"?{request.META['QUERY_STRING']}" if request.META.get("QUERY_STRING") else ""
        return HttpResponsePermanentRedirect(entry.url + query)
    korean = get_language() == "ko"  # ?lang=ko, the language cookie, or Accept-Language
    related = [kb.entries[s] for s in entry.related if s in kb.entries]
    sections = entry.sections_in("ko" if korean else "en")
    return render(
        request,
        "kb/entry.html",
        {
            "entry": entry,
            "sections": [
                {
                    "id": s.id,
                    "title": mark_safe(s.title),  # noqa: S308 - our rendered content
                    "html": mark_safe(localize_anchor_labels(s.html)),  # noqa: S308 - ours
                }
                for s in sections
            ],
            # the body shows example values (defaults, dashed): say once what they are
            "has_examples": any(uses_defaults(s.html) for s in sections),
            # the one check that tells a reader whether this is their problem (example values)
            "confirm": mark_safe(entry.render_confirm({}, "ko" if korean else "en")),  # noqa: S308 - ours, escaped
            "body_lang": "ko" if korean and entry.has_korean_body else "en",
            "related": related,
            "korean": korean,
            "preview_title": entry.title_ko if korean and entry.title_ko else entry.title,
            "preview_summary": entry.summary_ko if korean and entry.summary_ko else entry.summary,
        },
    )


def localize_anchor_labels(html: str) -> str:
    """The built HTML's heading-link labels, in the reader's language."""
    label = gettext("Link to this section")
    if label == ANCHOR_LABEL:
        return html
    return html.replace(f'aria-label="{ANCHOR_LABEL}"', f'aria-label="{escape(label)}"')


@require_safe
@cached_by_index
def entry_page(request: HttpRequest, slug: str) -> HttpResponse:
    return _document(request, slug, "entry")


@require_safe
@cached_by_index
def guide_page(request: HttpRequest, slug: str) -> HttpResponse:
    return _document(request, slug, "guide")


def result_rows(hits) -> list[dict]:
    """Search hits for templates: the snippet is HTML already escaped by kb.search."""
    return [{**hit.as_dict(), "snippet": mark_safe(hit.snippet)} for hit in hits]  # noqa: S308


def _limit(request: HttpRequest) -> int:
    try:
        limit = int(request.GET.get("limit", SEARCH_DEFAULT_LIMIT))
    except ValueError:
        limit = SEARCH_DEFAULT_LIMIT
    return max(1, min(limit, SEARCH_MAX_LIMIT))


@require_safe
@cached_by_index
def search_page(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    if query and request.GET.get("exact") != "0":
        exact = exact_match(query)
        if exact is not None:
            return redirect(exact.url)
    limit = _limit(request) if "limit" in request.GET else 20
    hits = search(query, limit=limit, complete=True) if query else []  # submitted: whole words
    results = in_query_language(result_rows(hits), query)
    context = {
        "query": query,
        "results": results,
        "corrected": corrected_query(query) if query else None,
    }
    return render(request, "kb/search.html", context)


def in_query_language(results: list[dict], query: str) -> list[dict]:
    """A Korean query gets Korean titles, linking to the Korean pages."""
    if not HANGUL_RUN.search(query):
        return results
    kb = index.get_kb()
    for result in results:
        entry = kb.entries.get(result["slug"])
        if entry is not None and entry.title_ko:
            result.update(title=entry.title_ko, url=f"{entry.url}?lang=ko", lang="ko")
    return results


@require_safe
@cached_by_index
def api_entries(request: HttpRequest) -> JsonResponse:
    kb = index.get_kb()
    entries = kb.of_kind("entry") + kb.of_kind("guide")
    return JsonResponse({"entries": [entry_summary(e) for e in entries]})


@require_safe
@cached_by_index
def api_entry(request: HttpRequest, slug: str) -> HttpResponse:
    kb = index.get_kb()
    entry = kb.resolve(slug)
    if entry is None:
        return JsonResponse({"error": f"no entry {slug!r}"}, status=404)
    if entry.slug != slug:
        return HttpResponsePermanentRedirect(reverse("kb:api-entry", args=[entry.slug]))
    data = entry_summary(entry)
    data["summary_ko"] = entry.summary_ko
    data["title_ko"] = entry.title_ko
    data["aliases"] = entry.aliases
    data["related"] = entry.related
    data["versions"] = entry.versions
    lang = "ko" if request.GET.get("lang") == "ko" and entry.has_korean_body else "en"
    data["lang"] = lang
    data["languages"] = ["en", "ko"] if entry.has_korean_body else ["en"]
    data["sections"] = [
        {"id": s.id, "title": s.title, "html": s.html} for s in entry.sections_in(lang)
    ]
    return JsonResponse(data)


@require_safe
@cached_by_index
def api_search(request: HttpRequest) -> JsonResponse:
    query = request.GET.get("q", "")
    hits = search(query, limit=_limit(request)) if query.strip() else []
    results = in_query_language([hit.as_dict() for hit in hits], query)
    corrected = corrected_query(query) if query.strip() else None
    return JsonResponse(
        {"query": query, "corrected": corrected, "count": len(results), "results": results}
    )


# Words of a URL that say nothing about its subject: never search on them.
FILLER_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "how",
        "i",
        "in",
        "is",
        "it",
        "its",
        "kb",
        "no",
        "not",
        "of",
        "on",
        "or",
        "page",
        "pages",
        "such",
        "that",
        "the",
        "this",
        "to",
        "was",
        "what",
        "when",
        "where",
        "which",
        "why",
        "with",
        "without",
        "entry",
        "entries",
        "guide",
        "guides",
        "html",
        "htm",
        "php",
        "index",
        "old",
        "new",
        "www",
        "https",
        "http",
        "d",
        "api",
    ]
)
REPORT_PATH = re.compile(r"^/d/[^/]+/?(delete)?$")


def url_words(path: str) -> str:
    """The subject words of a missing URL (`/kb/no-such-entry/` → '', filler dropped)."""
    words = re.findall(r"[A-Za-z0-9]+", path)
    kept = [w.lower() for w in words if w.lower() not in FILLER_WORDS and len(w) > 1]
    return " ".join(dict.fromkeys(kept))[:200]


def not_found(request: HttpRequest, exception=None) -> HttpResponse:
    """404 that offers entries matching the subject words of the missing URL."""
    if request.path.startswith("/api/"):
        response = JsonResponse({"error": "not found"}, status=404)
        response.kb_page = True
        return response
    record_not_found(request)
    report_gone = bool(REPORT_PATH.match(request.path))
    words = "" if report_gone else url_words(request.path)
    try:
        results = result_rows(search(words, limit=5) if words else [])
    except index.IndexUnavailable:  # no suggestions without an index; still the site's 404
        results = []
    from django.conf import settings

    context = {
        "query": words,
        "results": results,
        "report_gone": report_gone,
        "retention_days": settings.KB_REPORT_RETENTION_DAYS,
    }
    response = render(request, "404.html", context, status=404)
    response.kb_page = True
    return response


def favicon(request: HttpRequest) -> HttpResponse:
    """Clients that ask for /favicon.ico directly get the site's icon."""
    from django.templatetags.static import static

    return HttpResponsePermanentRedirect(static("favicon.svg"))
