"""Writes to the facility registry, and the matcher that decides where a record goes.

Sections, each owned by its topic (add new functions under the right heading, or
a new heading):

- Search index and matching: `facility_index`, `facility_index_many`,
  `match_record`, `match_records`, `match_decision_remember`,
  `facility_suggestions`.
- Import of facility lists and the review queue: `facilities_import`,
  `facility_import_queue`, `facility_import_fail`, `candidate_confirm`,
  `candidate_reject`.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import User
from remedia.core.audit import audit_record
from remedia.core.errors import ApplicationError, InvalidInput, NotFound
from remedia.core.geo import fold, state_code
from remedia.core.kit import invalid_from
from remedia.facilities import bulk, importing, matching, selectors
from remedia.facilities.models import (
    CandidateStatus,
    Facility,
    FacilityAlias,
    FacilityEvent,
    FacilityEventKind,
    FacilityImport,
    FacilityMatchCandidate,
    FacilitySearchToken,
    FacilityStatus,
    ImportStatus,
    MatchDecision,
)
from remedia.facilities.normalise import name_tokens, normalise_name
from remedia.facilities.signals import facility_merged

# ---------------------------------------------------------------------------
# Search index and matching
# ---------------------------------------------------------------------------
#
# `FacilitySearchToken` is the index behind search and matching (selectors.py
# explains how it is used). It is derived data: every service that creates a
# facility, changes its name or legal name, adds or removes an alias, or merges
# two facilities must call `facility_index` (one facility) or
# `facility_index_many` (an import, a merge, a data migration) in the same
# transaction. A facility without tokens cannot be found or matched. A bulk
# writer of tokens that bypasses these (importing.py) uses `index_words` for the
# same words and calls `selectors.vocabulary_invalidate()` after writing: added
# words are seen by every process at its next search anyway, but deleted ones
# only at the next full reload (selectors.registry_vocabulary).

_CHUNK = 500
# Candidates blocked per record, and of those scored in full after ranking.
_BLOCKED_CANDIDATES = 50
_SCORED_CANDIDATES = 10
# Rows of one state in a `match_records` call from which the state is read into
# memory rather than blocked row by row in SQL.
STATE_INDEX_MIN_ROWS = 20
# Candidates a MatchResult lists for a person to choose from.
_LISTED_CANDIDATES = 5
# A merged facility points to the one kept; chains are short, but bounded.
_MAX_MERGE_HOPS = 10

MatchKind = Literal["exact", "remembered", "auto", "review", "new"]


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def index_words(*names: str) -> list[str]:
    """The words a facility is indexed under, from its names and other names."""
    words: list[str] = []
    for name in names:
        words.extend(
            w[:60] for w in name_tokens(name or "") if len(w) >= 2 or w.isdigit()
        )
    return list(dict.fromkeys(words))


@transaction.atomic
def facility_index_many(*, facilities: Sequence[Facility]) -> int:
    """Rebuild the search tokens of `facilities`; returns how many were written.

    Three statements per 500 facilities, whatever their number of names, so an
    import of 100,000 rows can index as it goes. A merged facility loses its
    tokens: it is found through the facility it was merged into.
    """
    written = 0
    for chunk in _chunks(list(facilities)):
        ids = [f.pk for f in chunk]
        aliases: dict[Any, list[str]] = defaultdict(list)
        for facility_id, alias in FacilityAlias.objects.filter(
            facility_id__in=ids
        ).values_list("facility_id", "name"):
            aliases[facility_id].append(alias)
        FacilitySearchToken.objects.filter(facility_id__in=ids).delete()
        rows = [
            FacilitySearchToken(facility_id=f.pk, token=word, prefix=word[:3])
            for f in chunk
            if f.status != FacilityStatus.MERGED
            for word in index_words(f.name, f.legal_name, *aliases[f.pk])
        ]
        FacilitySearchToken.objects.bulk_create(rows, batch_size=2000)
        written += len(rows)
    selectors.vocabulary_invalidate()
    return written


def facility_index(*, facility: Facility) -> None:
    """Rebuild one facility's search tokens (its name, legal name, other names)."""
    facility_index_many(facilities=[facility])


@dataclass
class MatchResult:
    """Where an incoming record goes.

    `kind`: "remembered" (a person decided before: `facility`), "exact" (same
    normalised name or other name, same state, same municipality when both
    say), "auto" (scored at or above `matching.AUTO_MATCH`, and no other
    candidate as good), "review" (a person confirms `facility`, the best
    candidate, or another of `candidates`) or "new". `candidates`: at most five
    (facility, score), best first.
    """

    kind: MatchKind
    facility: Facility | None = None
    score: float = 0.0
    candidates: list[tuple[Facility, float]] = field(default_factory=list)


