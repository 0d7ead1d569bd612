"""The web side of live checks: API, form, run page, and both ways a run executes.

Runs against the real broker with a user the test creates (`hlc_user`, with a
password that must never show up in the database, a page or a task message).
"""

from __future__ import annotations

import json

import pytest
from django.db import OperationalError
from django.test import Client

from diagnostics.checks.sealing import unseal
from diagnostics.checks.service import execute_sealed, start_run
from diagnostics.models import CheckRun
from tests.hlc_support import amqp_connection, api, hlc_vhost, wait_for

pytestmark = [pytest.mark.broker, pytest.mark.django_db(transaction=True)]
VHOST = "hlc_v3"
USER, PASSWORD = "hlc_user", "hlc-S3cret-pw-9931"


@pytest.fixture(scope="module")
def hlc_user(rabbitmq_url, rabbitmq_management_url):
    """A broker user with a distinctive password, allowed on hlc_v3 only."""
    with hlc_vhost(rabbitmq_management_url, VHOST):
        api(
            rabbitmq_management_url,
            "PUT",
            f"/users/{USER}",
            json={"password": PASSWORD, "tags": "management"},
        ).raise_for_status()
        api(
            rabbitmq_management_url,
            "PUT",
            f"/permissions/{VHOST}/{USER}",
            json={"configure": ".*", "write": ".*", "read": ".*"},
        ).raise_for_status()
        try:
            yield {
                "url": f"amqp://{USER}:{PASSWORD}@127.0.0.1:5672/{VHOST}",
                "management": rabbitmq_management_url,
            }
        finally:
            api(rabbitmq_management_url, "DELETE", f"/users/{USER}")


def _wait_done(client: Client, run_id: str) -> dict:
    def finished():
        try:
            data = client.get(f"/api/checks/{run_id}").json()
        except OperationalError as exc:
            # The test database is in-memory SQLite with a shared cache, which answers
            # "table is locked" at once while the run's thread writes; poll again.
            assert "locked" in str(exc)
            return None
        return data if data["status"] in ("done", "error") else None

    data = wait_for(finished, timeout=20)
    assert data, "the run did not finish"
    return data


def _row_text(run_id: str) -> str:
    run = CheckRun.objects.get(pk=run_id)
    return json.dumps([run.target, run.params, run.results, run.error])


