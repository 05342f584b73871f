"""The search index and the matcher that decides where a record goes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from django.db import transaction

from remedia.accounts.models import User
from remedia.core.geo import fold, state_code
from remedia.facilities import matching, selectors
from remedia.facilities.models import (
    Facility,
    FacilityAlias,
    FacilitySearchToken,
    FacilityStatus,
    MatchDecision,
)
from remedia.facilities.normalise import name_tokens, normalise_name

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
