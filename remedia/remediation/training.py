"""Rosters, training sessions, attendance and coverage (PRODUCT.md C5 and C7).

A roster is a facility's personnel or an organisation's staff (officials and
partners trained on protocols). A session is held for one of them; attendance
ties people of that roster to it. Coverage is the share of each role's active
people who attended at least one session on a topic: "all company personnel
and union representatives" is reached only when every role that has people is
at 100 %.

Who may do what follows the courses of remediation (``access.py``): a facility
roster is read by whoever reads a course at that facility and kept by its
managers (monitors) and by the compliance officer of the course's company
party, who holds the lists. An organisation's roster is read by its own staff
and kept by its members who write remediation or coordination records.
Everything else answers ``NotFound``, like a roster that does not exist.

The arithmetic (``coverage_count``) is a plain function over plain rows so that
it can be checked without a database; ``coverage_for`` and ``course_coverage``
feed it.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
import zipfile
from collections.abc import Collection, Hashable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import IO, Any, NamedTuple

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from remedia.accounts.models import Organisation
from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import get_scoped, organisations_for
from remedia.core.audit import audit_record
from remedia.core.errors import InvalidInput, NotFound, PermissionDenied
from remedia.core.geo import fold
from remedia.facilities import importing as facility_files
from remedia.facilities.models import Facility
from remedia.remediation import access
from remedia.remediation.catalogue import entry_for
from remedia.remediation.models import (
    Attendance,
    Course,
    CourseParty,
    Measure,
    MeasureType,
    PartyRole,
    Person,
    PersonnelRole,
    TrainingSession,
    TrainingTopic,
)

logger = logging.getLogger(__name__)

# "All company personnel and union representatives": every role of a facility.
FACILITY_ROLES: tuple[str, ...] = (
    PersonnelRole.MANAGEMENT,
    PersonnelRole.SUPERVISOR,
    PersonnelRole.HUMAN_RESOURCES,
    PersonnelRole.WORKER,
    PersonnelRole.UNION_REPRESENTATIVE,
)
# Officials and partners trained on protocols (C7). An organisation's roster
# may hold any role; these are shown even when nobody holds them yet.
ORGANISATION_ROLES: tuple[str, ...] = (PersonnelRole.OFFICIAL, PersonnelRole.PARTNER)
_ROLE_ORDER = {value: index for index, value in enumerate(PersonnelRole.values)}

# A roster or attendance list is a few thousand rows; past this it is a
# mistake (the wrong file), and the limit keeps one request bounded.
MAX_ROWS = 20_000
MAX_ERRORS = 500
MAX_BYTES = 10 * 1024 * 1024


# --- Who may read and keep a roster ----------------------------------------------------


@dataclass(frozen=True)
class Roster:
    """A roster's owner (a facility or an organisation), as one user may use it.

    ``recorder_id`` is the organisation a session registered by this user is
    recorded under; ``can_manage`` says whether the user may change the roster,
    its sessions and their attendance.
    """

    facility: Facility | None
    organisation: Organisation | None
    can_manage: bool
    recorder_id: uuid.UUID | None = None

    @property
    def name(self) -> str:
        owner = self.facility or self.organisation
        return str(getattr(owner, "name", ""))

    @property
    def owner_id(self) -> uuid.UUID:
        owner = self.facility or self.organisation
        assert owner is not None  # noqa: S101 - one of the two, by construction
        return owner.pk

    @property
    def is_facility(self) -> bool:
        return self.facility is not None

    @property
    def roles(self) -> tuple[str, ...]:
        return FACILITY_ROLES if self.is_facility else ORGANISATION_ROLES

    def person_filter(self, prefix: str = "") -> dict[str, Any]:
        if self.facility is not None:
            return {f"{prefix}facility": self.facility}
        return {f"{prefix}organisation": self.organisation}

    def people(self) -> QuerySet[Person]:
        return Person.objects.filter(**self.person_filter())

    def sessions(self) -> QuerySet[TrainingSession]:
        if self.facility is not None:
            return TrainingSession.objects.filter(facility=self.facility)
        return TrainingSession.objects.filter(audience_organisation=self.organisation)


def _organisation_readers(user: Any) -> set[uuid.UUID]:
    return (
        organisations_for(user=user, capability=Capability.REMEDIATION_READ)
        | organisations_for(user=user, capability=Capability.COORDINATION_READ)
        | _organisation_writers(user)
    )


def _organisation_writers(user: Any) -> set[uuid.UUID]:
    return organisations_for(
        user=user, capability=Capability.REMEDIATION_WRITE
    ) | organisations_for(user=user, capability=Capability.COORDINATION_WRITE)


def training_facilities(*, user: Any) -> QuerySet[Facility]:
    """Facilities whose roster the user may read: those of a course they read."""
    return Facility.objects.filter(
        pk__in=access.courses_visible(user=user).values("facility")
    ).order_by("name")


def training_organisations(*, user: Any) -> QuerySet[Organisation]:
    """Organisations whose staff roster the user may read: their own."""
    return Organisation.objects.filter(
        pk__in=_organisation_readers(user), is_active=True
    ).order_by("name")


def _facility_recorder(user: Any, facility: Facility) -> uuid.UUID | None:
    """The organisation through which the user keeps this facility's roster.

    The owner of a course there, or a monitor party of one, for a manager;
    the company party of one, for its compliance officer. None: read only.
    """
    writers = organisations_for(user=user, capability=Capability.REMEDIATION_WRITE)
    officers = organisations_for(user=user, capability=Capability.EVIDENCE_SUBMIT)
    if writers:
        owner = (
            Course.objects.filter(facility=facility, organisation__in=writers)
            .order_by("created_at")
            .values_list("organisation_id", flat=True)
            .first()
        )
        if owner is not None:
            return owner
    if not (writers or officers):
        return None
    return (
        CourseParty.objects.filter(course__facility=facility)
        .filter(
            Q(organisation__in=writers, role=PartyRole.MONITOR)
            | Q(organisation__in=officers, role=PartyRole.COMPANY)
        )
        .order_by("created_at")
        .values_list("organisation_id", flat=True)
        .first()
    )


def roster_for_facility(*, user: Any, facility: Facility) -> Roster:
    """The facility's roster as the user may use it; NotFound if not theirs."""
    if not access.courses_visible(user=user).filter(facility=facility).exists():
        raise NotFound()
    recorder = _facility_recorder(user, facility)
    return Roster(
        facility=facility,
        organisation=None,
        can_manage=recorder is not None,
        recorder_id=recorder,
    )


