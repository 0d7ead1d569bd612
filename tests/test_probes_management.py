"""The management API probe: GET only, never the aliveness test, real field names."""

from __future__ import annotations

import pytest

from diagnostics.probes.management import ManagementClient, ManagementError
from diagnostics.probes.targets import ManagementTarget
from tests.hlc_support import RecordingListener, amqp_connection, hlc_vhost

pytestmark = pytest.mark.broker
VHOST = "hlc_p2"


def _client(port: int, password: str = "guest") -> ManagementClient:  # noqa: S107
    target = ManagementTarget("http", "127.0.0.1", port, "guest", password)
    # Generous: on a loaded machine the management API can take seconds to answer;
    # the tests assert what it answers, not how fast.
    return ManagementClient(target, "127.0.0.1", timeout=30)


def test_aliveness_test_is_refused_before_any_request():
    listener = RecordingListener()
    try:
        with pytest.raises(ValueError, match="aliveness"):
            _client(listener.port).get("/aliveness-test/%2F")
    finally:
        listener.close()
    assert listener.accepted == []


@pytest.mark.parametrize("greeting", [b"AMQP\x00\x00\x09\x01", b""])
def test_a_port_that_speaks_no_http_is_named_not_unreachable(greeting):
    # review 2026-11-30: the AMQP port given as the management URL said "cannot reach"
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def answer_and_close():
        conn, _ = server.accept()
        conn.recv(1024)
        if greeting:
            conn.sendall(greeting)
        conn.close()

    thread = threading.Thread(target=answer_and_close, daemon=True)
    thread.start()
    try:
        with pytest.raises(ManagementError) as caught:
            _client(server.getsockname()[1]).overview()
    finally:
        thread.join(5)
        server.close()
    assert caught.value.outcome == "management.not-http"
    assert "gave no HTTP answer" in caught.value.detail


def test_queue_fields_type_and_arguments(rabbitmq_url, rabbitmq_management_url):
    port = int(rabbitmq_management_url.rsplit(":", 1)[1])
    with hlc_vhost(rabbitmq_management_url, VHOST):
        setup = amqp_connection(rabbitmq_url, VHOST)
        setup.channel().queue_declare(
            "hlc_quorum", durable=True, auto_delete=False, arguments={"x-queue-type": "quorum"}
        )
        setup.close()
        client = _client(port)
        info = client.queue(VHOST, "hlc_quorum")
        assert (info["type"], info["arguments"], info["durable"]) == (
            "quorum",
            {"x-queue-type": "quorum"},
            True,
        )
        assert client.queue(VHOST, "hlc_absent") is None
        assert client.vhost_exists(VHOST) and not client.vhost_exists("hlc_absent_vhost")
        assert client.alarms() == []


def test_wrong_password_is_unauthorized(rabbitmq_management_url):
    port = int(rabbitmq_management_url.rsplit(":", 1)[1])
    with pytest.raises(ManagementError) as caught:
        _client(port, password="wrong").overview()
    assert caught.value.kind == "unauthorized"
    assert "wrong" not in caught.value.detail
