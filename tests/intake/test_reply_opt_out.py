"""Stopping the handler's replies by SMS, WhatsApp or email: the service, the
follow-up page's button (no JavaScript, CSRF) and `GET /intake/me`."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from remedia.core.models import AuditEntry
from remedia.intake import services
from remedia.intake.models import Channel, Report
from tests.intake.support import ME_URL, NARRATIVE, receipt_auth

STOP_URL = "/seguimiento/respuestas/baja/"
FOLLOWUP_URL = "/seguimiento/denuncia/"
CONTACT = "+5215512345678"


def _report(channel: str = Channel.SMS, contact: str = CONTACT) -> str:
    """A report made on a channel whose worker asked to hear back; its receipt."""
    return services.report_submit(
        draft=services.ReportDraft(
            channel=channel,
            categories=["intimidation"],
            narrative=NARRATIVE,
            state="MX-AGU",
            reply_contact=contact,
        )
    ).receipt


def _followed(client: Client, receipt: str) -> str:
    response = client.post("/seguimiento/", {"receipt": receipt})
    assert response.status_code == 302
    return client.get(FOLLOWUP_URL).content.decode()


# --- The service ---------------------------------------------------------------------


def test_stopping_clears_channel_and_destroys_the_sealed_contact(orgs):
    # given a report whose worker asked for answers by SMS
    receipt = _report()
    access = services.reporter_open(receipt=receipt)
    assert services.reply_contact_open(
        report=access.report, private_key=access.private_key
    ) == (CONTACT)

    # when the worker stops them
    stopped = services.reporter_replies_stop(access=access)

    # then the channel and the contact are gone, in the row and in memory
    assert stopped is True
    report = Report.objects.get()
    assert (report.reply_channel, report.reply_contact) == ("", None)
    assert (access.report.reply_channel, access.report.reply_contact) == ("", None)
    assert (
        services.reply_contact_open(report=report, private_key=access.private_key)
        is None
    )
    # and the audit log has it, with the channel and nothing of the contact
    entry = AuditEntry.objects.get(action="report.replies_stopped")
    assert entry.object_id == str(report.pk)
    assert entry.data == {"channel": "sms"}
    assert CONTACT not in repr(entry.data)


def test_stopping_twice_is_harmless_and_says_nothing_was_left(orgs):
    access = services.reporter_open(receipt=_report())
    services.reporter_replies_stop(access=access)

    again = services.reporter_replies_stop(access=access)

    assert again is False
    assert AuditEntry.objects.filter(action="report.replies_stopped").count() == 1


# --- The follow-up page --------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "contact", "note"),
    [
        (Channel.SMS, CONTACT, "también le llegan por SMS."),
        (Channel.WHATSAPP, "whatsapp:" + CONTACT, "también le llegan por WhatsApp."),
        (Channel.EMAIL, "obrera@example.org", "también le llegan por correo."),
    ],
)
def test_the_page_offers_to_stop_replies_and_says_when_it_is_done(
    client, orgs, channel, contact, note
):
    # given a worker following their report on the web
    page = _followed(client, _report(channel, contact))
    assert "Las respuestas de quien lleva su caso " + note in page
    form = re.search(
        r'<form method="post" action="' + re.escape(STOP_URL) + r'">(.*?)</form>',
        page,
        re.S,
    )
    assert form, "a plain form posts to the stop address"
    assert 'name="csrfmiddlewaretoken"' in form.group(1)

    # when they press the button
    response = client.post(STOP_URL)

    # then they are back on the page, which says so and offers the button no more
    assert response.status_code == 302
    assert response["Location"] == FOLLOWUP_URL
    page = client.get(FOLLOWUP_URL).content.decode()
    assert "ya no le enviaremos respuestas por ese medio" in page
    assert note not in page
    assert STOP_URL not in page
    assert Report.objects.get().reply_channel == ""


def test_no_section_when_replies_stay_on_the_web(client, orgs):
    receipt = _report(contact="")

    page = _followed(client, receipt)

    assert "también le llegan" not in page
    assert STOP_URL not in page


def test_the_button_needs_the_pages_csrf_token(orgs):
    client = Client(enforce_csrf_checks=True)
    entry = client.get("/seguimiento/")
    token = re.search(
        r'name="csrfmiddlewaretoken" value="([^"]+)"', entry.content.decode()
    )
    client.post(
        "/seguimiento/", {"receipt": _report(), "csrfmiddlewaretoken": token.group(1)}
    )
    page = client.get(FOLLOWUP_URL).content.decode()

    forged = client.post(STOP_URL)
    assert forged.status_code == 403
    assert Report.objects.get().reply_channel == Channel.SMS

    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    done = client.post(STOP_URL, {"csrfmiddlewaretoken": token})
    assert done.status_code == 302
    assert Report.objects.get().reply_channel == ""


def test_stopping_without_the_receipt_asks_for_it_and_changes_nothing(client, orgs):
    _report()

    response = client.post(STOP_URL)

    assert response.status_code == 302
    assert response["Location"] == "/seguimiento/"
    assert Report.objects.get().reply_channel == Channel.SMS


def test_get_on_the_stop_address_is_refused(client, orgs):
    _followed(client, _report())

    assert client.get(STOP_URL).status_code == 405
    assert Report.objects.get().reply_channel == Channel.SMS


# --- The API -------------------------------------------------------------------------


def test_me_shows_the_reply_channel_until_it_is_stopped(client, orgs):
    receipt = _report(Channel.WHATSAPP, "whatsapp:" + CONTACT)

    before = client.get(ME_URL, headers=receipt_auth(receipt)).json()
    services.reporter_replies_stop(access=services.reporter_open(receipt=receipt))
    after = client.get(ME_URL, headers=receipt_auth(receipt)).json()

    assert before["reply_channel"] == "whatsapp"
    assert after["reply_channel"] is None
    assert CONTACT not in repr(before)
