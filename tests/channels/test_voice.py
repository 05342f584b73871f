"""The voice line through the signed hook: a whole call, step by step.

Each request is a form signed by the twilio library for the exact address the
previous answer's `<Gather>` or `<Record>` named, posted through the Django
test client; the recordings are real WAV files served by the provider
stand-in on loopback, which also records their deletion. As the provider
does, a recording is announced twice: the `<Record>`'s action when the caller
stops speaking, and its recording callback when the file is ready (after the
action, unless a test says otherwise); `Call.record` plays both, then holds on
through "one moment" rounds. test_voice_recordings.py covers the other orders.
"""

from __future__ import annotations

import io
import logging
import re
import wave
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from remedia.intake import services
from remedia.intake.channels import voice
from remedia.intake.channels.standin import ProviderStandin
from remedia.intake.models import Attachment, Channel, Report
from tests.channels.calls import (
    HOOK,
    Call,
    _receipt_in,
    _report,
    _report_to_the_story,
    rsid,
    sign,
    wav,
)
from tests.channels.support import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    WORKER,
    WORKER_DIGITS,
    database_text,
)


def _cache_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM remedia_cache")
        return cursor.fetchone()[0]


@pytest.fixture
def call(client) -> Call:
    return Call(client=client)


def test_a_report_by_phone_is_stored_with_its_audio_and_the_receipt_read_twice(
    call, provider, agu_handler
):
    # given a worker who calls, presses 1, picks retaliation and Aguascalientes
    menu = call.start()
    assert "Para denunciar, oprima 1" in menu.text
    assert "Para inglés, oprima 9" in menu.text
    assert menu.voices() == {"es-MX"}
    category = call.press(menu, "1")
    assert "Despido o represalia, oprima 3" in category.text
    state = call.press(category, "3")
    assert "Aguascalientes, oprima 1" in state.text
    facility = call.press(state, "1")
    assert "nombre de la fábrica" in facility.text
    assert facility.root.find("Record").attrib["maxLength"] == "15"

    # when they say the workplace's name, then what happened
    story = call.record(facility, provider, rsid(1), 2)
    assert "cuéntenos qué pasó" in story.text
    assert story.root.find("Record").attrib["maxLength"] == "180"
    assert story.root.find("Record").attrib["finishOnKey"] == "#"
    done = call.record(story, provider, rsid(2), 4)

    # then the receipt is read digit by digit, twice, and the call ends
    receipt = _receipt_in(done)
    assert "oprima 2" in done.text
    assert done.hangs_up
    # and the report is stored, routed by the state keyed, opened by the receipt
    report = Report.objects.get()
    assert report.channel == Channel.VOICE
    assert report.state == "MX-AGU"
    assert services.reporter_open(receipt=receipt).report == report
    # and both recordings are attachments, encrypted, that the handler decrypts
    private = services.staff_report_key(
        report=report,
        user=agu_handler.user,
        user_private_key=_handler_key(agu_handler),
    )
    opened = services.report_decrypt(report=report, private_key=private)
    assert opened.categories == ["retaliation"]
    assert sorted(a["name"] for a in opened.attachments) == [
        "centro-de-trabajo.wav",
        "relato-telefono.wav",
    ]
    story_attachment = Attachment.objects.get(pk=_named(opened, "relato-telefono.wav"))
    assert story_attachment.content_type == "audio/wav"
    _info, audio = services.attachment_open(
        attachment=story_attachment, private_key=private
    )
    with wave.open(io.BytesIO(audio)) as heard:
        assert heard.getnframes() == 4 * 8000
    for path in Path(settings.DATA_DIR).rglob("*"):
        if path.is_file():
            assert b"RIFF" not in path.read_bytes()[:64], path
    # and nothing is left at the provider, nor of the call in the cache
    assert provider.deletions == [rsid(1), rsid(2)]
    assert voice.call_load(voice.Caller(number=WORKER, call_sid=call.call_sid)) is None


def _handler_key(staff: Any) -> bytes:
    from remedia.accounts import keys
    from tests.support.factories.accounts import PASSWORD

    return keys.user_key_unlock(user=staff.user, password=PASSWORD)


