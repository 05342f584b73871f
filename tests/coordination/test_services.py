"""The work plan's rules: numbers enforced, dates in order, only the lead
decides, only approved updates count, overdue flagged, every write audited."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from PIL import Image

from remedia.coordination.alerts import overdue_notify
from remedia.coordination.models import (
    Action,
    ActionStatus,
    IndicatorPeriod,
    ProgressUpdate,
    UpdateStatus,
)
from remedia.coordination.selectors.plan import (
    action_indicators,
    action_overdue,
    actions_progress,
    indicator_totals,
    overdue_actions,
    overdue_periods,
    period_actual,
    plan_progress,
)
from remedia.coordination.services.indicators import indicator_create, period_create
from remedia.coordination.services.plan import (
    action_create,
    action_update,
    plan_create,
)
from remedia.coordination.services.updates import (
    update_resubmit,
    update_review,
    update_submit,
)
from remedia.core.audit import AuditEntry
from remedia.core.errors import InvalidInput, PermissionDenied
from remedia.notifications.models import Notification
from tests.intake.support import GPS_IFD, jpeg_with_gps
from tests.support.actors import with_email
from tests.support.coordination import CoordinationWorld, action_data

pytestmark = pytest.mark.django_db

CAMERA = "Nikon Coolpix Ubicua"


def _reasons(exc: pytest.ExceptionInfo[InvalidInput]) -> dict[str, str]:
    return {e["field"]: str(e["reason"]) for e in exc.value.errors}


# --- Numbers and dates -----------------------------------------------------------------


@pytest.mark.parametrize("target", ["N/A", "yes", "muchos", "1e999", "-3"])
def test_a_quantitative_target_must_be_a_number(
    coordination_world: CoordinationWorld, target: str
) -> None:
    world = coordination_world
    before = IndicatorPeriod.objects.count()

    with pytest.raises(InvalidInput) as refused:
        period_create(
            user=world.coordinator.user,
            indicator=world.indicator,
            data={"starts_on": "2026-07-01", "ends_on": "2026-09-30", "target": target},
        )

    assert "target" in _reasons(refused)
    assert IndicatorPeriod.objects.count() == before


def test_a_quantitative_period_needs_a_target_and_a_percentage_stays_under_100(
    coordination_world: CoordinationWorld,
) -> None:
    world = coordination_world
    with pytest.raises(InvalidInput) as refused:
        period_create(
            user=world.coordinator.user,
            indicator=world.indicator,
            data={"starts_on": "2026-07-01", "ends_on": "2026-09-30"},
        )
    assert _reasons(refused)["target"] == "Escriba la meta del periodo, con número."
    share = indicator_create(
        user=world.coordinator.user,
        action=world.action,
        data={"name": "Talleres con inspección", "unit": "percent"},
    )

    with pytest.raises(InvalidInput) as refused:
        period_create(
            user=world.coordinator.user,
            indicator=share,
            data={"starts_on": "2026-01-01", "ends_on": "2026-12-31", "target": "120"},
        )

    assert _reasons(refused)["target"] == "Un porcentaje va de 0 a 100."


def test_a_period_ends_after_it_starts_and_does_not_overlap(
    coordination_world: CoordinationWorld,
) -> None:
    world = coordination_world
    with pytest.raises(InvalidInput) as refused:
        period_create(
            user=world.coordinator.user,
            indicator=world.indicator,
            data={"starts_on": "2026-09-30", "ends_on": "2026-07-01", "target": "1"},
        )
    assert "ends_on" in _reasons(refused)
    with pytest.raises(InvalidInput) as refused:
        period_create(
            user=world.coordinator.user,
            indicator=world.indicator,
            data={"starts_on": "2026-03-01", "ends_on": "2026-04-30", "target": "1"},
        )
    assert _reasons(refused)["starts_on"] == (
        "El periodo se cruza con otro del indicador."
    )


def test_an_action_is_not_due_before_it_starts(
    coordination_world: CoordinationWorld,
) -> None:
    world = coordination_world
    before = Action.objects.count()

    with pytest.raises(InvalidInput) as refused:
        action_create(
            user=world.coordinator.user,
            objective=world.objective,
            data=action_data(world, starts_on="2026-06-01", due_on="2026-05-01"),
        )

    assert _reasons(refused) == {
        "due_on": "La fecha límite no puede ser anterior al inicio."
    }
    assert Action.objects.count() == before


def test_an_action_refuses_an_unknown_state_sector_and_organisation(
    coordination_world: CoordinationWorld,
) -> None:
    world = coordination_world
    with pytest.raises(InvalidInput) as refused:
        action_create(
            user=world.coordinator.user,
            objective=world.objective,
            data=action_data(
                world,
                state="MX-XXX",
                sector="church",
                owner_id="nadie",
                due_on="mañana",
            ),
        )
    assert set(_reasons(refused)) == {"state", "sector", "owner_id", "due_on"}


def test_a_second_plan_for_a_year_is_refused(
    coordination_world: CoordinationWorld,
) -> None:
    with pytest.raises(InvalidInput) as refused:
        plan_create(user=coordination_world.coordinator.user, year=2026, title="Otro")
    assert _reasons(refused) == {"year": "Ya hay un plan de ese año."}


def test_only_coordinators_write_the_plan(
    coordination_world: CoordinationWorld,
) -> None:
    world = coordination_world
    with pytest.raises(PermissionDenied):
        action_create(
            user=world.member.user, objective=world.objective, data=action_data(world)
        )


# --- Status and versions ---------------------------------------------------------------


def test_dropping_an_action_needs_a_reason(
    coordination_world: CoordinationWorld,
) -> None:
    world = coordination_world
    with pytest.raises(InvalidInput) as refused:
        action_update(
            user=world.coordinator.user,
            action=world.action,
            data={"status": "dropped"},
            version=1,
        )
    assert _reasons(refused) == {
        "dropped_reason": "Diga por qué se descarta la acción."
    }

    action = action_update(
        user=world.coordinator.user,
        action=world.action,
        data={"status": "dropped", "dropped_reason": "La maquila cerró."},
        version=1,
    )

    assert action.status == ActionStatus.DROPPED
    assert action.version == 2  # noqa: PLR2004


def test_a_change_on_a_stale_version_is_refused(
    coordination_world: CoordinationWorld,
) -> None:
    world = coordination_world
    action_update(
        user=world.coordinator.user,
        action=world.action,
        data={"title": "Talleres en Tehuacán y Ajalpan"},
        version=1,
    )

    with pytest.raises(Exception, match="Otra persona cambió esta acción") as stale:
        action_update(
            user=world.lead.user,
            action=world.action,
            data={"status": "done"},
            version=1,
        )

    assert getattr(stale.value, "status_code", None) == 409  # noqa: PLR2004
    world.action.refresh_from_db()
    assert world.action.status == ActionStatus.PLANNED
    assert world.action.title == "Talleres en Tehuacán y Ajalpan"


# --- Updates ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["N/A", "yes", "", None, "diez"])
def test_a_quantitative_update_needs_a_number(
    coordination_world: CoordinationWorld, value: object
) -> None:
    world = coordination_world
    with pytest.raises(InvalidInput) as refused:
        update_submit(user=world.member.user, period=world.q1, value=value)
    assert "value" in _reasons(refused)
    assert not ProgressUpdate.objects.exists()


def test_a_qualitative_update_takes_a_narrative_not_a_number(
    coordination_world: CoordinationWorld,
) -> None:
    world = coordination_world
    with pytest.raises(InvalidInput) as refused:
        update_submit(user=world.member.user, period=world.narrative_period, value="3")
    assert _reasons(refused) == {
        "value": "Un indicador cualitativo no lleva valor numérico."
    }

    update = update_submit(
        user=world.member.user,
        period=world.narrative_period,
        narrative="Dos marcas firmaron la carta de compromiso.",
    )

    assert update.status == UpdateStatus.SUBMITTED


def test_someone_outside_the_group_cannot_submit(
    coordination_world: CoordinationWorld,
) -> None:
    world = coordination_world
    with pytest.raises(PermissionDenied):
        update_submit(user=world.outsider.user, period=world.q1, value="5")
    assert not ProgressUpdate.objects.exists()


def test_only_the_lead_approves_and_nothing_is_stored_otherwise(
    coordination_world: CoordinationWorld,
) -> None:
    world = coordination_world
    update = update_submit(user=world.member.user, period=world.q1, value="25")
    audits = AuditEntry.objects.count()

    for someone in (world.coordinator, world.member, world.outsider):
        with pytest.raises(PermissionDenied) as refused:
            update_review(user=someone.user, update=update, decision="approved")
        assert str(refused.value.message) == (
            "Solo quien coordina el grupo «Prevención» aprueba o devuelve sus avances."
        )

    update.refresh_from_db()
    assert update.status == UpdateStatus.SUBMITTED
    assert update.reviewed_by is None
    assert AuditEntry.objects.count() == audits


def test_a_return_needs_a_note_and_the_lead_is_stamped(
    coordination_world: CoordinationWorld,
) -> None:
    world = coordination_world
    update = update_submit(user=world.member.user, period=world.q1, value="25")
    with pytest.raises(InvalidInput) as refused:
        update_review(user=world.lead.user, update=update, decision="returned")
    assert _reasons(refused) == {
        "note": "Diga por qué lo devuelve, para quien lo envió."
    }

    update = update_review(
        user=world.lead.user,
        update=update,
        decision="returned",
        note="Falta la lista de asistencia.",
    )

    assert update.status == UpdateStatus.RETURNED
    assert update.reviewed_by == world.lead.user
    assert update.reviewed_at is not None
    assert update.review_note == "Falta la lista de asistencia."
    assert AuditEntry.objects.filter(action="coordination.update_reviewed").exists()


def test_only_approved_updates_count(
    coordination_world: CoordinationWorld,
) -> None:
    world = coordination_world
    first = update_submit(user=world.member.user, period=world.q1, value="25")
    update_submit(user=world.member.user, period=world.q1, value="10")
    returned = update_submit(user=world.member.user, period=world.q1, value="99")
    update_review(user=world.lead.user, update=first, decision="approved")
    update_review(
        user=world.lead.user, update=returned, decision="returned", note="No."
    )

    (indicator, _qualitative) = action_indicators(action=world.action)
    q1 = indicator.periods.all()[0]

    assert period_actual(q1, indicator.unit) == Decimal("25.00")
    assert indicator_totals(indicator) == (Decimal("100.00"), Decimal("25.00"))


def test_a_returned_update_is_corrected_and_approved_the_second_time(
    coordination_world: CoordinationWorld,
) -> None:
    world = coordination_world
    update = update_submit(user=world.member.user, period=world.q1, value="25")
    update_review(user=world.lead.user, update=update, decision="returned", note="¿Y?")

    update = update_resubmit(
        user=world.member.user, update=update, value="28", narrative="Con lista."
    )
    update = update_review(user=world.lead.user, update=update, decision="approved")

    assert update.status == UpdateStatus.APPROVED
    assert update.value == Decimal("28.00")


def test_the_lead_hears_of_a_submission_and_the_member_of_the_decision(
    coordination_world: CoordinationWorld,
    django_capture_on_commit_callbacks,
) -> None:
    world = coordination_world
    with django_capture_on_commit_callbacks(execute=True):
        update = update_submit(user=world.member.user, period=world.q1, value="25")
    assert Notification.objects.filter(
        user=world.lead.user, kind="coord_submitted"
    ).exists()

    with django_capture_on_commit_callbacks(execute=True):
        update_review(user=world.lead.user, update=update, decision="approved")

    assert Notification.objects.filter(
        user=world.member.user, kind="coord_approved"
    ).exists()


def test_the_member_hears_of_a_return(
    coordination_world: CoordinationWorld,
    django_capture_on_commit_callbacks,
) -> None:
    world = coordination_world
    update = update_submit(user=world.member.user, period=world.q1, value="25")

    with django_capture_on_commit_callbacks(execute=True):
        update_review(
            user=world.lead.user, update=update, decision="returned", note="¿Lista?"
        )

    (told,) = Notification.objects.filter(kind="coord_returned")
    assert told.user == world.member.user


def test_evidence_is_cleaned_of_its_location(
    coordination_world: CoordinationWorld, data_dir: Path
) -> None:
    world = coordination_world
    photo = jpeg_with_gps(CAMERA)
    assert CAMERA.encode() in photo

    update = update_submit(
        user=world.member.user,
        period=world.q1,
        value="30",
        evidence=[("taller.jpg", photo, False)],
    )

    (evidence,) = update.evidence.all()
    on_disk = (data_dir / "coordination-evidence" / evidence.blob).read_bytes()
    assert CAMERA.encode() not in on_disk
    assert b"Exif" not in on_disk
    with Image.open(io.BytesIO(on_disk)) as image:
        assert GPS_IFD not in image.getexif()
    assert evidence.content_type == "image/jpeg"


def test_a_file_that_is_not_a_photo_or_pdf_is_refused_and_nothing_stored(
    coordination_world: CoordinationWorld, data_dir: Path
) -> None:
    world = coordination_world
    with pytest.raises(InvalidInput) as refused:
        update_submit(
            user=world.member.user,
            period=world.q1,
            value="30",
            evidence=[("lista.exe", b"MZ\x90\x00binary", False)],
        )
    assert "evidence" in _reasons(refused)
    assert not ProgressUpdate.objects.exists()
    folder = data_dir / "coordination-evidence"
    assert not folder.exists() or not any(folder.iterdir())


# --- Overdue and progress --------------------------------------------------------------


def test_overdue_actions_and_updates_are_flagged(
    coordination_world: CoordinationWorld,
) -> None:
    world = coordination_world
    late = date(2027, 1, 10)
    approved = update_submit(user=world.member.user, period=world.q1, value="40")
    update_review(user=world.lead.user, update=approved, decision="approved")

    assert action_overdue(world.action, today=late)
    assert not action_overdue(world.action, today=date(2026, 5, 1))
    assert list(overdue_actions(viewer=world.member.user, today=late)) == [world.action]
    assert set(overdue_periods(viewer=world.member.user, today=late)) == {
        world.q2,
        world.narrative_period,
    }
    assert list(overdue_actions(viewer=world.officer.user, today=late)) == []


def test_progress_counts_done_and_on_time_by_sector(
    coordination_world: CoordinationWorld,
) -> None:
    world = coordination_world
    other = action_create(
        user=world.coordinator.user,
        objective=world.objective,
        data=action_data(world, due_on="2099-12-31"),
    )
    late = action_create(
        user=world.coordinator.user,
        objective=world.objective,
        data=action_data(world, title="Guía para compradores", due_on="2026-03-31"),
    )
    for action in (other, late):
        action_update(
            user=world.coordinator.user,
            action=action,
            data={"status": "done"},
            version=1,
        )

    by_sector = plan_progress(
        plan=world.plan, by="sector", viewer=world.member.user, today=date(2026, 3, 1)
    )

    assert by_sector["Sector privado"].share_done == 100  # noqa: PLR2004
    # Done today, the second after its due date: half on time.
    assert by_sector["Sector privado"].share_on_time == 50  # noqa: PLR2004
    assert by_sector["Sociedad civil"].share_done == 0
    other.refresh_from_db()
    overall = actions_progress([world.action, other], today=date(2027, 1, 1))
    assert (overall.total, overall.done, overall.overdue) == (2, 1, 1)
    assert overall.on_time == 1


def test_the_lead_hears_once_of_overdue_actions_and_reports(
    coordination_world: CoordinationWorld,
) -> None:
    world = coordination_world
    today = timezone.localdate()
    days = {
        "starts_on": (today - timedelta(days=60)).isoformat(),
        "due_on": (today - timedelta(days=1)).isoformat(),
    }
    late = action_create(
        user=world.coordinator.user,
        objective=world.objective,
        data=action_data(world, title="Guía atrasada", **days),
    )
    dropped = action_create(
        user=world.coordinator.user,
        objective=world.objective,
        data=action_data(world, **days),
    )
    action_update(
        user=world.coordinator.user,
        action=dropped,
        data={"status": "dropped", "dropped_reason": "Sin fondos."},
        version=1,
    )

    overdue_notify()
    rows = Notification.objects.count()
    overdue_notify()

    told = {
        (n.kind, n.key.partition(":")[0])
        for n in Notification.objects.filter(user=world.lead.user)
    }
    assert ("coord_action_late", str(late.pk)) in told
    assert ("coord_action_late", str(dropped.pk)) not in told
    assert ("coord_period_late", str(world.q1.pk)) in told
    assert ("coord_period_late", str(world.q2.pk)) in told
    assert Notification.objects.count() == rows  # told once


def test_the_emails_name_the_action_and_link_to_it(
    coordination_world: CoordinationWorld,
    django_capture_on_commit_callbacks,
    mailoutbox,
) -> None:
    world = coordination_world
    with_email(world.lead, "lider@example.org")
    with_email(world.member, "integrante@example.org", language="en")

    with django_capture_on_commit_callbacks(execute=True):
        update = update_submit(user=world.member.user, period=world.q1, value="25")
    with django_capture_on_commit_callbacks(execute=True):
        update_review(
            user=world.lead.user, update=update, decision="returned", note="¿Lista?"
        )

    to_lead, to_member = mailoutbox
    assert to_lead.subject == "Avance por revisar: Talleres en maquilas de Tehuacán"
    assert world.action.get_absolute_url() in to_lead.body
    assert to_member.subject == "Progress returned: Talleres en maquilas de Tehuacán"
    assert "¿Lista?" in to_member.body
