"""Running as production runs: deploy checks, headers, who may run live checks, JSON-only APIs."""

from __future__ import annotations

import json
import os
import re
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent

# The production variables README.md ("Deploying") documents, with example values.
PRODUCTION_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_ALLOWED_HOSTS": "kb.example.com",
    "DJANGO_SECURE_SSL_REDIRECT": "1",
    "DJANGO_SECURE_HSTS_SECONDS": "31536000",
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "DJANGO_SECURE_HSTS_PRELOAD": "1",
    "DJANGO_SECURE_PROXY_SSL_HEADER": "1",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "KB_BROKER"))}
    full.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_the_documented_production_variables():
    env = {**PRODUCTION_ENV, "DJANGO_SECRET_KEY": secrets.token_urlsafe(50)}
    process = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert process.returncode == 0, process.stdout + process.stderr
    assert "no issues" in process.stdout
    # control: without the HTTPS variables the same command is not clean
    bare = {k: v for k, v in env.items() if not k.startswith("DJANGO_SECURE")}
    assert manage("check", "--deploy", "--fail-level", "WARNING", env=bare).returncode != 0


def test_production_default_allowlist_is_empty():
    env = {**PRODUCTION_ENV, "DJANGO_SECRET_KEY": secrets.token_urlsafe(50)}
    code = "from django.conf import settings; print(repr(settings.KB_BROKER_ALLOWED_HOSTS))"
    process = manage("shell", "-c", code, env=env)
    assert process.stdout.strip().splitlines()[-1] == "[]", process.stderr
    process = manage("shell", "-c", code, env={"DJANGO_DEBUG": "1"})
    assert "127.0.0.0/8" in process.stdout


@pytest.mark.django_db
def test_checks_page_says_checks_are_off_and_whom_to_ask(settings):
    settings.KB_BROKER_ALLOWED_HOSTS = []
    settings.KB_CHECKS_CONTACT = "the platform team (#platform-help)"
    page = Client().get("/checks/").content.decode()
    assert 'id="checks-off"' in page and "the platform team (#platform-help)" in page
    korean = Client().get("/checks/?lang=ko").content.decode()
    assert "라이브 점검이 꺼져 있다" in korean and "the platform team (#platform-help)" in korean
    assert 'href="/diagnose/?lang=ko"' in korean
    body = json.dumps({"broker_url": "amqp://guest:guest@127.0.0.1//"})
    response = Client().post("/api/checks", body, content_type="application/json")
    assert response.status_code == 403
    assert "live checks are switched off" in response.json()["error"]
    settings.KB_BROKER_ALLOWED_HOSTS = ["127.0.0.0/8"]
    assert 'id="checks-off"' not in Client().get("/checks/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/diagnose", "/api/checks"])
@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""],
)
def test_post_apis_accept_only_json(path, content_type):
    body = json.dumps({"text": "x", "broker_url": "amqp://10.255.255.1"})
    response = Client().post(path, body, content_type=content_type)
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported-media-type"
    ok = Client().post(path, body, content_type="application/json; charset=utf-8")
    assert ok.status_code != 415


@pytest.mark.django_db
def test_the_html_forms_keep_working_without_json():
    response = Client().post("/diagnose/", {"text": "kombu.exceptions.OperationalError: boom"})
    assert response.status_code == 200
    response = Client().post("/checks/", {"broker_url": "amqp://u:p@10.255.255.1//"})
    assert response.status_code == 400 and b"KB_BROKER_ALLOWED_HOSTS" in response.content


@pytest.mark.django_db
def test_live_checks_can_require_django_login(settings):
    settings.KB_REQUIRE_LOGIN_FOR_CHECKS = True
    settings.KB_BROKER_ALLOWED_HOSTS = ["10.255.255.0/24"]
    anonymous = Client()
    assert anonymous.get("/checks/").status_code == 302
    assert anonymous.get("/checks/")["Location"].startswith("/accounts/login/?next=/checks/")
    body = json.dumps({"broker_url": "amqp://10.255.255.1:1//"})
    denied = anonymous.post("/api/checks", body, content_type="application/json")
    assert denied.status_code == 401 and denied.json()["code"] == "login-required"
    assert anonymous.get("/accounts/login/").status_code == 200
    User.objects.create_user("ops", password="a-long-test-password")
    signed_in = Client()
    login = signed_in.post(
        "/accounts/login/", {"username": "ops", "password": "a-long-test-password"}
    )
    assert login.status_code == 302
    assert signed_in.get("/checks/").status_code == 200
    started = signed_in.post("/api/checks", body, content_type="application/json")
    assert started.status_code == 201, started.content
    run_url = started.json()["url"]
    assert signed_in.get(run_url).status_code == 200
    assert anonymous.get(run_url).status_code == 302


