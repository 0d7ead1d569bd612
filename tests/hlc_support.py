"""Helpers for the live-check tests (prefix `hlc_`): vhosts, snapshots, listeners, the CLI.

Every broker object these tests create lives in a vhost named `hlc_*` that
the test creates and deletes, so nothing touches other people's objects.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

import amqp
import requests

ROOT = Path(__file__).resolve().parent.parent
AUTH = ("guest", "guest")


def api(management_url: str, method: str, path: str, **kwargs) -> requests.Response:
    """One management API call as the test's admin (guest)."""
    return requests.request(method, f"{management_url}/api{path}", auth=AUTH, timeout=10, **kwargs)


@contextlib.contextmanager
def hlc_vhost(management_url: str, name: str):
    """Create vhost `name` with full permissions for guest; delete it afterwards."""
    assert name.startswith("hlc_"), name
    api(management_url, "DELETE", f"/vhosts/{quote(name, safe='')}")
    api(management_url, "PUT", f"/vhosts/{quote(name, safe='')}").raise_for_status()
    api(
        management_url,
        "PUT",
        f"/permissions/{quote(name, safe='')}/guest",
        json={"configure": ".*", "write": ".*", "read": ".*"},
    ).raise_for_status()
    try:
        yield name
    finally:
        api(management_url, "DELETE", f"/vhosts/{quote(name, safe='')}")


def amqp_connection(rabbitmq_url: str, vhost: str) -> amqp.Connection:
    """A py-amqp connection to `vhost` on the test broker (test setup, not the code under test)."""
    parts = urlsplit(rabbitmq_url)
    connection = amqp.Connection(
        host=f"{parts.hostname}:{parts.port or 5672}",
        userid=parts.username or "guest",
        password=parts.password or "guest",
        virtual_host=vhost,
        connect_timeout=5,
    )
    connection.connect()
    return connection


def broker_url(rabbitmq_url: str, vhost: str) -> str:
    parts = urlsplit(rabbitmq_url)
    return f"amqp://{parts.username}:{parts.password}@{parts.hostname}:{parts.port or 5672}/{quote(vhost, safe='')}"


def snapshot_vhost(management_url: str, rabbitmq_url: str, vhost: str) -> dict:
    """Queues (type, arguments, flags, exact ready count), exchanges and bindings of `vhost`."""
    v = quote(vhost, safe="")
    queues = api(management_url, "GET", f"/queues/{v}").json()
    exchanges = api(management_url, "GET", f"/exchanges/{v}").json()
    bindings = api(management_url, "GET", f"/bindings/{v}").json()
    counts = {}
    connection = amqp_connection(rabbitmq_url, vhost)
    try:
        for queue in queues:
            if queue.get("exclusive"):  # another connection's; a passive declare gets 405
                counts[queue["name"]] = None
                continue
            channel = connection.channel()
            _, ready, _ = channel.queue_declare(queue["name"], passive=True)
            counts[queue["name"]] = ready
            channel.close()
    finally:
        connection.close()
    return {
        "queues": sorted(
            (
                q["name"],
                q.get("type"),
                repr(sorted(q.get("arguments", {}).items())),
                q.get("durable"),
                q.get("auto_delete"),
                counts[q["name"]],
            )
            for q in queues
        ),
        "exchanges": sorted(
            (e["name"], e["type"], e["durable"], e["auto_delete"], repr(e.get("arguments")))
            for e in exchanges
        ),
        "bindings": sorted(
            (b["source"], b["destination"], b["destination_type"], b["routing_key"])
            for b in bindings
        ),
    }


class RecordingListener:
    """A TCP socket that accepts connections, records them, and never says a word."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted.append(conn)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        for conn in self.accepted:
            conn.close()
        self.sock.close()


def closed_port() -> int:
    """A loopback port nothing listens on (bound then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 60):
    """`python manage.py check_broker ...` as a user runs it; returns CompletedProcess."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "manage.py", "check_broker", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.2):
    """Poll `predicate` until it returns something truthy; that value, or None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return None


def by_check(results: list[dict], check: str) -> list[dict]:
    return [result for result in results if result["check"] == check]
