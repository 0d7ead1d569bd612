"""Request guards for the POST APIs and the live-check pages.

`json_only`: POST /api/diagnose and POST /api/checks accept only
`Content-Type: application/json` (415 otherwise). A page on another site can
send `text/plain`, `application/x-www-form-urlencoded` or `multipart/form-data`
cross-origin without a CORS preflight; `application/json` always needs one,
which this site never grants. So a visitor's browser cannot be made to start
checks against an intranet KB.

`checks_login`: with `KB_REQUIRE_LOGIN_FOR_CHECKS=1` live checks (form, API,
run pages) need a signed-in user: Django's own login (`/accounts/login/`) or,
with `KB_TRUST_REMOTE_USER=1`, the user name an SSO proxy puts in
`KB_REMOTE_USER_HEADER` (see README, "Deploying").
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.middleware import RemoteUserMiddleware as DjangoRemoteUserMiddleware
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, JsonResponse


def json_only(view: Callable) -> Callable:
    """Answer 415 JSON unless the request body is declared `application/json`."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if (request.content_type or "").lower() != "application/json":
            return JsonResponse(
                {
                    "error": "Send the body as JSON with Content-Type: application/json.",
                    "code": "unsupported-media-type",
                },
                status=415,
            )
        return view(request, *args, **kwargs)

    return wrapper


def login_required_for_checks() -> bool:
    return bool(getattr(settings, "KB_REQUIRE_LOGIN_FOR_CHECKS", False))


def checks_login(view: Callable) -> Callable:
    """With KB_REQUIRE_LOGIN_FOR_CHECKS: 401 JSON for the API, the login page for pages."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        user = getattr(request, "user", None)
        if login_required_for_checks() and not (user and user.is_authenticated):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"error": "Live checks require signing in.", "code": "login-required"},
                    status=401,
                )
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


class RemoteUserMiddleware(DjangoRemoteUserMiddleware):
    """Django's RemoteUserMiddleware reading the header named by KB_REMOTE_USER_HEADER.

    Only behind a proxy that authenticates every request and always sets (or
    removes) this header itself: anyone who reaches the site directly can send
    any header. `HTTP_X_REMOTE_USER` is the request header `X-Remote-User`.
    """

    @property
    def header(self) -> str:  # type: ignore[override]
        return settings.KB_REMOTE_USER_HEADER