@pytest.mark.django_db
def test_live_checks_accept_the_sso_proxys_remote_user(settings):
    settings.KB_REQUIRE_LOGIN_FOR_CHECKS = True
    settings.KB_REMOTE_USER_HEADER = "HTTP_X_REMOTE_USER"
    settings.AUTHENTICATION_BACKENDS = [
        "django.contrib.auth.backends.RemoteUserBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]
    middleware = list(settings.MIDDLEWARE)
    middleware.insert(
        middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
        "diagnostics.guards.RemoteUserMiddleware",
    )
    settings.MIDDLEWARE = middleware
    assert Client().get("/checks/", HTTP_X_REMOTE_USER="alice@corp").status_code == 200
    assert User.objects.filter(username="alice@corp").exists()
    assert Client().get("/checks/").status_code == 302


def test_remote_user_middleware_is_installed_only_when_trusted():
    env = {**PRODUCTION_ENV, "DJANGO_SECRET_KEY": secrets.token_urlsafe(50)}
    code = "from django.conf import settings; print(settings.MIDDLEWARE)"
    assert "RemoteUserMiddleware" not in manage("shell", "-c", code, env=env).stdout
    env["KB_TRUST_REMOTE_USER"] = "1"
    assert "diagnostics.guards.RemoteUserMiddleware" in manage("shell", "-c", code, env=env).stdout


INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|\sstyle\s*=|<style", re.I)


@pytest.mark.django_db
def test_pages_carry_a_csp_without_inline_script_and_reports_are_not_cached(client):
    from kb.index import get_kb

    entries = [e.url for e in get_kb().entries.values()]
    pages = ["/", "/kb/", "/search?q=quorum", "/diagnose/", "/checks/", "/accounts/login/"]
    for path in pages + entries + [f"{url}?lang=ko" for url in entries]:
        page = client.get(path)
        assert page.status_code == 200, path
        policy = page["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "style-src 'self'" in policy, path
        assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
        found = INLINE.search(page.content.decode())
        assert found is None, f"{path}: inline script or style {found.group(0)!r}"
    assert INLINE.search('<p style="x">') and INLINE.search('<a onclick="x">')
    assert INLINE.search("<script>x</script>") and not INLINE.search('<script src="/a.js">')
    body = json.dumps({"text": "kombu.exceptions.OperationalError: boom", "save": True})
    saved = client.post("/api/diagnose", body, content_type="application/json").json()
    report = client.get(saved["report_url"])
    assert report.status_code == 200
    assert report["Cache-Control"] == "private, no-store"
    as_json = client.get(saved["report_url"], HTTP_ACCEPT="application/json")
    assert as_json["Content-Type"] == "application/json"
    assert as_json["Cache-Control"] == "private, no-store"
    result = client.post("/diagnose/", {"text": "kombu.exceptions.OperationalError: boom"})
    assert result["Cache-Control"] == "private, no-store"


@pytest.mark.django_db
def test_purge_reports_refuses_a_negative_retention():
    with pytest.raises(CommandError, match="--days must be 0 or more"):
        call_command("purge_reports", "--days", "-5")
    call_command("purge_reports", "--days", "0")


def test_the_index_file_is_world_readable(tmp_path):
    from django.conf import settings

    from kb.build import build_index

    index = tmp_path / "kb-index.sqlite3"
    old = os.umask(0o077)
    try:
        build_index(settings.KB_CONTENT_DIR, index)
    finally:
        os.umask(old)
    assert stat.S_IMODE(index.stat().st_mode) == 0o644
