"""Redis probe (redis-py): PING, version, eviction policy, kombu queue lengths.

Read-only: PING, INFO, LLEN, EXISTS. Before any password is sent, a PING
without credentials confirms the peer speaks Redis (any Redis reply counts,
`NOAUTH` included); a peer that answers otherwise is reported as `not-redis`
and never sees the password. A kombu queue on Redis is a list named
after the queue plus one list per priority step (`name\\x06\\x163`,
`name\\x06\\x166`, `name\\x06\\x169`); a Redis list that becomes empty is
deleted, so an empty queue and a queue that never existed look the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import redis

from diagnostics.probes.amqp import ProbeFailure, refused, timed_out, unexpected
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
    common: dict[str, Any] = {
        "host": address,
        "port": endpoint.port,
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        "retry": None,
    }
    if endpoint.uses_tls:
        # TCP to the allowed address; SNI and certificate checks for the name.
        common.update(
            host=endpoint.host,
            pinned_address=address,
            connection_class=PinnedSSLConnection,
            ssl_ca_certs=tls.ca_file,
            ssl_cert_reqs="required" if tls.verify else "none",
            ssl_check_hostname=tls.verify,
        )
    if endpoint.username or endpoint.password:
        confirm_redis(endpoint, common, timeout)
    client = _client(
        common,
        db=endpoint.db,
        username=endpoint.username or None,
        password=endpoint.password or None,
    )
    try:
        client.ping()
    except Exception as exc:
        client.close()
        failure = classify_redis_error(exc, endpoint, timeout)
        if not (endpoint.username or endpoint.password or isinstance(exc, redis.ResponseError)):
            failure = _not_redis(failure, exc, endpoint)  # this PING was the anonymous one
        raise failure from exc
    return client


class PinnedSSLConnection(redis.SSLConnection):
    """TLS to `pinned_address` while SNI and the certificate check use `host` (the name)."""

    def __init__(self, *, pinned_address: str, **kwargs: Any):
        self.pinned_address = pinned_address
        super().__init__(**kwargs)

    def _connect(self):
        name, self.host = self.host, self.pinned_address
        try:
            sock = redis.Connection._connect(self)  # plain TCP, to the address
        finally:
            self.host = name
        try:
            return self._wrap_socket_with_ssl(sock)
        except (OSError, redis.RedisError):
            sock.close()
            raise


def _client(common: dict[str, Any], **extra: Any) -> redis.Redis:
    """A client with a pool of its own (a custom connection class needs the pool form)."""
    options = {**common, **extra}
    if "connection_class" in options:
        retry = options.pop("retry")
        pool = redis.ConnectionPool(**options)
        return redis.Redis(connection_pool=pool, retry=retry)
    return redis.Redis(**options)


def confirm_redis(endpoint: Endpoint, common: dict[str, Any], timeout: float) -> None:
    """PING without credentials: any Redis answer (PONG, NOAUTH) proves the protocol."""
    anonymous = _client(common)
    try:
        anonymous.ping()
    except (redis.AuthenticationError, redis.ResponseError):
        return  # NOAUTH and friends: a Redis reply
    except Exception as exc:
        raise _not_redis(classify_redis_error(exc, endpoint, timeout), exc, endpoint) from exc
    finally:
        anonymous.close()


def _not_redis(failure: ProbeFailure, exc: BaseException, endpoint: Endpoint) -> ProbeFailure:
    """A peer that reset or garbled the anonymous PING is not Redis (TLS trouble aside)."""
    if failure.kind in ("reset", "error") and "ssl" not in str(exc).lower():
        return ProbeFailure(
            "not-redis",
            f"port {endpoint.port} of {endpoint.host} answered, but not as a Redis server "
            f"(no credentials were sent): {exc}",
            evidence={"port": endpoint.port, "host": endpoint.host, "error": str(exc)},
        )
    return failure


def classify_redis_error(exc: BaseException, endpoint: Endpoint, timeout: float) -> ProbeFailure:
    """Map redis-py errors to the same kinds the AMQP probe uses."""
    where = endpoint.hostport
    if (
        isinstance(exc, redis.AuthenticationError)
        or "NOAUTH" in str(exc)
        or "WRONGPASS" in str(exc)
    ):
        return ProbeFailure(
            "access-refused",
            f"{where} refused the credentials: {exc}",
            outcome="probe.redis-access-refused",
            evidence={"where": where, "error": str(exc)},
        )
    if isinstance(exc, redis.TimeoutError):
        return timed_out(where, timeout)
    if isinstance(exc, redis.ConnectionError):
        if "refused" in str(exc).lower():
            return refused(where)
        return ProbeFailure(
            "reset",
            f"cannot talk to {where}: {exc}",
            outcome="probe.redis-reset",
            evidence={"where": where, "error": str(exc)},
        )
    return unexpected(exc)


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
