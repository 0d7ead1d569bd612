"""Redis checks against the real Redis, the test database only (KB_TEST_REDIS_URL), keys `hlc_*`.

The eviction-policy case changes `maxmemory-policy` with CONFIG SET and puts
the original value back in `finally`.
"""

from __future__ import annotations

import pytest
import redis

from diagnostics.checks import CheckRequest, check_broker
from diagnostics.probes.redis import priority_keys
from tests.hlc_support import by_check

pytestmark = pytest.mark.broker
CONFIG = """
broker_transport_options = {"visibility_timeout": 600}
task_acks_late = True

def go():
    report.apply_async(countdown=900)
"""


@pytest.fixture
def client(redis_url):
    connection = redis.Redis.from_url(redis_url)
    assert connection.connection_pool.connection_kwargs["db"] == int(redis_url.rsplit("/", 1)[-1])
    keys = priority_keys("hlc_q") + ["hlc_empty"]
    connection.delete(*keys)
    yield connection
    connection.delete(*keys)
    connection.close()


def test_queue_length_sums_kombu_priority_sub_lists(client, redis_url):
    client.rpush("hlc_q", "a", "b")
    client.rpush("hlc_q\x06\x163", "c")
    client.rpush("hlc_q\x06\x169", "d")
    results = check_broker(CheckRequest(redis_url, queues=["hlc_q", "hlc_empty"]))["results"]
    lengths = {r["evidence"]["queue"]: r for r in by_check(results, "redis-queue")}
    assert lengths["hlc_q"]["evidence"]["length"] == 4
    assert lengths["hlc_empty"]["evidence"]["length"] == 0
    assert "look the same" in lengths["hlc_empty"]["message"]
    assert client.llen("hlc_q") == 2  # read-only: nothing was popped


def test_allkeys_eviction_policy_fails_and_is_restored(client, redis_url):
    original = client.config_get("maxmemory-policy")["maxmemory-policy"]
    try:
        client.config_set("maxmemory-policy", "allkeys-lru")
        results = check_broker(CheckRequest(redis_url))["results"]
    finally:
        client.config_set("maxmemory-policy", original)
    [memory] = by_check(results, "redis-memory")
    assert memory["status"] == "fail"
    assert memory["evidence"]["maxmemory_policy"] == "allkeys-lru"
    assert client.config_get("maxmemory-policy")["maxmemory-policy"] == original


def test_countdown_beyond_visibility_timeout_fails(client, redis_url):
    results = check_broker(CheckRequest(redis_url, config_text=CONFIG))["results"]
    by_rule = {r["rule"]: r for r in by_check(results, "redis-visibility-timeout")}
    result = by_rule["countdown-over-visibility-timeout"]
    assert (result["status"], result["entry"]) == ("fail", "redis-visibility-timeout")
    assert result["evidence"]["timeout_s"] == 600
    assert result["evidence"]["countdown_s"] == 900
    assert by_rule["acks-late-over-visibility-timeout"]["status"] == "warn"


def test_visibility_timeout_without_countdown_or_acks_late_is_skipped_not_passed(redis_url):
    config = 'broker_transport_options = {"visibility_timeout": 10}\n'
    results = check_broker(CheckRequest(redis_url, config_text=config))["results"]
    [result] = by_check(results, "redis-visibility-timeout")
    assert (result["status"], result["outcome"]) == ("skipped", "skip.no-countdown-no-acks-late")


def test_wrong_redis_password_is_broker_access_refused(redis_url):
    url = redis_url.replace("redis://", "redis://hlc_nobody:wrong@")
    [connection] = by_check(check_broker(CheckRequest(url, timeout=5))["results"], "connection")
    assert (connection["status"], connection["entry"]) == ("fail", "broker-access-refused")
