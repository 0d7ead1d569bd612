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
