"""The /diagnose/ page, POST /api/diagnose, saved reports, the CLI; hostile input; secrets."""

from __future__ import annotations

import io
import json
import logging
import time

import pytest
from django.core.management import call_command

from diagnostics.models import Report
from tests.test_diag_engine import QOS_MESSAGE, make_kb

SECRET = "hunter2SECRETpw"
SECRET_PASTE = (
    f"consumer: Cannot connect to amqp://svc:{SECRET}@rabbit:5672/eco2: {QOS_MESSAGE}\n"
    f"CELERY_BROKER_URL = 'redis://:{SECRET}@redis:6379/0'\n"
    f"password: {SECRET}\n"
)


@pytest.fixture(autouse=True)
def synthetic_kb(monkeypatch):
    kb = make_kb("web")
    monkeypatch.setattr("kb.index.get_kb", lambda: kb)
    return kb


def post_api(client, payload, **extra):
    body = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
    return client.post("/api/diagnose", body, content_type="application/json", **extra)


def test_api_answers_the_documented_shape(client):
    response = post_api(client, {"text": QOS_MESSAGE})
    assert response.status_code == 200
    data = response.json()
    assert data["confidence"] == "high" and data["report_url"] is None
    assert data["matches"][0]["slug"] == "quorum-queue-global-qos"


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b'{"nottext": 1}',
        b'{"text": 5}',
        b'{"text": "x", "save": "yes"}',
        b"\xff\xfe\x00",
    ],
)
def test_api_bad_json_is_400_json(client, body):
    response = post_api(client, body)
    assert response.status_code == 400 and "error" in response.json()


def test_api_refuses_5mb_by_content_length_with_json_413(client):
    start = time.monotonic()
    response = post_api(client, json.dumps({"text": "a" * (5 * 1024 * 1024)}))
    assert response.status_code == 413 and "error" in response.json()
    assert time.monotonic() - start < 3


@pytest.mark.django_db
def test_api_save_stores_redacted_and_report_serves_html_and_json(client, caplog):
    caplog.set_level(logging.DEBUG)
    response = post_api(client, {"text": SECRET_PASTE, "save": True})
    data = response.json()
    assert data["report_url"].startswith("/d/") and data["delete_token"]
    assert SECRET not in response.content.decode()
    report = Report.objects.get()
    assert SECRET not in report.text and SECRET not in json.dumps(report.result)
    page = client.get(data["report_url"])
    assert page.status_code == 200 and SECRET not in page.content.decode()
    assert '<meta name="robots" content="noindex' in page.content.decode()
    as_json = client.get(data["report_url"], HTTP_ACCEPT="application/json")
    # the saved report answers what the API answered when it was saved
    assert as_json.json()["confidence"] == data["confidence"] != "none"
    assert as_json.json()["matches"][0]["slug"] == data["matches"][0]["slug"]
    assert SECRET not in as_json.content.decode()
    assert SECRET not in caplog.text
    wrong = client.post(f"{data['report_url']}delete", {"token": "wrong"})
    assert wrong.status_code == 403 and Report.objects.count() == 1
    client.post(f"{data['report_url']}delete", {"token": data["delete_token"]})
    assert Report.objects.count() == 0
    assert client.get(data["report_url"]).status_code == 404


def test_diagnose_page_get_and_post(client):
    page = client.get("/diagnose/")
    assert page.status_code == 200 and b'name="text"' in page.content
    result = client.post("/diagnose/", {"text": QOS_MESSAGE})
    body = result.content.decode()
    assert result.status_code == 200 and "quorum queue global qos" in body
    assert "scan.vision" in body


def test_diagnose_page_requires_csrf():
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/diagnose/", {"text": QOS_MESSAGE})
    assert response.status_code == 403


