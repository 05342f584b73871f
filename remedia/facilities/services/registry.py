"""Registry records: create, update, aliases, status, merge.

Issue 4, items 1 and 5: field sources, history, closed/moved, merge.
"""

from __future__ import annotations

import logging
import zlib
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import User
from remedia.core.audit import audit_record
from remedia.core.errors import ApplicationError, InvalidInput, NotFound
from remedia.core.geo import state_code
from remedia.core.kit import clean_text, invalid_from
from remedia.facilities.matching import REVIEW, record_key
from remedia.facilities.models import (
    CandidateStatus,
    Facility,
    FacilityAlias,
    FacilityEvent,
    FacilityEventKind,
    FacilityMatchCandidate,
    FacilityStatus,
    MatchDecision,
)
from remedia.facilities.normalise import normalise_name
from remedia.facilities.services.matcher import (
    MatchResult,
    facility_index,
    match_decision_remember,
    match_record,
)
from remedia.facilities.signals import facility_merged

logger = logging.getLogger(__name__)


_EDITABLE_FIELDS = (
    "name",
    "legal_name",
    "address",
    "municipality",
    "state",
    "sector",
    "workers",
    "unions",
    "employer_group",
    "os_id",
    "external_id",
    "lat",
    "lng",
)
# Fields that change which words find the facility: a change re-indexes it.
_NAME_FIELDS = ("name", "legal_name")
# Filled on the record that stays from the merged one, where it has nothing.
_MERGE_FILL_FIELDS = (
    "legal_name",
    "address",
    "municipality",
    "sector",
    "workers",
    "unions",
    "employer_group",
    "os_id",
)
# A person may set these; `merged` only comes from `facility_merge`.
_SETTABLE_STATUSES = frozenset(
    {FacilityStatus.ACTIVE, FacilityStatus.CLOSED, FacilityStatus.MOVED}
)


def facility_source_for_user(user: Any) -> str:
    """The `source` recorded for a change a person made in the staff pages."""
    return f"user:{user.get_username()}"[:120]