def _named(opened: services.OpenReport, name: str) -> Any:
    return next(a["id"] for a in opened.attachments if a["name"] == name)


def test_the_follow_up_speaks_the_status_and_no_message_yet(client, provider, orgs):
    # given a report made by phone
    receipt = _report(Call(client=client), provider)
    # when the worker calls again, presses 2 and keys the receipt
    later = Call(client=client, call_sid="CA" + "8" * 32)
    asked = later.press(later.start(), "2")
    assert "16 dígitos de su recibo" in asked.text
    assert asked.root.find("Gather").attrib["numDigits"] == "16"
    status = later.press(asked, receipt)

    # then the status is spoken in the worker's words, then goodbye
    assert "Su denuncia: Recibida." in status.said
    assert "Aún no hay mensajes para usted." in status.said
    assert status.hangs_up


def test_the_handlers_reply_is_spoken_on_follow_up(client, provider, agu_handler):
    receipt = _report(Call(client=client), provider)
    report = Report.objects.get()
    services.staff_reply(
        report=report,
        user=agu_handler.user,
        user_private_key=_handler_key(agu_handler),
        body="Gracias. ¿Sigue en la línea 3?",
    )

    later = Call(client=client, call_sid="CA" + "8" * 32)
    status = later.press(later.press(later.start(), "2"), receipt)

    assert (
        "Último mensaje de quien lleva su caso: Gracias. ¿Sigue en la línea 3?"
        in status.said
    )


def test_a_wrong_receipt_is_answered_kindly_and_asked_again(call, orgs):
    asked = call.press(call.start(), "2")

    answer = call.press(asked, "1234567890123456")

    assert "Ese recibo no corresponde a ninguna denuncia" in answer.text
    assert answer.root.find("Gather").attrib["numDigits"] == "16"
    assert not answer.hangs_up


def test_wrong_receipts_are_throttled_like_the_web(client, orgs, settings):
    settings.REMEDIA_RECEIPT_FREE_FAILURES = 1
    first = Call(client=client)
    first.press(first.press(first.start(), "2"), "1234567890123456")

    second = Call(client=client, call_sid="CA" + "9" * 32)
    answer = second.press(second.press(second.start(), "2"), "1234567890123457")

    assert "Demasiados intentos" in answer.text
    assert answer.hangs_up


def test_a_report_without_the_state_reaches_the_default_organisation(
    call, provider, orgs
):
    story = _report_to_the_story(call, provider, state_key="0")

    _receipt_in(call.record(story, provider, rsid(2), 3))

    report = Report.objects.get()
    assert report.state == ""
    assert report.routed_by_default


def test_english_on_9_speaks_english_and_9_again_goes_back(call, orgs):
    answer = call.press(call.start(), "9")

    assert answer.voices() == {"en-US"}
    assert "To report, press 1." in answer.text
    assert "For Spanish, press 9." in answer.text
    assert answer.root.find("Gather").attrib["action"].endswith("step=menu")

    again = call.press(answer, "9")
    assert again.voices() == {"es-MX"}
    assert "Para denunciar, oprima 1." in again.text


@pytest.mark.parametrize("wrong", ["7", "*", ""])
def test_an_unknown_key_or_silence_repeats_the_menu_then_says_goodbye(
    call, orgs, wrong
):
    menu = call.start()

    first = call.press(menu, wrong) if wrong else call.silence(menu)
    second = call.press(first, wrong) if wrong else call.silence(first)
    third = call.press(second, wrong) if wrong else call.silence(second)

    for again in (first, second):
        assert again.said[0] == "No entendimos su respuesta."
        assert "Para denunciar, oprima 1" in again.text
        assert not again.hangs_up
    assert "No pudimos entender su respuesta" in third.text
    assert third.hangs_up
    assert not Report.objects.exists()


def test_a_wrong_key_mid_report_keeps_what_was_chosen(call, provider, orgs):
    category = call.press(call.start(), "1")
    state = call.press(category, "3")

    again = call.press(state, "#")
    assert "No entendimos su respuesta." in again.said
    facility = call.press(again, "7")  # Puebla

    story = call.record(facility, provider, rsid(1), 2)
    _receipt_in(call.record(story, provider, rsid(2), 3))
    report = Report.objects.get()
    assert report.state == "MX-PUE"
    assert list(report.category_rows.values_list("code", flat=True)) == ["retaliation"]


