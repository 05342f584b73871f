"""Measures of a course: creating, editing, moving through their states, notes."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from remedia.accounts.models import User
from remedia.core.errors import (
    InvalidInput,
    PermissionDenied,
)
from remedia.core.kit import invalid as _invalid
from remedia.core.kit import text_field
from remedia.intake import services as intake
from remedia.remediation import access, events
from remedia.remediation.catalogue import entry_for
from remedia.remediation.models import (
    MEASURE_TRANSITIONS,
    Course,
    EvidenceStatus,
    Measure,
    MeasureNote,
    MeasureStatus,
    MeasureType,
    ResponsibleParty,
)
from remedia.remediation.services._common import (
    TEXT_MAX,
    _audit,
    _error,
    _full_clean,
    _lock_course,
    _lock_measure,
    _raise,
    _require_open,
    _status_label,
)

logger = logging.getLogger(__name__)

NOTE_MAX = 20_000

# What a facility's compliance officer may do to a measure the company must
# carry out: say it has started and that it is done. Verifying and failing it
# are the monitor's word.
OFFICER_MOVES: frozenset[tuple[str, str]] = frozenset(
    {
        (MeasureStatus.PENDING, MeasureStatus.IN_PROGRESS),
        (MeasureStatus.PENDING, MeasureStatus.DONE),
        (MeasureStatus.IN_PROGRESS, MeasureStatus.DONE),
    }
)
# A measure in one of these is no longer awaited (progress and overdue count).
FINISHED = (MeasureStatus.DONE, MeasureStatus.VERIFIED)


@dataclass(frozen=True, kw_only=True)
class MeasureSpec:
    """A measure to add; what is left out comes from the catalogue and the course."""

    type: str
    description: str | None = None
    required_evidence: str | None = None
    responsible_party: str | None = None
    due_date: dt.date | None = None


def _measure_build(
    *, course: Course, spec: MeasureSpec, position: int, field_prefix: str = ""
) -> tuple[Measure | None, list[dict[str, Any]]]:
    """A measure filled from the catalogue in the active language, not yet saved."""
    errors: list[dict[str, Any]] = []
    if spec.type not in MeasureType.values:
        errors.append(
            _error(f"{field_prefix}type", _("Elija un tipo de medida del catálogo."))
        )
        return None, errors
    entry = entry_for(spec.type)
    description = text_field(
        spec.description if spec.description is not None else str(entry.description),
        field=f"{field_prefix}description",
        errors=errors,
        required=True,
        limit=TEXT_MAX,
    )
    evidence = text_field(
        spec.required_evidence
        if spec.required_evidence is not None
        else str(entry.evidence),
        field=f"{field_prefix}required_evidence",
        errors=errors,
        limit=TEXT_MAX,
    )
    responsible = spec.responsible_party or entry.responsible
    if responsible not in ResponsibleParty.values:
        errors.append(
            _error(f"{field_prefix}responsible_party", _("Elija quién es responsable."))
        )
    if errors:
        return None, errors
    return (
        Measure(
            course=course,
            position=position,
            type=spec.type,
            description=description,
            required_evidence=evidence,
            responsible_party=responsible,
            due_date=spec.due_date or course.deadline,
        ),
        errors,
    )


@transaction.atomic
def measure_create(
    *,
    course: Course,
    user: User,
    type: str,
    description: str | None = None,
    required_evidence: str | None = None,
    responsible_party: str | None = None,
    due_date: dt.date | None = None,
) -> Measure:
    """Add a measure at the end of the course.

    What is not given comes from the catalogue entry of ``type`` in the
    language of whoever adds it, and the due date from the course's deadline.
    """
    access.require_manage(user=user, course=course)
    # Locking the course makes two monitors adding at once take turns for
    # the next position instead of colliding on it.
    course = _lock_course(course)
    _require_open(course)
    last = course.measures.order_by("-position").values_list("position", flat=True)
    position = (last.first() or 0) + 1
    measure, errors = _measure_build(
        course=course,
        spec=MeasureSpec(
            type=type,
            description=description,
            required_evidence=required_evidence,
            responsible_party=responsible_party,
            due_date=due_date,
        ),
        position=position,
    )
    if measure is None:
        raise InvalidInput(errors)
    _full_clean(measure, validate_unique=False)
    measure.save()
    events.measure_created_event(measure=measure, user=user)
    _audit(
        "measure_created",
        user=user,
        course=course,
        obj=measure,
        type=measure.type,
        position=position,
    )
    return measure


MEASURE_FIELDS = frozenset(
    {"description", "required_evidence", "responsible_party", "due_date"}
)


@transaction.atomic
def measure_update(*, measure: Measure, user: User, **changes: Any) -> Measure:
    """Change what a measure asks for, who is responsible, or its due date."""
    access.require_manage(user=user, course=measure.course)
    unknown = sorted(set(changes) - MEASURE_FIELDS)
    if unknown:
        raise InvalidInput(
            [_error(name, _("Este campo no se admite.")) for name in unknown]
        )
    measure = _lock_measure(measure)
    _require_open(measure.course)
    errors: list[dict[str, Any]] = []
    for name in ("description", "required_evidence"):
        if name in changes:
            changes[name] = text_field(
                changes[name],
                field=name,
                errors=errors,
                required=name == "description",
                limit=TEXT_MAX,
            )
    if (
        "responsible_party" in changes
        and changes["responsible_party"] not in ResponsibleParty.values
    ):
        errors.append(_error("responsible_party", _("Elija quién es responsable.")))
    if "due_date" in changes and changes["due_date"] is None:
        errors.append(_error("due_date", _("Indique la fecha límite.")))
    _raise(errors)
    changed = [n for n, v in changes.items() if getattr(measure, n) != v]
    if not changed:
        return measure
    for name in changed:
        setattr(measure, name, changes[name])
    _full_clean(measure, validate_unique=False)
    measure.save(update_fields=[*changed, "updated_at"])
    events.measure_updated_event(measure=measure, user=user, fields=changed)
    _audit(
        "measure_updated",
        user=user,
        course=measure.course,
        obj=measure,
        fields=sorted(changed),
    )
    return measure


def _may_move(*, user: User, measure: Measure, current: str, to_status: str) -> bool:
    if access.can_manage(user=user, course=measure.course):
        return True
    return (
        measure.responsible_party == ResponsibleParty.COMPANY
        and (current, to_status) in OFFICER_MOVES
        and access.can_submit_evidence(user=user, course=measure.course)
    )


def measure_moves(*, user: User, measure: Measure) -> list[str]:
    """The statuses ``user`` may move the measure to now (the page's choices)."""
    current = measure.status
    following = [s for s in MeasureStatus.values if s in MEASURE_TRANSITIONS[current]]
    if access.can_manage(user=user, course=measure.course):
        return following
    if measure.responsible_party != ResponsibleParty.COMPANY or not (
        access.can_submit_evidence(user=user, course=measure.course)
    ):
        return []
    return [s for s in following if (current, s) in OFFICER_MOVES]


@transaction.atomic
def measure_status_change(
    *, measure: Measure, user: User, to_status: str, reason: str = ""
) -> Measure:
    """Move a measure along ``MEASURE_TRANSITIONS``.

    Monitors make every move. A compliance officer of the company party may
    say that a measure the company must carry out has started or is done.
    Verifying takes at least one accepted evidence item; failing, a reason.
    """
    course = measure.course
    if not (
        access.can_manage(user=user, course=course)
        or access.can_submit_evidence(user=user, course=course)
    ):
        raise PermissionDenied()
    measure = _lock_measure(measure)
    _require_open(measure.course)
    current = measure.status
    if to_status not in MeasureStatus.values:
        raise _invalid("status", _("Elija un estado de la lista."))
    if to_status == current:
        raise _invalid(
            "status",
            _("La medida ya está «%(status)s».") % {"status": _status_label(current)},
        )
    if to_status not in MEASURE_TRANSITIONS[current]:
        raise _invalid(
            "status",
            _("No se puede pasar de «%(from)s» a «%(to)s».")
            % {"from": _status_label(current), "to": _status_label(to_status)},
        )
    if not _may_move(user=user, measure=measure, current=current, to_status=to_status):
        raise PermissionDenied(
            _("Solo el monitoreo puede dar a una medida el estado «%(status)s».")
            % {"status": _status_label(to_status)}
        )
    reason = intake.clean_text(reason or "")
    if len(reason) > TEXT_MAX:
        raise _invalid(
            "reason",
            _("Es demasiado largo (máximo %(n)s caracteres).") % {"n": TEXT_MAX},
        )
    now = timezone.now()
    if to_status == MeasureStatus.VERIFIED:
        if not measure.evidence.filter(status=EvidenceStatus.ACCEPTED).exists():
            raise _invalid(
                "evidence",
                _(
                    "Para verificar la medida hace falta al menos una evidencia "
                    "aceptada."
                ),
            )
        measure.verified_at = now
        measure.verified_by = user
    else:
        measure.verified_at = None
        measure.verified_by = None
    if to_status == MeasureStatus.FAILED:
        if not reason:
            raise _invalid("reason", _("Diga por qué no se cumplió la medida."))
        measure.failed_reason = reason
    else:
        measure.failed_reason = ""
    measure.status = to_status
    measure.status_changed_at = now
    _full_clean(measure, validate_unique=False)
    measure.save(
        update_fields=[
            "status",
            "status_changed_at",
            "verified_at",
            "verified_by",
            "failed_reason",
            "updated_at",
        ]
    )
    events.measure_status_changed_event(
        measure=measure, user=user, previous=current, status=to_status
    )
    _audit(
        "measure_status_changed",
        user=user,
        course=measure.course,
        obj=measure,
        **{"from": current, "to": to_status},
    )
    logger.info(
        "remediation.measure_status_changed",
        extra={"measure": str(measure.pk), "from": current, "to": to_status},
    )
    return measure


@transaction.atomic
def measure_note_add(*, measure: Measure, user: User, body: str) -> MeasureNote:
    """A monitor's note; the course's readers see it, compliance officers never."""
    access.require_manage(user=user, course=measure.course)
    errors: list[dict[str, Any]] = []
    text = text_field(body, field="body", errors=errors, required=True, limit=NOTE_MAX)
    _raise(errors)
    measure = _lock_measure(measure)
    _require_open(measure.course)
    note = MeasureNote.objects.create(measure=measure, body=text, author=user)
    events.measure_note_added_event(measure=measure, user=user, note_id=note.pk)
    _audit(
        "note_added",
        user=user,
        course=measure.course,
        obj=measure,
        note=str(note.pk),
    )
    return note