def _json_value(value: Any) -> Any:
    """A field's value as it is kept in an event (JSON has no Decimal or date)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


def _refuse_merged(facility: Facility) -> None:
    if facility.status == FacilityStatus.MERGED:
        raise ApplicationError(
            _(
                "Este registro se fusionó con %(public_id)s: haga los cambios en "
                "ese registro."
            )
            % {"public_id": _public_id_of(facility.merged_into_id)}
        )


def _public_id_of(facility_id: Any) -> str:
    if facility_id is None:
        return "—"
    return (
        Facility.objects.filter(pk=facility_id)
        .values_list("public_id", flat=True)
        .first()
        or "—"
    )


def _mark_sources(
    facility: Facility, fields: list[str], *, source: str, at: Any
) -> None:
    sources = dict(facility.field_sources or {})
    for name in fields:
        sources[name] = {"source": source, "at": at.isoformat()}
    facility.field_sources = sources


def _event(
    *,
    facility: Facility,
    kind: str,
    actor: Any,
    source: str,
    changes: dict[str, Any],
) -> FacilityEvent:
    return FacilityEvent.objects.create(
        facility=facility,
        kind=kind,
        # A partner system (a partner token) is no user: its name is in `source`.
        actor=actor if isinstance(actor, User) and actor.is_authenticated else None,
        source=source[:120],
        changes=changes,
    )


def _locked(facility: Facility) -> Facility:
    return Facility.objects.select_for_update().get(pk=facility.pk)


@transaction.atomic
def facility_create(*, data: dict[str, Any], actor: Any, source: str) -> Facility:
    """A new facility, with the source of each field given and a `created` event."""
    unknown = sorted(set(data) - set(_EDITABLE_FIELDS))
    if unknown:
        raise InvalidInput(
            [{"field": name, "reason": _("Campo desconocido.")} for name in unknown]
        )
    facility = Facility(**data)
    try:
        facility.full_clean()
    except ValidationError as exc:
        raise invalid_from(exc, non_field="") from None
    given = [
        name for name in _EDITABLE_FIELDS if getattr(facility, name) not in (None, "")
    ]
    _mark_sources(facility, given, source=source, at=timezone.now())
    facility.save()
    _event(
        facility=facility,
        kind=FacilityEventKind.CREATED,
        actor=actor,
        source=source,
        changes={name: [None, _json_value(getattr(facility, name))] for name in given},
    )
    audit_record(
        action="facility.created",
        actor=actor,
        obj=facility,
        data={"public_id": facility.public_id, "source": source},
    )
    facility_index(facility=facility)
    logger.info(
        "facility.created",
        extra={"facility": str(facility.pk), "fields": len(given)},
    )
    return facility


@transaction.atomic
def facility_update(
    *, facility: Facility, changes: dict[str, Any], actor: Any, source: str
) -> Facility:
    """Change some fields; record {field: [before, after]} and where each came from.

    Values that turn out equal to what is stored (after cleaning: "21.88" and
    Decimal("21.880000") are one latitude) change nothing and write no event,
    so a re-imported file leaves no trace of a change that did not happen.
    """
    unknown = sorted(set(changes) - set(_EDITABLE_FIELDS))
    if unknown:
        raise InvalidInput(
            [
                {"field": name, "reason": _("Este campo no se puede cambiar así.")}
                for name in unknown
            ]
        )
    facility = _locked(facility)
    _refuse_merged(facility)
    before = {name: getattr(facility, name) for name in changes}
    for name, value in changes.items():
        setattr(facility, name, value)
    try:
        facility.full_clean()
    except ValidationError as exc:
        raise invalid_from(exc, non_field="") from None
    changed = {
        name: [_json_value(before[name]), _json_value(getattr(facility, name))]
        for name in changes
        if getattr(facility, name) != before[name]
    }
    if not changed:
        return facility
    _mark_sources(facility, list(changed), source=source, at=timezone.now())
    facility.save()
    if "name" in changed and before["name"]:
        # Workers and old lists keep using the name a facility had: it stays as
        # another name. (Not so for a legal name: imports update those, and the
        # old one is in the event.)
        _alias_attach(facility=facility, name=before["name"], source=source)
    _event(
        facility=facility,
        kind=FacilityEventKind.UPDATED,
        actor=actor,
        source=source,
        changes=changed,
    )
    audit_record(
        action="facility.updated",
        actor=actor,
        obj=facility,
        data={"fields": sorted(changed), "source": source},
    )
    if set(_NAME_FIELDS) & set(changed):
        facility_index(facility=facility)
    return facility


def _alias_attach(
    *, facility: Facility, name: str, source: str
) -> FacilityAlias | None:
    """Add `name` as another name of `facility` unless it already is one of its names."""
    key = normalise_name(name)
    if not key or key in {
        normalise_name(facility.name),
        normalise_name(facility.legal_name),
    }:
        return None
    if FacilityAlias.objects.filter(facility=facility, name_key=key).exists():
        return None
    alias = FacilityAlias(
        facility=facility, name=name.strip()[:255], name_key=key[:255], source=source
    )
    alias.full_clean()
    alias.save()
    return alias


@transaction.atomic
def facility_alias_add(
    *, facility: Facility, name: str, actor: Any, source: str
) -> FacilityAlias:
    """Another name the facility is known by: how workers or a brand's list say it."""
    facility = _locked(facility)
    _refuse_merged(facility)
    cleaned = " ".join((name or "").split())
    if not normalise_name(cleaned):
        raise InvalidInput(
            [{"field": "name", "reason": _("Escriba el otro nombre del centro.")}]
        )
    if len(cleaned) > 255:
        raise InvalidInput(
            [{"field": "name", "reason": _("El nombre es demasiado largo.")}]
        )
    alias = _alias_attach(facility=facility, name=cleaned, source=source)
    if alias is None:
        raise InvalidInput(
            [
                {
                    "field": "name",
                    "reason": _("El centro ya se conoce con ese nombre."),
                }
            ]
        )
    _event(
        facility=facility,
        kind=FacilityEventKind.ALIAS_ADDED,
        actor=actor,
        source=source,
        changes={"alias": [None, alias.name]},
    )
    audit_record(
        action="facility.alias_added",
        actor=actor,
        obj=facility,
        data={"alias": str(alias.pk), "source": source},
    )
    facility_index(facility=facility)
    return alias


