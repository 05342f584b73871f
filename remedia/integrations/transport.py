"""How a webhook leaves Remedia: address checks against SSRF, then one POST.

A receiver's URL is checked when it is registered and again before every
attempt, because a name that resolved to a public address yesterday may
resolve to 127.0.0.1 or the cloud's metadata address today (DNS rebinding).
At send time the host is resolved once, every address it resolves to is
checked, and the connection goes to the checked address itself, never to the
name again; TLS still verifies the certificate for the name (SNI) and the
`Host` header carries it. No redirect is followed, timeouts are short and the
response body is never read.

An operator may allow hosts inside the network (`REMEDIA_WEBHOOK_ALLOWED_HOSTS`:
host names, addresses or CIDR blocks): those skip the address check and may use
plain HTTP, which is otherwise allowed only with `REMEDIA_DEBUG` on.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

CONNECT_TIMEOUT = 5.0
TOTAL_TIMEOUT = 10.0
USER_AGENT = "Remedia-Webhooks/1"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressRefused(Exception):
    """The URL may not be called; `reason` says why, in the user's language."""

    def __init__(self, reason: Any) -> None:
        super().__init__(str(reason))
        self.reason = reason


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]


def _allowed_entries() -> tuple[
    set[str], list[ipaddress.IPv4Network | ipaddress.IPv6Network]
]:
    names: set[str] = set()
    networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
    for entry in getattr(settings, "REMEDIA_WEBHOOK_ALLOWED_HOSTS", []) or []:
        text = str(entry).strip().lower()
        if not text:
            continue
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            names.add(text.rstrip("."))
    return names, networks


def _public(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def _resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        raise AddressRefused(_("El nombre del servidor no se pudo resolver.")) from None
    addresses: list[str] = []
    for info in infos:
        address = str(info[4][0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise AddressRefused(_("El nombre del servidor no se pudo resolver."))
    return addresses


def target_check(url: str) -> Target:
    """The URL parsed and its host resolved, every address checked.

    Raises `AddressRefused` for a URL that is not HTTPS (outside debug and
    the allow-list), carries credentials, or names or resolves to a private,
    loopback, link-local, multicast or reserved address.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise AddressRefused(_("No es una dirección web válida.")) from None
    scheme = (parts.scheme or "").lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if scheme not in ("http", "https") or not host:
        raise AddressRefused(_("No es una dirección web válida."))
    if parts.username or parts.password:
        raise AddressRefused(_("La dirección no puede llevar usuario ni contraseña."))
    port = port or (443 if scheme == "https" else 80)
    names, networks = _allowed_entries()
    addresses = _resolve(host, port)
    ips = [ipaddress.ip_address(a.split("%", 1)[0]) for a in addresses]
    allowed = host in names or (
        bool(networks) and all(any(ip in net for net in networks) for ip in ips)
    )
    if scheme != "https" and not (settings.DEBUG or allowed):
        raise AddressRefused(_("La dirección debe usar HTTPS."))
    if not allowed and not all(_public(ip) for ip in ips):
        raise AddressRefused(
            _(
                "La dirección lleva a una red privada, local o reservada; "
                "Remedia no envía avisos ahí."
            )
        )
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(
        scheme=scheme, host=host, port=port, path=path, addresses=tuple(addresses)
    )


# --- Sending ---------------------------------------------------------------------------


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to an address already checked, whatever the name resolves to now."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to a checked address; the certificate is verified for the host name."""

    def __init__(
        self, host: str, port: int, *, address: str, timeout: float, context: Any
    ) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(  # type: ignore[attr-defined]
            sock, server_hostname=self.host
        )


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    latency_ms: int
    error: str = ""
    retry_after: int | None = None


def retry_after_seconds(value: str | None) -> int | None:
    """`Retry-After` as seconds: a number of seconds or an HTTP date."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return int(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0, int((when - timezone.now()).total_seconds()))


def post(url: str, body: bytes, headers: dict[str, str]) -> Outcome:
    """One POST, with the address checks; never raises for the receiver's sake."""
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        target = target_check(url)
    except AddressRefused:
        return Outcome(status_code=None, latency_ms=elapsed(), error="AddressRefused")
    address = target.addresses[0]
    connection: http.client.HTTPConnection
    if target.scheme == "https":
        connection = _PinnedHTTPSConnection(
            target.host,
            target.port,
            address=address,
            timeout=CONNECT_TIMEOUT,
            context=ssl.create_default_context(),
        )
    else:
        connection = _PinnedHTTPConnection(
            target.host, target.port, address=address, timeout=CONNECT_TIMEOUT
        )
    try:
        connection.connect()
        remaining = max(0.1, TOTAL_TIMEOUT - (time.monotonic() - started))
        if connection.sock is not None:
            connection.sock.settimeout(remaining)
        connection.request(
            "POST",
            target.path,
            body=body,
            headers={**headers, "User-Agent": USER_AGENT},
        )
        response = connection.getresponse()
        return Outcome(
            status_code=response.status,
            latency_ms=elapsed(),
            retry_after=retry_after_seconds(response.getheader("Retry-After")),
        )
    except TimeoutError:
        return Outcome(status_code=None, latency_ms=elapsed(), error="Timeout")
    except ssl.SSLError:
        return Outcome(status_code=None, latency_ms=elapsed(), error="TLSError")
    except (ConnectionError, OSError):
        return Outcome(status_code=None, latency_ms=elapsed(), error="ConnectionError")
    except http.client.HTTPException:
        return Outcome(status_code=None, latency_ms=elapsed(), error="ProtocolError")
    finally:
        connection.close()
