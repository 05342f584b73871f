"""Staff petitions: the Annex 31-A state machine, the order of days, access,
confidentiality, the escalation hand-over, and the audit trail."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from remedia.cases import services as cases_services
from remedia.cases.models import EscalationStatus
from remedia.core.audit import AuditEntry
from remedia.core.errors import InvalidInput, NotFound, PermissionDenied
from remedia.rrm import selectors, services
from remedia.rrm.models import (
    TRANSITIONS,
    RrmCase,
    RrmEnding,
    RrmEvent,
    RrmEventKind,
    RrmStage,
)
from tests.rrm.world import _clear_cache, petition  # noqa: F401
from tests.support.factories.facilities import FacilityFactory

pytestmark = pytest.mark.django_db

S = RrmStage
D = dt.date

# A path through the procedure to the course of remediation (INISA's days).
TO_REMEDIATION: list[tuple[str, dt.date, dict[str, Any]]] = [
    (S.ILC_DETERMINATION, D(2023, 6, 9), {"affirmative": True}),
    (S.REVIEW_REQUESTED, D(2023, 6, 12), {"liquidation_suspended": True}),
    (S.REVIEW_ACCEPTED, D(2023, 6, 22), {}),
    (S.MEXICO_DETERMINATION, D(2023, 7, 27), {"denial_found": True}),
    (S.CONSULTATIONS, D(2023, 7, 28), {}),
    (S.REMEDIATION_AGREED, D(2023, 8, 9), {"remediation_deadline": D(2023, 11, 10)}),
]


def _walk(
    case: RrmCase, analyst: Any, path: list[tuple[str, dt.date, dict]]
) -> RrmCase:
    for stage, on, details in path:
        case = services.petition_advance(
            case=case, user=analyst.user, to_stage=stage, on=on, **details
        )
    return case


def test_a_petition_walks_to_a_course_of_remediation_with_each_day_recorded(analyst):
    case = petition(analyst)
    assert case.stage == S.PETITION_FILED
    assert case.is_public is False

    case = _walk(case, analyst, TO_REMEDIATION)

    case.refresh_from_db()
    assert case.stage == S.REMEDIATION_AGREED
    assert case.ilc_determination_on == D(2023, 6, 9)
    assert case.ilc_request_on == D(2023, 6, 12)
    assert case.mexico_accepted_on == D(2023, 6, 22)
    assert case.mexico_determination_on == D(2023, 7, 27)
    assert case.consultations_started_on == D(2023, 7, 28)
    assert case.remediation_announced_on == D(2023, 8, 9)
    assert case.liquidation_suspended is True
    statuses = {s.step: s.status for s in case.timeline(today=D(2024, 1, 1))}
    assert statuses["review"] == "met"
    assert statuses["remediation_consultation"] == "late"
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds == [RrmEventKind.CREATED] + [RrmEventKind.ADVANCED] * 6
    actions = list(
        AuditEntry.objects.filter(object_id=str(case.pk)).values_list(
            "action", flat=True
        )
    )
    assert actions.count("rrm.petition_advanced") == 6
    assert "rrm.petition_created" in actions


def _case_at(analyst: Any, stage: str, **fields: Any) -> RrmCase:
    """A petition put straight at ``stage`` (the database, not the service),
    to try each transition from there."""
    case = petition(analyst)
    RrmCase.objects.filter(pk=case.pk).update(stage=stage, **fields)
    case.refresh_from_db()
    return case


DETAILS: dict[str, dict[str, Any]] = {
    S.ILC_DETERMINATION: {"affirmative": True},
    S.MEXICO_DETERMINATION: {"denial_found": True},
    S.REMEDIATION_AGREED: {"remediation_deadline": D(2024, 12, 1)},
    S.PANEL_DETERMINATION: {"denial_found": True},
    S.CLOSED: {"ending": RrmEnding.FACILITY_CLOSED},
}

ALLOWED = [
    (source, target)
    for source, targets in TRANSITIONS.items()
    for target in sorted(targets)
    if source != S.DRAFT  # drafts: their own tests below
]


@pytest.mark.parametrize(("source", "target"), ALLOWED)
def test_every_allowed_transition_is_taken(analyst, source, target):
    # ILC affirmative and a panel's finding of denial, so no guard refuses
    case = _case_at(analyst, source, ilc_affirmative=True, panel_denial_found=True)

    case = services.petition_advance(
        case=case,
        user=analyst.user,
        to_stage=target,
        on=D(2024, 1, 15),
        **DETAILS.get(target, {}),
    )

    assert case.stage == target
    assert (
        getattr(
            case,
            "closed_on"
            if target == S.CLOSED
            else {
                S.ILC_DETERMINATION: "ilc_determination_on",
            }.get(target, "updated_at"),
        )
        is not None
    )


REFUSED = [
    (S.PETITION_FILED, S.REVIEW_ACCEPTED),
    (S.PETITION_FILED, S.REMEDIATION_AGREED),
    (S.REVIEW_REQUESTED, S.REMEDIATION_AGREED),
    (S.REVIEW_ACCEPTED, S.PANEL_CONSTITUTED),
    (S.REMEDIATION_AGREED, S.CLOSED),
    (S.PANEL_REQUESTED, S.PANEL_DETERMINATION),
    (S.CLOSED, S.PETITION_FILED),
    (S.CLOSED, S.REVIEW_REQUESTED),
    (S.REMEDIES, S.PANEL_REQUESTED),
]


@pytest.mark.parametrize(("source", "target"), REFUSED)
def test_an_impossible_order_is_refused_and_nothing_changes(analyst, source, target):
    case = _case_at(analyst, source, ilc_affirmative=True)

    with pytest.raises(InvalidInput) as caught:
        services.petition_advance(
            case=case, user=analyst.user, to_stage=target, on=D(2024, 1, 15)
        )

    assert caught.value.errors[0]["field"] == "to_stage"
    assert "No se puede pasar de" in str(caught.value.errors[0]["reason"])
    case.refresh_from_db()
    assert case.stage == source
    assert not case.events.filter(kind=RrmEventKind.ADVANCED).exists()


def test_a_negative_ilc_determination_only_ends_the_case(analyst):
    case = petition(analyst)
    case = services.petition_advance(
        case=case,
        user=analyst.user,
        to_stage=S.ILC_DETERMINATION,
        on=D(2023, 6, 9),
        affirmative=False,
        reasons="Sin evidencia suficiente.",
    )
    assert case.allowed_next() == [S.CLOSED]
    with pytest.raises(InvalidInput):
        services.petition_advance(
            case=case, user=analyst.user, to_stage=S.REVIEW_REQUESTED, on=D(2023, 6, 12)
        )

    case = services.petition_advance(
        case=case, user=analyst.user, to_stage=S.CLOSED, on=D(2023, 6, 10)
    )

    assert case.ending == RrmEnding.DECLINED_BY_ILC


def test_a_negative_determination_needs_reasons(analyst):
    case = petition(analyst)
    with pytest.raises(InvalidInput) as caught:
        services.petition_advance(
            case=case,
            user=analyst.user,
            to_stage=S.ILC_DETERMINATION,
            on=D(2023, 6, 9),
            affirmative=False,
        )
    assert caught.value.errors[0]["field"] == "reasons"


def test_a_self_initiated_case_skips_the_petition(analyst):
    case = services.petition_create(
        user=analyst.user, facility_name="Minera de Sombrerete", self_initiated=True
    )
    assert case.stage == S.DRAFT
    assert S.PETITION_FILED not in case.allowed_next()

    case = services.petition_advance(
        case=case, user=analyst.user, to_stage=S.REVIEW_REQUESTED, on=D(2024, 3, 1)
    )

    assert case.stage == S.REVIEW_REQUESTED
    assert case.petition_received_on is None


def test_a_draft_petition_must_be_filed_before_a_review_is_requested(analyst):
    case = services.petition_create(
        user=analyst.user, facility_name="Maquila del Norte", facts_alleged="x" * 30
    )
    assert case.allowed_next() == [S.PETITION_FILED, S.CLOSED]

    case = services.petition_advance(
        case=case,
        user=analyst.user,
        to_stage=S.PETITION_FILED,
        on=D(2024, 2, 1),
        petitioners="Sindicato Independiente",
    )

    assert case.petition_received_on == D(2024, 2, 1)


@pytest.mark.parametrize(
    ("stage", "on", "details", "field", "names"),
    [
        (
            S.ILC_DETERMINATION,
            D(2023, 5, 1),
            {"affirmative": True},
            "ilc_determination_on",
            ("determinación del ILC", "petición recibida"),
        ),
        (
            S.REVIEW_REQUESTED,
            D(2023, 6, 1),
            {},
            "ilc_request_on",
            ("solicitud de revisión", "determinación del ILC"),
        ),
    ],
)
def test_a_step_recorded_before_its_predecessor_is_refused_naming_the_field(
    analyst, stage, on, details, field, names
):
    case = petition(analyst)
    if stage == S.REVIEW_REQUESTED:
        case = _walk(case, analyst, TO_REMEDIATION[:1])
    before = case.events.count()

    with pytest.raises(InvalidInput) as caught:
        services.petition_advance(
            case=case, user=analyst.user, to_stage=stage, on=on, **details
        )

    error = caught.value.errors[0]
    assert error["field"] == field
    assert all(name in error["reason"] for name in names)
    assert "no puede ser anterior" in error["reason"]
    case.refresh_from_db()
    assert getattr(case, field) is None
    assert case.events.count() == before


def test_a_panel_day_before_the_request_is_refused(analyst):
    case = _walk(petition(analyst), analyst, TO_REMEDIATION[:2])
    with pytest.raises(InvalidInput) as caught:
        services.petition_advance(
            case=case, user=analyst.user, to_stage=S.PANEL_REQUESTED, on=D(2023, 6, 1)
        )
    assert caught.value.errors[0]["field"] == "panel_requested_on"


def test_a_future_day_is_refused(analyst):
    case = petition(analyst)
    with pytest.raises(InvalidInput) as caught:
        services.petition_advance(
            case=case,
            user=analyst.user,
            to_stage=S.ILC_DETERMINATION,
            on=D(2999, 1, 1),
            affirmative=True,
        )
    assert caught.value.errors[0]["field"] == "on"


def test_another_organisation_cannot_see_or_advance_a_petition(analyst, analyst_pue):
    case = petition(analyst)

    with pytest.raises(NotFound):
        selectors.rrm_case_get_for_user(viewer=analyst_pue.user, case_id=case.pk)
    with pytest.raises(PermissionDenied):
        services.petition_advance(
            case=case,
            user=analyst_pue.user,
            to_stage=S.ILC_DETERMINATION,
            on=D(2023, 6, 9),
            affirmative=True,
        )
    assert case not in selectors.rrm_case_list_staff(viewer=analyst_pue.user)


def test_a_handler_without_petition_rights_sees_nothing(analyst, agu_handler):
    case = petition(analyst)
    with pytest.raises(NotFound):
        selectors.rrm_case_get_for_user(viewer=agu_handler.user, case_id=case.pk)
    assert not selectors.rrm_case_list_staff(viewer=agu_handler.user).exists()
    with pytest.raises(PermissionDenied):
        services.petition_create(user=agu_handler.user, facility_name="X")


def test_a_confidential_petition_is_never_public(analyst):
    case = petition(analyst, confidential=True)

    public = selectors.rrm_case_list_public(filters=selectors.RrmCaseFilters())
    assert case not in public
    with pytest.raises(NotFound):
        selectors.rrm_case_get_public(key=case.slug)
    case.is_public = True
    with pytest.raises(Exception, match="confidencial"):
        case.full_clean()


def test_the_petitioners_are_not_in_the_events_or_the_audit(analyst):
    case = _walk(petition(analyst), analyst, TO_REMEDIATION[:1])
    services.rrm_note_add(case=case, user=analyst.user, body="Llamar al FAT.")
    for event in RrmEvent.objects.filter(case=case):
        assert "Frente" not in str(event.data)
        assert "FAT" not in str(event.data)
    for entry in AuditEntry.objects.filter(object_id=str(case.pk)):
        assert "Frente" not in str(entry.data)


def test_a_document_is_stored_without_metadata_under_the_data_dir(
    analyst,
    data_dir,  # noqa: F811
):
    from tests.intake.support import jpeg_with_gps

    case = petition(analyst)
    document = services.rrm_document_add(
        case=case, user=analyst.user, name="peticion.jpg", data=jpeg_with_gps("Canon")
    )

    on_disk = (data_dir / "rrm-documents" / document.blob).read_bytes()
    assert on_disk.startswith(b"\xff\xd8")
    assert b"Canon" not in on_disk
    assert document.stage == S.PETITION_FILED
    assert AuditEntry.objects.filter(action="rrm.document_added").exists()


# --- Escalated cases ---------------------------------------------------------------


@pytest.fixture
def escalated_case(orgs, agu_handler, data_dir):  # noqa: F811
    from remedia.intake import services as intake

    facility = FacilityFactory(name="Confecciones del Bajío", state="MX-AGU")
    submitted = intake.report_submit(
        draft=intake.ReportDraft(
            channel="web",
            categories=["intimidation", "threats"],
            narrative="El supervisor amenazó a quienes apoyan al sindicato.",
            facility_id=facility.pk,
            state="MX-AGU",
        )
    )
    return cases_services.case_open(
        report_ids=[submitted.report.pk], user=agu_handler.user
    )


def test_an_escalated_case_becomes_an_unassigned_draft(
    escalated_case,
    agu_handler,
    analyst_pue,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        escalation = cases_services.case_escalate(
            case=escalated_case,
            user=agu_handler.user,
            summary="Amenazas a quienes firmaron por el sindicato independiente.",
        )

    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.HANDED_OVER
    draft = RrmCase.objects.get(pk=escalation.petition_ref)
    assert draft.stage == S.DRAFT
    assert draft.organisation is None  # the handler's organisation has no analyst
    assert draft.confidential is True
    assert draft.is_public is False
    assert draft.facility_id == escalation.facility_id
    assert draft.alleged_categories == ["intimidation", "threats"]
    assert draft.facts_alleged.startswith("Amenazas")
    # Every analyst sees it among the drafts to assign, and one claims it.
    assert draft in selectors.rrm_case_list_staff(viewer=analyst_pue.user)
    services.petition_claim(case=draft, user=analyst_pue.user)
    draft.refresh_from_db()
    assert draft.organisation_id == analyst_pue.user.memberships.get().organisation_id
    assert AuditEntry.objects.filter(action="rrm.draft_received").exists()
    assert AuditEntry.objects.filter(action="rrm.petition_claimed").exists()


def test_an_escalating_organisation_with_analysts_owns_its_draft(
    escalated_case,
    agu_handler,
    analyst,
):
    escalation = cases_services.case_escalate(
        case=escalated_case,
        user=agu_handler.user,
        summary="Amenazas a quienes firmaron por el sindicato independiente.",
    )
    draft = RrmCase.objects.get(pk=escalation.petition_ref)
    assert draft.organisation_id == escalated_case.organisation_id
    assert draft in selectors.rrm_case_list_staff(viewer=analyst.user)


def test_drafts_escalated_before_the_app_listened_are_taken_over(
    escalated_case,
    agu_handler,
    analyst,
):
    from remedia.cases import hooks

    hooks.escalation_receiver_unregister(services.escalation_receive)
    try:
        escalation = cases_services.case_escalate(
            case=escalated_case,
            user=agu_handler.user,
            summary="Amenazas a quienes firmaron por el sindicato independiente.",
        )
    finally:
        hooks.escalation_receiver_register(services.escalation_receive)
    assert escalation.status == EscalationStatus.DRAFT

    taken = services.escalations_take_over(user=analyst.user)

    assert taken == 1
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.HANDED_OVER
    assert RrmCase.objects.filter(escalation_ref=escalation.pk).count() == 1
    assert services.escalations_take_over(user=analyst.user) == 0


# --- Endings and the public record ------------------------------------------------------


def test_an_ending_must_fit_the_path_the_case_took(analyst):
    case = _walk(petition(analyst), analyst, TO_REMEDIATION[:4])
    assert case.stage == S.MEXICO_DETERMINATION
    assert case.allowed_endings() == [
        RrmEnding.RESOLVED_DURING_REVIEW,
        RrmEnding.FACILITY_CLOSED,
    ]
    # "Remediated" needs a verified course; a panel's endings need a panel.
    for ending in (RrmEnding.REMEDIATED, RrmEnding.PANEL_NO_DENIAL):
        with pytest.raises(InvalidInput) as caught:
            services.petition_advance(
                case=case,
                user=analyst.user,
                to_stage=S.CLOSED,
                on=D(2023, 8, 1),
                ending=ending,
            )
        assert caught.value.errors[0]["field"] == "ending"
        assert "no puede terminar como" in str(caught.value.errors[0]["reason"])
    case.refresh_from_db()
    assert case.stage == S.MEXICO_DETERMINATION
    assert case.ending == ""

    case = services.petition_advance(
        case=case,
        user=analyst.user,
        to_stage=S.CLOSED,
        on=D(2023, 8, 1),
        ending=RrmEnding.RESOLVED_DURING_REVIEW,
    )
    assert case.ending == RrmEnding.RESOLVED_DURING_REVIEW


def test_a_verified_course_ends_remediated_and_a_facility_may_close_anywhere(analyst):
    case = _walk(
        petition(analyst),
        analyst,
        [*TO_REMEDIATION, (S.REMEDIATION_VERIFIED, D(2023, 11, 10), {})],
    )
    assert case.allowed_endings() == [RrmEnding.REMEDIATED, RrmEnding.FACILITY_CLOSED]
    early = petition(analyst, facility_name="Cerrada")
    assert early.allowed_endings() == [
        RrmEnding.DECLINED_BY_ILC,
        RrmEnding.FACILITY_CLOSED,
    ]


def test_a_petition_is_published_and_withdrawn_but_never_when_confidential(analyst):
    case = petition(analyst)
    case = services.petition_publish(case=case, user=analyst.user, public=True)
    assert case.is_public
    assert selectors.rrm_case_get_public(key=case.slug) == case
    assert (
        list(case.events.values_list("kind", flat=True)).count(RrmEventKind.PUBLISHED)
        == 1
    )
    assert AuditEntry.objects.filter(action="rrm.petition_published").count() == 1

    services.petition_publish(case=case, user=analyst.user, public=False)
    with pytest.raises(NotFound):
        selectors.rrm_case_get_public(key=case.slug)

    secret = petition(analyst, facility_name="Secreta", confidential=True)
    with pytest.raises(InvalidInput) as caught:
        services.petition_publish(case=secret, user=analyst.user, public=True)
    assert caught.value.errors[0]["field"] == "is_public"
    secret.refresh_from_db()
    assert secret.is_public is False


def test_only_the_owning_organisation_publishes(analyst, analyst_pue):
    case = petition(analyst)
    with pytest.raises(PermissionDenied):
        services.petition_publish(case=case, user=analyst_pue.user, public=True)
    case.refresh_from_db()
    assert case.is_public is False


def test_the_public_record_gets_no_staff_only_steps():
    record = RrmCase.objects.create(
        slug="rec",
        facility_name="Planta",
        remediation_announced_on=D(2023, 8, 9),
        remediation_deadline=D(2023, 11, 10),
    )
    steps = selectors.staff_steps(record, today=D(2026, 1, 1))
    assert "remediation_verification" not in {s.step for s in steps}
