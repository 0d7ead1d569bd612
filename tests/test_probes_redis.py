"""The Redis probe against the real Redis (DB 15, keys `hlc_*`)."""

from __future__ import annotations

import re

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
        # any Redis the suite runs against (6, 7, 8, Valkey's compatible 7.2.x ...)
        assert re.fullmatch(r"\d+\.\d+\.\d+", info.version), info.version
        assert info.maxmemory_policy
    finally:
        client.delete(*priority_keys("hlc_pq"))
        client.close()


def test_closed_port_is_refused():
    endpoint = parse_endpoint(f"redis://127.0.0.1:{closed_port()}/15")
    with pytest.raises(ProbeFailure) as caught:
        open_client(endpoint, "127.0.0.1", timeout=1, tls=TlsOptions())
    assert caught.value.kind == "refused"


def test_a_port_that_is_not_redis_is_named_without_credentials_too():
    # review 2026-11-30: redis://host:5672 (RabbitMQ's port) said "cannot talk to ...:
    # Connection reset by peer"; only a URL with a password got "not as a Redis server"
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def reset_like_rabbitmq():
        conn, _ = server.accept()
        conn.recv(1024)
        conn.sendall(b"AMQP\x00\x00\x09\x01")
        conn.close()

    thread = threading.Thread(target=reset_like_rabbitmq, daemon=True)
    thread.start()
    endpoint = parse_endpoint(f"redis://127.0.0.1:{server.getsockname()[1]}/0")
    try:
        with pytest.raises(ProbeFailure) as caught:
            open_client(endpoint, "127.0.0.1", timeout=2, tls=TlsOptions())
    finally:
        thread.join(5)
        server.close()
    assert caught.value.kind == "not-redis", caught.value.detail