def roster_for_organisation(*, user: Any, organisation: Organisation) -> Roster:
    if organisation.pk not in _organisation_readers(user):
        raise NotFound()
    manages = organisation.pk in _organisation_writers(user)
    return Roster(
        facility=None,
        organisation=organisation,
        can_manage=manages,
        recorder_id=organisation.pk if manages else None,
    )


def roster_facility_get(*, user: Any, facility_id: Any) -> Roster:
    """A facility's roster by id from a request: the same 404 whatever the cause."""
    facility = get_scoped(training_facilities(user=user), pk=facility_id)
    return roster_for_facility(user=user, facility=facility)


def roster_organisation_get(*, user: Any, organisation_id: Any) -> Roster:
    organisation = get_scoped(training_organisations(user=user), pk=organisation_id)
    return roster_for_organisation(user=user, organisation=organisation)


def roster_of(
    *,
    user: Any,
    facility: Facility | None = None,
    organisation: Organisation | None = None,
) -> Roster:
    if (facility is None) == (organisation is None):
        raise InvalidInput(
            [
                {
                    "field": "facility_id",
                    "reason": _(
                        "Indique un centro de trabajo o una organización, no ambos."
                    ),
                }
            ]
        )
    if facility is not None:
        return roster_for_facility(user=user, facility=facility)
    assert organisation is not None  # noqa: S101 - checked just above
    return roster_for_organisation(user=user, organisation=organisation)


def _require_manage(roster: Roster) -> None:
    if not roster.can_manage:
        raise PermissionDenied(
            _("Solo puede consultar esta lista; no puede cambiarla.")
        )


