"""The report form's page (issue 22.4), without a browser: steps, words, errors,
the other channels, the quick exit, and what the follow-up page shows back."""

from __future__ import annotations

import re

import pytest

from remedia.intake.categories import WORKER_CATEGORIES, Category
from tests.intake.support import NARRATIVE, report_form
from tests.support.factories.facilities import FacilityFactory

RECEIPT_ON_PAGE = re.compile(r'id="receipt"[^>]*>\s*(\d{4} \d{4} \d{4} \d{4})\s*<')
STEPS = [
    "step-what",
    "step-where",
    "step-when",
    "step-story",
    "step-files",
    "step-review",
]


def _page(response) -> str:
    return response.content.decode()


@pytest.fixture
def channels(settings):
    settings.REMEDIA_VOICE_NUMBER = "+52 55 5000 1111"
    settings.TWILIO_SMS_FROM = "+525550002222"
    settings.TWILIO_WHATSAPP_FROM = "whatsapp:+525550003333"
    settings.REMEDIA_REPORT_EMAIL = "denuncias@remedia.example"


def test_the_form_is_one_page_of_steps_in_the_workers_words(client, db):
    page = _page(client.get("/denunciar/"))

    # Every step is a section of the one form, in order
    positions = [page.index(f'<section class="step card" id="{s}"') for s in STEPS]
    assert positions == sorted(positions)
    assert page.count('<form method="post" action="/denunciar/"') == 1
    # Every category, in plain words, with its own drawn icon and the legal term
    assert page.count('<svg class="icon"') == len(Category)
    assert {c.code for c in WORKER_CATEGORIES} == set(Category.values)
    assert "Me vigilan o me meten miedo" in page
    assert "En la ley: Injerencia en asuntos internos del sindicato" in page
    # One workplace field
    assert page.count('name="facility_name"') == 1
    assert 'name="facility_q"' not in page
    # No summary when nothing is wrong; the quick exit is there
    assert 'id="error-summary"' not in page
    assert 'id="quick-exit"' in page


def test_every_aria_describedby_points_at_an_element_of_the_page(client, orgs):
    for response in (
        client.get("/denunciar/"),
        client.post("/denunciar/", report_form(categories=[], state="", narrative="")),
    ):
        page = _page(response)
        ids = set(re.findall(r'\bid="([^"]+)"', page))
        described = {
            ref
            for refs in re.findall(r'aria-describedby="([^"]+)"', page)
            for ref in refs.split()
        }
        assert described - ids == set()


def test_errors_are_summarised_first_each_linked_to_its_field(client, orgs):
    response = client.post(
        "/denunciar/", report_form(categories=[], state="", occurred_on="ayer")
    )

    assert response.status_code == 422
    page = _page(response)
    summary = page[
        page.index('id="error-summary"') : page.index(
            "</div>", page.index('id="error-summary"')
        )
    ]
    assert page.index('id="error-summary"') < page.index('id="report-form"')
    assert 'tabindex="-1"' in summary
    assert "autofocus" in summary
    assert "3 cosas por corregir" in summary
    assert '<a href="#id_categories_0" data-step="step-what">' in summary
    assert '<a href="#id_state" data-step="step-where">' in summary
    assert '<a href="#id_occurred_on" data-step="step-when">' in summary
    # The page opens on the first step with a problem
    assert 'data-current-step="step-what"' in page
    assert NARRATIVE in page


def test_the_chosen_facility_says_where_it_happened(client, orgs):
    inisa = FacilityFactory(name="INISA planta Rincón", state="MX-AGU")

    response = client.post(
        "/denunciar/", report_form(state="", facility_id=str(inisa.pk))
    )

    assert response.status_code == 302


def test_the_other_channels_are_on_the_home_page_and_the_form(client, db, channels):
    for url in ("/", "/denunciar/"):
        page = _page(client.get(url))
        assert 'id="other-channels"' in page
        assert 'href="tel:+525550001111"' in page
        assert 'href="sms:+525550002222"' in page
        assert 'href="https://wa.me/525550003333"' in page
        assert 'href="mailto:denuncias@remedia.example"' in page


def test_no_channel_set_no_channel_box(client, db, settings):
    settings.REMEDIA_VOICE_NUMBER = None
    settings.TWILIO_SMS_FROM = None
    settings.TWILIO_WHATSAPP_FROM = None
    settings.REMEDIA_REPORT_EMAIL = None

    assert 'id="other-channels"' not in _page(client.get("/"))


def test_quick_exit_goes_where_settings_say(client, db, settings):
    settings.REMEDIA_QUICK_EXIT_URL = "https://clima.example/"

    page = _page(client.get("/denunciar/"))

    assert re.search(
        r'<a class="quick-exit" id="quick-exit" href="https://clima.example/"', page
    )
    assert "/static/remedia/worker.js" in page


def test_the_form_in_english_is_all_english(client, db, channels):
    client.post("/i18n/setlang/", {"language": "en", "next": "/denunciar/"})

    page = _page(client.get("/denunciar/"))

    for english in (
        "Quick exit",
        "Step 1 of 6",
        "What happened?",
        "They watch me or frighten me",
        "In law: Intimidation",
        "Very serious: handled urgently",
        "Workplace",
        "Day it happened (optional)",
        "In your own words",
        "Review and send",
        "Send report",
        "You can also report without the internet",
    ):
        assert english in page, english
    for spanish in ("Siguiente", "Paso 1", "Me vigilan", "En la ley", "Salir rápido"):
        assert spanish not in page, spanish


def test_followup_shows_what_the_worker_sent(client, orgs, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    inisa = FacilityFactory(
        name="INISA planta Rincón", municipality="Rincón de Romos", state="MX-AGU"
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.intake.support import jpeg_with_gps

    sent = client.post(
        "/denunciar/",
        report_form(
            facility_id=str(inisa.pk),
            facility_name="la de la carretera",
            occurred_on="2026-11-20",
            attachments=[
                SimpleUploadedFile("gafete.jpg", jpeg_with_gps("X"), "image/jpeg")
            ],
        ),
    )
    assert sent.status_code == 302
    receipt = RECEIPT_ON_PAGE.search(_page(client.get("/denunciar/recibo/"))).group(1)
    client.post("/seguimiento/", {"receipt": receipt.replace(" ", "")})

    page = _page(client.get("/seguimiento/denuncia/"))

    assert "Lo que usted envió" in page
    assert "INISA planta Rincón" in page
    assert "Usted escribió: «la de la carretera»" in page
    assert "20 de noviembre de 2026" in page
    assert "gafete.jpg" in page
    assert "Me vigilan o me meten miedo" in page
    assert "La empresa dice por quién votar o habla contra el sindicato" in page
