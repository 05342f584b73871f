"""Writes to courses of remediation: courses, parties, measures, notes, evidence.

Every function checks who may do it (``access.py``), runs in one transaction,
locks the rows two people could change at once, and leaves an audit entry;
bad input raises ``InvalidInput`` naming the field, with nothing stored. A
closed course takes no more changes (``CourseClosed``). Every change to a
measure, its evidence or its notes also writes one line of the measure's
timeline (``events.py``).

Evidence is stored like a petition's documents: cleaned of metadata by
``intake.attachments.clean`` (which also refuses unknown types and large
files), written under ``DATA_DIR/remediation-evidence`` and never linked to a
report. Every opening of an evidence file is audited.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from remedia.accounts.models import Organisation, User
from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import organisations_for
from remedia.cases.models import Case
from remedia.core.audit import audit_record
from remedia.core.errors import (
    ApplicationError,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from remedia.core.kit import full_clean, text_field
from remedia.core.kit import invalid as _invalid
from remedia.core.storage import data_subdir
from remedia.facilities.models import Facility
from remedia.intake import attachments as files
from remedia.intake import services as intake
from remedia.remediation import access, events
from remedia.remediation.catalogue import entry_for
from remedia.remediation.models import (
    MEASURE_TRANSITIONS,
    Course,
    CourseOrigin,
    CourseParty,
    CourseStatus,
    Evidence,
    EvidenceStatus,
    Measure,
    MeasureNote,
    MeasureStatus,
    MeasureType,
    PartyRole,
    ResponsibleParty,
)
from remedia.rrm.models import RrmCase

logger = logging.getLogger(__name__)

TITLE_MAX = 200
REFERENCE_MAX = 120
NAME_MAX = 200
TEXT_MAX = 20_000
NOTE_MAX = 20_000
EVIDENCE_DESCRIPTION_MAX = 300
EVIDENCE_DIR = "remediation-evidence"

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


class CourseClosed(ApplicationError):
    """A closed course is a record: its measures and evidence no longer change."""

    status_code = 409

    def __init__(self) -> None:
        super().__init__(_("El plan está cerrado; ya no admite cambios."))


@dataclass(frozen=True, kw_only=True)
class PartySpec:
    """A party named when a course is created (the owner is added on its own)."""

    role: str
    name: str = ""
    organisation: Organisation | None = None


@dataclass(frozen=True, kw_only=True)
class MeasureSpec:
    """A measure to add; what is left out comes from the catalogue and the course."""

    type: str
    description: str | None = None
    required_evidence: str | None = None
    responsible_party: str | None = None
    due_date: dt.date | None = None


# --- Helpers -----------------------------------------------------------------------------


def _error(field_name: str, reason: Any) -> dict[str, Any]:
    return {"field": field_name, "reason": reason}


def _raise(errors: list[dict[str, Any]]) -> None:
    if errors:
        raise InvalidInput(errors)


def _full_clean(obj: Any, *, prefix: str = "", **kwargs: Any) -> None:
    full_clean(obj, prefix=prefix, non_field=prefix or "body", **kwargs)


def _not_future(
    value: dt.date | None, *, field_name: str, errors: list[dict[str, Any]]
) -> None:
    if value is not None and value > timezone.localdate():
        errors.append(_error(field_name, _("La fecha no puede ser futura.")))


def _lock_course(course: Course) -> Course:
    return (
        Course.objects.select_for_update().select_related("facility").get(pk=course.pk)
    )


def _lock_measure(measure: Measure) -> Measure:
    return (
        Measure.objects.select_for_update()
        .select_related("course", "course__facility")
        .get(pk=measure.pk)
    )


def _require_open(course: Course) -> None:
    if course.status != CourseStatus.ACTIVE:
        raise CourseClosed()


def _audit(
    action: str, *, user: User, course: Course, obj: Any = None, **data: Any
) -> None:
    audit_record(
        action=f"remediation.{action}",
        actor=user,
        organisation=course.organisation,
        obj=obj if obj is not None else course,
        data={"course": str(course.pk), **data},
    )


def _status_label(status: str) -> str:
    return (
        str(MeasureStatus(status).label) if status in MeasureStatus.values else status
    )


# --- Courses -------------------------------------------------------------------------------


def _owner_organisation(*, user: User, organisation: Organisation | None) -> Any:
    """The organisation that will own the course: the creator's, where they monitor."""
    writers = organisations_for(user=user, capability=Capability.REMEDIATION_WRITE)
    if organisation is not None:
        if organisation.pk not in writers:
            raise PermissionDenied()
        return organisation.pk
    if not writers:
        raise PermissionDenied()
    if len(writers) > 1:
        raise _invalid(
            "organisation_id", _("Elija la organización que da seguimiento al plan.")
        )
    return next(iter(writers))


