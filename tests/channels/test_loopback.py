"""Issue 8's done-when for SMS, on loopback with real clients.

`requests` posts forms signed by the twilio library to the live server; the
receipt from the conversation opens the web follow-up; the handler's reply
leaves through the twilio library's REST client and lands in the stand-in.
Then a scan of the database and the data directory finds no phone number.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pytest
import requests

from remedia.intake.models import Report
from tests.channels.support import (
    NARRATIVE,
    OUR_SMS_NUMBER,
    WORKER,
    WORKER_DIGITS,
    database_text,
    report_steps,
    sms_over_http,
)

RECEIPT = re.compile(r"\b(\d{4} \d{4} \d{4} \d{4})\b")
REPLY = "Gracias por su denuncia. ¿Sigue trabajando en la línea 3?"


def _files_text(root: Path) -> list[tuple[Path, bytes]]:
    return [(p, p.read_bytes()) for p in root.rglob("*") if p.is_file()]


@pytest.mark.usefixtures("_flushable_audit_log")
def test_sms_report_followed_on_the_web_and_answered_by_sms_leaves_no_number(
    live_server: Any,
    settings: Any,
    orgs: Any,
    agu_handler: Any,
    provider: Any,
    caplog: Any,
) -> None:
    caplog.set_level(logging.DEBUG)
    settings.REMEDIA_BASE_URL = live_server.url

    # given a worker who reports by SMS and asks for answers by SMS
    answers = [
        sms_over_http(live_server.url, step)
        for step in report_steps(wants_replies=True)
    ]
    receipt = RECEIPT.search(answers[-1]).group(1)
    assert "Le responderemos por este medio." in answers[-1]

    # when they follow the report up on the web with the same receipt
    me = requests.get(
        live_server.url + "/api/v1/intake/me",
        headers={"Authorization": f"Receipt {receipt}"},
        timeout=30,
    )
    # then the web shows their report
    assert me.status_code == 200
    assert me.json()["narrative"] == NARRATIVE
    assert me.json()["status"] == "received"

    # when a handler replies through the staff API
    report = Report.objects.get()
    reply = requests.post(
        f"{live_server.url}/api/v1/reports/{report.pk}/messages",
        json={"body": REPLY},
        headers=agu_handler.headers,
        timeout=30,
    )
    assert reply.status_code == 201

    # then the reply reaches the worker's phone through the provider
    [sent] = provider.messages
    assert (sent.to, sent.from_, sent.body) == (WORKER, OUR_SMS_NUMBER, REPLY)
    # and the web follow-up has it too, as does the SMS follow-up
    me = requests.get(
        live_server.url + "/api/v1/intake/me",
        headers={"Authorization": f"Receipt {receipt}"},
        timeout=30,
    )
    assert [m["body"] for m in me.json()["messages"]] == [REPLY]
    status = sms_over_http(live_server.url, receipt)
    assert "Su denuncia: Acusada de recibo." in status
    assert REPLY in status

    # and the number is nowhere in plaintext: database, data directory, logs
    database = database_text()
    assert b"MX-AGU" in database  # the scan does read the report's row
    for needle in (WORKER.encode(), WORKER_DIGITS.encode()):
        assert needle not in database
        for path, data in _files_text(Path(settings.DATA_DIR)):
            assert needle not in data, path
    logged = [repr(vars(r)) + r.getMessage() for r in caplog.records]
    assert logged
    assert not [line for line in logged if WORKER_DIGITS in line]
