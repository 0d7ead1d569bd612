"""Celery remote control probe: ping, stats, active_queues, registered.

Remote control publishes to the `celery.pidbox` fanout exchange and reads
replies from an auto-delete reply queue bound to `reply.celery.pidbox`; kombu
declares both exchanges if they are missing. The checks call this probe only
when both already exist in the vhost, so a run changes nothing there.

Replies (celery 5.7): `ping()` -> {"celery@host": {"ok": "pong"}}; `stats()` ->
{"celery@host": {"pool": {"implementation": "celery.concurrency.prefork:TaskPool",
"max-concurrency": 4, ...}, "prefetch_count": 16, ...}}; `active_queues()` ->
{"celery@host": [{"name": "q", "exchange": {...}, "routing_key": "q", ...}]};
`registered()` -> {"celery@host": ["app.tasks.add", ...]}. `None` means nobody
answered within the timeout.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from diagnostics.probes.amqp import build_ssl_options
from diagnostics.probes.targets import Endpoint, TlsOptions


@dataclass
class WorkerSnapshot:
    """Every worker's replies, keyed by worker name (empty when nobody answered)."""

    ping: dict[str, Any] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)
    active_queues: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    registered: dict[str, list[str]] = field(default_factory=dict)


def _build_app(endpoint: Endpoint, address: str, timeout: float, tls: TlsOptions):
    from celery import Celery

    app = Celery("kb-live-check", set_as_current=False, broker=endpoint.url(host=address))
    app.conf.update(
        broker_connection_timeout=timeout,
        broker_connection_retry=False,
        broker_connection_max_retries=0,
        broker_heartbeat=0,
    )
    if endpoint.uses_tls:
        app.conf.broker_use_ssl = build_ssl_options(endpoint, tls)
    return app


def inspect_workers(
    endpoint: Endpoint, address: str, *, timeout: float, tls: TlsOptions | None = None
) -> WorkerSnapshot:
    """Ping first (waits `timeout`); ask the rest only of those who answered.

    The follow-up calls pass `limit=` so they return as soon as every
    known worker replied, instead of always waiting the full timeout.
    """
    app = _build_app(endpoint, address, timeout, tls or TlsOptions())
    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=0, timeout=timeout)
            ping = app.control.inspect(timeout=timeout, connection=connection).ping() or {}
            if not ping:
                return WorkerSnapshot()
            names = sorted(ping)
            inspect = app.control.inspect(
                destination=names, timeout=timeout, connection=connection, limit=len(names)
            )
            return WorkerSnapshot(
                ping=ping,
                stats=inspect.stats() or {},
                active_queues=inspect.active_queues() or {},
                registered=inspect.registered() or {},
            )
    finally:
        app.close()


def describe_pool(stats: dict[str, Any]) -> dict[str, Any]:
    """Pool kind (prefork/threads/solo/...), concurrency and prefetch from one stats reply."""
    pool = stats.get("pool") or {}
    implementation = str(pool.get("implementation", ""))
    module = implementation.split(":", 1)[0].rsplit(".", 1)[-1]
    kind = {"thread": "threads"}.get(module, module)
    return {
        "pool": kind or "unknown",
        "implementation": implementation,
        "concurrency": pool.get("max-concurrency"),
        "prefetch_count": stats.get("prefetch_count"),
    }
