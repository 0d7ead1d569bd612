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

Redirects are never followed (a 3xx is reported as the answer, with its
`Location`): a redirect could point anywhere, and only the allowed address is
ever contacted. Before the first request with credentials, one request
without them must show the peer is the RabbitMQ management API (a 401 with
RabbitMQ's `WWW-Authenticate` realm, or JSON with `rabbitmq_version`);
otherwise the client stops (`not-management`) and the password is never sent.

Queue counters are absent for about 5 s after a queue is created; callers
treat a missing counter as unknown, not zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests
import urllib3
from requests.adapters import HTTPAdapter

from diagnostics.probes.targets import ManagementTarget, TlsOptions


class ManagementError(Exception):
    """The API could not be read.

    `kind` is refused | timeout | unauthorized | http | tls | redirect | not-management.
    """

    def __init__(self, kind: str, detail: str, *, outcome: str, evidence: dict[str, Any]):
        super().__init__(detail)
        self.kind = kind
        self.detail = detail  # English, for logs; people read `outcome` + `evidence`
        self.outcome = outcome  # a key of diagnostics.present.OUTCOMES
        self.evidence = evidence


@dataclass
class ManagementClient:
    """A GET-only client bound to one allowed address of the management host."""

    target: ManagementTarget
    address: str
    timeout: float
    tls: TlsOptions = TlsOptions()

    def __post_init__(self) -> None:
        self.session = requests.Session()
        self.session.trust_env = False  # no proxy: we talk to the address we allowed
        if self.target.scheme == "https":
            self.session.mount("https://", _PinnedTlsAdapter(self.target.host))
        self.confirmed = False

    def _base(self) -> str:
        # Always the allowed address, never the name again (it could resolve elsewhere
        # now); for HTTPS the adapter sends the name as SNI and checks the certificate for it.
        host = self.address
        host = f"[{host}]" if ":" in host else host
        return f"{self.target.scheme}://{host}:{self.target.port}{self.target.path}"

    def get(self, path: str, *, ok_statuses: tuple[int, ...] = (200,)) -> tuple[int, Any]:
        """GET `path` (under /api); returns (status, decoded JSON)."""
        if "aliveness-test" in path:
            raise ValueError("the aliveness test leaves a queue behind; live checks never call it")
        if not self.confirmed:
            self.confirm()
        response = self._send(path, auth=(self.target.username, self.target.password))
        if response.status_code == 401:
            raise ManagementError(
                "unauthorized",
                f"{self.target.masked} refused user {self.target.username!r} (401)",
                outcome="management.unauthorized",
                evidence={"where": self.target.masked, "user": repr(self.target.username)},
            )
        if response.status_code not in ok_statuses + (404,):
            raise ManagementError(
                "http",
                f"GET /api{path} answered {response.status_code}: {response.text[:200]}",
                outcome="management.http-status",
                evidence={
                    "path": f"/api{path}",
                    "status_code": response.status_code,
                    "error": response.text[:200],
                },
            )
        try:
            return response.status_code, response.json()
        except ValueError as exc:
            raise ManagementError(
                "http",
                f"GET /api{path} did not answer JSON",
                outcome="management.not-json",
                evidence={"path": f"/api{path}"},
            ) from exc

    def confirm(self) -> None:
        """One GET without credentials: is this the RabbitMQ management API?"""
        response = self._send("/overview", auth=None)
        realm = response.headers.get("WWW-Authenticate", "")
        if response.status_code == 401 and "rabbitmq" in realm.lower():
            self.confirmed = True
            return
        if response.status_code == 200:
            try:
                body = response.json()
            except ValueError:
                body = None
            if isinstance(body, dict) and "rabbitmq_version" in body:
                self.confirmed = True
                return
        raise ManagementError(
            "not-management",
            f"port {self.target.port} of {self.target.host} answered HTTP "
            f"{response.status_code}, but not as the RabbitMQ management API "
            f"(no credentials were sent)",
            outcome="management.not-management",
            evidence={
                "port": self.target.port,
                "host": self.target.host,
                "status_code": response.status_code,
            },
        )

    def _send(self, path: str, *, auth: tuple[str, str] | None) -> requests.Response:
        """One GET, redirects not followed (a 3xx raises `redirect`)."""
        headers = {"Host": self.target.host, "Accept": "application/json"}
        verify: bool | str = (self.tls.ca_file or True) if self.tls.verify else False
        try:
            response = self.session.get(
                self._base() + "/api" + path,
                headers=headers,
                auth=auth,
                timeout=self.timeout,
                verify=verify,
                allow_redirects=False,
            )
        except requests.exceptions.SSLError as exc:
            raise ManagementError(
                "tls",
                f"TLS with {self.target.masked} failed: {exc}",
                outcome="management.tls",
                evidence={"where": self.target.masked, "error": str(exc)},
            ) from exc
        except requests.exceptions.Timeout as exc:
            raise ManagementError(
                "timeout",
                f"{self.target.masked} did not answer within {self.timeout:g} s",
                outcome="management.timeout",
                evidence={"where": self.target.masked, "timeout_s": f"{self.timeout:g}"},
            ) from exc
        except requests.exceptions.ConnectionError as exc:
            if isinstance(exc.args[0] if exc.args else None, urllib3.exceptions.ProtocolError):
                # the port accepted the connection, then dropped it without an HTTP answer:
                # something else listens there (the AMQP port, Redis)
                raise ManagementError(
                    "not-management",
                    f"port {self.target.port} of {self.target.host} accepted the connection "
                    f"but gave no HTTP answer: not the RabbitMQ management API (its port is "
                    f"usually 15672)",
                    outcome="management.not-http",
                    evidence={"port": self.target.port, "host": self.target.host},
                ) from exc
            raise ManagementError(
                "refused",
                f"cannot reach {self.target.masked}",
                outcome="management.unreachable",
                evidence={"where": self.target.masked},
            ) from exc
        if response.is_redirect or 300 <= response.status_code < 400:
            location = response.headers.get("Location", "")[:200]
            response.close()
            raise ManagementError(
                "redirect",
                f"GET /api{path} answered {response.status_code} redirecting to {location!r}; "
                f"live checks never follow redirects (point the management URL at the API itself)",
                outcome="management.redirect",
                evidence={
                    "path": f"/api{path}",
                    "status_code": response.status_code,
                    "location": repr(location),
                },
            )
        return response

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
            raise ManagementError(
                "http",
                f"GET /api{path}: vhost not found (404)",
                outcome="management.vhost-404",
                evidence={"path": f"/api{path}"},
            )
        return list(body)

    def close(self) -> None:
        self.session.close()


class _PinnedTlsAdapter(HTTPAdapter):
    """HTTPS to an address, with SNI and certificate checks for the host name."""

    def __init__(self, hostname: str):
        self._hostname = hostname
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["server_hostname"] = self._hostname
        kwargs["assert_hostname"] = self._hostname
        super().init_poolmanager(*args, **kwargs)


def _q(part: str) -> str:
    return quote(part, safe="")
