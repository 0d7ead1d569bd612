"""POST /api/diagnose: JSON in, the diagnosis as JSON out (CSRF-exempt API).

    curl -s localhost:8000/api/diagnose -H 'Content-Type: application/json' \
         -d '{"text": "PRECONDITION_FAILED - inequivalent arg ...", "save": false}'

A body over the limit is refused from its Content-Length before it is read,
with a JSON 413 (Django's own limit would answer an HTML 400 later).
"""

from __future__ import annotations

import json

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from diagnostics.engine import PasteError
from diagnostics.guards import json_only
from diagnostics.present import notice_text
from diagnostics.ratelimit import rate_limited
from diagnostics.services import diagnose_paste

JSON_OVERHEAD = 4096


def body_limit() -> int:
    """Largest body accepted: the paste limit, with room for JSON escaping of a full paste."""
    return settings.KB_PASTE_MAX_BYTES * 2 + JSON_OVERHEAD


def content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def too_large() -> JsonResponse:
    limit = settings.KB_PASTE_MAX_BYTES
    return error(f"The paste is over the limit of {limit:,} bytes.", 413)


@csrf_exempt
@require_POST
@json_only
@rate_limited("diagnose")
def api_diagnose(request: HttpRequest) -> JsonResponse:
    if content_length(request) > body_limit():
        return too_large()
    try:
        body = request.body
    except RequestDataTooBig:
        return too_large()
    payload, problem = _read_payload(body)
    if problem:
        return error(problem, 400)
    text = payload["text"]
    if len(text.encode("utf-8", "surrogatepass")) > settings.KB_PASTE_MAX_BYTES:
        return too_large()
    lang = payload.get("lang") if payload.get("lang") in ("en", "ko") else "en"
    try:
        outcome = diagnose_paste(
            text=text.encode("utf-8", "surrogatepass"), save=payload.get("save") is True, lang=lang
        )
    except PasteError as exc:
        return error(notice_text(str(exc), lang), 400)
    data = dict(outcome.data)
    if outcome.delete_token is not None:
        data["delete_token"] = outcome.delete_token
    return JsonResponse(data)


def _read_payload(body: bytes) -> tuple[dict, str | None]:
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: deep nesting
        return {}, 'The body must be JSON (UTF-8): {"text": "..."}.'
    if not isinstance(payload, dict) or not isinstance(payload.get("text"), str):
        return {}, 'The JSON body needs a string field "text".'
    if "save" in payload and not isinstance(payload["save"], bool):
        return {}, '"save" must be true or false.'
    return payload, None
