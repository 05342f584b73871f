"""Issue 8 in a browser: a report made by SMS, followed on the web with its receipt.

The worker texts the line (forms signed by the twilio library, posted to the
live server as the provider would), then opens the follow-up page on a phone
with the receipt from the last SMS: the report is there, with a note that the
handler's replies also come by SMS. The handler's reply reaches the provider
stand-in and the page; the worker stops replies by SMS with the page's button,
and the next reply stays on the web only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from remedia.intake.channels.standin import ProviderStandin
from remedia.intake.models import Report
from tests.channels.support import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    NARRATIVE,
    OUR_SMS_NUMBER,
    WORKER,
    report_steps,
    sms_over_http,
)
from tests.e2e.pages import PageLog

pytestmark = pytest.mark.e2e

RECEIPT = re.compile(r"\b(\d{4} \d{4} \d{4} \d{4})\b")
FIRST_REPLY = "Gracias. ¿Sigue trabajando en la línea 3?"
SECOND_REPLY = "Mañana visitamos la planta con la inspección."


@pytest.fixture
def provider(settings: Any, live_server: Any) -> Iterator[ProviderStandin]:
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWILIO_SMS_FROM = OUR_SMS_NUMBER
    settings.REMEDIA_BASE_URL = live_server.url
    with ProviderStandin(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN) as standin:
        settings.TWILIO_API_URL = standin.url
        yield standin


def _reply(live_server: Any, handler: Any, report: Report, body: str) -> None:
    response = requests.post(
        f"{live_server.url}/api/v1/reports/{report.pk}/messages",
        json={"body": body},
        headers=handler.headers,
        timeout=30,
    )
    assert response.status_code == 201, response.text


def test_an_sms_report_is_followed_on_the_web_and_sms_replies_stopped_there(
    new_page: Callable[..., PageLog],
    live_server: Any,
    provider: ProviderStandin,
    agu_handler: Any,  # noqa: F811
) -> None:
    # given a worker who reported by SMS and asked to hear back by SMS
    answers = [
        sms_over_http(live_server.url, step)
        for step in report_steps(wants_replies=True)
    ]
    receipt = RECEIPT.search(answers[-1]).group(1)
    report = Report.objects.get()
    assert (report.channel, report.reply_channel) == ("sms", "sms")

    # when they open the follow-up page on a phone with that receipt
    log = new_page(phone=True)
    page = log.page
    page.goto("/seguimiento/")
    page.get_by_label("Número de recibo (16 dígitos)").fill(receipt)
    page.get_by_role("button", name="Ver mi denuncia").click()
    page.wait_for_url("**/seguimiento/denuncia/")

    # then the report told by SMS is there, and the page says replies go by SMS
    assert NARRATIVE in page.content()
    note = page.locator("#reply-channel")
    assert "también le llegan por SMS" in note.inner_text()

    # when the handler replies
    _reply(live_server, agu_handler, report, FIRST_REPLY)

    # then the reply reaches the worker's phone through the provider, and the page
    [sent] = provider.messages
    assert (sent.to, sent.body) == (WORKER, FIRST_REPLY)
    page.reload()
    assert FIRST_REPLY in page.locator("main").inner_text()

    # when the worker stops replies by SMS with the page's button
    note.get_by_role("button", name="Dejar de recibirlas por ese medio").click()
    page.wait_for_url("**/seguimiento/denuncia/")

    # then the page says so, the note is gone, and the sealed number is deleted
    assert "ya no le enviaremos respuestas por ese medio" in page.content()
    assert page.locator("#reply-channel").count() == 0
    report.refresh_from_db()
    assert (report.reply_channel, report.reply_contact) == ("", None)

    # and the next reply is on the web only
    _reply(live_server, agu_handler, report, SECOND_REPLY)
    assert len(provider.messages) == 1
    page.reload()
    text = page.locator("main").inner_text()
    assert FIRST_REPLY in text
    assert SECOND_REPLY in text
    assert log.errors == []
    assert log.csp_violations() == []
    assert all(url.startswith(live_server.url) for url in log.requests)
