"""Which hosts a run may talk to, decided before any packet is sent.

Live checks open connections on behalf of whoever fills in the form, so the
site must not become a port scanner for its own network. Every target (each
failover node, the management API host) is resolved first and *every*
resolved address must be allowed; the run then connects to the address it
checked, never to the name again, so a name cannot rebind to an internal
address between the check and the connection.

`KB_BROKER_ALLOWED_HOSTS` entries are addresses (`10.0.0.5`), networks
(`10.0.0.0/24`), host names (`rabbit.internal`) or suffixes
(`*.mq.example.com`). A name allowed by name may resolve to any ordinary
address, but never to a loopback, link-local (cloud metadata), unspecified,
multicast or reserved one unless that address is allowed too: a rebound name
must not reach the web host itself. The default is loopback.

DNS has a deadline of its own (`DNS_TIMEOUT`): a resolver that never answers
ends the check instead of hanging the run.
"""

from __future__ import annotations

import ipaddress
import socket
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

SETTING = "KB_BROKER_ALLOWED_HOSTS"
DNS_TIMEOUT = 5.0
# getaddrinfo cannot be interrupted: it runs here, and a stuck lookup only holds a thread.
_resolver = ThreadPoolExecutor(max_workers=4, thread_name_prefix="kb-dns")


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


def is_special(address: str) -> bool:
    """Addresses a host allowed by name must not resolve to (rebinding targets)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    ip = getattr(ip, "ipv4_mapped", None) or ip
    return (
        ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_multicast or ip.is_reserved
    )


def load_allowlist() -> Allowlist:
    """The allowlist from settings (read on every call: tests override settings)."""
    from django.conf import settings

    return Allowlist.from_entries(list(getattr(settings, SETTING, ["127.0.0.0/8", "::1"])))


def resolve_host(host: str, port: int, timeout: float = DNS_TIMEOUT) -> list[str]:
    """All addresses `host` resolves to (TCP), in resolver order, without duplicates."""
    lookup = _resolver.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    try:
        infos = lookup.result(timeout=timeout)
    except FutureTimeout as exc:
        raise HostUnresolvable(f"DNS lookup of {host!r} timed out after {timeout:g} s") from exc
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
        special = [a for a in addresses if is_special(a) and not allowlist.allows_address(a)]
        if special:
            raise HostNotAllowed(
                f"host {host} is allowed by name in {SETTING} but resolves to "
                f"{', '.join(special)} (loopback, link-local or another special address); "
                f"add that address to {SETTING} if this is intended"
            )
        return addresses
    refused = [address for address in addresses if not allowlist.allows_address(address)]
    if refused:
        shown = host if refused == [host] else f"{host} ({', '.join(refused)})"
        raise HostNotAllowed(
            f"host {shown} is not in {SETTING}; add the host name, address or network "
            f"to that setting to allow live checks against it"
        )
    return addresses
