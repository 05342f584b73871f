"""Issue 15 point 12: the worker's cookies are session-only and short.

The receipt cookie (to show the receipt again) and the follow-up cookie (which
carries the report's key) end with the browser session, and their sealed value
expires on the server's clock: 30 minutes after the receipt was shown, and 30
idle minutes for the follow-up (each follow-up page pushes it on).
"""

from __future__ import annotations

import re
import time

import pytest

from remedia.intake import reporter_cookies
from tests.intake.support import report_form

RECEIPT_COOKIE = reporter_cookies.RECEIPT_COOKIE
FOLLOWUP_COOKIE = reporter_cookies.FOLLOWUP_COOKIE


@pytest.fixture
def clock(monkeypatch):
    """The cookies' clock, moved on by the test."""
    now = [time.time()]
    monkeypatch.setattr(reporter_cookies.time, "time", lambda: now[0])
    return now


def _session_only(morsel) -> bool:
    return morsel["max-age"] == "" and morsel["expires"] == ""


def _report_and_receipt(client) -> str:
    response = client.post("/denunciar/", report_form())
    assert response.status_code == 302
    page = client.get("/denunciar/recibo/").content.decode()
    return re.search(r"\d{4} \d{4} \d{4} \d{4}", page).group(0)


def test_the_receipt_cookie_is_session_only_and_short(client, orgs, clock):
    # given a report just made
    response = client.post("/denunciar/", report_form())

    # then the receipt cookie ends with the browser session
    assert _session_only(response.cookies[RECEIPT_COOKIE])
    assert client.get("/denunciar/recibo/").status_code == 200

    # and its sealed value is refused after 30 minutes
    clock[0] += 31 * 60
    assert client.get("/denunciar/recibo/").status_code == 404


def test_the_followup_cookie_is_session_only_and_idles_out(client, orgs, clock):
    # given a worker who entered their receipt
    receipt = _report_and_receipt(client)
    response = client.post("/seguimiento/", {"receipt": receipt})
    assert response.status_code == 302

    # then the follow-up cookie, which carries the report's key, is session-only
    assert _session_only(response.cookies[FOLLOWUP_COOKIE])

    # and each page pushes its expiry on: 20 + 20 minutes of reading stay open
    clock[0] += 20 * 60
    page = client.get("/seguimiento/denuncia/")
    assert page.status_code == 200
    assert _session_only(page.cookies[FOLLOWUP_COOKIE])
    clock[0] += 20 * 60
    assert client.get("/seguimiento/denuncia/").status_code == 200

    # and after 31 idle minutes the receipt is asked for again
    clock[0] += 31 * 60
    closed = client.get("/seguimiento/denuncia/")
    assert closed.status_code == 302
    assert closed["Location"] == "/seguimiento/"
