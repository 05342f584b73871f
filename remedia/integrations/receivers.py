"""Where the integrations app hears of events: the apps' signals and timelines.

The intake (`report_submitted`) and the registry (`facility_merged`) send
signals. Other changes are written as a timeline row by the app that makes
them (a case's `CaseEvent`, a petition's `RrmEvent`, a measure's
`MeasureEvent`, a facility's `FacilityEvent`), or saved with their `status`
(a course, a referral): their `post_save` is heard here, inside the writer's
transaction, so the deliveries commit with the change or not at all. A
failure to record a delivery is logged and never undoes the change.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.db.models.signals import post_save

from remedia.cases.models import CaseEvent, EventKind
from remedia.core.kit import savepoint_if_in_transaction
from remedia.facilities.models import Facility, FacilityEvent, FacilityEventKind
from remedia.intake.models import Report
from remedia.integrations import services
from remedia.integrations.catalogue import EventType
from remedia.protection.models import Referral
from remedia.remediation.models import Course, MeasureEvent
from remedia.remediation.models.timeline import MeasureEventKind
from remedia.rrm.models import RrmEvent, RrmEventKind

logger = logging.getLogger(__name__)


def _emit(
    event_type: str,
    key: str,
    data: dict[str, Any],
    organisation_ids: Callable[[], Iterable[Any] | None],
) -> None:
    # Inside the writer's transaction a failure here must not break it; after
    # a commit (a report's submission) no transaction is opened unless an
    # endpoint wants the event (event_emit opens one then).
    try:
        with savepoint_if_in_transaction():
            services.event_emit(
                event_type=event_type,
                key=key,
                data=data,
                organisation_ids=organisation_ids(),
            )
    except Exception:  # a webhook must never undo the change it announces
        logger.exception("webhooks.emit_failed", extra={"type": event_type})


def _these(*ids: Any) -> Callable[[], list[Any]]:
    return lambda: list(ids)


def _course_organisations(course_id: Any) -> list[Any]:
    course = Course.objects.filter(pk=course_id).only("organisation_id").first()
    if course is None:
        return []
    parties = course.parties.exclude(organisation__isnull=True).values_list(
        "organisation_id", flat=True
    )
    return [course.organisation_id, *parties]


def report_submitted(
    sender: Any, *, report: Report, organisation_ids: list[Any], **kwargs: Any
) -> None:
    for organisation_id in organisation_ids:
        _emit(
            EventType.REPORT_ROUTED,
            f"report:{report.pk}:{organisation_id}",
            {"report_id": report.pk, "organisation_id": organisation_id},
            _these(organisation_id),
        )


def facility_merged(
    sender: Any, *, keep: Facility, merge: Facility, **kwargs: Any
) -> None:
    _emit(
        EventType.FACILITY_MERGED,
        f"facility_merged:{merge.pk}",
        {"facility_id": keep.pk, "merged_id": merge.pk},
        lambda: None,
    )


def case_event_saved(
    sender: Any, *, instance: CaseEvent, created: bool, **kwargs: Any
) -> None:
    if not created or instance.kind not in (
        EventKind.STATUS_CHANGED,
        EventKind.REOPENED,
    ):
        return
    data = instance.data or {}
    case = instance.case
    _emit(
        EventType.CASE_STATUS_CHANGED,
        f"case_event:{instance.pk}",
        {
            "case_id": case.pk,
            "from": data.get("from"),
            "to": data.get("to") or case.status,
        },
        lambda: [case.organisation_id],
    )


def rrm_event_saved(
    sender: Any, *, instance: RrmEvent, created: bool, **kwargs: Any
) -> None:
    if not created or instance.kind != RrmEventKind.ADVANCED:
        return
    data = instance.data or {}
    organisation_id = instance.case.organisation_id
    _emit(
        EventType.PETITION_STEP_DONE,
        f"rrm_event:{instance.pk}",
        {
            "petition_id": instance.case_id,
            "from": data.get("from"),
            "to": data.get("to"),
            "on": data.get("on"),
        },
        lambda: [organisation_id],
    )


def measure_event_saved(
    sender: Any, *, instance: MeasureEvent, created: bool, **kwargs: Any
) -> None:
    if not created or instance.kind != MeasureEventKind.STATUS_CHANGED:
        return
    data = instance.data or {}
    course_id = instance.measure.course_id
    _emit(
        EventType.MEASURE_STATUS_CHANGED,
        f"measure_event:{instance.pk}",
        {
            "course_id": course_id,
            "measure_id": instance.measure_id,
            "from": data.get("from"),
            "to": data.get("to"),
        },
        lambda: _course_organisations(course_id),
    )


def _status_saved(created: bool, update_fields: Any) -> bool:
    return created or (update_fields is not None and "status" in update_fields)


def course_saved(
    sender: Any,
    *,
    instance: Course,
    created: bool,
    update_fields: Any = None,
    **kwargs: Any,
) -> None:
    if not _status_saved(created, update_fields):
        return
    _emit(
        EventType.COURSE_STATUS_CHANGED,
        f"course:{instance.pk}:{instance.status}:{instance.updated_at.isoformat()}",
        {"course_id": instance.pk, "status": instance.status},
        lambda: _course_organisations(instance.pk),
    )


def referral_saved(
    sender: Any,
    *,
    instance: Referral,
    created: bool,
    update_fields: Any = None,
    **kwargs: Any,
) -> None:
    if not _status_saved(created, update_fields):
        return
    _emit(
        EventType.REFERRAL_STATE_CHANGED,
        f"referral:{instance.pk}:{instance.status}:{instance.updated_at.isoformat()}",
        {"referral_id": instance.pk, "status": instance.status},
        lambda: [instance.from_organisation_id, instance.to_organisation_id],
    )


def facility_event_saved(
    sender: Any, *, instance: FacilityEvent, created: bool, **kwargs: Any
) -> None:
    if not created or instance.kind != FacilityEventKind.CREATED:
        return
    _emit(
        EventType.FACILITY_CREATED,
        f"facility_created:{instance.facility_id}",
        {"facility_id": instance.facility_id},
        lambda: None,
    )


def connect() -> None:
    from remedia.facilities.signals import facility_merged as merged_signal
    from remedia.intake.signals import report_submitted as submitted_signal

    submitted_signal.connect(report_submitted, dispatch_uid="integrations.report")
    merged_signal.connect(facility_merged, dispatch_uid="integrations.facility_merged")
    for model, receiver in (
        (CaseEvent, case_event_saved),
        (RrmEvent, rrm_event_saved),
        (MeasureEvent, measure_event_saved),
        (Course, course_saved),
        (Referral, referral_saved),
        (FacilityEvent, facility_event_saved),
    ):
        post_save.connect(
            receiver, sender=model, dispatch_uid=f"integrations.{model.__name__}"
        )
