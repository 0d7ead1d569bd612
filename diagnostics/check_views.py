"""Live-check pages and API: the form, the run page, POST /api/checks, GET /api/checks/<id>.

Views are thin: they turn input into a CheckRequest and call the service.
The run page renders the results known so far; with JavaScript it polls the
API and fills results in as they arrive, without it a meta refresh (inside
<noscript>) reloads the page while the run is queued or running.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from diagnostics.api import body_limit, content_length
from diagnostics.checks import CheckRequest, HostNotAllowed, TargetError
from diagnostics.checks.allowlist import load_allowlist
from diagnostics.checks.plan import URL_MAX_CHARS, ConfigTooLarge, config_too_large
from diagnostics.checks.results import SEVERITY, count_statuses
from diagnostics.checks.service import RunsBusy, expire_stalled_run, run_as_dict, start_run
from diagnostics.guards import checks_login, json_only
from diagnostics.models import CheckRun
from diagnostics.present import notice_text
from diagnostics.ratelimit import over_limit, rate_limited, too_many, too_many_message
from diagnostics.redact import MASK, mask_url
from diagnostics.views import FORM_OVERHEAD

QUEUE_SPLIT = re.compile(r"[\s,]+")
# Words for the stable status values (results and runs); the script reads them as data-label-*
STATUS_LABELS = {
    "pass": _("pass"),
    "warn": _("warn"),
    "fail": _("fail"),
    "error": _("error"),
    "skipped": _("skipped"),
    "queued": _("queued"),
    "running": _("running"),
    "done": _("done"),
}
# The form's fields
FORM_FIELDS = (
    "broker_url",
    "password",
    "management_url",
    "management_user",
    "management_password",
    "vhost",
    "config",
    "consumer_timeout_ms",
)
# The JSON API's fields (CheckRequest.from_fields): the form's, the queue list, TLS
# verification and the language JSON clients may send.
API_FIELDS = frozenset({*FORM_FIELDS, "queues", "tls_verify", "lang"})
# Room in a request for the fields beside the config (URLs, passwords, 50 queue names)
FIELDS_ROOM = 64 * 1024


class CheckForm(forms.Form):
    """The /checks/ form; secrets are accepted but never rendered back."""

    broker_url = forms.CharField(
        max_length=URL_MAX_CHARS,
        label=_("Broker URL"),
        widget=forms.TextInput(attrs={"placeholder": "amqp://user@rabbit:5672/vhost"}),
    )
    password = forms.CharField(
        required=False,
        max_length=500,
        strip=False,
        widget=forms.PasswordInput(render_value=False),
        label=_("Broker password (instead of putting it in the URL)"),
    )
    management_url = forms.CharField(
        required=False,
        max_length=URL_MAX_CHARS,
        label=_("RabbitMQ management API URL"),
        widget=forms.TextInput(attrs={"placeholder": "http://rabbit:15672"}),
    )
    management_user = forms.CharField(required=False, max_length=200)
    management_password = forms.CharField(
        required=False, max_length=500, strip=False, widget=forms.PasswordInput(render_value=False)
    )
    vhost = forms.CharField(required=False, max_length=500)
    queues = forms.CharField(
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=_("Queues (comma or space separated)"),
    )
    config = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        label=_("Celery config or manifest (optional)"),
    )
    consumer_timeout_ms = forms.IntegerField(
        required=False, min_value=1, label=_("consumer_timeout (ms), if changed")
    )
    no_verify = forms.BooleanField(required=False, label=_("Do not verify TLS certificates"))

    def clean_config(self) -> str:
        text = self.cleaned_data["config"]
        if config_too_large(text):
            raise forms.ValidationError(_config_too_large(), code="too-large")
        return text

    def to_request(self) -> CheckRequest:
        """The cleaned form in the JSON API's field names, through the one request schema."""
        data = self.cleaned_data
        fields = {key: data[key] for key in FORM_FIELDS}
        fields["queues"] = [q for q in QUEUE_SPLIT.split(data["queues"]) if q]
        fields["tls_verify"] = not data["no_verify"]
        return CheckRequest.from_fields(fields, timeout=settings.KB_CHECK_TIMEOUT)


def _config_too_large() -> str:
    """The refusal of a config over the limit, in the page's language (the API's words)."""
    lang = "ko" if get_language() == "ko" else "en"
    return notice_text(str(ConfigTooLarge(settings.KB_PASTE_MAX_BYTES)), lang)


def _masked(form: CheckForm) -> CheckForm:
    """The bound form with URL passwords masked: an error page must not show them back."""
    form.data = form.data.copy()
    for key in ("broker_url", "management_url"):
        if form.data.get(key):
            form.data[key] = mask_url(form.data[key])
    return form


