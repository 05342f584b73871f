"""Issue 8, email: `remedia smtpd` driven by Python's smtplib on loopback.

The listener runs in this process (aiosmtpd's controller on a free port) and
processes each mail on its own worker thread against the test database, which
is committed for real (`transaction=True`). Answers to the worker land in
Django's test outbox.
"""

from __future__ import annotations

import logging
import re
import smtplib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pytest
from django.core import mail

from remedia.accounts import keys
from remedia.intake import services as intake
from remedia.intake.channels import email as email_channel
from remedia.intake.channels.smtpd import ReportMailController, controller_new
from remedia.intake.models import Attachment, Message, Report
from tests.intake.support import (
    database_dump,
    database_file_image,
    found_in,
    jpeg_with_gps,
)
from tests.support.actors import staff_member
from tests.support.factories.accounts import PASSWORD

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("_flushable_audit_log"),
]

REPORT_ADDRESS = "denuncias@remedia.example.org"
WORKER = "obrera.anonima+x7@correo.example.net"
NARRATIVE = (
    "El supervisor de la línea 3 dijo que quien vote por el sindicato nuevo "
    "perderá las horas extra."
)
GROUPED = re.compile(r"\b(\d{4} \d{4} \d{4} \d{4})\b")


@dataclass
class Listener:
    controller: ReportMailController

    @property
    def port(self) -> int:
        return self.controller.port

    def send(self, message: EmailMessage, *, sender: str = WORKER) -> None:
        with smtplib.SMTP("127.0.0.1", self.port, timeout=60) as client:
            client.send_message(message, from_addr=sender)


@pytest.fixture
def listener(settings, orgs) -> Iterator[Listener]:
    settings.REMEDIA_REPORT_EMAIL = REPORT_ADDRESS
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    executor = ThreadPoolExecutor(max_workers=1)
    controller = controller_new(host="127.0.0.1", port=0, executor=executor)
    controller.start()
    yield Listener(controller)
    controller.stop()
    executor.shutdown(wait=True)