@transaction.atomic
def facility_status_change(
    *, facility: Facility, status: str, actor: Any, source: str = ""
) -> Facility:
    """Mark a facility closed, moved, or in operation again.

    Closed and moved facilities stay in the registry with their history:
    reports and cases about them remain, and a worker may still name them.
    `source` defaults to the person acting (or "system" without one).
    """
    if status not in _SETTABLE_STATUSES:
        raise InvalidInput(
            [
                {
                    "field": "status",
                    "reason": _(
                        "Elija «en operación», «cerrado» o «se mudó». Para unir dos "
                        "registros del mismo centro use la fusión."
                    ),
                }
            ]
        )
    facility = _locked(facility)
    _refuse_merged(facility)
    if facility.status == status:
        return facility
    previous = facility.status
    facility.status = status
    if not source:
        source = facility_source_for_user(actor) if actor is not None else "system"
    _mark_sources(facility, ["status"], source=source, at=timezone.now())
    facility.save()
    _event(
        facility=facility,
        kind=FacilityEventKind.STATUS_CHANGED,
        actor=actor,
        source=source,
        changes={"status": [previous, status]},
    )
    audit_record(
        action="facility.status_changed",
        actor=actor,
        obj=facility,
        data={"from": previous, "to": status},
    )
    return facility


@dataclass(frozen=True)
class MergeResult:
    keep: Facility
    merge: Facility
    aliases_added: int
    fields_filled: list[str]


@transaction.atomic
def facility_merge(*, keep: Facility, merge: Facility, actor: Any) -> MergeResult:
    """`merge` turned out to be the same facility as `keep`: fold it into `keep`.

    `merge` stays as a record (status `merged`, `merged_into` = keep) so its
    public id and old links keep working; its names become aliases of `keep`,
    its aliases move, fields `keep` lacks are filled from it, and every app
    holding rows about it re-points them through `facility_merged`. Both keep
    their history.
    """
    if keep.pk == merge.pk:
        raise ApplicationError(_("Un registro no puede fusionarse consigo mismo."))
    # Lock both rows in one order, so two merges of the same pair cannot deadlock.
    locked = {
        f.pk: f
        for f in Facility.objects.select_for_update()
        .filter(pk__in=[keep.pk, merge.pk])
        .order_by("pk")
    }
    if len(locked) != 2:
        raise NotFound()
    keep, merge = locked[keep.pk], locked[merge.pk]
    if merge.status == FacilityStatus.MERGED:
        raise ApplicationError(
            _("%(merge)s ya se fusionó con %(into)s.")
            % {"merge": merge.public_id, "into": _public_id_of(merge.merged_into_id)}
        )
    if keep.status == FacilityStatus.MERGED:
        raise ApplicationError(
            _(
                "%(keep)s ya se fusionó con %(into)s: no se puede fusionar otro "
                "registro con él. Use %(into)s."
            )
            % {"keep": keep.public_id, "into": _public_id_of(keep.merged_into_id)}
        )
    now = timezone.now()
    source = f"merge:{merge.public_id}"

    # Names of the merged record become names of the one that stays.
    added = 0
    for name in (merge.name, merge.legal_name):
        if name and _alias_attach(facility=keep, name=name, source=source):
            added += 1
    for alias in list(merge.aliases.all()):
        if _alias_attach(facility=keep, name=alias.name, source=alias.source):
            added += 1
        alias.delete()

    # What `keep` does not know, the merged record may.
    filled: dict[str, list[Any]] = {}
    for name in _MERGE_FILL_FIELDS:
        if getattr(keep, name) in (None, "") and getattr(merge, name) not in (
            None,
            "",
        ):
            setattr(keep, name, getattr(merge, name))
            filled[name] = [None, _json_value(getattr(merge, name))]
    if keep.lat is None and keep.lng is None and merge.lat is not None:
        keep.lat, keep.lng = merge.lat, merge.lng
        filled["lat"] = [None, _json_value(merge.lat)]
        filled["lng"] = [None, _json_value(merge.lng)]
    _mark_sources(keep, list(filled), source=source, at=now)
    try:
        keep.full_clean()
    except ValidationError as exc:
        raise invalid_from(exc, non_field="") from None
    keep.save()

    previous_status = merge.status
    merge.status = FacilityStatus.MERGED
    merge.merged_into = keep
    _mark_sources(merge, ["status"], source=f"merge:{keep.public_id}", at=now)
    merge.save()
    # Records merged into `merge` earlier now point straight at `keep`: an old
    # link is one redirect away, never a chain.
    Facility.objects.filter(merged_into=merge).update(merged_into=keep)
    # Decisions and pending questions about `merge` are about `keep` now.
    MatchDecision.objects.filter(facility=merge).update(facility=keep)
    FacilityMatchCandidate.objects.filter(
        facility=merge, status=CandidateStatus.PENDING
    ).update(facility=keep)

    _event(
        facility=keep,
        kind=FacilityEventKind.MERGED,
        actor=actor,
        source=source,
        changes={"merged_from": [None, merge.public_id], **filled},
    )
    _event(
        facility=merge,
        kind=FacilityEventKind.MERGED,
        actor=actor,
        source=f"merge:{keep.public_id}",
        changes={
            "status": [previous_status, FacilityStatus.MERGED],
            "merged_into": [None, keep.public_id],
        },
    )
    moved: dict[str, int] = {}
    for _receiver, response in facility_merged.send(
        sender=Facility, keep=keep, merge=merge, actor=actor
    ):
        if isinstance(response, dict):
            for key, count in response.items():
                moved[str(key)] = moved.get(str(key), 0) + int(count)
    audit_record(
        action="facility.merged",
        actor=actor,
        obj=keep,
        data={
            "keep": keep.public_id,
            "merge": merge.public_id,
            "merge_id": str(merge.pk),
            "aliases_added": added,
            "fields_filled": sorted(filled),
            "moved": moved,
        },
    )
    facility_index(facility=keep)
    facility_index(facility=merge)
    logger.info(
        "facility.merged",
        extra={"keep": str(keep.pk), "merge": str(merge.pk), "moved": moved},
    )
    return MergeResult(
        keep=keep, merge=merge, aliases_added=added, fields_filled=sorted(filled)
    )


