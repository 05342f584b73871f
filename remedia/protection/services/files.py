"""Writes of a victim file: opening it, editing it, who works it, notes and links.

Every edit that overwrites something (the coded fields, the identity, the
trafficking determination, the risk, the status) carries the `version` the
user saw: the row is locked, a stale version is refused with `StaleVersion`
and nothing is stored, and a stored change bumps the version. Adding (a note,
an assignment, a link) overwrites nothing and needs no version.

Only the people who may read a file may write it (its assigned workers and the
organisation's protection leads, `selectors.files`); anyone else gets the same
`NotFound` a missing file gives. Every write and every read is audited.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import Organisation, User
from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import organisations_for
from remedia.cases.models import Case
from remedia.core import crypto
from remedia.core.audit import audit_record
from remedia.core.errors import (
    ApplicationError,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from remedia.core.geo import MX_STATES, country_code
from remedia.core.kit import full_clean, invalid, invalid_missing, note_body, or_invalid
from remedia.core.sealed import json_open, json_seal, note_seal
from remedia.facilities.models import Facility
from remedia.facilities.selectors import facility_get, facility_merge_target
from remedia.intake.models import Report, ReportRecipient
from remedia.intake.selectors import report_get_for_user
from remedia.protection.identity import (
    IDENTITY_FIELDS,
    MAX_AGE,
    MIN_AGE,
    date_parse,
    identity_clean,
)
from remedia.protection.models import (
    FileAssignment,
    FileNote,
    FileNumber,
    SupportAction,
    VictimFile,
)
from remedia.protection.selectors.files import (
    OpenFile,
    file_can_supervise,
    file_opened,
    files_visible_to,
    protection_workers,
)
from remedia.protection.services.grants import (
    file_grants_prune,
    file_grants_sync,
    file_key,
)
from remedia.protection.vocabulary import (
    CLOSED_STATUSES,
    ISIC_SECTIONS,
    ControlMethod,
    DecisionMaker,
    ExploitationType,
    FileClosureReason,
    FileStatus,
    Gender,
    Recruitment,
    RiskLevel,
    TraffickingStatus,
)

NOTE_MAX = 20_000
# No file in Remedia describes events before this: an earlier date is a typo.
EARLIEST_DATE = date(2000, 1, 1)

# Where a file's status may go: active and follow-up back and forth, either of
# them closed (with a reason); a closed file reopens as active when the person
# comes back.
FILE_TRANSITIONS: dict[str, frozenset[str]] = {
    FileStatus.ACTIVE: frozenset(
        {FileStatus.FOLLOW_UP, FileStatus.CLOSED, FileStatus.CLOSED_REFERRED}
    ),
    FileStatus.FOLLOW_UP: frozenset(
        {FileStatus.ACTIVE, FileStatus.CLOSED, FileStatus.CLOSED_REFERRED}
    ),
    FileStatus.CLOSED: frozenset({FileStatus.ACTIVE}),
    FileStatus.CLOSED_REFERRED: frozenset({FileStatus.ACTIVE}),
}

# A determination of these needs to say who decided it.
DECIDED_STATUSES = frozenset({TraffickingStatus.ACTUAL, TraffickingStatus.NOT_A_VICTIM})

CODED_FIELDS = (
    "identified_on",
    "gender",
    "age_at_identification",
    "citizenship",
    "exploitation_types",
    "control_methods",
    "recruitment",
    "recruitment_state",
    "recruitment_country",
    "exploitation_state",
    "industry",
    "facility_id",
)


class StaleVersion(ApplicationError):
    """The record changed since the user read it: nothing was stored."""

    status_code = 409

    def __init__(self, message: Any = None) -> None:
        super().__init__(
            message
            or _(
                "Otra persona cambió este expediente mientras usted lo editaba; no se "
                "guardó nada. Revise los datos actuales y, si su cambio sigue siendo "
                "correcto, vuelva a guardarlo."
            ),
            extra={"field": "version"},
        )


class KeyLocked(PermissionDenied):
    """The user's key does not open the file here (a token without a key, or a
    grant not yet shared): what needs the sealed text cannot be done."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "Su llave no está desbloqueada para este expediente: no se puede leer "
                "ni cambiar lo que está cifrado. Entre con su contraseña, o espere a "
                "que una persona con acceso abra el expediente."
            )
        )