def worker_mail(
    body: str = NARRATIVE, *, subject: str = "Denuncia", to: str = REPORT_ADDRESS
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"Una trabajadora <{WORKER}>"
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = "<abc123@correo.example.net>"
    message.set_content(body)
    return message


def receipt_from(answer: mail.EmailMessage) -> str:
    found = GROUPED.search(answer.body)
    assert found, answer.body
    return found.group(1)


def only_answer() -> mail.EmailMessage:
    assert len(mail.outbox) == 1, [m.subject for m in mail.outbox]
    answer = mail.outbox.pop()
    assert answer.to == [WORKER]
    assert answer.extra_headers["Auto-Submitted"] == "auto-replied"
    return answer


def _handler_opens(report: Report, staff):
    private = keys.user_key_unlock(user=staff.user, password=PASSWORD)
    opened = intake.staff_report_open(
        report=report, user=staff.user, user_private_key=private
    )
    assert opened is not None
    report_key = intake.staff_report_key(
        report=report, user=staff.user, user_private_key=private
    )
    return opened, report_key


def test_a_mail_with_a_photo_becomes_a_report_the_handler_reads(listener, agu_handler):
    # given a worker's mail saying where, with a photo carrying GPS and a camera
    message = worker_mail(
        f"{NARRATIVE}\n\nEstado: Aguascalientes\nCentro: Confecciones del Bajío"
    )
    message.add_attachment(
        jpeg_with_gps("CamaraDelTelefono"),
        maintype="image",
        subtype="jpeg",
        filename="aviso.jpg",
    )

    # when it is delivered over SMTP
    listener.send(message)

    # then one encrypted email report exists, routed by the state named
    report = Report.objects.get()
    assert report.channel == "email"
    assert report.state == "MX-AGU"
    # (no address kept: the worker did not ask to hear back by email)
    assert report.reply_channel == ""
    assert NARRATIVE.encode() not in bytes(report.content)
    # and the worker got the receipt by reply, in groups of four
    answer = only_answer()
    assert answer.subject == "Su denuncia fue recibida"
    assert answer.extra_headers["In-Reply-To"] == "<abc123@correo.example.net>"
    receipt = receipt_from(answer)
    assert "/seguimiento/" in answer.body
    assert REPORT_ADDRESS in answer.body
    assert "borre este mensaje" in answer.body
    assert intake.reporter_open(receipt=receipt).report == report
    # and the handler of Aguascalientes reads narrative and the cleaned photo
    opened, report_key = _handler_opens(report, agu_handler)
    assert NARRATIVE in opened.narrative
    assert opened.facility_name == "Confecciones del Bajío"
    assert opened.categories == ["other"]
    [info] = opened.attachments
    assert info["name"] == "aviso.jpg"
    _info, data = intake.attachment_open(
        attachment=Attachment.objects.get(), private_key=report_key
    )
    assert data.startswith(b"\xff\xd8")
    assert b"CamaraDelTelefono" not in data


def test_a_mail_without_a_state_reaches_the_default_organisation(listener, orgs):
    listener.send(worker_mail())
    report = Report.objects.get()
    assert report.state == ""
    assert list(report.recipients.values_list("organisation_id", flat=True)) == [
        orgs.operator.pk
    ]
    assert only_answer().subject == "Su denuncia fue recibida"


def test_a_follow_up_quoting_the_receipt_joins_the_report(listener, agu_handler):
    # given a report made by email and its receipt
    listener.send(worker_mail(f"{NARRATIVE}\nEstado: AGU"))
    receipt = receipt_from(only_answer())
    report = Report.objects.get()

    # when the worker writes back quoting it with dashes, with a photo
    follow = worker_mail(
        "Hoy volvieron a amenazarnos en la entrada.\n\n"
        f"> Su número de recibo es: {receipt}",
        subject=f"Re: Su denuncia fue recibida {receipt.replace(' ', '-')}",
    )
    follow.add_attachment(
        jpeg_with_gps("Otro"), maintype="image", subtype="jpeg", filename="hoy.jpg"
    )
    listener.send(follow)

    # then the message and its photo joined the report, without the quote
    assert Report.objects.count() == 1
    assert only_answer().subject == "Su mensaje se agregó a su denuncia"
    opened, _private = _handler_opens(report, agu_handler)
    [message] = opened.messages
    assert message.author_kind == "reporter"
    assert message.body == "Hoy volvieron a amenazarnos en la entrada."
    assert [a["name"] for a in message.attachments] == ["hoy.jpg"]


def test_a_wrong_receipt_is_answered_kindly_and_nothing_is_kept(listener, settings):
    # given a report, and a guesser allowed one free failure per bucket
    listener.send(worker_mail())
    only_answer()
    settings.REMEDIA_RECEIPT_FREE_FAILURES = 1

    # when mail quotes a receipt that opens nothing
    listener.send(worker_mail("Agrego esto: 9999 0000 1111 2222"))

    # then nothing is stored and the worker is told so
    assert Report.objects.count() == 1
    assert Message.objects.count() == 0
    answer = only_answer()
    assert answer.subject == "No reconocimos su número de recibo"
    assert "NO se guardó" in answer.body

    # and the next guess in that bucket meets the guessing throttle
    listener.send(worker_mail("Y esto: 9999 0000 1111 3333"))
    answer = only_answer()
    assert answer.subject == "Intente de nuevo en unos minutos"
    assert Message.objects.count() == 0


def test_mail_to_another_address_is_refused_at_rcpt(listener):
    message = worker_mail(to="otra@remedia.example.org")
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        listener.send(message)
    [(code, _text)] = refused.value.recipients.values()
    assert code == 550
    assert Report.objects.count() == 0
    assert mail.outbox == []


def test_no_relay_even_beside_the_report_address(listener):
    # given a mail for the report address and an outside one
    message = worker_mail()
    message["Cc"] = "victima@otro.example.com"

    # when it is delivered, the outside recipient is refused; only ours accepted
    with smtplib.SMTP("127.0.0.1", listener.port, timeout=60) as client:
        refused = client.send_message(message, from_addr=WORKER)
    assert list(refused) == ["victima@otro.example.com"]
    assert refused["victima@otro.example.com"][0] == 550
    assert Report.objects.count() == 1
    assert [m.to for m in mail.outbox] == [[WORKER]]


def test_an_empty_mail_gets_a_kind_answer_and_nothing_is_kept(listener):
    listener.send(worker_mail("", subject=""))
    assert Report.objects.count() == 0
    answer = only_answer()
    assert answer.subject == "Su correo llegó vacío"
    assert "no guardamos nada" in answer.body


def test_too_short_a_mail_is_not_stored_and_says_why(listener):
    listener.send(worker_mail("Hola", subject=""))
    assert Report.objects.count() == 0
    answer = only_answer()
    assert answer.subject == "No pudimos guardar su correo"
    assert "al menos unas palabras" in answer.body


def test_a_50_mb_attachment_is_refused_at_the_protocol(listener):
    # given a mail with a 50 MB attachment (smtplib declares its SIZE)
    message = worker_mail()
    message.add_attachment(
        b"%PDF-" + b"0" * (50 * 1024 * 1024),
        maintype="application",
        subtype="pdf",
        filename="grande.pdf",
    )

    # when it is sent, the listener refuses it with 552 and keeps nothing
    with pytest.raises(smtplib.SMTPSenderRefused) as refused:
        listener.send(message)
    assert refused.value.smtp_code == 552
    assert Report.objects.count() == 0


def test_an_oversize_message_without_size_declared_is_refused_at_data(listener):
    # given a client that does not declare the size (plain HELO, no ESMTP)
    raw = bytes(worker_mail()) + b"\r\n" + (b"x" * 76 + b"\r\n") * 340_000
    with smtplib.SMTP("127.0.0.1", listener.port, timeout=60) as client:
        client.helo("cliente")
        # when the whole message goes through DATA
        with pytest.raises(smtplib.SMTPDataError) as refused:
            client.sendmail(WORKER, [REPORT_ADDRESS], raw)
    # then it is refused with 552 and nothing is kept
    assert refused.value.smtp_code == 552
    assert Report.objects.count() == 0
    assert mail.outbox == []


def test_an_attachment_over_the_file_limit_is_dropped_and_counted(listener):
    message = worker_mail()
    message.add_attachment(
        b"%PDF-" + b"0" * (11 * 1024 * 1024),
        maintype="application",
        subtype="pdf",
        filename="contrato.pdf",
    )
    listener.send(message)
    assert Report.objects.count() == 1
    assert Attachment.objects.count() == 0
    answer = only_answer()
    assert answer.subject == "Su denuncia fue recibida"
    assert "1 archivo adjunto no se guardó" in answer.body
    assert "pesa más de 10 MB" in answer.body
    assert "contrato.pdf" not in answer.body


def test_html_only_and_latin1_mail_arrive_as_text(listener, orgs):
    # given an HTML-only mail and a Latin-1 one, for the default organisation
    operator = staff_member(orgs.operator, "olga")
    html = worker_mail()
    html.set_content(
        "<p>Nos obligan a trabajar&nbsp;los domingos.</p><p>Sin pago.</p>",
        subtype="html",
    )
    listener.send(html)
    latin1 = (
        f"From: {WORKER}\r\nTo: {REPORT_ADDRESS}\r\nSubject: Acoso\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        "El se=F1or de recursos humanos nos amenaz=F3.\r\n"
    ).encode()
    with smtplib.SMTP("127.0.0.1", listener.port, timeout=60) as client:
        client.sendmail(WORKER, [REPORT_ADDRESS], latin1)

    # then both are reports whose narratives read as written
    narratives = sorted(
        _handler_opens(r, operator)[0].narrative for r in Report.objects.all()
    )
    assert narratives == [
        "Acoso\n\nEl señor de recursos humanos nos amenazó.",
        "Denuncia\n\nNos obligan a trabajar los domingos.\n\nSin pago.",
    ]


def test_a_bounce_is_neither_stored_nor_answered(listener):
    message = worker_mail("Delivery failed: 1234 5678 9012 3456")
    message["Auto-Submitted"] = "auto-replied"
    listener.send(message, sender="")
    assert Report.objects.count() == 0
    assert mail.outbox == []


def test_a_handler_reply_goes_out_by_email_to_the_sender(listener, agu_handler):
    # given a report made by email, asking for replies by email
    listener.send(worker_mail(f"{NARRATIVE}\nEstado: Aguascalientes\nRESPONDER"))
    only_answer()
    report = Report.objects.get()

    # when the handler replies with their key at hand
    private = keys.user_key_unlock(user=agu_handler.user, password=PASSWORD)
    intake.staff_reply(
        report=report,
        user=agu_handler.user,
        body="Gracias. ¿En qué turno pasó?",
        user_private_key=private,
    )

    # then the reply goes to the worker's address, and is stored for the web too
    answer = only_answer()
    assert answer.subject == "Respuesta sobre su denuncia"
    assert "Gracias. ¿En qué turno pasó?" in answer.body
    assert Message.objects.filter(report=report, author_kind="staff").count() == 1


def test_a_failed_send_keeps_the_reply_and_logs_no_address(
    listener, agu_handler, settings, caplog
):
    listener.send(worker_mail(f"{NARRATIVE}\nEstado: Aguascalientes\nRESPONDER"))
    receipt = receipt_from(only_answer())
    report = Report.objects.get()
    # given an outgoing mail server that is down
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9
    caplog.set_level(logging.DEBUG)

    # when the handler replies
    private = keys.user_key_unlock(user=agu_handler.user, password=PASSWORD)
    intake.staff_reply(
        report=report,
        user=agu_handler.user,
        body="¿Sigue ahí?",
        user_private_key=private,
    )

    # then nothing raised, the failure is logged without the address, and the
    # worker still reads the reply with the receipt
    assert "email.answer_failed" in caplog.messages
    assert WORKER not in caplog.text
    access = intake.reporter_open(receipt=receipt.replace(" ", ""))
    opened = intake.report_decrypt(report=report, private_key=access.private_key)
    assert [m.body for m in opened.messages] == ["¿Sigue ahí?"]


def _files_under(folder: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_the_sender_address_is_nowhere_in_plain_text(
    listener, agu_handler, data_dir, caplog
):
    # given a report with a photo, a follow-up and a handler's reply, all logged
    caplog.set_level(logging.DEBUG)
    message = worker_mail(f"{NARRATIVE}\nEstado: Aguascalientes\nRESPONDER")
    message.add_attachment(
        jpeg_with_gps("X"), maintype="image", subtype="jpeg", filename="f.jpg"
    )
    listener.send(message)
    receipt = receipt_from(only_answer())
    listener.send(worker_mail("Otra cosa que pasó hoy en la línea.", subject=receipt))
    only_answer()
    private = keys.user_key_unlock(user=agu_handler.user, password=PASSWORD)
    intake.staff_reply(
        report=Report.objects.get(),
        user=agu_handler.user,
        body="Recibido.",
        user_private_key=private,
    )
    assert only_answer().to == [WORKER]

    # then the address (or its domain-qualified local part) is in no row, no
    # database page, no file under the data directory and no log record
    secrets = [WORKER.encode(), b"obrera.anonima"]
    assert found_in(database_dump(), secrets) == []
    assert found_in(database_file_image(), secrets) == []
    for path, content in _files_under(data_dir).items():
        assert found_in(content, secrets) == [], path
    assert "obrera.anonima" not in caplog.text
    for record in caplog.records:
        assert "obrera.anonima" not in repr(vars(record))
    # and no header of the mail was kept either
    assert found_in(database_dump(), [b"abc123@correo.example.net"]) == []
    # while the handler can still open the sealed contact for replies
    report = Report.objects.get()
    report_key = intake.staff_report_key(
        report=report, user=agu_handler.user, user_private_key=private
    )
    assert intake.reply_contact_open(report=report, private_key=report_key) == WORKER


def test_the_listener_refuses_to_start_without_a_report_address(settings):
    settings.REMEDIA_REPORT_EMAIL = None
    with pytest.raises(ValueError, match="REMEDIA_REPORT_EMAIL"):
        controller_new(port=0)


def test_mail_receive_answers_only_automatic_mail_with_silence():
    # A unit check of the entry point other sources (IMAP) would use.
    raw = bytes(worker_mail())
    assert email_channel.mail_receive(raw, envelope_from="") == (
        email_channel.Outcome.IGNORED
    )


def test_baja_by_reply_stops_email_replies_and_keeps_them_on_the_web(
    listener, agu_handler
):
    # given a report made by email asking for replies, whose receipt mail says
    # how to stop them
    listener.send(worker_mail(f"{NARRATIVE}\nEstado: Aguascalientes\nRESPONDER"))
    receipt_mail = only_answer()
    assert "BAJA" in receipt_mail.body
    receipt = receipt_from(receipt_mail)
    report = Report.objects.get()
    assert report.reply_channel == "email"

    # when the worker answers the receipt mail with the word and a phone's signature
    listener.send(
        worker_mail(
            f"Baja.\n\nEnviado desde mi teléfono\n\n> Su número de recibo es: {receipt}",
            subject="Re: Su denuncia fue recibida",
        )
    )

    # then the sealed address is gone, nothing was added, and the worker was told
    answer = only_answer()
    assert answer.subject == "Ya no le enviaremos respuestas por correo"
    report.refresh_from_db()
    assert (report.reply_channel, report.reply_contact) == ("", None)
    assert not Message.objects.filter(report=report).exists()
    # and a handler's later reply stays on the web only
    private = keys.user_key_unlock(user=agu_handler.user, password=PASSWORD)
    intake.staff_reply(
        report=report,
        user=agu_handler.user,
        body="¿Sigue en la línea 3?",
        user_private_key=private,
    )
    assert mail.outbox == []
    access = intake.reporter_open(receipt=receipt)
    opened = intake.report_decrypt(report=access.report, private_key=access.private_key)
    assert [m.body for m in opened.messages] == ["¿Sigue en la línea 3?"]

    # and asking again says there is nothing left to stop
    listener.send(worker_mail("BAJA", subject=f"Re: {receipt}"))
    assert only_answer().subject == "No le estamos enviando respuestas por correo"


def test_a_message_that_begins_with_baja_but_says_more_is_a_message(listener):
    listener.send(worker_mail(f"{NARRATIVE}\nRESPONDER"))
    receipt = receipt_from(only_answer())

    listener.send(
        worker_mail(
            "Baja\nNos bajaron el sueldo a todas las de costura desde el lunes, "
            "sin aviso y sin recibo de nómina.",
            subject=f"Re: {receipt}",
        )
    )

    assert only_answer().subject == "Su mensaje se agregó a su denuncia"
    report = Report.objects.get()
    assert report.reply_channel == "email"
    assert Message.objects.filter(report=report).count() == 1


def test_an_attachment_is_cleaned_once(listener, orgs, monkeypatch):
    # given a mail with a photo, and a count of every cleaning
    from remedia.core import files

    cleaned: list[int] = []
    real_clean = files.clean

    def counting_clean(data, **kwargs):
        cleaned.append(len(data))
        return real_clean(data, **kwargs)

    monkeypatch.setattr(files, "clean", counting_clean)
    message = worker_mail()
    message.add_attachment(
        jpeg_with_gps("Camara"), maintype="image", subtype="jpeg", filename="a.jpg"
    )

    # when it is delivered
    listener.send(message)

    # then the photo was stored, cleaned one time only
    assert Attachment.objects.count() == 1
    assert len(cleaned) == 1


# --- Replies by email only when asked; answers bounded and free of chosen text -----------


def test_a_mail_report_keeps_no_address_unless_the_worker_asks(listener, orgs):
    # given a mail report that does not ask to hear back by email
    listener.send(worker_mail())

    # then no address is kept, and the receipt mail says how to ask
    report = Report.objects.get()
    assert (report.reply_channel, report.reply_contact) == ("", None)
    answer = only_answer()
    assert "RESPONDER" in answer.body
    assert "también le llegarán a este correo" not in answer.body


def test_a_mail_report_that_says_responder_keeps_the_address_sealed(listener, orgs):
    listener.send(worker_mail(f"{NARRATIVE}\n\nRESPONDER"))

    report = Report.objects.get()
    assert report.reply_channel == "email"
    assert WORKER.encode() not in bytes(report.reply_contact)
    answer = only_answer()
    assert "también le llegarán a este correo" in answer.body


def test_answering_responder_with_the_receipt_starts_replies(listener, agu_handler):
    # given a report made by email without asking for replies
    listener.send(worker_mail(f"{NARRATIVE}\nEstado: Aguascalientes"))
    receipt = receipt_from(only_answer())
    report = Report.objects.get()
    assert report.reply_channel == ""

    # when the worker answers the receipt mail with the word
    listener.send(
        worker_mail(
            f"Sí\n\n> Su número de recibo es: {receipt}",
            subject="Re: Su denuncia fue recibida",
        )
    )

    # then replies start, nothing was added as a message, and the worker is told
    answer = only_answer()
    assert answer.subject == "Le enviaremos las respuestas por correo"
    report.refresh_from_db()
    assert report.reply_channel == "email"
    assert not Message.objects.filter(report=report).exists()
    # and a handler's reply now reaches them
    private = keys.user_key_unlock(user=agu_handler.user, password=PASSWORD)
    intake.staff_reply(
        report=report, user=agu_handler.user, body="Gracias.", user_private_key=private
    )
    assert only_answer().subject == "Respuesta sobre su denuncia"


def test_answers_go_to_the_envelope_sender_not_the_from_header(listener, orgs):
    # given a mail whose From: header names someone else than its envelope
    message = worker_mail(f"{NARRATIVE}\n\nRESPONDER")
    message.replace_header("From", "victima@otro.example.com")

    listener.send(message, sender=WORKER)

    # then the answer, and the address kept for replies, are the envelope's
    assert only_answer().to == [WORKER]
    assert Report.objects.get().reply_channel == "email"


def test_answers_to_one_address_are_throttled(listener, orgs, settings):
    # given a limit of 3 answers an hour to one address
    settings.REMEDIA_EMAIL_ANSWERS_PER_HOUR = 3

    # when 5 mails come from it
    for _n in range(5):
        listener.send(worker_mail("Hola", subject=""))

    # then 3 are answered; the others are neither answered nor stored
    assert len(mail.outbox) == 3
    assert Report.objects.count() == 0


def test_answers_never_echo_a_file_name(listener, orgs):
    # given a mail with a file of a kind we refuse, whose name is a message
    chosen = "LLAME YA AL 555-0100 PARA RECLAMAR SU PREMIO"
    message = worker_mail()
    message.add_attachment(
        b"MZ\x90\x00", maintype="application", subtype="octet-stream", filename=chosen
    )

    listener.send(message)

    # then the answer counts the file it left out, without naming it
    answer = only_answer()
    assert chosen not in answer.body
    assert "1 archivo adjunto no se guardó" in answer.body
