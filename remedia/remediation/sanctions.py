"""Sanctions proceedings under Mexican law (the catalogue's sanctions_proceedings).

A proceeding is followed by one organisation (its ``organisation``): members
with ``remediation.write`` there record and update it. It may belong to a
course of remediation (and one of its measures), a Remedia case or an RRM case;
whoever reads the course reads it, like the rest of the course, and so do the
owning organisation's readers. Anything else answers ``NotFound``.

The status follows ``SANCTION_TRANSITIONS``. A resolution needs an outcome; a
proceeding is concluded (``closed``) with its day, no earlier than it opened.
The same authority never gives one file number twice, so (authority, number)
is unique: a duplicate is a clear error on ``number``, not a database failure.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from remedia.accounts.models import Organisation
from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import get_scoped, organisations_for
from remedia.cases import selectors as cases_selectors
from remedia.cases.models import Case
from remedia.core.audit import audit_record
from remedia.core.errors import InvalidInput, NotFound, PermissionDenied
from remedia.core.kit import full_clean
from remedia.remediation import access
from remedia.remediation.models import (
    Course,
    Measure,
    PartyRole,
    RespondentKind,
    SanctionOutcome,
    SanctionProceeding,
    SanctionStatus,
)
from remedia.rrm import selectors as rrm_selectors
from remedia.rrm.models import RrmCase

logger = logging.getLogger(__name__)

# Which status may follow which; anything else is refused. A resolution may be
# appealed, and an appeal ends in a new resolution or the proceeding's end.
SANCTION_TRANSITIONS: dict[str, frozenset[str]] = {
    SanctionStatus.INITIATED: frozenset({SanctionStatus.IN_PROGRESS}),
    SanctionStatus.IN_PROGRESS: frozenset({SanctionStatus.RESOLVED}),
    SanctionStatus.RESOLVED: frozenset(
        {SanctionStatus.APPEALED, SanctionStatus.CLOSED}
    ),
    SanctionStatus.APPEALED: frozenset(
        {SanctionStatus.RESOLVED, SanctionStatus.CLOSED}
    ),
    SanctionStatus.CLOSED: frozenset(),
}
# Statuses in which the proceeding has an outcome (the one appealed, while
# appealed).
_WITH_OUTCOME = frozenset(
    {SanctionStatus.RESOLVED, SanctionStatus.APPEALED, SanctionStatus.CLOSED}
)
_TEXT_FIELDS = ("respondent_name", "authority", "number", "outcome_detail")
EDITABLE = (
    "respondent_kind",
    "respondent_name",
    "authority",
    "number",
    "opened_on",
    "status",
    "outcome",
    "outcome_detail",
    "closed_on",
)


# --- Reading --------------------------------------------------------------------------


def sanctions_visible(*, user: Any) -> QuerySet[SanctionProceeding]:
    """The owning organisation's readers, and every reader of the course."""
    readers = organisations_for(user=user, capability=Capability.REMEDIATION_READ)
    condition = Q(course__in=access.courses_visible(user=user).values("pk"))
    if readers:
        condition |= Q(organisation__in=readers)
    return SanctionProceeding.objects.filter(condition)


def sanction_list(
    *,
    user: Any,
    course: Course | None = None,
    case: Case | None = None,
    rrm_case: RrmCase | None = None,
    organisation: Organisation | None = None,
    status: str | None = None,
) -> QuerySet[SanctionProceeding]:
    """Proceedings the user may read, the most recently opened first."""
    sanctions = sanctions_visible(user=user)
    if course is not None:
        sanctions = sanctions.filter(course=course)
    if case is not None:
        sanctions = sanctions.filter(case=case)
    if rrm_case is not None:
        sanctions = sanctions.filter(rrm_case=rrm_case)
    if organisation is not None:
        sanctions = sanctions.filter(organisation=organisation)
    if status:
        sanctions = sanctions.filter(status=status)
    return sanctions.select_related(
        "organisation", "course", "measure", "case", "rrm_case"
    )


def sanctions_for_course(*, user: Any, course: Course) -> QuerySet[SanctionProceeding]:
    return sanction_list(user=user, course=course)