# --- Who may write ------------------------------------------------------------------


def file_write_require(*, user: User, organisation_id: Any) -> None:
    if organisation_id not in organisations_for(
        user=user, capability=Capability.PROTECTION_WRITE
    ):
        raise PermissionDenied()


def file_writer_require(*, file: VictimFile, user: User) -> None:
    """A reader of the file (assigned or lead) who may write in its organisation.

    Anyone who may not read it gets the `NotFound` of a missing file first.
    """
    if not files_visible_to(user=user).filter(pk=file.pk).exists():
        raise NotFound()
    file_write_require(user=user, organisation_id=file.organisation_id)


def _supervisor_require(*, file: VictimFile, user: User) -> None:
    file_writer_require(file=file, user=user)
    if not file_can_supervise(user=user, file=file):
        raise PermissionDenied(
            _("Solo la supervisión de protección asigna o retira personas.")
        )


# --- Checking values ----------------------------------------------------------------


def version_parse(value: Any) -> int:
    """The version the user saw, as the form or body gave it."""
    if isinstance(value, bool):
        value = None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise invalid(
            "version",
            _("Falta la versión del expediente que vio; recargue la página."),
        ) from None
    return number


def age_check(age: Any, *, field: str = "age_at_identification") -> int | None:
    """An age in years, or None when not known; out of range is refused."""
    if age is None or age == "":
        return None
    if isinstance(age, bool):
        age = "x"
    try:
        value = int(str(age).strip())
    except (TypeError, ValueError):
        raise invalid(field, _("Escriba la edad en años, con número.")) from None
    if not MIN_AGE <= value <= MAX_AGE:
        raise invalid(
            field,
            _("La edad debe estar entre %(low)s y %(high)s años.")
            % {"low": MIN_AGE, "high": MAX_AGE},
        )
    return value


def date_check(value: Any, *, field: str, required: bool = True) -> date | None:
    """A date (or an ISO text), not before `EARLIEST_DATE`."""
    if value in (None, ""):
        if required:
            raise invalid(field, _("Escriba la fecha."))
        return None
    if isinstance(value, str):
        parsed = date_parse(value.strip())
    elif isinstance(value, date):
        parsed = value
    else:
        parsed = None
    if parsed is None:
        raise invalid(field, _("Escriba la fecha como AAAA-MM-DD."))
    if parsed < EARLIEST_DATE:
        raise invalid(
            field,
            _("Revise la fecha: no puede ser anterior a %(year)s.")
            % {"year": EARLIEST_DATE.year},
        )
    return parsed


def date_not_future(value: date, *, field: str) -> date:
    if value > timezone.localdate():
        raise invalid(field, _("La fecha no puede estar en el futuro."))
    return value


def _past_day(value: Any, *, field: str) -> date:
    """A required date, neither absurdly old nor in the future."""
    day = date_check(value, field=field, required=False)
    if day is None:
        raise invalid(field, _("Escriba la fecha."))
    return date_not_future(day, field=field)


def transition_require(
    *,
    previous: str,
    status: str,
    transitions: dict[str, frozenset[str]],
    labels: dict[str, Any],
    same: Any,
    refused: Any,
) -> None:
    """`status` may follow `previous`; otherwise the reason, on the field `status`."""
    if status == previous:
        raise invalid("status", same)
    if status not in transitions[previous]:
        raise invalid(
            "status", refused % {"from": labels[previous], "to": labels[status]}
        )


def _choice(value: Any, *, field: str, choices: Any) -> str:
    if not isinstance(value, str) or value not in choices:
        raise invalid(field, _("Elija una opción de la lista."))
    return value


