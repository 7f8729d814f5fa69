"""Server-side request forgery guard: which addresses a webhook may reach, and pinning to them.

A webhook URL is chosen by a user and requested by the server, so without a guard anyone could
make the server call its own admin ports, the cloud metadata service (169.254.169.254) or the
private network behind it. :func:`check_url` resolves the host, refuses the URL unless every
address is public (or in an explicitly allowed network), and returns the address to connect to.
The request then goes to that very address (:class:`ResolvedTarget`), so a DNS answer that
changes between the check and the connection (DNS rebinding) cannot redirect it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

import httpx

from gw2wvw.events.errors import ForbiddenTarget
from gw2wvw.store.errors import ErrorDetail, ValidationFailed
from gw2wvw.store.webhooks import UrlCheck

IPAddress = IPv4Address | IPv6Address
Network = IPv4Network | IPv6Network

Resolver = Callable[[str, int], Awaitable[Sequence[str]]]
"""Resolves ``(host, port)`` to address strings; the default asks the system resolver."""

RESOLVE_TIMEOUT = 5.0
"""Seconds a name may take to resolve."""

_DEFAULT_PORTS = {"http": 80, "https": 443}
_HOST_NAME = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)(\.(?!-)[a-z0-9_-]{1,63}(?<!-))*")


def _nets(*pairs: tuple[str, str]) -> tuple[tuple[Network, str], ...]:
    return tuple((ipaddress.ip_network(cidr), label) for cidr, label in pairs)


# Explicit tables rather than ``ip.is_global``: what the standard library calls global changed
# between Python versions (3.11 counts multicast, 192.0.0.8 and fec0::/10 as global).
_REFUSED_V4 = _nets(
    ("0.0.0.0/8", "unspecified"),
    ("10.0.0.0/8", "private"),
    ("100.64.0.0/10", "carrier-grade NAT"),
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link-local"),
    ("172.16.0.0/12", "private"),
    ("192.0.0.0/24", "reserved"),
    ("192.0.2.0/24", "documentation"),
    ("192.88.99.0/24", "reserved"),
    ("192.168.0.0/16", "private"),
    ("198.18.0.0/15", "benchmarking"),
    ("198.51.100.0/24", "documentation"),
    ("203.0.113.0/24", "documentation"),
    ("224.0.0.0/4", "multicast"),
    ("240.0.0.0/4", "reserved"),
)
_REFUSED_V6 = _nets(
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
    ("64:ff9b:1::/48", "private"),
    ("100::/64", "reserved"),
    ("2001::/23", "reserved"),
    ("2001:db8::/32", "documentation"),
    ("3fff::/20", "documentation"),
    ("fc00::/7", "unique-local"),
    ("fe80::/10", "link-local"),
    ("fec0::/10", "site-local"),
    ("ff00::/8", "multicast"),
)
_GLOBAL_UNICAST_V6 = ipaddress.ip_network("2000::/3")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _embedded_ipv4(address: IPv6Address) -> IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, NAT64 or 6to4), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return IPv4Address(int(address) & 0xFFFF_FFFF)
    return address.sixtofour


def refusal(address: IPAddress, allowed: Iterable[Network] = ()) -> str | None:
    """Why ``address`` may not be requested (``"loopback"``, ...), or None if it may."""
    allowed = tuple(allowed)
    embedded = _embedded_ipv4(address) if isinstance(address, IPv6Address) else None
    for candidate in (address, embedded):
        if candidate is not None and any(
            candidate.version == net.version and candidate in net for net in allowed
        ):
            return None
    if isinstance(address, IPv4Address):
        return _label(address, _REFUSED_V4)
    if embedded is not None:
        # The IPv4 address is where the packets end up: judge that one.
        reason = _label(embedded, _REFUSED_V4)
        if reason is not None:
            return f"IPv4-embedding {reason}"
        if address.ipv4_mapped is not None or address in _NAT64:
            return None
    if address.scope_id:
        return "link-local"
    reason = _label(address, _REFUSED_V6)
    if reason is None and address not in _GLOBAL_UNICAST_V6:
        reason = "reserved"
    return reason


def _label(address: IPAddress, table: tuple[tuple[Network, str], ...]) -> str | None:
    for net, label in table:
        if address.version == net.version and address in net:
            return label
    return None


@dataclass(frozen=True)
class ResolvedTarget:
    """A checked webhook URL and the address it was checked at; request that address."""

    url: str
    scheme: str
    host: str
    port: int
    target: str
    address: IPAddress
    addresses: tuple[IPAddress, ...]

    @property
    def pinned_url(self) -> str:
        """The URL with the checked address in place of the host name."""
        # A zone (fe80::1%eth0) is written %25 inside a URL.
        literal = str(self.address).replace("%", "%25")
        shown = f"[{literal}]" if self.address.version == 6 else literal
        return f"{self.scheme}://{shown}:{self.port}{self.target}"

    @property
    def host_header(self) -> str:
        """The ``Host`` header the URL would have sent (the port only when not the default)."""
        host = f"[{self.host.replace('%', '%25')}]" if ":" in self.host else self.host
        if self.port == _DEFAULT_PORTS[self.scheme]:
            return host
        return f"{host}:{self.port}"

    @property
    def extensions(self) -> dict[str, str]:
        """httpx request extensions: for https, the name to send as SNI and verify against."""
        if self.scheme == "https" and not _is_literal(self.host):
            return {"sni_hostname": self.host}
        return {}


def _is_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


async def system_resolver(host: str, port: int) -> Sequence[str]:
    """Every address the system resolver gives for ``host`` (TCP)."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def _parse(url: str) -> tuple[str, str, int, str]:
    def invalid(why: str) -> ForbiddenTarget:
        return ForbiddenTarget("invalid_url", why, url)

    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as error:
        raise invalid(f"not a valid URL: {error}") from error
    if parsed.scheme not in _DEFAULT_PORTS:
        raise invalid("a webhook URL starts with http:// or https://")
    if not parsed.raw_host:
        raise invalid("a webhook URL names a host")
    if parsed.userinfo:
        # The request goes to a rebuilt URL; credentials would be dropped, or leak in logs.
        raise invalid("a webhook URL may not carry a user name or password")
    host = parsed.raw_host.decode("ascii").lower().rstrip(".")
    if host.count(":") >= 2:
        host = host.replace("%25", "%")  # an IPv6 literal's zone, as written in URLs
    if not _is_literal(host) and not _HOST_NAME.fullmatch(host):
        raise invalid(f"{host!r} is not a host name")
    port = parsed.port or _DEFAULT_PORTS[parsed.scheme]
    target = parsed.raw_path.decode("ascii") or "/"
    return parsed.scheme, host, port, target


