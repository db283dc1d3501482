"""Where a webhook may be sent: only to public addresses, so a registered URL cannot make our workers call
our own network (SSRF): the embedded Redis, a cloud metadata service, an admin page on loopback.

A URL is checked when it is registered and again at each delivery, after DNS: the delivery then connects
to the very address that was checked (screening/webhooks.py), so a name that resolves elsewhere a moment
later (a DNS rebind) changes nothing. An operator may allow internal destinations by name, address or
network in WEBHOOK_ALLOWED_HOSTS (a receiver on the same private network, or tests on 127.0.0.1).
"""

import contextlib
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from core.errors import ChainSleuthError

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
METADATA = frozenset(map(ipaddress.ip_address, ("169.254.169.254", "fd00:ec2::254")))
ADDRESSES_TRIED = 3  # of those a name resolves to, at most this many are tried (each may take the timeout)
ALLOW_HINT = "webhooks go to public addresses only; an operator may allow it in WEBHOOK_ALLOWED_HOSTS"
KINDS = (  # the first that holds names the refusal; is_private also holds for most of the ones before it
    ("unspecified", "is_unspecified"),
    ("loopback", "is_loopback"),
    ("link-local", "is_link_local"),
    ("multicast", "is_multicast"),
    ("private", "is_private"),
    ("reserved", "is_reserved"),
)


class DestinationRefused(ChainSleuthError):
    """The URL is malformed or points inside; the message says which and why."""


@dataclass(frozen=True)
class Destination:
    """A checked URL: where to connect (`addresses`, every one of them allowed) and what to ask for."""

    scheme: str
    host: str
    port: int
    target: str  # path and query, as sent in the request line
    addresses: tuple[str, ...]


def destination_check(url: str) -> Destination:
    """The URL's destination once every address its host resolves to is allowed; else DestinationRefused."""
    url = url.strip()
    if not url.isascii() or any(char.isspace() or not char.isprintable() for char in url):
        raise DestinationRefused(f"{url!r}: use ASCII without spaces or control characters (percent-encode them)")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise DestinationRefused(f"{url!r}: only http and https URLs are called")
    try:
        host, port = parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise DestinationRefused(f"{url!r}: the port is not a number from 1 to 65535") from None
    if not host:
        raise DestinationRefused(f"{url!r}: no host")
    if parts.username or parts.password:
        raise DestinationRefused(f"{url!r}: credentials in the URL are not sent; sign with the webhook secret")
    if port in _own_redis_ports():
        raise DestinationRefused(f"{host}:{port}: port {port} is our own Redis's; no webhook is sent to it")
    addresses = _resolved(host, port)
    for address in addresses:
        _address_check(host, address)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    tried = tuple(str(address) for address in addresses[:ADDRESSES_TRIED])
    return Destination(parts.scheme, host, port, target, tried)


def _resolved(host: str, port: int) -> list[IpAddress]:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise DestinationRefused(f"{host} does not resolve ({error})") from None
    unique = dict.fromkeys(ipaddress.ip_address(info[4][0].partition("%")[0]) for info in found)
    return list(unique)


def _address_check(host: str, address: IpAddress) -> None:
    if _allowed(host, address):
        return
    plain = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped else address
    if plain in METADATA:
        raise DestinationRefused(f"{host} is a cloud metadata address ({plain}): {ALLOW_HINT}")
    for kind, test in KINDS:
        if getattr(plain, test):
            raise DestinationRefused(f"{host} is a {kind} address ({plain}): {ALLOW_HINT}")
    if not plain.is_global:
        raise DestinationRefused(f"{host} is not a public address ({plain}): {ALLOW_HINT}")


def _allowed(host: str, address: IpAddress) -> bool:
    """Listed by name (any address it resolves to), or by an address or network the address lies in."""
    for entry in settings.WEBHOOK_ALLOWED_HOSTS:
        try:
            network = ipaddress.ip_network(entry, strict=False)
        except ValueError:
            if entry.lower().rstrip(".") == host.lower().rstrip("."):
                return True
            continue
        if address.version == network.version and address in network:
            return True
    return False


def _own_redis_ports() -> set[int]:
    """Refused whatever the allow-list says: no webhook has a reason to talk to a Redis."""
    ports = {settings.EMBEDDED_PORT}
    with contextlib.suppress(ValueError):  # settings checked REDIS_URL; no port to add otherwise
        ports.add(urlsplit(settings.REDIS_URL).port or 6379)
    return ports
