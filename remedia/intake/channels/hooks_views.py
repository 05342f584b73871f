"""The provider's webhooks: parse its form, ask the channel, answer in TwiML.

Signatures are checked before anything is read (`signed.twilio_signed`). The
sender's number is passed on and never logged here.

A signed request can be replayed by whoever captured it (a proxy's log, a
tap before TLS ends): the provider names each message (MessageSid), call
(CallSid) and recording (RecordingSid), and each step of a call's action URLs
carries a fresh nonce (`n`), so a request seen in the last day is answered
with an empty TwiML and changes nothing. Only a keyed hash of those names is
kept, in the shared cache, for a day.
"""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from remedia.intake.channels import common, sms, voice
from remedia.intake.channels.signed import twilio_signed

REPLAY_SECONDS = 24 * 3600


def first_time(*names: str) -> bool:
    """Whether this request (named by the provider's ids) is new; remembers it."""
    digest = common.keyed_digest(
        label=b"remedia.channels.twilio.replay", number="\x1f".join(names)
    )
    return bool(cache.add(f"channels:twilio:seen:{digest}", 1, REPLAY_SECONDS))


def _twiml(text: str) -> HttpResponse:
    response = MessagingResponse()
    if text:
        response.message(text)
    return HttpResponse(str(response), content_type="text/xml; charset=utf-8")


@never_cache
@twilio_signed
def sms_hook(request: HttpRequest) -> HttpResponse:
    """`POST /hooks/twilio/sms`: SMS, and WhatsApp with `whatsapp:` numbers."""
    sid = request.POST.get("MessageSid", "")
    if sid and not first_time("sms", sid):
        return _twiml("")
    answer = sms.conversation_answer(
        sender=request.POST.get("From", "").strip(),
        body=request.POST.get("Body", ""),
    )
    return _twiml(answer)


@never_cache
@twilio_signed
def voice_hook(request: HttpRequest) -> HttpResponse:
    """`POST /hooks/twilio/voice?step=...`: each step of a call, answered in TwiML."""
    form = {key: request.POST.get(key, "") for key in request.POST}
    step = request.GET.get("step", "")
    call_sid = form.get("CallSid", "")
    if call_sid and not first_time(
        "voice", call_sid, step, request.GET.get("n", ""), form.get("RecordingSid", "")
    ):
        return HttpResponse(
            str(VoiceResponse()), content_type="text/xml; charset=utf-8"
        )
    answer = voice.call_answer(form=form, step=step)
    return HttpResponse(answer, content_type="text/xml; charset=utf-8")
