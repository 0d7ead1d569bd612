"""Recording what readers tell editors: 404 hits and "Was this helpful?".

Both are best effort: a database hiccup never turns a 404 page or a thank-you
into a 500. Paths and referrers lose their query strings and fragments first.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from diagnostics.ratelimit import client_address, hit
from diagnostics.redact import redact_text
from kb.models import Feedback, NotFoundHit

logger = logging.getLogger(__name__)
MAX_NOT_FOUND_ROWS = 10_000
SKIP_PREFIXES = ("/static/", "/api/", "/d/", "/admin/")
MAX_REASON = 500


def _without_query(url: str) -> str:
    """The URL without query, fragment and `user:password@` (tokens in its path masked)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        netloc = f"[{host}]" if ":" in host else host
        if parts.port is not None:
            netloc += f":{parts.port}"
    except ValueError:  # a malformed header: keep nothing of it
        return ""
    return redact_text(urlunsplit((parts.scheme, netloc, parts.path, "", "")))[:300]


def record_not_found(request: HttpRequest) -> None:
    """Count a 404 by path and referring page (no query strings, nothing about the person)."""
    if request.path.startswith(SKIP_PREFIXES):
        return
    path = redact_text(request.path)[:300]  # a broker URL pasted after the site's address
    referrer = _without_query(request.headers.get("Referer", ""))
    try:
        with transaction.atomic():
            updated = NotFoundHit.objects.filter(path=path, referrer=referrer).update(
                count=F("count") + 1
            )
            if not updated and NotFoundHit.objects.count() < MAX_NOT_FOUND_ROWS:
                NotFoundHit.objects.create(path=path, referrer=referrer, count=1)
    except Exception:  # best effort: logging a miss must never break the 404 page itself
        logger.warning("could not record a 404 hit for %s", path, exc_info=True)


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


@require_POST
def feedback(request: HttpRequest) -> HttpResponse:
    """Store one yes/no (and an optional reason); works as a plain form and from fetch()."""
    wants_json = "application/json" in request.headers.get("Accept", "")
    limit = settings.KB_RATE_LIMITS.get("feedback", 0)
    if limit > 0 and hit("feedback", client_address(request), limit) is not None:
        message = _("Too many answers, thank you.")
        if wants_json:
            return JsonResponse({"error": message}, status=429)
        return HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    kind = request.POST.get("kind", "")
    helpful = request.POST.get("helpful", "")
    if kind not in Feedback.Kind.values or helpful not in ("yes", "no"):
        return HttpResponseBadRequest("kind and helpful are required")
    item = Feedback.objects.create(
        kind=kind,
        slug=request.POST.get("slug", "")[:100],
        signature=request.POST.get("signature", "")[:300],
        helpful=helpful == "yes",
        reason=redact_text(request.POST.get("reason", "")[:MAX_REASON]),
    )
    if wants_json:
        return JsonResponse({"stored": True, "id": item.id})
    return render(request, "kb/feedback_thanks.html", {"back": _back(request)})
