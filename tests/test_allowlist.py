"""The allowlist of live checks, against real listeners on loopback.

Name resolution is the one thing replaced (`fake_dns` answers for invented
names such as `mq.example.com` and records every name asked); every connection
attempt is real, to listeners on 127.0.0.1 / 127.0.0.2 that count what reached
them. Each refusal is paired with an allowed control on the same listener, so
a test cannot pass because the listener never worked.
"""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import pytest

from diagnostics.checks import CheckRequest, HostNotAllowed, check_broker
from diagnostics.checks.allowlist import (
    Allowlist,
    authorize_host,
    embedded_ipv4,
    is_special,
    load_allowlist,
)
from diagnostics.probes.amqp import ProbeFailure, open_connection
from diagnostics.probes.management import ManagementClient, ManagementError
from diagnostics.probes.redis import open_client
from diagnostics.probes.targets import TlsOptions, parse_endpoint, parse_management_url

from .conftest import _reachable, require


class FakeDns:
    """`socket.getaddrinfo` for invented names; literals go to the real resolver."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.names: dict[str, list[str]] = {}
        self.asked: list[str] = []
        self._real = socket.getaddrinfo
        monkeypatch.setattr(socket, "getaddrinfo", self)

    def __call__(self, host, port, family=0, type=0, proto=0, flags=0):
        try:
            socket.inet_pton(socket.AF_INET6 if ":" in str(host) else socket.AF_INET, str(host))
        except (OSError, TypeError):
            self.asked.append(host)
            if host not in self.names:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
            return [
                (
                    socket.AF_INET6 if ":" in address else socket.AF_INET,
                    socket.SOCK_STREAM,
                    6,
                    "",
                    (address, port) if ":" not in address else (address, port, 0, 0),
                )
                for address in self.names[host]
            ]
        return self._real(host, port, family, type, proto, flags)


@pytest.fixture
def fake_dns(monkeypatch) -> FakeDns:
    return FakeDns(monkeypatch)


class Listener:
    """A TCP listener that counts connections and keeps what each one sent."""

    def __init__(
        self, host: str, port: int = 0, reply: bytes = b"HTTP/1.1 400 Bad Request\r\n\r\n"
    ):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.reply = reply
        self.received: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def connections(self) -> int:
        return len(self.received)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1.0)
                try:
                    data = conn.recv(4096)
                except OSError:
                    data = b""
                self.received.append(data)
                if self.reply:
                    with suppress(OSError):
                        conn.sendall(self.reply)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


@contextmanager
def listeners_on_one_port(*hosts: str) -> Iterator[list[Listener]]:
    """One listener per loopback address, all on the same port (the port is in the URL)."""
    for _ in range(20):
        first = Listener(hosts[0])
        opened = [first]
        try:
            opened += [Listener(host, first.port) for host in hosts[1:]]
        except OSError:
            for listener in opened:
                listener.close()
            continue
        try:
            yield opened
        finally:
            for listener in opened:
                listener.close()
        return
    raise RuntimeError("no common free port")


# --- pure rules ---------------------------------------------------------------------------

REFUSED_BY_NAME = [
    "127.0.0.1",
    "169.254.169.254",  # cloud metadata (link-local)
    "100.100.100.200",  # Alibaba metadata, shared address space 100.64.0.0/10
    "100.64.0.1",
    "10.1.2.3",
    "192.168.1.1",
    "192.0.0.192",  # Oracle metadata, IETF protocol assignments
    "198.18.0.1",
    "203.0.113.10",
    "224.0.0.1",
    "240.0.0.1",
    "0.0.0.0",
    "::1",
    "::",
    "fd00:ec2::254",  # AWS metadata over IPv6 (unique-local)
    "fe80::1",
    "::ffff:169.254.169.254",  # IPv4-mapped
    "::169.254.169.254",  # IPv4-compatible
    "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "64:ff9b:1::1",
    "2001:db8::1",
    "ff02::1",
]
GLOBAL = ["8.8.8.8", "2606:4700:4700::1111", "2002:808:808::1", "64:ff9b::808:808"]


@pytest.mark.parametrize("address", REFUSED_BY_NAME)
def test_a_listed_name_may_not_resolve_to_a_special_purpose_address(fake_dns, address):
    fake_dns.names["mq.example.com"] = [address]
    with pytest.raises(HostNotAllowed, match="resolves to"):
        authorize_host("mq.example.com", 5672, Allowlist.from_entries(["mq.example.com"]))
    assert is_special(address)


@pytest.mark.parametrize("address", GLOBAL)
def test_a_listed_name_may_resolve_to_a_global_address(fake_dns, address):
    fake_dns.names["mq.example.com"] = [address]
    allowlist = Allowlist.from_entries(["mq.example.com"])
    assert authorize_host("mq.example.com", 5672, allowlist) == [address]


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("10.1.2.3", "10.0.0.0/8"),
        ("169.254.169.254", "169.254.169.254"),
        ("fd00:ec2::254", "fd00:ec2::/32"),
        ("::ffff:10.1.2.3", "10.1.2.0/24"),
        ("2002:a01:203::1", "10.1.2.3"),
        ("64:ff9b::a01:203", "10.1.2.3/32"),
        ("2002:a9fe:a9fe::1", "2002:a9fe:a9fe::/48"),
    ],
)
def test_a_listed_network_allows_its_special_addresses(fake_dns, address, network):
    fake_dns.names["mq.example.com"] = [address]
    assert authorize_host(
        "mq.example.com", 5672, Allowlist.from_entries(["mq.example.com", network])
    ) == [address]
    assert Allowlist.from_entries([network]).allows_address(address)
    assert not Allowlist.from_entries(["8.8.8.0/24"]).allows_address(address)


def test_an_embedded_ipv4_is_judged_by_itself_not_by_a_wide_ipv6_network():
    wide = Allowlist.from_entries(["2000::/3", "::/0"])
    assert wide.allows_address("2606:4700:4700::1111")
    assert not wide.allows_address("2002:a9fe:a9fe::1")  # 6to4 of the metadata address
    assert not wide.allows_address("::ffff:127.0.0.1")
    assert not wide.allows_address("64:ff9b::7f00:1")
    assert str(embedded_ipv4(__import__("ipaddress").ip_address("2002:a9fe:a9fe::1"))[0]) == (
        "169.254.169.254"
    )


@pytest.mark.parametrize("order", ["good-first", "bad-first"])
def test_every_resolved_address_is_checked(fake_dns, order):
    good, bad = "8.8.8.8", "169.254.169.254"
    fake_dns.names["mq.example.com"] = [good, bad] if order == "good-first" else [bad, good]
    with pytest.raises(HostNotAllowed, match="169.254.169.254") as caught:
        authorize_host("mq.example.com", 5672, Allowlist.from_entries(["mq.example.com"]))
    assert "8.8.8.8" not in str(caught.value)


@pytest.mark.parametrize(
    ("entry", "host", "allowed"),
    [
        ("*.mq.example.com", "a.mq.example.com", True),
        ("*.mq.example.com", "A.B.MQ.Example.COM.", True),
        ("*.mq.example.com", "evilmq.example.com", False),
        ("*.mq.example.com", "mq.example.com", False),
        ("*.mq.example.com", "a.mq.example.com.evil", False),
        ("*.example.com", "evilexample.com", False),
        ("mq.example.com", "a.mq.example.com", False),
        ("mq.example.com", "MQ.example.com.", True),
        ("mq.example.com.", "mq.example.com", True),
        ("mq.example.com", "xmq.example.com", False),
    ],
)
def test_names_and_suffixes_match_whole_labels(fake_dns, entry, host, allowed):
    fake_dns.names[host] = ["8.8.8.8"]
    allowlist = Allowlist.from_entries([entry])
    assert allowlist.allows_name(host) is allowed
    if allowed:
        assert authorize_host(host, 5672, allowlist) == ["8.8.8.8"]
    else:
        with pytest.raises(HostNotAllowed, match="is not in KB_BROKER_ALLOWED_HOSTS"):
            authorize_host(host, 5672, allowlist)
        assert fake_dns.asked == [], "an unlisted name was looked up"


def test_an_unlisted_name_is_refused_without_a_lookup(fake_dns):
    fake_dns.names["rabbit.corp"] = ["127.0.0.1"]
    with pytest.raises(HostNotAllowed, match="rabbit.corp is not in KB_BROKER_ALLOWED_HOSTS"):
        authorize_host("rabbit.corp", 5672, Allowlist.from_entries(["127.0.0.0/8", "::1"]))
    assert fake_dns.asked == []
    # the same name, once listed, is looked up
    authorize_host("rabbit.corp", 5672, Allowlist.from_entries(["rabbit.corp", "127.0.0.0/8"]))
    assert fake_dns.asked == ["rabbit.corp"]


def test_literals_need_a_listed_network_and_are_not_looked_up(fake_dns):
    allowlist = Allowlist.from_entries(["10.0.0.0/24", "fd00:1::/64"])
    assert authorize_host("10.0.0.7", 5672, allowlist) == ["10.0.0.7"]
    assert authorize_host("[fd00:1::5]", 5672, allowlist) == ["fd00:1::5"]
    for refused in ("10.0.1.7", "8.8.8.8", "fd00:2::5", "169.254.169.254"):
        with pytest.raises(HostNotAllowed, match=f"{refused} is not in"):
            authorize_host(refused, 5672, allowlist)
    assert fake_dns.asked == []


def test_an_empty_allowlist_switches_live_checks_off(fake_dns, settings):
    settings.KB_BROKER_ALLOWED_HOSTS = []
    assert load_allowlist().is_empty
    for host in ("127.0.0.1", "localhost", "mq.example.com"):
        with pytest.raises(HostNotAllowed, match="live checks are switched off"):
            authorize_host(host, 5672)
    assert fake_dns.asked == []
    settings.KB_BROKER_ALLOWED_HOSTS = ["127.0.0.1"]
    assert authorize_host("127.0.0.1", 5672) == ["127.0.0.1"]


# --- real connections ----------------------------------------------------------------------


def run_check(url: str) -> dict:
    return check_broker(CheckRequest(url, timeout=5))


@pytest.mark.parametrize("order", ["allowed-first", "refused-first"])
def test_a_multi_address_name_with_one_refused_address_reaches_no_listener(
    fake_dns, settings, order
):
    with listeners_on_one_port("127.0.0.1", "127.0.0.2") as (allowed, refused):
        pair = ["127.0.0.1", "127.0.0.2"]
        fake_dns.names["mq.example.com"] = pair if order == "allowed-first" else pair[::-1]
        settings.KB_BROKER_ALLOWED_HOSTS = ["mq.example.com", "127.0.0.1/32"]
        with pytest.raises(HostNotAllowed, match="127.0.0.2"):
            run_check(f"amqp://svc:s3cret-pw@mq.example.com:{allowed.port}//")
        assert allowed.connections == 0 and refused.connections == 0
        # Control: with both addresses listed the same run reaches the first listener.
        settings.KB_BROKER_ALLOWED_HOSTS = ["mq.example.com", "127.0.0.1/32", "127.0.0.2/32"]
        run_check(f"amqp://svc:s3cret-pw@mq.example.com:{allowed.port}//")
        assert allowed.connections + refused.connections >= 1


def test_a_lookalike_name_reaches_no_listener(fake_dns, settings):
    with listeners_on_one_port("127.0.0.1") as (listener,):
        fake_dns.names["evilmq.example.com"] = ["127.0.0.1"]
        fake_dns.names["a.mq.example.com"] = ["127.0.0.1"]
        settings.KB_BROKER_ALLOWED_HOSTS = ["*.mq.example.com", "127.0.0.0/8"]
        with pytest.raises(HostNotAllowed, match="evilmq.example.com is not in"):
            run_check(f"amqp://svc:pw@evilmq.example.com:{listener.port}//")
        assert listener.connections == 0 and fake_dns.asked == []
        run_check(f"amqp://svc:pw@a.mq.example.com:{listener.port}//")  # control
        assert listener.connections == 1 and fake_dns.asked == ["a.mq.example.com"]


class _Recorder(http.server.BaseHTTPRequestHandler):
    """An HTTP server whose answer is chosen per test; every request is recorded."""

    answer: callable = None  # type: ignore[valid-type]
    seen: list = []

    def do_GET(self):  # noqa: N802
        self.seen.append((self.path, self.headers.get("Authorization")))
        status, headers, body = type(self).answer(self)
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@contextmanager
def http_server(answer) -> Iterator[tuple[int, list]]:
    handler = type("Handler", (_Recorder,), {"answer": staticmethod(answer), "seen": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], handler.seen
    finally:
        server.shutdown()
        server.server_close()


RABBIT_401 = (401, {"WWW-Authenticate": 'Basic realm="RabbitMQ Management"'}, b"")
OVERVIEW = b'{"rabbitmq_version": "3.10.8", "erlang_version": "25"}'


def management_client(port: int) -> ManagementClient:
    endpoint = parse_endpoint("amqp://svc:mgmt-s3cret@127.0.0.1//")
    target = parse_management_url(f"http://127.0.0.1:{port}", default=endpoint)
    return ManagementClient(target, "127.0.0.1", timeout=5)


@pytest.mark.parametrize("when", ["before-credentials", "after-credentials"])
@pytest.mark.parametrize(
    "location",
    [
        "http://127.0.0.2:{port}/api/overview",
        "http://[::ffff:127.0.0.2]:{port}/api/overview",
        "http://169.254.169.254/latest/meta-data/",
    ],
)
def test_the_management_client_never_follows_a_redirect(when, location):
    with listeners_on_one_port("127.0.0.2") as (forbidden,):
        forbidden.reply = b"HTTP/1.1 200 OK\r\nContent-Length: 60\r\n\r\n" + OVERVIEW
        target = location.format(port=forbidden.port)

        def answer(handler):
            if when == "before-credentials" or handler.headers.get("Authorization"):
                return 302, {"Location": target}, b""
            return RABBIT_401

        with http_server(answer) as (port, seen):
            client = management_client(port)
            with pytest.raises(ManagementError) as caught:
                client.overview()
        assert caught.value.kind == "redirect"
        assert "302" in caught.value.detail and target in caught.value.detail
        assert forbidden.connections == 0
        assert len(seen) == (1 if when == "before-credentials" else 2)


def test_the_management_client_sends_no_password_to_a_server_that_is_not_rabbitmq():
    with (
        http_server(lambda h: (200, {"Content-Type": "text/html"}, b"<h1>Welcome</h1>")) as (
            port,
            seen,
        ),
        pytest.raises(ManagementError) as caught,
    ):
        management_client(port).overview()
    assert caught.value.kind == "not-management"
    assert "answered HTTP 200, but not as the RabbitMQ management API" in caught.value.detail
    assert seen == [("/api/overview", None)]


def test_the_management_client_sends_the_password_once_rabbitmq_answered():
    def answer(handler):
        if handler.headers.get("Authorization"):
            return 200, {"Content-Type": "application/json"}, OVERVIEW
        return RABBIT_401

    with http_server(answer) as (port, seen):
        assert management_client(port).overview()["rabbitmq_version"] == "3.10.8"
    assert seen[0] == ("/api/overview", None)
    assert seen[1][1] is not None and seen[1][1].startswith("Basic ")


def test_a_port_that_is_not_amqp_is_named_and_gets_no_credentials():
    with listeners_on_one_port("127.0.0.1") as (listener,):
        endpoint = parse_endpoint(f"amqp://svc:amqp-s3cret@127.0.0.1:{listener.port}//")
        with pytest.raises(ProbeFailure) as caught:
            open_connection(endpoint, "127.0.0.1", timeout=5)
    assert caught.value.kind == "not-amqp"
    assert f"port {listener.port} of 127.0.0.1 answered, but not as an AMQP broker" in (
        caught.value.detail
    )
    assert listener.received and all(b"amqp-s3cret" not in data for data in listener.received)
    assert listener.received[0].startswith(b"AMQP")


def test_a_port_that_is_not_redis_is_named_and_gets_no_password():
    with listeners_on_one_port("127.0.0.1") as (listener,):
        endpoint = parse_endpoint(f"redis://:redis-s3cret@127.0.0.1:{listener.port}/0")
        with pytest.raises(ProbeFailure) as caught:
            open_client(
                endpoint,
                "127.0.0.1",
                timeout=5,
                tls=TlsOptions(),
            )
    assert caught.value.kind == "not-redis"
    assert "answered, but not as a Redis server" in caught.value.detail
    assert listener.received and all(b"redis-s3cret" not in data for data in listener.received)


@pytest.fixture
def redis_with_password(tmp_path) -> Iterator[int]:
    """A private redis-server on a free loopback port that requires a password."""
    import shutil
    import subprocess
    import time

    binary = shutil.which("redis-server")
    require("Redis", binary is not None, "redis-server on PATH")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--requirepass",
            "right-pw",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            if _reachable(f"redis://127.0.0.1:{port}", port):
                break
            time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(10)


def test_a_redis_that_wants_a_password_is_confirmed_by_its_noauth_reply(redis_with_password):
    wrong = parse_endpoint(f"redis://:wrong-pw@127.0.0.1:{redis_with_password}/0")
    with pytest.raises(ProbeFailure) as caught:
        open_client(wrong, "127.0.0.1", timeout=5, tls=TlsOptions())
    assert caught.value.kind == "access-refused", caught.value.detail
    right = parse_endpoint(f"redis://:right-pw@127.0.0.1:{redis_with_password}/0")
    client = open_client(right, "127.0.0.1", timeout=5, tls=TlsOptions())
    assert client.ping()
    client.close()


def test_tls_probes_connect_to_the_checked_address_never_the_name_again(tmp_path, fake_dns):
    """TLS needs the name (SNI, certificate) but the socket goes to the address checked:
    a name re-resolving elsewhere after the check (DNS rebinding) reaches nothing."""
    import shutil

    from diagnostics.probes.targets import ManagementTarget

    from .test_probes_amqp import SilentTlsServer

    require("openssl", shutil.which("openssl") is not None, "PATH")
    server = SilentTlsServer(tmp_path)  # 127.0.0.1, certificate for `localhost`
    decoy = Listener("127.0.0.2", server.port)
    fake_dns.names["localhost"] = ["127.0.0.2"]  # the name now points at the decoy
    tls = TlsOptions(ca_file=str(server.cert))
    try:
        endpoint = parse_endpoint(f"rediss://:redis-pw@localhost:{server.port}/0")
        with pytest.raises(ProbeFailure) as caught:
            open_client(endpoint, "127.0.0.1", timeout=2, tls=tls)
        assert caught.value.kind == "timeout", caught.value.detail  # TLS worked, then silence
        after_redis = len(server.held)
        assert after_redis >= 1
        target = ManagementTarget("https", "localhost", server.port, "u", "mgmt-pw")
        with pytest.raises(ManagementError) as caught:
            ManagementClient(target, "127.0.0.1", timeout=2, tls=tls).overview()
        assert caught.value.kind == "timeout", caught.value.detail
        assert len(server.held) > after_redis
        assert decoy.connections == 0
    finally:
        decoy.close()
        server.sock.close()