def roster_people(*, roster: Roster, include_inactive: bool = True) -> QuerySet[Person]:
    people = roster.people()
    if not include_inactive:
        people = people.filter(active=True)
    return people.order_by("-active", "name", "identifier")


def person_get(*, user: Any, person_id: Any) -> tuple[Person, Roster]:
    """One person of a roster the user may read, with that roster."""
    facilities = training_facilities(user=user).values("pk")
    organisations = _organisation_readers(user)
    person = get_scoped(
        Person.objects.filter(
            Q(facility__in=facilities) | Q(organisation__in=organisations)
        ).select_related("facility", "organisation"),
        pk=person_id,
    )
    return person, roster_of(
        user=user, facility=person.facility, organisation=person.organisation
    )


# --- Reading a roster or an attendance list ---------------------------------------------

# Column headers, folded (lower case, no accents, words joined by "_").
_HEADERS: dict[str, str] = {
    "identifier": "identifier",
    "id": "identifier",
    "numero": "identifier",
    "no": "identifier",
    "num": "identifier",
    "numero_de_empleado": "identifier",
    "numero_empleado": "identifier",
    "num_empleado": "identifier",
    "no_empleado": "identifier",
    "no_de_empleado": "identifier",
    "numero_de_persona": "identifier",
    "employee_number": "identifier",
    "employee_id": "identifier",
    "name": "name",
    "nombre": "name",
    "nombre_completo": "name",
    "full_name": "name",
    "role": "role",
    "papel": "role",
    "rol": "role",
}
_SPANISH_HEADER = {"identifier": "numero", "name": "nombre", "role": "papel"}

# Words a company's list uses for a role, besides the value and its labels.
_ROLE_SYNONYMS: dict[str, str] = {
    "direccion": PersonnelRole.MANAGEMENT,
    "gerencia": PersonnelRole.MANAGEMENT,
    "gerente": PersonnelRole.MANAGEMENT,
    "supervisora": PersonnelRole.SUPERVISOR,
    "supervision": PersonnelRole.SUPERVISOR,
    "rh": PersonnelRole.HUMAN_RESOURCES,
    "recursos humanos": PersonnelRole.HUMAN_RESOURCES,
    "trabajador": PersonnelRole.WORKER,
    "trabajadora": PersonnelRole.WORKER,
    "operario": PersonnelRole.WORKER,
    "operaria": PersonnelRole.WORKER,
    "representante sindical": PersonnelRole.UNION_REPRESENTATIVE,
    "delegado sindical": PersonnelRole.UNION_REPRESENTATIVE,
    "delegada sindical": PersonnelRole.UNION_REPRESENTATIVE,
}


def _header_field(title: str) -> str | None:
    text = fold(str(title or "")).replace("-", " ").replace(".", " ")
    return _HEADERS.get("_".join(text.split()))


def _role_key(text: str) -> str:
    return " ".join(fold(text).replace("_", " ").replace("-", " ").split())


@lru_cache(maxsize=1)
def _role_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for value, label in PersonnelRole.choices:
        table[_role_key(value)] = value
        for language in ("es", "en"):
            with translation.override(language):
                table[_role_key(str(label))] = value
    table.update(_ROLE_SYNONYMS)
    return table


def role_from_text(text: str) -> str | None:
    """A PersonnelRole value from its value or its label (Spanish or English),
    accents and case optional."""
    return _role_table().get(_role_key(text))


def _column_label(name: str) -> str:
    spanish = _SPANISH_HEADER.get(name, name)
    return f"«{name}» / «{spanish}»"


@dataclass(frozen=True)
class _Row:
    row: int
    values: dict[str, str]


def _file_error(reason: str) -> InvalidInput:
    return InvalidInput([{"field": "file", "reason": reason}], message=reason)


