"""Writes of rosters, people, sessions and attendance.

Every write checks, through ``access.py``, that the user keeps the roster,
runs in one transaction and leaves an audit row; a list (CSV or XLSX) is
saved whole or not at all, with every row's problem named (``rosters.py``).
Audit actions keep their ``remediation.*`` names: the audit log's history
reads the same before and after training left ``remediation``.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from remedia.accounts.models import Organisation
from remedia.core.audit import audit_record
from remedia.core.errors import InvalidInput
from remedia.core.geo import fold
from remedia.core.kit import full_clean
from remedia.facilities.models import Facility
from remedia.training import hooks
from remedia.training.access import Roster, require_manage, roster_of
from remedia.training.coverage import ROLE_ORDER
from remedia.training.models import (
    Attendance,
    Person,
    PersonnelRole,
    TrainingSession,
    TrainingTopic,
)
from remedia.training.rosters import (
    check_person,
    file_error,
    read_table,
    role_names,
    roster_rows,
    row_error,
    rows_rejected,
)
from remedia.training.selectors import session_roster

logger = logging.getLogger(__name__)


@dataclass
class RosterImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0

    def counts(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deactivated": self.deactivated,
        }


def _audit_owner(roster: Roster) -> dict[str, Any]:
    if roster.facility is not None:
        return {"object_type": "facilities.facility", "object_id": str(roster.owner_id)}
    return {"object_type": "accounts.organisation", "object_id": str(roster.owner_id)}


def roster_import(
    *,
    user: Any,
    facility: Facility | None = None,
    organisation: Organisation | None = None,
    file: IO[bytes] | Any,
    replace: bool = False,
) -> RosterImportResult:
    """Import a roster from CSV or XLSX: all of it, or nothing.

    Columns ``identifier``/``numero``, ``name``/``nombre``, ``role``/``papel``
    (a role's value or its label, accents optional). A person already on the
    roster is updated by identifier (and is active again); with ``replace`` the
    people missing from the file become inactive: never deleted, so their
    attendance stays in the history and out of the coverage.
    """
    roster = roster_of(user=user, facility=facility, organisation=organisation)
    require_manage(roster)
    rows = roster_rows(
        file, roles=roster.roles if roster.is_facility else PersonnelRole.values
    )
    result = RosterImportResult()
    try:
        with transaction.atomic():
            existing = {p.identifier: p for p in roster.people().select_for_update()}
            new: list[Person] = []
            changed: list[Person] = []
            for row in rows:
                person = existing.pop(row.identifier, None)
                if person is None:
                    person = Person(
                        identifier=row.identifier,
                        name=row.name,
                        role=row.role,
                        **roster.person_filter(),
                    )
                    full_clean(
                        person, validate_unique=False, validate_constraints=False
                    )
                    new.append(person)
                    continue
                if (person.name, person.role, person.active) == (
                    row.name,
                    row.role,
                    True,
                ):
                    result.unchanged += 1
                    continue
                person.name, person.role, person.active = row.name, row.role, True
                full_clean(person, validate_unique=False, validate_constraints=False)
                changed.append(person)
            gone = [p for p in existing.values() if p.active] if replace else []
            for person in gone:
                person.active = False
            now = timezone.now()
            for person in (*changed, *gone):
                person.updated_at = now
            Person.objects.bulk_create(new, batch_size=500)
            Person.objects.bulk_update(
                [*changed, *gone],
                ["name", "role", "active", "updated_at"],
                batch_size=500,
            )
            result.created, result.updated = len(new), len(changed)
            result.deactivated = len(gone)
            audit_record(
                action="remediation.roster_imported",
                actor=user,
                data={**result.counts(), "replace": replace},
                **_audit_owner(roster),
            )
    except IntegrityError:
        # Another import of the same roster committed the same new number first.
        raise file_error(
            _("Otra persona cambió esta lista al mismo tiempo; impórtela de nuevo.")
        ) from None
    logger.info(
        "remediation.roster_imported",
        extra={f"{key}_count": n for key, n in result.counts().items()}
        | {"replace": replace, "facility_roster": roster.is_facility},
    )
    return result


def _person_fields(
    *, roster: Roster, identifier: str, name: str, role: str, exclude: Any = None
) -> tuple[str, str, str]:
    identifier = " ".join(str(identifier or "").split())
    name = " ".join(str(name or "").split())
    allowed = roster.roles if roster.is_facility else PersonnelRole.values
    value, problems = check_person(
        identifier=identifier, name=name, role_text=str(role or ""), roles=allowed
    )
    # The reasons follow "Fila n, «column»:" in a file; alone, they open a sentence.
    errors = [
        {"field": column, "reason": reason[:1].upper() + reason[1:]}
        for column, reason in problems
    ]
    if identifier and not any(e["field"] == "identifier" for e in errors):
        taken = roster.people().filter(identifier=identifier)
        if exclude is not None:
            taken = taken.exclude(pk=exclude)
        if taken.exists():
            errors.append(
                {
                    "field": "identifier",
                    "reason": _("Ya hay una persona con el número «%(value)s».")
                    % {"value": identifier},
                }
            )
    if errors or value is None:
        raise InvalidInput(errors)
    return identifier, name, value


@transaction.atomic
def person_create(
    *,
    user: Any,
    facility: Facility | None = None,
    organisation: Organisation | None = None,
    identifier: str,
    name: str,
    role: str,
) -> Person:
    """Add one person to a roster by hand."""
    roster = roster_of(user=user, facility=facility, organisation=organisation)
    require_manage(roster)
    identifier, name, role = _person_fields(
        roster=roster, identifier=identifier, name=name, role=role
    )
    person = Person(
        identifier=identifier, name=name, role=role, **roster.person_filter()
    )
    full_clean(person, validate_constraints=False, validate_unique=False)
    person.save()
    audit_record(action="remediation.person_added", actor=user, obj=person)
    return person


@transaction.atomic
def person_update(
    *,
    user: Any,
    person: Person,
    identifier: str,
    name: str,
    role: str,
    active: bool,
) -> Person:
    """Correct a person of a roster, or take them off it (inactive)."""
    roster = roster_of(
        user=user, facility=person.facility, organisation=person.organisation
    )
    require_manage(roster)
    identifier, name, role = _person_fields(
        roster=roster, identifier=identifier, name=name, role=role, exclude=person.pk
    )
    person.identifier, person.name, person.role = identifier, name, role
    person.active = bool(active)
    full_clean(person, validate_constraints=False, validate_unique=False)
    person.save(update_fields=["identifier", "name", "role", "active", "updated_at"])
    audit_record(
        action="remediation.person_changed",
        actor=user,
        obj=person,
        data={"active": person.active},
    )
    return person


def _check_session(
    *,
    roster: Roster,
    topic: str,
    title: str,
    held_on: Any,
    starts_at: Any,
    ends_at: Any,
    trainer: str,
    audience_roles: Sequence[str],
    location: str,
) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = []

    def add(name: str, reason: str) -> None:
        errors.append({"field": name, "reason": reason})

    if topic not in TrainingTopic.values:
        add("topic", _("Tema desconocido."))
    if not isinstance(held_on, dt.date):
        add("held_on", _("Debe ser una fecha AAAA-MM-DD."))
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if not isinstance(value, dt.time):
            add(name, _("Debe ser una hora HH:MM."))
    if isinstance(starts_at, dt.time) and isinstance(ends_at, dt.time):
        if ends_at <= starts_at:
            add("ends_at", _("La hora de término debe ser posterior a la de inicio."))
    if not trainer:
        add("trainer", _("Diga quién impartió la capacitación."))
    for name, value in (("title", title), ("trainer", trainer), ("location", location)):
        limit = int(getattr(TrainingSession._meta.get_field(name), "max_length", 0))
        if len(value) > limit:
            add(name, _("Es demasiado largo (máximo %(n)s caracteres).") % {"n": limit})
    allowed = roster.roles if roster.is_facility else PersonnelRole.values
    unknown = [r for r in audience_roles if r not in allowed]
    if unknown:
        add(
            "audience_roles",
            _("Papeles no admitidos: %(values)s. Papeles admitidos: %(roles)s.")
            % {
                "values": ", ".join(map(str, unknown))[:200],
                "roles": role_names(allowed),
            },
        )
    return errors


def _resolve_links(
    *, user: Any, roster: Roster, topic: str, links: Mapping[str, Any]
) -> list[tuple[hooks.SessionLink, Any, list[dict[str, Any]]]]:
    claimed = {name for link in hooks.session_links() for name in link.fields}
    unknown = sorted(set(links) - claimed)
    if unknown:
        # A caller's mistake (or the app that reads them is not installed).
        raise TypeError(f"training_session_create: unknown links {unknown}")
    out = []
    for link in hooks.session_links():
        values = {k: v for k, v in links.items() if k in link.fields and v is not None}
        if not values:
            continue
        value, errors = link.resolve(
            user=user, roster=roster, topic=topic, values=values
        )
        out.append((link, value, errors))
    return out


def training_session_create(
    *,
    user: Any,
    facility: Facility | None = None,
    audience_organisation: Organisation | None = None,
    topic: str,
    title: str = "",
    held_on: dt.date,
    starts_at: dt.time,
    ends_at: dt.time,
    during_working_hours: bool,
    trainer: str,
    audience_roles: Sequence[str] = (),
    location: str = "",
    **links: Any,
) -> TrainingSession:
    """Record a session held for a facility's personnel or an organisation's staff.

    ``audience_roles`` empty means the whole roster. ``links`` are what the
    session counts for in a higher app (``course``/``course_id``,
    ``measure``/``measure_id`` with ``remediation``): each registered
    ``SessionLink`` checks its own, and saves them with the session.
    """
    roster = roster_of(user=user, facility=facility, organisation=audience_organisation)
    require_manage(roster)
    title = " ".join(str(title or "").split())
    trainer = " ".join(str(trainer or "").split())
    location = " ".join(str(location or "").split())
    roles = list(dict.fromkeys(str(r) for r in audience_roles))
    errors = _check_session(
        roster=roster,
        topic=topic,
        title=title,
        held_on=held_on,
        starts_at=starts_at,
        ends_at=ends_at,
        trainer=trainer,
        audience_roles=roles,
        location=location,
    )
    resolved = _resolve_links(user=user, roster=roster, topic=topic, links=links)
    for _link, _value, link_errors in resolved:
        errors.extend(link_errors)
    if errors:
        raise InvalidInput(errors)
    roles.sort(key=lambda r: ROLE_ORDER.get(r, 99))
    assert roster.recorder_id is not None  # noqa: S101 - _require_manage
    with transaction.atomic():
        session = TrainingSession(
            organisation_id=roster.recorder_id,
            facility=facility,
            audience_organisation=audience_organisation,
            topic=topic,
            title=title,
            held_on=held_on,
            starts_at=starts_at,
            ends_at=ends_at,
            during_working_hours=bool(during_working_hours),
            trainer=trainer,
            audience_roles=roles,
            location=location,
        )
        # Roles were checked above; an empty list (the whole roster) is what
        # the model's non-blank JSON field would refuse.
        full_clean(session, validate_constraints=False, exclude=["audience_roles"])
        session.save()
        for link, value, _errors in resolved:
            if value is not None:
                link.attach(session=session, resolved=value)
        audit_record(
            action="remediation.training_recorded",
            actor=user,
            obj=session,
            data={"topic": topic, "held_on": held_on.isoformat()},
        )
    logger.info("remediation.training_recorded", extra={"topic": topic})
    return session


@dataclass
class AttendanceResult:
    added: int = 0
    already: int = 0
    removed: int = 0

    def counts(self) -> dict[str, int]:
        return {"added": self.added, "already": self.already, "removed": self.removed}


def _refuse_future(session: TrainingSession) -> None:
    if session.held_on > timezone.localdate():
        raise InvalidInput(
            [
                {
                    "field": "held_on",
                    "reason": _(
                        "La sesión es el %(day)s y todavía no ocurre: no puede "
                        "tener asistencia."
                    )
                    % {"day": session.held_on.isoformat()},
                }
            ]
        )


def _names_match(listed: str, on_roster: str) -> bool:
    return " ".join(fold(listed).split()) == " ".join(fold(on_roster).split())


def _attend(
    *, user: Any, session: TrainingSession, people: Iterable[Person], action: str
) -> AttendanceResult:
    result = AttendanceResult()
    wanted = {p.pk for p in people}
    with transaction.atomic():
        present = set(
            Attendance.objects.filter(session=session, person__in=wanted).values_list(
                "person_id", flat=True
            )
        )
        new = [Attendance(session=session, person_id=pk) for pk in wanted - present]
        Attendance.objects.bulk_create(new, batch_size=500, ignore_conflicts=True)
        result.added, result.already = len(new), len(present)
        audit_record(action=action, actor=user, obj=session, data=result.counts())
    return result


def attendance_import(
    *, user: Any, session: TrainingSession, file: IO[bytes] | Any
) -> AttendanceResult:
    """Add the people of an attendance list (CSV or XLSX) to a session.

    Column ``identifier``/``numero``; an optional ``name``/``nombre`` is checked
    against the roster (accents and case aside) to catch a wrong number. Every
    identifier must be on the session's roster: otherwise nothing is saved and
    each unknown person's row is named. Someone listed twice counts once.
    """
    roster = session_roster(user=user, session=session)
    require_manage(roster)
    _refuse_future(session)
    rows = read_table(file, required=("identifier",), optional=("name",))
    people = {p.identifier: p for p in roster.people()}
    errors: list[dict[str, Any]] = []
    found: dict[uuid.UUID, Person] = {}
    for row in rows:
        identifier = row.values.get("identifier", "")
        name = row.values.get("name", "")
        if not identifier:
            errors.append(
                row_error(row.row, "identifier", _("falta el número de persona."))
            )
            continue
        person = people.get(identifier)
        if person is None:
            errors.append(
                row_error(
                    row.row,
                    "identifier",
                    _(
                        "persona desconocida: el número «%(value)s» no está en la "
                        "lista de %(roster)s."
                    )
                    % {"value": identifier[:40], "roster": roster.name},
                )
            )
            continue
        if name and not _names_match(name, person.name):
            errors.append(
                row_error(
                    row.row,
                    "name",
                    _(
                        "el número «%(value)s» es de «%(roster_name)s» en la lista, "
                        "no de «%(name)s»."
                    )
                    % {
                        "value": identifier[:40],
                        "roster_name": person.name,
                        "name": name[:80],
                    },
                )
            )
            continue
        found[person.pk] = person
    if errors:
        raise rows_rejected(errors)
    result = _attend(
        user=user,
        session=session,
        people=found.values(),
        action="remediation.attendance_imported",
    )
    logger.info(
        "remediation.attendance_imported",
        extra={f"{key}_count": n for key, n in result.counts().items()},
    )
    return result


def attendance_record(
    *, user: Any, session: TrainingSession, identifiers: Sequence[str]
) -> AttendanceResult:
    """Add people to a session by their roster numbers (the API's JSON form)."""
    roster = session_roster(user=user, session=session)
    require_manage(roster)
    _refuse_future(session)
    people = {p.identifier: p for p in roster.people()}
    errors = []
    found: dict[uuid.UUID, Person] = {}
    for index, raw in enumerate(identifiers):
        identifier = " ".join(str(raw).split())
        person = people.get(identifier)
        if person is None:
            errors.append(
                {
                    "field": f"identifiers.{index}",
                    "reason": _(
                        "Persona desconocida: el número «%(value)s» no está en la "
                        "lista de %(roster)s."
                    )
                    % {"value": identifier[:40], "roster": roster.name},
                }
            )
        else:
            found[person.pk] = person
    if errors:
        raise InvalidInput(errors)
    return _attend(
        user=user,
        session=session,
        people=found.values(),
        action="remediation.attendance_recorded",
    )


def _uuids(values: Iterable[Any]) -> set[uuid.UUID]:
    out: set[uuid.UUID] = set()
    for raw in values:
        try:
            out.add(uuid.UUID(str(raw)))
        except ValueError:
            raise InvalidInput(
                [{"field": "people", "reason": _("Persona desconocida.")}]
            ) from None
    return out


def attendance_set(
    *,
    user: Any,
    session: TrainingSession,
    person_ids: Iterable[Any],
    within: Iterable[Any] | None = None,
) -> AttendanceResult:
    """Make the session's attendance exactly the people ticked on its page.

    ``within``: the people the page showed (a long roster is shown a page at a
    time); attendance of anyone else is left as it is.
    """
    roster = session_roster(user=user, session=session)
    require_manage(roster)
    _refuse_future(session)
    wanted = _uuids(person_ids)
    shown = _uuids(within) | wanted if within is not None else None
    people = list(roster.people().filter(pk__in=wanted))
    if len(people) != len(wanted):
        raise InvalidInput(
            [
                {
                    "field": "people",
                    "reason": _("Hay personas que no están en la lista de %(roster)s.")
                    % {"roster": roster.name},
                }
            ]
        )
    with transaction.atomic():
        dropped = Attendance.objects.filter(session=session).exclude(person__in=wanted)
        if shown is not None:
            dropped = dropped.filter(person__in=shown)
        removed, _detail = dropped.delete()
        result = _attend(
            user=user,
            session=session,
            people=people,
            action="remediation.attendance_set",
        )
        result.removed = removed
    return result
