"""Reports by email from a mailbox: poll IMAP instead of listening for SMTP.

Where the organisation's mail is hosted elsewhere and nothing can be delivered
to `remedia smtpd`, the report address is an ordinary mailbox and Remedia
reads it: `remedia smtpd --imap` polls `REMEDIA_IMAP_URL`, hands each mail to
`channels.email.mail_receive` (the same parsing, report, receipt and answer as
the listener), then deletes it from the mailbox. The mailbox is the one place
a worker's text sits in plaintext outside Remedia, so each mail is deleted and
expunged as soon as it has been stored (or deliberately not stored and the
worker told why); a mail that fails to process stays for the next poll, as a
mail server keeps a mail answered 451.

    REMEDIA_IMAP_URL=imaps://denuncias%40example.org:secret@imap.example.org/INBOX

`imaps://` opens TLS at once (port 993); `imap://` upgrades with STARTTLS
(port 143) and refuses to send the password in the clear unless the server is
on this machine. Certificates are checked against the system's trust store
(`SSL_CERT_FILE` names another). One poll at a time across every process (a
lock in the shared cache), so two pollers never make two reports of one mail.
Logs name events and counts, never an address, a subject or the mailbox
password.
"""

from __future__ import annotations

import email
import email.policy
import imaplib
import ipaddress
import logging
import re
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from django.core.cache import cache
from django.db import close_old_connections
from django.utils import translation
from django.utils.translation import gettext as _

from remedia.intake.channels import email as email_channel

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 60
# Mails read in one poll: the rest wait for the next, so one poll stays short.
BATCH = 50
LOCK_KEY = "channels:imap:poll"
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")


class MailboxError(Exception):
    """The mailbox cannot be reached or read (configuration, network, login)."""


