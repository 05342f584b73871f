"""The SMS and WhatsApp conversation through the signed hook (Django test client)."""

from __future__ import annotations

import re

import pytest
from django.db import connection

from remedia.intake import services
from remedia.intake.channels import sms as conversation
from remedia.intake.models import Channel, Report
from tests.channels.support import (
    HOOK_PATH,
    NARRATIVE,
    OUR_WHATSAPP_NUMBER,
    WORKER,
    hook_form,
    report_steps,
    signature,
    sms,
)

RECEIPT = re.compile(r"\b(\d{4} \d{4} \d{4} \d{4})\b")


def _cache_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM remedia_cache")
        return cursor.fetchone()[0]


def _converse(client, sender: str, steps: list[str]) -> list[str]:
    return [sms(client, sender, step) for step in steps]


def test_a_report_by_sms_ends_in_a_receipt_that_opens_the_report(client, orgs):
    # given a worker who writes to the line
    # when they answer each question and decline answers by SMS
    answers = _converse(client, WORKER, report_steps(wants_replies=False))

    # then each answer asks the next question, and the last gives the receipt
    assert "Responda con un número" in answers[0]
    assert "3. Despido o represalia" in answers[0]
    assert "fábrica o centro de trabajo" in answers[1]
    assert "estado" in answers[2]
    assert "Cuéntenos qué pasó" in answers[3]
    assert "1 sí, 2 no" in answers[4]
    found = RECEIPT.search(answers[5])
    assert found, answers[5]
    report = Report.objects.get()
    assert report.channel == Channel.SMS
    assert report.state == "MX-AGU"
    assert report.reply_channel == ""
    assert report.reply_contact is None
    access = services.reporter_open(receipt=found.group(1))
    opened = services.report_decrypt(report=report, private_key=access.private_key)
    assert opened.narrative == NARRATIVE
    assert opened.facility_name == "Confecciones del Bajío"
    assert opened.categories == ["retaliation"]
    # and nothing of the conversation is left in the cache
    assert conversation.conversation_load(WORKER) is None


def test_whatsapp_report_with_replies_keeps_the_number_sealed(client, orgs):
    sender = "whatsapp:" + WORKER
    _converse(client, sender, report_steps(wants_replies=True))

    report = Report.objects.get()
    assert report.channel == Channel.WHATSAPP
    assert report.reply_channel == Channel.WHATSAPP
    assert WORKER.encode() not in bytes(report.reply_contact)


def test_follow_up_by_receipt_tells_status_and_no_message_yet(client, orgs):
    answers = _converse(client, WORKER, report_steps(wants_replies=False))
    receipt = RECEIPT.search(answers[-1]).group(1)

    asked = sms(client, WORKER, "ESTADO")
    status = sms(client, WORKER, receipt.replace(" ", "-"))

    assert "recibo de 16 dígitos" in asked
    assert "Su denuncia: Recibida." in status
    assert "Aún no hay mensajes para usted." in status


def test_a_wrong_receipt_gets_a_kind_answer(client, orgs):
    answer = sms(client, WORKER, "1234 5678 9012 3456")
    assert "Ese recibo no corresponde a ninguna denuncia" in answer


@pytest.mark.parametrize("nonsense", ["asdfgh", "¿¿??", "99", ""])
def test_nonsense_first_gets_the_greeting_and_nothing_is_stored(client, orgs, nonsense):
    answer = sms(client, WORKER, nonsense)

    assert "Hola. Aquí puede denunciar abusos" in answer
    assert conversation.conversation_load(WORKER) is None
    assert not Report.objects.exists()


def test_nonsense_mid_conversation_repeats_the_question_and_keeps_the_answers(
    client, orgs
):
    _converse(client, WORKER, ["Hola", "3", "Confecciones del Bajío"])
    before = conversation.conversation_load(WORKER)

    answer = sms(client, WORKER, "Narnia")

    assert "No reconocimos ese estado." in answer
    assert "¿En qué estado está?" in answer
    assert conversation.conversation_load(WORKER) == before


def test_an_empty_story_is_refused_kindly(client, orgs):
    _converse(client, WORKER, report_steps(wants_replies=False)[:4])

    answer = sms(client, WORKER, "mal")

    assert "Necesitamos unas palabras sobre lo que pasó" in answer
    assert "Cuéntenos qué pasó" in answer
    assert not Report.objects.exists()


def test_help_explains_and_repeats_the_current_question(client, orgs):
    _converse(client, WORKER, ["Hola", "3"])

    answer = sms(client, WORKER, "ayuda")

    assert "no guardamos su número" in answer
    assert "fábrica o centro de trabajo" in answer


def test_borrar_forgets_an_unfinished_report(client, orgs):
    _converse(client, WORKER, report_steps(wants_replies=False)[:5])

    answer = sms(client, WORKER, "BORRAR")

    assert "borramos lo que nos escribió" in answer
    assert conversation.conversation_load(WORKER) is None
    assert not Report.objects.exists()


