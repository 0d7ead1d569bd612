"""The AMQP probe against the real broker (vhost `hlc_p1`)."""

from __future__ import annotations

import time

import amqp
import pytest

from diagnostics.probes.amqp import (
    ProbeFailure,
    close_quietly,
    exchange_exists,
    inspect_queue,
    measure_round_trip,
    open_connection,
)
from diagnostics.probes.targets import parse_endpoint
from tests.hlc_support import RecordingListener, api, broker_url, closed_port, hlc_vhost

pytestmark = pytest.mark.broker
VHOST = "hlc_p1"


@pytest.fixture(scope="module")
def endpoint(rabbitmq_url, rabbitmq_management_url):
    with hlc_vhost(rabbitmq_management_url, VHOST):
        yield parse_endpoint(broker_url(rabbitmq_url, VHOST))


@pytest.fixture
def connection(endpoint):
    conn = open_connection(endpoint, "127.0.0.1", timeout=5)
    yield conn
    close_quietly(conn)


def test_passive_declare_counts_and_missing_queue_keeps_connection_usable(connection):
    channel = connection.channel()
    channel.queue_declare("hlc_counted", durable=False, auto_delete=False)
    channel.basic_publish(amqp.Message("x"), exchange="", routing_key="hlc_counted")
    try:
        assert inspect_queue(connection, "hlc_nope") is None
        count = inspect_queue(connection, "hlc_counted")
        assert (count.messages_ready, count.consumers) == (1, 0)
        assert exchange_exists(connection, "amq.fanout")
        assert not exchange_exists(connection, "hlc_no_exchange")
    finally:
        channel.queue_delete("hlc_counted")


def test_round_trip_uses_a_queue_that_is_gone_afterwards(endpoint, rabbitmq_management_url):
    conn = open_connection(endpoint, "127.0.0.1", timeout=5)
    trip = measure_round_trip(conn, timeout=3)
    close_quietly(conn)
    assert trip.latency_ms is not None and trip.latency_ms < 1000
    assert api(rabbitmq_management_url, "GET", f"/queues/{VHOST}").json() == []


def test_wrong_password_is_access_refused(endpoint):
    bad = parse_endpoint(f"amqp://guest:wrong@127.0.0.1:5672/{VHOST}")
    with pytest.raises(ProbeFailure) as caught:
        open_connection(bad, "127.0.0.1", timeout=5)
    assert caught.value.kind == "access-refused"


def test_missing_vhost_is_not_allowed():
    endpoint = parse_endpoint("amqp://guest:guest@127.0.0.1:5672/hlc_no_such_vhost")
    with pytest.raises(ProbeFailure) as caught:
        open_connection(endpoint, "127.0.0.1", timeout=5)
    assert caught.value.kind == "not-allowed"


def test_closed_port_is_refused():
    endpoint = parse_endpoint(f"amqp://g:g@127.0.0.1:{closed_port()}//")
    with pytest.raises(ProbeFailure) as caught:
        open_connection(endpoint, "127.0.0.1", timeout=2)
    assert caught.value.kind == "refused"


def test_silent_peer_times_out_on_time():
    listener = RecordingListener()
    try:
        endpoint = parse_endpoint(f"amqp://g:g@127.0.0.1:{listener.port}//")
        started = time.monotonic()
        with pytest.raises(ProbeFailure) as caught:
            open_connection(endpoint, "127.0.0.1", timeout=1.0)
        assert time.monotonic() - started < 2.0
    finally:
        listener.close()
    assert caught.value.kind == "timeout"
    assert "timed out after 1.0 s" in caught.value.detail


class SilentTlsServer:
    """Completes a TLS handshake with a self-signed `localhost` certificate, then says nothing."""

    def __init__(self, tmp_path) -> None:
        import socket
        import ssl
        import subprocess
        import threading

        self.cert = tmp_path / "cert.pem"
        key = tmp_path / "key.pem"
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "1",
                "-subj",
                "/CN=localhost",
                "-addext",
                "subjectAltName=DNS:localhost",
                "-keyout",
                str(key),
                "-out",
                str(self.cert),
            ],
            check=True,
            capture_output=True,
            timeout=30,
        )
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(self.cert, key)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.held: list = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            try:
                self.held.append(self.context.wrap_socket(conn, server_side=True))
            except OSError:
                conn.close()

    def close(self) -> None:
        self.sock.close()
        for conn in self.held:
            conn.close()


@pytest.fixture
def tls_server(tmp_path):
    import shutil

    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    server = SilentTlsServer(tmp_path)
    yield server
    server.close()


def test_tls_verifies_the_name_while_connecting_to_the_address(tls_server):
    from diagnostics.probes.targets import TlsOptions

    endpoint = parse_endpoint(f"amqps://g:g@localhost:{tls_server.port}//")
    with pytest.raises(ProbeFailure) as untrusted:
        open_connection(endpoint, "127.0.0.1", timeout=2, tls=TlsOptions())
    assert untrusted.value.kind == "tls"
    assert "certificate verify failed" in untrusted.value.detail
    # Trusted CA: TLS succeeds against the name `localhost` while the socket goes to the
    # address; the silent peer then times out in the AMQP handshake.
    with pytest.raises(ProbeFailure) as trusted:
        open_connection(
            endpoint, "127.0.0.1", timeout=1, tls=TlsOptions(ca_file=str(tls_server.cert))
        )
    assert trusted.value.kind == "timeout"
    with pytest.raises(ProbeFailure) as unverified:
        open_connection(endpoint, "127.0.0.1", timeout=1, tls=TlsOptions(verify=False))
    assert unverified.value.kind == "timeout"
