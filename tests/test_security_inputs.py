"""Adversarial review: inputs that answered 500 instead of a clear 4xx."""

from __future__ import annotations

import json

import pytest

NESTED = '{"text": "x", "deep": ' + "[" * 100_000 + "]" * 100_000 + "}"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/diagnose", "/api/checks"])
def test_deeply_nested_json_is_a_400(client, path):
    response = client.post(path, NESTED, content_type="application/json")
    assert response.status_code == 400 and "error" in response.json()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "broker_url",
    [
        "amqp://u:p@[::1",  # urlsplit: Invalid IPv6 URL
        "amqp://127.0.0.1/" + "v" * 5000,  # longer than CheckRun.target (1024)
        "amqp://127.0.0.1/v\x00x",  # PostgreSQL refuses NUL in text
    ],
)
def test_bad_broker_urls_are_a_400(client, broker_url):
    body = json.dumps({"broker_url": broker_url})
    response = client.post("/api/checks", body, content_type="application/json")
    assert response.status_code == 400, response.content[:200]
    assert response.json()["code"] == "bad-request"


@pytest.mark.django_db
def test_bad_management_url_is_a_400(client):
    body = json.dumps({"broker_url": "amqp://127.0.0.1", "management_url": "http://[::1"})
    response = client.post("/api/checks", body, content_type="application/json")
    assert response.status_code == 400


@pytest.mark.django_db
def test_check_form_with_unparsable_url_is_a_400(client):
    response = client.post("/checks/", {"broker_url": "amqp://u:secretpw@[::1"})
    assert response.status_code == 400
    assert b"secretpw" not in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["no", "false", 0, None])
def test_tls_verify_must_be_a_boolean(client, value):
    body = json.dumps({"broker_url": "amqps://127.0.0.1", "tls_verify": value})
    response = client.post("/api/checks", body, content_type="application/json")
    assert response.status_code == 400
    assert "tls_verify must be true or false" in response.json()["error"]


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["queue", "brokerUrl", "text"])
def test_unknown_check_fields_are_a_400_not_silently_ignored(client, field):
    # {"queue": "celery"} (the CLI's --queue) used to start a run that said "no queue named"
    body = json.dumps({"broker_url": "amqp://10.255.255.1", field: "celery"})
    response = client.post("/api/checks", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "bad-request"
    assert repr(field) in response.json()["error"] and "queues" in response.json()["error"]


@pytest.mark.django_db
def test_check_form_prefilled_from_a_link_does_not_show_its_password(client):
    url = "/checks/?broker_url=amqp://svc:GetPw1@127.0.0.1:5672/eco2&management_url=http://a:GetPw2@127.0.0.1:15672"
    form = client.get(url).content.decode().split('id="check-form"')[1]
    assert "GetPw1" not in form and "GetPw2" not in form
    assert 'value="amqp://svc@127.0.0.1:5672/eco2"' in form  # the password goes in its own field


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    ["/accounts/password_reset/", "/accounts/password_change/", "/accounts/reset/x/y/"],
)
def test_no_password_reset_pages_on_a_site_that_sends_no_mail(client, path):
    # They answered with the admin's "Password reset sent" while no mail could go out, and
    # let anyone make the site dial SMTP on localhost:25 for any user's address.
    assert client.get(path).status_code == 404
    assert client.get("/accounts/login/").status_code == 200


# -- review (2026-11-30): a config over KB_PASTE_MAX_BYTES is refused like an oversized paste --
@pytest.mark.django_db
def test_a_config_over_the_limit_is_a_413_like_an_oversized_paste(client, settings):
    settings.KB_PASTE_MAX_BYTES = 1000
    settings.KB_BROKER_ALLOWED_HOSTS = ["127.0.0.0/8"]  # no run starts: 192.0.2.7 is refused
    big = "broker_url = 'amqp://192.0.2.7//'\n" + "# x\n" * 300
    paste = client.post("/api/diagnose", {"text": big}, content_type="application/json")
    check = client.post(
        "/api/checks",
        {"broker_url": "amqp://192.0.2.7//", "config": big},
        content_type="application/json",
    )
    assert paste.status_code == check.status_code == 413
    assert paste.json()["error"] == "The paste is over the limit of 1,000 bytes."
    assert check.json() == {
        "error": "The config is over the limit of 1,000 bytes.",
        "code": "too-large",
    }
    small = client.post(
        "/api/checks",
        {"broker_url": "amqp://192.0.2.7//", "config": "x" * 1000},
        content_type="application/json",
    )
    assert small.status_code == 403  # at the limit: on to the allowlist, which refuses the host


@pytest.mark.django_db
def test_a_body_too_large_for_a_config_is_a_413_before_it_is_read(client, settings):
    settings.KB_PASTE_MAX_BYTES = 1000
    body = json.dumps({"broker_url": "amqp://192.0.2.7//", "config": "x" * 200_000})
    response = client.post("/api/checks", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["error"] == "The config is over the limit of 1,000 bytes."


@pytest.mark.django_db
def test_the_check_form_says_a_config_is_over_the_limit_in_bytes(client, settings):
    settings.KB_PASTE_MAX_BYTES = 1000
    fields = {"broker_url": "amqp://u:FormPw7@192.0.2.7//", "config": "# x\n" * 300}
    response = client.post("/checks/", fields)
    html = response.content.decode()
    assert response.status_code == 413
    assert "The config is over the limit of 1,000 bytes." in html
    assert "KB_PASTE_MAX_BYTES" not in html and "FormPw7" not in html
    korean = client.post("/checks/", fields, HTTP_ACCEPT_LANGUAGE="ko-KR,ko;q=0.9")
    assert korean.status_code == 413
    assert "붙여 넣은 설정이 한도 1,000바이트를 넘는다." in korean.content.decode()
    huge = client.post("/checks/", {**fields, "config": "x" * 200_000})  # not even read
    assert huge.status_code == 413
    assert "The config is over the limit of 1,000 bytes." in huge.content.decode()


@pytest.mark.django_db
def test_a_config_with_a_lone_surrogate_is_a_400_not_a_500(client):
    # JSON may escape a lone surrogate ("\ud800"); measuring the config's size crashed on it
    body = '{"broker_url": "amqp://192.0.2.7//", "config": "x\\ud800y"}'
    response = client.post("/api/checks", body, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "bad-request"