@dataclass(frozen=True)
class MatchRecord:
    """An incoming record, for `match_records`."""

    name: str
    address: str = ""
    municipality: str = ""
    state: str = ""
    exclude_ids: frozenset[Any] = frozenset()


@dataclass
class _Decided:
    """A MatchResult before its facilities are read (see `match_records`)."""

    kind: MatchKind
    best: selectors.Blocked | None = None
    score: float = 0.0
    listed: list[tuple[selectors.Blocked, float]] = field(default_factory=list)
    remembered: Facility | None = None


def _follow_merges(facility: Facility) -> Facility:
    hops = 0
    while (
        facility.status == FacilityStatus.MERGED
        and facility.merged_into_id is not None
        and hops < _MAX_MERGE_HOPS
    ):
        facility = Facility.objects.get(pk=facility.merged_into_id)
        hops += 1
    return facility


def _decisions(keys: Iterable[str]) -> dict[str, MatchDecision]:
    found: dict[str, MatchDecision] = {}
    for chunk in _chunks(sorted(set(keys))):
        for decision in MatchDecision.objects.filter(key__in=chunk).select_related(
            "facility"
        ):
            found[decision.key] = decision
    return found


def _same_municipality(a: str, b: str) -> bool:
    return not a or not b or fold(a) == fold(b)


def _decide(record: MatchRecord, candidates: list[selectors.Blocked]) -> _Decided:
    """Exact, then scored: the rules once no remembered decision applies."""
    key = matching.normalised(record.name)
    scored = sorted(
        (
            (
                c,
                matching.score(
                    name=record.name,
                    address=record.address,
                    municipality=record.municipality,
                    state=record.state,
                    candidate=c,
                ),
            )
            for c in candidates
        ),
        # Equal scores in a fixed order, however the candidates were blocked.
        key=lambda cs: (-cs[1], str(cs[0].pk)),
    )
    listed = [(c, s) for c, s in scored[:_LISTED_CANDIDATES] if s > 0]
    exact = [
        c
        for c in candidates
        if key
        and key
        in {matching.normalised(c.name), matching.normalised(c.legal_name)}
        | set(c.alias_keys)
        and _same_municipality(record.municipality, c.municipality)
    ]
    if len(exact) == 1:
        return _Decided("exact", exact[0], 1.0, listed)
    if len(exact) > 1:
        # Two facilities of one name in one place (two plants): which one is
        # for a person to say, once; the decision is then remembered.
        best_exact = next(cs for cs in scored if cs[0] in exact)
        return _Decided("review", best_exact[0], best_exact[1], listed)
    if not listed:
        return _Decided("new")
    best, best_score = listed[0]
    kind = matching.classify(best_score)
    if kind == "auto" and len(listed) > 1 and listed[1][1] >= matching.AUTO_MATCH:
        # Two candidates both good enough to match alone: never pick one of
        # them silently (Open Supply Hub's rule too).
        kind = "review"
    if kind == "new":
        return _Decided("new", None, best_score, listed)
    return _Decided(kind, best, best_score, listed)


def _blocked_for(
    record: MatchRecord,
    state: str,
    vocabulary: selectors.Vocabulary,
    index: selectors.StateIndex | None,
) -> list[selectors.Blocked]:
    """A record's best candidates: blocked (in SQL, or in the state's index in
    memory), then ranked on their names."""
    words = selectors.query_words(record.name)
    if not words:
        return []
    key = normalise_name(record.name)
    expansion = selectors.expand_query(words, vocabulary)
    if index is not None:
        blocked = index.block(expansion=expansion, limit=_BLOCKED_CANDIDATES)
    else:
        blocked = selectors.block(
            expansion=expansion,
            state=state,
            name_prefix=key,
            limit=_BLOCKED_CANDIDATES,
        )
    if record.exclude_ids:
        blocked = [b for b in blocked if b.pk not in record.exclude_ids]
    ranked = selectors.rank(key, blocked, expansion.corrected(key), precise=0)
    return [b for b, _ in ranked[:_SCORED_CANDIDATES]]