def _codes(value: Any, *, field: str, choices: Any) -> list[str]:
    """A list of vocabulary codes, without repeats, in the vocabulary's order."""
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise invalid(field, _("Debe ser una lista de códigos."))
    unknown = [str(v)[:40] for v in value if not isinstance(v, str) or v not in choices]
    if unknown:
        raise invalid(
            field,
            _("Código desconocido: %(codes)s.") % {"codes": ", ".join(unknown[:5])},
        )
    given = set(value)
    return [code for code in choices if code in given]


def _country(value: Any, *, field: str) -> str:
    if value in (None, ""):
        return ""
    code = country_code(value) if isinstance(value, str) else None
    if code is None:
        raise invalid(
            field,
            _("Use el código de dos letras de un país (ISO 3166-1), p. ej. MX o GT."),
        )
    return code


def _state(value: Any, *, field: str) -> str:
    if value in (None, ""):
        return ""
    if not isinstance(value, str) or value not in MX_STATES:
        raise invalid(field, _("Elija un estado de México de la lista."))
    return value


def _facility(value: Any) -> Facility | None:
    if value in (None, ""):
        return None
    facility = or_invalid(lambda: facility_get(facility_id=value), field="facility_id")
    return facility_merge_target(facility=facility)


def _coded_one(name: str, value: Any) -> tuple[str, Any]:
    """(model field, cleaned value) of one coded field."""
    if name == "identified_on":
        return name, _past_day(value, field=name)
    if name == "gender":
        return name, _choice(value, field=name, choices=Gender.values)
    if name == "age_at_identification":
        return name, age_check(value)
    if name in ("citizenship", "recruitment_country"):
        return name, _country(value, field=name)
    if name == "exploitation_types":
        return name, _codes(value, field=name, choices=ExploitationType.values)
    if name == "control_methods":
        return name, _codes(value, field=name, choices=ControlMethod.values)
    if name == "recruitment":
        return name, _choice(value, field=name, choices=Recruitment.values)
    if name in ("recruitment_state", "exploitation_state"):
        return name, _state(value, field=name)
    if name == "industry":
        return name, _choice(value, field=name, choices=list(ISIC_SECTIONS))
    if name in ("facility_id", "facility"):
        if isinstance(value, Facility):
            return "facility", facility_merge_target(facility=value)
        return "facility", _facility(value)
    raise invalid(name, _("Este campo no se admite."))


def coded_clean(data: dict[str, Any]) -> dict[str, Any]:
    """The coded fields of `data`, cleaned, keyed by model field; every problem
    at once. Fields left out are not in the answer."""
    errors: list[dict[str, Any]] = []
    cleaned: dict[str, Any] = {}
    for name, value in data.items():
        try:
            field, clean = _coded_one(name, value)
        except InvalidInput as exc:
            errors += exc.errors
        else:
            cleaned[field] = clean
    if errors:
        raise InvalidInput(errors)
    return cleaned


def _recruitment_place_check(file: VictimFile) -> None:
    if file.recruitment_state and file.recruitment_country not in ("", "MX"):
        raise invalid(
            "recruitment_state",
            _(
                "El estado de reclutamiento es de México: deje el país vacío o "
                "ponga MX, o quite el estado."
            ),
        )


def _trafficking_clean(status: Any, decided_by: Any) -> tuple[str, str]:
    """(status, decided_by) of a determination; every problem at once."""
    errors: list[dict[str, Any]] = []
    try:
        status = _choice(
            status, field="trafficking_status", choices=TraffickingStatus.values
        )
    except InvalidInput as exc:
        errors += exc.errors
    decided_by = decided_by or ""
    if decided_by and decided_by not in DecisionMaker.values:
        errors.append(
            {
                "field": "trafficking_decided_by",
                "reason": _("Elija una opción de la lista."),
            }
        )
    elif status in DECIDED_STATUSES and not decided_by:
        errors.append(
            {
                "field": "trafficking_decided_by",
                "reason": _(
                    "Diga quién lo determinó: es obligatorio para confirmar o "
                    "descartar que sea víctima de trata."
                ),
            }
        )
    elif status == TraffickingStatus.UNDETERMINED and decided_by:
        errors.append(
            {
                "field": "trafficking_decided_by",
                "reason": _(
                    "Sin determinar no lleva quién lo determinó: elija también "
                    "la situación."
                ),
            }
        )
    if errors:
        raise InvalidInput(errors)
    return status, decided_by


