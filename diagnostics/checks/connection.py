"""Reachability and handshake, node by node (every element of a failover list).

DNS was resolved and allowed by the plan; here each allowed address is tried
in turn (TCP, TLS, AMQP handshake or Redis PING, authentication, vhost). The
first node that answers becomes the run's connection for the other checks.

Entries: a refused port, a silent peer, a reset or a TLS failure is
`broker-connection-refused`; ACCESS_REFUSED (credentials) and NOT_ALLOWED
(vhost) are `broker-access-refused`.
"""

from __future__ import annotations

import time
from typing import Any

from diagnostics.checks.results import ERROR, FAIL, PASS, CheckResult
from diagnostics.checks.runner import Emitter, RunContext
from diagnostics.probes.amqp import ProbeFailure, close_quietly, open_connection, server_version
from diagnostics.probes.redis import open_client
from diagnostics.probes.targets import Endpoint

CONNECTION_ENTRY = "broker-connection-refused"
ACCESS_ENTRY = "broker-access-refused"
ENTRY_BY_KIND = {"access-refused": ACCESS_ENTRY, "not-allowed": ACCESS_ENTRY}
# Tried on the next address of the same name; other failures answer for the node.
RETRY_NEXT_ADDRESS = {"refused", "timeout", "reset"}


def _title(endpoint: Endpoint) -> str:
    return f"Connect to {endpoint.hostport}"


def _failure_result(endpoint: Endpoint, failure: ProbeFailure, evidence: dict) -> CheckResult:
    status = ERROR if failure.kind in ("timeout", "error") else FAIL
    return CheckResult(
        "connection",
        _title(endpoint),
        status,
        failure.detail,
        entry=ENTRY_BY_KIND.get(failure.kind, CONNECTION_ENTRY),
        outcome=failure.outcome,
        evidence={**failure.evidence, **evidence, "failure": failure.kind},
    )


def _try_addresses(ctx: RunContext, endpoint: Endpoint, opener) -> tuple[Any, str, dict, Any]:
    """(connection or None, address, evidence, failure) over the node's allowed addresses."""
    resolution = ctx.plan.resolution(endpoint.host, endpoint.port)
    evidence: dict[str, Any] = {
        "node": endpoint.masked,
        "host": endpoint.host,
        "port": endpoint.port,
        "addresses": resolution.addresses,
    }
    if resolution.error:
        failure = ProbeFailure("dns", resolution.error, outcome="probe.dns")
        return None, "", {**evidence, "step": "dns"}, failure
    failure: ProbeFailure | None = None
    for address in resolution.addresses:
        started = time.perf_counter()
        try:
            connection = opener(endpoint, address, ctx.step_timeout())
        except ProbeFailure as exc:
            failure = exc
            if exc.kind not in RETRY_NEXT_ADDRESS:
                break
            continue
        evidence.update(address=address, connect_ms=round((time.perf_counter() - started) * 1000))
        return connection, address, evidence, None
    return None, "", evidence, failure


def check_amqp_connection(ctx: RunContext, emit: Emitter) -> None:
    """Handshake with every node; keep the first that answers for the other checks."""
    blocked: list[str] = ctx.cache.setdefault("blocked", [])

    def opener(endpoint: Endpoint, address: str, timeout: float):
        return open_connection(
            endpoint,
            address,
            timeout=timeout,
            tls=ctx.plan.request.tls,
            on_blocked=lambda reason=None: blocked.append(str(reason)),
        )

    for endpoint in ctx.plan.endpoints:
        connection, address, evidence, failure = _try_addresses(ctx, endpoint, opener)
        if connection is None:
            emit(_failure_result(endpoint, failure, evidence))
            continue
        server = server_version(connection)
        evidence.update(server=server, vhost=endpoint.vhost, user=endpoint.username)
        emit(
            CheckResult(
                "connection",
                _title(endpoint),
                PASS,
                outcome="connection.amqp.pass" if server else "connection.amqp.pass.no-server",
                evidence=evidence,
            )
        )
        if ctx.amqp is None:
            ctx.amqp, ctx.endpoint, ctx.address = connection, endpoint, address
        else:
            close_quietly(connection)


def check_redis_connection(ctx: RunContext, emit: Emitter) -> None:
    """PING every node (proves TCP, TLS and the password); keep the first that answers."""

    def opener(endpoint: Endpoint, address: str, timeout: float):
        return open_client(endpoint, address, timeout=timeout, tls=ctx.plan.request.tls)

    for endpoint in ctx.plan.endpoints:
        client, address, evidence, failure = _try_addresses(ctx, endpoint, opener)
        if client is None:
            emit(_failure_result(endpoint, failure, evidence))
            continue
        evidence.update(db=endpoint.db)
        emit(
            CheckResult(
                "connection",
                _title(endpoint),
                PASS,
                outcome="connection.redis.pass",
                evidence=evidence,
            )
        )
        if ctx.redis is None:
            ctx.redis, ctx.endpoint, ctx.address = client, endpoint, address
        else:
            client.close()