def _party_build(
    *, course: Course, spec: PartySpec, field_prefix: str
) -> tuple[CourseParty | None, list[dict[str, Any]]]:
    errors: list[dict[str, Any]] = []
    if spec.role not in PartyRole.values:
        errors.append(_error(f"{field_prefix}role", _("Elija el papel de la parte.")))
    name = text_field(
        spec.name or (spec.organisation.name if spec.organisation else ""),
        field=f"{field_prefix}name",
        errors=errors,
        required=True,
        limit=NAME_MAX,
    )
    if errors:
        return None, errors
    return (
        CourseParty(
            course=course, organisation=spec.organisation, name=name, role=spec.role
        ),
        errors,
    )


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


def course_create(
    *,
    user: User,
    title: str,
    facility: Facility | None,
    origin: str,
    deadline: dt.date | None,
    organisation: Organisation | None = None,
    rrm_case: RrmCase | None = None,
    case: Case | None = None,
    reference: str = "",
    summary: str = "",
    agreed_on: dt.date | None = None,
    parties: Sequence[PartySpec] = (),
    measures: Sequence[MeasureSpec] = (),
) -> Course:
    """A new course, owned by the creator's monitoring organisation.

    That organisation is always one of its parties with the monitor role; the
    others are named in ``parties`` (the company's party is where its
    compliance officers upload evidence). ``measures`` are added in order.
    """
    owner_id = _owner_organisation(user=user, organisation=organisation)
    errors: list[dict[str, Any]] = []
    title = text_field(
        title, field="title", errors=errors, required=True, limit=TITLE_MAX
    )
    reference = text_field(
        reference, field="reference", errors=errors, limit=REFERENCE_MAX
    )
    summary = text_field(summary, field="summary", errors=errors, limit=TEXT_MAX)
    if facility is None:
        errors.append(_error("facility_id", _("Elija el centro de trabajo.")))
    if origin not in CourseOrigin.values:
        errors.append(_error("origin", _("Elija el origen del plan.")))
    if deadline is None:
        errors.append(_error("deadline", _("Indique la fecha límite del plan.")))
    _not_future(agreed_on, field_name="agreed_on", errors=errors)
    if agreed_on and deadline and deadline < agreed_on:
        errors.append(
            _error("deadline", _("La fecha límite no puede ser anterior al acuerdo."))
        )
    _raise(errors)
    with transaction.atomic():
        course = Course(
            title=title,
            organisation_id=owner_id,
            facility=facility,
            origin=origin,
            rrm_case=rrm_case,
            case=case,
            reference=reference,
            summary=summary,
            agreed_on=agreed_on,
            deadline=cast(dt.date, deadline),  # checked above
            created_by=user,
        )
        _full_clean(course)
        course.save()
        owner = Organisation.objects.get(pk=owner_id)
        built: list[CourseParty] = [
            CourseParty(
                course=course,
                organisation=owner,
                name=(owner.short_name or owner.name)[:NAME_MAX],
                role=PartyRole.MONITOR,
            )
        ]
        seen = {owner.pk}
        for i, spec in enumerate(parties):
            party, party_errors = _party_build(
                course=course, spec=spec, field_prefix=f"parties.{i}."
            )
            errors += party_errors
            if party is None:
                continue
            if party.organisation_id is not None:
                if party.organisation_id in seen:
                    if party.organisation_id == owner.pk:
                        continue  # the owner is a party already
                    errors.append(
                        _error(
                            f"parties.{i}.organisation_id",
                            _("Esta organización ya es parte del plan."),
                        )
                    )
                    continue
                seen.add(party.organisation_id)
            built.append(party)
        new_measures: list[Measure] = []
        for i, measure_spec in enumerate(measures):
            measure, measure_errors = _measure_build(
                course=course,
                spec=measure_spec,
                position=i + 1,
                field_prefix=f"measures.{i}.",
            )
            errors += measure_errors
            if measure is not None:
                new_measures.append(measure)
        _raise(errors)
        for party in built:
            _full_clean(party, validate_unique=False)
            party.save()
        for i, measure in enumerate(new_measures):
            _full_clean(measure, prefix=f"measures.{i}.", validate_unique=False)
            measure.save()
            events.measure_created_event(measure=measure, user=user)
        _audit(
            "course_created",
            user=user,
            course=course,
            origin=origin,
            facility=str(course.facility_id),
            parties=len(built),
            measures=len(new_measures),
        )
    logger.info("remediation.course_created", extra={"course": str(course.pk)})
    return course


