"""Which hosts a run may talk to, decided before any packet is sent.

Live checks open connections on behalf of whoever fills in the form, so the
site must not become a port scanner for its own network.

`KB_BROKER_ALLOWED_HOSTS` entries are addresses (`10.0.0.5`), networks
(`10.0.0.0/24`), host names (`rabbit.internal`) or suffixes
(`*.mq.example.com`, which matches `a.mq.example.com` but neither
`mq.example.com` nor `evilmq.example.com`). The rules:

- An address literal is allowed when a listed network holds it.
- A name is allowed only when it is listed (by name or suffix). An unlisted
  name is refused *without a DNS lookup*: the resolver (and whoever runs the
  zone) never learns what was asked.
- A listed name is resolved and *every* address it resolves to must pass: an
  address in a listed network, or else an ordinary, globally routed one.
  Special-purpose addresses (the IANA special-purpose registries: loopback,
  private use, shared address space 100.64.0.0/10 with Alibaba's metadata
  100.100.100.200, link-local with 169.254.169.254, unique-local with AWS's
  fd00:ec2::254, documentation, benchmarking, multicast, reserved...) are
  refused unless a listed network holds them. So an internal broker is listed
  by name *and* network (`rabbit.internal,10.20.0.0/16`).
- An IPv6 address that carries an IPv4 address (IPv4-mapped `::ffff:a.b.c.d`,
  IPv4-compatible `::a.b.c.d`, 6to4 `2002::/16`, NAT64 `64:ff9b::/96`) is
  judged by the IPv4 address it carries, unless a listed network inside that
  embedding range holds it.

The run connects to the addresses checked here, never to the name again, so a
name cannot rebind to an internal address between the check and the
connection. DNS has a deadline of its own (`DNS_TIMEOUT`): a resolver that
never answers ends the check instead of hanging the run.
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

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# IANA IPv4/IPv6 Special-Purpose Address Registries, plus multicast (its own registry)
# and the deprecated IPv6 site-local and IPv4-compatible ranges. Python's `is_global`
# misses several of these (192.0.0.0/24, 64:ff9b:1::/48, ::/96, multicast).
SPECIAL_NETWORKS: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(net)
    for net in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.31.196.0/24",
        "192.52.193.0/24",
        "192.88.99.0/24",
        "192.168.0.0/16",
        "192.175.48.0/24",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "::/96",
        "::ffff:0:0/96",
        "64:ff9b::/96",
        "64:ff9b:1::/48",
        "100::/64",
        "2001::/23",
        "2001:db8::/32",
        "2002::/16",
        "2620:4f:8000::/48",
        "3fff::/20",
        "5f00::/16",
        "fc00::/7",
        "fe80::/10",
        "fec0::/10",
        "ff00::/8",
    )
)
# IPv6 ranges whose addresses carry an IPv4 address, and where it sits (bit offset from the right).
_MAPPED = ipaddress.ip_network("::ffff:0:0/96")
_COMPATIBLE = ipaddress.ip_network("::/96")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SIX_TO_FOUR = ipaddress.ip_network("2002::/16")
EMBEDDINGS: tuple[tuple[ipaddress.IPv6Network, int], ...] = (
    (_MAPPED, 0),
    (_COMPATIBLE, 0),
    (_NAT64, 0),
    (_SIX_TO_FOUR, 80),
)


class HostNotAllowed(Exception):
    """A target is outside the allowlist; the message names the setting."""


class HostUnresolvable(Exception):
    """A target's name does not resolve (a reachability finding, not a refusal)."""


