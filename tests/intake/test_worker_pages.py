"""The worker's pages: Spanish first, a form that keeps what was typed, a receipt
shown only in the same browser, and follow-up with the receipt."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from remedia.core.models import AuditEntry
from remedia.intake import reporter_cookies, services
from remedia.intake.models import Channel, Message, Report
from tests.intake.support import (
    ME_URL,
    NARRATIVE,
    RECEIPT_MISMATCH,
    receipt_auth,
    report_form,
)
from tests.support.factories.facilities import FacilityFactory

RECEIPT_ON_PAGE = re.compile(r'id="receipt"[^>]*>\s*(\d{4} \d{4} \d{4} \d{4})\s*<')


def _page(response) -> str:
    return response.content.decode()


def _send_report(client, **overrides) -> str:
    """Send the form and read the receipt from the receipt page, as a worker does."""
    response = client.post("/denunciar/", report_form(**overrides))
    assert response.status_code == 302
    assert response["Location"] == "/denunciar/recibo/"
    page = client.get("/denunciar/recibo/")
    assert page.status_code == 200
    match = RECEIPT_ON_PAGE.search(_page(page))
    assert match, "the receipt page shows the receipt"
    return match.group(1).replace(" ", "")


# --- Spanish first, English a click away ---------------------------------------------------


@pytest.mark.parametrize(
    ("url", "heading"),
    [("/", "Denuncie sin dar su nombre"), ("/denunciar/", "Hacer una denuncia")],
)
def test_worker_pages_are_spanish_with_a_switch_to_english(client, db, url, heading):
    response = client.get(url)

    assert response.status_code == 200
    page = _page(response)
    assert '<html lang="es-mx">' in page
    assert f"<h1>{heading}</h1>" in page
    assert 'action="/i18n/setlang/"' in page
    assert re.search(r'<button[^>]*name="language"[^>]*value="en"[^>]*>English<', page)


def test_the_switch_turns_the_start_page_english(client, db):
    # When the worker presses "English" on the start page
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    # Then they come back to it, in English
    assert response.status_code == 302
    assert response["Location"] == "/"
    page = _page(client.get("/"))
    assert '<html lang="en">' in page
    assert "Report a problem without giving your name" in page


def test_start_page_says_who_reads_and_how_anonymity_is_kept(client, db):
    page = _page(client.get("/"))

    assert "¿Quién lee su denuncia?" in page
    assert "No pedimos su nombre, teléfono ni correo." in page
    assert 'href="/denunciar/"' in page
    assert 'href="/seguimiento/"' in page


# --- The form: errors in Spanish, nothing lost, nothing stored ---------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"state": ""}, "Elija el estado donde pasó."),
        ({"state": "MX-XYZ"}, "Seleccione una opción válida."),
        ({"categories": []}, "Elija al menos un tipo de problema."),
        (
            {"occurred_on": str(timezone.localdate() + timedelta(days=1))},
            "La fecha no puede ser futura.",
        ),
        ({"occurred_on": "ayer"}, "Escriba una fecha válida."),
    ],
)
def test_invalid_form_comes_back_in_spanish_keeping_the_text(
    client, orgs, overrides, message
):
    audit_before = AuditEntry.objects.count()

    response = client.post("/denunciar/", report_form(**overrides))

    assert response.status_code == 422
    page = _page(response)
    assert message in page
    assert NARRATIVE in page
    assert Report.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before


def test_short_narrative_is_refused_by_the_service_rule(client, orgs):
    response = client.post(
        "/denunciar/", report_form(narrative="corto", facility_name="Taller X")
    )

    assert response.status_code == 422
    page = _page(response)
    assert "Cuéntenos qué pasó, con al menos unas palabras (10 letras)." in page
    assert 'value="Taller X"' in page
    assert Report.objects.count() == 0


def test_csrf_token_from_the_page_is_needed(orgs):
    # Given a browser that enforces CSRF like a real one
    browser = Client(enforce_csrf_checks=True)

    # When the form is posted without the token / then it is refused
    assert browser.post("/denunciar/", report_form()).status_code == 403
    assert Report.objects.count() == 0

    # When it is posted with the token from the page / then it is accepted
    page = _page(browser.get("/denunciar/"))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = browser.post("/denunciar/", report_form(csrfmiddlewaretoken=token))
    assert response.status_code == 302
    assert Report.objects.get().channel == Channel.WEB


# --- The receipt: shown in this browser only ----------------------------------------------------


def test_receipt_page_shows_the_receipt_in_groups_of_four(client, orgs):
    # When a worker sends a valid report
    receipt = _send_report(client)

    # Then the receipt page showed 16 digits that open the report
    assert re.fullmatch(r"\d{16}", receipt)
    assert client.get(ME_URL, headers=receipt_auth(receipt)).status_code == 200
    # And it can be shown again in the same browser
    again = client.get("/denunciar/recibo/")
    assert RECEIPT_ON_PAGE.search(_page(again)).group(1).replace(" ", "") == receipt
    # But not in another browser
    elsewhere = Client().get("/denunciar/recibo/")
    assert elsewhere.status_code == 404
    assert "Ya no podemos mostrar el recibo" in _page(elsewhere)
    assert receipt[:4] not in _page(elsewhere)


def test_i_saved_it_forgets_the_receipt(client, orgs):
    _send_report(client)

    response = client.post("/denunciar/recibo/")

    assert response.status_code == 302
    assert response["Location"] == "/"
    gone = client.get("/denunciar/recibo/")
    assert gone.status_code == 404
    assert "Ya no podemos mostrar el recibo" in _page(gone)


def test_receipt_is_not_kept_on_the_server(client, orgs):
    receipt = _send_report(client)

    # The browser holds it only sealed: the cookie does not show it
    cookie = client.cookies[reporter_cookies.RECEIPT_COOKIE]
    assert receipt not in cookie.value
    assert cookie["httponly"]
    assert cookie["samesite"] == "Strict"
    assert not cookie["max-age"], "gone when the browser closes"


class LaterClock:
    """`time` as seen by the cookies, some seconds in the future."""

    def __init__(self, seconds: float) -> None:
        self.offset = seconds

    def time(self) -> float:
        return time.time() + self.offset


def test_receipt_cookie_is_useless_after_half_a_day(client, orgs, monkeypatch):
    _send_report(client)

    monkeypatch.setattr(reporter_cookies, "time", LaterClock(12 * 3600 + 60))

    assert client.get("/denunciar/recibo/").status_code == 404


# --- Follow-up with the receipt -------------------------------------------------------------------


def test_follow_up_shows_status_and_messages(client, orgs, agu_handler):
    # Given a report the handler answered
    receipt = _send_report(client)
    report = Report.objects.get()
    services.staff_reply(
        report=report, user=agu_handler.user, body="Gracias, ¿en qué área trabaja?"
    )

    # When the worker enters the receipt in another browser
    worker = Client()
    grouped = " ".join(receipt[i : i + 4] for i in range(0, 16, 4))
    response = worker.post("/seguimiento/", {"receipt": grouped})

    # Then they reach their report, with its status and the reply
    assert response.status_code == 302
    assert response["Location"] == "/seguimiento/denuncia/"
    page = _page(worker.get("/seguimiento/denuncia/"))
    assert "Acusada de recibo" in page
    assert "Gracias, ¿en qué área trabaja?" in page
    assert NARRATIVE in page

    # And they answer from the page, and see their answer after the reply
    sent = worker.post("/seguimiento/denuncia/", {"body": "En el área de corte."})
    assert sent.status_code == 302
    page = _page(worker.get("/seguimiento/denuncia/"))
    assert "Su mensaje se envió." in page
    assert page.index("Gracias, ¿en qué área trabaja?") < page.index(
        "En el área de corte."
    )
    assert Message.objects.filter(author_kind="reporter").count() == 1


@pytest.mark.parametrize(
    "typed", ["0000 0000 0000 0000", "1234", "abcd efgh ijkl mnop"]
)
def test_wrong_receipt_is_401_with_the_spanish_message(client, orgs, typed):
    response = client.post("/seguimiento/", {"receipt": typed})

    assert response.status_code == 401
    assert RECEIPT_MISMATCH in _page(response)
    assert reporter_cookies.FOLLOWUP_COOKIE not in client.cookies


def test_follow_up_without_the_receipt_asks_for_it(client, db):
    response = client.get("/seguimiento/denuncia/")

    assert response.status_code == 302
    assert response["Location"] == "/seguimiento/"


def test_follow_up_cookie_is_useless_after_it_expires(client, orgs, monkeypatch):
    # Given a worker who opened their report with the receipt
    receipt = _send_report(client)
    assert client.post("/seguimiento/", {"receipt": receipt}).status_code == 302
    assert client.get("/seguimiento/denuncia/").status_code == 200

    # When more than the follow-up time has passed (the browser still sends the cookie)
    monkeypatch.setattr(reporter_cookies, "time", LaterClock(31 * 60))

    # Then the cookie opens nothing: the receipt is asked for again
    response = client.get("/seguimiento/denuncia/")
    assert response.status_code == 302
    assert response["Location"] == "/seguimiento/"
    assert client.post("/seguimiento/denuncia/", {"body": "hola"}).status_code == 302
    assert Message.objects.count() == 0


def test_follow_up_of_a_closed_report_offers_no_reply(client, orgs, agu_handler):
    receipt = _send_report(client)
    services.report_status_change(
        report=Report.objects.get(), user=agu_handler.user, status="closed"
    )
    client.post("/seguimiento/", {"receipt": receipt})

    page = _page(client.get("/seguimiento/denuncia/"))
    refused = client.post("/seguimiento/denuncia/", {"body": "¿Y ahora?"})

    assert "Cerrada" in page
    assert "Esta denuncia está cerrada." in page
    assert 'name="body"' not in page
    assert refused.status_code == 400
    assert Message.objects.count() == 0


def test_leaving_follow_up_closes_it(client, orgs):
    receipt = _send_report(client)
    client.post("/seguimiento/", {"receipt": receipt})

    client.post("/seguimiento/salir/")

    assert client.get("/seguimiento/denuncia/").status_code == 302


# --- The facility picker without JavaScript --------------------------------------------------------


def test_search_without_javascript_lists_facilities_and_keeps_the_form(client, orgs):
    # Given facilities in the registry
    inisa = FacilityFactory(
        name="INISA planta Rincón",
        legal_name="Industrias del Interior, S.A. de C.V.",
        municipality="Rincón de Romos",
        state="MX-AGU",
    )
    FacilityFactory(name="Textiles Calvillo", state="MX-AGU")
    audit_before = AuditEntry.objects.count()

    # When the worker presses "Buscar" with the form half filled
    response = client.post(
        "/denunciar/",
        report_form(
            action="search", facility_q="ind del interior", occurred_on="2024-05-01"
        ),
    )

    # Then the page comes back with the match as a radio button
    assert response.status_code == 200
    page = _page(response)
    assert re.search(
        rf'<input type="radio" name="facility_id" value="{inisa.pk}"', page
    )
    assert "Textiles Calvillo" not in page
    # And everything typed is still there
    assert NARRATIVE in page
    assert 'value="ind del interior"' in page
    assert 'value="2024-05-01"' in page
    assert re.search(r'value="MX-AGU"[^>]*selected', page)
    assert re.search(r'value="non_neutrality"[^>]*checked', page)
    # And nothing was stored
    assert Report.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before

    # When they pick it and send / then the report names that facility
    receipt = _send_report(client, facility_id=str(inisa.pk))
    assert receipt
    assert Report.objects.get().facility == inisa


def test_search_that_finds_nothing_says_so(client, orgs):
    response = client.post(
        "/denunciar/", report_form(action="search", facility_q="zzzz")
    )

    assert response.status_code == 200
    assert "No encontramos ese centro." in _page(response)


def test_picker_fragment_for_htmx(client, db):
    inisa = FacilityFactory(name="Industrias del Interior", state="MX-AGU")

    response = client.get("/denunciar/centros/", {"facility_q": "industrias interior"})

    assert response.status_code == 200
    assert f'value="{inisa.pk}"' in _page(response)
    assert "<html" not in _page(response)