def _determination_clean(data: dict[str, Any], *, user: User) -> dict[str, Any]:
    """A file opened with its determination or risk already known (model fields)."""
    out: dict[str, Any] = {}
    now = timezone.now()
    if "trafficking_status" in data or "trafficking_decided_by" in data:
        status, decided_by = _trafficking_clean(
            data.get("trafficking_status", TraffickingStatus.UNDETERMINED),
            data.get("trafficking_decided_by", ""),
        )
        out.update(trafficking_status=status, trafficking_decided_by=decided_by)
        if status != TraffickingStatus.UNDETERMINED:
            out.update(trafficking_decided_by_user=user, trafficking_decided_at=now)
    if "risk_level" in data:
        level = _choice(
            data["risk_level"], field="risk_level", choices=RiskLevel.values
        )
        out.update(
            risk_level=level,
            risk_assessed_at=None if level == RiskLevel.UNASSESSED else now,
        )
    return out


# --- Locking and saving -------------------------------------------------------------


Versioned = TypeVar("Versioned", VictimFile, SupportAction)


def locked_at(
    rows: QuerySet[Versioned], *, pk: Any, version: Any, stale: Any = None
) -> Versioned:
    """The row, locked, if nobody changed it since `version` (`StaleVersion`)."""
    expected = version_parse(version)
    # Only the row itself: PostgreSQL refuses to lock the nullable side of the
    # outer joins a caller's select_related adds (the facility, the owner).
    locked = rows.select_for_update(of=("self",)).get(pk=pk)
    if locked.version != expected:
        raise StaleVersion(stale)
    return locked


def saved_versioned(row: VictimFile | SupportAction, fields: list[str]) -> None:
    """Save the fields and move the version on."""
    row.version = F("version") + 1
    row.save(update_fields=sorted({*fields, "version", "updated_at"}))
    row.refresh_from_db(fields=["version"])


def _locked(file: VictimFile, version: Any) -> VictimFile:
    return locked_at(
        VictimFile.objects.select_related("organisation", "facility"),
        pk=file.pk,
        version=version,
    )


def _save(file: VictimFile, fields: list[str]) -> None:
    saved_versioned(file, fields)


def _number_next(year: int) -> str:
    FileNumber.objects.get_or_create(year=year)
    row = FileNumber.objects.select_for_update().get(year=year)
    row.last += 1
    row.save(update_fields=["last"])
    return f"EXP-{year}-{row.last:04d}"


# --- Opening ------------------------------------------------------------------------


@transaction.atomic
def file_open(
    *,
    organisation: Organisation,
    opened_by: User,
    identity: dict[str, Any],
    identified_on: date | None = None,
    fields: dict[str, Any] | None = None,
    identity_prefix: str = "",
) -> VictimFile:
    """Open a file in `organisation`, sealed; the opener is its first worker.

    `fields` may set the coded fields (`CODED_FIELDS`: gender,
    age_at_identification, citizenship, exploitation_state, facility_id...).
    The identity is sealed to the file's new key, which is sealed to the
    opener, the organisation's protection leads and its escrow; the server
    keeps no way to read it.
    """
    file_write_require(user=opened_by, organisation_id=organisation.pk)
    errors: list[dict[str, Any]] = []
    cleaned: dict[str, str] = {}
    coded: dict[str, Any] = {}
    try:
        cleaned = identity_clean(identity, prefix=identity_prefix)
    except InvalidInput as exc:
        errors += exc.errors
    fields = dict(fields or {})
    determination: dict[str, Any] = {
        name: fields.pop(name)
        for name in ("trafficking_status", "trafficking_decided_by", "risk_level")
        if name in fields
    }
    try:
        coded = coded_clean(fields)
    except InvalidInput as exc:
        errors += exc.errors
    try:
        coded.update(_determination_clean(determination, user=opened_by))
    except InvalidInput as exc:
        errors += exc.errors
    day = timezone.localdate()
    try:
        day = _past_day(identified_on or day, field="identified_on")
    except InvalidInput as exc:
        errors += exc.errors
    if errors:
        raise InvalidInput(errors)
    day = coded.pop("identified_on", day)
    pair = crypto.keypair_new()
    public, private = pair.public, pair.private
    file = VictimFile(
        organisation=organisation,
        number="pending",
        public_key=public,
        identity=json_seal(cleaned, public_key=public),
        identified_on=day,
        created_by=opened_by,
        **coded,
    )
    _recruitment_place_check(file)
    full_clean(file, exclude=["number"])
    file.number = _number_next(day.year)
    file.save()
    FileAssignment.objects.create(file=file, user=opened_by, assigned_by=opened_by)
    file_grants_sync(file=file, file_private=private, fresh=True)
    audit_record(
        action="protection.file_opened",
        actor=opened_by,
        organisation=organisation,
        obj=file,
    )
    return file