def _upload_bytes(file: Any) -> tuple[bytes, str]:
    """The bytes and name of an upload (Django's, ninja's, or an open file)."""
    if file is None:
        raise _file_error(_("Elija un archivo CSV o XLSX."))
    name = str(getattr(file, "name", "") or "")
    if getattr(file, "too_large", False) or (getattr(file, "size", 0) or 0) > MAX_BYTES:
        raise _file_error(
            _("El archivo pasa de %(mb)d MB: divídalo en partes.")
            % {"mb": MAX_BYTES // (1024 * 1024)}
        )
    data = file.read()
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > MAX_BYTES:
        raise _file_error(
            _("El archivo pasa de %(mb)d MB: divídalo en partes.")
            % {"mb": MAX_BYTES // (1024 * 1024)}
        )
    return bytes(data), name


def _read_table(
    file: Any, *, required: Sequence[str], optional: Sequence[str] = ()
) -> list[_Row]:
    """The rows of a CSV or XLSX list, read by the facility importer's reader.

    File-level problems (not a list, no header, a required column missing) are
    one error on the field ``file``; rows are checked by the caller.
    """
    data, name = _upload_bytes(file)
    wanted = (*required, *optional)
    columns: dict[str, int] | None = None
    rows: list[_Row] = []
    try:
        for number, cells in facility_files.read_rows(data=data, file_name=name):
            if not any(c.strip() for c in cells):
                continue
            if columns is None:
                columns = _columns(cells, required=required, wanted=wanted)
                continue
            if len(rows) >= MAX_ROWS:
                raise _file_error(
                    _("El archivo tiene más de %(max)s filas; divídalo en partes.")
                    % {"max": f"{MAX_ROWS:,}"}
                )
            rows.append(
                _Row(
                    row=number,
                    values={
                        key: " ".join(cells[index].split())
                        if index < len(cells)
                        else ""
                        for key, index in columns.items()
                    },
                )
            )
    except facility_files.FileRejected as exc:
        raise _file_error(exc.reason) from None
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError) as exc:
        # A spreadsheet damaged past its first bytes fails while its rows are
        # read, not when it is opened.
        raise _file_error(
            _("El archivo XLSX está dañado o no es un libro de Excel.")
        ) from exc
    if columns is None:
        raise _file_error(_("El archivo está vacío."))
    if not rows:
        raise _file_error(_("El archivo solo tiene el encabezado: no hay filas."))
    return rows


def _columns(
    header: list[str], *, required: Sequence[str], wanted: Sequence[str]
) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        name = _header_field(title)
        if name is None or name not in wanted:
            continue
        if name in columns:
            raise _file_error(
                _("La columna %(column)s aparece dos veces en el encabezado.")
                % {"column": _column_label(name)}
            )
        columns[name] = index
    missing = [name for name in required if name not in columns]
    if missing:
        raise _file_error(
            _("La primera fila debe ser el encabezado; falta la columna %(columns)s.")
            % {"columns": " y ".join(_column_label(m) for m in missing)}
        )
    return columns


def _row_error(row: int, name: str, reason: str) -> dict[str, Any]:
    # "rows.<n>.<column>" like the API's other nested fields; the reason names
    # the row too, so a person reading only the message can fix the file.
    return {
        "field": f"rows.{row}.{name}",
        "row": row,
        "column": name,
        "reason": _("Fila %(row)d, %(column)s: %(reason)s")
        % {"row": row, "column": _column_label(name), "reason": reason},
    }


def _rows_rejected(errors: list[dict[str, Any]]) -> InvalidInput:
    shown = errors[:MAX_ERRORS]
    return InvalidInput(
        shown,
        message=_(
            "El archivo tiene %(n)d errores; no se guardó nada. Corrija las filas "
            "señaladas e impórtelo de nuevo."
        )
        % {"n": len(errors)},
    )


def _max_length(name: str) -> int:
    return int(getattr(Person._meta.get_field(name), "max_length", 0) or 0)


def _role_names(roles: Iterable[str]) -> str:
    return ", ".join(f"{PersonnelRole(r).label} ({r})" for r in roles)


def _check_person(
    *, identifier: str, name: str, role_text: str, roles: Collection[str]
) -> tuple[str | None, list[tuple[str, str]]]:
    """The role value, and (column, reason) for each problem of one person."""
    problems: list[tuple[str, str]] = []
    if not identifier:
        problems.append(("identifier", _("falta el número de persona.")))
    elif len(identifier) > _max_length("identifier"):
        problems.append(
            (
                "identifier",
                _("el número tiene más de %(max)d caracteres.")
                % {"max": _max_length("identifier")},
            )
        )
    if not name:
        problems.append(("name", _("falta el nombre.")))
    elif len(name) > _max_length("name"):
        problems.append(
            (
                "name",
                _("el nombre tiene más de %(max)d caracteres.")
                % {"max": _max_length("name")},
            )
        )
    role: str | None = None
    if not role_text:
        problems.append(("role", _("falta el papel.")))
    else:
        role = role_from_text(role_text)
        if role is None or role not in roles:
            problems.append(
                (
                    "role",
                    _("papel desconocido «%(value)s». Papeles admitidos: %(roles)s.")
                    % {"value": role_text[:60], "roles": _role_names(roles)},
                )
            )
            role = None
    return role, problems


# --- Rosters --------------------------------------------------------------------------


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


@dataclass(frozen=True)
class _PersonRow:
    row: int
    identifier: str
    name: str
    role: str


def _roster_rows(file: Any, *, roles: Collection[str]) -> list[_PersonRow]:
    rows = _read_table(file, required=("identifier", "name", "role"))
    errors: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    clean: list[_PersonRow] = []
    for row in rows:
        identifier = row.values.get("identifier", "")
        name = row.values.get("name", "")
        role, problems = _check_person(
            identifier=identifier,
            name=name,
            role_text=row.values.get("role", ""),
            roles=roles,
        )
        if identifier and identifier in seen:
            problems.append(
                (
                    "identifier",
                    _("el número «%(value)s» ya está en la fila %(first)d.")
                    % {"value": identifier[:40], "first": seen[identifier]},
                )
            )
        elif identifier:
            seen[identifier] = row.row
        errors.extend(
            _row_error(row.row, column, reason) for column, reason in problems
        )
        if not problems and role is not None:
            clean.append(_PersonRow(row.row, identifier, name, role))
    if errors:
        raise _rows_rejected(errors)
    return clean


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
    _require_manage(roster)
    rows = _roster_rows(
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
                    person.full_clean(validate_unique=False, validate_constraints=False)
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
                person.full_clean(validate_unique=False, validate_constraints=False)
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
        raise _file_error(
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
    value, problems = _check_person(
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
    _require_manage(roster)
    identifier, name, role = _person_fields(
        roster=roster, identifier=identifier, name=name, role=role
    )
    person = Person(
        identifier=identifier, name=name, role=role, **roster.person_filter()
    )
    person.full_clean(validate_constraints=False, validate_unique=False)
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
    _require_manage(roster)
    identifier, name, role = _person_fields(
        roster=roster, identifier=identifier, name=name, role=role, exclude=person.pk
    )
    person.identifier, person.name, person.role = identifier, name, role
    person.active = bool(active)
    person.full_clean(validate_constraints=False, validate_unique=False)
    person.save(update_fields=["identifier", "name", "role", "active", "updated_at"])
    audit_record(
        action="remediation.person_changed",
        actor=user,
        obj=person,
        data={"active": person.active},
    )
    return person


# --- Sessions -------------------------------------------------------------------------


def training_sessions_visible(*, user: Any) -> QuerySet[TrainingSession]:
    facilities = training_facilities(user=user).values("pk")
    organisations = _organisation_readers(user)
    return TrainingSession.objects.filter(
        Q(facility__in=facilities) | Q(audience_organisation__in=organisations)
    )


def training_session_list(
    *,
    user: Any,
    facility: Facility | None = None,
    organisation: Organisation | None = None,
    topic: str | None = None,
    course: Course | None = None,
) -> QuerySet[TrainingSession]:
    """Sessions the user may read, newest first, with their attendance counted."""
    sessions = training_sessions_visible(user=user)
    if facility is not None:
        sessions = sessions.filter(facility=facility)
    if organisation is not None:
        sessions = sessions.filter(audience_organisation=organisation)
    if topic:
        sessions = sessions.filter(topic=topic)
    if course is not None:
        sessions = sessions.filter(course=course)
    return (
        sessions.select_related(
            "facility", "audience_organisation", "organisation", "course", "measure"
        )
        .annotate(attendance_count=Count("attendance"))
        .order_by("-held_on", "-starts_at", "-created_at")
    )


def training_session_get(*, user: Any, session_id: Any) -> TrainingSession:
    return get_scoped(
        training_sessions_visible(user=user).select_related(
            "facility", "audience_organisation", "organisation", "course", "measure"
        ),
        pk=session_id,
    )


def session_roster(*, user: Any, session: TrainingSession) -> Roster:
    return roster_of(
        user=user,
        facility=session.facility,
        organisation=session.audience_organisation,
    )


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
    course: Course | None,
    measure: Measure | None,
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
                "roles": _role_names(allowed),
            },
        )
    if course is not None and roster.facility is None:
        add(
            "course_id",
            _(
                "Un plan de remediación es de un centro de trabajo; esta sesión es "
                "para una organización."
            ),
        )
    elif course is not None and course.facility_id != roster.owner_id:
        add("course_id", _("El plan de remediación es de otro centro de trabajo."))
    if measure is not None:
        if course is not None and measure.course_id != course.pk:
            add("measure_id", _("La medida no es de ese plan de remediación."))
        wanted = entry_for(measure.type).training_topic
        if wanted and topic in TrainingTopic.values and wanted != topic:
            add(
                "measure_id",
                _("La medida pide capacitación sobre «%(topic)s».")
                % {"topic": TrainingTopic(wanted).label},
            )
    return errors


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
    course: Course | None = None,
    measure: Measure | None = None,
) -> TrainingSession:
    """Record a session held for a facility's personnel or an organisation's staff.

    ``audience_roles`` empty means the whole roster. A course, or a measure
    (whose course is then implied), must be of the same facility; a training
    measure's topic must be the session's.
    """
    roster = roster_of(user=user, facility=facility, organisation=audience_organisation)
    _require_manage(roster)
    if measure is not None and course is None:
        course = measure.course
    if course is not None and not (
        access.courses_visible(user=user).filter(pk=course.pk).exists()
    ):
        raise InvalidInput([{"field": "course_id", "reason": _("No encontrado.")}])
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
        course=course,
        measure=measure,
    )
    if errors:
        raise InvalidInput(errors)
    roles.sort(key=lambda r: _ROLE_ORDER.get(r, 99))
    assert roster.recorder_id is not None  # noqa: S101 - _require_manage
    with transaction.atomic():
        session = TrainingSession(
            organisation_id=roster.recorder_id,
            facility=facility,
            audience_organisation=audience_organisation,
            course=course,
            measure=measure,
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
        session.full_clean(validate_constraints=False, exclude=["audience_roles"])
        session.save()
        audit_record(
            action="remediation.training_recorded",
            actor=user,
            obj=session,
            data={"topic": topic, "held_on": held_on.isoformat()},
        )
    logger.info("remediation.training_recorded", extra={"topic": topic})
    return session


# --- Attendance -----------------------------------------------------------------------


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
    _require_manage(roster)
    _refuse_future(session)
    rows = _read_table(file, required=("identifier",), optional=("name",))
    people = {p.identifier: p for p in roster.people()}
    errors: list[dict[str, Any]] = []
    found: dict[uuid.UUID, Person] = {}
    for row in rows:
        identifier = row.values.get("identifier", "")
        name = row.values.get("name", "")
        if not identifier:
            errors.append(
                _row_error(row.row, "identifier", _("falta el número de persona."))
            )
            continue
        person = people.get(identifier)
        if person is None:
            errors.append(
                _row_error(
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
                _row_error(
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
        raise _rows_rejected(errors)
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
    _require_manage(roster)
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
    _require_manage(roster)
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


def session_attendance(*, session: TrainingSession) -> QuerySet[Person]:
    """The people who attended, by name."""
    return Person.objects.filter(attendance__session=session).order_by(
        "name", "identifier"
    )


# --- Coverage: the arithmetic ---------------------------------------------------------


class RosterEntry(NamedTuple):
    person: Hashable
    role: str
    active: bool = True


class AttendanceEntry(NamedTuple):
    person: Hashable
    topic: str
    during_working_hours: bool = True


def percent_floor(trained: int, people: int) -> Decimal | None:
    """Per cent rounded *down* to one decimal: 199 of 200 is 99.5, and 1999 of
    2000 is 99.9, never 100 until everyone is trained. None without people."""
    if people <= 0:
        return None
    tenths = min(trained, people) * 1000 // people
    return (Decimal(tenths) / 10).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class RoleCoverage:
    role: str
    people: int
    trained: int

    @property
    def percent(self) -> Decimal | None:
        return percent_floor(self.trained, self.people)

    @property
    def complete(self) -> bool:
        return self.people > 0 and self.trained >= self.people

    @property
    def label(self) -> str:
        if self.role in PersonnelRole.values:
            return str(PersonnelRole(self.role).label)
        return self.role

    @property
    def percent_text(self) -> str:
        """For pages: one decimal, "100" only when everyone is trained, "—" with
        nobody on the roster."""
        percent = self.percent
        if percent is None:
            return "—"
        return "100" if self.complete else f"{percent}"

    @property
    def bar_width(self) -> str:
        """The bar's length out of 100, unlocalised for an SVG attribute."""
        return f"{self.percent or 0}"

    def as_json(self) -> dict[str, Any]:
        percent = self.percent
        return {
            "role": self.role,
            "label": self.label,
            "people": self.people,
            "trained": self.trained,
            "percent": float(percent) if percent is not None else None,
            "complete": self.complete,
        }


@dataclass(frozen=True)
class Coverage:
    """Coverage of one roster for a topic (or all of a set of topics)."""

    topics: tuple[str, ...]
    working_hours_only: bool
    roles: tuple[RoleCoverage, ...]
    total: RoleCoverage

    @property
    def complete(self) -> bool:
        """Every role with people at 100 % (and somebody on the roster)."""
        return self.total.people > 0 and all(r.complete for r in self.roles if r.people)

    def as_json(self) -> dict[str, Any]:
        return {
            "topics": list(self.topics),
            "working_hours_only": self.working_hours_only,
            "roles": [r.as_json() for r in self.roles],
            "total": self.total.as_json(),
            "complete": self.complete,
        }


def coverage_count(
    *,
    roster: Iterable[tuple[Hashable, str, bool]],
    attendance: Iterable[tuple[Hashable, str, bool]],
    topics: Iterable[str],
    roles: Sequence[str] = FACILITY_ROLES,
    working_hours_only: bool = False,
) -> Coverage:
    """Count, per role, the active people and those trained on ``topics``.

    ``roster`` rows are (person, role, active); ``attendance`` rows are
    (person, topic, during working hours), one per session attended. A person
    is trained when they attended at least one session on *every* topic given
    (one topic in the usual case); several sessions count once; with
    ``working_hours_only`` a session outside working hours does not count.
    Inactive people, and people whose role is not in ``roles``, count nowhere.
    """
    wanted = frozenset(topics)
    role_list = list(dict.fromkeys(roles))
    in_scope = set(role_list)
    role_of: dict[Hashable, str] = {}
    for person, role, active in roster:
        if active and role in in_scope:
            role_of[person] = role
    seen: dict[Hashable, set[str]] = {}
    for person, topic, during_working_hours in attendance:
        if person not in role_of or topic not in wanted:
            continue
        if working_hours_only and not during_working_hours:
            continue
        seen.setdefault(person, set()).add(topic)
    trained = {p for p, got in seen.items() if wanted and got >= wanted}
    people_per_role = dict.fromkeys(role_list, 0)
    trained_per_role = dict.fromkeys(role_list, 0)
    for person, role in role_of.items():
        people_per_role[role] += 1
        if person in trained:
            trained_per_role[role] += 1
    per_role = tuple(
        RoleCoverage(role=r, people=people_per_role[r], trained=trained_per_role[r])
        for r in role_list
    )
    return Coverage(
        topics=tuple(sorted(wanted)),
        working_hours_only=working_hours_only,
        roles=per_role,
        total=RoleCoverage(
            role="total",
            people=sum(people_per_role.values()),
            trained=sum(trained_per_role.values()),
        ),
    )


# --- Coverage: what feeds it -----------------------------------------------------------


def _roles_for(roster: Roster, present: Iterable[str]) -> list[str]:
    roles = set(roster.roles) | (set() if roster.is_facility else set(present))
    return sorted(roles, key=lambda r: _ROLE_ORDER.get(r, 99))


def _roster_rows_for(roster: Roster) -> list[tuple[Any, str, bool]]:
    return list(roster.people().values_list("pk", "role", "active"))


def _attendance_rows_for(
    roster: Roster, topics: Iterable[str]
) -> list[tuple[Any, str, bool]]:
    return list(
        Attendance.objects.filter(
            **roster.person_filter("person__"), session__topic__in=list(topics)
        ).values_list("person_id", "session__topic", "session__during_working_hours")
    )


def coverage_for(
    *,
    roster: Roster,
    topics: Iterable[str],
    working_hours_only: bool = False,
) -> Coverage:
    """Coverage of a roster the caller may read (two queries)."""
    wanted = list(dict.fromkeys(topics))
    people = _roster_rows_for(roster)
    return coverage_count(
        roster=people,
        attendance=_attendance_rows_for(roster, wanted),
        topics=wanted,
        roles=_roles_for(roster, (role for _pk, role, _active in people)),
        working_hours_only=working_hours_only,
    )


def training_coverage(
    *,
    user: Any,
    facility: Facility | None = None,
    organisation: Organisation | None = None,
    topics: Iterable[str],
    working_hours_only: bool = False,
) -> Coverage:
    """Coverage of a facility's or an organisation's roster, for a reader of it."""
    roster = roster_of(user=user, facility=facility, organisation=organisation)
    return coverage_for(
        roster=roster, topics=topics, working_hours_only=working_hours_only
    )


def protocols_coverage(*, user: Any, organisation: Organisation) -> Coverage:
    """C7: an organisation's officials and partners trained on protocols."""
    return training_coverage(
        user=user, organisation=organisation, topics=[TrainingTopic.PROTOCOLS]
    )


@dataclass(frozen=True)
class MeasureCoverage:
    measure: Measure
    topic: str
    working_hours_only: bool
    coverage: Coverage

    @property
    def topic_label(self) -> str:
        return str(TrainingTopic(self.topic).label)


# The measure whose sessions must be held in normal working hours
# (domain/remediation.md: worker_rights_training).
WORKING_HOURS_MEASURES = frozenset({MeasureType.WORKER_RIGHTS_TRAINING})


def course_coverage(course: Course) -> list[MeasureCoverage]:
    """Coverage of every training measure of a course, against its facility's
    roster: the topic from the catalogue, working hours only where the measure
    asks for it. Two queries whatever the number of measures. The caller has
    already checked that the viewer reads the course."""
    measures = [m for m in course.measures.all() if entry_for(m.type).training_topic]
    if not measures:
        return []
    roster = Roster(facility=course.facility, organisation=None, can_manage=False)
    topics = {str(entry_for(m.type).training_topic) for m in measures}
    people = _roster_rows_for(roster)
    attended = _attendance_rows_for(roster, topics)
    out = []
    for measure in measures:
        topic = str(entry_for(measure.type).training_topic)
        working_hours_only = measure.type in WORKING_HOURS_MEASURES
        out.append(
            MeasureCoverage(
                measure=measure,
                topic=topic,
                working_hours_only=working_hours_only,
                coverage=coverage_count(
                    roster=people,
                    attendance=attended,
                    topics=[topic],
                    roles=FACILITY_ROLES,
                    working_hours_only=working_hours_only,
                ),
            )
        )
    return out