# The fields ``course_update`` changes; anything else is refused by name so a
# typo from an API client is never silently dropped.
COURSE_FIELDS = frozenset(
    {
        "title",
        "reference",
        "summary",
        "agreed_on",
        "deadline",
        "origin",
        "facility",
        "rrm_case",
        "case",
    }
)


@transaction.atomic
def course_update(*, course: Course, user: User, **changes: Any) -> Course:
    """Change what was agreed: title, references, dates, origin, facility, links."""
    access.require_manage(user=user, course=course)
    unknown = sorted(set(changes) - COURSE_FIELDS)
    if unknown:
        raise InvalidInput(
            [_error(name, _("Este campo no se admite.")) for name in unknown]
        )
    course = _lock_course(course)
    _require_open(course)
    errors: list[dict[str, Any]] = []
    limits = {"title": TITLE_MAX, "reference": REFERENCE_MAX, "summary": TEXT_MAX}
    for name in ("title", "reference", "summary"):
        if name in changes:
            changes[name] = text_field(
                changes[name],
                field=name,
                errors=errors,
                required=name == "title",
                limit=limits[name],
            )
    if "origin" in changes and changes["origin"] not in CourseOrigin.values:
        errors.append(_error("origin", _("Elija el origen del plan.")))
    if "facility" in changes and changes["facility"] is None:
        errors.append(_error("facility_id", _("Elija el centro de trabajo.")))
    if "deadline" in changes and changes["deadline"] is None:
        errors.append(_error("deadline", _("Indique la fecha límite del plan.")))
    _not_future(changes.get("agreed_on"), field_name="agreed_on", errors=errors)
    _raise(errors)
    changed = [
        name for name, value in changes.items() if getattr(course, name) != value
    ]
    if not changed:
        return course
    for name in changed:
        setattr(course, name, changes[name])
    if course.agreed_on and course.deadline < course.agreed_on:
        raise _invalid(
            "deadline", _("La fecha límite no puede ser anterior al acuerdo.")
        )
    _full_clean(course, validate_unique=False)
    course.save(update_fields=[*changed, "updated_at"])
    _audit("course_updated", user=user, course=course, fields=sorted(changed))
    return course


