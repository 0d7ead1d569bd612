"""A run's inputs, validated and authorised before any packet is sent.

`prepare_plan(request)` parses the URLs, resolves every target and checks it
against the allowlist, and parses the pasted config. It raises
`TargetError` / `HostNotAllowed` (the CLI exits 2, the API answers 400; a config
over KB_PASTE_MAX_BYTES, `ConfigTooLarge`, 413 like an oversized paste) so a
refused run never opens a socket to the broker.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from diagnostics.checks.allowlist import HostUnresolvable, authorize_host, load_allowlist
from diagnostics.checks.expectations import AppExpectations, read_expectations
from diagnostics.probes.targets import (
    Endpoint,
    ManagementTarget,
    TargetError,
    TlsOptions,
    masked_target,
    parse_broker_url,
    parse_management_url,
)
from diagnostics.redact import mask_url

MAX_QUEUES = 50
MAX_QUEUE_CHARS = 255  # AMQP's limit for a queue name
URL_MAX_CHARS = 1000  # the masked target is stored in CheckRun.target (1024 chars)
FIELD_MAX_CHARS = {
    "broker_url": URL_MAX_CHARS,
    "management_url": URL_MAX_CHARS,
    "password": 500,
    "management_user": 200,
    "management_password": 500,
    "vhost": 500,
}


class ConfigTooLarge(TargetError):
    """The pasted config is over KB_PASTE_MAX_BYTES: refused like an oversized paste (413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"The config is over the limit of {limit:,} bytes.")
        self.limit = limit


def config_too_large(config: str) -> bool:
    """Whether a pasted config is over KB_PASTE_MAX_BYTES (its UTF-8 bytes, a lone surrogate
    from JSON counted as it came): the API and the form refuse it alike."""
    return len(config.encode("utf-8", "surrogatepass")) > settings.KB_PASTE_MAX_BYTES


@dataclass
class CheckRequest:
    """What the user asked for. Holds secrets: lives in memory for the run only."""

    broker_url: str
    management_url: str | None = None
    management_user: str | None = None
    management_password: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)  # overrides the URL's
    vhost: str | None = None
    queues: list[str] = field(default_factory=list)
    config_text: str | None = None
    consumer_timeout_ms: int | None = None
    timeout: float = 15.0
    tls: TlsOptions = field(default_factory=TlsOptions)

    def __repr__(self) -> str:  # never show the URL's password, even in a traceback
        return f"CheckRequest(target={mask_url(self.broker_url)!r})"

    @classmethod
    def from_fields(
        cls, fields: Mapping[str, Any], *, timeout: float, ca_file: str | None = None
    ) -> CheckRequest:
        """The one request schema, for the form, the JSON API and the CLI alike.

        `fields` uses the JSON API's names: broker_url, password, management_url,
        management_user, management_password, vhost, queues (list), config,
        consumer_timeout_ms, tls_verify. Raises TargetError naming the bad field.
        `ca_file` (a path on this machine) is only for the command line.
        """

        def text(key: str) -> str | None:
            value = fields.get(key)
            if value is not None and not isinstance(value, str):
                raise TargetError(f"{key} must be a string")
            if value and key in FIELD_MAX_CHARS and len(value) > FIELD_MAX_CHARS[key]:
                raise TargetError(f"{key} is longer than {FIELD_MAX_CHARS[key]} characters")
            return value or None

        queues = fields.get("queues") or []
        if not isinstance(queues, list | tuple) or not all(isinstance(q, str) for q in queues):
            raise TargetError("queues must be a list of strings")
        if any(len(q) > MAX_QUEUE_CHARS or "\x00" in q for q in queues):
            raise TargetError(
                f"a queue name is longer than {MAX_QUEUE_CHARS} characters or has a NUL"
            )
        timeout_ms = fields.get("consumer_timeout_ms")
        if timeout_ms is not None and (
            not isinstance(timeout_ms, int) or isinstance(timeout_ms, bool)
        ):
            raise TargetError("consumer_timeout_ms must be a whole number")
        broker_url = text("broker_url")
        if not broker_url:
            raise TargetError("broker_url is required")
        tls_verify = fields.get("tls_verify", True)
        if not isinstance(tls_verify, bool):  # "no" must not silently mean "verify"
            raise TargetError("tls_verify must be true or false")
        config = text("config")
        if config and config_too_large(config):
            raise ConfigTooLarge(settings.KB_PASTE_MAX_BYTES)
        if config and not config.isascii():
            try:
                config.encode()
            except UnicodeEncodeError as exc:  # JSON's "\ud800": no text to parse or store
                raise TargetError("config is not valid UTF-8 (a lone surrogate)") from exc
        return cls(
            broker_url=broker_url,
            password=text("password"),
            management_url=text("management_url"),
            management_user=text("management_user"),
            management_password=text("management_password"),
            vhost=text("vhost"),
            queues=[q for q in queues if q][:MAX_QUEUES],
            config_text=config,
            consumer_timeout_ms=timeout_ms,
            timeout=timeout,
            tls=TlsOptions(ca_file=ca_file, verify=tls_verify),
        )


