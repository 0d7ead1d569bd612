"""Rate limits on the POST APIs: 429 JSON with Retry-After, per client address."""

import json

import pytest
from django.core.cache import cache

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_counts():
    cache.clear()
    yield
    cache.clear()


def post(client, path, body, **extra):
    return client.post(path, json.dumps(body), content_type="application/json", **extra)


def test_diagnose_api_answers_429_after_the_limit(client, settings):
    settings.KB_RATE_LIMITS = {"diagnose": 3, "checks": 0}
    statuses = [post(client, "/api/diagnose", {"text": "hello"}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = post(client, "/api/diagnose", {"text": "hello"})
    assert limited.json()["code"] == "rate-limited"
    assert 0 < int(limited["Retry-After"]) <= 60


def test_limits_are_per_client_and_forwarded_for_only_when_trusted(client, settings):
    settings.KB_RATE_LIMITS = {"diagnose": 1, "checks": 0}
    assert post(client, "/api/diagnose", {"text": "a"}, REMOTE_ADDR="10.0.0.1").status_code == 200
    assert post(client, "/api/diagnose", {"text": "a"}, REMOTE_ADDR="10.0.0.2").status_code == 200
    # untrusted X-Forwarded-For is ignored: same REMOTE_ADDR, still limited
    spoofed = post(
        client,
        "/api/diagnose",
        {"text": "a"},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert spoofed.status_code == 429
    settings.KB_TRUST_X_FORWARDED_FOR = True
    behind_proxy = post(
        client,
        "/api/diagnose",
        {"text": "a"},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.7, 10.0.0.1",
    )
    assert behind_proxy.status_code == 200


def test_checks_api_has_its_own_limit(client, settings):
    settings.KB_RATE_LIMITS = {"diagnose": 0, "checks": 1}
    first = post(client, "/api/checks", {"broker_url": "amqp://10.255.255.1"})
    assert first.status_code == 403  # not allowed host, but counted
    assert post(client, "/api/checks", {"broker_url": "amqp://10.255.255.1"}).status_code == 429
    assert post(client, "/api/diagnose", {"text": "still fine"}).status_code == 200
