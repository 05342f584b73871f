"""The voice line's recordings: fetched when the provider says they are ready.

The provider requests a `<Record>`'s action when the caller stops speaking,
and its recording callback when the file is ready, in either order, or never.
These tests play both, and a provider that is slow, serves the wrong thing or
loses the file, and check what the caller hears, what is kept, and that the
file does not stay at the provider.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.conf import settings

from remedia.intake import services
from remedia.intake.channels import voice
from remedia.intake.channels.standin import ProviderStandin
from remedia.intake.models import Attachment, Report
from tests.channels.calls import (
    HOOK,
    Answer,
    Call,
    _receipt_in,
    _report_to_the_story,
    rsid,
    wav,
)
from tests.channels.support import ACCOUNT_SID, WORKER

STILL_HERE = "Un momento: estamos guardando su mensaje."
NOT_HEARD = "No pudimos escuchar su mensaje. No guardamos nada."


@pytest.fixture
def call(client) -> Call:
    return Call(client=client)


def _address(base: str, sid: str) -> str:
    return f"{base}/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{sid}"


def _events(provider: ProviderStandin) -> list[str]:
    seen: list[str] = []
    provider.state.on_event = lambda name, details: seen.append(
        f"{name}:{details.get('sid', '')}"
    )
    return seen


def _waiting_in_cache(call: Call) -> bool:
    caller = voice.Caller(number=WORKER, call_sid=call.call_sid)
    return voice.call_load(caller) is not None or any(
        voice.recording_load(caller, rsid(n)) is not None for n in (1, 2, 3)
    )


def _asked_again(answer: Answer) -> bool:
    return NOT_HEARD in answer.said and answer.root.find("Record") is not None


# --- The provider's order ------------------------------------------------------------


def test_the_story_is_fetched_only_when_the_provider_says_it_is_ready(
    call, provider, orgs
):
    # given a caller at the story, and a provider still processing the file
    story = _report_to_the_story(call, provider)
    seen = _events(provider)

    # when the caller stops speaking (the action comes, the file does not exist yet)
    waiting = call.post(
        story.action,
        RecordingUrl=_address(provider.url, rsid(2)),
        RecordingSid=rsid(2),
        RecordingDuration="4",
        Digits="#",
    )

    # then nothing is fetched: the caller is asked to hold on
    assert waiting.waits
    assert waiting.said == [STILL_HERE]
    assert seen == []
    still = call.post(waiting.redirect)
    assert still.waits
    assert still.said == []  # "one moment" is said once
    assert not Report.objects.exists()

    # when the provider says the file is ready
    provider.add_recording(rsid(2), wav(4))
    call.recording_ready(
        story.recording_callback,
        sid=rsid(2),
        recording_url=_address(provider.url, rsid(2)),
        seconds=4,
    )

    # then it is fetched, deleted at the provider, and the report made
    assert seen == [f"recording_fetched:{rsid(2)}", f"recording_deleted:{rsid(2)}"]
    report = Report.objects.get()
    # and the caller's next round hears the receipt, which opens that report
    receipt = _receipt_in(call.post(still.redirect))
    assert services.reporter_open(receipt=receipt).report == report
    assert not _waiting_in_cache(call)


def test_a_file_ready_before_the_action_gives_the_receipt_at_once(call, provider, orgs):
    story = _report_to_the_story(call, provider)

    answer = call.record(story, provider, rsid(2), 3, ready="before")

    assert STILL_HERE not in answer.said
    _receipt_in(answer)
    assert Report.objects.count() == 1
    assert provider.deletions == [rsid(1), rsid(2)]


def test_the_provider_saying_it_twice_makes_one_report(call, provider, orgs):
    # given the story's file, announced once and fetched
    story = _report_to_the_story(call, provider)
    provider.add_recording(rsid(2), wav(3))
    for _time in range(2):
        # when the provider announces it again (the file is gone by then)
        call.recording_ready(
            story.recording_callback,
            sid=rsid(2),
            recording_url=_address(provider.url, rsid(2)),
            seconds=3,
        )

    answer = call.post(
        story.action,
        RecordingUrl=_address(provider.url, rsid(2)),
        RecordingSid=rsid(2),
        RecordingDuration="3",
        Digits="#",
    )

    # then the first arrival counts: one report, the receipt read
    _receipt_in(answer)
    assert Report.objects.count() == 1


def test_a_file_that_never_comes_ends_kindly_and_a_late_one_is_deleted(
    call, provider, orgs
):
    # given a story whose file the provider never announces
    story = _report_to_the_story(call, provider)

    # when the caller holds on as long as the line waits
    answer = call.record(story, provider, rsid(2), 3, ready="never")

    # then the line gives up kindly, keeps nothing, and deletes the file
    assert (
        "No pudimos guardar su mensaje y no guardamos nada. Por favor, llame de nuevo."
        in answer.said
    )
    assert answer.hangs_up
    assert not Report.objects.exists()
    assert rsid(2) in provider.deletions
    assert not _waiting_in_cache(call)

    # and a file announced after that is deleted, not kept
    provider.add_recording(rsid(2), wav(3))
    call.recording_ready(
        story.recording_callback,
        sid=rsid(2),
        recording_url=_address(provider.url, rsid(2)),
        seconds=3,
    )
    assert not Report.objects.exists()
    assert not provider.has_recording(rsid(2))


def test_without_the_workplace_recording_the_story_goes_alone(call, provider, orgs):
    # given a workplace name whose file the provider never announces
    state = call.press(call.press(call.press(call.start(), "1"), "3"), "1")
    story = call.record(state, provider, rsid(1), 2, ready="never")

    # when the story comes in
    answer = call.record(story, provider, rsid(2), 3)

    # then the report is made without it after a while, and the caller told
    _receipt_in(answer)
    assert Attachment.objects.count() == 1


# --- Hang-ups --------------------------------------------------------------------------


@pytest.mark.parametrize("ready", ["before", "after"])
def test_a_caller_who_hangs_up_after_the_story_keeps_the_report(
    call, provider, orgs, ready
):
    story = _report_to_the_story(call, provider)

    call.record(story, provider, rsid(2), 5, ready=ready, hang_up=True)

    report = Report.objects.get()
    assert report.attachments.count() == 2
    assert provider.deletions == [rsid(1), rsid(2)]
    # and nothing of the call waits in the cache, not even the unread receipt
    assert not _waiting_in_cache(call)
    caller = voice.Caller(number=WORKER, call_sid=call.call_sid)
    assert voice._outcome_take(caller) is None


@pytest.mark.parametrize("ready", ["before", "after"])
def test_a_hang_up_after_the_story_does_not_wait_for_the_workplace_name(
    call, provider, orgs, ready
):
    # given a workplace name whose file the provider never announces
    state = call.press(call.press(call.press(call.start(), "1"), "3"), "1")
    story = call.record(state, provider, rsid(1), 2, ready="never")

    # when the caller tells the story and hangs up
    call.record(story, provider, rsid(2), 4, ready=ready, hang_up=True)

    # then the story is kept on its own, and nothing of the call waits
    assert Report.objects.get().attachments.count() == 1
    assert not _waiting_in_cache(call)


@pytest.mark.parametrize(
    ("seconds", "served"), [(1, True), (4, False)], ids=["too-short", "not-fetched"]
)
def test_a_hang_up_with_an_unusable_story_keeps_nothing(
    call, provider, orgs, seconds, served
):
    story = _report_to_the_story(call, provider)

    call.record(story, provider, rsid(2), seconds, served=served, hang_up=True)

    assert not Report.objects.exists()
    assert not _waiting_in_cache(call)
    assert not provider.has_recording(rsid(2))


def test_a_hang_up_during_the_workplace_name_keeps_nothing(call, provider, orgs):
    state = call.press(call.press(call.press(call.start(), "1"), "3"), "1")

    call.record(state, provider, rsid(1), 3, hang_up=True)

    assert not Report.objects.exists()
    assert not _waiting_in_cache(call)
    assert provider.deletions == [rsid(1)]


# --- What the provider serves ---------------------------------------------------------


@pytest.mark.parametrize(
    ("audio", "content_type"),
    [
        (wav(3), "text/html"),
        (wav(3), "application/json"),
        (b"<html>Service Unavailable</html>" * 40, "audio/x-wav"),
        (b"ID3" + b"\0" * 2000, "audio/mpeg"),
    ],
    ids=["html-type", "json-type", "not-a-wav", "mp3"],
)
def test_anything_but_a_wav_is_refused_deleted_and_asked_again(
    call, provider, orgs, audio, content_type
):
    story = _report_to_the_story(call, provider)

    answer = call.record(
        story, provider, rsid(2), 3, audio=audio, content_type=content_type
    )

    assert _asked_again(answer)
    assert not Report.objects.exists()
    assert rsid(2) in provider.deletions


def test_a_file_larger_than_a_story_can_be_is_refused(
    call, provider, orgs, monkeypatch
):
    monkeypatch.setattr(voice, "RECORDING_MAX_BYTES", 20_000)
    story = _report_to_the_story(call, provider)

    answer = call.record(story, provider, rsid(2), 3)  # 48 kB at 8 kHz

    assert _asked_again(answer)
    assert not Report.objects.exists()
    assert rsid(2) in provider.deletions


def test_a_recording_longer_than_the_line_allows_is_not_fetched(call, provider, orgs):
    story = _report_to_the_story(call, provider)
    seen = _events(provider)
    too_long = voice.STORY_MAX_SECONDS + voice.DURATION_SLACK_SECONDS + 1

    answer = call.record(story, provider, rsid(2), too_long, audio=wav(1))

    assert _asked_again(answer)
    assert seen == [f"recording_deleted:{rsid(2)}"]
    assert not Report.objects.exists()


def test_an_absent_recording_asks_again(call, provider, orgs):
    story = _report_to_the_story(call, provider)

    answer = call.record(story, provider, rsid(2), 3, status="absent")

    assert _asked_again(answer)
    assert not Report.objects.exists()
    assert rsid(2) in provider.deletions


def test_the_second_try_after_a_failed_fetch_makes_the_report(call, provider, orgs):
    story = _report_to_the_story(call, provider)
    again = call.record(story, provider, rsid(2), 3, served=False)
    assert _asked_again(again)

    _receipt_in(call.record(again, provider, rsid(3), 4))

    report = Report.objects.get()
    assert report.attachments.count() == 2
    assert not _waiting_in_cache(call)


# --- Callbacks that are not for a live call -------------------------------------------


def test_a_callback_for_an_unknown_call_is_deleted_and_starts_nothing(
    client, provider, orgs
):
    stranger = Call(client=client, call_sid="CA" + "e" * 32)
    seen = _events(provider)
    url = provider.add_recording(rsid(5), wav(3))

    answer = stranger.recording_ready(
        f"{settings.REMEDIA_BASE_URL}{HOOK}?step=recording-story",
        sid=rsid(5),
        recording_url=url,
        seconds=3,
    )

    assert answer.root.find("*") is None
    assert seen == [f"recording_deleted:{rsid(5)}"]
    assert not _waiting_in_cache(stranger)
    assert not Report.objects.exists()


def test_a_callback_for_a_recording_the_call_never_asked_for_is_deleted(
    call, provider, orgs
):
    call.press(call.start(), "1")  # at the category, nothing recorded yet
    seen = _events(provider)
    url = provider.add_recording(rsid(5), wav(3))

    call.recording_ready(
        f"{settings.REMEDIA_BASE_URL}{HOOK}?step=recording-story",
        sid=rsid(5),
        recording_url=url,
        seconds=3,
    )

    assert seen == [f"recording_deleted:{rsid(5)}"]
    assert not Report.objects.exists()


# --- Time: nothing may hold a webhook past the provider's 15 s ------------------------


def test_no_callback_can_outlast_the_providers_timeout():
    assert voice.CALLBACK_WORST_SECONDS <= voice.PROVIDER_TIMEOUT_SECONDS - 2


@contextmanager
def _slow_provider(*, trickle: bool) -> Iterator[str]:
    """A server that answers too slowly: not at all, or a byte at a time."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    stop = threading.Event()

    def serve(conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)
            if trickle:
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: audio/x-wav\r\n"
                    b"Content-Length: 100000\r\n\r\nRIFF"
                )
                while not stop.is_set():
                    try:
                        conn.sendall(b"\0")
                    except OSError:
                        return
                    time.sleep(0.05)
            else:
                stop.wait(10)

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _address = listener.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        listener.close()


