"""Redis probe (redis-py): PING, version, eviction policy, kombu queue lengths.

Read-only: PING, INFO, LLEN, EXISTS. A kombu queue on Redis is a list named
after the queue plus one list per priority step (`name\\x06\\x163`,
`name\\x06\\x166`, `name\\x06\\x169`); a Redis list that becomes empty is
deleted, so an empty queue and a queue that never existed look the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import redis

from diagnostics.probes.amqp import ProbeFailure
from diagnostics.probes.targets import Endpoint, TlsOptions

KOMBU_SEP = "\x06\x16"
KOMBU_PRIORITY_STEPS = (0, 3, 6, 9)


@dataclass(frozen=True)
class RedisInfo:
    """What the eviction and version checks need from INFO."""

    version: str
    maxmemory: int
    maxmemory_policy: str
    used_memory: int


def open_client(
    endpoint: Endpoint, address: str, *, timeout: float, tls: TlsOptions
) -> redis.Redis:
    """A client bound to the allowed address; PING proves the handshake and the password."""
    kwargs: dict[str, Any] = {}
    host = address
    if endpoint.uses_tls:
        # Certificate checks need the name; it was resolved and allowed just before.
        host = endpoint.host
        kwargs = {
            "ssl": True,
            "ssl_ca_certs": tls.ca_file,
            "ssl_cert_reqs": "required" if tls.verify else "none",
            "ssl_check_hostname": tls.verify,
        }
    client = redis.Redis(
        host=host,
        port=endpoint.port,
        db=endpoint.db,
        username=endpoint.username or None,
        password=endpoint.password or None,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=None,
        **kwargs,
    )
    try:
        client.ping()
    except Exception as exc:
        client.close()
        raise classify_redis_error(exc, endpoint, timeout) from exc
    return client


def classify_redis_error(exc: BaseException, endpoint: Endpoint, timeout: float) -> ProbeFailure:
    """Map redis-py errors to the same kinds the AMQP probe uses."""
    where = endpoint.hostport
    if (
        isinstance(exc, redis.AuthenticationError)
        or "NOAUTH" in str(exc)
        or "WRONGPASS" in str(exc)
    ):
        return ProbeFailure("access-refused", f"{where} refused the credentials: {exc}")
    if isinstance(exc, redis.TimeoutError):
        return ProbeFailure("timeout", f"timed out after {timeout:.1f} s waiting for {where}")
    if isinstance(exc, redis.ConnectionError):
        if "refused" in str(exc).lower():
            return ProbeFailure("refused", f"connection refused by {where} (nothing listens there)")
        return ProbeFailure("reset", f"cannot talk to {where}: {exc}")
    return ProbeFailure("error", f"{type(exc).__name__}: {exc}")


def read_info(client: redis.Redis) -> RedisInfo:
    """Version and memory facts from INFO server + INFO memory."""
    server, memory = client.info("server"), client.info("memory")
    return RedisInfo(
        version=str(server.get("redis_version", "")),
        maxmemory=int(memory.get("maxmemory", 0) or 0),
        maxmemory_policy=str(memory.get("maxmemory_policy", "")),
        used_memory=int(memory.get("used_memory", 0) or 0),
    )


def priority_keys(queue: str) -> list[str]:
    """The Redis keys kombu uses for one queue (base list + priority sub-lists)."""
    return [queue if step == 0 else f"{queue}{KOMBU_SEP}{step}" for step in KOMBU_PRIORITY_STEPS]


def queue_length(client: redis.Redis, queue: str) -> dict[str, int]:
    """LLEN of every kombu list of `queue` (key -> length, only non-empty ones)."""
    pipe = client.pipeline(transaction=False)
    keys = priority_keys(queue)
    for key in keys:
        pipe.llen(key)
    lengths = pipe.execute()
    return {key: int(length) for key, length in zip(keys, lengths, strict=True) if length}