# --- Reading ------------------------------------------------------------------------


@dataclass(frozen=True)
class FileReading:
    """A file as its reader opened it, and the key the page's sections need."""

    opened: OpenFile
    file_private: bytes | None


def files_listed(*, user: User, files: list[VictimFile], via: str = "page") -> None:
    """Audit a list of files shown (numbers, ages, trafficking status, risk are
    about victims too): which files, by whom, from where. Nothing when empty."""
    if not files:
        return
    audit_record(
        action="protection.files_listed",
        actor=user,
        data={"files": [str(f.pk) for f in files], "via": via},
    )


def file_read(
    *,
    file: VictimFile,
    user: User,
    user_private_key: bytes | None,
    via: str = "page",
) -> FileReading:
    """Open a file for one of its readers (decrypted where the key opens); audited.

    Whoever opens the file also seals its key to readers who lack a grant (a
    worker assigned by a lead whose key was locked, a new lead), which the
    server cannot do alone, and drops the grants of former readers.
    """
    file_private = file_key(file=file, user=user, user_private_key=user_private_key)
    audit_record(
        action="protection.file_read",
        actor=user,
        organisation=file.organisation,
        obj=file,
        data={"decrypted": file_private is not None, "via": via},
    )
    if file_private is not None:
        shared = file_grants_sync(file=file, file_private=file_private)
        if shared:
            audit_record(
                action="protection.file_key_shared",
                actor=user,
                organisation=file.organisation,
                obj=file,
                data={"grants": shared},
            )
    return FileReading(
        opened=file_opened(file=file, file_private=file_private),
        file_private=file_private,
    )


# --- Editing ------------------------------------------------------------------------


@transaction.atomic
def file_update(
    *, file: VictimFile, user: User, version: Any, changes: dict[str, Any]
) -> VictimFile:
    """Change some coded fields (`CODED_FIELDS`); those left out stay as they are."""
    file_writer_require(file=file, user=user)
    cleaned = coded_clean(changes)
    file = _locked(file, version)
    changed = [name for name, value in cleaned.items() if getattr(file, name) != value]
    for name in changed:
        setattr(file, name, cleaned[name])
    if not changed:
        return file
    _recruitment_place_check(file)
    full_clean(file, validate_unique=False)
    _save(file, changed)
    audit_record(
        action="protection.file_updated",
        actor=user,
        organisation=file.organisation,
        obj=file,
        data={"fields": sorted(changed)},
    )
    return file


