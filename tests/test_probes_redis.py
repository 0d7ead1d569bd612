"""The Redis probe against the real Redis (DB 15, keys `hlc_*`)."""

from __future__ import annotations

import pytest

from diagnostics.probes.amqp import ProbeFailure
from diagnostics.probes.redis import open_client, priority_keys, queue_length, read_info
from diagnostics.probes.targets import TlsOptions, parse_endpoint
from tests.hlc_support import closed_port

pytestmark = pytest.mark.broker


def test_priority_keys_follow_kombu_naming():
    assert priority_keys("q") == ["q", "q\x06\x163", "q\x06\x166", "q\x06\x169"]


def test_info_and_lengths(redis_url):
    client = open_client(parse_endpoint(redis_url), "127.0.0.1", timeout=2, tls=TlsOptions())
    try:
        client.delete(*priority_keys("hlc_pq"))
        client.rpush("hlc_pq\x06\x166", "a", "b")
        assert queue_length(client, "hlc_pq") == {"hlc_pq\x06\x166": 2}
        info = read_info(client)
        assert info.version.startswith("7.") and info.maxmemory_policy
    finally:
        client.delete(*priority_keys("hlc_pq"))
        client.close()


def test_closed_port_is_refused():
    endpoint = parse_endpoint(f"redis://127.0.0.1:{closed_port()}/15")
    with pytest.raises(ProbeFailure) as caught:
        open_client(endpoint, "127.0.0.1", timeout=1, tls=TlsOptions())
    assert caught.value.kind == "refused"