def test_api_run_in_a_thread_stores_progress_and_no_secret(hlc_user, settings):
    settings.CELERY_BROKER_URL = ""
    client = Client()
    body = {
        "broker_url": hlc_user["url"],
        "management_url": hlc_user["management"],
        "queues": ["hlc_nothing"],
    }
    response = client.post("/api/checks", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 201
    run_id = response.json()["id"]
    assert response.json()["url"] == f"/checks/{run_id}/"
    data = _wait_done(client, run_id)
    assert data["target"] == f"amqp://{USER}:****@127.0.0.1:5672/{VHOST}"
    checks = {r["check"]: r["status"] for r in data["results"]}
    assert checks["connection"] == "pass" and checks["latency"] == "pass"
    assert [p["check"] for p in data["planned"]][0] == "connection"
    assert PASSWORD not in _row_text(run_id)
    page = client.get(f"/checks/{run_id}/").content.decode()
    assert PASSWORD not in page
    assert 'http-equiv="refresh"' not in page  # finished: no more refreshing


def test_api_refuses_disallowed_host_naming_the_setting(settings):
    settings.KB_BROKER_ALLOWED_HOSTS = ["127.0.0.0/8"]
    response = Client().post(
        "/api/checks",
        data=json.dumps({"broker_url": "amqp://10.2.3.4//"}),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert "KB_BROKER_ALLOWED_HOSTS" in response.json()["error"]
    assert CheckRun.objects.count() == 0


@pytest.mark.parametrize("body", ["not json", "[]", '{"broker_url": 5}', '{"queues": "q"}'])
def test_api_rejects_malformed_bodies(body):
    response = Client().post("/api/checks", data=body, content_type="application/json")
    assert response.status_code == 400
    assert "error" in response.json()


def test_unknown_run_is_404_json():
    response = Client().get("/api/checks/nope")
    assert response.status_code == 404 and response.json()["code"] == "not-found"


def test_form_prefills_from_a_diagnosis_link():
    page = Client().get("/checks/?vhost=eco2&queue=scan.vision&queue=b").content.decode()
    assert 'value="eco2"' in page
    assert "scan.vision b" in page


def test_form_post_starts_a_run_and_redirects_to_its_page(hlc_user, settings):
    settings.CELERY_BROKER_URL = ""
    client = Client()
    response = client.post(
        "/checks/", {"broker_url": f"amqp://{USER}@127.0.0.1:5672/{VHOST}", "password": PASSWORD}
    )
    assert response.status_code == 302
    run_id = response["Location"].rstrip("/").split("/")[-1]
    assert response["Location"] == f"/checks/{run_id}/"
    data = _wait_done(client, run_id)
    assert {r["check"]: r["status"] for r in data["results"]}["connection"] == "pass"
    assert PASSWORD not in _row_text(run_id)


def test_running_page_refreshes_without_js_and_lists_pending_checks():
    planned = [
        {"check": "connection", "title": "Reachability"},
        {"check": "latency", "title": "Round-trip <b>"},
    ]
    result = {
        "check": "connection",
        "title": "Connect",
        "status": "pass",
        "entry": None,
        "message": "<script>alert(1)</script>",
        "evidence": {},
        "duration_ms": 3,
    }
    run = CheckRun.objects.create(
        status="running",
        target="amqp://u:****@h:5672/",
        params={"planned": planned},
        results=[result],
    )
    page = Client().get(f"/checks/{run.id}/").content.decode()
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in page
    assert f'data-api="/api/checks/{run.id}"' in page
    assert "Round-trip &lt;b&gt;" in page  # pending, escaped
    assert "<script>alert(1)</script>" not in page  # results are never marked safe
    assert page.count('data-check="connection"') == 1  # done checks leave the pending list


def test_form_shows_refusal_for_disallowed_host(settings):
    settings.KB_BROKER_ALLOWED_HOSTS = ["127.0.0.0/8"]
    response = Client().post("/checks/", {"broker_url": "amqp://u:p@192.0.2.7//"})
    assert response.status_code == 400
    assert "KB_BROKER_ALLOWED_HOSTS" in response.content.decode()


def test_celery_path_sends_only_run_id_and_sealed_secret(hlc_user, settings, rabbitmq_url):
    """With CELERY_BROKER_URL set, start_run publishes a task whose bytes hold no password."""
    from config.celery import app as celery_app

    site_broker = f"amqp://guest:guest@127.0.0.1:5672/{VHOST}"
    settings.CELERY_BROKER_URL = site_broker
    saved = celery_app.conf.broker_url
    celery_app.conf.broker_url = site_broker
    celery_app._pool = None
    try:
        run = start_run(_request(hlc_user))
    finally:
        celery_app.pool.force_close_all()
        celery_app._pool = None
        celery_app.conf.broker_url = saved
    connection = amqp_connection(rabbitmq_url, VHOST)
    try:
        channel = connection.channel()
        message = wait_for(
            lambda: channel.basic_get(settings.CELERY_TASK_DEFAULT_QUEUE, no_ack=True), timeout=5
        )
    finally:
        connection.close()
    assert message is not None
    raw = message.body if isinstance(message.body, bytes) else message.body.encode()
    assert PASSWORD.encode() not in raw
    assert PASSWORD not in json.dumps(message.headers, default=str)
    args = json.loads(raw)[0]
    assert args[0] == run.id
    assert unseal(args[1])["broker_url"] == hlc_user["url"]
    execute_sealed(args[0], args[1])  # what the worker's task body does
    run.refresh_from_db()
    assert run.status == "done"
    assert {r["check"]: r["status"] for r in run.results}["connection"] == "pass"
    assert PASSWORD not in _row_text(run.id)


def _request(hlc_user):
    from diagnostics.checks import CheckRequest

    return CheckRequest(hlc_user["url"], management_url=hlc_user["management"], timeout=10)


def test_runs_past_retention_are_purged_when_a_run_starts(settings):
    from datetime import timedelta

    from django.utils import timezone

    from diagnostics.checks.service import purge_check_runs

    settings.KB_CHECK_RETENTION_DAYS = 30
    old = CheckRun.objects.create(target="amqp://h/")
    fresh = CheckRun.objects.create(target="amqp://h/")
    CheckRun.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    assert purge_check_runs() == 1
    assert list(CheckRun.objects.values_list("pk", flat=True)) == [fresh.pk]


def test_too_many_runs_in_threads_answers_429(settings):
    from diagnostics.checks import service

    settings.CELERY_BROKER_URL = ""
    taken = 0
    while service._thread_slots.acquire(blocking=False):
        taken += 1
    try:
        body = json.dumps({"broker_url": "amqp://guest:guest@127.0.0.1:5672//"})
        response = Client().post("/api/checks", data=body, content_type="application/json")
    finally:
        for _ in range(taken):
            service._thread_slots.release()
    assert response.status_code == 429
    assert CheckRun.objects.count() == 0


def test_every_entry_a_check_can_link_exists_in_the_knowledge_base():
    from pathlib import Path

    from diagnostics.rules import RULES
    from diagnostics.validation import referenced_slugs
    from kb.index import get_kb

    root = Path(__file__).resolve().parent.parent
    slugs = {slug for where, _, slug in referenced_slugs(root) if where.startswith("diagnostics/")}
    slugs |= {spec.entry for spec in RULES.values()}  # the shared rules' entries
    assert len(slugs) >= 12
    kb = get_kb()
    assert sorted(slug for slug in slugs if kb.resolve(slug) is None) == []


def test_a_run_that_stopped_reporting_ends_as_error_instead_of_refreshing_forever():
    from datetime import timedelta

    from django.utils import timezone

    run = CheckRun.objects.create(status="queued", target="amqp://h/", params={"timeout": 15})
    CheckRun.objects.filter(pk=run.pk).update(updated_at=timezone.now() - timedelta(minutes=5))
    data = Client().get(f"/api/checks/{run.id}").json()
    assert data["status"] == "error"
    assert "no worker picked it up" in data["error"]
    page = Client().get(f"/checks/{run.id}/").content.decode()
    assert 'http-equiv="refresh"' not in page