def match_records(records: Sequence[MatchRecord]) -> list[MatchResult]:
    """`match_record` for many records at once, in order (an import's rows).

    Shares what does not depend on the row: remembered decisions in one query
    per 500 rows, the registry's vocabulary, the facilities of the results in
    one query per 500. A state with `STATE_INDEX_MIN_ROWS` rows or more is read
    into memory once (`selectors.StateIndex`, kept while the registry does not
    change) and its rows are blocked there, well under a millisecond each at
    100,000 facilities; fewer rows cost one blocking query each.

    It sees the registry as it is: rows of the same batch do not match each
    other (the import groups those itself).
    """
    states = [state_code(r.state or "") for r in records]
    keys = [
        matching.record_key(name=r.name, municipality=r.municipality, state=r.state)
        for r in records
    ]
    decisions = _decisions(keys)
    open_rows: dict[str, list[int]] = defaultdict(list)
    for index, code in enumerate(states):
        if code is not None and keys[index] not in decisions:
            open_rows[code].append(index)

    decided: list[_Decided] = [_Decided("new") for _ in records]
    if open_rows:
        vocabulary = selectors.registry_vocabulary()
        for code, indexes in open_rows.items():
            in_memory = (
                selectors.state_index(code)
                if len(indexes) >= STATE_INDEX_MIN_ROWS
                else None
            )
            blocked = {
                i: _blocked_for(records[i], code, vocabulary, in_memory)
                for i in indexes
            }
            if in_memory is not None:
                selectors.fill_details(b for found in blocked.values() for b in found)
            for i, candidates in blocked.items():
                decided[i] = _decide(records[i], candidates)

    for i, key in enumerate(keys):
        decision = decisions.get(key)
        if decision is not None and decision.facility is not None:
            decided[i] = _Decided("remembered", remembered=decision.facility)
        # A decision without a facility means "a new one": whoever creates it
        # points the decision at it (match_decision_remember), so that the
        # next import of the row is "remembered".

    wanted = {b.pk for d in decided for b, _ in d.listed}
    wanted.update(d.best.pk for d in decided if d.best is not None)
    facilities: dict[Any, Facility] = {}
    for chunk in _chunks(sorted(wanted, key=str)):
        facilities.update(Facility.objects.in_bulk(list(chunk)))

    results: list[MatchResult] = []
    for d in decided:
        if d.remembered is not None:
            kept = _follow_merges(d.remembered)
            results.append(MatchResult("remembered", kept, 1.0, [(kept, 1.0)]))
            continue
        listed = [
            (facilities[b.pk], round(s, 4)) for b, s in d.listed if b.pk in facilities
        ]
        best = facilities.get(d.best.pk) if d.best is not None else None
        results.append(MatchResult(d.kind, best, round(d.score, 4), listed))
    return results


def match_record(
    *,
    name: str,
    address: str = "",
    municipality: str = "",
    state: str,
    exclude_ids: Iterable[Any] | None = None,
) -> MatchResult:
    """Which existing facility an incoming record is, if any.

    In order: a remembered decision for the record's key
    (`matching.record_key`) wins; then an exact match on the normalised name or
    another name, in the same state and municipality; then candidates from the
    search's blocking (same state), scored by `matching.score` and classified
    by `matching.classify`. `exclude_ids` leaves facilities out (a facility
    looking for its own duplicates). Reads only: what to do with the result
    (link, update, queue for review, create) is the caller's.
    """
    record = MatchRecord(
        name=name,
        address=address or "",
        municipality=municipality or "",
        state=state or "",
        exclude_ids=frozenset(exclude_ids or ()),
    )
    return match_records([record])[0]


@transaction.atomic
def match_decision_remember(
    *, key: str, facility: Facility | None, decided_by: User | None
) -> MatchDecision:
    """Remember that records with `key` are `facility` (None: a new facility).

    When the decision was "new" and a facility is then created for the record,
    call this again with that facility, so that re-importing the record is a
    no-op ("remembered") rather than another new facility.
    """
    decision, _created = MatchDecision.objects.update_or_create(
        key=key[:400], defaults={"facility": facility, "decided_by": decided_by}
    )
    return decision