def sanction_reads_cases(
    *,
    user: Any,
    sanction: SanctionProceeding,
    by_course: dict[uuid.UUID, bool] | None = None,
) -> bool:
    """Whether the user is told which case and RRM case a proceeding follows.

    As for a course (``access.can_read_all``): the owning organisation's and
    the course's readers are; a company's compliance officer, who reads the
    proceeding like the rest of the course, is not. ``by_course`` remembers
    the answer per course across a list (one query per course, not per row).
    """
    readers = organisations_for(user=user, capability=Capability.REMEDIATION_READ)
    if sanction.organisation_id in readers:
        return True
    course = sanction.course
    if course is None:
        return False
    memo = by_course if by_course is not None else {}
    if course.pk not in memo:
        memo[course.pk] = access.can_read_all(user=user, course=course)
    return memo[course.pk]


def sanction_get(*, user: Any, sanction_id: Any) -> SanctionProceeding:
    return get_scoped(
        sanctions_visible(user=user).select_related(
            "organisation", "course", "measure", "case", "rrm_case"
        ),
        pk=sanction_id,
    )


def sanction_can_manage(*, user: Any, sanction: SanctionProceeding) -> bool:
    return sanction.organisation_id in organisations_for(
        user=user, capability=Capability.REMEDIATION_WRITE
    )


def sanction_can_create(*, user: Any) -> bool:
    return bool(organisations_for(user=user, capability=Capability.REMEDIATION_WRITE))


def allowed_statuses(sanction: SanctionProceeding) -> list[str]:
    """The statuses an update may set: the current one, then those that follow."""
    following = SANCTION_TRANSITIONS.get(sanction.status, frozenset())
    return [sanction.status, *[s for s in SanctionStatus.values if s in following]]


# --- Writing --------------------------------------------------------------------------


def _owner(
    *, user: Any, organisation: Organisation | None, course: Course | None
) -> Organisation:
    """The organisation that will follow the proceeding: the one named, else
    the course's owner or monitor party the user writes for, else the user's
    only remediation organisation."""
    writers = organisations_for(user=user, capability=Capability.REMEDIATION_WRITE)
    if not writers:
        raise PermissionDenied()
    if organisation is not None:
        if organisation.pk not in writers:
            raise InvalidInput(
                [
                    {
                        "field": "organisation_id",
                        "reason": _(
                            "No registra procedimientos para esa organización."
                        ),
                    }
                ]
            )
        return organisation
    candidates: list[uuid.UUID] = []
    if course is not None:
        if course.organisation_id in writers:
            candidates = [course.organisation_id]
        else:
            candidates = sorted(
                writers
                & set(
                    course.parties.filter(role=PartyRole.MONITOR).values_list(
                        "organisation_id", flat=True
                    )
                ),
                key=str,
            )
    if not candidates:
        candidates = sorted(writers, key=str)
    if len(candidates) > 1:
        raise InvalidInput(
            [
                {
                    "field": "organisation_id",
                    "reason": _("Diga qué organización da seguimiento."),
                }
            ]
        )
    return Organisation.objects.get(pk=candidates[0])


def _links(
    *,
    user: Any,
    course: Course | None,
    measure: Measure | None,
    case: Case | None,
    rrm_case: RrmCase | None,
) -> Course | None:
    """Check what the proceeding is linked to; returns the course (a measure's
    course when only the measure is given)."""
    errors: list[dict[str, Any]] = []
    if measure is not None:
        if course is None:
            course = measure.course
        elif measure.course_id != course.pk:
            errors.append(
                {
                    "field": "measure_id",
                    "reason": _("La medida no es de ese plan de remediación."),
                }
            )
    if course is not None and not access.can_manage(user=user, course=course):
        # A course the user cannot change is named like one that does not exist.
        if not access.courses_visible(user=user).filter(pk=course.pk).exists():
            errors.append({"field": "course_id", "reason": _("No encontrado.")})
        else:
            raise PermissionDenied()
    if case is not None and not (course is not None and course.case_id == case.pk):
        try:
            cases_selectors.case_get_for_user(viewer=user, case_id=case.pk)
        except NotFound:
            errors.append({"field": "case_id", "reason": _("No encontrado.")})
    if rrm_case is not None and not (
        rrm_case.is_public or (course is not None and course.rrm_case_id == rrm_case.pk)
    ):
        try:
            rrm_selectors.rrm_case_get_for_user(viewer=user, case_id=rrm_case.pk)
        except NotFound:
            errors.append({"field": "rrm_case_id", "reason": _("No encontrado.")})
    if errors:
        raise InvalidInput(errors)
    return course