@pytest.mark.parametrize("trickle", [False, True], ids=["silent", "trickling"])
def test_a_slow_provider_cannot_hold_the_callback(
    call, provider, orgs, settings, monkeypatch, trickle
):
    # given short limits (the real ones scaled down) and a provider that stalls
    monkeypatch.setattr(voice, "CONNECT_TIMEOUT_SECONDS", 0.5)
    monkeypatch.setattr(voice, "READ_TIMEOUT_SECONDS", 0.5)
    monkeypatch.setattr(voice, "FETCH_DEADLINE_SECONDS", 1.0)
    monkeypatch.setattr(voice, "DELETE_TIMEOUT_SECONDS", (0.5, 0.5))
    story = _report_to_the_story(call, provider)
    with _slow_provider(trickle=trickle) as slow:
        settings.TWILIO_API_URL = slow

        # when its callback announces the story
        started = time.monotonic()
        call.recording_ready(
            story.recording_callback,
            sid=rsid(2),
            recording_url=_address(slow, rsid(2)),
            seconds=3,
        )
        took = time.monotonic() - started

    # then the callback answered within its bound (fetch 1 + 0.5, delete 1)
    assert took < 3.5, took
    # and the caller is asked to record again, nothing kept
    answer = call.post(
        story.action,
        RecordingUrl=_address(slow, rsid(2)),
        RecordingSid=rsid(2),
        RecordingDuration="3",
        Digits="#",
    )
    assert _asked_again(answer)
    assert not Report.objects.exists()