def test_a_too_short_recording_keeps_nothing_and_is_deleted(call, provider, orgs):
    story = _report_to_the_story(call, provider)

    answer = call.record(story, provider, rsid(2), 1)

    assert "No pudimos escuchar su mensaje. No guardamos nada." in answer.said
    assert answer.root.find("Record") is not None
    assert not Report.objects.exists()
    assert rsid(2) in provider.deletions
    assert not provider.has_recording(rsid(2))


def test_a_recording_that_cannot_be_fetched_keeps_nothing(call, provider, orgs):
    story = _report_to_the_story(call, provider)

    answer = call.record(story, provider, rsid(2), 3, served=False)

    assert "No pudimos escuchar su mensaje. No guardamos nada." in answer.said
    assert answer.root.find("Record") is not None
    assert not Report.objects.exists()


def test_no_recording_at_all_asks_again_then_ends_with_nothing_kept(
    call, provider, orgs
):
    story = _report_to_the_story(call, provider)

    first = call.silence(story)
    second = call.silence(first)
    third = call.silence(second)

    assert "No pudimos escuchar su mensaje" in first.text
    assert not second.hangs_up
    assert third.hangs_up
    assert not Report.objects.exists()
    assert voice.call_load(voice.Caller(number=WORKER, call_sid=call.call_sid)) is None


@pytest.mark.parametrize(
    "where",
    [
        "http://127.0.0.1:{other}/2010-04-01/Accounts/{sid}/Recordings/{rsid}",
        "{ours}/2010-04-01/Accounts/ACelsewhere/Recordings/{rsid}",
        "{ours}/2010-04-01/Accounts/{sid}/Recordings/{rsid}?redirect=http://x",
        "{ours}/2010-04-01/Accounts/{sid}/Recordings/{rsid}/../../Messages.json",
        "{ours}@evil.example/2010-04-01/Accounts/{sid}/Recordings/{rsid}",
    ],
)
def test_a_recording_url_elsewhere_is_never_fetched(call, provider, orgs, where):
    # given another server that would serve a recording with our credentials
    with ProviderStandin(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN) as other:
        other.add_recording(rsid(2), wav(3))
        provider.add_recording(rsid(2), wav(3))
        fetched: list[str] = []
        other.state.on_event = lambda name, details: fetched.append(name)
        story = _report_to_the_story(call, provider)
        url = where.format(
            other=other.url.rsplit(":", 1)[1],
            ours=provider.url,
            sid=ACCOUNT_SID,
            rsid=rsid(2),
        )

        # when the provider's recording callback names it
        answer = call.record(story, provider, rsid(2), 3, url=url)

        # then nothing is fetched from there and nothing is kept
        assert fetched == []
    assert "No pudimos escuchar su mensaje" in answer.text
    assert not Report.objects.exists()
    # and the recording is still deleted, at our own provider
    assert rsid(2) in provider.deletions


@pytest.mark.parametrize("step", ["story", "recording-story"])
def test_unsigned_or_wrongly_signed_requests_are_403_and_store_nothing(
    client, provider, orgs, step
):
    # given a call waiting for its story, and the file ready at the provider
    call = Call(client=client)
    _report_to_the_story(call, provider)
    url = f"{settings.REMEDIA_BASE_URL}{HOOK}?step={step}"
    form = call.form(
        RecordingUrl=provider.add_recording(rsid(2), wav(3)),
        RecordingSid=rsid(2),
        RecordingDuration="3",
        RecordingStatus="completed",
    )
    rows = _cache_rows()
    deleted = provider.deletions

    # when the request is not signed, signed with another token, or for another step
    unsigned = client.post(f"{HOOK}?step={step}", data=form)
    wrong_token = client.post(
        f"{HOOK}?step={step}",
        data=form,
        HTTP_X_TWILIO_SIGNATURE=sign(url, form, token="not-the-token"),  # noqa: S106
    )
    other_step = client.post(
        HOOK + "?step=receipt",
        data=form,
        HTTP_X_TWILIO_SIGNATURE=sign(url, form),
    )

    # then each is refused and nothing is fetched, deleted or kept
    assert [r.status_code for r in (unsigned, wrong_token, other_step)] == [403] * 3
    assert _cache_rows() == rows
    assert not Report.objects.exists()
    assert provider.has_recording(rsid(2))
    assert provider.deletions == deleted


