"""Issue 8, email from a mailbox: `remedia smtpd --imap` reads a real IMAP server.

The server is pymap (an IMAP4rev1 server, its in-memory backend) in a process
of its own on loopback; mail is put in the mailbox with imaplib's APPEND, as
the organisation's mail host would deliver it, and Remedia's poller reads it
with imaplib like any mail client. What goes in must come out as reports or
follow-ups, and nothing may stay in the mailbox once stored.
"""

from __future__ import annotations

import imaplib
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from remedia.intake import services as intake
from remedia.intake.channels import email as email_channel
from remedia.intake.channels import imap
from remedia.intake.models import Message, Report
from tests.intake.support import database_dump, found_in

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("_flushable_audit_log"),
]

REPORT_ADDRESS = "denuncias@remedia.example.org"
WORKER = "obrera.anonima+imap@correo.example.net"
USER = "denuncias@remedia.example.org"
PASSWORD = "buzón-secreto-123"
NARRATIVE = (
    "En la planta de Puebla nos obligaron a firmar la renuncia al sindicato "
    "antes de pagar la quincena."
)
GROUPED = re.compile(r"\b(\d{4} \d{4} \d{4} \d{4})\b")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pymap() -> str:
    found = Path(sys.executable).with_name("pymap")
    if found.exists():
        return str(found)
    which = shutil.which("pymap")
    if which is None:
        pytest.fail("pymap is not installed: `pip install -e '.[dev]'`")
    return which


@dataclass
class Mailbox:
    port: int

    @property
    def url(self) -> str:
        return (
            f"imap://{USER.replace('@', '%40')}:{PASSWORD}@127.0.0.1:{self.port}/INBOX"
        )

    def client(self) -> imaplib.IMAP4:
        conn = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        _login(conn)
        conn.select("INBOX")
        return conn

    def deliver(self, message: EmailMessage | bytes) -> None:
        raw = message if isinstance(message, bytes) else message.as_bytes()
        conn = self.client()
        try:
            status, _data = conn.append("INBOX", None, None, raw)
            assert status == "OK"
        finally:
            conn.logout()

    def count(self) -> int:
        conn = self.client()
        try:
            status, data = conn.uid("SEARCH", "ALL")
            assert status == "OK"
            return len(data[0].split())
        finally:
            conn.logout()


def _login(conn: imaplib.IMAP4) -> None:
    # The password has an accent: LOGIN carries ASCII only, SASL PLAIN UTF-8.
    secret = f"\0{USER}\0{PASSWORD}".encode()
    conn.authenticate("PLAIN", lambda _challenge: secret)


