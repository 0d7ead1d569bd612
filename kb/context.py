"""Template context shared by every page."""

import json
from urllib.parse import urlencode

from django.conf import settings
from django.utils.translation import get_language, gettext, gettext_noop

# Words kb.js shows; handed to it in the page (data-i18n) in the page's language.
JS_STRINGS = [
    gettext_noop("Copied"),
    gettext_noop("Press Ctrl+C to copy"),
    gettext_noop("Copy"),
    gettext_noop("Copy code"),
    gettext_noop("code"),
    gettext_noop("Copy link as"),
    gettext_noop("Copy as"),
    gettext_noop("Suggestions"),
    gettext_noop("See all results for"),
    gettext_noop("No suggestions: search for"),
    gettext_noop("suggestion"),
    gettext_noop("suggestions"),
    gettext_noop("showing results for"),
    gettext_noop("Showing results for"),
    gettext_noop("Back to top"),
    gettext_noop("Contents"),
    gettext_noop("entries shown"),
    gettext_noop("Thanks for the feedback."),
    gettext_noop("Too many answers, thank you."),
]


def site_url(request) -> str:
    """The absolute base for links people copy: KB_SITE_URL, else this request's origin."""
    return settings.KB_SITE_URL or f"{request.scheme}://{request.get_host()}"


def _path_without_lang(request) -> str:
    query = [(k, v) for k, v in request.GET.items() if k != "lang"]
    return request.path + (f"?{urlencode(query)}" if query else "")


def site(request):
    language = get_language() or "en"
    in_query = getattr(request, "lang_in_query", "") == "ko"
    return {
        "site_name": settings.KB_SITE_NAME,
        "site_url": site_url(request),
        "korean_ui": language == "ko",
        # links keep a language that came in the URL (?lang=ko); a cookie needs no help
        "lang_q": "?lang=ko" if in_query else "",
        "lang_amp": "&lang=ko" if in_query else "",
        "path_without_lang": _path_without_lang(request),
        "js_i18n": json.dumps(
            {text: gettext(text) for text in JS_STRINGS if gettext(text) != text},
            ensure_ascii=False,
        ),
    }
