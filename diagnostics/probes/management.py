"""RabbitMQ management HTTP API probe (GET requests only).

The management API is the only remote source of a queue's type, arguments
and flags (AMQP never returns them). Only GETs are sent, and never
`/api/aliveness-test/` (it declares a queue named `aliveness-test` and leaves
it behind). Fields relied on, checked on RabbitMQ 3.10:

    GET /api/overview                 {"rabbitmq_version": "3.10.8", ...}
    GET /api/health/checks/alarms     200 {"status":"ok"} | 503 {"alarms":[{"node","resource"}]}
    GET /api/queues/{vhost}/{name}    {"type","arguments","durable","auto_delete","exclusive",
                                       "consumers","messages_ready","messages_unacknowledged"}
    GET /api/exchanges/{vhost}        [{"name","type",...}]
    GET /api/bindings/{vhost}         [{"source","destination","destination_type",...}]

Queue counters are absent for about 5 s after a queue is created; callers
treat a missing counter as unknown, not zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests

from diagnostics.probes.targets import ManagementTarget, TlsOptions


class ManagementError(Exception):
    """The API could not be read: `kind` is refused | timeout | unauthorized | http | tls."""

    def __init__(self, kind: str, detail: str):
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


@dataclass
class ManagementClient:
    """A GET-only client bound to one allowed address of the management host."""

    target: ManagementTarget
    address: str
    timeout: float
    tls: TlsOptions = TlsOptions()

    def __post_init__(self) -> None:
        self.session = requests.Session()
        self.session.auth = (self.target.username, self.target.password)
        self.session.trust_env = False  # no proxy: we talk to the address we allowed

    def _base(self) -> str:
        # TLS verification needs the name (resolved and allowed just before); plain HTTP
        # goes to the allowed address itself.
        host = self.target.host if self.target.scheme == "https" else self.address
        host = f"[{host}]" if ":" in host else host
        return f"{self.target.scheme}://{host}:{self.target.port}{self.target.path}"

    def get(self, path: str, *, ok_statuses: tuple[int, ...] = (200,)) -> tuple[int, Any]:
        """GET `path` (under /api); returns (status, decoded JSON)."""
        if "aliveness-test" in path:
            raise ValueError("the aliveness test leaves a queue behind; live checks never call it")
        headers = {"Host": self.target.host, "Accept": "application/json"}
        verify: bool | str = (self.tls.ca_file or True) if self.tls.verify else False
        try:
            response = self.session.get(
                self._base() + "/api" + path, headers=headers, timeout=self.timeout, verify=verify
            )
        except requests.exceptions.SSLError as exc:
            raise ManagementError("tls", f"TLS with {self.target.masked} failed: {exc}") from exc
        except requests.exceptions.Timeout as exc:
            raise ManagementError(
                "timeout", f"{self.target.masked} did not answer within {self.timeout:g} s"
            ) from exc
        except requests.exceptions.ConnectionError as exc:
            raise ManagementError("refused", f"cannot reach {self.target.masked}") from exc
        if response.status_code == 401:
            raise ManagementError(
                "unauthorized", f"{self.target.masked} refused user {self.target.username!r} (401)"
            )
        if response.status_code not in ok_statuses + (404,):
            raise ManagementError(
                "http", f"GET /api{path} answered {response.status_code}: {response.text[:200]}"
            )
        try:
            return response.status_code, response.json()
        except ValueError as exc:
            raise ManagementError("http", f"GET /api{path} did not answer JSON") from exc

    def overview(self) -> dict[str, Any]:
        return self.get("/overview")[1]

    def alarms(self) -> list[dict[str, Any]]:
        """Alarms in effect in the cluster ([] when none)."""
        status, body = self.get("/health/checks/alarms", ok_statuses=(200, 503))
        return list(body.get("alarms") or []) if status == 503 else []

    def queue(self, vhost: str, name: str) -> dict[str, Any] | None:
        status, body = self.get(f"/queues/{_q(vhost)}/{_q(name)}")
        return None if status == 404 else body

    def queues(self, vhost: str, columns: str = "name,consumers,exclusive") -> list[dict[str, Any]]:
        return self._listing(f"/queues/{_q(vhost)}?columns={columns}")

    def exchanges(self, vhost: str) -> list[dict[str, Any]]:
        return self._listing(f"/exchanges/{_q(vhost)}")

    def bindings(self, vhost: str) -> list[dict[str, Any]]:
        return self._listing(f"/bindings/{_q(vhost)}")

    def policies(self, vhost: str) -> list[dict[str, Any]]:
        return self._listing(f"/policies/{_q(vhost)}")

    def vhost_exists(self, vhost: str) -> bool:
        return self.get(f"/vhosts/{_q(vhost)}")[0] == 200

    def _listing(self, path: str) -> list[dict[str, Any]]:
        status, body = self.get(path)
        if status == 404:
            raise ManagementError("http", f"GET /api{path}: vhost not found (404)")
        return list(body)

    def close(self) -> None:
        self.session.close()


def _q(part: str) -> str:
    return quote(part, safe="")