@require_http_methods(["GET", "HEAD", "POST"])
@checks_login
def check_form(request: HttpRequest) -> HttpResponse:
    """GET: the form (prefilled from ?vhost=&queue=&broker_url=); POST: start a run."""
    if request.method == "POST":
        if content_length(request) > settings.KB_PASTE_MAX_BYTES * FORM_OVERHEAD + FIELDS_ROOM:
            # refused before the body is read, like an oversized paste (Django's own
            # limit would answer a bare 400 when request.POST is read)
            context = {"form": CheckForm(), "error": _config_too_large(), **_availability()}
            if (over := over_limit("checks", request)) is not None:
                context["error"] = too_many_message(*over)
                return too_many(render(request, "checks/form.html", context, status=429), over)
            return render(request, "checks/form.html", context, status=413)
        form = CheckForm(request.POST)
        if (over := over_limit("checks", request)) is not None:
            form.is_valid()
            form.add_error(None, too_many_message(*over))
            context = {"form": _masked(form), **_availability()}
            return too_many(render(request, "checks/form.html", context, status=429), over)
        if form.is_valid():
            try:
                run = start_run(form.to_request())
            except (TargetError, HostNotAllowed, RunsBusy) as exc:
                form.add_error(None, notice_text(str(exc), _page_lang(request)))
            else:
                return redirect("checks:run", run_id=run.id)
        context = {"form": _masked(form), **_availability()}
        status = 413 if form.has_error("config", "too-large") else 400
        return render(request, "checks/form.html", context, status=status)
    initial = {key: request.GET.get(key, "") for key in ("broker_url", "vhost", "management_url")}
    for key in ("broker_url", "management_url"):  # a shared link's password is not shown back
        initial[key] = mask_url(initial[key]).replace(f":{MASK}@", "@")
    initial["queues"] = " ".join(request.GET.getlist("queue"))
    context = {"form": CheckForm(initial=initial), **_availability()}
    return render(request, "checks/form.html", context)


def _availability() -> dict[str, Any]:
    """Whether live checks are switched off here (empty allowlist), and whom to ask."""
    return {"checks_off": load_allowlist().is_empty, "contact": settings.KB_CHECKS_CONTACT}


@never_cache
@require_safe
@checks_login
def check_run_page(request: HttpRequest, run_id: str) -> HttpResponse:
    """The run: results so far, the checks still to come, and a summary once done."""
    run = expire_stalled_run(get_object_or_404(CheckRun, pk=run_id))
    data = run_as_dict(run, lang=_page_lang(request))
    finished = run.status in (CheckRun.Status.DONE, CheckRun.Status.ERROR)
    done_ids = {result["check"] for result in run.results}
    pending = [item for item in data["planned"] if item["check"] not in done_ids]
    results = [{**r, "entry_info": data["entries"].get(r["entry"])} for r in data["results"]]
    context = {
        "run": run,
        "data": data,
        "results": results,
        "finished": finished,
        "pending": [] if finished else pending,
        "counts": count_statuses(run.results),
        "summary": [
            (status, n, STATUS_LABELS[status])
            for status, n in count_statuses(run.results).items()
            if n
        ],
        "status_labels": STATUS_LABELS,
        "run_status": STATUS_LABELS.get(run.status, run.status),
        "worst": max((SEVERITY[r["status"]] for r in run.results), default=0),
        "robots": "noindex",
    }
    return render(request, "checks/run.html", context)


def _json_error(message: str, status: int, code: str) -> JsonResponse:
    return JsonResponse({"error": message, "code": code}, status=status)


def _too_large() -> JsonResponse:
    """A body too large to read: its config would be over the limit (as /api/diagnose
    answers a body too large for a paste with the paste's limit)."""
    return _json_error(str(ConfigTooLarge(settings.KB_PASTE_MAX_BYTES)), 413, "too-large")


@csrf_exempt  # JSON only (415 otherwise): a cross-site POST needs a preflight, never granted
@require_http_methods(["POST"])
@json_only
@checks_login
@rate_limited("checks")
def api_start_check(request: HttpRequest) -> JsonResponse:
    """POST /api/checks {"broker_url", ...} -> 201 {"id", "url"}.

    A config over KB_PASTE_MAX_BYTES, or a body too large to hold one, is a 413 like
    /api/diagnose's; the body's size is judged from its Content-Length before it is read.
    """
    if content_length(request) > body_limit() + FIELDS_ROOM:
        return _too_large()
    try:
        body = json.loads(request.body or b"{}")
    except RequestDataTooBig:
        return _too_large()
    except (ValueError, RecursionError):  # RecursionError: deeply nested arrays
        return _json_error("the body must be JSON", 400, "bad-json")
    if not isinstance(body, dict):
        return _json_error("the body must be a JSON object", 400, "bad-json")
    unknown = sorted(str(key)[:40] for key in body if key not in API_FIELDS)
    if unknown:  # a misspelt field ("queue") must not silently check nothing
        hint = ' (did you mean "queues", a list?)' if "queue" in unknown else ""
        return _json_error(
            f"unknown field(s) {', '.join(map(repr, unknown[:5]))}{hint}; the fields are "
            + ", ".join(sorted(API_FIELDS)),
            400,
            "bad-request",
        )
    try:
        run = start_run(CheckRequest.from_fields(body, timeout=settings.KB_CHECK_TIMEOUT))
    except HostNotAllowed as exc:
        return _json_error(str(exc), 403, "host-not-allowed")
    except RunsBusy as exc:
        return _json_error(str(exc), 429, "busy")
    except ConfigTooLarge as exc:
        return _json_error(str(exc), 413, "too-large")
    except TargetError as exc:
        return _json_error(str(exc), 400, "bad-request")
    return JsonResponse({"id": run.id, "url": reverse("checks:run", args=[run.id])}, status=201)


@never_cache
@require_safe
@checks_login
def api_check_status(request: HttpRequest, run_id: str) -> JsonResponse:
    """GET /api/checks/<id> -> {"id", "status", "target", "results", ...}."""
    try:
        run = CheckRun.objects.get(pk=run_id)
    except CheckRun.DoesNotExist:
        return _json_error("no such check run", 404, "not-found")
    return JsonResponse(run_as_dict(expire_stalled_run(run), lang=_lang(request)))


def _lang(request: HttpRequest) -> str:
    """The API's language: ?lang=ko, else English (JSON clients ask explicitly)."""
    return "ko" if request.GET.get("lang") == "ko" else "en"


def _page_lang(request: HttpRequest) -> str:
    """A page's language: the one the Language middleware activated for the reader."""
    return "ko" if get_language() == "ko" else "en"