@pytest.mark.django_db
def test_script_markup_is_inert_everywhere(client):
    evil = "<script>alert(1)</script>"
    paste = (
        f"NOT_IMPLEMENTED - queue '{evil}' in vhost '{evil}' does not support global qos\n{evil}"
    )
    page = client.post("/diagnose/", {"text": paste, "save": "1"}).content.decode()
    assert evil not in page and "&lt;script&gt;" in page
    data = post_api(client, {"text": paste, "save": True}).json()
    assert evil not in data["matches"][0]["fix"]
    report = client.get(data["report_url"]).content.decode()
    assert evil not in report


HOSTILE = {
    "binary": bytes(range(256)) * 40,
    "invalid-utf8": b"Traceback \xff\xfe\xfa broken",
    "alias-bomb": (
        b'apiVersion: v1\nkind: ConfigMap\na: &a ["x","x","x","x","x","x","x","x"]\n'
        + b"".join(
            b"%c: &%c [*%c,*%c,*%c,*%c,*%c,*%c,*%c,*%c]\n" % ((98 + i,) * 2 + (97 + i,) * 8)
            for i in range(8)
        )
    ),
    "deep-literal": b"task_queues = " + b"[" * 5000 + b"]" * 5000,
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_pastes_answer_clearly_and_fast(client, name):
    raw = HOSTILE[name]
    start = time.monotonic()
    text = raw.decode("utf-8", "surrogateescape")
    try:
        payload = json.dumps({"text": text})
    except UnicodeEncodeError:
        payload = b'{"text": "' + raw.replace(b'"', b"") + b'"}'
    response = post_api(client, payload)
    assert response.status_code in (200, 400, 413)
    assert time.monotonic() - start < 3
    if response.status_code == 200 and name in ("alias-bomb", "deep-literal"):
        assert response.json()["notices"], "a hostile region must be reported"


def test_cli_exit_codes_and_json(tmp_path, capsys):
    good = tmp_path / "paste.txt"
    good.write_text(QOS_MESSAGE)
    with pytest.raises(SystemExit) as exit_high:
        call_command("diagnose", str(good), "--json")
    assert exit_high.value.code == 0
    assert json.loads(capsys.readouterr().out)["confidence"] == "high"
    weak = tmp_path / "weak.txt"
    weak.write_text("nothing to see here at all")
    with pytest.raises(SystemExit) as exit_none:
        call_command("diagnose", str(weak))
    assert exit_none.value.code == 1
    binary = tmp_path / "bin.dat"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    from django.core.management.base import CommandError

    with pytest.raises(CommandError) as bad:
        call_command("diagnose", str(binary))
    assert bad.value.returncode == 2


@pytest.mark.django_db
def test_purge_reports_deletes_only_old_ones():
    from datetime import timedelta

    from django.utils import timezone

    from diagnostics.reports import create_report

    old, _ = create_report(text="old", result={"confidence": "none"})
    create_report(text="new", result={"confidence": "none"})
    Report.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    out = io.StringIO()
    call_command("purge_reports", stdout=out)
    assert "deleted 1" in out.getvalue()
    assert list(Report.objects.values_list("text", flat=True)) == ["new"]


@pytest.mark.django_db
def test_purge_reports_also_deletes_old_check_runs():
    from datetime import timedelta

    from django.utils import timezone

    from diagnostics.models import CheckRun

    old = CheckRun.objects.create(target="amqp://guest:****@127.0.0.1//", status="done")
    CheckRun.objects.create(target="amqp://guest:****@127.0.0.1//", status="done")
    CheckRun.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    out = io.StringIO()
    call_command("purge_reports", stdout=out)
    assert "0 report(s) and 1 check run(s)" in out.getvalue()
    assert CheckRun.objects.count() == 1 and not CheckRun.objects.filter(pk=old.pk).exists()


@pytest.mark.django_db
def test_diagnosis_naming_a_queue_offers_a_live_check(client):
    text = (
        "AMQPNotImplementedError(540, \"NOT_IMPLEMENTED - queue 'scan.vision' in vhost 'eco2' "
        "does not support global qos\", (60, 20), 'Basic.consume')"
    )
    page = client.post("/diagnose/", {"text": text}).content.decode()
    assert 'href="/checks/?queue=scan.vision&amp;vhost=eco2"' in page
