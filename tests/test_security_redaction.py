"""Adversarial review: secrets that used to reach pages, JSON, the database or logs.

Each case here leaked before the fix: URL passwords with `/` or quotes, YAML block
scalars, Kubernetes env `value:` lines (a secret only in context, so the per-line
redaction of evidence missed it), Secret data in flow/JSON style, and values with
spaces. The end-to-end tests use the real KB and check every output of a saved report.
"""

from __future__ import annotations

import json
import logging

import pytest

from diagnostics.models import Report


@pytest.mark.django_db
def test_saved_reports_hold_facts_not_html_and_render_the_fix_when_read(client):
    # The fix is HTML from our content filled with the (scrubbed) facts: it is rendered
    # when the report is read, so redaction never has to rewrite markup.
    paste = "AMQPNotImplementedError(540, \"NOT_IMPLEMENTED - queue 'scan.vision' in vhost 'eco2' does not support global qos\")"
    data = client.post(
        "/api/diagnose", {"text": paste, "save": True}, content_type="application/json"
    ).json()
    report = Report.objects.get(pk=data["report_url"].strip("/").split("/")[-1])
    stored = json.dumps(report.result)
    assert "</" not in stored and "fix" not in report.result["matches"][0]
    shown = client.get(data["report_url"], HTTP_ACCEPT="application/json").json()
    assert "scan.vision" in shown["matches"][0]["fix"]


K8S = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
spec:
  template:
    spec:
      containers:
        - name: worker
          env:
            - name: DATABASE_URL
              value: postgres://app:pg/secretzz@db:5432/app
            - name: DB_PASSWORD
              value: k8svalsecret
            - name: CELERY_BROKER_URL
              value: amqp://u:br@k/erzz@rabbit:5672/eco2
        - name: api
          env:
            - name: DATABASE_URL
              value: postgres://app:pg/secretzz@db:5432/app
"""
REFUSED = (
    "Traceback (most recent call last):\n"
    '  File "/app/worker.py", line 10, in <module>\n'
    "kombu.exceptions.OperationalError: [Errno 111] Connection refused "
    "amqp://svc:pa/ss'wd@rabbit:5672/eco2\n"
    "consumer: Cannot connect to amqp://svc:pa/ss'wd@rabbit:5672/eco2: "
    "[Errno 111] Connection refused.\n"
)
BLOCKS = (
    "redis:\n  password: |\n    blockline1secret\n  token: >-\n    foldedtokensecret\n"
    'export DB_PASSWORD="env pw secret"\nDB_PASSWORD=plain env secret\n'
    # the password's tail is long enough that no random token of a page (the CSRF token, a
    # report id) contains it by chance: `yzz` alone turned up once in a form page
    "broker_url = 'amqp://svc:pw@x/yzz9pwtail@rabbit:5672//'\n"
)
COOKIE_SESSION = (  # a shell session printing .erlang.cookie files: the cookie, unnamed
    "root@rabbit-0:/# cat /var/lib/rabbitmq/.erlang.cookie\n"
    "CKQWERTYUIOPASDFGHJZ\n"
    "root@rabbit-0:/# exit\n"
    "$ sudo docker exec rabbit cat .erlang.cookie\n"
    "[sudo] password for ops:\n"
    "own-Cookie_Token.77\n"
    "$ celery -A proj worker -Q scan.vision\n"
    "amqp.exceptions.NotImplemented: (540, \"NOT_IMPLEMENTED - queue 'scan.vision' in vhost "
    "'eco2' does not support global qos\")\n"
)
END_TO_END = [
    (COOKIE_SESSION, ["CKQWERTYUIOPASDFGHJZ", "own-Cookie_Token.77"]),
    (K8S, ["pg/secretzz", "secretzz", "k8svalsecret", "erzz"]),
    (REFUSED, ["pa/ss", "ss'wd"]),
    (
        BLOCKS,
        [
            "blockline1secret",
            "foldedtokensecret",
            "env pw secret",
            "plain env secret",
            "yzz9pwtail",
        ],
    ),
]


def _variants(secret: str) -> list[str]:
    return [secret, json.dumps(secret)[1:-1], secret.replace("'", "&#x27;").replace('"', "&quot;")]


@pytest.mark.django_db
@pytest.mark.parametrize(("paste", "secrets"), END_TO_END)
def test_saved_report_outputs_and_form_page_hold_no_secret(client, caplog, paste, secrets):
    caplog.set_level(logging.DEBUG)
    api = client.post(
        "/api/diagnose", json.dumps({"text": paste, "save": True}), content_type="application/json"
    )
    assert api.status_code == 200
    url = api.json()["report_url"]
    unsaved = client.post(
        "/api/diagnose", json.dumps({"text": paste}), content_type="application/json"
    )
    form = client.post("/diagnose/", {"text": paste, "save": "1"})
    report = Report.objects.get(pk=url.split("/")[2])
    outputs = {
        "api": api.content.decode(),
        "api unsaved": unsaved.content.decode(),
        "page": client.get(url).content.decode(),
        "json": client.get(url, HTTP_ACCEPT="application/json").content.decode(),
        "form page": form.content.decode(),
        "db": report.text + json.dumps(report.result),
        "log": caplog.text,
    }
    for secret in secrets:
        for where, text in outputs.items():
            assert not any(v in text for v in _variants(secret)), (secret, where)
