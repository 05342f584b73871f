"""Two-way messages and stopping replies on the SMS and WhatsApp line, with the receipt.

A worker writes to the handler by sending the receipt and some words in one
message; "BAJA" (or "NO RESPONDER") with the receipt stops the handler's
replies by this channel. Each message carries the receipt: nothing of it, nor
of the report's key, is kept between messages.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection

from remedia.core.models import AuditEntry
from remedia.intake import services
from remedia.intake.channels import sms as line
from remedia.intake.models import AuthorKind, Channel, Message, Report
from tests.channels.support import (
    WORKER,
    database_text,
    report_steps,
    sms,
)
from tests.intake.support import found_in

RECEIPT = re.compile(r"\b(\d{4} \d{4} \d{4} \d{4})\b")
STOPPED = (
    "Ya no le enviaremos respuestas por este medio; siga su denuncia con su recibo."
)
REFUSED = "Ese recibo no corresponde a ninguna denuncia"
WORDS = "Ya me cambiaron de turno"


def _report(client: Any, sender: str = WORKER, *, wants_replies: bool) -> str:
    """A report made on the line; its receipt as the worker reads it (grouped)."""
    answers = [
        sms(client, sender, step) for step in report_steps(wants_replies=wants_replies)
    ]
    return RECEIPT.search(answers[-1]).group(1)


def _reporter_messages(receipt: str) -> list[str]:
    access = services.reporter_open(receipt=receipt)
    opened = services.report_decrypt(
        report=access.report, private_key=access.private_key
    )
    return [m.body for m in opened.messages if m.author_kind == AuthorKind.REPORTER]


def _handler_replies(client: Any, report: Report, handler: Any, body: str) -> None:
    response = client.post(
        f"/api/v1/reports/{report.pk}/messages",
        data={"body": body},
        content_type="application/json",
        headers=handler.headers,
    )
    assert response.status_code == 201, response.content


def _cache_keys() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM remedia_cache")
        return [row[0] for row in cursor.fetchall()]


def _cache_values() -> bytes:
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key, value FROM remedia_cache")
        return repr(cursor.fetchall()).encode()


# --- Writing to the handler ----------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        ("{grouped} {words}", WORDS),
        ("{plain} {words}", WORDS),
        ("{words}. Mi recibo: {dashed}", WORDS + ". Mi recibo"),
        ("{words}\n{grouped}", WORDS),
    ],
    ids=["grouped-first", "plain-first", "dashed-after", "next-line"],
)
def test_receipt_and_words_become_the_workers_message_without_the_receipt(
    client, orgs, written, kept
):
    # given a worker who reported by SMS
    receipt = _report(client, wants_replies=False)
    plain = receipt.replace(" ", "")

    # when they send the receipt and some words in one message
    answer = sms(
        client,
        WORKER,
        written.format(
            grouped=receipt,
            plain=plain,
            dashed=receipt.replace(" ", "-"),
            words=WORDS,
        ),
    )

    # then the words are the reporter's message on the report, without the receipt
    assert "Recibimos su mensaje; quien lleva su caso lo leerá." in answer
    assert "Su denuncia: Recibida." in answer
    assert _reporter_messages(plain) == [kept]
    message = Message.objects.get()
    assert message.author_kind == AuthorKind.REPORTER
    # and sealed like the web's: no plaintext in the database
    database = database_text()
    assert WORDS.encode() not in database
    assert plain.encode() not in database


def test_two_way_keeps_neither_receipt_nor_report_key_in_the_cache(client, orgs):
    receipt = _report(client, wants_replies=False)
    plain = receipt.replace(" ", "")
    access = services.reporter_open(receipt=plain)

    sms(client, WORKER, f"{receipt} {WORDS}")

    assert line.conversation_load(WORKER) is None
    assert not [k for k in _cache_keys() if "conversation" in k or "handler" in k]
    assert not found_in(_cache_values(), [plain.encode(), access.private_key])


def test_a_wrong_receipt_with_words_is_refused_and_nothing_is_stored(client, orgs):
    _report(client, wants_replies=False)

    answer = sms(client, WORKER, f"1234 5678 9012 3456 {WORDS}")

    assert REFUSED in answer
    assert not Message.objects.exists()


def test_guessing_receipts_with_words_meets_the_same_throttle(client, orgs, settings):
    settings.REMEDIA_RECEIPT_FREE_FAILURES = 2
    settings.REMEDIA_SMS_MAX_PER_NUMBER = 100

    answers = [sms(client, WORKER, f"1234 5678 9012 345{n} {WORDS}") for n in range(4)]

    assert all(REFUSED in a for a in answers[:2])
    assert "Demasiados intentos" in answers[-1]
    assert not Message.objects.exists()


def test_a_closed_report_takes_no_message_and_says_why(client, orgs, agu_handler):
    receipt = _report(client, wants_replies=False)
    services.report_status_change(
        report=Report.objects.get(), user=agu_handler.user, status="closed"
    )

    answer = sms(client, WORKER, f"{receipt} {WORDS}")

    assert "Esta denuncia está cerrada." in answer
    assert "Su denuncia: Cerrada." in answer
    assert not Message.objects.exists()


@pytest.mark.parametrize("word", ["ESTADO", "estado", "Hola", "recibo:"])
def test_receipt_with_a_status_word_only_tells_the_status(client, orgs, word):
    receipt = _report(client, wants_replies=False)

    answer = sms(client, WORKER, f"{word} {receipt}")

    assert "Su denuncia: Recibida." in answer
    assert not Message.objects.exists()


def test_follow_up_and_help_say_how_to_write_to_the_handler(client, orgs):
    receipt = _report(client, wants_replies=False)

    status = sms(client, WORKER, receipt)
    helped = sms(client, WORKER, "AYUDA")

    for answer in (status, helped):
        assert "envíe en un mismo mensaje su recibo y lo que quiera decirle" in answer
    # no reply channel chosen: nothing to stop
    assert "BAJA" not in status


def test_the_handler_reads_the_message_and_the_worker_reads_the_answer(
    client, orgs, agu_handler
):
    receipt = _report(client, wants_replies=False)
    sms(client, WORKER, f"{receipt} {WORDS}")
    report = Report.objects.get()

    opened = services.staff_report_open(
        report=report,
        user=agu_handler.user,
        user_private_key=_handler_key(agu_handler),
    )
    _handler_replies(client, report, agu_handler, "¿Desde qué día?")
    status = sms(client, WORKER, receipt)

    assert [m.body for m in opened.messages] == [WORDS]
    assert "Último mensaje de quien lleva su caso: ¿Desde qué día?" in status


def _handler_key(staff: Any) -> bytes:
    from remedia.accounts import keys
    from tests.support.factories.accounts import PASSWORD

    return keys.user_key_unlock(user=staff.user, password=PASSWORD)


def test_a_receipt_in_an_answer_mid_report_keeps_the_report(client, orgs):
    # given a worker writing a new report, at the story
    answers = [sms(client, WORKER, s) for s in report_steps(wants_replies=False)[:4]]
    assert "Cuéntenos qué pasó" in answers[-1]
    before = line.conversation_load(WORKER)

    # when the story holds sixteen digits that are no receipt (a card number)
    answer = sms(client, WORKER, "Me pagan en la tarjeta 4152 3138 0000 1111 tarde")

    # then the worker is told, the question is asked again, the report is kept
    assert REFUSED in answer
    assert "Si no era su recibo, escriba su respuesta sin ese número." in answer
    assert "Cuéntenos qué pasó" in answer
    assert line.conversation_load(WORKER) == before
    assert not Report.objects.exists()


# --- Stopping replies ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("sender", "stop_word"),
    [
        (WORKER, "BAJA"),
        (WORKER, "no responder"),
        ("whatsapp:" + WORKER, "Baja"),
    ],
    ids=["sms-baja", "sms-no-responder", "whatsapp-baja"],
)
def test_baja_with_the_receipt_stops_replies_by_this_channel(
    client,
    orgs,
    agu_handler,
    provider,
    django_capture_on_commit_callbacks,
    sender,
    stop_word,
):
    # given a worker who asked for answers here, and a first answer that arrived
    receipt = _report(client, sender, wants_replies=True)
    report = Report.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        _handler_replies(client, report, agu_handler, "Primera respuesta.")
    assert [m.body for m in provider.messages] == ["Primera respuesta."]
    assert "BAJA" in sms(client, sender, receipt)

    # when they send BAJA with the receipt
    answer = sms(client, sender, f"{receipt} {stop_word}")

    # then replies stop: the channel and the sealed contact are gone, audited
    assert answer == STOPPED
    report.refresh_from_db()
    assert report.reply_channel == ""
    assert report.reply_contact is None
    assert AuditEntry.objects.filter(
        action="report.replies_stopped", object_id=str(report.pk)
    ).exists()
    assert not Message.objects.filter(author_kind=AuthorKind.REPORTER).exists()

    # and the handler's next reply is stored but does not reach the provider
    with django_capture_on_commit_callbacks(execute=True):
        _handler_replies(client, report, agu_handler, "Segunda respuesta.")
    assert [m.body for m in provider.messages] == ["Primera respuesta."]
    assert Message.objects.filter(author_kind=AuthorKind.STAFF).count() == 2
    # while the receipt still shows it, with no word about stopping left to say
    status = sms(client, sender, receipt)
    assert "Segunda respuesta." in status
    assert "BAJA" not in status


def test_baja_when_nothing_goes_out_says_so_and_changes_nothing(client, orgs):
    receipt = _report(client, wants_replies=False)

    answer = sms(client, WORKER, f"BAJA {receipt}")

    assert "No le estamos enviando respuestas por ningún medio" in answer
    assert not AuditEntry.objects.filter(action="report.replies_stopped").exists()


def test_baja_with_a_wrong_receipt_changes_nothing(client, orgs):
    _report(client, wants_replies=True)

    answer = sms(client, WORKER, "1234 5678 9012 3456 BAJA")

    assert REFUSED in answer
    report = Report.objects.get()
    assert report.reply_channel == Channel.SMS
    assert report.reply_contact is not None


def test_baja_alone_is_not_a_message_and_stop_alone_still_forgets_a_draft(client, orgs):
    sms(client, WORKER, "Hola")
    sms(client, WORKER, "3")

    stopped = sms(client, WORKER, "STOP")

    assert "borramos lo que nos escribió" in stopped
    assert line.conversation_load(WORKER) is None