def _address(text: str) -> IPAddress:
    # getaddrinfo gives IPv6 link-local addresses with a zone (fe80::1%eth0).
    address, _, zone = text.partition("%")
    parsed = ipaddress.ip_address(address)
    if zone and isinstance(parsed, IPv6Address):
        return IPv6Address(f"{address}%{zone}")
    return parsed


async def check_url(
    url: str,
    allowed_networks: Iterable[Network] = (),
    *,
    resolver: Resolver | None = None,
) -> ResolvedTarget:
    """Resolve ``url``'s host and return where to connect; raises :class:`ForbiddenTarget`.

    Every address the name resolves to must be public or inside ``allowed_networks``: checking
    only the first would let a name with one public and one private address through.
    """
    scheme, host, port, target = _parse(url)
    allowed = tuple(allowed_networks)
    if _is_literal(host):
        texts: Sequence[str] = [host]
    else:
        try:
            async with asyncio.timeout(RESOLVE_TIMEOUT):
                texts = await (resolver or system_resolver)(host, port)
        except (OSError, TimeoutError, UnicodeError) as error:
            raise ForbiddenTarget(
                "unresolvable_host", f"the host {host!r} does not resolve", url
            ) from error
        if not texts:
            raise ForbiddenTarget("unresolvable_host", f"the host {host!r} does not resolve", url)
    addresses = tuple(dict.fromkeys(_address(text) for text in texts))
    for address in addresses:
        reason = refusal(address, allowed)
        if reason is not None:
            shown = host if str(address) == host else f"{host} resolves to {address}, which"
            raise ForbiddenTarget(
                "forbidden_address",
                f"{shown} is not a public address ({reason}); webhooks may only target "
                "those, unless GW2WVW_WEBHOOK_ALLOWED_NETWORKS names its network",
                url,
            )
    return ResolvedTarget(url, scheme, host, port, target, addresses[0], addresses)


def url_check(
    allowed_networks: Iterable[Network] = (), *, resolver: Resolver | None = None
) -> UrlCheck:
    """A registration check for ``open_store(url_check=...)``: ValidationFailed at ``/url``."""
    allowed = tuple(allowed_networks)

    async def check(url: str) -> None:
        try:
            await check_url(url, allowed, resolver=resolver)
        except ForbiddenTarget as error:
            raise ValidationFailed([ErrorDetail("/url", error.code, error.message)]) from error

    return check
