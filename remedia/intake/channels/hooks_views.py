"""The provider's webhooks: parse its form, ask the channel, answer in TwiML.

Signatures are checked before anything is read (`signed.twilio_signed`). The
sender's number is passed on and never logged here.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from twilio.twiml.messaging_response import MessagingResponse

from remedia.intake.channels import sms, voice
from remedia.intake.channels.signed import twilio_signed


def _twiml(text: str) -> HttpResponse:
    response = MessagingResponse()
    if text:
        response.message(text)
    return HttpResponse(str(response), content_type="text/xml; charset=utf-8")


@never_cache
@twilio_signed
def sms_hook(request: HttpRequest) -> HttpResponse:
    """`POST /hooks/twilio/sms`: SMS, and WhatsApp with `whatsapp:` numbers."""
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
    answer = voice.call_answer(form=form, step=request.GET.get("step", ""))
    return HttpResponse(answer, content_type="text/xml; charset=utf-8")
