"""Per-client rate limits for the POST APIs (diagnose, live checks) and their forms.

A fixed window per client address, counted in Django's default cache, which
every web process shares: Redis when `KB_CACHE_URL` / `REDIS_URL` is set, else
a table in the database (see config/settings.py). `cache.incr` is atomic on
Redis; on the database cache it is a read and a write, so two processes racing
on one key can lose a count (a limit, not an exact meter).

    @rate_limited("diagnose")
    def api_diagnose(request): ...

Limits are requests per minute from `KB_RATE_LIMIT_DIAGNOSE` and
`KB_RATE_LIMIT_CHECKS` (0 turns a limit off). Behind reverse proxies set
`KB_TRUST_X_FORWARDED_FOR=1` and `KB_TRUSTED_PROXY_COUNT` (default 1): each
proxy appends the address it saw to `X-Forwarded-For`, so the client is the
entry the outermost trusted proxy appended, counted from the right. Entries to
its left came from the client and are ignored (a client can write anything
there).
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

WINDOW_SECONDS = 60
log = logging.getLogger(__name__)


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or the one the trusted proxies recorded."""
    if settings.KB_TRUST_X_FORWARDED_FOR:
        proxies = max(1, int(getattr(settings, "KB_TRUSTED_PROXY_COUNT", 1)))
        entries = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",")]
        entries = [entry for entry in entries if entry]
        if len(entries) >= proxies:
            return entries[-proxies][:64]
    return request.META.get("REMOTE_ADDR", "unknown")[:64]


def hit(scope: str, client: str, limit: int) -> int | None:
    """Count one request; the seconds to wait when over `limit`, else None.

    When the shared cache cannot be reached the request is let through (and
    logged): a limit that cannot count must not take the site down with it.
    """
    window = int(time.time() // WINDOW_SECONDS)
    key = f"kb-rate:{scope}:{client}:{window}"
    try:
        cache.add(key, 0, timeout=WINDOW_SECONDS + 5)
        try:
            count = cache.incr(key)
        except ValueError:  # evicted between add and incr: start again
            cache.set(key, 1, timeout=WINDOW_SECONDS + 5)
            count = 1
    except Exception:
        log.warning("rate limit %s not counted: the cache is unavailable", scope, exc_info=True)
        return None
    if count > limit:
        return WINDOW_SECONDS - int(time.time() % WINDOW_SECONDS)
    return None


def over_limit(scope: str, request: HttpRequest) -> tuple[int, int] | None:
    """(limit, seconds to wait) when this client is over the scope's limit, else None.

    The HTML forms (/diagnose/, /checks/) count in the same scope as their API, so a
    client cannot step around the API's limit by posting the form instead.
    """
    limit = settings.KB_RATE_LIMITS.get(scope, 0)
    if limit <= 0:
        return None
    wait = hit(scope, client_address(request), limit)
    return None if wait is None else (limit, wait)


def too_many_message(limit: int, wait: int) -> str:
    """The forms' words for it, in the reader's language."""
    return _(
        "Too many requests from your address: at most %(limit)s a minute. Try again in %(wait)s s."
    ) % {"limit": limit, "wait": wait}


def too_many(response: HttpResponse, over: tuple[int, int]) -> HttpResponse:
    response["Retry-After"] = str(over[1])
    return response


def rate_limited(scope: str) -> Callable:
    """Answer 429 JSON with Retry-After once a client is over the scope's limit."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            over = over_limit(scope, request)
            if over is None:
                return view(request, *args, **kwargs)
            limit, wait = over
            response = JsonResponse(
                {
                    "error": f"Too many requests: at most {limit} a minute. Try again in {wait} s.",
                    "code": "rate-limited",
                },
                status=429,
            )
            return too_many(response, over)

        return wrapper

    return decorate
