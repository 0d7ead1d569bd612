"""Site-wide request handling of the KB: the page language, friendly 404s even
while debugging, and a missing KB index answering 503 with the command that
builds it, not a 500."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

from kb.index import IndexUnavailable

SUPPORTED = ("en", "ko")


class Language:
    """Activate the page language: `?lang=` first (links keep working), then the
    switcher's cookie, then Accept-Language. URLs stay the same in every language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        asked = request.GET.get("lang", "")
        request.lang_in_query = asked if asked in SUPPORTED else ""
        language = request.lang_in_query or translation.get_language_from_request(request)
        if language not in SUPPORTED:
            language = "en"
        translation.activate(language)
        request.LANGUAGE_CODE = language
        try:
            response = self.get_response(request)
        finally:
            translation.deactivate()
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        response.headers.setdefault("Content-Language", language)
        return response


class FriendlyNotFound:
    """Every HTML 404 is the site's own page, also under DJANGO_DEBUG=1 (`make run`).

    Django's debug 404 lists the URL patterns; a person who follows a broken
    link should get suggestions and a search box instead. Responses the site
    already rendered itself (marked `kb_page`) and non-HTML ones pass through.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code == 404
            and not getattr(response, "kb_page", False)
            and response.get("Content-Type", "").startswith("text/html")
        ):
            # kb.views imports the index and templates; a middleware module
            # loaded by settings stays light, so the view is imported on use
            from kb.views import not_found

            return not_found(request)
        return response


class IndexUnavailableMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, IndexUnavailable):
            return HttpResponse(str(exception), status=503, content_type="text/plain")
        return None
