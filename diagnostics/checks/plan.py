"""A run's inputs, validated and authorised before any packet is sent.

`prepare_plan(request)` parses the URLs, resolves every target and checks it
against the allowlist, and parses the pasted config. It raises
`TargetError` / `HostNotAllowed` (the CLI exits 2, the API answers 400) so a
refused run never opens a socket to the broker.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from diagnostics.checks.allowlist import HostUnresolvable, authorize_host, load_allowlist
from diagnostics.checks.config import AppExpectations, read_expectations
from diagnostics.checks.targets import (
    Endpoint,
    ManagementTarget,
    TargetError,
    TlsOptions,
    masked_target,
    parse_broker_url,
    parse_management_url,
)
from diagnostics.redact import mask_url

DEFAULT_CONSUMER_TIMEOUT_MS = 1_800_000
MAX_QUEUES = 50


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