@transaction.atomic
def course_close(
    *, course: Course, user: User, outcome: str, closed_on: dt.date | None
) -> Course:
    """Close a course as completed (every measure verified) or incomplete."""
    access.require_manage(user=user, course=course)
    course = _lock_course(course)
    _require_open(course)
    errors: list[dict[str, Any]] = []
    if outcome not in (CourseStatus.COMPLETED, CourseStatus.INCOMPLETE):
        errors.append(_error("outcome", _("Elija cómo se cierra el plan.")))
    if closed_on is None:
        errors.append(_error("closed_on", _("Indique la fecha de cierre.")))
    else:
        _not_future(closed_on, field_name="closed_on", errors=errors)
        if course.agreed_on and closed_on < course.agreed_on:
            errors.append(
                _error("closed_on", _("El cierre no puede ser anterior al acuerdo."))
            )
    _raise(errors)
    if outcome == CourseStatus.COMPLETED:
        measures = course.measures.all()
        if (
            not measures.exists()
            or measures.exclude(status=MeasureStatus.VERIFIED).exists()
        ):
            raise _invalid(
                "outcome",
                _(
                    "Un plan se cierra como cumplido solo con todas sus medidas "
                    "verificadas."
                ),
            )
    course.status = outcome
    course.closed_on = closed_on
    _full_clean(course, validate_unique=False)
    course.save(update_fields=["status", "closed_on", "updated_at"])
    _audit("course_closed", user=user, course=course, outcome=outcome)
    return course


@transaction.atomic
def party_add(
    *,
    course: Course,
    user: User,
    role: str,
    name: str = "",
    organisation: Organisation | None = None,
) -> CourseParty:
    """Name a party; one that is an organisation in Remedia then shares the course."""
    access.require_manage(user=user, course=course)
    access.parties_changed(course)
    course = _lock_course(course)
    _require_open(course)
    party, errors = _party_build(
        course=course,
        spec=PartySpec(role=role, name=name, organisation=organisation),
        field_prefix="",
    )
    if party is None:
        raise InvalidInput(errors)
    if (
        organisation is not None
        and course.parties.filter(organisation=organisation).exists()
    ):
        raise _invalid("organisation_id", _("Esta organización ya es parte del plan."))
    _full_clean(party, validate_unique=False)
    party.save()
    _audit(
        "party_added",
        user=user,
        course=course,
        party=str(party.pk),
        role=role,
        organisation=str(organisation.pk) if organisation else None,
    )
    return party


@transaction.atomic
def party_remove(*, course: Course, user: User, party: CourseParty) -> None:
    """Remove a party; the owning organisation's own party stays."""
    access.require_manage(user=user, course=course)
    access.parties_changed(course)
    course = _lock_course(course)
    _require_open(course)
    if party.course_id != course.pk:
        raise NotFound()
    if party.organisation_id == course.organisation_id:
        raise _invalid(
            "party_id",
            _(
                "La organización que da seguimiento al plan no puede dejar de ser parte."
            ),
        )
    party_id = party.pk
    role = party.role
    party.delete()
    _audit("party_removed", user=user, course=course, party=str(party_id), role=role)


# --- Measures ------------------------------------------------------------------------------


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


# --- Evidence ------------------------------------------------------------------------------


def evidence_dir() -> Path:
    return data_subdir(EVIDENCE_DIR)


def evidence_submit(
    *,
    measure: Measure,
    user: User,
    name: str,
    data: bytes,
    description: str = "",
    too_large: bool = False,
) -> Evidence:
    """Store a photo, PDF or other file that shows a measure was carried out.

    Refused with nothing written (neither file nor row) when the type is not
    one ``intake.attachments.clean`` accepts, the file is too large or
    damaged. A pending measure is then in progress: someone is working on it.
    """
    access.require_evidence_submit(user=user, course=measure.course)
    _require_open(measure.course)
    errors: list[dict[str, Any]] = []
    description = text_field(
        description,
        field="description",
        errors=errors,
        limit=EVIDENCE_DESCRIPTION_MAX,
    )
    _raise(errors)
    try:
        clean = files.clean(data, too_large=too_large)
    except files.AttachmentRefused as exc:
        raise _invalid("file", exc.message) from None
    blob = f"{uuid.uuid4().hex}.{clean.extension.lstrip('.') or 'bin'}"
    path = evidence_dir() / blob
    path.write_bytes(clean.data)
    try:
        with transaction.atomic():
            measure = _lock_measure(measure)
            _require_open(measure.course)
            evidence = Evidence(
                measure=measure,
                description=description,
                name=(Path(name or "evidencia").name or "evidencia")[:200],
                content_type=clean.content_type,
                size=len(clean.data),
                blob=blob,
                submitted_by=user,
            )
            _full_clean(evidence)
            evidence.save()
            events.evidence_submitted_event(
                measure=measure, user=user, evidence=evidence
            )
            moved = measure.status == MeasureStatus.PENDING
            if moved:
                measure.status = MeasureStatus.IN_PROGRESS
                measure.status_changed_at = timezone.now()
                measure.save(
                    update_fields=["status", "status_changed_at", "updated_at"]
                )
                events.measure_status_changed_event(
                    measure=measure,
                    user=user,
                    previous=MeasureStatus.PENDING,
                    status=MeasureStatus.IN_PROGRESS,
                    by_evidence=True,
                )
            _audit(
                "evidence_submitted",
                user=user,
                course=measure.course,
                obj=measure,
                evidence=str(evidence.pk),
                type=clean.content_type,
                size=len(clean.data),
                started=moved,
            )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    logger.info(
        "remediation.evidence_submitted",
        extra={"measure": str(measure.pk), "type": clean.content_type},
    )
    return evidence