def facility_suggestions(
    *, text: str, state: str | None, limit: int = _LISTED_CANDIDATES
) -> list[tuple[Facility, float]]:
    """Facilities a report's free-text facility may be, best first, with a score.

    Workers write "la maquila de INISA en Rincón": words that name no facility
    ("la", "maquila de", "en") weigh little in the search's blocking, and a
    remembered or exact match (the same text linked before) comes first with
    score 1. For a handler to choose from; nothing is linked here.
    """
    text = (text or "")[: selectors.MAX_QUERY_CHARS]
    limit = max(0, min(int(limit), 20))
    found: dict[Any, tuple[Facility, float]] = {
        f.pk: (f, s)
        for f, s in selectors.facility_search_scored(q=text, state=state, limit=limit)
    }
    code = state_code(state or "")
    if code and text.strip():
        result = match_record(name=text, state=code)
        pinned = result.kind in {"remembered", "exact"} and result.facility
        if pinned and result.facility is not None:
            found[result.facility.pk] = (result.facility, 1.0)
        for facility, score in result.candidates:
            if score > found.get(facility.pk, (facility, 0.0))[1]:
                found[facility.pk] = (facility, score)
    best = sorted(found.values(), key=lambda fs: -fs[1])
    return best[:limit]


# --- Registry records: create, update, aliases, status, merge ---------------------
# (issue 4, items 1 and 5: field sources, history, closed/moved, merge)

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
        actor=actor if getattr(actor, "is_authenticated", False) else None,
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


# --- Import of facility lists and the review queue -----------------------------------
# (issue 4, item 2: `remedia import-facilities`, the staff import page, the queue)
#
# Reading and checking a file, planning where each row goes and the bulk writes
# are in importing.py; here is the transaction around them and the decisions a
# person takes in the review queue.
#
# What is kept: a real import keeps its `FacilityImport` row (counts, and the
# errors when the file was rejected, so the person who sent it sees why). A
# dry run writes nothing to the registry; it keeps its `FacilityImport` row only
# when one was made for it beforehand (`facility_import_queue`, the staff page,
# which must show the result of a job), never from the command line.

# Rejected rows kept on a failed import; a file with more is wrong throughout.
IMPORT_ERRORS_KEPT = 10_000
# PostgreSQL advisory lock that makes imports write one at a time (SQLite's
# IMMEDIATE transactions already do).
_IMPORT_LOCK = 0x52454D31


def _import_matcher(rows: list[importing.CleanRow]) -> list[MatchResult]:
    return match_records(
        [
            MatchRecord(
                name=r.name,
                address=r.address,
                municipality=r.municipality,
                state=r.state,
            )
            for r in rows
        ]
    )


def _import_progress(
    facility_import: FacilityImport, progress: importing.Progress | None
) -> importing.Progress:
    """Pass progress on, and keep the import row's count current for the staff
    page (at most twice a second; outside any transaction, so it is seen)."""
    last = [0.0]

    def report(stage: str, done: int, total: int) -> None:
        if progress is not None:
            progress(stage, done, total)
        now = time.monotonic()
        if (
            facility_import.pk
            and not facility_import._state.adding
            and stage == "match"
            and (now - last[0] >= 0.5 or done == total)
        ):
            last[0] = now
            FacilityImport.objects.filter(pk=facility_import.pk).update(
                processed_rows=done
            )

    return report


def _import_finish(
    facility_import: FacilityImport, *, keep: bool, status: str
) -> FacilityImport:
    facility_import.status = status
    facility_import.finished_at = timezone.now()
    if keep:
        facility_import.save()
    return facility_import


@transaction.atomic
def facility_import_queue(
    *, data: bytes, file_name: str, dry_run: bool, created_by: User | None
) -> FacilityImport:
    """The record of an import a job will run (the staff page follows it)."""
    facility_import = FacilityImport(
        file_name=(file_name or "archivo")[:255],
        file_sha256=hashlib.sha256(data).hexdigest(),
        created_by=created_by,
        dry_run=dry_run,
        status=ImportStatus.PENDING,
    )
    facility_import.full_clean()
    facility_import.save()
    return facility_import


