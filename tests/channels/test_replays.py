"""Issue 15 point 12: a replayed signed request does nothing twice.

The provider names every message (MessageSid), call (CallSid) and recording
(RecordingSid); a request seen before is answered with an empty TwiML and
changes nothing.
"""

from __future__ import annotations

import re

from django.conf import settings

from remedia.intake.models import Report
from tests.channels.calls import HOOK, Call
from tests.channels.support import (
    HOOK_PATH,
    WORKER,
    answer_text,
    hook_form,
    report_steps,
    signature,
    sms,
)

RECEIPT = re.compile(r"\d{4} \d{4} \d{4} \d{4}")


def _signed_sms(client, form):
    return client.post(HOOK_PATH, data=form, HTTP_X_TWILIO_SIGNATURE=signature(form))


def test_a_replayed_sms_is_answered_with_nothing(client, orgs):
    # given a report made by SMS, and a signed message asking how it goes
    for step in report_steps(wants_replies=False):
        answer = sms(client, WORKER, step)
    receipt = RECEIPT.search(answer).group(0)
    form = {**hook_form(WORKER, receipt), "MessageSid": "SM" + "a" * 32}
    first = _signed_sms(client, form)
    assert "Su denuncia" in answer_text(first.content)

    # when the same signed request comes again
    replay = _signed_sms(client, form)

    # then it is answered, with no message: the report's status is not told twice
    assert replay.status_code == 200
    assert answer_text(replay.content) == ""
    assert Report.objects.count() == 1


def test_a_replayed_call_step_is_answered_with_nothing(client, orgs):
    # given a call that pressed a wrong key at the menu
    call = Call(client=client)
    greeting = call.start()
    url, form = greeting.action, call.form(Digits="7")
    first = call.send(url, form)
    assert "No entendimos" in first.text

    # when the same signed request comes again
    replay = call.send(url, form)

    # then nothing is said or asked; and the caller's real retry still counts
    assert replay.said == []
    assert list(replay.root) == []
    again = call.press(first, "7")
    assert "No entendimos" in again.text


def test_a_replayed_first_request_of_a_call_does_not_start_it_again(client, orgs):
    call = Call(client=client)
    url = settings.REMEDIA_BASE_URL + HOOK
    form = call.form()

    first = call.send(url, form)
    replay = call.send(url, form)

    assert first.said
    assert list(replay.root) == []
