"""HTML pages: /diagnose/ (form and results) and saved reports /d/<id>/.

Pasted text reaches templates only as plain strings (auto-escaped); the one
HTML fragment shown, an entry's Fix, comes from our content with the user's
facts escaped by `Entry.render_section`, rendered by diagnostics.present when
the page is served (a saved report is rendered again at each read).
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from diagnostics.api import content_length
from diagnostics.engine import PasteError, analysed_part, error_like_line
from diagnostics.forms import PasteForm
from diagnostics.models import UnansweredPaste
from diagnostics.parsers import parse_paste
from diagnostics.present import notice_text
from diagnostics.ranking import WORDING
from diagnostics.ratelimit import over_limit, too_many, too_many_message
from diagnostics.redact import redact_text
from diagnostics.reports import delete_report, get_report
from diagnostics.services import diagnose_paste, present_report
from kb.textindex import WORD_PIECES

FORM_OVERHEAD = 3
UNANSWERED_MAX_CHARS = 20_000  # urlencoding can triple a paste's size


def searched_words(text: str) -> list[str]:
    """The words the no-match search used (the paste's most error-like line, redacted)."""
    words = WORD_PIECES.findall(error_like_line(parse_paste(analysed_part(text)[0])))
    return list(dict.fromkeys(words))[:24]


def share_unanswered(text: str, searched_for: list[str], kinds: list[str]) -> bool:
    """Queue a paste nothing answered for the editors (the user ticked the box); redacted first."""
    UnansweredPaste.objects.create(
        text=redact_text(text)[:UNANSWERED_MAX_CHARS],
        searched_for=" ".join(searched_for)[:500],
        kinds=",".join(kinds)[:200],
    )
    return True


def _noindex(response: HttpResponse) -> HttpResponse:
    """Pages that show a paste: not indexed, not kept by any cache, shared or not."""
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "private, no-store"
    return response


def reader_language(request: HttpRequest) -> str:
    """The reader's language: a form field lang=ko, else the page language the
    Language middleware chose (?lang=, the switcher's cookie, Accept-Language)."""
    if request.POST.get("lang") in ("en", "ko"):
        return request.POST["lang"]
    return "ko" if getattr(request, "LANGUAGE_CODE", "en") == "ko" else "en"


def _page(request: HttpRequest, context: dict, status: int = 200) -> HttpResponse:
    context.setdefault("max_bytes", settings.KB_PASTE_MAX_BYTES)
    context.setdefault("form", PasteForm())
    return _noindex(render(request, "diagnostics/diagnose.html", context, status=status))


@require_http_methods(["GET", "HEAD", "POST"])
def diagnose_page(request: HttpRequest) -> HttpResponse:
    if request.method in ("GET", "HEAD"):
        return _page(request, {})
    if (over := over_limit("diagnose", request)) is not None:
        return too_many(_page(request, {"error": too_many_message(*over)}, 429), over)
    limit = settings.KB_PASTE_MAX_BYTES
    if content_length(request) > limit * FORM_OVERHEAD + 4096:
        message = _("The paste is over the limit of %(limit)s bytes.") % {"limit": f"{limit:,}"}
        return _page(request, {"error": message}, 413)
    form = PasteForm(request.POST)
    if not form.is_valid():
        return _page(request, {"form": form, "error": _("Paste some text to diagnose.")}, 400)
    text = form.cleaned_data["text"]
    try:
        outcome = diagnose_paste(
            text=text, save=bool(form.cleaned_data.get("save")), lang=reader_language(request)
        )
    except PasteError as exc:
        status = 413 if len(text.encode("utf-8", "surrogatepass")) > limit else 400
        message = notice_text(str(exc), reader_language(request))
        return _page(request, {"form": PasteForm(), "error": message}, status)
    # The paste is shown again redacted: the page must not carry the secrets back.
    shown = PasteForm(initial={"text": redact_text(outcome.text)})
    context = {"form": shown, "result": outcome.data}
    result = outcome.diagnosis
    if result.confidence == "none" or all(
        e.get("source") == WORDING for m in result.matches for e in m.evidence
    ):
        context["searched_for"] = searched_words(outcome.text)
        if request.POST.get("share_unanswered"):
            context["shared"] = share_unanswered(
                outcome.text, context["searched_for"], result.kinds
            )
    if outcome.report is not None:
        context.update(report=outcome.report, delete_token=outcome.delete_token)
    return _page(request, context)


@csrf_exempt  # DELETE is authorised by the delete token, not a session
@require_http_methods(["GET", "HEAD", "DELETE"])
def report_page(request: HttpRequest, report_id: str) -> HttpResponse:
    report = get_report(report_id)
    if report is None:
        raise Http404(_("No such report (it may have been deleted or expired)."))
    if request.method == "DELETE":
        token = request.headers.get("X-Delete-Token", "")
        deleted = delete_report(report_id=report_id, token=token)
        return JsonResponse({"deleted": deleted}, status=200 if deleted else 403)
    result = present_report(report, lang=reader_language(request))
    if "application/json" in request.headers.get("Accept", ""):
        data = dict(result)
        data.update(id=report.id, created_at=report.created_at.isoformat(), text=report.text)
        return _noindex(JsonResponse(data))
    context = {"report": report, "result": result, "saved": True}
    return _noindex(render(request, "diagnostics/report.html", context))


@require_POST
def report_delete(request: HttpRequest, report_id: str) -> HttpResponse:
    token = request.POST.get("token", "")
    if delete_report(report_id=report_id, token=token):
        return redirect(reverse("diagnostics:diagnose") + "?deleted=1")
    report = get_report(report_id)
    if report is None:
        raise Http404(_("No such report."))
    context = {
        "report": report,
        "result": present_report(report, lang=reader_language(request)),
        "delete_error": _("That delete token does not match this report."),
    }
    return _noindex(render(request, "diagnostics/report.html", context, status=403))
