"""Driving the SMS hook as the provider does: forms signed by the twilio library."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from django.conf import settings
from twilio.request_validator import RequestValidator

ACCOUNT_SID = "AC" + "5" * 32
AUTH_TOKEN = "stand-in-token-0123456789abcdef"
OUR_SMS_NUMBER = "+15550001111"
OUR_WHATSAPP_NUMBER = "whatsapp:+15550002222"
WORKER = "+5215512345678"
WORKER_DIGITS = "5512345678"
HOOK_PATH = "/hooks/twilio/sms"

NARRATIVE = (
    "El supervisor de la línea 3 dijo que quien vote por el sindicato nuevo "
    "perderá las horas extra."
)


def hook_form(sender: str, body: str, *, to: str = OUR_SMS_NUMBER) -> dict[str, str]:
    return {
        "MessageSid": "SM" + "1" * 32,
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "To": to,
        "Body": body,
        "NumMedia": "0",
    }


def signature(params: dict[str, str], *, token: str = AUTH_TOKEN) -> str:
    url = settings.REMEDIA_BASE_URL + HOOK_PATH
    return RequestValidator(token).compute_signature(url, params)


def answer_text(twiml: bytes | str) -> str:
    """The text of the <Message> in a TwiML answer ("" for none)."""
    root = ET.fromstring(twiml)  # noqa: S314  (our own server's answer)
    assert root.tag == "Response"
    return "\n".join(m.text or "" for m in root.iter("Message"))


def sms(client: Any, sender: str, body: str) -> str:
    """One signed message through the Django test client; the answer's text."""
    form = hook_form(sender, body)
    response = client.post(
        HOOK_PATH, data=form, HTTP_X_TWILIO_SIGNATURE=signature(form)
    )
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/xml")
    return answer_text(response.content)


def report_steps(*, wants_replies: bool) -> list[str]:
    return [
        "Hola",
        "3",
        "Confecciones del Bajío",
        "Aguascalientes",
        NARRATIVE,
        "1" if wants_replies else "2",
    ]
