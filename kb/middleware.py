"""A missing KB index answers 503 with the command that builds it, not a 500."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from kb.index import IndexUnavailable


class IndexUnavailableMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, IndexUnavailable):
            return HttpResponse(str(exception), status=503, content_type="text/plain")
        return None
