"""Reading a worker's mail: body, charsets, HTML, attachments, receipts, robots."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from remedia.intake.channels import email as email_channel
from tests.intake.support import jpeg_with_gps

WORKER = "obrera.anonima@correo.example.net"


def _mail(**headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = headers.pop("From", WORKER)
    message["To"] = "denuncias@remedia.example.org"
    message["Subject"] = headers.pop("Subject", "Denuncia")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    return message


@pytest.mark.parametrize(
    "text",
    [
        "Mi recibo es 1234 5678 9012 3456, gracias",
        "recibo: 1234-5678-9012-3456",
        "1234567890123456",
        "Re: Su denuncia fue recibida (1234.5678.9012.3456)",
    ],
)
def test_a_receipt_is_found_with_or_without_separators(text):
    assert email_channel.receipt_find(text) == "1234567890123456"


@pytest.mark.parametrize(
    "text", ["tel 55 1234 5678", "12345678901234567", "1234 5678 9012 345"]
)
def test_other_numbers_are_not_receipts(text):
    assert email_channel.receipt_find(text) == ""


def test_a_latin1_mail_is_decoded_by_its_charset():
    # given a mail written in ISO-8859-1, as some older clients still send
    raw = (
        b"From: " + WORKER.encode() + b"\r\n"
        b"To: denuncias@remedia.example.org\r\n"
        b"Subject: =?iso-8859-1?q?Acoso_en_la_l=EDnea?=\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=iso-8859-1\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n"
        b"El se\xf1or de recursos humanos nos amenaz\xf3 a las compa\xf1eras.\r\n"
    )

    # when it is read
    parsed = email_channel.mail_parse(raw, envelope_from=WORKER)

    # then accents and eñes arrive intact
    assert parsed.subject == "Acoso en la línea"
    assert "señor de recursos humanos nos amenazó a las compañeras" in parsed.text
    assert parsed.sender == WORKER
    assert parsed.language == "es"


def test_an_unknown_charset_falls_back_instead_of_failing():
    raw = (
        b"From: " + WORKER.encode() + b"\r\nSubject: x\r\n"
        b"Content-Type: text/plain; charset=x-no-such-charset\r\n\r\n"
        b"Nos pagan menos de lo acordado \xe9sta semana.\r\n"
    )
    parsed = email_channel.mail_parse(raw, envelope_from=WORKER)
    assert "Nos pagan menos de lo acordado ésta semana." in parsed.text


def test_html_only_mail_becomes_readable_text():
    message = _mail()
    message.set_content(
        "<html><head><style>p{color:red}</style></head><body>"
        "<p>Nos obligan a trabajar&nbsp;los domingos.</p><p>Sin pago &amp; sin "
        "descanso.</p><script>alert(1)</script></body></html>",
        subtype="html",
    )
    parsed = email_channel.mail_parse(bytes(message), envelope_from=WORKER)
    assert parsed.text == (
        "Nos obligan a trabajar los domingos.\n\nSin pago & sin descanso."
    )


def test_plain_text_is_preferred_to_its_html_twin():
    message = _mail()
    message.set_content("Versión en texto plano del relato.")
    message.add_alternative("<p>Versión <b>HTML</b></p>", subtype="html")
    parsed = email_channel.mail_parse(bytes(message), envelope_from=WORKER)
    assert parsed.text == "Versión en texto plano del relato."
    assert parsed.files == []


def test_attachments_kept_and_unusable_ones_named_with_the_reason():
    # given a photo, a file over the per-file limit and a kind we cannot clean
    message = _mail()
    message.set_content("Les mando las fotos del aviso en la puerta.")
    message.add_attachment(
        jpeg_with_gps("Telefono"), maintype="image", subtype="jpeg", filename="a.jpg"
    )
    message.add_attachment(
        b"%PDF-" + b"0" * (11 * 1024 * 1024),
        maintype="application",
        subtype="pdf",
        filename="grande.pdf",
    )
    message.add_attachment(
        b"MZ\x90\x00", maintype="application", subtype="octet-stream", filename="x.exe"
    )

    # when it is read
    parsed = email_channel.mail_parse(bytes(message), envelope_from=WORKER)

    # then the photo is kept; the other two are dropped with a reason each
    assert [f.name for f in parsed.files] == ["a.jpg"]
    assert [d.name for d in parsed.dropped] == ["grande.pdf", "x.exe"]
    assert "10 MB" in parsed.dropped[0].reason


@pytest.mark.parametrize(
    ("headers", "envelope_from"),
    [
        ({}, ""),
        ({"Auto_Submitted": "auto-replied"}, WORKER),
        ({"Precedence": "bulk"}, WORKER),
        ({"From": "MAILER-DAEMON@correo.example.net"}, WORKER),
    ],
)
def test_automatic_mail_is_recognised(headers, envelope_from):
    message = _mail(**headers)
    message.set_content("Delivery failed 1234 5678 9012 3456")
    parsed = email_channel.mail_parse(bytes(message), envelope_from=envelope_from)
    assert parsed.automatic


def test_english_mail_is_answered_in_english():
    message = _mail(Subject="Report")
    message.set_content(
        "The supervisor told us that we will lose our overtime if we vote for "
        "the union, and they are watching the workers."
    )
    parsed = email_channel.mail_parse(bytes(message), envelope_from=WORKER)
    assert parsed.language == "en"


def test_a_mailbox_without_an_envelope_is_not_taken_for_a_bounce():
    # A source that knows no envelope (a polled mailbox) passes None.
    message = _mail()
    message.set_content("Nos obligan a trabajar los domingos sin pago.")
    parsed = email_channel.mail_parse(bytes(message), envelope_from=None)
    assert not parsed.automatic
    assert parsed.sender == WORKER
