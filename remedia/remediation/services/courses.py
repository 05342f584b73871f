"""Courses of remediation and their parties."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.db import transaction
from django.utils.translation import gettext as _

from remedia.accounts.models import Organisation, User
from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import organisations_for
from remedia.cases.models import Case
from remedia.core.errors import (
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from remedia.core.kit import invalid as _invalid
from remedia.core.kit import text_field
from remedia.facilities.models import Facility
from remedia.remediation import access, events
from remedia.remediation.models import (
    Course,
    CourseOrigin,
    CourseParty,
    CourseStatus,
    Measure,
    MeasureStatus,
    PartyRole,
)
from remedia.remediation.services._common import (
    TEXT_MAX,
    TITLE_MAX,
    _audit,
    _error,
    _full_clean,
    _lock_course,
    _not_future,
    _raise,
    _require_open,
)
from remedia.remediation.services.measures import MeasureSpec, _measure_build
from remedia.rrm.models import RrmCase

logger = logging.getLogger(__name__)

REFERENCE_MAX = 120
NAME_MAX = 200


@dataclass(frozen=True, kw_only=True)
class PartySpec:
    """A party named when a course is created (the owner is added on its own)."""

    role: str
    name: str = ""
    organisation: Organisation | None = None


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