def parse_address(text: str) -> IPAddress | None:
    """The address `text` spells (brackets and an IPv6 zone allowed), or None for a name."""
    try:
        return ipaddress.ip_address(text.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


def embedded_ipv4(ip: IPAddress) -> tuple[ipaddress.IPv4Address, ipaddress.IPv6Network] | None:
    """(IPv4 address carried by `ip`, the embedding range) for mapped/compatible/NAT64/6to4."""
    if ip.version != 6:
        return None
    for network, shift in EMBEDDINGS:
        if ip in network:
            return ipaddress.IPv4Address((int(ip) >> shift) & 0xFFFFFFFF), network
    return None


def is_special(address: str | IPAddress) -> bool:
    """Whether an address is special-purpose (see SPECIAL_NETWORKS) or carries one."""
    ip = parse_address(address) if isinstance(address, str) else address
    if ip is None:
        raise ValueError(f"not an address: {address!r}")
    return any(ip in network for network in SPECIAL_NETWORKS if network.version == ip.version)


@dataclass(frozen=True)
class Allowlist:
    """Parsed allowlist: networks, exact host names and suffixes (kept with their dot)."""

    networks: tuple[IPNetwork, ...]
    names: tuple[str, ...]
    suffixes: tuple[str, ...] = ()

    @classmethod
    def from_entries(cls, entries: list[str]) -> Allowlist:
        networks, names, suffixes = [], [], []
        for raw in entries:
            entry = raw.strip().strip("[]").lower().rstrip(".")
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                if entry.startswith("*."):
                    suffixes.append(entry[1:])  # ".mq.example.com"
                else:
                    names.append(entry)
        return cls(tuple(networks), tuple(names), tuple(suffixes))

    @property
    def is_empty(self) -> bool:
        return not (self.networks or self.names or self.suffixes)

    def allows_name(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        return host in self.names or any(host.endswith(suffix) for suffix in self.suffixes)

    def lists_address(self, ip: IPAddress) -> bool:
        """A listed network holds `ip` itself."""
        return any(ip in network for network in self.networks if network.version == ip.version)

    def permits(self, ip: IPAddress, *, by_name: bool) -> bool:
        """Whether a connection to `ip` is allowed; `by_name`: it came from a listed name."""
        carried = embedded_ipv4(ip)
        if carried is not None:
            ipv4, embedding = carried
            inside = [n for n in self.networks if n.version == 6 and n.subnet_of(embedding)]
            return any(ip in network for network in inside) or self.permits(ipv4, by_name=by_name)
        if self.lists_address(ip):
            return True
        return by_name and not is_special(ip)

    def allows_address(self, address: str) -> bool:
        """Whether an address literal may be contacted."""
        ip = parse_address(address)
        return ip is not None and self.permits(ip, by_name=False)


def load_allowlist() -> Allowlist:
    """The allowlist from settings (read on every call: tests override settings)."""
    from django.conf import settings

    return Allowlist.from_entries(list(getattr(settings, SETTING, [])))


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
    """The addresses to connect to for `host`, after the allowlist said yes to each one.

    Raises:
        HostNotAllowed: the name (before any lookup) or one of its addresses is refused.
        HostUnresolvable: the listed name does not resolve.
    """
    allowlist = load_allowlist() if allowlist is None else allowlist
    if allowlist.is_empty:
        raise HostNotAllowed(
            f"live checks are switched off on this site: {SETTING} is empty; the site's "
            f"operators can add the host name, address or network of your broker to it"
        )
    literal = parse_address(host)
    if literal is not None:
        if not allowlist.permits(literal, by_name=False):
            raise HostNotAllowed(
                f"host {host} is not in {SETTING}; add the address or its network "
                f"to that setting to allow live checks against it"
            )
        return [str(literal)]
    if not allowlist.allows_name(host):
        raise HostNotAllowed(
            f"host {host} is not in {SETTING}; add the host name (or a *.suffix) to that "
            f"setting to allow live checks against it (names are never looked up otherwise)"
        )
    addresses = resolve_host(host, port)
    refused = [a for a in addresses if not _permits_resolved(allowlist, a)]
    if refused:
        raise HostNotAllowed(
            f"host {host} is allowed by name in {SETTING} but resolves to "
            f"{', '.join(refused)} (loopback, private, link-local, metadata or another "
            f"special-purpose address); add that address or network to {SETTING} if this "
            f"is intended"
        )
    return addresses


def _permits_resolved(allowlist: Allowlist, address: str) -> bool:
    ip = parse_address(address)
    return ip is not None and allowlist.permits(ip, by_name=True)
