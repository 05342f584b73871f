"""Who calls the voice line: hidden numbers, floods, and what the cache keeps.

A hidden number is everyone who hides theirs, so it must not be limited as one
caller; those calls share a bucket of their own, which keeps the line open
both to them and to everyone else. Whatever a call keeps between requests is
sealed and expires.
"""

from __future__ import annotations

import base64
import pickle
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from remedia.intake.channels import voice
from remedia.intake.models import Report
from tests.channels.calls import (
    Call,
    _receipt_in,
    _report_to_the_story,
    rsid,
    wav,
)
from tests.channels.support import WORKER, WORKER_DIGITS

HIDDEN = [
    "",
    "Anonymous",
    "anonymous",
    "+266696687",
    "+7378742833",
    "+86282452253",
    "client:alice",
]


@pytest.mark.parametrize("number", HIDDEN)
def test_a_hidden_number_reports_like_any_other(client, provider, orgs, number):
    call = Call(client=client, caller=number)

    receipt = _receipt_in(
        call.record(_report_to_the_story(call, provider), provider, rsid(2), 3)
    )

    assert len(receipt) == 16
    assert Report.objects.count() == 1


@pytest.mark.parametrize("number", ["Anonymous", "+266696687"])
def test_a_hidden_number_is_not_limited_as_one_caller(client, orgs, settings, number):
    # given a per-number limit of one call
    settings.REMEDIA_VOICE_MAX_CALLS_PER_NUMBER = 1

    # when three workers who hide their number call
    answers = [
        Call(client=client, caller=number, call_sid=f"CA{n:032x}").start()
        for n in range(1, 4)
    ]

    # then each is greeted
    for answer in answers:
        assert "Para denunciar, oprima 1" in answer.text
        assert not answer.hangs_up


def test_hidden_calls_share_half_the_line_and_leave_the_rest_open(
    client, orgs, settings
):
    # given a line of four calls a minute
    settings.REMEDIA_VOICE_MAX_CALLS_PER_MINUTE = 4

    # when a flood of hidden calls comes
    hidden = [
        Call(client=client, caller="+266696687", call_sid=f"CA{n:032x}").start()
        for n in range(1, 4)
    ]

    # then half the line takes them, and the rest are told kindly
    assert [a.hangs_up for a in hidden] == [False, False, True]
    assert "muchas llamadas" in hidden[2].text
    # and a caller with a number still gets through
    numbered = Call(client=client, call_sid="CA" + "f" * 32).start()
    assert "Para denunciar, oprima 1" in numbered.text


def test_a_call_is_kept_apart_from_its_number(client, provider, orgs):
    # given two calls from one number at once (a shared phone)
    first = Call(client=client, call_sid="CA" + "1" * 32)
    second = Call(client=client, call_sid="CA" + "2" * 32)
    first_category = first.press(first.start(), "1")
    second_category = second.press(second.start(), "1")

    # when each chooses differently
    first_state = first.press(first_category, "1")  # intimidation
    second.press(second_category, "7")  # forced labour

    # then neither sees the other's choices
    first_story = first.record(first.press(first_state, "1"), provider, rsid(1), 2)
    _receipt_in(first.record(first_story, provider, rsid(2), 3))
    report = Report.objects.get()
    assert list(report.category_rows.values_list("code", flat=True)) == ["intimidation"]


def _cache_rows() -> list[tuple[str, bytes, float]]:
    """Each row of the shared cache: key, the value as stored, seconds to live."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key, value, expires FROM remedia_cache")
        rows = cursor.fetchall()
    out = []
    for key, value, expires in rows:
        stored = pickle.loads(base64.b64decode(value))  # noqa: S301  (our own cache)
        stored = stored if isinstance(stored, bytes) else str(stored).encode()
        when = expires if isinstance(expires, datetime) else parse_datetime(expires)
        assert when is not None
        if timezone.is_naive(when):
            when = timezone.make_aware(when, UTC)
        out.append((key, stored, (when - timezone.now()).total_seconds()))
    return out


def test_what_a_call_keeps_is_sealed_and_expires(client, provider, orgs):
    # given a call whose story is in and its receipt waiting for the next round
    call = Call(client=client)
    story = _report_to_the_story(call, provider)
    waiting = call.post(
        story.action,
        RecordingUrl=provider.add_recording(rsid(2), wav(3)),
        RecordingSid=rsid(2),
        RecordingDuration="3",
        Digits="#",
    )
    call.recording_ready(
        story.recording_callback,
        sid=rsid(2),
        recording_url=provider.add_recording(rsid(2), wav(3)),
        seconds=3,
    )
    kept = [row for row in _cache_rows() if row[0].startswith(":1:channels:voice:")]
    receipt = _receipt_in(call.post(waiting.redirect))

    # then every entry expires within the idle time
    assert kept
    for key, _stored, left in kept:
        assert 0 < left <= voice.IDLE_SECONDS + 5, key
        assert WORKER_DIGITS not in key
    # and none holds the number, the receipt or the choices in the clear
    for needle in (WORKER, WORKER_DIGITS, receipt, "retaliation", "MX-AGU"):
        assert not [k for k, s, _l in kept if needle.encode() in s], needle
