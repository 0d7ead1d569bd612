"""What a run talks to: broker endpoints and the management API, secrets in memory only.

A broker URL may be a failover list (`amqp://a//;amqp://b//`); each element
becomes one `Endpoint`, checked node by node. The password lives in the
dataclass (never in `repr`, never in `as_params`) for the life of the run and
is dropped with it. Everything that leaves the run uses `masked`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from urllib.parse import SplitResult, quote, unquote, urlsplit

from diagnostics.redact import mask_url

AMQP_SCHEMES = {"amqp": 5672, "amqps": 5671, "pyamqp": 5672}
REDIS_SCHEMES = {"redis": 6379, "rediss": 6379}


class TargetError(ValueError):
    """The user's input cannot be turned into a target (bad URL, bad option)."""


@dataclass(frozen=True)
class Endpoint:
    """One broker node: scheme, host, port, credentials and vhost (Redis: db number)."""

    scheme: str
    host: str
    port: int
    username: str = ""
    password: str = field(default="", repr=False)
    vhost: str = "/"
    db: int = 0

    @property
    def is_redis(self) -> bool:
        return self.scheme in REDIS_SCHEMES

    @property
    def uses_tls(self) -> bool:
        return self.scheme in ("amqps", "rediss")

    @property
    def hostport(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def url(self, *, host: str | None = None, masked: bool = False) -> str:
        """The URL again (optionally for another host, e.g. the resolved address)."""
        secret = "****" if masked and self.password else quote(self.password, safe="")
        auth = quote(self.username, safe="")
        if self.password:
            auth = f"{auth}:{secret}"
        where = self.hostport if host is None else replace(self, host=host).hostport
        path = str(self.db) if self.is_redis else _quote_vhost(self.vhost)
        return f"{self.scheme}://{auth + '@' if auth else ''}{where}/{path}"

    @property
    def masked(self) -> str:
        return self.url(masked=True)


@dataclass(frozen=True)
class TlsOptions:
    """TLS settings: verification is on unless the user turns it off explicitly."""

    ca_file: str | None = None
    verify: bool = True


@dataclass(frozen=True)
class ManagementTarget:
    """The RabbitMQ management API: base URL and (in-memory) credentials."""

    scheme: str
    host: str
    port: int
    username: str
    password: str = field(default="", repr=False)
    path: str = ""

    @property
    def masked(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{self.username}@{host}:{self.port}{self.path}"


def _quote_vhost(vhost: str) -> str:
    """`/` stays an empty path (`amqp://host/`, as kombu reads it); others are quoted."""
    return "" if vhost == "/" else quote(vhost, safe="")


def _split(url: str, what: str) -> SplitResult:
    """`urlsplit`, with its ValueError (`[::1` without `]`) as a TargetError for the user."""
    if "\x00" in url:
        raise TargetError(f"{what} contains a NUL character")
    try:
        return urlsplit(url)
    except ValueError as exc:
        raise TargetError(f"{what} {mask_url(url)!r} cannot be parsed: {exc}") from exc


def parse_endpoint(url: str) -> Endpoint:
    """Parse one broker URL the way kombu reads it (`//` and `%2F` both mean vhost `/`)."""
    url = url.strip()
    parts = _split(url, "broker URL")
    scheme = parts.scheme.lower()
    if scheme not in AMQP_SCHEMES and scheme not in REDIS_SCHEMES:
        raise TargetError(
            f"unsupported broker URL scheme {scheme or '(none)'!r} in {mask_url(url)!r}: "
            "use amqp://, amqps://, redis:// or rediss://"
        )
    if not parts.hostname:
        raise TargetError(f"broker URL {mask_url(url)!r} names no host")
    try:
        port = parts.port or AMQP_SCHEMES.get(scheme) or REDIS_SCHEMES[scheme]
    except ValueError as exc:
        raise TargetError(f"broker URL {mask_url(url)!r} has an invalid port") from exc
    path = parts.path[1:] if parts.path.startswith("/") else parts.path
    endpoint = Endpoint(
        scheme="amqp" if scheme == "pyamqp" else scheme,
        host=parts.hostname,
        port=port,
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
    )
    if scheme in REDIS_SCHEMES:
        return replace(endpoint, db=_parse_redis_db(path, url))
    return replace(endpoint, username=endpoint.username or "guest", vhost=unquote(path) or "/")


def _parse_redis_db(path: str, url: str) -> int:
    if not path:
        return 0
    try:
        return int(path.strip("/"))
    except ValueError as exc:
        raise TargetError(f"Redis URL {mask_url(url)!r}: database must be a number") from exc


def parse_broker_url(url: str, *, password: str | None = None, vhost: str | None = None):
    """Split a failover list into endpoints; `password`/`vhost` override every element."""
    elements = [part for part in url.split(";") if part.strip()]
    if not elements:
        raise TargetError("no broker URL given")
    endpoints = [parse_endpoint(part) for part in elements]
    if len({endpoint.is_redis for endpoint in endpoints}) > 1:
        raise TargetError("a failover list cannot mix AMQP and Redis URLs")
    if password is not None:
        endpoints = [replace(endpoint, password=password) for endpoint in endpoints]
    if vhost:
        endpoints = [replace(endpoint, vhost=vhost) for endpoint in endpoints]
    return endpoints


def parse_management_url(
    url: str, *, default: Endpoint, username: str | None = None, password: str | None = None
) -> ManagementTarget:
    """Parse the management API URL; credentials default to the broker URL's."""
    parts = _split(url.strip(), "management URL")
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise TargetError(f"management URL {mask_url(url)!r} must be http(s)://host[:port]")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as exc:
        raise TargetError(f"management URL {mask_url(url)!r} has an invalid port") from exc
    return ManagementTarget(
        scheme=scheme,
        host=parts.hostname,
        port=port,
        username=username or unquote(parts.username or "") or default.username,
        password=password or unquote(parts.password or "") or default.password,
        path=parts.path.rstrip("/"),
    )


def masked_target(endpoints: list[Endpoint]) -> str:
    """The run's target as shown everywhere: the failover list with passwords masked."""
    return ";".join(endpoint.masked for endpoint in endpoints)
