"""Which hosts a run may talk to, decided before any packet is sent.

Live checks open connections on behalf of whoever fills in the form, so the
site must not become a port scanner for its own network. Every target (each
failover node, the management API host) is resolved first and *every*
resolved address must be allowed; the run then connects to the address it
checked, never to the name again, so a name cannot rebind to an internal
address between the check and the connection.

`KB_BROKER_ALLOWED_HOSTS` entries are addresses (`10.0.0.5`), networks
(`10.0.0.0/24`), host names (`rabbit.internal`: trusted by name, whatever
they resolve to) or suffixes (`*.mq.example.com`). The default is loopback.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass

SETTING = "KB_BROKER_ALLOWED_HOSTS"


class HostNotAllowed(Exception):
    """A target is outside the allowlist; the message names the setting."""


class HostUnresolvable(Exception):
    """A target's name does not resolve (a reachability finding, not a refusal)."""


@dataclass(frozen=True)
class Allowlist:
    """Parsed allowlist: networks and host-name patterns."""

    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    names: tuple[str, ...]

    @classmethod
    def from_entries(cls, entries: list[str]) -> Allowlist:
        networks, names = [], []
        for raw in entries:
            entry = raw.strip().strip("[]")
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                names.append(entry.lower().rstrip("."))
        return cls(tuple(networks), tuple(names))

    def allows_name(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        for name in self.names:
            if name == host or (name.startswith("*.") and host.endswith(name[1:])):
                return True
        return False

    def allows_address(self, address: str) -> bool:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        mapped = getattr(ip, "ipv4_mapped", None)
        candidates = [ip] if mapped is None else [ip, mapped]
        return any(candidate in network for candidate in candidates for network in self.networks)


def load_allowlist() -> Allowlist:
    """The allowlist from settings (read on every call: tests override settings)."""
    from django.conf import settings

    return Allowlist.from_entries(list(getattr(settings, SETTING, ["127.0.0.0/8", "::1"])))


def resolve_host(host: str, port: int) -> list[str]:
    """All addresses `host` resolves to (TCP), in resolver order, without duplicates."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise HostUnresolvable(f"DNS lookup of {host!r} failed: {exc.strerror or exc}") from exc
    addresses: list[str] = []
    for info in infos:
        address = str(info[4][0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def authorize_host(host: str, port: int, allowlist: Allowlist | None = None) -> list[str]:
    """Resolve `host` and return its addresses if every one is allowed.

    Raises:
        HostNotAllowed: the name or one of its addresses is outside the allowlist.
        HostUnresolvable: the name does not resolve.
    """
    allowlist = allowlist or load_allowlist()
    addresses = resolve_host(host, port)
    if allowlist.allows_name(host):
        return addresses
    refused = [address for address in addresses if not allowlist.allows_address(address)]
    if refused:
        shown = host if refused == [host] else f"{host} ({', '.join(refused)})"
        raise HostNotAllowed(
            f"host {shown} is not in {SETTING}; add the host name, address or network "
            f"to that setting to allow live checks against it"
        )
    return addresses