DECISIONS = (EvidenceStatus.ACCEPTED, EvidenceStatus.REJECTED)


@transaction.atomic
def evidence_review(
    *, evidence: Evidence, user: User, decision: str, reason: str = ""
) -> Evidence:
    """A monitor accepts an evidence item, or rejects it saying why.

    A decision may be revised, except that the last accepted item of a
    verified measure cannot be rejected: the verification rests on it, so the
    measure must be taken back first.
    """
    course = evidence.measure.course
    access.require_manage(user=user, course=course)
    errors: list[dict[str, Any]] = []
    if decision not in DECISIONS:
        errors.append(_error("decision", _("Elija aceptar o rechazar.")))
    reason = text_field(reason, field="reason", errors=errors, limit=TEXT_MAX)
    if decision == EvidenceStatus.REJECTED and not reason:
        errors.append(
            _error("reason", _("Diga por qué se rechaza, para quien la subió."))
        )
    _raise(errors)
    measure = _lock_measure(evidence.measure)
    _require_open(measure.course)
    evidence = Evidence.objects.select_for_update().get(pk=evidence.pk)
    if evidence.measure_id != measure.pk:
        raise NotFound()
    if (
        decision == EvidenceStatus.REJECTED
        and measure.status == MeasureStatus.VERIFIED
        and not measure.evidence.filter(status=EvidenceStatus.ACCEPTED)
        .exclude(pk=evidence.pk)
        .exists()
    ):
        raise _invalid(
            "decision",
            _(
                "La medida está verificada con esta evidencia. Regrésela a «En "
                "proceso» antes de rechazarla."
            ),
        )
    previous = evidence.status
    evidence.status = decision
    evidence.review_reason = reason if decision == EvidenceStatus.REJECTED else ""
    evidence.reviewed_by = user
    evidence.reviewed_at = timezone.now()
    _full_clean(evidence, validate_unique=False)
    evidence.save(
        update_fields=[
            "status",
            "review_reason",
            "reviewed_by",
            "reviewed_at",
            "updated_at",
        ]
    )
    events.evidence_reviewed_event(
        measure=measure, user=user, evidence=evidence, previous=previous
    )
    _audit(
        "evidence_reviewed",
        user=user,
        course=measure.course,
        obj=measure,
        evidence=str(evidence.pk),
        **{"from": previous, "to": decision},
    )
    return evidence


def evidence_open(*, evidence: Evidence, user: User) -> IO[bytes]:
    """The evidence file, open for reading, for whoever may read the course.

    The opening is audited first (it commits with the caller's transaction);
    the caller streams and closes the file.
    """
    course = access.course_get(user=user, course_id=evidence.measure.course_id)
    path = evidence_dir() / evidence.blob
    if not path.is_file():
        logger.warning(
            "remediation.evidence_missing", extra={"evidence": str(evidence.pk)}
        )
        raise NotFound()
    _audit(
        "evidence_opened",
        user=user,
        course=course,
        obj=evidence.measure,
        evidence=str(evidence.pk),
    )
    return path.open("rb")