@dataclass
class Resolution:
    """Allowed addresses of one host, or why it could not be resolved."""

    addresses: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class RunPlan:
    """Everything a run needs, secrets included, after the allowlist said yes."""

    request: CheckRequest
    endpoints: list[Endpoint]
    resolutions: dict[tuple[str, int], Resolution]
    management: ManagementTarget | None
    expectations: AppExpectations

    @property
    def is_redis(self) -> bool:
        return self.endpoints[0].is_redis

    @property
    def vhost(self) -> str:
        return self.endpoints[0].vhost

    @property
    def target(self) -> str:
        return masked_target(self.endpoints)

    def resolution(self, host: str, port: int) -> Resolution:
        return self.resolutions[(host, port)]

    def queue_names(self) -> list[str]:
        """Queues to check: the user's, then the config's, without duplicates."""
        names = list(self.request.queues) + self.expectations.queue_names()
        return list(dict.fromkeys(name for name in names if name))[:MAX_QUEUES]

    def params(self) -> dict[str, Any]:
        """The run's parameters without any secret (stored with the CheckRun)."""
        request = self.request
        return {
            "target": self.target,
            "management_url": self.management.masked if self.management else None,
            "vhost": self.vhost if not self.is_redis else None,
            "queues": list(request.queues),
            "config_given": bool(request.config_text),
            "consumer_timeout_ms": request.consumer_timeout_ms,
            "timeout": request.timeout,
            "tls_verify": request.tls.verify,
        }


def prepare_plan(request: CheckRequest) -> RunPlan:
    """Parse, resolve and authorise every target; parse the config.

    Raises:
        TargetError: a URL or option is invalid.
        HostNotAllowed: a target is outside KB_BROKER_ALLOWED_HOSTS.
    """
    if not 0 < request.timeout <= 600:
        raise TargetError("timeout must be between 0 and 600 seconds")
    if request.consumer_timeout_ms is not None and request.consumer_timeout_ms <= 0:
        raise TargetError("consumer timeout must be a positive number of milliseconds")
    endpoints = parse_broker_url(request.broker_url, password=request.password, vhost=request.vhost)
    management = None
    if request.management_url:
        if endpoints[0].is_redis:
            raise TargetError("a management API URL only makes sense with an AMQP broker")
        management = parse_management_url(
            request.management_url,
            default=endpoints[0],
            username=request.management_user,
            password=request.management_password,
        )
    allowlist = load_allowlist()
    hosts = [(endpoint.host, endpoint.port) for endpoint in endpoints]
    if management:
        hosts.append((management.host, management.port))
    resolutions: dict[tuple[str, int], Resolution] = {}
    for host, port in dict.fromkeys(hosts):
        try:
            resolutions[(host, port)] = Resolution(authorize_host(host, port, allowlist))
        except HostUnresolvable as exc:
            resolutions[(host, port)] = Resolution(error=str(exc))
    expectations = read_expectations(request.config_text, vhost=endpoints[0].vhost)
    return RunPlan(request, endpoints, resolutions, management, expectations)