@transaction.atomic
def file_identity_update(
    *,
    file: VictimFile,
    user: User,
    version: Any,
    user_private_key: bytes | None,
    identity: dict[str, Any],
    prefix: str = "",
) -> VictimFile:
    """Change the sealed identity: the fields given replace theirs, the rest stay.

    The whole identity is opened with the user's key and sealed again; without
    the key nothing can be merged, so nothing changes (`KeyLocked`).
    """
    file_writer_require(file=file, user=user)
    file_private = file_key(file=file, user=user, user_private_key=user_private_key)
    if file_private is None:
        raise KeyLocked()
    file = _locked(file, version)
    current = {
        name: str(value)
        for name, value in json_open(
            bytes(file.identity), private_key=file_private
        ).items()
    }
    given = {name: value for name, value in identity.items() if name in IDENTITY_FIELDS}
    cleaned = identity_clean({**current, **given}, prefix=prefix)
    changed = sorted(n for n in IDENTITY_FIELDS if cleaned[n] != current.get(n, ""))
    if not changed:
        return file
    file.identity = json_seal(cleaned, public_key=bytes(file.public_key))
    _save(file, ["identity"])
    audit_record(
        action="protection.identity_updated",
        actor=user,
        organisation=file.organisation,
        obj=file,
        data={"fields": changed},
    )
    return file


@transaction.atomic
def file_trafficking_determine(
    *,
    file: VictimFile,
    user: User,
    version: Any,
    status: Any,
    decided_by: Any = "",
) -> VictimFile:
    """Record the trafficking status and which kind of institution decided it.

    "Actual" and "not a victim" are determinations someone made: they need the
    decision maker. Who recorded it and when are kept with it.
    """
    file_writer_require(file=file, user=user)
    status, decided_by = _trafficking_clean(status, decided_by)
    file = _locked(file, version)
    if (status, decided_by) == (file.trafficking_status, file.trafficking_decided_by):
        return file
    previous = file.trafficking_status
    undetermined = status == TraffickingStatus.UNDETERMINED
    file.trafficking_status = status
    file.trafficking_decided_by = decided_by
    file.trafficking_decided_by_user = None if undetermined else user
    file.trafficking_decided_at = None if undetermined else timezone.now()
    _save(
        file,
        [
            "trafficking_status",
            "trafficking_decided_by",
            "trafficking_decided_by_user",
            "trafficking_decided_at",
        ],
    )
    audit_record(
        action="protection.trafficking_determined",
        actor=user,
        organisation=file.organisation,
        obj=file,
        data={"from": previous, "to": status, "decided_by": decided_by},
    )
    return file


@transaction.atomic
def file_risk_assess(
    *, file: VictimFile, user: User, version: Any, risk_level: Any
) -> VictimFile:
    """Record a risk assessment now (the same level again is a new assessment)."""
    file_writer_require(file=file, user=user)
    level = _choice(risk_level, field="risk_level", choices=RiskLevel.values)
    file = _locked(file, version)
    previous = file.risk_level
    if level == previous == RiskLevel.UNASSESSED:
        return file
    file.risk_level = level
    file.risk_assessed_at = None if level == RiskLevel.UNASSESSED else timezone.now()
    _save(file, ["risk_level", "risk_assessed_at"])
    audit_record(
        action="protection.risk_assessed",
        actor=user,
        organisation=file.organisation,
        obj=file,
        data={"from": previous, "to": level},
    )
    return file


@transaction.atomic
def file_status_change(
    *,
    file: VictimFile,
    user: User,
    version: Any,
    status: Any,
    closure_reason: Any = "",
) -> VictimFile:
    """Move the file along active ↔ follow-up → closed (with a reason) → reopened.

    Closing writes the status only: referrals in progress are the referrals'
    to revoke, consent the consent's to keep.
    """
    file_writer_require(file=file, user=user)
    status = _choice(status, field="status", choices=FileStatus.values)
    closure_reason = closure_reason or ""
    closing = status in CLOSED_STATUSES
    if closure_reason and closure_reason not in FileClosureReason.values:
        raise invalid("closure_reason", _("Elija una opción de la lista."))
    if closing and not closure_reason:
        raise invalid("closure_reason", _("Diga por qué se cierra el expediente."))
    if not closing and closure_reason:
        raise invalid("closure_reason", _("El motivo de cierre solo se da al cerrar."))
    file = _locked(file, version)
    previous = file.status
    transition_require(
        previous=previous,
        status=status,
        transitions=FILE_TRANSITIONS,
        labels=dict(FileStatus.choices),
        same=_("El expediente ya está en ese estado."),
        refused=_("Un expediente «%(from)s» no puede pasar a «%(to)s»."),
    )
    file.status = status
    file.closure_reason = closure_reason
    file.closed_at = timezone.now() if closing else None
    full_clean(file, validate_unique=False)
    _save(file, ["status", "closure_reason", "closed_at"])
    audit_record(
        action="protection.file_status_changed",
        actor=user,
        organisation=file.organisation,
        obj=file,
        data={"from": previous, "to": status, "reason": closure_reason},
    )
    return file