def _start(args: list[str], port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        process = subprocess.Popen(
            [_pymap(), "--host", "127.0.0.1", "--port", str(port), *args],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"pymap stopped: {log.read_text()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    pytest.fail("pymap did not start listening")


@pytest.fixture
def mailbox(tmp_path, settings, orgs) -> Iterator[Mailbox]:
    settings.REMEDIA_REPORT_EMAIL = REPORT_ADDRESS
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    port = _free_port()
    process = _start(
        ["--no-tls", "dict", "--demo-user", USER, "--demo-password", PASSWORD],
        port,
        tmp_path / "pymap.log",
    )
    try:
        box = Mailbox(port)
        settings.REMEDIA_IMAP_URL = box.url
        yield box
    finally:
        process.terminate()
        process.wait(timeout=10)


def worker_mail(body: str = NARRATIVE, *, subject: str = "Denuncia") -> EmailMessage:
    message = EmailMessage()
    message["Return-Path"] = f"<{WORKER}>"
    message["From"] = f"Una trabajadora <{WORKER}>"
    message["To"] = REPORT_ADDRESS
    message["Subject"] = subject
    message["Message-ID"] = "<imap-1@correo.example.net>"
    message.set_content(body)
    return message


def _poll(box: Mailbox) -> imap.PollResult:
    return imap.mailbox_poll(imap.mailbox_url_parse(box.url))


def test_mail_in_the_mailbox_becomes_a_report_and_leaves_the_mailbox(mailbox):
    # given a worker's mail waiting in the mailbox
    mailbox.deliver(worker_mail(f"{NARRATIVE}\n\nEstado: Puebla\nRESPONDER"))
    assert mailbox.count() == 1

    # when the poller reads it
    result = _poll(mailbox)

    # then one encrypted email report exists, routed by the state named
    assert (result.stored, result.failed, result.too_big) == (1, 0, 0)
    report = Report.objects.get()
    assert (report.channel, report.state, report.reply_channel) == (
        "email",
        "MX-PUE",
        "email",
    )
    # and the mail is gone from the mailbox, the only plaintext copy outside
    assert mailbox.count() == 0
    # and the worker got the receipt, which opens the report
    [answer] = mail.outbox
    assert answer.to == [WORKER]
    assert answer.extra_headers["In-Reply-To"] == "<imap-1@correo.example.net>"
    receipt = GROUPED.search(answer.body).group(1)
    assert intake.reporter_open(receipt=receipt).report == report
    # and neither the narrative nor the address is in the database
    assert found_in(database_dump(), [NARRATIVE.encode(), WORKER.encode()]) == []

    # when the worker answers quoting the receipt, and the mailbox is read again
    mail.outbox = []
    mailbox.deliver(
        worker_mail(
            "Hoy nos quitaron el bono a quienes no firmaron.",
            subject=f"Re: Su denuncia fue recibida {receipt}",
        )
    )
    assert _poll(mailbox).stored == 1

    # then the message joined the same report and the worker was told
    assert Report.objects.count() == 1
    assert Message.objects.filter(report=report).count() == 1
    assert mail.outbox[0].subject == "Su mensaje se agregó a su denuncia"
    assert mailbox.count() == 0


def test_a_bounce_in_the_mailbox_is_deleted_and_not_answered(mailbox):
    bounce = worker_mail("Delivery failed: mailbox full")
    del bounce["Return-Path"]
    bounce["Return-Path"] = "<>"
    mailbox.deliver(bounce)

    result = _poll(mailbox)

    assert result.outcomes == ["ignored"]
    assert Report.objects.count() == 0
    assert mail.outbox == []
    assert mailbox.count() == 0


def test_a_mail_over_the_limit_is_answered_and_deleted_unread(mailbox, settings):
    # given a limit small enough to exceed with a photo's worth of bytes
    settings.DEBUG = False
    big = worker_mail()
    big.add_attachment(
        b"\x00" * 4096, maintype="application", subtype="pdf", filename="x.pdf"
    )
    mailbox.deliver(big)
    original = email_channel.MESSAGE_MAX_BYTES
    email_channel.MESSAGE_MAX_BYTES = 2048
    try:
        result = _poll(mailbox)
    finally:
        email_channel.MESSAGE_MAX_BYTES = original

    assert (result.stored, result.too_big) == (0, 1)
    assert Report.objects.count() == 0
    [answer] = mail.outbox
    assert answer.to == [WORKER]
    assert "no se guardó nada" in answer.body
    assert "MB" in answer.body
    assert mailbox.count() == 0


def test_a_mail_that_fails_to_process_stays_for_the_next_poll(mailbox):
    mailbox.deliver(worker_mail())

    def broken(raw: bytes) -> None:
        raise RuntimeError("database away")

    result = imap.mailbox_poll(imap.mailbox_url_parse(mailbox.url), receive=broken)

    assert (result.stored, result.failed) == (0, 1)
    assert mailbox.count() == 1
    # and the next poll, with the database back, stores it once
    assert _poll(mailbox).stored == 1
    assert Report.objects.count() == 1
    assert mailbox.count() == 0


def test_one_poll_reads_a_batch_and_says_how_many_wait(mailbox):
    for n in range(3):
        mailbox.deliver(worker_mail(f"{NARRATIVE} Número {n}."))

    first = imap.mailbox_poll(imap.mailbox_url_parse(mailbox.url), batch=2)

    assert (first.stored, first.left) == (2, 1)
    assert _poll(mailbox).stored == 1
    assert Report.objects.count() == 3


def test_the_command_polls_once_and_prints_a_summary(mailbox, capsys):
    mailbox.deliver(worker_mail())

    call_command("smtpd", "--imap", "--once")

    out = capsys.readouterr().out
    assert f"127.0.0.1:{mailbox.port}" in out
    assert "stored 1, too big 0, failed 0, waiting 0" in out
    assert PASSWORD not in out
    assert Report.objects.count() == 1


def test_a_wrong_password_is_a_clear_error_that_does_not_echo_it(mailbox, settings):
    settings.REMEDIA_IMAP_URL = mailbox.url.replace(PASSWORD, "otra-clave")

    with pytest.raises(CommandError) as raised:
        call_command("smtpd", "--imap", "--once")

    assert "Cannot open the mailbox" in str(raised.value)
    assert "otra-clave" not in str(raised.value)
    assert mailbox.count() == 0


def test_the_poll_is_skipped_while_another_process_holds_the_lock(mailbox):
    from django.core.cache import cache

    mailbox.deliver(worker_mail())
    cache.add(imap.LOCK_KEY, "another-process", timeout=60)
    try:
        assert imap.mailbox_poll_locked(imap.mailbox_url_parse(mailbox.url)) is None
        assert mailbox.count() == 1
    finally:
        cache.delete(imap.LOCK_KEY)
    assert imap.mailbox_poll_locked(imap.mailbox_url_parse(mailbox.url)).stored == 1


@pytest.fixture
def tls_mailbox(tmp_path, settings, orgs, monkeypatch) -> Iterator[Mailbox]:
    """pymap with a certificate our client trusts (through SSL_CERT_FILE)."""
    settings.REMEDIA_REPORT_EMAIL = REPORT_ADDRESS
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
            "-days", "1", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    port = _free_port()
    process = _start(
        [
            "--cert", str(cert), "--key", str(key),
            "dict", "--demo-user", USER, "--demo-password", PASSWORD,
        ],
        port,
        tmp_path / "pymap.log",
    )  # fmt: skip
    try:
        yield Mailbox(port)
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_imap_upgrades_to_tls_when_the_server_offers_it(tls_mailbox):
    # The plain client in `Mailbox` cannot deliver (pymap wants TLS before
    # login): deliver through a client that upgrades, as the poller does.
    conn = imaplib.IMAP4("127.0.0.1", tls_mailbox.port, timeout=10)
    assert "STARTTLS" in conn.capabilities
    conn.starttls()
    _login(conn)
    conn.append("INBOX", None, None, worker_mail().as_bytes())
    conn.logout()

    result = _poll(tls_mailbox)

    assert result.stored == 1
    assert Report.objects.count() == 1


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("pop3://u:p@host/INBOX", "imaps:// or imap://"),
        ("imaps://host/INBOX", "needs a user, a password and a host"),
        ("imaps://u@host", "needs a user, a password and a host"),
        ("imaps://u:p@host:notaport/", "malformed"),
    ],
)
def test_a_malformed_mailbox_address_is_refused_clearly(url, problem):
    with pytest.raises(imap.MailboxError, match=problem):
        imap.mailbox_url_parse(url)


def test_mailbox_address_defaults_and_escapes():
    url = imap.mailbox_url_parse("imaps://denuncias%40org.mx:p%2Fw@imap.org.mx")
    assert (url.host, url.port, url.folder, url.implicit_tls) == (
        "imap.org.mx",
        993,
        "INBOX",
        True,
    )
    assert (url.username, url.password) == ("denuncias@org.mx", "p/w")
    assert "p/w" not in repr(url)
    plain = imap.mailbox_url_parse("imap://u:p@127.0.0.1/Denuncias")
    assert (plain.port, plain.folder, plain.loopback) == (143, "Denuncias", True)
    assert not imap.mailbox_url_parse("imap://u:p@imap.org.mx").loopback


def test_plain_imap_to_another_machine_without_starttls_is_refused(
    mailbox, monkeypatch
):
    # The server on loopback offers no STARTTLS; seen as if it were remote,
    # the poller must not send the password in the clear.
    monkeypatch.setattr(imap.MailboxUrl, "loopback", property(lambda self: False))
    with pytest.raises(imap.MailboxError, match="no STARTTLS"):
        _poll(mailbox)