def _clean_values(values: dict[str, Any]) -> dict[str, Any]:
    out = dict(values)
    for name in _TEXT_FIELDS:
        if name in out:
            text = str(out[name] or "")
            out[name] = (
                text.strip() if name == "outcome_detail" else " ".join(text.split())
            )
    for name in ("status", "outcome", "respondent_kind"):
        if name in out:
            out[name] = str(out[name] or "")
    return out


def _check(
    sanction: SanctionProceeding, *, previous_status: str | None
) -> list[dict[str, Any]]:
    """Every rule of a proceeding's values, as (field, reason) errors."""
    errors: list[dict[str, Any]] = []

    def add(name: str, reason: str) -> None:
        errors.append({"field": name, "reason": reason})

    today = timezone.localdate()
    if sanction.respondent_kind not in RespondentKind.values:
        add(
            "respondent_kind",
            _(
                "Diga si es contra una persona, una organización sindical o una empresa."
            ),
        )
    for name, missing in (
        ("respondent_name", _("Falta el nombre de quien responde.")),
        ("authority", _("Falta la autoridad.")),
        ("number", _("Falta el número de expediente.")),
    ):
        value = getattr(sanction, name)
        limit = int(getattr(SanctionProceeding._meta.get_field(name), "max_length", 0))
        if not value:
            add(name, missing)
        elif len(value) > limit:
            add(name, _("Es demasiado largo (máximo %(n)s caracteres).") % {"n": limit})
    if not isinstance(sanction.opened_on, dt.date):
        add("opened_on", _("Debe ser una fecha AAAA-MM-DD."))
    elif sanction.opened_on > today:
        add("opened_on", _("La fecha de inicio no puede ser futura."))
    status = sanction.status
    if status not in SanctionStatus.values:
        add("status", _("Estado desconocido."))
    elif previous_status is not None and status != previous_status:
        if status not in SANCTION_TRANSITIONS.get(previous_status, frozenset()):
            add(
                "status",
                _("Un procedimiento «%(from)s» no puede pasar a «%(to)s».")
                % {
                    "from": SanctionStatus(previous_status).label,
                    "to": SanctionStatus(status).label,
                },
            )
    if sanction.outcome and sanction.outcome not in SanctionOutcome.values:
        add("outcome", _("Resultado desconocido."))
    elif status in _WITH_OUTCOME and not sanction.outcome:
        add(
            "outcome",
            _("Un procedimiento resuelto o concluido necesita su resultado."),
        )
    elif status not in _WITH_OUTCOME and sanction.outcome:
        add("outcome", _("Un procedimiento sin resolver todavía no tiene resultado."))
    closed_on = sanction.closed_on
    if status == SanctionStatus.CLOSED:
        if closed_on is None:
            add("closed_on", _("Diga en qué fecha concluyó el procedimiento."))
    elif closed_on is not None:
        add(
            "closed_on", _("Solo un procedimiento concluido tiene fecha de conclusión.")
        )
    if isinstance(closed_on, dt.date) and isinstance(sanction.opened_on, dt.date):
        if closed_on < sanction.opened_on:
            add(
                "closed_on",
                _("La fecha de conclusión no puede ser anterior a la de inicio."),
            )
        elif closed_on > today:
            add("closed_on", _("La fecha de conclusión no puede ser futura."))
    return errors


def _number_taken(sanction: SanctionProceeding) -> bool:
    return (
        SanctionProceeding.objects.filter(
            authority=sanction.authority, number=sanction.number
        )
        .exclude(pk=sanction.pk)
        .exists()
    )


