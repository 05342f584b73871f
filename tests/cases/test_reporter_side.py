"""The worker's side of cases: with the receipt, each reporter sees the case's
status and only their own conversation, and answers the retaliation questions
asked after closing (web follow-up page and `/api/v1/intake/me`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from remedia.cases import services
from remedia.cases.models import Case, CaseStatus, RetaliationCheckin
from tests.cases.support import SubmitReport
from tests.intake.support import ME_MESSAGES_URL, ME_URL, RECEIPT_MISMATCH
from tests.support.actors import Staff

NARRATIVE_ANA = (
    "En la línea 3 el supervisor nos amenazó con correrlas si votamos por el "
    "sindicato nuevo."
)
NARRATIVE_BETO = (
    "A los del turno de noche nos quitaron las horas extra después de la "
    "asamblea del sindicato."
)
REPLY_ANA = "Yo trabajo en el área de corte, turno de día."
REPLY_BETO = "Soy del turno de noche, en planchado."
TO_REPORTERS = "Gracias por su denuncia. ¿Alguien más vio lo que pasó?"

OPEN_LABEL = "Su denuncia forma parte de un caso abierto."
CLOSED_LABEL = "El caso se cerró."
QUESTION = "¿Ha sufrido represalias?"
THANKS_YES = "Gracias. Reabrimos su caso con urgencia."
THANKS_NO = "Gracias por responder."
ANSWERED_TWICE = "Ya respondió esta pregunta. Gracias."
NOT_PENDING = "No hay ninguna pregunta pendiente."
NOT_YES_NO = "Responda «Sí» o «No»."
FOLLOWUP = "/seguimiento/denuncia/"


@dataclass(frozen=True)
class Worker:
    """One reporter: their report, their receipt and their own browser."""

    report_id: object
    receipt: str
    narrative: str
    reply: str
    browser: Client

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Receipt {self.receipt}"}

    def me(self) -> dict:
        response = self.browser.get(ME_URL, headers=self.auth)
        assert response.status_code == 200, response.content
        return response.json()

    def enter(self) -> None:
        """Type the receipt into the follow-up form, in groups of four."""
        grouped = " ".join(self.receipt[i : i + 4] for i in range(0, 16, 4))
        response = self.browser.post("/seguimiento/", {"receipt": grouped})
        assert response.status_code == 302
        assert response["Location"] == FOLLOWUP

    def page(self) -> str:
        response = self.browser.get(FOLLOWUP)
        assert response.status_code == 200
        return response.content.decode()

    def answer_on_page(self, checkin_id: object, answer: str) -> str:
        """Press a button of the question; return the page the worker lands on."""
        response = self.browser.post(
            f"/seguimiento/represalias/{checkin_id}/", {"answer": answer}
        )
        assert response.status_code == 302
        assert response["Location"] == FOLLOWUP
        return self.page()

    def answer_by_api(self, checkin_id: object, answer: object):
        return self.browser.post(
            f"/api/v1/intake/me/checkins/{checkin_id}",
            {"answer": answer},
            content_type="application/json",
            headers=self.auth,
        )


@dataclass(frozen=True)
class Merged:
    case: Case
    ana: Worker
    beto: Worker


def _worker(report_in: SubmitReport, narrative: str, reply: str) -> Worker:
    submitted = report_in(narrative=narrative)
    worker = Worker(
        report_id=submitted.report.pk,
        receipt=submitted.receipt,
        narrative=narrative,
        reply=reply,
        browser=Client(),
    )
    response = worker.browser.post(
        ME_MESSAGES_URL,
        {"body": reply},
        content_type="application/json",
        headers=worker.auth,
    )
    assert response.status_code == 201
    return worker


@pytest.fixture
def merged(orgs, agu_handler: Staff, report_in: SubmitReport) -> Merged:
    """Two workers reported the same events and each wrote once more; the
    handler merged both reports into one case and wrote to both reporters."""
    ana = _worker(report_in, NARRATIVE_ANA, REPLY_ANA)
    beto = _worker(report_in, NARRATIVE_BETO, REPLY_BETO)
    case = services.case_open(
        report_ids=[ana.report_id, beto.report_id], user=agu_handler.user
    )
    assert (
        services.case_message_reporters(
            case=case, user=agu_handler.user, body=TO_REPORTERS
        )
        == 2
    )
    return Merged(case=case, ana=ana, beto=beto)


def _close_and_ask(merged: Merged, handler: Staff) -> None:
    """The handler closes the case; a month later the daily job asks."""
    services.case_status_change(
        case=merged.case, user=handler.user, status="closed", reason="remedied"
    )
    today = timezone.localdate()
    # Nobody is asked before the 30 days are up
    assert services.checkins_send_due(today=today + timedelta(days=29)) == 0
    assert services.checkins_send_due(today=today + timedelta(days=31)) == 2


def _checkin(worker: Worker) -> RetaliationCheckin:
    return RetaliationCheckin.objects.get(
        report_id=worker.report_id, asked_at__isnull=False
    )


def _case(merged: Merged) -> Case:
    return Case.objects.get(pk=merged.case.pk)


def _messages(page: str) -> list[str]:
    return re.findall(r'<li class="message-(\w+)">([^<]*)</li>', page)


# --- Status and messages, each worker their own -------------------------------------------


def test_a_report_in_no_case_shows_no_case_in_the_api(client, orgs, report_in):
    submitted = report_in()

    response = client.get(
        ME_URL, headers={"Authorization": f"Receipt {submitted.receipt}"}
    )

    assert response.status_code == 200
    assert response.json()["case"] is None
    assert response.json()["checkin"] is None


def test_each_worker_sees_the_case_status_and_only_their_own_words_in_the_api(
    merged,
):
    for me, other in ((merged.ana, merged.beto), (merged.beto, merged.ana)):
        # When each worker asks with their own receipt
        response = me.browser.get(ME_URL, headers=me.auth)

        # Then they see the case's status in worker words
        assert response.status_code == 200
        data = response.json()
        assert data["case"]["status"] == CaseStatus.OPEN
        assert data["case"]["status_label"] == OPEN_LABEL
        assert data["case"]["updated_at"]
        assert data["checkin"] is None
        # And their own narrative, their reply and the handler's message to them
        assert data["narrative"] == me.narrative
        assert [(m["author"], m["body"]) for m in data["messages"]] == [
            ("reporter", me.reply),
            ("staff", TO_REPORTERS),
        ]
        # And nothing the other worker wrote, nor the case's number
        raw = response.content.decode()
        assert other.narrative not in raw
        assert other.reply not in raw
        assert merged.case.number not in raw


def test_each_worker_sees_the_case_status_and_only_their_own_words_on_the_page(
    merged,
):
    for me, other in ((merged.ana, merged.beto), (merged.beto, merged.ana)):
        # When each worker enters their receipt on the follow-up page
        me.enter()
        page = me.page()

        # Then the page shows the case's status and their own conversation
        assert 'id="case-status"' in page
        assert OPEN_LABEL in page
        assert me.narrative in page
        assert me.reply in page
        assert page.count(TO_REPORTERS) == 1
        # But nothing the other worker wrote, nor the case's number
        assert other.narrative not in page
        assert other.reply not in page
        assert merged.case.number not in page
        # And no question is pending while the case is open
        assert QUESTION not in page


# --- Retaliation check-ins on the page ------------------------------------------------------


def test_the_question_is_on_the_page_with_two_buttons_and_no_inline_code(
    merged, agu_handler
):
    _close_and_ask(merged, agu_handler)
    checkin = _checkin(merged.ana)
    merged.ana.enter()

    page = merged.ana.page()

    assert CLOSED_LABEL in page
    assert QUESTION in page
    assert "hace 30 días" in page
    assert "reabrimos su caso con urgencia" in page
    section = page[
        page.index('id="checkin"') : page.index(
            "</section>", page.index('id="checkin"')
        )
    ]
    assert f'action="/seguimiento/represalias/{checkin.pk}/"' in section
    assert 'name="csrfmiddlewaretoken"' in section
    assert re.search(
        r'<button type="submit" name="answer" value="yes"[^>]*>Sí</button>', section
    )
    assert re.search(
        r'<button type="submit" name="answer" value="no"[^>]*>No</button>', section
    )
    # Strict CSP: nothing inline
    assert "<script" not in section
    assert "style=" not in section
    # The question was also sent as a message, through the receipt
    assert "¿Ha sufrido alguna represalia desde entonces" in page


def test_answering_no_records_it_and_keeps_the_case_closed(merged, agu_handler):
    _close_and_ask(merged, agu_handler)
    checkin = _checkin(merged.ana)
    merged.ana.enter()

    page = merged.ana.answer_on_page(checkin.pk, "no")

    assert ("success", THANKS_NO) in [
        (kind, text[: len(THANKS_NO)]) for kind, text in _messages(page)
    ]
    assert QUESTION not in page
    checkin.refresh_from_db()
    assert checkin.answer == "no"
    assert checkin.answered_at is not None
    case = _case(merged)
    assert case.status == CaseStatus.CLOSED
    assert not case.urgent
    assert CLOSED_LABEL in page


def test_answering_yes_reopens_the_case_as_urgent_for_every_worker(
    merged, agu_handler, django_capture_on_commit_callbacks
):
    # Given the case closed, both workers asked, and Ana answered "No"
    _close_and_ask(merged, agu_handler)
    merged.ana.enter()
    merged.ana.answer_on_page(_checkin(merged.ana).pk, "no")
    merged.beto.enter()

    # When Beto answers "Sí"
    with django_capture_on_commit_callbacks(execute=True):
        page = merged.beto.answer_on_page(_checkin(merged.beto).pk, "yes")

    # Then he is thanked, and the case is open again, urgent
    assert ("success", THANKS_YES) in _messages(page)
    case = _case(merged)
    assert case.status == CaseStatus.OPEN
    assert case.urgent
    assert _checkin(merged.beto).answer == "yes"
    # And both workers now see the case open, with no question pending
    for worker in (merged.ana, merged.beto):
        now = worker.page()
        assert OPEN_LABEL in now
        assert CLOSED_LABEL not in now
        assert QUESTION not in now
        assert worker.me()["case"]["status"] == CaseStatus.OPEN
    # And Beto can write again: his report is no longer closed
    assert 'name="body"' in merged.beto.page()


def test_answering_twice_is_refused_and_changes_nothing(merged, agu_handler):
    _close_and_ask(merged, agu_handler)
    checkin = _checkin(merged.ana)
    merged.ana.enter()
    merged.ana.answer_on_page(checkin.pk, "no")

    # When the worker posts the form again, now with "Sí"
    page = merged.ana.answer_on_page(checkin.pk, "yes")

    # Then they are told, and the first answer stands
    assert ("error", ANSWERED_TWICE) in _messages(page)
    checkin.refresh_from_db()
    assert checkin.answer == "no"
    assert _case(merged).status == CaseStatus.CLOSED
    assert not _case(merged).urgent


@pytest.mark.parametrize(
    ("target", "answer", "reason"),
    [
        ("other", "yes", NOT_PENDING),
        ("malformed", "yes", NOT_PENDING),
        ("own", "quizá", NOT_YES_NO),
        ("own", "", NOT_YES_NO),
    ],
)
def test_bad_answers_on_the_page_say_why_and_change_nothing(
    merged, agu_handler, target, answer, reason
):
    _close_and_ask(merged, agu_handler)
    ids = {
        "own": _checkin(merged.ana).pk,
        "other": _checkin(merged.beto).pk,
        "malformed": "no-es-un-id",
    }
    merged.ana.enter()

    page = merged.ana.answer_on_page(ids[target], answer)

    assert ("error", reason) in _messages(page)
    assert QUESTION in page, "the question is still there to answer"
    assert not RetaliationCheckin.objects.filter(answered_at__isnull=False).exists()
    assert _case(merged).status == CaseStatus.CLOSED


def test_answering_without_the_receipt_asks_for_it(merged, agu_handler):
    _close_and_ask(merged, agu_handler)

    response = Client().post(
        f"/seguimiento/represalias/{_checkin(merged.ana).pk}/", {"answer": "yes"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/seguimiento/"
    assert not RetaliationCheckin.objects.filter(answered_at__isnull=False).exists()
    assert _case(merged).status == CaseStatus.CLOSED


def test_the_answer_form_needs_the_csrf_token_from_the_page(merged, agu_handler):
    # Given a browser that enforces CSRF like a real one, following up
    _close_and_ask(merged, agu_handler)
    checkin = _checkin(merged.ana)
    browser = Client(enforce_csrf_checks=True)
    enter = browser.get("/seguimiento/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', enter).group(1)
    browser.post(
        "/seguimiento/", {"receipt": merged.ana.receipt, "csrfmiddlewaretoken": token}
    )
    url = f"/seguimiento/represalias/{checkin.pk}/"

    # When the answer is posted without the token / then it is refused
    assert browser.post(url, {"answer": "no"}).status_code == 403
    checkin.refresh_from_db()
    assert checkin.answered_at is None

    # When it is posted with the token from the page / then it is recorded
    page = browser.get(FOLLOWUP).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = browser.post(url, {"answer": "no", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    checkin.refresh_from_db()
    assert checkin.answer == "no"


def test_only_post_answers(merged, agu_handler):
    _close_and_ask(merged, agu_handler)
    merged.ana.enter()

    response = merged.ana.browser.get(
        f"/seguimiento/represalias/{_checkin(merged.ana).pk}/?answer=yes"
    )

    assert response.status_code == 405
    assert _case(merged).status == CaseStatus.CLOSED


# --- The API equivalent ------------------------------------------------------------------------


def test_the_api_shows_the_question_and_records_the_answers(
    merged, agu_handler, django_capture_on_commit_callbacks
):
    _close_and_ask(merged, agu_handler)
    ana_checkin, beto_checkin = _checkin(merged.ana), _checkin(merged.beto)

    # Each worker sees their own question, and the closed case
    for worker, checkin in ((merged.ana, ana_checkin), (merged.beto, beto_checkin)):
        data = worker.me()
        assert data["checkin"] == {"id": str(checkin.pk), "days_after": 30}
        assert data["case"]["status"] == CaseStatus.CLOSED
        assert data["case"]["status_label"] == CLOSED_LABEL

    # Ana answers "no": recorded, the case stays closed
    response = merged.ana.answer_by_api(ana_checkin.pk, "no")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == str(ana_checkin.pk)
    assert body["answer"] == "no"
    assert body["days_after"] == 30
    assert body["answered_at"]
    assert body["case"]["status"] == CaseStatus.CLOSED
    assert merged.ana.me()["checkin"] is None
    assert _case(merged).status == CaseStatus.CLOSED

    # Beto answers "yes": the case is open again, urgent, for both
    with django_capture_on_commit_callbacks(execute=True):
        response = merged.beto.answer_by_api(beto_checkin.pk, "yes")
    assert response.status_code == 200, response.content
    assert response.json()["case"]["status"] == CaseStatus.OPEN
    assert response.json()["case"]["status_label"] == OPEN_LABEL
    case = _case(merged)
    assert case.status == CaseStatus.OPEN
    assert case.urgent
    for worker in (merged.ana, merged.beto):
        data = worker.me()
        assert data["case"]["status"] == CaseStatus.OPEN
        assert data["checkin"] is None


def _unchanged(merged: Merged) -> None:
    assert not RetaliationCheckin.objects.filter(answered_at__isnull=False).exists()
    assert _case(merged).status == CaseStatus.CLOSED
    assert not _case(merged).urgent


@pytest.mark.parametrize(
    ("target", "answer", "field", "reason"),
    [
        ("other", "yes", "checkin", NOT_PENDING),
        ("unknown", "yes", "checkin", NOT_PENDING),
        ("malformed", "yes", "checkin_id", "Debe ser un identificador válido."),
        ("own", "quizá", "answer", None),
        ("own", "", "answer", None),
        ("own", 1, "answer", None),
    ],
)
def test_bad_answers_in_the_api_are_422_in_spanish(
    merged, agu_handler, target, answer, field, reason
):
    _close_and_ask(merged, agu_handler)
    ids = {
        "own": _checkin(merged.ana).pk,
        "other": _checkin(merged.beto).pk,
        "unknown": "00000000-0000-4000-8000-000000000000",
        "malformed": "no-es-un-id",
    }

    response = merged.ana.answer_by_api(ids[target], answer)

    assert response.status_code == 422, response.content
    body = response.json()
    assert body["detail"] == "Hay datos que no son válidos."
    assert [e["field"] for e in body["errors"]] == [field]
    if reason is not None:
        assert body["errors"][0]["reason"] == reason
    else:
        assert "yes" in body["errors"][0]["reason"]
        assert "no" in body["errors"][0]["reason"]
    _unchanged(merged)


def test_answering_twice_in_the_api_is_422(merged, agu_handler):
    _close_and_ask(merged, agu_handler)
    checkin = _checkin(merged.ana)
    assert merged.ana.answer_by_api(checkin.pk, "no").status_code == 200

    response = merged.ana.answer_by_api(checkin.pk, "yes")

    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "checkin", "reason": ANSWERED_TWICE}]
    checkin.refresh_from_db()
    assert checkin.answer == "no"
    assert _case(merged).status == CaseStatus.CLOSED


@pytest.mark.parametrize(
    "authorization",
    [None, "Receipt 0000000000000000", "Bearer 0000000000000000", "Receipt 12"],
)
def test_a_wrong_receipt_is_401_as_for_the_rest_of_intake_me(
    merged, agu_handler, authorization
):
    _close_and_ask(merged, agu_handler)
    headers = {"Authorization": authorization} if authorization else {}

    response = Client().post(
        f"/api/v1/intake/me/checkins/{_checkin(merged.ana).pk}",
        {"answer": "yes"},
        content_type="application/json",
        headers=headers,
    )
    me = Client().get(ME_URL, headers=headers)

    assert response.status_code == 401
    assert me.status_code == 401
    assert response.json() == me.json()
    if authorization and authorization.startswith("Receipt 0"):
        assert response.json() == {"detail": RECEIPT_MISMATCH}
    _unchanged(merged)


def test_the_answer_endpoint_is_in_the_api_document(client, db):
    document = client.get("/api/v1/openapi.json").json()

    operation = document["paths"]["/api/v1/intake/me/checkins/{checkin_id}"]["post"]
    assert operation["security"]
    assert "/api/v1/intake/me" in document["paths"]
    assert "/api/v1/intake/me/messages" in document["paths"]
    schemas = document["components"]["schemas"]
    assert {"case", "checkin"} <= set(schemas["ReporterReportOut"]["properties"])


def test_staff_reopening_changes_what_the_workers_see(merged, agu_handler):
    # Given the case closed and asked
    _close_and_ask(merged, agu_handler)

    # When the handler reopens it themselves
    services.case_status_change(
        case=_case(merged), user=agu_handler.user, status=CaseStatus.INVESTIGATING
    )

    # Then the status shown to the workers changes
    data = merged.beto.me()
    assert data["case"]["status"] == CaseStatus.INVESTIGATING
    assert data["case"]["status_label"] == "Estamos investigando lo que nos contó."
    merged.ana.enter()
    assert "Estamos investigando lo que nos contó." in merged.ana.page()
