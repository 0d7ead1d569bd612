"""AMQP 0-9-1 probe (py-amqp): handshake, passive declares, round-trip latency.

Read-only by construction: the only declares are `passive=True` (they tell
whether an object exists and, for a queue, `(name, ready messages,
consumers)`; a passive declare ignores arguments and flags), and the one
object we create is a server-named, exclusive, auto-delete queue on a
connection of our own, gone when that connection closes.

Errors are classified into a `ProbeFailure(kind, detail)` the checks map to
entries: `refused`, `timeout`, `access-refused` (bad credentials),
`not-allowed` (vhost), `tls`, `reset`, `not-amqp` (something answered on the
port but never sent AMQP's `Connection.Start`).

Credentials travel only in `Connection.Start-Ok`, the answer to the broker's
`Connection.Start`: a peer that does not speak AMQP never receives them.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import time
import uuid
from dataclasses import dataclass
from typing import Any

import amqp
from amqp import exceptions as amqp_exc

from diagnostics.probes.targets import Endpoint, TlsOptions


class ProbeFailure(Exception):
    """A classified failure: `kind` is stable (used by checks), `detail` is for people.

    `outcome` and `evidence` are the same words as keys (diagnostics.present's
    OUTCOMES renders them in the reader's language); `detail` stays English for
    logs and exceptions. The library's own error text travels as evidence `error`.
    """

    def __init__(
        self,
        kind: str,
        detail: str,
        *,
        outcome: str | None = None,
        evidence: dict[str, Any] | None = None,
    ):
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.outcome = outcome or f"probe.{kind}"
        self.evidence = evidence or {"error": detail}


@dataclass(frozen=True)
class QueueCount:
    """What a passive declare tells: ready messages and consumers, nothing else."""

    name: str
    messages_ready: int
    consumers: int


def build_ssl_options(endpoint: Endpoint, tls: TlsOptions) -> dict[str, Any] | bool:
    """py-amqp `ssl=` options; SNI and certificate checks use the name, not the address.

    py-amqp cannot combine SNI with `CERT_NONE` (it turns hostname checking on
    whenever a server_hostname is given), so `verify=False` also drops SNI.
    """
    if not endpoint.uses_tls:
        return False
    if not tls.verify:
        return {"cert_reqs": ssl.CERT_NONE, "server_hostname": None}
    return {
        "server_hostname": endpoint.host,
        "ca_certs": tls.ca_file,
        "cert_reqs": ssl.CERT_REQUIRED,
    }


def open_connection(
    endpoint: Endpoint,
    address: str,
    *,
    timeout: float,
    tls: TlsOptions | None = None,
    on_blocked: Any = None,
) -> amqp.Connection:
    """Connect to `address` (already allowed) and finish the AMQP handshake within `timeout`."""
    host = f"[{address}]:{endpoint.port}" if ":" in address else f"{address}:{endpoint.port}"
    connection = amqp.Connection(
        host=host,
        userid=endpoint.username,
        password=endpoint.password,
        virtual_host=endpoint.vhost,
        ssl=build_ssl_options(endpoint, tls or TlsOptions()),
        connect_timeout=timeout,
        read_timeout=timeout,
        write_timeout=timeout,
        heartbeat=0,
        on_blocked=on_blocked,
        client_properties={"product": "celery-kb live checks", "connection_name": "kb-check"},
    )
    try:
        connection.connect()
    except BaseException as exc:
        close_quietly(connection)
        started = bool(connection.server_properties)  # Connection.Start was received
        raise classify_error(exc, endpoint, timeout, started=started) from exc
    return connection


def classify_error(
    exc: BaseException, endpoint: Endpoint, timeout: float, *, started: bool = True
) -> ProbeFailure:
    """Map a py-amqp / socket error to a stable kind with a human detail.

    `started=False`: the peer never sent `Connection.Start`; a peer that then
    closes, resets or sends something that is not an AMQP frame is not a broker.
    """
    where = endpoint.hostport
    if isinstance(exc, ProbeFailure):
        return exc
    said = {"where": where, "error": str(exc)}
    if not started and _not_amqp_answer(exc):
        return ProbeFailure(
            "not-amqp",
            f"port {endpoint.port} of {endpoint.host} answered, but not as an AMQP broker "
            f"(no AMQP Connection.Start; no credentials were sent): {exc}",
            evidence={**said, "port": endpoint.port, "host": endpoint.host},
        )
    if isinstance(exc, amqp_exc.AccessRefused):
        return ProbeFailure(
            "access-refused",
            f"ACCESS_REFUSED: {endpoint.username!r} was refused by {where}",
            evidence={**said, "user": repr(endpoint.username)},
        )
    if isinstance(exc, amqp_exc.NotAllowed):
        return ProbeFailure(
            "not-allowed",
            f"NOT_ALLOWED: {endpoint.username!r} may not open vhost {endpoint.vhost!r} on {where}",
            evidence={**said, "user": repr(endpoint.username), "vhost": repr(endpoint.vhost)},
        )
    if isinstance(exc, ConnectionRefusedError):
        return refused(where)
    if isinstance(exc, socket.timeout | TimeoutError):
        return timed_out(where, timeout)
    if isinstance(exc, ssl.SSLError):
        return ProbeFailure("tls", f"TLS handshake with {where} failed: {exc}", evidence=said)
    if isinstance(
        exc, ConnectionResetError | BrokenPipeError | amqp_exc.RecoverableConnectionError
    ):
        return ProbeFailure(
            "reset", f"{where} closed the connection during the handshake: {exc}", evidence=said
        )
    if isinstance(exc, OSError):
        reason = exc.strerror or str(exc)
        return ProbeFailure(
            "refused",
            f"cannot reach {where}: {reason}",
            outcome="probe.unreachable",
            evidence={**said, "error": reason},
        )
    return unexpected(exc)


def refused(where: str) -> ProbeFailure:
    return ProbeFailure(
        "refused",
        f"connection refused by {where} (nothing listens there)",
        evidence={"where": where},
    )


def timed_out(where: str, timeout: float) -> ProbeFailure:
    return ProbeFailure(
        "timeout",
        f"timed out after {timeout:.1f} s waiting for {where}",
        evidence={"where": where, "timeout_s": f"{timeout:.1f}"},
    )


def unexpected(exc: BaseException) -> ProbeFailure:
    return ProbeFailure(
        "error",
        f"{type(exc).__name__}: {exc}",
        evidence={"error": f"{type(exc).__name__}: {exc}"},
    )


def _not_amqp_answer(exc: BaseException) -> bool:
    """A TCP peer that answered (closed, reset, garbage) instead of sending Connection.Start."""
    if isinstance(exc, ConnectionResetError | BrokenPipeError | amqp_exc.AMQPError):
        return not isinstance(exc, amqp_exc.AccessRefused | amqp_exc.NotAllowed)
    # py-amqp's words when the peer closes before a whole frame arrived
    return isinstance(exc, OSError) and "unexpectedly closed" in str(exc)


def close_quietly(connection: amqp.Connection | None, *, graceful: bool = True) -> None:
    """Close without hanging: only a finished handshake gets a polite connection.close.

    A silent peer, a half-done handshake or a connection blocked by an alarm
    would make connection.close wait for a Close-Ok that never comes; those are
    dropped (socket closed), which the broker treats the same for our objects.
    """
    if connection is None:
        return
    # Closing after a failure must never raise.
    if graceful and connection.connected and getattr(connection, "_handshake_complete", False):
        with contextlib.suppress(Exception):
            connection.close()
    with contextlib.suppress(Exception):
        connection.collect()


def server_version(connection: amqp.Connection) -> str:
    """`product version` as the broker announced it in connection.start."""
    props = connection.server_properties or {}
    product, version = props.get("product", ""), props.get("version", "")
    return f"{product} {version}".strip()


def inspect_queue(connection: amqp.Connection, name: str) -> QueueCount | None:
    """Passive declare on a fresh channel: counts, or None when the queue does not exist."""
    channel = connection.channel()
    try:
        _, ready, consumers = channel.queue_declare(name, passive=True)
    except amqp_exc.NotFound:
        return None
    finally:
        _close_channel(channel)
    return QueueCount(name, ready, consumers)


def exchange_exists(connection: amqp.Connection, name: str) -> bool:
    """Passive exchange declare on a fresh channel."""
    channel = connection.channel()
    try:
        channel.exchange_declare(name, "direct", passive=True)
    except amqp_exc.NotFound:
        return False
    finally:
        _close_channel(channel)
    return True


def _close_channel(channel: amqp.Channel) -> None:
    if channel.is_open:
        with contextlib.suppress(Exception):  # a channel the server already closed
            channel.close()


@dataclass
class RoundTrip:
    """Latency of one publish → consume through our own queue, or why it did not arrive."""

    latency_ms: float | None
    blocked_reason: str | None = None


def measure_round_trip(connection: amqp.Connection, *, timeout: float) -> RoundTrip:
    """Publish one message to a server-named exclusive auto-delete queue and consume it.

    The connection must be ours alone: when an alarm blocks publishing, the
    broker stops reading from it, and the caller drops it without a close.
    """
    blocked: list[str] = []
    connection.on_blocked = lambda reason=None: blocked.append(str(reason or "blocked"))
    channel = connection.channel()
    queue, _, _ = channel.queue_declare("", exclusive=True, auto_delete=True)
    received: list[float] = []
    token = uuid.uuid4().hex
    channel.basic_consume(
        queue, no_ack=True, callback=lambda m: received.append(time.perf_counter())
    )
    started = time.perf_counter()
    channel.basic_publish(amqp.Message(token, delivery_mode=1), exchange="", routing_key=queue)
    deadline = started + timeout
    while not received and not blocked and time.perf_counter() < deadline:
        try:
            connection.drain_events(timeout=min(0.2, max(0.01, deadline - time.perf_counter())))
        except TimeoutError:
            continue
    if received:
        channel.queue_delete(queue)
        return RoundTrip(round((received[0] - started) * 1000, 2))
    return RoundTrip(None, blocked[0] if blocked else None)