def _number_error() -> dict[str, Any]:
    return {
        "field": "number",
        "reason": _("Ya hay un procedimiento con ese número ante esa autoridad."),
    }


def _save(sanction: SanctionProceeding, *, update_fields: list[str] | None) -> None:
    try:
        with transaction.atomic():
            full_clean(sanction, validate_unique=False, validate_constraints=False)
            sanction.save(update_fields=update_fields)
    except IntegrityError:
        # Another request took the same number between the check and the save.
        raise InvalidInput([_number_error()]) from None


def sanction_create(
    *,
    user: Any,
    organisation: Organisation | None = None,
    course: Course | None = None,
    measure: Measure | None = None,
    case: Case | None = None,
    rrm_case: RrmCase | None = None,
    respondent_kind: str,
    respondent_name: str,
    authority: str,
    number: str,
    opened_on: dt.date,
    status: str = SanctionStatus.INITIATED,
    outcome: str = "",
    outcome_detail: str = "",
    closed_on: dt.date | None = None,
) -> SanctionProceeding:
    """Record a proceeding. One begun before Remedia may be entered at the
    status it has reached, with its outcome and dates. A course's proceeding
    is also linked to the case and RRM case of the course, unless others are
    named."""
    course = _links(
        user=user, course=course, measure=measure, case=case, rrm_case=rrm_case
    )
    owner = _owner(user=user, organisation=organisation, course=course)
    if course is not None:
        # A course's proceeding belongs to the case the course follows, so the
        # case's and the RRM case's lists show it too.
        case = case if case is not None else course.case
        rrm_case = rrm_case if rrm_case is not None else course.rrm_case
    values = _clean_values(
        {
            "respondent_kind": respondent_kind,
            "respondent_name": respondent_name,
            "authority": authority,
            "number": number,
            "status": status,
            "outcome": outcome,
            "outcome_detail": outcome_detail,
        }
    )
    sanction = SanctionProceeding(
        organisation=owner,
        course=course,
        measure=measure,
        case=case,
        rrm_case=rrm_case,
        opened_on=opened_on,
        closed_on=closed_on,
        **values,
    )
    errors = _check(sanction, previous_status=None)
    if not errors and _number_taken(sanction):
        errors.append(_number_error())
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        _save(sanction, update_fields=None)
        audit_record(
            action="remediation.sanction_recorded",
            actor=user,
            organisation=owner,
            obj=sanction,
            data={
                "status": sanction.status,
                "course": str(course.pk) if course else None,
            },
        )
    logger.info("remediation.sanction_recorded", extra={"status": sanction.status})
    return sanction


def sanction_update(
    *, user: Any, sanction: SanctionProceeding, **changes: Any
) -> SanctionProceeding:
    """Change a proceeding's details or move it on (``SANCTION_TRANSITIONS``)."""
    if not sanction_can_manage(user=user, sanction=sanction):
        raise PermissionDenied()
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise InvalidInput(
            [
                {"field": name, "reason": _("Este campo no se admite.")}
                for name in unknown
            ]
        )
    with transaction.atomic():
        current = SanctionProceeding.objects.select_for_update().get(pk=sanction.pk)
        previous_status = current.status
        values = _clean_values(changes)
        changed = [
            name for name, value in values.items() if getattr(current, name) != value
        ]
        for name in changed:
            setattr(current, name, values[name])
        errors = _check(current, previous_status=previous_status)
        if (
            not errors
            and {"authority", "number"} & set(changed)
            and _number_taken(current)
        ):
            errors.append(_number_error())
        if errors:
            raise InvalidInput(errors)
        if changed:
            _save(current, update_fields=[*changed, "updated_at"])
            audit_record(
                action="remediation.sanction_changed",
                actor=user,
                organisation=current.organisation,
                obj=current,
                data={
                    "fields": changed,
                    "status": {"from": previous_status, "to": current.status}
                    if current.status != previous_status
                    else None,
                },
            )
    if changed:
        logger.info(
            "remediation.sanction_changed",
            extra={"from_status": previous_status, "to_status": current.status},
        )
    return current
