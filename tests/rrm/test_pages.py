"""`/rrm/` and `/rrm/<slug>/`: the public record's pages, Spanish by default."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core.cache import cache

from remedia.rrm import services
from remedia.rrm.models import RrmCase
from tests.rrm.public_record import RECORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache(db: None) -> None:
    cache.clear()


@pytest.fixture
def record() -> None:
    services.rrm_record_import(data=RECORD.read_bytes())


def test_the_list_shows_every_case_overdue_first_in_spanish(client, record):
    # When anyone opens the record's page
    response = client.get("/rrm/")

    # Then it is in Spanish, with a row for each case
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="es-mx">' in html
    assert "Registro público del Mecanismo Laboral de Respuesta Rápida" in html
    rows = re.findall(
        r'<tr id="rrm-case-[^"]+" class="([^"]*)">\s*<th[^>]*><a href="/rrm/([^/]+)/">',
        html,
    )
    assert len(rows) == 24
    assert {slug for _, slug in rows} == set(
        RrmCase.objects.values_list("slug", flat=True)
    )
    # Overdue ones first, marked
    classes = [cls.strip() for cls, _ in rows]
    overdue = [i for i, cls in enumerate(classes) if cls == "step-row-overdue"]
    assert overdue, "the record has overdue steps (vu-1's review, say)"
    assert overdue == list(range(len(overdue)))
    assert "vu-1" in [slug for _, slug in rows[: len(overdue)]]
    assert "vencido hace" in html
    # No inline script or style (strict CSP)
    assert "<script" not in html
    assert "style=" not in html


def test_a_case_page_shows_its_dates_sources_and_timeline(client, record):
    response = client.get("/rrm/inisa/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "INISA denim garment plant" in html
    # the course's deadline, in words, with the date for machines
    assert '<time datetime="2023-11-10">10 de noviembre de 2023</time>' in html
    # The timeline: the review met on 27 July 2023, the consultation late
    timeline = html[html.index('id="rrm-timeline"') :]

    def day(iso: str, words: str) -> str:
        return rf'<td[^>]*><time datetime="{iso}">{words}</time></td>'

    assert re.search(
        r"Revisión</th>\s*"
        + day("2023-06-12", "12 de junio de 2023")
        + r"\s*<td[^>]*>45</td>\s*"
        + day("2023-07-27", "27 de julio de 2023")
        + r"\s*"
        + day("2023-07-27", "27 de julio de 2023")
        + r"\s*"
        + day("2023-07-27", "27 de julio de 2023")
        + r'\s*<td data-label="Situación" class="step-met">cumplido</td>',
        timeline,
    )
    assert re.search(
        r"Consulta sobre la reparación</th>\s*"
        + day("2023-07-27", "27 de julio de 2023")
        + r"\s*<td[^>]*>10</td>\s*"
        + day("2023-08-06", "6 de agosto de 2023")
        + r"\s*"
        + day("2023-08-07", "7 de agosto de 2023")
        + r"\s*"
        + day("2023-08-09", "9 de agosto de 2023")
        + r'\s*<td data-label="Situación" class="step-late">tardío</td>',
        timeline,
    )
    # Sources: web addresses as links, a release cited by title as text
    inisa = RrmCase.objects.get(slug="inisa")
    links = [s for s in inisa.sources if s.startswith("https://")]
    assert links
    for url in links:
        assert f'<a href="{url}" rel="noopener noreferrer">' in html
    for title in (s for s in inisa.sources if not s.startswith("http")):
        assert '<a href="USTR' not in html
        assert title.split('"')[0] in html
    assert "<script" not in html


def test_an_overdue_step_is_flagged_on_its_case_page(client, record):
    html = client.get("/rrm/vu-1/").content.decode()
    assert '<tr class="step-row-overdue">' in html
    assert '<td data-label="Situación" class="step-overdue">vencido<br>' in html
    # with how long ago it fell due, in words
    assert re.search(
        r'class="step-overdue">vencido<br><span class="help">venció hace \d+ (días|meses)</span>',
        html,
    )


def test_an_unknown_case_page_is_404(client, record):
    assert client.get("/rrm/no-such-case/").status_code == 404


def test_the_pages_in_english(client, record):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    for url in ("/rrm/", "/rrm/inisa/"):
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert '<html lang="en">' in html
        assert "Skip to content" in html
        assert "Ir al contenido" not in html
        # Column headers already in the English catalogue
        assert "Workplace" in html or "State" in html


@pytest.fixture
def record_in_spanish(record) -> None:
    services.rrm_record_translations_apply()


def test_a_concluded_case_says_how_and_when_it_ended_never_overdue(
    client, record_in_spanish
):
    # Given vu-1, which Mexico closed on 2022-09-14 (its review never dated)
    html = client.get("/rrm/").content.decode()
    row = html[html.index('id="rrm-case-vu-1"') :]
    row = row[: row.index("</tr>")]

    # Then its row says how it ended and when, and nothing is overdue
    assert "rrm-concluded" in row
    assert "Resuelto durante la revisión" in row
    assert (
        'concluyó el <time datetime="2022-09-14">14 de septiembre de 2022</time>' in row
    )
    assert "vencido" not in row
    assert "step-row-overdue" not in row
    # Its page: the ending on top, no step overdue
    page = client.get("/rrm/vu-1/").content.decode()
    assert (
        'concluyó el <time datetime="2022-09-14">14 de septiembre de 2022</time>'
        in page
    )
    assert "step-overdue" not in page
    assert "vencido" not in page
    # And the calendar of deadlines does not list it
    agenda = client.get("/rrm/plazos/").content.decode()
    assert "/rrm/vu-1/" not in agenda


def test_names_and_notes_in_spanish_beside_the_english(client, record_in_spanish):
    html = client.get("/rrm/").content.decode()
    assert "Planta de autopartes de Grupo Yazaki, León" in html
    assert "Querétaro" in html
    assert "auto-parts plant, Leon" not in html
    page = client.get("/rrm/inisa/").content.decode()
    assert "INISA, planta de confección de mezclilla (cerca de Rincón de Romos)" in page
    assert "confección y vestido" in page
    assert "la USTR informó que se cumplió el 2023-12-11" in page
    # The sources' English is kept, and shown as the original
    assert "INISA denim garment plant (near Rincon de Romos)" in page
    assert "USTR reported it completed on 2023-12-11" in page

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get("/rrm/inisa/").content.decode()
    assert "<h1>INISA denim garment plant (near Rincon de Romos)</h1>" in english
    assert (
        'concluded on <time datetime="2023-12-11">December 11, 2023</time>' in english
    )
