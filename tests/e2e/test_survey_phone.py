"""A worker answers a verification survey on a phone, in Chromium (marker e2e)."""

from __future__ import annotations

from typing import Any

import pytest

from remedia.remediation import surveys
from remedia.remediation.models import MeasureType, SurveyAnswer, SurveyResponse
from tests.e2e.pages import PageLog
from tests.support.remediation import World

pytestmark = pytest.mark.e2e


def test_a_worker_answers_from_a_phone_with_the_posted_code(
    new_page: Any,
    live_server: Any,
    world: World,  # noqa: F811
    course: Any,  # noqa: F811
) -> None:
    # given a survey opened on the neutrality statement, its code on a poster
    measure = course.measures.get(type=MeasureType.NEUTRALITY_STATEMENT)
    survey = surveys.survey_open(user=world.monitor.user, measure=measure)
    log: PageLog = new_page(phone=True)
    page = log.page

    # when the worker types the code as they read it, and answers
    page.goto("/encuesta/")
    page.get_by_label("Código de la encuesta").fill(
        f"{survey.code[:3].lower()} {survey.code[3:].lower()}"
    )
    page.get_by_role("button", name="Abrir la encuesta").click()
    page.wait_for_url(f"**/encuesta/{survey.code}/")
    assert page.get_by_text("Su respuesta es anónima").is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360

    questions = page.locator("fieldset.survey-question")
    assert questions.count() == 2
    questions.nth(0).get_by_text("Sí", exact=True).click()
    page.get_by_role("button", name="Enviar mis respuestas").click()
    # one question left: told which, nothing saved
    assert page.get_by_text("Falta su respuesta a la pregunta 2").is_visible()
    assert SurveyResponse.objects.count() == 0
    page.locator("fieldset.survey-question").nth(1).get_by_text(
        "No sé", exact=True
    ).click()
    page.get_by_role("button", name="Enviar mis respuestas").click()

    # then they are thanked, and a second visit is refused kindly
    assert page.get_by_text("Gracias. Su respuesta quedó registrada.").is_visible()
    assert sorted(SurveyAnswer.objects.values_list("value", flat=True)) == [
        "unsure",
        "yes",
    ]
    page.goto(f"/encuesta/{survey.code}/")
    assert page.get_by_text("Ya respondió esta encuesta. Gracias.").is_visible()
    assert SurveyResponse.objects.count() == 1

    assert log.csp_violations() == []
    assert log.errors == []
    assert all(url.startswith(live_server.url) for url in log.requests)
