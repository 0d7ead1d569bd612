"""Answers that change only when the KB index does: cached per process, keyed by the build.

Entry and guide pages, search results and the entries API depend on nothing
but the index (the build's content hash and file), the URL and the host the
page links to, and the page language. Rendering them is most of a request's
time, so their finished bodies are kept in the per-process `local` cache
(settings.CACHES). A new index has a new version, hence new keys: nothing is
served from a previous build.

The key carries the language kb.middleware.Language activated (from `?lang=`,
the language cookie or Accept-Language), so a Korean reader never gets the
English page kept for someone else. Every HTML page holds CSRF tokens (the
language switcher, the feedback form): they are cut out of the kept body and
each reader gets their own token filled in when it is served. Only 200 answers
without cookies are kept; pages with anything else user-specific (a signed-in
user's name, messages) must not use this decorator.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.translation import get_language

from kb.index import get_kb

CACHE_ALIAS = "local"
# What {% csrf_token %} renders; the value is cut out before a body is kept.
CSRF_INPUT = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')
TOKEN_SLOT = b"\0kb-csrf-token\0"


def _cache():
    """The per-process cache, or None where settings name no such cache (nothing is kept)."""
    return caches[CACHE_ALIAS] if CACHE_ALIAS in settings.CACHES else None


def cache_key(request: HttpRequest) -> str:
    kb = get_kb()
    material = "\0".join(
        [
            kb.version,
            str(kb.path),
            get_language() or "",
            request.scheme,
            request.get_host(),
            request.get_full_path(),
        ]
    )
    return "kb-page:" + hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()


def cached_by_index(view: Callable) -> Callable:
    """Serve a GET view's 200 answer from the per-process cache while the index is the same."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        cache = _cache()
        if request.method not in ("GET", "HEAD") or cache is None:
            return view(request, *args, **kwargs)
        key = cache_key(request)
        kept = cache.get(key)
        if kept is not None:
            content_type, content = kept
            if TOKEN_SLOT in content:  # this reader's own token (and cookie, via the middleware)
                content = content.replace(TOKEN_SLOT, get_token(request).encode("ascii"))
            return HttpResponse(content, content_type=content_type)
        response = view(request, *args, **kwargs)
        if (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and not response.has_header("Vary")
        ):
            content = CSRF_INPUT.sub(rb"\g<1>" + TOKEN_SLOT + rb"\g<2>", response.content)
            cache.set(key, (response["Content-Type"], content))
        return response

    return wrapper


@receiver(setting_changed)
def _forget_on_setting_change(**kwargs) -> None:
    """Tests change settings (site name, index path): pages rendered before are stale."""
    cache = _cache()
    if cache is not None:
        cache.clear()