def test_state_is_kept_under_a_keyed_hash_and_encrypted(client, orgs):
    _converse(client, WORKER, report_steps(wants_replies=False)[:5])

    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key, value FROM remedia_cache")
        rows = cursor.fetchall()
    dumped = repr(rows)
    assert rows
    assert "55123" not in dumped
    assert "Confecciones" not in dumped
    assert "supervisor" not in dumped


@pytest.mark.parametrize(
    ("signature_header", "description"),
    [(None, "unsigned"), ("bm90IGEgc2lnbmF0dXJl", "garbage"), ("other", "other key")],
)
def test_unsigned_or_wrongly_signed_requests_are_403_and_store_nothing(
    client, orgs, signature_header, description
):
    # given the first answers of a report, sent without a valid signature
    rows_before = _cache_rows()
    for body in ["Hola", "3"]:
        form = hook_form(WORKER, body)
        headers = {}
        if signature_header == "other":
            headers["HTTP_X_TWILIO_SIGNATURE"] = signature(form, token="wrong-token")
        elif signature_header:
            headers["HTTP_X_TWILIO_SIGNATURE"] = signature_header
        response = client.post(HOOK_PATH, data=form, **headers)
        # then each is refused and nothing is kept
        assert response.status_code == 403, description
    assert conversation.conversation_load(WORKER) is None
    assert _cache_rows() == rows_before
    assert not Report.objects.exists()


def test_a_signature_for_another_body_is_refused(client, orgs):
    rows_before = _cache_rows()
    form = hook_form(WORKER, "3")
    signed = signature(form)
    form["Body"] = "1"

    response = client.post(HOOK_PATH, data=form, HTTP_X_TWILIO_SIGNATURE=signed)

    assert response.status_code == 403
    assert _cache_rows() == rows_before


def test_get_on_the_hook_is_refused(client):
    assert client.get(HOOK_PATH).status_code == 403


def test_per_number_limit_answers_once_kindly_then_stays_silent(client, orgs, settings):
    settings.REMEDIA_SMS_MAX_PER_NUMBER = 3
    for _ in range(3):
        sms(client, WORKER, "Hola")

    over = sms(client, WORKER, "3")
    further = sms(client, WORKER, "3")
    someone_else = sms(client, "+5213398765432", "Hola")

    assert "Recibimos muchos mensajes seguidos desde este número" in over
    assert further == ""
    assert conversation.conversation_load(WORKER) is None
    assert "Hola. Aquí puede denunciar abusos" in someone_else


def test_line_wide_ceiling_refuses_everyone_while_flooded(client, orgs, settings):
    settings.REMEDIA_SMS_MAX_PER_MINUTE = 2
    sms(client, "+5213300000001", "Hola")
    sms(client, "+5213300000002", "Hola")

    refused = sms(client, WORKER, "3")

    assert "Estamos recibiendo muchos mensajes" in refused
    assert conversation.conversation_load(WORKER) is None


def test_whatsapp_reply_goes_back_with_the_prefix(
    client, orgs, agu_handler, provider, django_capture_on_commit_callbacks
):
    sender = "whatsapp:" + WORKER
    _converse(client, sender, report_steps(wants_replies=True))
    report = Report.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/reports/{report.pk}/messages",
            data={"body": "Gracias, ¿en qué turno pasó?"},
            content_type="application/json",
            headers=agu_handler.headers,
        )

    assert response.status_code == 201
    [sent] = provider.messages
    assert sent.to == sender
    assert sent.from_ == OUR_WHATSAPP_NUMBER
    assert sent.body == "Gracias, ¿en qué turno pasó?"


def test_no_reply_leaves_for_a_worker_who_said_no(
    client, orgs, agu_handler, provider, django_capture_on_commit_callbacks
):
    _converse(client, WORKER, report_steps(wants_replies=False))
    report = Report.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/reports/{report.pk}/messages",
            data={"body": "Gracias por avisar."},
            content_type="application/json",
            headers=agu_handler.headers,
        )

    assert response.status_code == 201
    assert provider.messages == []


def test_a_provider_failure_keeps_the_reply_and_logs_no_number(
    client, orgs, agu_handler, settings, caplog, django_capture_on_commit_callbacks
):
    _converse(client, WORKER, report_steps(wants_replies=True))
    report = Report.objects.get()
    settings.TWILIO_API_URL = "http://127.0.0.1:9"  # nothing listens there

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/reports/{report.pk}/messages",
            data={"body": "Gracias por avisar."},
            content_type="application/json",
            headers=agu_handler.headers,
        )

    assert response.status_code == 201
    assert report.messages.count() == 1
    assert "channels.reply_not_sent" in [r.getMessage() for r in caplog.records]
    for record in caplog.records:
        assert "55123" not in repr(vars(record)), record.getMessage()