@transaction.atomic
def file_patch(
    *,
    file: VictimFile,
    user: User,
    version: Any,
    user_private_key: bytes | None = None,
    fields: dict[str, Any] | None = None,
    identity: dict[str, Any] | None = None,
    trafficking: dict[str, Any] | None = None,
    risk_level: Any = None,
    status: dict[str, Any] | None = None,
) -> VictimFile:
    """Several edits of one file at once, against the one version the user saw:
    all of them are stored, or none (the API's PATCH)."""
    file_writer_require(file=file, user=user)
    file = _locked(file, version)
    if fields:
        file = file_update(file=file, user=user, version=file.version, changes=fields)
    if identity is not None:
        file = file_identity_update(
            file=file,
            user=user,
            version=file.version,
            user_private_key=user_private_key,
            identity=identity,
            prefix="identity.",
        )
    if trafficking is not None:
        file = file_trafficking_determine(
            file=file, user=user, version=file.version, **trafficking
        )
    if risk_level is not None:
        file = file_risk_assess(
            file=file, user=user, version=file.version, risk_level=risk_level
        )
    if status is not None:
        file = file_status_change(file=file, user=user, version=file.version, **status)
    return file


# --- Who works the file -------------------------------------------------------------


def _worker(file: VictimFile, user_id: Any) -> User:
    try:
        key = uuid.UUID(str(user_id))
    except (TypeError, ValueError):
        key = None
    found = next(
        (
            w
            for w in protection_workers(organisation_id=file.organisation_id)
            if w.pk == key
        ),
        None,
    )
    if found is None:
        raise invalid(
            "user_id",
            _("Elija a una persona del equipo de protección de la organización."),
        )
    return found


@transaction.atomic
def file_assign(
    *,
    file: VictimFile,
    user: User,
    worker_id: Any,
    user_private_key: bytes | None,
) -> FileAssignment:
    """A lead assigns a protection worker of the file's organisation.

    The new reader can open the file once its key is sealed to them: the lead
    does it here when their own key is unlocked; otherwise the next reader who
    opens the file does (`file_read`).
    """
    _supervisor_require(file=file, user=user)
    worker = _worker(file, worker_id)
    if FileAssignment.objects.filter(file=file, user=worker).exists():
        raise invalid("user_id", _("Esa persona ya está asignada al expediente."))
    assignment = FileAssignment.objects.create(file=file, user=worker, assigned_by=user)
    file_private = file_key(file=file, user=user, user_private_key=user_private_key)
    shared = (
        file_grants_sync(file=file, file_private=file_private)
        if file_private is not None
        else 0
    )
    audit_record(
        action="protection.file_assigned",
        actor=user,
        organisation=file.organisation,
        obj=file,
        data={"user": str(worker.pk), "key_shared": bool(shared)},
    )
    return assignment


@transaction.atomic
def file_unassign(*, file: VictimFile, user: User, worker_id: Any) -> None:
    """A lead takes a worker off the file; their key grant goes at once."""
    _supervisor_require(file=file, user=user)
    try:
        key = uuid.UUID(str(worker_id))
    except (TypeError, ValueError):
        raise invalid(
            "user_id", _("Esa persona no está asignada a este expediente.")
        ) from None
    deleted, _rows = FileAssignment.objects.filter(file=file, user_id=key).delete()
    if not deleted:
        raise invalid("user_id", _("Esa persona no está asignada a este expediente."))
    file_grants_prune(file=file)
    audit_record(
        action="protection.file_unassigned",
        actor=user,
        organisation=file.organisation,
        obj=file,
        data={"user": str(key)},
    )