@dataclass(frozen=True)
class MailboxUrl:
    host: str
    port: int
    username: str = field(repr=False)
    password: str = field(repr=False)
    folder: str = "INBOX"
    implicit_tls: bool = True

    @property
    def loopback(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False


def mailbox_url_parse(url: str) -> MailboxUrl:
    """`imaps://user:password@host[:port][/folder]` or `imap://...`, checked."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise MailboxError("REMEDIA_IMAP_URL is malformed.") from exc
    if parts.scheme not in ("imap", "imaps"):
        raise MailboxError("REMEDIA_IMAP_URL must start with imaps:// or imap://.")
    if not parts.hostname or not parts.username or parts.password is None:
        raise MailboxError(
            "REMEDIA_IMAP_URL needs a user, a password and a host: "
            "imaps://user:password@host/INBOX."
        )
    implicit_tls = parts.scheme == "imaps"
    return MailboxUrl(
        host=parts.hostname,
        port=port or (993 if implicit_tls else 143),
        username=unquote(parts.username),
        password=unquote(parts.password),
        folder=unquote(parts.path.strip("/")) or "INBOX",
        implicit_tls=implicit_tls,
    )


@dataclass
class PollResult:
    stored: int = 0
    too_big: int = 0
    failed: int = 0
    left: int = 0
    outcomes: list[str] = field(default_factory=list)


def _connect(url: MailboxUrl) -> imaplib.IMAP4:
    context = ssl.create_default_context()
    try:
        if url.implicit_tls:
            conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                url.host, url.port, ssl_context=context, timeout=TIMEOUT_SECONDS
            )
        else:
            conn = imaplib.IMAP4(url.host, url.port, timeout=TIMEOUT_SECONDS)
            if "STARTTLS" in conn.capabilities:
                conn.starttls(ssl_context=context)
            elif not url.loopback:
                conn.shutdown()
                raise MailboxError(
                    "The IMAP server offers no STARTTLS: use imaps:// rather than "
                    "send the password in the clear."
                )
        _login(conn, url)
    except (imaplib.IMAP4.error, OSError, ssl.SSLError) as exc:
        # The library's text may echo the login; keep only what kind of failure.
        raise MailboxError(f"Cannot open the mailbox ({type(exc).__name__}).") from None
    return conn


def _login(conn: imaplib.IMAP4, url: MailboxUrl) -> None:
    """SASL PLAIN where offered (UTF-8 passwords work), else LOGIN (ASCII only)."""
    if "AUTH=PLAIN" in conn.capabilities:
        secret = f"\0{url.username}\0{url.password}".encode()
        conn.authenticate("PLAIN", lambda _challenge: secret)
        return
    if not (url.username + url.password).isascii():
        raise MailboxError(
            "The IMAP server offers only LOGIN, which cannot carry a user or "
            "password with accents or other non-ASCII characters."
        )
    conn.login(url.username, url.password)


def _checked(answer: tuple[str, list[Any]], what: str) -> list[Any]:
    status, data = answer
    if status != "OK":
        raise MailboxError(f"The IMAP server refused {what}.")
    return data


def _uids(conn: imaplib.IMAP4) -> list[str]:
    data = _checked(conn.uid("SEARCH", "UNDELETED"), "SEARCH")
    return [uid.decode("ascii") for uid in data[0].split()] if data and data[0] else []


def _fetched(data: list[Any]) -> tuple[bytes, bytes]:
    """(the fetch line, the literal) of a single-message FETCH answer."""
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            return item[0], item[1]
    return b"", b""


def _size(conn: imaplib.IMAP4, uid: str) -> int | None:
    data = _checked(conn.uid("FETCH", uid, "(RFC822.SIZE)"), "FETCH")
    for item in data:
        line = item[0] if isinstance(item, tuple) else item
        found = _SIZE.search(line or b"")
        if found:
            return int(found.group(1))
    return None


def _delete(conn: imaplib.IMAP4, uid: str) -> None:
    _checked(conn.uid("STORE", uid, "+FLAGS.SILENT", r"(\Deleted)"), "STORE")
    if "UIDPLUS" in conn.capabilities:
        # Only this mail goes, whatever else another client marked.
        _checked(conn.uid("EXPUNGE", uid), "UID EXPUNGE")
    else:
        _checked(conn.expunge(), "EXPUNGE")


def _answer_too_big(headers: bytes) -> None:
    """A mail over the limit: tell its sender, keep nothing (the listener says 552)."""
    parsed = email_channel.mail_parse(headers, envelope_from=None)
    if parsed.automatic or not parsed.sender:
        return
    with translation.override(parsed.language):
        reason = _(
            "El correo pesa más de %(mb)s MB. Envíe los archivos en varios correos "
            "o con menos fotos."
        ) % {"mb": email_channel.MESSAGE_MAX_BYTES // (1024 * 1024)}
    email_channel.answer_send(
        to=parsed.sender,
        kind="not_stored",
        language=parsed.language,
        context={"reasons": [reason]},
        in_reply_to=parsed.message_id,
    )


def _receive(raw: bytes) -> email_channel.Outcome:
    close_old_connections()
    try:
        # A mailbox has no SMTP envelope; a bounce's Return-Path says <>.
        return email_channel.mail_receive(raw, envelope_from=_return_path(raw))
    finally:
        close_old_connections()


def _return_path(raw: bytes) -> str | None:
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    message = email.message_from_bytes(head, policy=email.policy.compat32)
    value = message.get("Return-Path")
    return None if value is None else str(value).strip().strip("<>")


def mailbox_poll(
    url: MailboxUrl,
    *,
    batch: int = BATCH,
    receive: Callable[[bytes], Any] = _receive,
) -> PollResult:
    """Read the mailbox once: every mail becomes a report or a follow-up, then goes."""
    result = PollResult()
    conn = _connect(url)
    try:
        _checked(conn.select(_quoted(url.folder)), "SELECT")
        uids = _uids(conn)
        result.left = max(0, len(uids) - batch)
        for uid in uids[:batch]:
            size = _size(conn, uid)
            if size is not None and size > email_channel.MESSAGE_MAX_BYTES:
                data = _checked(conn.uid("FETCH", uid, "(BODY.PEEK[HEADER])"), "FETCH")
                _answer_too_big(_fetched(data)[1])
                _delete(conn, uid)
                result.too_big += 1
                logger.info("imap.too_big")
                continue
            data = _checked(conn.uid("FETCH", uid, "(BODY.PEEK[])"), "FETCH")
            raw = _fetched(data)[1]
            try:
                outcome = receive(raw)
            except Exception as exc:
                # Not lost: it stays in the mailbox and the next poll tries again.
                result.failed += 1
                logger.error(
                    "imap.processing_failed", extra={"error": type(exc).__name__}
                )
                continue
            _delete(conn, uid)
            result.stored += 1
            result.outcomes.append(str(outcome))
    except (imaplib.IMAP4.error, OSError, ssl.SSLError) as exc:
        raise MailboxError(f"The mailbox failed ({type(exc).__name__}).") from None
    finally:
        try:
            conn.logout()
        except (imaplib.IMAP4.error, OSError):
            pass
    logger.info(
        "imap.polled",
        extra={
            "stored": result.stored,
            "too_big": result.too_big,
            "failed": result.failed,
            "left": result.left,
        },
    )
    return result


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def mailbox_poll_locked(url: MailboxUrl, **kwargs: Any) -> PollResult | None:
    """`mailbox_poll` unless another process is polling (then None)."""
    token = f"{socket.gethostname()}:{time.monotonic_ns()}"
    # Longer than any poll can take: BATCH mails, each with its own timeouts.
    if not cache.add(LOCK_KEY, token, timeout=30 * 60):
        logger.info("imap.poll_skipped_locked")
        return None
    try:
        return mailbox_poll(url, **kwargs)
    finally:
        if cache.get(LOCK_KEY) == token:
            cache.delete(LOCK_KEY)