# --- Writes from other systems (issue 19, item 4: the registry API) --------------------
#
# A partner's system creates and changes facilities one at a time, through the
# same `facility_create` / `facility_update` and the same matcher an import
# uses. Where a person at an import page would see "perhaps this one", a caller
# of the API gets the candidates (`NearMatch`) and nothing is stored; it may
# then say the record is a facility of its own (`distinct`), and that decision
# is remembered as a person's in the review queue is, so that the next import
# of the same record finds the facility instead of asking again.

# Fields that decide which facility a record is: a change to one is matched.
_IDENTITY_FIELDS = ("name", "legal_name", "address", "municipality", "state")
# Single-line text fields: whitespace folded, control characters dropped.
_TEXT_FIELDS = (
    "name",
    "legal_name",
    "address",
    "municipality",
    "sector",
    "unions",
    "employer_group",
    "os_id",
    "external_id",
)


class NearMatch(ApplicationError):
    """The record looks like facilities already in the registry (`candidates`:
    (facility, score), best first); nothing was stored."""

    status_code = 409

    def __init__(self, *, kind: str, candidates: list[tuple[Facility, float]]) -> None:
        super().__init__(
            _(
                "El padrón ya tiene un centro que se parece a este; no se guardó "
                "nada. Si es otro centro de trabajo, envíelo de nuevo con "
                "«distinct»: true."
            )
        )
        self.kind = kind
        self.candidates = candidates


class FacilityChanged(ApplicationError):
    """The facility changed since the caller read it (its version differs)."""

    status_code = 412

    def __init__(self) -> None:
        super().__init__(
            _(
                "El centro cambió desde que lo leyó; no se guardó nada. Léalo de "
                "nuevo y repita el cambio sobre su versión actual."
            ),
            extra={"field": "version"},
        )


def facility_version(facility: Facility) -> str:
    """An opaque token that changes whenever the facility is saved (every
    writer of the registry, imports included, stamps `updated_at`)."""
    stamp = facility.updated_at
    return str(int(stamp.timestamp() * 1_000_000)) if stamp else ""


