"""Survey pages: the worker's (no login, es/en, phone-first) and the staff's."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client, RequestFactory

from remedia.remediation import surveys
from remedia.remediation.models import (
    Course,
    Measure,
    MeasureType,
    ResponseChannel,
    Survey,
    SurveyAnswer,
    SurveyResponse,
)
from remedia.remediation.survey_views import (
    RESPONDENT_COOKIE,
    qr_svg,
    survey_measure_section,
)
from tests.support.factories.accounts import totp_device
from tests.support.remediation import World

pytestmark = pytest.mark.django_db

ALREADY = "Ya respondió esta encuesta. Gracias."


@pytest.fixture
def statement(course: Course) -> Measure:
    return course.measures.get(type=MeasureType.NEUTRALITY_STATEMENT)


@pytest.fixture
def survey(world: World, statement: Measure) -> Survey:
    opened = surveys.survey_open(user=world.monitor.user, measure=statement)
    first = opened.questions.get(position=1)
    first.text_en = "Did you see the company's neutrality statement posted?"
    first.save()
    # A question a monitor wrote in Spanish only (the catalogue's carry English).
    second = opened.questions.get(position=2)
    second.text_en = ""
    second.save()
    return opened


def form_answers(survey: Survey, *values: str) -> dict[str, str]:
    questions = surveys.survey_questions(survey)
    chosen = values or ("yes",) * len(questions)
    return {f"q-{q.pk}": v for q, v in zip(questions, chosen, strict=True)}


def others_answer(survey: Survey, count: int) -> None:
    for n in range(count):
        surveys.survey_answer(
            survey=survey,
            respondent_token=f"another-worker-browser-{n:04d}",
            channel=ResponseChannel.WEB,
            answers={str(q.pk): "yes" for q in survey.questions.all()},
        )


def page(response) -> str:
    return response.content.decode()


# --- The worker's pages ------------------------------------------------------------------


def test_the_code_page_sets_a_private_cookie_for_the_survey_pages_only(
    client: Client,
) -> None:
    response = client.get("/encuesta/")

    assert response.status_code == 200
    assert "Escriba el código que aparece en el cartel" in page(response)
    assert 'lang="es' in page(response)
    cookie = response.cookies[RESPONDENT_COOKIE]
    assert cookie["path"] == "/encuesta/"
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"]
    # signed: the value carries a signature, and a forged one is ignored
    assert ":" in cookie.value
    forged = "forged-value-without-a-signature-000000"
    client.cookies[RESPONDENT_COOKIE] = forged
    again = client.get("/encuesta/")
    assert again.cookies[RESPONDENT_COOKIE].value not in (forged, cookie.value)


def test_a_worker_types_the_code_their_way_and_reaches_the_questions(
    client: Client, survey: Survey
) -> None:
    client.get("/encuesta/")
    typed = f"{survey.code[:3].lower()}-{survey.code[3:].lower()}"

    response = client.post("/encuesta/", {"code": typed})

    assert response.status_code == 302
    assert response["Location"] == f"/encuesta/{survey.code}/"
    # a lower-case link is sent to the code as printed
    lower = client.get(f"/encuesta/{survey.code.lower()}/")
    assert lower.status_code == 302
    assert lower["Location"] == f"/encuesta/{survey.code}/"


def test_the_questions_page_in_spanish(client: Client, survey: Survey) -> None:
    response = client.get(f"/encuesta/{survey.code}/")
    html = page(response)

    assert response.status_code == 200
    assert "¿Vio publicada la declaración de neutralidad de la empresa?" in html
    assert "¿Recibió una copia de la declaración?" in html
    for value, label in (("yes", "Sí"), ("no", "No"), ("unsure", "No sé")):
        assert f'value="{value}"' in html
        assert f"<span>{label}</span>" in html
    assert html.count('type="radio"') == 6
    assert "Su respuesta es anónima" in html
    assert "La empresa no puede ver quién respondió" in html
    assert "INISA planta Rincón de Romos" in html
    # the language switch, and nothing inline for the CSP to refuse: the one
    # script is the quick exit's own file
    assert 'name="language" value="en"' in html
    assert re.findall(r"<script[^>]*>", html) == [
        '<script src="/static/remedia/worker.js" defer>'
    ]
    assert "style=" not in html
    assert 'name="viewport"' in html


def test_the_questions_page_in_english(client: Client, survey: Survey) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    html = page(client.get(f"/encuesta/{survey.code}/"))

    assert '<html lang="en">' in html
    assert "Did you see the company&#x27;s neutrality statement posted?" in html
    assert "¿Vio publicada la declaración" not in html
    # a question with no English text is shown in Spanish rather than not at all
    assert "¿Recibió una copia de la declaración?" in html


def test_a_worker_answers_and_is_thanked(client: Client, survey: Survey) -> None:
    client.get(f"/encuesta/{survey.code}/")

    response = client.post(
        f"/encuesta/{survey.code}/", form_answers(survey, "yes", "no")
    )

    assert response.status_code == 302
    assert response["Location"] == "/encuesta/gracias/"
    thanks = client.get(response["Location"])
    assert "Gracias. Su respuesta quedó registrada." in page(thanks)
    stored = SurveyResponse.objects.get()
    assert stored.channel == "web"
    assert sorted(SurveyAnswer.objects.values_list("value", flat=True)) == ["no", "yes"]


def test_every_worker_survey_page_has_the_quick_exit_to_the_configured_site(
    client: Client, survey: Survey, settings
) -> None:
    # Given a neutral site set for the quick exit
    settings.REMEDIA_QUICK_EXIT_URL = "https://clima.example/"
    answer = f"/encuesta/{survey.code}/"

    # When a worker goes through the survey's pages
    pages = {
        "enter": client.get("/encuesta/"),
        "enter-refused": client.post("/encuesta/", {"code": "ZZZZZZ"}),
        "answer": client.get(answer),
        "answer-refused": client.post(answer, {}),
        "thanks": client.get("/encuesta/gracias/"),
        "unknown": client.get("/encuesta/ZZZZZZ/"),
    }
    client.post(answer, form_answers(survey))
    pages["already"] = client.get(answer)

    # Then each has the one quick-exit link to that site, and its script
    # (which replaces the page in the history; without it the link still leaves)
    for name, response in pages.items():
        html = page(response)
        links = re.findall(
            r'<a class="quick-exit" id="quick-exit" href="([^"]+)"', html
        )
        assert links == ["https://clima.example/"], name
        assert 'rel="noreferrer"' in html, name
        assert "/static/remedia/worker.js" in html, name


def test_answering_twice_from_one_browser_is_refused_kindly(
    client: Client, survey: Survey
) -> None:
    client.get(f"/encuesta/{survey.code}/")
    client.post(f"/encuesta/{survey.code}/", form_answers(survey))

    again = client.post(f"/encuesta/{survey.code}/", form_answers(survey, "no", "no"))

    assert again.status_code == 409
    assert ALREADY in page(again)
    assert SurveyResponse.objects.count() == 1
    assert set(SurveyAnswer.objects.values_list("value", flat=True)) == {"yes"}
    # coming back to the page says so instead of showing the questions
    back = client.get(f"/encuesta/{survey.code}/")
    assert ALREADY in page(back)
    assert 'type="radio"' not in page(back)
    # another browser answers
    other = Client()
    other.get(f"/encuesta/{survey.code}/")
    assert (
        other.post(f"/encuesta/{survey.code}/", form_answers(survey)).status_code == 302
    )
    assert SurveyResponse.objects.count() == 2


def test_the_cookie_token_is_stored_only_as_a_keyed_hash(
    client: Client, survey: Survey
) -> None:
    client.get(f"/encuesta/{survey.code}/")
    client.post(f"/encuesta/{survey.code}/", form_answers(survey))
    signed = client.cookies[RESPONDENT_COOKIE].value
    token = signed.split(":")[0]

    row = SurveyResponse.objects.get()
    assert row.respondent == surveys.respondent_hash(
        survey=survey, channel="web", token=token
    )
    assert token not in row.respondent
    assert re.fullmatch(r"[0-9a-f]{64}", row.respondent)


def test_a_missing_answer_keeps_the_choices_and_saves_nothing(
    client: Client, survey: Survey
) -> None:
    client.get(f"/encuesta/{survey.code}/")
    answers = form_answers(survey, "no", "yes")
    second = surveys.survey_questions(survey)[1]
    del answers[f"q-{second.pk}"]

    response = client.post(f"/encuesta/{survey.code}/", answers)
    html = page(response)

    assert response.status_code == 422
    assert "Falta su respuesta a la pregunta 2" in html
    assert 'value="no" checked' in html
    assert SurveyResponse.objects.count() == 0


def test_an_answer_without_the_cookie_is_refused(survey: Survey) -> None:
    browser = Client()

    response = browser.post(f"/encuesta/{survey.code}/", form_answers(survey))

    assert response.status_code == 400
    assert "aceptar cookies" in page(response)
    assert SurveyResponse.objects.count() == 0


def test_unknown_closed_and_malformed_codes_get_a_clear_404(
    client: Client, world: World, survey: Survey
) -> None:
    unknown = "ZZZZZZ" if survey.code != "ZZZZZZ" else "YYYYYY"
    response = client.get(f"/encuesta/{unknown}/")
    assert response.status_code == 404
    assert "No hay ninguna encuesta con ese código" in page(response)

    for junk in ("K7", "%20", "ÑÑÑÑÑÑ", "x" * 300):
        assert client.get(f"/encuesta/{junk}/").status_code == 404

    entered = client.post("/encuesta/", {"code": unknown})
    assert entered.status_code == 404
    assert "No hay ninguna encuesta con ese código" in page(entered)
    assert client.post("/encuesta/", {"code": "??"}).status_code == 422
    assert client.post("/encuesta/", {}).status_code == 422

    surveys.survey_close(user=world.monitor.user, survey=survey)
    closed = client.get(f"/encuesta/{survey.code}/")
    assert closed.status_code == 404
    assert "Esta encuesta ya cerró" in page(closed)
    posted = client.post(f"/encuesta/{survey.code}/", form_answers(survey))
    assert posted.status_code == 404
    assert SurveyResponse.objects.count() == 0


def test_guessing_codes_from_one_browser_is_slowed(
    client: Client, survey: Survey
) -> None:
    unknown = "ZZZZZZ" if survey.code != "ZZZZZZ" else "YYYYYY"
    client.get("/encuesta/")
    for _ in range(10):
        assert client.post("/encuesta/", {"code": unknown}).status_code == 404

    held = client.post("/encuesta/", {"code": survey.code})
    assert held.status_code == 429
    assert "Demasiados intentos" in page(held)
    direct = client.get(f"/encuesta/{survey.code}/")
    assert direct.status_code == 429
    assert direct["Retry-After"]
    # another worker's browser is not held
    assert Client().get(f"/encuesta/{survey.code}/").status_code == 200


# --- The staff's pages -------------------------------------------------------------------


@pytest.fixture
def enter(client: Client, log_in_verified):
    def log(staff):
        totp_device(staff.user)
        assert log_in_verified(staff.user).status_code == 302
        return staff.user

    return log


def test_a_monitor_opens_a_survey_with_edited_questions(
    client: Client, enter, world: World, statement: Measure
) -> None:
    enter(world.monitor)
    url = f"/staff/remediation/surveys/measures/{statement.pk}/new/"

    form = client.get(url)
    assert form.status_code == 200
    assert "¿Vio publicada la declaración de neutralidad de la empresa?" in page(form)
    assert page(form).count('name="q') == 10  # five rows, Spanish and English

    response = client.post(
        url,
        {
            "q1": "¿Vio la declaración en el comedor?",
            "q1_en": "Did you see the statement in the canteen?",
            "q2": "",
            "q3": "¿Se la leyeron en voz alta?",
            "closes_on": "",
        },
    )

    survey = Survey.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/staff/remediation/surveys/{survey.pk}/"
    assert [(q.position, q.text, q.text_en) for q in survey.questions.all()] == [
        (
            1,
            "¿Vio la declaración en el comedor?",
            "Did you see the statement in the canteen?",
        ),
        (2, "¿Se la leyeron en voz alta?", ""),
    ]
    detail = page(client.get(response["Location"]))
    assert survey.code in detail
    assert f"/encuesta/{survey.code}/" in detail
    assert "Aún no hay respuestas." in detail


def test_an_english_text_without_spanish_is_refused_on_its_row(
    client: Client, enter, world: World, statement: Measure
) -> None:
    enter(world.monitor)
    response = client.post(
        f"/staff/remediation/surveys/measures/{statement.pk}/new/",
        {"q1": "", "q1_en": "Only English", "q2": "¿Bien?"},
    )

    assert response.status_code == 422
    assert "Escriba la pregunta 1 en español" in page(response)
    assert not Survey.objects.exists()


def test_the_poster_has_the_code_the_address_and_a_qr_code(
    client: Client, enter, world: World, survey: Survey
) -> None:
    enter(world.monitor)

    response = client.get(f"/staff/remediation/surveys/{survey.pk}/poster/")
    html = page(response)

    assert response.status_code == 200
    assert (
        f"Entre a <strong>testserver/encuesta</strong> y escriba el código "
        f"<strong>{survey.code}</strong>"
    ) in html
    assert f'class="survey-poster-code" aria-hidden="true">{survey.code}<' in html
    # the QR code is the one of the survey's own address, drawn inline
    qr = str(qr_svg(f"http://testserver/encuesta/{survey.code}/"))
    assert qr.startswith("<svg")
    assert 'class="survey-qr"' in qr
    assert qr in html
    assert "¿Recibió una copia de la declaración?" in html
    assert "<script" not in html
    assert "style=" not in html
    english = page(
        client.get(f"/staff/remediation/surveys/{survey.pk}/poster/?idioma=en")
    )
    assert "Did you see the company&#x27;s neutrality statement posted?" in english


def test_the_staff_page_shows_results_from_five_answers(
    client: Client, enter, world: World, survey: Survey
) -> None:
    enter(world.monitor)
    url = f"/staff/remediation/surveys/{survey.pk}/"
    others_answer(survey, 4)

    four = page(client.get(url))
    assert "menos de 5 respuestas: los resultados se muestran desde 5" in four
    assert 'data-answer="yes"' not in four

    surveys.survey_answer_by_phone(
        survey=survey,
        phone="+5214491234567",
        answers={str(q.pk): "no" for q in survey.questions.all()},
    )

    five = page(client.get(url))
    assert "menos de 5 respuestas" not in five
    assert "5 respuestas." in five
    assert '<td class="nowrap" data-answer="yes">4 (80 %)</td>' in five
    assert '<td class="nowrap" data-answer="no">1 (20 %)</td>' in five


def test_the_monitor_closes_the_survey(
    client: Client, enter, world: World, survey: Survey
) -> None:
    enter(world.monitor)

    response = client.post(f"/staff/remediation/surveys/{survey.pk}/close/")

    assert response.status_code == 302
    survey.refresh_from_db()
    assert survey.status == "closed"
    detail = page(client.get(response["Location"]))
    assert "ya no recibe respuestas" in detail
    assert "Cerrar la encuesta" not in detail


def test_the_officer_sees_the_survey_but_neither_opens_nor_closes_it(
    client: Client, enter, world: World, statement: Measure, survey: Survey
) -> None:
    enter(world.officer)
    others_answer(survey, 5)

    opening = client.get(f"/staff/remediation/surveys/measures/{statement.pk}/new/")
    assert opening.status_code == 403
    posted = client.post(
        f"/staff/remediation/surveys/measures/{statement.pk}/new/", {"q1": "¿Sí?"}
    )
    assert posted.status_code == 403
    assert Survey.objects.count() == 1
    assert (
        client.post(f"/staff/remediation/surveys/{survey.pk}/close/").status_code == 403
    )
    survey.refresh_from_db()
    assert survey.status == "open"

    # the code and poster, yes; results only once the survey is closed
    detail = page(client.get(f"/staff/remediation/surveys/{survey.pk}/"))
    assert survey.code in detail
    assert "cuando la encuesta cierra" in detail
    assert 'data-answer="yes"' not in detail
    assert "Cerrar la encuesta" not in detail
    assert (
        client.get(f"/staff/remediation/surveys/{survey.pk}/poster/").status_code == 200
    )

    surveys.survey_close(user=world.monitor.user, survey=survey)
    closed = page(client.get(f"/staff/remediation/surveys/{survey.pk}/"))
    assert '<td class="nowrap" data-answer="yes">5 (100 %)</td>' in closed


def test_a_stranger_gets_404_everywhere(
    client: Client, enter, world: World, statement: Measure, survey: Survey
) -> None:
    enter(world.stranger)

    for url in (
        f"/staff/remediation/surveys/measures/{statement.pk}/new/",
        f"/staff/remediation/surveys/{survey.pk}/",
        f"/staff/remediation/surveys/{survey.pk}/poster/",
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(f"/staff/remediation/surveys/{survey.pk}/close/").status_code == 404
    )
    survey.refresh_from_db()
    assert survey.status == "open"


def test_staff_pages_need_a_login(client: Client, survey: Survey) -> None:
    response = client.get(f"/staff/remediation/surveys/{survey.pk}/")
    assert response.status_code == 302
    assert "/staff/login/" in response["Location"]


def test_the_measure_section_for_each_reader(
    world: World, statement: Measure, survey: Survey
) -> None:
    def section(staff) -> str:
        request = RequestFactory().get("/")
        request.user = staff.user
        return survey_measure_section(request, statement)

    others_answer(survey, 2)
    monitor = section(world.monitor)
    assert survey.code in monitor
    assert f"/staff/remediation/surveys/{survey.pk}/poster/" in monitor
    assert "Abrir una encuesta" in monitor
    assert "menos de 5 respuestas" in monitor

    officer = section(world.officer)
    assert survey.code in officer
    assert "Abrir una encuesta" not in officer
    assert "cuando la encuesta cierra" in officer

    assert section(world.stranger) == ""


def test_the_measure_page_carries_the_survey_section(
    client: Client, enter, world: World, statement: Measure, survey: Survey
) -> None:
    enter(world.monitor)

    html = page(
        client.get(f"/staff/remediation/{statement.course_id}/measures/{statement.pk}/")
    )

    assert "Encuestas a trabajadores" in html
    assert f"/staff/remediation/surveys/{survey.pk}/" in html
    assert f"/staff/remediation/surveys/measures/{statement.pk}/new/" in html
    # and the survey pages lead back to it
    detail = page(client.get(f"/staff/remediation/surveys/{survey.pk}/"))
    assert (
        f"/staff/remediation/{statement.course_id}/measures/{statement.pk}/" in detail
    )
