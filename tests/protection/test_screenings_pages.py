"""The screening pages: the team's list, the questionnaire (no script, every
indicator), the outcome with its rules and the guidance notice, the panels on
the report, case and file pages, and English."""

from __future__ import annotations

import re
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from remedia.cases import services as cases
from remedia.core.words import date_words
from remedia.protection.models import Screening, VictimFile
from remedia.protection.screening import INDICATORS
from remedia.protection.services import screenings as services
from tests.support.protection import ANSWERS_15_AT_NIGHT

LIST = "/staff/proteccion/entrevistas/"
NOTICE = "Orientación, no es una determinación legal"


def page_of(screening: Screening) -> str:
    return f"{LIST}{screening.pk}/"


def text(response) -> str:
    return response.content.decode()


def test_the_team_lists_its_pending_screenings(
    screening_world, pending_screening, client, enter
):
    enter(screening_world.p.worker)

    response = client.get(LIST)

    assert response.status_code == 200
    html = text(response)
    assert "Entrevistas de detección" in html
    assert page_of(pending_screening) in html
    assert f'href="{LIST}"' in html  # in the staff menu
    assert page_of(pending_screening) not in text(client.get(f"{LIST}?status=done"))


def test_a_handler_has_no_list_of_screenings(
    screening_world, pending_screening, client, enter
):
    enter(screening_world.p.handler)

    assert client.get(LIST).status_code == 404
    assert f'href="{LIST}"' not in text(client.get("/staff/"))


def test_the_questionnaire_asks_every_indicator_without_script(
    screening_world, pending_screening, client, enter
):
    enter(screening_world.p.worker)

    html = text(client.get(page_of(pending_screening)))

    for indicator in INDICATORS:
        assert f'name="{indicator.code}" value="yes"' in html
        assert str(indicator.label) in html
    for condition in ("night_work", "hazardous_work", "medical_certificate"):
        assert f'name="{condition}" value="unknown" checked' in html
    assert 'name="age"' in html
    assert 'name="age_band"' in html
    assert "<script" not in html.split("<main", 1)[1]
    assert 'id="screening-dismiss"' in html


def test_a_15_year_old_at_night_names_the_rule_and_shows_guidance(
    screening_world, pending_screening, client, enter
):
    # Given a worker at the questionnaire
    enter(screening_world.p.worker)

    # When they post a 15-year-old who sews at night
    response = client.post(page_of(pending_screening), ANSWERS_15_AT_NIGHT)

    # Then the outcome names the night-work rule and its articles
    assert response.status_code == 302
    html = text(client.get(page_of(pending_screening)))
    night = re.search(r'data-finding="child_labour.night_work">(.*?)</li>', html, re.S)
    assert night is not None
    assert "Menores de 18 años no pueden hacer trabajo nocturno" in night.group(1)
    assert "Constitución art. 123-A fr. II; LFT art. 175" in night.group(1)
    assert "Trabaja en condiciones prohibidas para su edad" in html
    # As guidance, with the notice, the verify flags, the next steps and the file
    assert NOTICE in html
    assert "Orientación por verificar" in html
    assert "/staff/proteccion/servicios/?service_type=child_protection" in html
    directory = client.get("/staff/proteccion/servicios/?service_type=child_protection")
    assert directory.status_code == 200
    assert "Procuraduría de Protección de Niñas, Niños y Adolescentes" in html
    assert 'id="open-questions"' in html
    assert f"{page_of(pending_screening)}expediente/" in html


def test_bad_answers_come_back_with_the_reason_and_what_was_typed(
    screening_world, pending_screening, client, enter
):
    enter(screening_world.p.worker)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()

    response = client.post(
        page_of(pending_screening),
        {"age": "3", "night_work": "yes", "conducted_on": tomorrow},
    )

    assert response.status_code == 422
    html = text(response)
    assert "La edad debe estar entre 5 y 100 años." in html
    assert "La fecha no puede estar en el futuro." in html
    assert 'name="night_work" value="yes" checked' in html
    assert 'value="3"' in html
    assert Screening.objects.get().status == "pending"


def test_a_screening_for_someone_else_is_404(
    screening_world, pending_screening, client, enter
):
    enter(screening_world.elsewhere_handler)

    assert client.get(page_of(pending_screening)).status_code == 404
    assert (
        client.post(page_of(pending_screening), ANSWERS_15_AT_NIGHT).status_code == 404
    )
    assert Screening.objects.get().status == "pending"


