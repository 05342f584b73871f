"""Case management's rules, through the services every page and endpoint calls."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from remedia.accounts import keys
from remedia.cases import hooks, selectors, services
from remedia.cases.models import (
    Case,
    CaseEvent,
    CaseKeyGrant,
    CaseNote,
    CaseReport,
    CaseStatus,
    Escalation,
    EscalationStatus,
    EventKind,
    RetaliationCheckin,
    SlaPolicy,
)
from remedia.core import sealed
from remedia.core.errors import InvalidInput, PermissionDenied
from remedia.core.models import AuditEntry
from remedia.facilities.services import facility_merge
from remedia.intake import services as intake
from remedia.intake.models import Report, ReportStatus
from tests.cases.support import fresh
from tests.intake.support import jpeg_with_gps
from tests.support.factories.accounts import PASSWORD
from tests.support.factories.facilities import FacilityFactory

DIFFERENT_ORGS = (
    "Esas denuncias llegaron a organizaciones distintas; un caso solo puede reunir "
    "denuncias de una misma organización."
)


def reasons(exc: pytest.ExceptionInfo[InvalidInput]) -> dict[str, str]:
    return {e["field"]: str(e["reason"]) for e in exc.value.errors}


def private_key(user):
    return keys.user_key_unlock(user=user, password=PASSWORD)


@pytest.fixture
def facility(db):
    return FacilityFactory(name="Confecciones del Bajío", state="MX-AGU")


@pytest.fixture
def two_reports(report_in, facility):
    return (
        report_in(facility_id=facility.pk),
        report_in(facility_id=facility.pk, categories=["threats", "child_labour"]),
    )


@pytest.fixture
def case(two_reports, agu_handler):
    a, b = two_reports
    return services.case_open(
        report_ids=[a.report.pk, b.report.pk], user=agu_handler.user
    )


# --- Opening ----------------------------------------------------------------------------


def test_two_reports_about_one_facility_become_one_case(
    two_reports, agu_handler, facility, orgs
):
    a, b = two_reports

    case = services.case_open(
        report_ids=[a.report.pk, b.report.pk], user=agu_handler.user
    )

    year = timezone.localdate().year
    assert case.number == f"{year}-00001"
    assert case.organisation == orgs.agu
    assert case.facility == facility
    assert case.urgent  # child labour in one of them
    assert set(case.category_rows.values_list("code", flat=True)) == {
        "intimidation",
        "threats",
        "child_labour",
    }
    assert case.received_at == min(a.report.created_at, b.report.created_at)
    assert {fresh(a.report).status, fresh(b.report).status} == {ReportStatus.IN_REVIEW}
    # Opening acknowledges: the acknowledge clock is met.
    assert case.acknowledged_at is not None
    assert case.acknowledge_seconds is not None
    assert [e.kind for e in selectors.case_timeline(case=case)] == [
        EventKind.OPENED,
        EventKind.REPORT_ADDED,
        EventKind.REPORT_ADDED,
    ]
    assert AuditEntry.objects.filter(action="case.opened").count() == 1


def test_case_numbers_follow_each_other(report_in, agu_handler):
    first = services.case_open(
        report_ids=[report_in().report.pk], user=agu_handler.user
    )
    second = services.case_open(
        report_ids=[report_in().report.pk], user=agu_handler.user
    )
    assert int(second.number[-5:]) == int(first.number[-5:]) + 1


def test_the_case_key_is_sealed_to_its_handlers_and_the_escrow_only(
    agu_colleague, pue_handler, agu_analyst, case, agu_handler, orgs
):
    grants = CaseKeyGrant.objects.filter(case=case)
    assert set(grants.exclude(user=None).values_list("user_id", flat=True)) == {
        agu_handler.user.pk,
        agu_colleague.user.pk,
    }
    assert set(
        grants.exclude(organisation=None).values_list("organisation_id", flat=True)
    ) == {orgs.agu.pk}


def test_a_colleague_who_joins_later_gets_the_key_when_a_handler_opens_the_case(
    case, agu_handler, agu_colleague
):
    assert not CaseKeyGrant.objects.filter(case=case, user=agu_colleague.user).exists()
    services.case_note_add(case=case, user=agu_handler.user, body="Para Carmen")

    services.case_open_for(
        case=case, user=agu_handler.user, user_private_key=private_key(agu_handler.user)
    )

    opened = services.case_open_for(
        case=case,
        user=agu_colleague.user,
        user_private_key=private_key(agu_colleague.user),
    )
    assert [n.body for n in opened.notes] == ["Para Carmen"]


def test_two_handlers_sharing_the_case_key_at_once_do_not_fail(
    case, agu_handler, agu_colleague, monkeypatch
):
    real_plan = sealed.grant_plan

    def raced_plan(**kwargs):
        # another handler's request commits the same grants in between
        plan = real_plan(**kwargs)
        CaseKeyGrant.objects.bulk_create(
            [
                CaseKeyGrant(
                    case=case,
                    user_id=user_id,
                    recipient_public_key=public,
                    sealed_key=sealed,
                )
                for user_id, public, sealed in plan.users
            ]
        )
        return plan

    monkeypatch.setattr(sealed, "grant_plan", raced_plan)

    opened = services.case_open_for(
        case=case, user=agu_handler.user, user_private_key=private_key(agu_handler.user)
    )

    assert opened.unlocked
    assert CaseKeyGrant.objects.filter(case=case, user=agu_colleague.user).count() == 1


def test_reports_of_different_organisations_cannot_be_merged(
    report_in, agu_handler, orgs
):
    from remedia.accounts import services as accounts

    # One person who handles cases in both organisations.
    accounts.membership_grant(
        user=agu_handler.user, organisation=orgs.pue, role="handler", granted_by=None
    )
    agu = report_in(state="MX-AGU")
    pue = report_in(state="MX-PUE")

    with pytest.raises(InvalidInput) as exc:
        services.case_open(
            report_ids=[agu.report.pk, pue.report.pk], user=agu_handler.user
        )

    assert reasons(exc) == {"report_ids": DIFFERENT_ORGS}
    assert not Case.objects.exists()
    assert fresh(agu.report).status == ReportStatus.RECEIVED


def test_another_organisations_report_is_as_unknown_as_a_missing_one(
    report_in, pue_handler
):
    agu = report_in(state="MX-AGU")
    for ids in ([agu.report.pk], [uuid.uuid4()], ["not-a-uuid"]):
        with pytest.raises(InvalidInput) as exc:
            services.case_open(report_ids=ids, user=pue_handler.user)
        assert reasons(exc) == {"report_ids": "Alguna denuncia elegida no existe."}
    assert not Case.objects.exists()


def test_a_report_joins_only_one_case_of_an_organisation(
    case, two_reports, agu_handler
):
    with pytest.raises(InvalidInput) as exc:
        services.case_open(report_ids=[two_reports[0].report.pk], user=agu_handler.user)
    assert reasons(exc) == {
        "report_ids": f"Alguna denuncia ya está en el caso {case.number}."
    }
    assert Case.objects.count() == 1


def test_an_earlier_urgent_report_added_later_moves_the_clocks(report_in, agu_handler):
    case = services.case_open(report_ids=[report_in().report.pk], user=agu_handler.user)
    assert not case.urgent
    normal_due = case.resolution_due_at
    urgent = report_in(categories=["forced_labour"])
    earlier = case.received_at - timedelta(days=2)
    Report.objects.filter(pk=urgent.report.pk).update(created_at=earlier)

    case = services.case_reports_add(
        case=case, report_ids=[urgent.report.pk], user=agu_handler.user
    )

    assert case.urgent
    assert case.received_at == earlier
    assert case.resolution_due_at == earlier + timedelta(days=90)
    assert case.resolution_due_at < normal_due
    assert CaseReport.objects.filter(case=case).count() == 2


# --- Editing ------------------------------------------------------------------------------


def test_assigning_to_someone_without_the_case_role_changes_nothing(
    case, agu_handler, agu_analyst
):
    with pytest.raises(InvalidInput) as exc:
        services.case_update(
            case=case, user=agu_handler.user, assignee_id=agu_analyst.user.pk
        )
    assert "assignee_id" in reasons(exc)
    assert fresh_case(case).assignee is None
    assert fresh_case(case).version == case.version


def test_a_handler_of_another_organisation_cannot_change_the_case(case, pue_handler):
    with pytest.raises(PermissionDenied):
        services.case_update(case=case, user=pue_handler.user, severity="low")
    with pytest.raises(PermissionDenied):
        services.case_status_change(
            case=case, user=pue_handler.user, status="investigating"
        )


def test_only_given_fields_change_and_each_change_is_on_the_timeline(
    case, agu_handler, agu_colleague
):
    services.case_update(
        case=case, user=agu_handler.user, assignee_id=agu_colleague.user.pk
    )
    services.case_update(case=case, user=agu_handler.user, severity="critical")

    case = fresh_case(case)
    assert case.assignee == agu_colleague.user
    assert case.severity == "critical"
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds[-2:] == [EventKind.ASSIGNED, EventKind.SEVERITY_CHANGED]


def test_bad_field_values_are_all_reported_at_once(case, agu_handler):
    with pytest.raises(InvalidInput) as exc:
        services.case_update(
            case=case,
            user=agu_handler.user,
            severity="enorme",
            categories=["nope"],
            facility_id="x",
        )
    assert set(reasons(exc)) == {"severity", "categories", "facility_id"}


# --- Status workflow -----------------------------------------------------------------------


def test_closing_needs_a_reason(case, agu_handler):
    with pytest.raises(InvalidInput) as exc:
        services.case_status_change(case=case, user=agu_handler.user, status="closed")
    assert reasons(exc) == {
        "reason": "Para cerrar un caso, elija el motivo del cierre."
    }
    assert fresh_case(case).status == CaseStatus.OPEN


def test_impossible_orders_are_refused(case, agu_handler):
    services.case_status_change(case=case, user=agu_handler.user, status="resolved")
    with pytest.raises(InvalidInput) as exc:
        services.case_status_change(
            case=case, user=agu_handler.user, status="escalated"
        )
    assert reasons(exc) == {"status": "Un caso «Resuelto» no puede pasar a «Escalado»."}


def test_closing_closes_the_reports_and_schedules_retaliation_checkins(
    case, two_reports, agu_handler
):
    services.case_status_change(
        case=case, user=agu_handler.user, status="closed", reason="remedied"
    )

    case = fresh_case(case)
    assert case.closed_at
    assert case.resolved_at
    assert case.resolution_seconds is not None
    assert case.next_due_at is None
    for submitted in two_reports:
        assert fresh(submitted.report).status == ReportStatus.CLOSED
    days = sorted(
        RetaliationCheckin.objects.filter(case=case).values_list(
            "days_after", flat=True
        )
    )
    assert days == [30, 30, 90, 90]


def test_reopening_returns_reports_to_review_and_drops_unasked_checkins(
    case, two_reports, agu_handler
):
    services.case_status_change(
        case=case, user=agu_handler.user, status="closed", reason="unfounded"
    )
    services.case_status_change(
        case=case, user=agu_handler.user, status="investigating"
    )

    case = fresh_case(case)
    assert case.closed_at is None
    assert case.closure_reason == ""
    assert fresh(two_reports[0].report).status == ReportStatus.IN_REVIEW
    assert not RetaliationCheckin.objects.filter(case=case).exists()


# --- SLA clocks -------------------------------------------------------------------------------


def test_targets_default_by_urgency_and_follow_the_organisations_policy(
    report_in, agu_handler, orgs
):
    normal = services.case_open(
        report_ids=[report_in().report.pk], user=agu_handler.user
    )
    assert normal.acknowledge_due_at == normal.received_at + timedelta(days=7)
    assert normal.first_response_due_at == normal.received_at + timedelta(days=90)

    SlaPolicy.objects.create(
        organisation=orgs.agu,
        urgent=False,
        acknowledge_hours=48,
        first_response_hours=240,
        resolution_days=30,
    )
    strict = services.case_open(
        report_ids=[report_in().report.pk], user=agu_handler.user
    )
    assert strict.acknowledge_due_at == strict.received_at + timedelta(hours=48)
    assert strict.resolution_due_at == strict.received_at + timedelta(days=30)


def test_waiting_on_the_reporter_pauses_the_clocks_and_moves_them_on(case, agu_handler):
    due_before = case.resolution_due_at
    services.case_status_change(
        case=case, user=agu_handler.user, status="awaiting_response"
    )
    paused = fresh_case(case)
    assert paused.paused_since is not None
    assert paused.next_due_at is None
    assert case not in selectors.case_list(
        viewer=agu_handler.user, filters=selectors.CaseFilters(overdue=True)
    )
    # Two days of waiting, as if the pause had begun then.
    Case.objects.filter(pk=case.pk).update(
        paused_since=timezone.now() - timedelta(days=2)
    )

    services.case_status_change(
        case=case, user=agu_handler.user, status="investigating"
    )

    resumed = fresh_case(case)
    assert resumed.paused_since is None
    assert abs(resumed.paused_seconds - 2 * 86400) < 60
    shift = resumed.resolution_due_at - due_before
    assert abs(shift.total_seconds() - 2 * 86400) < 60
    assert resumed.next_due_at == resumed.first_response_due_at


def test_a_reporter_answering_resumes_a_paused_case(
    case, two_reports, agu_handler, django_capture_on_commit_callbacks
):
    services.case_status_change(
        case=case, user=agu_handler.user, status="awaiting_response"
    )
    access = intake.reporter_open(receipt=two_reports[0].receipt)

    with django_capture_on_commit_callbacks(execute=True):
        intake.reporter_message_add(access=access, body="Pasó otra vez el lunes.")

    case = fresh_case(case)
    assert case.status == CaseStatus.INVESTIGATING
    assert case.paused_since is None
    assert EventKind.REPORTER_REPLIED in case.events.values_list("kind", flat=True)


def test_overdue_cases_are_found_by_the_filter(case, report_in, agu_handler):
    other = services.case_open(
        report_ids=[report_in().report.pk], user=agu_handler.user
    )
    Case.objects.filter(pk=case.pk).update(
        next_due_at=timezone.now() - timedelta(hours=1)
    )

    overdue = selectors.case_list(
        viewer=agu_handler.user, filters=selectors.CaseFilters(overdue=True)
    )
    assert list(overdue) == [fresh_case(case)]
    assert other not in overdue


def test_a_reply_from_the_report_page_is_the_cases_first_response(
    case, two_reports, agu_handler, django_capture_on_commit_callbacks
):
    assert case.first_response_at is None
    with django_capture_on_commit_callbacks(execute=True):
        intake.staff_reply(
            report=two_reports[0].report, user=agu_handler.user, body="Recibimos."
        )
    case = fresh_case(case)
    assert case.first_response_at is not None
    assert case.first_response_seconds is not None


def test_one_message_reaches_every_reporter_of_the_case_each_under_their_key(
    case, two_reports, agu_handler
):
    sent = services.case_message_reporters(
        case=case, user=agu_handler.user, body="¿Desde cuándo pasa?"
    )

    assert sent == 2
    for submitted in two_reports:
        access = intake.reporter_open(receipt=submitted.receipt)
        opened = intake.report_decrypt(
            report=access.report, private_key=access.private_key
        )
        assert [m.body for m in opened.messages] == ["¿Desde cuándo pasa?"]
    assert fresh_case(case).first_response_at is not None


# --- Notes, tasks, documents ------------------------------------------------------------------


def test_notes_are_stored_sealed_and_read_back_audited(case, agu_handler):
    services.case_note_add(
        case=case, user=agu_handler.user, body="Hablar con la inspectora"
    )

    stored = bytes(CaseNote.objects.get().content)
    assert b"inspectora" not in stored
    opened = services.case_open_for(
        case=case, user=agu_handler.user, user_private_key=private_key(agu_handler.user)
    )
    assert [n.body for n in opened.notes] == ["Hablar con la inspectora"]
    assert AuditEntry.objects.filter(
        action="case.read", actor_id=str(agu_handler.user.pk)
    ).exists()


def test_without_the_key_the_case_opens_locked(case, agu_handler):
    services.case_note_add(case=case, user=agu_handler.user, body="secreto")
    opened = services.case_open_for(
        case=case, user=agu_handler.user, user_private_key=None
    )
    assert not opened.unlocked
    assert opened.notes == []


def test_a_task_due_in_the_past_is_refused(case, agu_handler):
    with pytest.raises(InvalidInput) as exc:
        services.case_task_add(
            case=case,
            user=agu_handler.user,
            title="Visitar la planta",
            owner_id=agu_handler.user.pk,
            due_on=timezone.localdate() - timedelta(days=1),
        )
    assert reasons(exc) == {"due_on": "La fecha límite no puede estar en el pasado."}
    assert not case.tasks.exists()


def test_a_task_is_created_and_completed_once(case, agu_handler, agu_colleague):
    task = services.case_task_add(
        case=case,
        user=agu_handler.user,
        title="Pedir la nómina",
        owner_id=agu_colleague.user.pk,
        due_on=timezone.localdate() + timedelta(days=3),
    )
    services.case_task_done(task=task, user=agu_colleague.user)
    task.refresh_from_db()
    assert task.done_by == agu_colleague.user
    with pytest.raises(Exception, match="ya estaba completada"):
        services.case_task_done(task=task, user=agu_colleague.user)


def test_documents_lose_their_metadata_and_are_encrypted_on_disk(
    case, agu_handler, data_dir
):
    photo = jpeg_with_gps("Canon")
    document = services.case_document_add(
        case=case, user=agu_handler.user, name="aviso.jpg", data=photo
    )

    on_disk = (data_dir / "case-documents" / document.blob).read_bytes()
    assert b"Canon" not in on_disk
    assert b"JFIF" not in on_disk
    meta, data = services.case_document_open(
        document=document,
        user=agu_handler.user,
        user_private_key=private_key(agu_handler.user),
    )
    assert meta == {"name": "aviso.jpg"}
    assert data.startswith(b"\xff\xd8")
    assert b"Canon" not in data


# --- Escalation ----------------------------------------------------------------------------------


def test_a_case_without_rrm_categories_or_facility_cannot_be_escalated(
    report_in, agu_handler
):
    case = services.case_open(
        report_ids=[report_in(categories=["wages"]).report.pk], user=agu_handler.user
    )
    with pytest.raises(InvalidInput) as exc:
        services.case_escalate(case=case, user=agu_handler.user, summary="corto")
    assert set(reasons(exc)) == {"categories", "facility_id", "summary"}
    assert not Escalation.objects.exists()


@pytest.fixture
def without_rrm_receiver():
    """The RRM app registers its receiver at start-up; these tests stand in for it."""
    from remedia.rrm.services import escalation_receive

    hooks.escalation_receiver_unregister(escalation_receive)
    yield
    hooks.escalation_receiver_register(escalation_receive)


@pytest.mark.usefixtures("without_rrm_receiver")
def test_escalation_makes_a_draft_petition_and_hands_it_to_the_rrm_module(
    case, agu_handler, facility
):
    document = services.case_document_add(
        case=case, user=agu_handler.user, name="acta.jpg", data=jpeg_with_gps("X")
    )
    petition_id = uuid.uuid4()
    received = []

    def rrm_receiver(escalation):
        received.append(escalation)
        return petition_id

    hooks.escalation_receiver_register(rrm_receiver)
    try:
        escalation = services.case_escalate(
            case=case,
            user=agu_handler.user,
            summary="Despidos de quienes votaron por el sindicato independiente.",
            document_ids=[document.pk],
        )
    finally:
        hooks.escalation_receiver_unregister(rrm_receiver)

    assert received == [escalation]
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.HANDED_OVER
    assert escalation.petition_ref == petition_id
    assert escalation.facility == facility
    assert escalation.categories == ["intimidation", "threats"]
    assert list(escalation.documents.all()) == [document]
    assert fresh_case(case).status == CaseStatus.ESCALATED


@pytest.mark.usefixtures("without_rrm_receiver")
def test_without_the_rrm_module_the_draft_waits(case, agu_handler):
    escalation = services.case_escalate(
        case=case,
        user=agu_handler.user,
        summary="Amenazas a quienes firmaron por el sindicato.",
    )
    assert escalation.status == EscalationStatus.DRAFT
    assert list(selectors.escalations_waiting()) == [escalation]


# --- Retaliation check-ins ----------------------------------------------------------------------


def test_a_yes_to_the_retaliation_question_reopens_the_case_as_urgent(
    report_in, agu_handler
):
    submitted = report_in()
    case = services.case_open(report_ids=[submitted.report.pk], user=agu_handler.user)
    services.case_status_change(
        case=case, user=agu_handler.user, status="closed", reason="remedied"
    )
    assert (
        services.checkins_send_due(today=timezone.localdate() + timedelta(days=29)) == 0
    )
    assert (
        services.checkins_send_due(today=timezone.localdate() + timedelta(days=30)) == 1
    )
    access = intake.reporter_open(receipt=submitted.receipt)
    checkin = services.checkin_pending(report=access.report)
    assert checkin is not None
    assert checkin.days_after == 30

    services.checkin_answer(access=access, checkin_id=checkin.pk, answer="yes")

    case = fresh_case(case)
    assert case.status == CaseStatus.OPEN
    assert case.urgent
    assert case.acknowledged_at is None
    assert case.acknowledge_due_at <= timezone.now() + timedelta(hours=24)
    assert fresh(submitted.report).status == ReportStatus.IN_REVIEW
    with pytest.raises(InvalidInput) as exc:
        services.checkin_answer(access=access, checkin_id=checkin.pk, answer="no")
    assert reasons(exc) == {"checkin": "Ya respondió esta pregunta. Gracias."}


def test_the_question_is_asked_in_the_reporters_language(report_in, agu_handler):
    submitted = report_in(language="en")
    case = services.case_open(report_ids=[submitted.report.pk], user=agu_handler.user)
    services.case_status_change(
        case=case, user=agu_handler.user, status="closed", reason="remedied"
    )
    services.checkins_send_due(today=timezone.localdate() + timedelta(days=31))
    access = intake.reporter_open(receipt=submitted.receipt)
    opened = intake.report_decrypt(report=access.report, private_key=access.private_key)
    assert "retaliation" in opened.messages[-1].body.lower()


# --- The registry ---------------------------------------------------------------------------------


def test_cases_follow_a_facility_merged_into_another(case, facility, agu_handler):
    keep = FacilityFactory(name="Confecciones del Bajío S.A. de C.V.", state="MX-AGU")
    facility_merge(keep=keep, merge=facility, actor=None)
    assert fresh_case(case).facility == keep


def fresh_case(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def test_no_event_holds_what_anyone_wrote(case, agu_handler):
    services.case_note_add(case=case, user=agu_handler.user, body="texto-secreto-9")
    services.case_message_reporters(
        case=case, user=agu_handler.user, body="pregunta-secreta-7"
    )
    dumped = repr(list(CaseEvent.objects.values_list("data", flat=True)))
    assert "secreto-9" not in dumped
    assert "secreta-7" not in dumped


def test_a_question_asked_before_staff_reopened_the_case_no_longer_stands(
    report_in, agu_handler
):
    submitted = report_in()
    case = services.case_open(report_ids=[submitted.report.pk], user=agu_handler.user)
    services.case_status_change(
        case=case, user=agu_handler.user, status="closed", reason="remedied"
    )
    services.checkins_send_due(today=timezone.localdate() + timedelta(days=30))
    access = intake.reporter_open(receipt=submitted.receipt)
    checkin = services.checkin_pending(report=access.report)
    assert checkin is not None

    services.case_status_change(
        case=case, user=agu_handler.user, status="investigating"
    )

    assert services.checkin_pending(report=access.report) is None
    with pytest.raises(InvalidInput) as exc:
        services.checkin_answer(access=access, checkin_id=checkin.pk, answer="yes")
    assert reasons(exc) == {"checkin": "No hay ninguna pregunta pendiente."}
    assert fresh_case(case).status == CaseStatus.INVESTIGATING


def test_related_reports_are_those_about_the_same_facility_or_state_and_category(
    report_in, agu_handler, facility
):
    base = report_in(facility_id=facility.pk)
    same_facility = report_in(facility_id=facility.pk, categories=["wages"])
    other_facility = report_in(facility_id=FacilityFactory(state="MX-AGU").pk)
    loose = report_in()
    loose_same_category = report_in()
    loose_other_category = report_in(categories=["hours"])

    related = selectors.related_for(viewer=agu_handler.user, report=base.report)
    assert [r.pk for r in related.reports] == [same_facility.report.pk]
    assert other_facility.report.pk not in [r.pk for r in related.reports]

    related = selectors.related_for(viewer=agu_handler.user, report=loose.report)
    assert {r.pk for r in related.reports} == {loose_same_category.report.pk}
    assert loose_other_category.report.pk not in {r.pk for r in related.reports}


def test_steps_not_done_when_the_case_ended_show_as_stopped_not_overdue(
    case, agu_handler
):
    Case.objects.filter(pk=case.pk).update(
        first_response_due_at=timezone.now() - timedelta(days=1)
    )
    services.case_status_change(
        case=case, user=agu_handler.user, status="closed", reason="insufficient"
    )

    clocks = selectors.case_clocks(case=fresh_case(case))

    assert clocks["acknowledge"].state == "met"
    assert clocks["first_response"].state == "stopped"
    assert clocks["resolution"].state in {"met", "late"}


def test_the_cached_case_total_follows_every_write(
    report_in, agu_handler, django_capture_on_commit_callbacks
):
    active = selectors.CaseFilters(status="active")
    assert selectors.case_count(viewer=agu_handler.user, filters=active) == 0

    with django_capture_on_commit_callbacks(execute=True):
        case = services.case_open(
            report_ids=[report_in().report.pk], user=agu_handler.user
        )
    assert selectors.case_count(viewer=agu_handler.user, filters=active) == 1

    with django_capture_on_commit_callbacks(execute=True):
        services.case_status_change(
            case=case, user=agu_handler.user, status="closed", reason="duplicate"
        )
    assert selectors.case_count(viewer=agu_handler.user, filters=active) == 0
    assert selectors.case_count(viewer=agu_handler.user) == 1