def facilities_import(
    *,
    data: bytes,
    file_name: str,
    dry_run: bool,
    created_by: User | None = None,
    progress: importing.Progress | None = None,
    facility_import: FacilityImport | None = None,
    outcomes: list[importing.RowOutcome] | None = None,
) -> FacilityImport:
    """Import a CSV or XLSX list of facilities whole, or not at all.

    Any rejected row rejects the file: nothing is created or changed, and the
    import's `errors` say which rows and why. Otherwise every row is placed
    (importing.plan) and the plan written in one transaction. Re-importing a
    file changes nothing: every row finds its facility and no value differs.
    `progress(stage, done, total)` is called as rows are read, matched and saved;
    `outcomes`, when given, receives what happens (or would) to each row.
    """
    started = time.monotonic()
    keep = facility_import is not None or not dry_run
    if facility_import is None:
        facility_import = FacilityImport(
            file_name=(file_name or "archivo")[:255],
            file_sha256=hashlib.sha256(data).hexdigest(),
            created_by=created_by,
            dry_run=dry_run,
        )
    facility_import.status = ImportStatus.RUNNING
    if keep:
        facility_import.save()
    report = _import_progress(facility_import, progress)

    try:
        parsed = importing.parse(data=data, file_name=file_name, progress=report)
    except importing.FileRejected as exc:
        facility_import.errors = [{"row": None, "field": "", "reason": exc.reason}]
        logger.info("facility.import.file_rejected", extra={"dry_run": dry_run})
        return _import_finish(facility_import, keep=keep, status=ImportStatus.FAILED)
    facility_import.total_rows = parsed.total
    if keep:
        # The staff page draws its bar against this while the rows are matched.
        FacilityImport.objects.filter(pk=facility_import.pk).update(
            total_rows=parsed.total
        )
    report("read", parsed.total, parsed.total)

    if parsed.errors:
        facility_import.rejected_count = len({e.row for e in parsed.errors})
        facility_import.errors = [
            e.as_dict() for e in parsed.errors[:IMPORT_ERRORS_KEPT]
        ]
        logger.info(
            "facility.import.rows_rejected",
            extra={"rows": parsed.total, "rejected": facility_import.rejected_count},
        )
        return _import_finish(facility_import, keep=keep, status=ImportStatus.FAILED)

    try:
        return _import_rows(
            facility_import,
            parsed=parsed,
            dry_run=dry_run,
            created_by=created_by,
            report=report,
            outcomes=outcomes,
            started=started,
        )
    finally:
        importing.cache_clear()


def _import_rows(
    facility_import: FacilityImport,
    *,
    parsed: importing.ParsedFile,
    dry_run: bool,
    created_by: User | None,
    report: importing.Progress,
    outcomes: list[importing.RowOutcome] | None,
    started: float,
) -> FacilityImport:
    keep = facility_import.pk is not None and not facility_import._state.adding
    plan = importing.plan(parsed.rows, match=_import_matcher, progress=report)
    if not dry_run:
        report("save", 0, parsed.total)
        try:
            with bulk.large_writes(), transaction.atomic():
                if connection.vendor == "postgresql":
                    with connection.cursor() as cursor:
                        cursor.execute(
                            "SELECT pg_advisory_xact_lock(%s)", [_IMPORT_LOCK]
                        )
                if importing.stale(plan):
                    # Someone changed the registry while this file was matched:
                    # match again, now that no one else can.
                    plan = importing.plan(parsed.rows, match=_import_matcher)
                importing.write(
                    plan,
                    facility_import=facility_import,
                    actor=created_by,
                    words=index_words,
                    progress=report,
                )
                _import_counts(facility_import, plan)
                facility_import.processed_rows = parsed.total
                _import_finish(facility_import, keep=True, status=ImportStatus.DONE)
                audit_record(
                    action="facility.imported",
                    actor=created_by,
                    obj=facility_import,
                    data={
                        "file_sha256": facility_import.file_sha256,
                        "rows": parsed.total,
                        **plan.counts(),
                    },
                )
        except DatabaseError:
            logger.exception("facility.import.write_failed")
            facility_import.refresh_from_db()
            facility_import.errors = [
                {
                    "row": None,
                    "field": "",
                    "reason": str(
                        _(
                            "No se pudo guardar la importación y no se guardó nada. "
                            "Inténtelo de nuevo."
                        )
                    ),
                }
            ]
            return _import_finish(
                facility_import, keep=True, status=ImportStatus.FAILED
            )
    else:
        _import_counts(facility_import, plan)
        facility_import.processed_rows = parsed.total
        _import_finish(facility_import, keep=keep, status=ImportStatus.DONE)
    if outcomes is not None:
        outcomes.extend(plan.outcomes)
    logger.info(
        "facility.import.done",
        extra={
            "dry_run": dry_run,
            "rows": parsed.total,
            "seconds": round(time.monotonic() - started, 2),
            **{f"{name}_count": n for name, n in plan.counts().items()},
        },
    )
    return facility_import


def _import_counts(facility_import: FacilityImport, plan: importing.Plan) -> None:
    counts = plan.counts()
    facility_import.created_count = counts["created"]
    facility_import.matched_count = counts["matched"]
    facility_import.updated_count = counts["updated"]
    facility_import.review_count = counts["review"]
    facility_import.rejected_count = 0
    facility_import.errors = []