def test_dismissing_on_the_page(screening_world, pending_screening, client, enter):
    enter(screening_world.p.worker)

    empty = client.post(
        f"{page_of(pending_screening)}descartar/", {"reason": ""}, follow=True
    )
    assert "Este campo es obligatorio." in text(empty)
    client.post(
        f"{page_of(pending_screening)}descartar/", {"reason": "Es una persona adulta."}
    )

    pending_screening.refresh_from_db()
    assert pending_screening.status == "dismissed"
    assert "Es una persona adulta." in text(client.get(page_of(pending_screening)))


def test_opening_a_file_from_the_page(
    screening_world, pending_screening, client, enter
):
    w = screening_world
    services.screening_conduct(
        screening=pending_screening, user=w.p.worker.user, answers=ANSWERS_15_AT_NIGHT
    )
    enter(w.p.worker)

    form = client.get(f"{page_of(pending_screening)}expediente/")
    refused = client.post(
        f"{page_of(pending_screening)}expediente/", {"family_names": "Pérez"}
    )
    opened = client.post(
        f"{page_of(pending_screening)}expediente/", {"given_names": "Lucía"}
    )

    assert form.status_code == 200
    assert 'name="given_names"' in text(form)
    assert refused.status_code == 422
    assert "Escriba un nombre o cómo prefiere que le llamen." in text(refused)
    assert opened.status_code == 302
    file = VictimFile.objects.get()
    assert opened["Location"] == f"/staff/proteccion/expedientes/{file.pk}/"
    pending_screening.refresh_from_db()
    assert pending_screening.file == file
    # The handler (who may not even see the held screening) gets no file page
    enter(w.p.handler)
    assert client.get(f"{page_of(pending_screening)}expediente/").status_code == 404


def test_the_report_page_tells_the_team_a_screening_waits(
    screening_world, pending_screening, client, enter
):
    w = screening_world
    report_url = f"/staff/reports/{pending_screening.report_id}/"

    # The team's handler sees it and may follow the link (to screen it)
    enter(w.p.handler)
    panel = re.search(
        r'id="screenings-panel">(.*?)</section>', text(client.get(report_url)), re.S
    )
    assert panel is not None
    assert "Por entrevistar" in panel.group(1)
    assert page_of(pending_screening) in panel.group(1)

    # The labour organisation's handler (same report) is not told of the team's work
    enter(w.labour_handler)
    assert 'id="screenings-panel"' not in text(client.get(report_url))


def test_the_case_page_shows_its_screening(
    screening_world,
    pending_screening,
    client,
    enter,
    django_capture_on_commit_callbacks,
):
    w = screening_world
    with django_capture_on_commit_callbacks(execute=True):
        case = cases.case_open(
            report_ids=[pending_screening.report_id], user=w.labour_handler.user
        )
    screening = Screening.objects.get(case=case)
    enter(w.labour_handler)

    html = text(client.get(f"/staff/cases/{case.pk}/"))

    assert 'id="screenings-panel"' in html
    assert page_of(screening) in html


def test_the_file_page_lists_the_screenings_it_came_from(
    screening_world, pending_screening, client, enter
):
    # Given a file opened from a held screening
    w = screening_world
    held = services.screening_conduct(
        screening=pending_screening, user=w.p.worker.user, answers=ANSWERS_15_AT_NIGHT
    )
    file = services.screening_file_open(
        screening=held,
        user=w.p.worker.user,
        user_private_key=None,
        identity={"alias": "Luci"},
    )

    # When the worker who opened it reads the file
    enter(w.p.worker)
    html = text(client.get(f"/staff/proteccion/expedientes/{file.pk}/"))

    # Then its screenings are listed with a link to each
    panel = re.search(r'id="file-screenings">(.*?)</section>', html, re.S)
    assert panel is not None
    assert page_of(pending_screening) in panel.group(1)
    assert (
        f'Entrevista del <time datetime="{held.conducted_on:%Y-%m-%d}">'
        f"{date_words(held.conducted_on)}</time>"
    ) in panel.group(1)
    # And the screening's page links back to the file
    assert f"/staff/proteccion/expedientes/{file.pk}/" in text(
        client.get(page_of(pending_screening))
    )


def test_the_pages_speak_english(screening_world, pending_screening, client, enter):
    w = screening_world
    enter(w.p.worker)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    questionnaire = text(client.get(page_of(pending_screening)))
    client.post(page_of(pending_screening), ANSWERS_15_AT_NIGHT)
    outcome = text(client.get(page_of(pending_screening)))

    assert "Screening interview" in questionnaire
    assert "Forced labour indicators (ILO)" in questionnaire
    assert "Record the interview and see the guidance" in questionnaire
    assert "Guidance, not a legal determination" in outcome
    assert "Suggested next steps" in outcome
    assert "Open a file" in outcome
    assert "Entrevista" not in outcome.split("<main", 1)[1]
