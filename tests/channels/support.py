"""Driving the SMS hook as the provider does: forms signed by the twilio library."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from typing import Any

import requests
from django.apps import apps
from django.conf import settings
from django.db import connection
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
        # The provider names each message once (replays are refused by it).
        "MessageSid": "SM" + uuid.uuid4().hex,
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


def sms_over_http(base: str, body: str, *, sender: str = WORKER) -> str:
    """One signed message posted to a live server, as the provider does."""
    form = hook_form(sender, body)
    response = requests.post(
        base + HOOK_PATH,
        data=form,
        headers={"X-Twilio-Signature": signature(form)},
        timeout=30,
    )
    assert response.status_code == 200, response.status_code
    return answer_text(response.content)


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


def database_text() -> bytes:
    """Every row of every table, text and binary columns alike, as bytes."""
    dumped: list[bytes] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608  (our own names)
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        dumped.append(bytes(value))
                    elif value is not None:
                        dumped.append(str(value).encode())
    # The ORM's view too, in case a backend stores something the cursor renders.
    for model in apps.get_models():
        for values in model.objects.values_list():
            dumped.extend(
                bytes(v) if isinstance(v, bytes | memoryview) else str(v).encode()
                for v in values
            )
    return b"\n".join(dumped)
