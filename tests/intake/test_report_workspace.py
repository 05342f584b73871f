"""Issue 22.2: the staff report page as a workspace.

Its head names the report by its date in words with a status badge; the
summary column holds what is known of it, the status form and the other apps'
panels; the main column its words, files and thread with the reply form.
An action's result (a status change, a reply, a refusal) is shown beside the
form that was sent, not at the top of the page, and the redirect lands on it.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from remedia.cases import services as cases
from remedia.core.words import date_words, datetime_words
from remedia.intake import services as intake
from remedia.intake.models import Report, ReportStatus
from tests.intake.support import NARRATIVE
from tests.support.factories.facilities import FacilityFactory

pytestmark = pytest.mark.django_db


def page_of(report: Report) -> str:
    return f"/staff/reports/{report.pk}/"


def block(html: str, opening: str, closing: str) -> str:
    """The markup from `opening` to the first `closing` after it ("" if absent)."""
    start = html.find(opening)
    if start < 0:
        return ""
    end = html.find(closing, start)
    return html[start : end if end >= 0 else None]


@pytest.fixture
def facility():
    return FacilityFactory(name="Confecciones del Norte", state="MX-AGU")


def report_about(facility, **fields) -> Report:
    """A report on the registry's `facility` in Aguascalientes, submitted as any channel does."""
    return intake.report_submit(
        draft=intake.ReportDraft(
            channel="web",
            categories=["intimidation"],
            narrative=NARRATIVE,
            facility_id=facility.pk,
            state="MX-AGU",
            **fields,
        )
    ).report


@pytest.fixture
def report(orgs, facility) -> Report:
    return report_about(
        facility,
        facility_name="La maquila de la carretera",
        occurred_on=date(2026, 3, 2),
    )


def test_the_report_page_is_a_workspace(client, enter, agu_handler, report, facility):
    # Given a handler of the report's organisation
    enter(agu_handler)

    # When they open the report
    response = client.get(page_of(report))

    # Then the head names it by its date in words, with its status as a badge
    html = response.content.decode()
    assert response.status_code == 200
    head = block(html, '<div class="ws-head">', "</div>")
    assert 'href="/staff/reports/"' in head
    assert f"Denuncia del {date_words(report.created_at)}" in head
    assert '<span class="badge-status status-received">Recibida</span>' in head
    # The summary: received in words with the channel, the place, the facility's
    # page, the date of the events in words; no ISO dates anywhere
    summary = block(html, '<aside class="ws-summary"', "</aside>")
    assert datetime_words(report.created_at) in summary
    assert "Web" in block(summary, 'id="report-received"', "</dd>")
    assert "Aguascalientes" in summary
    assert f'href="/staff/facilities/{facility.pk}/"' in summary
    assert "2 de marzo de 2026" in block(summary, 'id="report-occurred"', "</dd>")
    assert 'id="status"' in summary
    assert "Recibida (actual)" in block(summary, '<details id="status"', "</details>")
    assert "2026-03-02" not in html
    assert not re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", html)
    # The main column: the words, the thread, and the reply form right below it
    main = html.split('<div class="ws-main">', 1)[1]
    assert "Centro, como lo escribió:" in main
    assert "La maquila de la carretera" in main
    assert 'id="narrative"' in main
    thread = main.index('id="messages"')
    reply = main.index('id="reply"')
    assert thread < reply
    assert f'action="{page_of(report)}#reply-result"' in main[reply:]


def test_a_status_change_is_shown_beside_the_status_form(
    client, enter, agu_handler, report
):
    enter(agu_handler)

    response = client.post(
        f"{page_of(report)}status/", {"status": ReportStatus.ACKNOWLEDGED}
    )

    # The redirect lands on the result, which is in the opened status form
    assert response["Location"] == f"{page_of(report)}#status-result"
    html = client.get(response["Location"]).content.decode()
    status = block(html, '<details id="status" open>', "</details>")
    assert 'id="status-result"' in status
    assert 'role="status"' in status
    assert "Estado: Acusada de recibo." in status
    assert 'class="messages"' not in html
    # And the head's badge says the new status
    assert "status-acknowledged" in block(html, '<div class="ws-head">', "</div>")
    assert Report.objects.get(pk=report.pk).status == ReportStatus.ACKNOWLEDGED


def test_a_refused_status_is_an_alert_beside_the_status_form(
    client, enter, agu_handler, report
):
    enter(agu_handler)

    response = client.post(f"{page_of(report)}status/", {"status": "lost"})

    html = client.get(response["Location"]).content.decode()
    status = block(html, '<details id="status" open>', "</details>")
    assert 'role="alert"' in status
    assert "Estado desconocido." in status
    assert 'class="messages"' not in html
    assert Report.objects.get(pk=report.pk).status == ReportStatus.RECEIVED


def test_a_reply_is_confirmed_beside_the_reply_form(client, enter, agu_handler, report):
    enter(agu_handler)

    response = client.post(page_of(report), {"body": "Recibimos su denuncia."})

    assert response["Location"] == f"{page_of(report)}#reply-result"
    html = client.get(response["Location"]).content.decode()
    reply = block(html, '<div id="reply"', "</form>")
    found = re.search(r'id="reply-result"[^>]*>([^<]*)<', reply)
    assert found
    assert found.group(1) == "Respuesta enviada a quien denunció."
    assert 'class="messages"' not in html
    assert "Recibimos su denuncia." in block(html, 'id="messages"', "</ol>")


def test_a_refused_reply_comes_back_with_its_errors_beside_the_form(
    client, enter, agu_handler, report
):
    enter(agu_handler)

    response = client.post(page_of(report), {"body": "   "})

    # The page comes back (the form's action lands on its result), the refusal
    # announced and focused beside the form, the reason by the field
    assert response.status_code == 422
    html = response.content.decode()
    reply = block(html, '<div id="reply"', "</form>")
    result = re.search(r'<div class="section-message message-error"[^>]*>', reply)
    assert result
    assert 'id="reply-result"' in result.group(0)
    assert "autofocus" in result.group(0)
    assert 'role="alert"' in result.group(0)
    assert 'class="field-error"' in reply
    assert 'class="messages"' not in html
    assert "Sin mensajes todavía." in block(html, 'id="messages"', "</ol>")


def test_the_case_panel_offers_no_case_chosen_in_advance(
    client, enter, agu_handler, report, facility
):
    # Given an active case about the same facility
    user = enter(agu_handler)
    other = report_about(facility)
    cases.case_open(report_ids=[other.pk], user=user)

    # When the handler opens the report in no case
    html = client.get(page_of(report)).content.decode()

    # Then the case is offered in the summary column, and no case is chosen
    panel = block(
        block(html, '<aside class="ws-summary"', "</aside>"),
        'id="report-cases"',
        "</section>",
    )
    radios = re.findall(r'<input type="radio" name="case_id"[^>]*>', panel)
    assert radios
    assert not any("checked" in radio for radio in radios)