def facility_import_fail(*, facility_import: FacilityImport, reason: str) -> None:
    """Mark an import that could not run at all (its job failed) as rejected."""
    FacilityImport.objects.filter(pk=facility_import.pk).update(
        status=ImportStatus.FAILED,
        finished_at=timezone.now(),
        errors=[{"row": None, "field": "", "reason": reason}],
    )


def _candidate_pending(candidate: FacilityMatchCandidate) -> FacilityMatchCandidate:
    locked = (
        FacilityMatchCandidate.objects.select_for_update()
        .filter(pk=candidate.pk)
        .first()
    )
    if locked is None:
        raise NotFound()
    if locked.status != CandidateStatus.PENDING:
        raise ApplicationError(_("Alguien ya decidió sobre esta coincidencia."))
    return locked


def _candidate_source(candidate: FacilityMatchCandidate, user: User) -> str:
    if candidate.facility_import_id:
        return f"import:{candidate.facility_import_id}"
    return facility_source_for_user(user)


def _candidate_siblings(
    candidate: FacilityMatchCandidate,
) -> QuerySet[FacilityMatchCandidate]:
    """The other facilities the same incoming record was put to a person with."""
    if candidate.facility_import_id is None:
        return FacilityMatchCandidate.objects.none()
    return FacilityMatchCandidate.objects.filter(
        facility_import_id=candidate.facility_import_id,
        row_number=candidate.row_number,
        status=CandidateStatus.PENDING,
    ).exclude(pk=candidate.pk)


def _candidate_decided(
    candidate: FacilityMatchCandidate, *, status: str, user: User
) -> None:
    candidate.status = status
    candidate.decided_by = user
    candidate.decided_at = timezone.now()
    candidate.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])


@transaction.atomic
def candidate_confirm(*, candidate: FacilityMatchCandidate, user: User) -> Facility:
    """The incoming record is this facility: link it, take its new values, and
    remember the decision so that the same record is never asked about again.

    Its name becomes another name of the facility when it is not one already;
    the other facilities it was put to a person with are thereby ruled out.
    """
    candidate = _candidate_pending(candidate)
    facility = importing.merge_target(candidate.facility)
    source = _candidate_source(candidate, user)
    row = importing.CleanRow.from_record(
        candidate.record, row=candidate.row_number or 0
    )
    target = importing.Target.existing(facility, [row])
    importing.fold_rows([target])
    if target.changes:
        facility = facility_update(
            facility=facility,
            changes={name: after for name, (_before, after) in target.changes.items()},
            actor=user,
            source=source,
        )
    for alias in target.aliases:
        facility_alias_add(facility=facility, name=alias, actor=user, source=source)
    _candidate_decided(candidate, status=CandidateStatus.CONFIRMED, user=user)
    for sibling in _candidate_siblings(candidate):
        _candidate_decided(sibling, status=CandidateStatus.REJECTED, user=user)
    match_decision_remember(
        key=importing.candidate_key(candidate.record),
        facility=facility,
        decided_by=user,
    )
    audit_record(
        action="facility.match_confirmed",
        actor=user,
        obj=facility,
        data={
            "candidate": str(candidate.pk),
            "score": candidate.score,
            "fields": sorted(target.changes),
        },
    )
    return facility


@transaction.atomic
def candidate_reject(
    *, candidate: FacilityMatchCandidate, user: User
) -> Facility | None:
    """The incoming record is not this facility.

    When no other candidate of the record is still open, the record is a
    facility of its own: it is created, and the decision remembered, so that a
    re-import finds it instead of asking again. Returns that facility, or None
    while other candidates wait.
    """
    candidate = _candidate_pending(candidate)
    _candidate_decided(candidate, status=CandidateStatus.REJECTED, user=user)
    if _candidate_siblings(candidate).exists():
        audit_record(
            action="facility.match_rejected",
            actor=user,
            obj=candidate,
            data={"facility": str(candidate.facility_id), "created": None},
        )
        return None
    row = importing.CleanRow.from_record(
        candidate.record, row=candidate.row_number or 0
    )
    facility = facility_create(
        data=row.values(), actor=user, source=_candidate_source(candidate, user)
    )
    match_decision_remember(
        key=importing.candidate_key(candidate.record),
        facility=facility,
        decided_by=user,
    )
    audit_record(
        action="facility.match_rejected",
        actor=user,
        obj=candidate,
        data={"facility": str(candidate.facility_id), "created": str(facility.pk)},
    )
    return facility
