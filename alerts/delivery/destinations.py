"""Where a delivery may go: webhook URLs parsed and normalised, and the addresses they may reach.

A project's webhook URL is typed by a person and then used by the worker inside our network,
so it must not become a way to reach the database, the cloud metadata service or anything else
that only trusts local callers (server-side request forgery). The rule, checked when the URL is
saved **and** again at every send:

- ``http`` or ``https`` only (``https`` only outside development), no login details, no
  ``#``; the host name is IDNA-encoded (UTS #46, the ``idna`` package) and the path and query
  percent-encoded, so what is stored is plain ASCII a request line can carry;
- an address is refused unless it is global unicast: loopback, private (RFC 1918, unique
  local), shared (100.64/10), link-local (169.254/16 with the metadata service, fe80::/10),
  multicast, reserved, documentation and unspecified addresses are all refused;
- every spelling of an IPv4 address that a resolver accepts is read as that address first —
  decimal (``2130706433``), hexadecimal (``0x7f000001``), octal (``0177.0.0.1``), short forms
  (``127.1``) — and IPv6 addresses that carry an IPv4 address (``::ffff:127.0.0.1``, 6to4,
  NAT64) are judged by the IPv4 address they carry;
- a host name is resolved and refused if **any** of its addresses is refused; at send the
  request then connects to one of exactly those checked addresses (never resolving again), so
  a name that answers differently the second time (DNS rebinding) gains nothing;
- ``UGLY_MUGS_WEBHOOK_ALLOWED_PRIVATE_HOSTS`` names hosts (as written in the URL) that may be
  private, for tests and closed networks.

No Flask here.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import idna

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# Characters a path or query may hold as they are (RFC 3986 unreserved, sub-delims, ":" "@" "/" "?").
_KEEP = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/?")
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")
# A host that looks numeric (digits, hex digits, x, dots): resolvers read it as an IPv4 address.
_NUMERIC_HOST = re.compile(r"^[0-9a-fx.]+$", re.IGNORECASE)
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
# Names that always mean this machine or its local network (RFC 6761, RFC 6762, RFC 8375).
_LOCAL_SUFFIXES = ("localhost", ".localhost", ".local", ".internal", ".home.arpa", ".localdomain")
RESOLVE_SECONDS = 3.0


class RefusedDestination(ValueError):
    """The destination may not be used; the message says why in words for the person who typed
    it, and names no address (it is also stored as a delivery's reason)."""


@dataclass(frozen=True)
class AddressPolicy:
    """Which destinations webhooks may reach.

    ``allowed_private_hosts``: hosts, lower-case as they appear in a normalised URL (an IDNA
    name or an IP address in its usual spelling), allowed to be private or local.
    ``require_https``: refuse ``http://`` (outside development).
    """

    allowed_private_hosts: frozenset[str] = frozenset()
    require_https: bool = False

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> AddressPolicy:
        """From UGLY_MUGS_WEBHOOK_ALLOWED_PRIVATE_HOSTS (comma-separated) and UGLY_MUGS_ENV."""
        raw = config.get("WEBHOOK_ALLOWED_PRIVATE_HOSTS") or ""
        names = raw.split(",") if isinstance(raw, str) else list(raw)
        hosts = set()
        for name in names:
            name = str(name).strip().lower().rstrip(".")
            if name:
                literal = ip_literal(name)
                hosts.add(str(literal) if literal is not None else name)
        return cls(frozenset(hosts), require_https=config.get("UGLY_MUGS_MODE") == "production")

    def allows_private(self, host: str) -> bool:
        return host in self.allowed_private_hosts


@dataclass(frozen=True)
class WebURL:
    """A normalised webhook URL: ASCII throughout, the host an IDNA name or an IP address."""

    scheme: str
    host: str
    port: int
    target: str  # path and query, percent-encoded, as sent on the request line
    address: IPAddress | None  # the host when it is an IP address, in whatever spelling it was written

    @property
    def url(self) -> str:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = "" if self.port == default else f":{self.port}"
        return f"{self.scheme}://{host}{port}{self.target}"

    @property
    def origin(self) -> str:
        """``scheme://host:port``: what one destination is, for backing off and for lanes."""
        return f"{self.scheme}://{self.host}:{self.port}"


def ip_literal(host: str) -> IPAddress | None:
    """The address ``host`` spells, in any spelling a resolver accepts, or None for a name.

    IPv4 in decimal, hexadecimal, octal and short forms (as ``inet_aton`` reads them: what
    ``getaddrinfo`` would connect to) and IPv6 (without brackets; a zone is not an address)."""
    host = host.strip().rstrip(".")
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host)
        except ValueError:
            return None
    if host and _NUMERIC_HOST.match(host) and any(c.isdigit() for c in host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def refusal(address: IPAddress) -> str | None:
    """Why ``address`` may not be reached (a few words), or None for a global unicast address."""
    if isinstance(address, ipaddress.IPv6Address):
        carried = address.ipv4_mapped or address.sixtofour
        if carried is None and address in _NAT64:
            carried = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if carried is not None:
            return refusal(carried)
    for test, why in (
        ("is_unspecified", "unspecified"),
        ("is_loopback", "loopback"),
        ("is_link_local", "link-local"),
        ("is_multicast", "multicast"),
        ("is_reserved", "reserved"),
        ("is_private", "private"),
    ):
        if getattr(address, test):
            return why
    if not address.is_global:
        return "not public"
    return None


def _encode_part(text: str) -> str:
    """Percent-encode what a request line may not carry (UTF-8), keeping valid ``%XX`` escapes."""
    out = []
    i = 0
    while i < len(text):
        if _PERCENT.match(text, i):
            out.append(text[i : i + 3].upper())
            i += 3
            continue
        char = text[i]
        if char in _KEEP:
            out.append(char)
        else:
            out.extend(f"%{b:02X}" for b in char.encode("utf-8"))
        i += 1
    return "".join(out)


def _ascii_host(host: str) -> str:
    try:
        ascii_host = idna.encode(host, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        raise RefusedDestination("The address must name a valid host name.") from None
    labels = ascii_host.lower().split(".")
    if len(ascii_host) > 253 or not all(_LABEL.match(label) for label in labels):
        raise RefusedDestination("The address must name a valid host name.")
    if labels[-1].isdigit():
        raise RefusedDestination("The address must name a valid host name.")
    return ascii_host.lower()


def parse_url(raw: str, policy: AddressPolicy) -> WebURL:
    """``raw`` checked and normalised (no address is looked up); ``RefusedDestination`` if unusable."""
    url = raw.strip()
    if not url or len(url) > 500 or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        raise RefusedDestination("Enter a web address of at most 500 characters without spaces.")
    if "\\" in url:
        raise RefusedDestination("The address must not contain a backslash.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise RefusedDestination("The port in the address is not a number from 1 to 65535.") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or (policy.require_https and scheme != "https"):
        raise RefusedDestination(
            "The address must start with https://."
            if policy.require_https
            else "The address must start with https:// (or http://)."
        )
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise RefusedDestination("Leave login details out of the address; the signature authenticates each request.")
    if parts.fragment or url.endswith("#"):
        raise RefusedDestination("Leave out the # part of the address.")
    if port == 0:
        raise RefusedDestination("The port in the address is not a number from 1 to 65535.")
    raw_host = (parts.hostname or "").rstrip(".")
    if not raw_host:
        raise RefusedDestination("The address must name a valid host name.")
    if parts.netloc.startswith("["):
        if "%" in raw_host:
            raise RefusedDestination("The address must name a valid host name.")
        address = ip_literal(raw_host)
        if not isinstance(address, ipaddress.IPv6Address):
            raise RefusedDestination("The address must name a valid host name.")
        host = str(address)
    else:
        address = ip_literal(raw_host)
        host = str(address) if address is not None else _ascii_host(raw_host)
    target = _encode_part(parts.path or "/")
    if parts.query:
        target += "?" + _encode_part(parts.query)
    return WebURL(scheme, host, port or (443 if scheme == "https" else 80), target, address)


def _is_local_name(host: str) -> bool:
    return host == "localhost" or host.endswith(_LOCAL_SUFFIXES)


def _lookup(host: str, port: int, seconds: float) -> list[IPAddress] | None:
    """The addresses ``host`` resolves to, or None when it cannot be resolved within ``seconds``.

    ``getaddrinfo`` has no timeout of its own: it runs in a thread that is left to finish by itself."""
    found: dict[str, Any] = {}

    def resolve() -> None:
        try:
            found["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            found["error"] = exc

    thread = threading.Thread(target=resolve, name="resolve", daemon=True)
    thread.start()
    thread.join(max(seconds, 0.01))
    if "infos" not in found:
        return None
    addresses: list[IPAddress] = []
    for family, _type, _proto, _name, sockaddr in found["infos"]:
        if family in (socket.AF_INET, socket.AF_INET6):
            address = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
            if address not in addresses:
                addresses.append(address)
    return addresses


def _check_all(addresses: Iterable[IPAddress]) -> None:
    for address in addresses:
        why = refusal(address)
        if why is not None:
            raise RefusedDestination(
                f"Alerts cannot be sent to this address: it leads to a {why} network address, not to a public server."
            )


def check_entry(raw: str, policy: AddressPolicy) -> WebURL:
    """What a person typed, as stored: normalised, and refused if it reaches an address it may not.

    A host name that does not resolve now is accepted (it is checked again at every send);
    a name that resolves to any refused address is refused. Raises ``RefusedDestination``."""
    url = parse_url(raw, policy)
    if policy.allows_private(url.host):
        return url
    if url.address is not None:
        _check_all([url.address])
        return url
    if _is_local_name(url.host):
        raise RefusedDestination("Alerts cannot be sent to this address: it names this machine or its local network.")
    _check_all(_lookup(url.host, url.port, RESOLVE_SECONDS) or [])
    return url


def addresses_to_connect(url: WebURL, policy: AddressPolicy, seconds: float) -> list[IPAddress]:
    """The checked addresses a send may connect to (at least one), resolved once within ``seconds``.

    Raises ``RefusedDestination`` when the host is a refused address, resolves to one, or
    cannot be resolved in time."""
    if url.address is not None:
        if not policy.allows_private(url.host):
            _check_all([url.address])
        return [url.address]
    if _is_local_name(url.host) and not policy.allows_private(url.host):
        raise RefusedDestination("the address names this machine or its local network")
    addresses = _lookup(url.host, url.port, seconds)
    if not addresses:
        raise RefusedDestination("the host name could not be resolved")
    if not policy.allows_private(url.host):
        _check_all(addresses)
    return addresses