def test_get_on_the_voice_hook_is_refused(client):
    assert client.get(HOOK).status_code == 403


def test_too_many_calls_from_one_number_get_a_kind_goodbye(client, orgs, settings):
    settings.REMEDIA_VOICE_MAX_CALLS_PER_NUMBER = 2
    answers = [Call(client=client, call_sid=f"CA{n:032x}").start() for n in range(1, 4)]

    assert not answers[1].hangs_up
    assert "muchas llamadas" in answers[2].text
    assert answers[2].hangs_up


@pytest.mark.usefixtures("_flushable_audit_log")
def test_no_caller_number_in_the_database_files_or_logs(call, provider, orgs, caplog):
    caplog.set_level(logging.DEBUG)

    _receipt_in(call.record(_report_to_the_story(call, provider), provider, rsid(2), 3))

    database = database_text()
    assert b"voice" in database  # the scan does read the report's row
    for needle in (WORKER.encode(), WORKER_DIGITS.encode()):
        assert needle not in database
        for path in Path(settings.DATA_DIR).rglob("*"):
            if path.is_file():
                assert needle not in path.read_bytes(), path
    logged = [repr(vars(r)) + r.getMessage() for r in caplog.records]
    assert any("channels.voice_report_submitted" in line for line in logged)
    assert not [line for line in logged if WORKER_DIGITS in line]


def test_the_handler_plays_the_recording_in_the_report_page(
    client, provider, agu_handler, log_in_verified
):
    from tests.support.factories.accounts import totp_device

    worker = Call(client=client)
    _receipt_in(
        worker.record(_report_to_the_story(worker, provider), provider, rsid(2), 3)
    )
    report = Report.objects.get()
    totp_device(agu_handler.user)
    assert log_in_verified(agu_handler.user).status_code == 302

    page = client.get(f"/staff/reports/{report.pk}/").content.decode()
    players = re.findall(r'<audio controls preload="none" src="([^"]+)"', page)
    assert len(players) == 2
    served = client.get(players[0])
    assert served.status_code == 200
    assert served["Content-Type"] == "audio/wav"
    assert served.content.startswith(b"RIFF")


def test_callers_who_hide_their_number_do_not_share_a_limit_or_a_call(
    client, provider, orgs, settings
):
    settings.REMEDIA_VOICE_MAX_CALLS_PER_NUMBER = 1
    first = Call(client=client, caller="Anonymous", call_sid="CA" + "a" * 32)
    second = Call(client=client, caller="Anonymous", call_sid="CA" + "b" * 32)

    first_menu = first.start()
    second_category = second.press(second.start(), "1")
    first_again = first.press(first_menu, "7")

    assert "Despido o represalia, oprima 3" in second_category.text
    assert first_again.said[0] == "No entendimos su respuesta."
    assert "Para denunciar, oprima 1" in first_again.text


def test_the_line_wide_ceiling_refuses_new_calls_while_flooded(client, orgs, settings):
    settings.REMEDIA_VOICE_MAX_CALLS_PER_MINUTE = 2
    answers = [
        Call(
            client=client, caller=f"+52155000000{n:02d}", call_sid=f"CA{n:032x}"
        ).start()
        for n in range(1, 4)
    ]

    assert not answers[1].hangs_up
    assert "muchas llamadas" in answers[2].text
    assert answers[2].hangs_up


def test_a_recording_after_the_call_expired_is_deleted_and_the_call_starts_over(
    call, provider, orgs
):
    story = _report_to_the_story(call, provider)
    voice.call_forget(voice.Caller(number=WORKER, call_sid=call.call_sid))

    answer = call.record(story, provider, rsid(2), 3)

    assert "Para denunciar, oprima 1" in answer.text
    assert not Report.objects.exists()
    assert rsid(2) in provider.deletions