def _record_clean(data: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    """Text folded, the name and state checked with the reasons an import gives."""
    cleaned = dict(data)
    errors: list[dict[str, Any]] = []
    for name in _TEXT_FIELDS:
        if name in cleaned:
            cleaned[name] = " ".join(clean_text(cleaned[name] or "").split())
    if "name" in cleaned or not partial:
        name = cleaned.get("name") or ""
        if not name:
            errors.append({"field": "name", "reason": _("Falta el nombre del centro.")})
        elif not normalise_name(name):
            errors.append(
                {
                    "field": "name",
                    "reason": _(
                        "El nombre «%(value)s» no dice qué centro es (solo tiene "
                        "una forma jurídica o signos)."
                    )
                    % {"value": name[:60]},
                }
            )
    if "state" in cleaned or not partial:
        given = " ".join(clean_text(cleaned.get("state") or "").split())
        code = state_code(given) if given else None
        if not given:
            errors.append({"field": "state", "reason": _("Falta el estado.")})
        elif code is None:
            errors.append(
                {
                    "field": "state",
                    "reason": _(
                        "Estado desconocido: «%(value)s». Escriba el nombre del "
                        "estado o su código ISO 3166-2:MX (p. ej. MX-PUE)."
                    )
                    % {"value": given[:60]},
                }
            )
        cleaned["state"] = code or given
    if errors:
        raise InvalidInput(errors)
    return cleaned


def _near(result: MatchResult, *, own: Any = None) -> list[tuple[Facility, float]]:
    """The facilities a matcher's result says the record may be, best first:
    its best candidate unless the record is new, and every other candidate
    scored at least as high as the review queue asks about."""
    found: dict[Any, tuple[Facility, float]] = {}
    if result.kind != "new" and result.facility is not None:
        found[result.facility.pk] = (result.facility, result.score)
    for facility, score in result.candidates:
        if score >= REVIEW and facility.pk not in found:
            found[facility.pk] = (facility, score)
    return [fs for pk, fs in found.items() if pk != own]


def _decision_key(values: dict[str, Any]) -> str:
    return record_key(
        name=values.get("name") or "",
        municipality=values.get("municipality") or "",
        state=values.get("state") or "",
    )


# PostgreSQL advisory lock (with the state as second key) that makes checked
# creates in one state wait for each other: two callers sending the same new
# facility at once must not both find no match and both create it.
_CHECKED_WRITE_LOCK = 0x52454D32


def _serialise_checked_writes(state: str) -> None:
    if connection.vendor != "postgresql":
        return  # SQLite runs one writing transaction at a time
    key = zlib.crc32(state.encode()) & 0x7FFFFFFF
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, %s)", [_CHECKED_WRITE_LOCK, key]
        )


def _decider(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


@transaction.atomic
def facility_create_checked(
    *, data: dict[str, Any], actor: Any, source: str, distinct: bool = False
) -> Facility:
    """A new facility unless the registry has one like it (`NearMatch`).

    `distinct=True` is the caller's word that the record is another facility
    than the candidates: it is created, and the decision remembered.
    """
    cleaned = _record_clean(data, partial=False)
    _serialise_checked_writes(cleaned["state"])
    result = match_record(
        name=cleaned["name"],
        address=cleaned.get("address") or "",
        municipality=cleaned.get("municipality") or "",
        state=cleaned["state"],
    )
    near = _near(result)
    if near and not distinct:
        raise NearMatch(kind=result.kind, candidates=near)
    facility = facility_create(data=cleaned, actor=actor, source=source)
    if near:
        match_decision_remember(
            key=_decision_key(cleaned), facility=facility, decided_by=_decider(actor)
        )
        audit_record(
            action="facility.declared_distinct",
            actor=actor,
            obj=facility,
            data={"candidates": [f.public_id for f, _score in near]},
        )
    return facility


@transaction.atomic
def facility_update_checked(
    *,
    facility: Facility,
    changes: dict[str, Any],
    actor: Any,
    source: str,
    distinct: bool = False,
    version: str | None = None,
) -> Facility:
    """Change a facility the way `facility_update` does, refusing a change made
    over a version the caller did not see (`FacilityChanged`) and one that
    makes it look like another facility (`NearMatch`) unless `distinct`.

    `changes` may hold `status` (in operation, closed, moved).
    """
    locked = _locked(facility)
    if version is not None and version != facility_version(locked):
        raise FacilityChanged()
    _refuse_merged(locked)
    changes = dict(changes)
    status = changes.pop("status", None)
    unknown = sorted(set(changes) - set(_EDITABLE_FIELDS))
    if unknown:
        raise InvalidInput(
            [
                {"field": name, "reason": _("Este campo no se puede cambiar así.")}
                for name in unknown
            ]
        )
    cleaned = _record_clean(changes, partial=True)
    moved = [
        name
        for name in _IDENTITY_FIELDS
        if name in cleaned and cleaned[name] != getattr(locked, name)
    ]
    if moved:
        after = {
            name: cleaned.get(name, getattr(locked, name)) for name in _IDENTITY_FIELDS
        }
        _serialise_checked_writes(after["state"])
        result = match_record(
            name=after["name"],
            address=after["address"] or "",
            municipality=after["municipality"] or "",
            state=after["state"],
            exclude_ids=[locked.pk],
        )
        near = _near(result, own=locked.pk)
        if near and not distinct:
            raise NearMatch(kind=result.kind, candidates=near)
        if near:
            match_decision_remember(
                key=_decision_key(after), facility=locked, decided_by=_decider(actor)
            )
    updated = facility_update(
        facility=locked, changes=cleaned, actor=actor, source=source
    )
    if status is not None:
        updated = facility_status_change(
            facility=updated, status=status, actor=actor, source=source
        )
    return updated
