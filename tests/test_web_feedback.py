"""Readers tell editors: 404 hits, "Was this helpful?", pastes nothing answered."""

import pytest
from django.core.management import call_command

from diagnostics.models import UnansweredPaste
from kb.models import Feedback, NotFoundHit

pytestmark = pytest.mark.django_db

SECRET_PASTE = (
    "Error: the frobnicator zorblaxed while quuxing\n"
    "broker_url = 'amqp://svc:Sup3rSecret@rabbit.internal:5672/eco2'\n"
)


def test_404_hits_are_counted_by_path_and_referrer_without_query_strings(client, fixture_kb):
    for _ in range(2):
        client.get("/kb/renamed-entry/?utm_source=x", HTTP_REFERER="https://wiki.example/p?id=7#s")
    client.get("/kb/renamed-entry/")
    rows = {(r.path, r.referrer): r.count for r in NotFoundHit.objects.all()}
    assert rows == {
        ("/kb/renamed-entry/", "https://wiki.example/p"): 2,
        ("/kb/renamed-entry/", ""): 1,
    }
    client.get("/api/nothing")  # API and report misses are not links to fix
    client.get("/d/gone123/")
    assert NotFoundHit.objects.count() == 2


def test_404_hits_keep_no_credentials_of_the_path_or_the_referrer(client, fixture_kb):
    # review 2026-11-30: a broker URL typed after the site's address, a referrer with user:pw@
    client.get("/amqp://guest:PathPw808@rabbit:5672/")
    client.get("/kb/x/", HTTP_REFERER="https://admin:RefPw801@wiki.example/token/RefTok802abc")
    stored = [(r.path, r.referrer) for r in NotFoundHit.objects.all()]
    assert stored and not any(
        secret in str(stored) for secret in ("PathPw808", "RefPw801", "admin:", "RefTok802abc")
    ), stored
    assert ("/kb/x/", "https://wiki.example/token/****") in stored


def test_feedback_works_as_a_plain_form_and_redacts_the_reason(client, fixture_kb):
    response = client.post(
        "/feedback",
        {
            "kind": "entry",
            "slug": "quorum-qos",
            "helpful": "no",
            "reason": "my url amqp://u:hunter2pass@h/v did not match",
            "next": "/kb/quorum-qos/",
        },
    )
    assert response.status_code == 200
    assert 'href="/kb/quorum-qos/"' in response.content.decode()
    item = Feedback.objects.get()
    assert item.kind == "entry" and item.slug == "quorum-qos" and item.helpful is False
    assert "hunter2pass" not in item.reason
    evil = client.post(
        "/feedback", {"kind": "entry", "helpful": "yes", "next": "https://evil.example/"}
    )
    assert "evil.example" not in evil.content.decode()
    assert client.post("/feedback", {"kind": "entry"}).status_code == 400


def test_feedback_is_rate_limited(client, settings):
    settings.KB_RATE_LIMITS = {**settings.KB_RATE_LIMITS, "feedback": 2}
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    codes = [
        client.post(
            "/feedback",
            {"kind": "diagnosis", "helpful": "yes"},
            HTTP_ACCEPT="application/json",
            REMOTE_ADDR="10.9.8.7",
        ).status_code
        for _ in range(3)
    ]
    assert codes == [200, 200, 429]
    assert Feedback.objects.count() == 2
    # the plain-form answer (no JavaScript) says it in the reader's language
    korean = client.post(
        "/feedback",
        {"kind": "diagnosis", "helpful": "yes"},
        REMOTE_ADDR="10.9.8.7",
        HTTP_ACCEPT_LANGUAGE="ko-KR,ko;q=0.9",
    )
    assert (korean.status_code, korean.content.decode()) == (429, "답변이 너무 많다. 고맙다.")


def test_unanswered_pastes_reach_the_editors_only_when_the_user_agrees(client):
    client.post("/diagnose/", {"text": SECRET_PASTE})
    assert UnansweredPaste.objects.count() == 0
    page = client.post("/diagnose/", {"text": SECRET_PASTE, "share_unanswered": "1"})
    assert "Sent to the editors" in page.content.decode()
    queued = UnansweredPaste.objects.get()
    assert "frobnicator" in queued.text and "Sup3rSecret" not in queued.text
    assert "frobnicator" in queued.searched_for


def test_editor_report_and_admin_list_them(client, fixture_kb, django_user_model, capsys):
    Feedback.objects.create(kind="entry", slug="quorum-qos", helpful=True)
    Feedback.objects.create(kind="entry", slug="quorum-qos", helpful=False, reason="old version")
    NotFoundHit.objects.create(path="/kb/old-name/", referrer="https://wiki.example/p", count=5)
    UnansweredPaste.objects.create(text="SomeNewError: boom")
    call_command("kb_editor_report")
    out = capsys.readouterr().out
    assert "5  /kb/old-name/  <- https://wiki.example/p" in out
    assert "quorum-qos: 1 yes / 1 no" in out and "old version" in out
    assert "SomeNewError: boom" in out
    admin = django_user_model.objects.create_superuser("editor", "e@example.com", "pw-editor-1")
    client.force_login(admin)
    for url in (
        "/admin/kb/notfoundhit/",
        "/admin/kb/feedback/",
        "/admin/diagnostics/unansweredpaste/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    assert "/kb/old-name/" in client.get("/admin/kb/notfoundhit/").content.decode()