# --- Notes --------------------------------------------------------------------------


@transaction.atomic
def file_note_add(*, file: VictimFile, user: User, body: Any) -> FileNote:
    """A follow-up note, sealed to the file's key (writing it needs no key)."""
    file_writer_require(file=file, user=user)
    text = note_body(body, limit=NOTE_MAX)
    note = FileNote.objects.create(
        file=file,
        author=user,
        content=note_seal(text, public_key=bytes(file.public_key)),
    )
    audit_record(
        action="protection.file_note_added",
        actor=user,
        organisation=file.organisation,
        obj=file,
        data={"note": str(note.pk)},
    )
    return note


# --- Links to reports and cases -----------------------------------------------------


def _link_audit(action: str, *, file: VictimFile, user: User, **data: Any) -> None:
    audit_record(
        action=action,
        actor=user,
        organisation=file.organisation,
        obj=file,
        data={k: str(v) for k, v in data.items()},
    )


@transaction.atomic
def file_report_link(*, file: VictimFile, user: User, report_id: Any) -> Report:
    """Link a report routed to the file's organisation that the user may read.

    The person who reported never learns of the link: their receipt shows
    nothing of the file.
    """
    file_writer_require(file=file, user=user)
    report = or_invalid(
        lambda: report_get_for_user(viewer=user, report_id=report_id),
        field="report_id",
    )
    if not ReportRecipient.objects.filter(
        report=report, organisation_id=file.organisation_id
    ).exists():
        raise invalid_missing("report_id")
    if file.reports.filter(pk=report.pk).exists():
        raise invalid("report_id", _("Esa denuncia ya está ligada al expediente."))
    file.reports.add(report)
    _link_audit("protection.report_linked", file=file, user=user, report=report.pk)
    return report


@transaction.atomic
def file_report_unlink(*, file: VictimFile, user: User, report_id: Any) -> None:
    file_writer_require(file=file, user=user)
    report = _linked(file.reports.all(), report_id, field="report_id")
    file.reports.remove(report)
    _link_audit("protection.report_unlinked", file=file, user=user, report=report.pk)


def _case_of(file: VictimFile, ref: Any) -> Case:
    """A case of the file's organisation by id or by its number (CASO-2026-0001)."""
    text = str(ref or "").strip()
    cases = Case.objects.filter(organisation_id=file.organisation_id)
    try:
        found = cases.filter(pk=uuid.UUID(text)).first()
    except ValueError:
        found = cases.filter(number__iexact=text[:16]).first() if text else None
    if found is None:
        raise invalid(
            "case",
            _("No hay un caso con ese número en la organización del expediente."),
        )
    return found


@transaction.atomic
def file_case_link(*, file: VictimFile, user: User, case_ref: Any) -> Case:
    """Link a case of the file's organisation, by its id or its number."""
    file_writer_require(file=file, user=user)
    case = _case_of(file, case_ref)
    if file.cases.filter(pk=case.pk).exists():
        raise invalid("case", _("Ese caso ya está ligado al expediente."))
    file.cases.add(case)
    _link_audit("protection.case_linked", file=file, user=user, case=case.pk)
    return case


@transaction.atomic
def file_case_unlink(*, file: VictimFile, user: User, case_id: Any) -> None:
    file_writer_require(file=file, user=user)
    case = _linked(file.cases.all(), case_id, field="case")
    file.cases.remove(case)
    _link_audit("protection.case_unlinked", file=file, user=user, case=case.pk)


def _linked(rows: Any, pk: Any, *, field: str) -> Any:
    try:
        found = rows.filter(pk=uuid.UUID(str(pk))).first()
    except ValueError:
        found = None
    if found is None:
        raise invalid(field, _("No está ligado a este expediente."))
    return found
