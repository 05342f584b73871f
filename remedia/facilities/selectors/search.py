"""Reads of the facility registry, and how facility search works.

Search must forgive typos, missing accents and legal forms, rank the intended
facility first, and answer within 50 ms at p95 over 100,000 facilities on both
SQLite and PostgreSQL (PRODUCT.md, Performance). It is a small search engine
with a spelling corrector over `FacilitySearchToken` (the significant words of
each facility's names, services.facility_index):

1. **Vocabulary and correction, in memory.** The distinct words of all names
   with their frequencies (some 20,000 at 100,000 facilities) are kept per
   process and checked against the database on every search with one indexed
   query (`registry_vocabulary`). Each query word is matched to registry words
   that share its first three letters or differ by one typo in the first four
   (a symmetric-delete index, as in SymSpell), falling back to its first two
   letters: the same word, a completion of the last word ("confec"), or a typo
   (optimal string alignment similarity >= 0.75, a swap counting as one edit:
   "interor" → "interior", "ognzalez" → "gonzalez").
2. **Blocking, in SQL.** Candidates are the facilities holding the *rarest*
   query words (with their likely spellings), up to `CANDIDATE_BUDGET`
   postings; each candidate's weight sums similarity x rarity (IDF) of every
   accepted word it holds, common ones ("confecciones", in one facility in
   seven) included. So common words rank candidates without widening the scan,
   and one query touches about a thousand postings whatever the registry's
   size. The best `RANKED_CANDIDATES` come back with names and other names.
3. **Ranking, rapidfuzz.** The query as typed and as corrected is compared with
   each candidate's names (token set and token sort ratios, as the matcher
   does), blended with the blocking weight.

Two or three queries per search, none scanning more than the budget.

Measured (bench/facilities.py, 100,000 generated facilities, misspelt queries,
in process): SQLite p50 4-5 ms, p95 7-9 ms; PostgreSQL p50 5 ms, p95 6-7 ms;
the intended facility in the top five for 97% of queries. PostgreSQL trigrams
were measured on the same data and not used: a GIN `gin_trgm_ops` index on
`name_key` with `%` gave p50 42 ms, p95 145 ms and top-five recall 79%
(`%>`/word similarity: p95 58 ms, 67%), because garment names share most of
their trigrams ("confecciones", "maquiladora") and typos break many of the
rest. On PostgreSQL a covering index on (token, facility_id) (migration 0003)
makes the posting reads index-only.
"""

from __future__ import annotations

import heapq
import math
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from remedia.accounts.selectors import get_scoped
from remedia.core.geo import state_code
from remedia.facilities.models import (
    Facility,
    FacilityAlias,
    FacilitySearchToken,
    FacilityStatus,
)
from remedia.facilities.normalise import name_tokens, normalise_name

# A query is cut to this many characters and words: nobody types more into a
# picker, and it bounds the work whatever is sent.
MAX_QUERY_CHARS = 200
MAX_QUERY_WORDS = 6
MAX_WORD_CHARS = 40
# Postings (facility, word) of the rarest query words scanned per query; the
# rarest word is always taken whole up to SEED_LIMIT, beyond which an arbitrary
# SEED_LIMIT of its facilities are weighed (a query of common words only).
CANDIDATE_BUDGET = 1000
SEED_LIMIT = 3000
# Candidates ranked in Python after blocking, and of those compared name by name.
RANKED_CANDIDATES = 50
_PRECISE = 20
# Results one search may ask for (the staff list shows up to 200).
MAX_LIMIT = 200
# A process rereads the whole vocabulary at least this often (seconds).
VOCABULARY_MAX_AGE = 600.0
# Typo-corrected words per query word.
_TERMS_PER_WORD = 8
_TYPO_SIMILARITY = 0.75
# Rarity is scaled to a registry of this size; only the ratio between words
# matters, so it need not be exact.
_IDF_SCALE = 100_000

_TOKENS = FacilitySearchToken._meta.db_table
_FACILITIES = Facility._meta.db_table
_ALIASES = FacilityAlias._meta.db_table
_CONCRETE = Facility._meta.concrete_fields


@dataclass
class Blocked:
    """A candidate facility from blocking: what ranking needs, no model yet."""

    facility_id: Any  # as the database gives it (SQLite: hex text)
    name_key: str
    weight: float
    name: str = ""
    legal_name: str = ""
    public_id: str = ""
    municipality: str = ""
    state: str = ""
    status: str = ""
    address: str = ""
    alias_keys: list[str] = field(default_factory=list)

    @property
    def pk(self) -> Any:
        return _pk(self.facility_id)

    def facility(self) -> Facility:
        """The candidate as a Facility with only the fields search shows."""
        values = {
            "id": self.pk,
            "public_id": self.public_id,
            "name": self.name,
            "legal_name": self.legal_name,
            "municipality": self.municipality,
            "state": self.state,
            "status": self.status,
            "name_key": self.name_key,
        }
        names = [f.attname for f in _CONCRETE if f.attname in values]
        return Facility.from_db("default", names, [values[n] for n in names])


def query_words(text: str) -> list[str]:
    """The significant words of a query, bounded in number and length."""
    words = []
    for word in name_tokens(text[:MAX_QUERY_CHARS]):
        if len(word) >= 2 or word.isdigit():
            words.append(word[:MAX_WORD_CHARS])
    return list(dict.fromkeys(words))[:MAX_QUERY_WORDS]


def _upper_bound(prefix: str) -> str:
    """The smallest string greater than every string starting with `prefix`."""
    return prefix + "\U0010ffff"


def _prefix_condition(column: str, prefixes: list[str]) -> tuple[str, list[str]]:
    """SQL matching `column` values that start with any of `prefixes`, through
    the column's index on either database.

    PostgreSQL uses the `varchar_pattern_ops` index Django adds for LIKE, which
    is right under any collation; SQLite's LIKE ignores indexes, but a range
    on its binary collation is exactly a prefix test.
    """
    if connection.vendor == "postgresql":
        escaped = [
            p.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            for p in prefixes
        ]
        return " OR ".join(f"{column} LIKE %s" for _ in prefixes), escaped
    params: list[str] = []
    for p in prefixes:
        params.extend([p, _upper_bound(p)])
    return " OR ".join(f"({column} >= %s AND {column} < %s)" for _ in prefixes), params


def _edit_keys(word: str) -> set[str]:
    """The first four letters of a word with one letter left out: two words that
    differ by one typo there (a letter dropped, added, replaced or two swapped)
    share one of these keys (the "symmetric delete" of SymSpell)."""
    head = word[:4]
    return {"|" + head[:i] + head[i + 1 :] for i in range(len(head))}


class Vocabulary:
    """The words of all facility names, with how many facilities hold each,
    found by their first letters or by a typo in them."""

    def __init__(self, counts: dict[str, int]) -> None:
        self.counts = counts
        by_key: dict[str, list[str]] = defaultdict(list)
        for term in counts:
            for key in {term[:3], term[:2], *_edit_keys(term)}:
                by_key[key].append(term)
        self._by_key = dict(by_key)

    def terms(self, key: str) -> list[str]:
        return self._by_key.get(key, [])

    def with_counts(self, extra: dict[str, int]) -> Vocabulary:
        counts = dict(self.counts)
        for term, count in extra.items():
            counts[term] = counts.get(term, 0) + count
        return Vocabulary(counts)


# The highest token row: (id, facility id, word). Rows are only ever added
# with higher ids (services delete and re-add), so an unchanged mark means an
# unchanged index, barring deletions.
Mark = tuple[int, str, str]
_NO_MARK: Mark = (0, "", "")


@dataclass
class _Cached:
    vocabulary: Vocabulary
    database: str
    mark: Mark
    loaded_at: float


_cache_lock = threading.Lock()
_cached: _Cached | None = None
_dirty = True
_generation = 0


def vocabulary_invalidate() -> None:
    """Forget this process's vocabulary and state indexes. `facility_index_many`
    calls it; a writer of `FacilitySearchToken` rows that bypasses it is still
    seen at the next search (see `registry_vocabulary`), a little later."""
    global _dirty, _generation
    _dirty = True
    _generation += 1


def _token_mark() -> Mark:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, facility_id, token FROM {_TOKENS} ORDER BY id DESC LIMIT 1"  # noqa: S608
        )
        row = cursor.fetchone()
    return (int(row[0]), str(row[1]), str(row[2])) if row else _NO_MARK


def _still_there(mark: Mark) -> bool:
    """Whether the row of an earlier mark is unchanged: if a transaction that
    wrote it rolled back, SQLite may give its id to another row."""
    if mark == _NO_MARK:
        return True
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT facility_id, token FROM {_TOKENS} WHERE id = %s",  # noqa: S608
            [mark[0]],
        )
        row = cursor.fetchone()
    return row is not None and (str(row[0]), str(row[1])) == mark[1:]


def _read_counts(
    after_id: int | None = None, up_to: int | None = None
) -> dict[str, int]:
    sql = f"SELECT token, COUNT(*) FROM {_TOKENS}"  # noqa: S608 (names are ours)
    params: list[int] = []
    if after_id is not None and up_to is not None:
        sql += " WHERE id > %s AND id <= %s"
        params = [after_id, up_to]
    with connection.cursor() as cursor:
        cursor.execute(sql + " GROUP BY token", params)
        return {token: count for token, count in cursor.fetchall()}


def registry_vocabulary() -> Vocabulary:
    """The vocabulary of the registry, kept in this process and checked against
    the database on every call.

    A registry of 100,000 facilities has some 20,000 distinct words (a few
    megabytes); counting them per query would cost more than the rest of the
    search (common words have tens of thousands of postings). The check is one
    indexed query for the highest token row (its id, facility and word). A
    higher id, with the row seen last still in place, means words to add,
    counted incrementally; anything else (a rollback, a write through
    `facility_index_many` in this process, or `VOCABULARY_MAX_AGE` seconds)
    brings a full reload, which also drops the counts of deleted tokens and
    catches rows committed out of id order. The cache only saves work: a
    missing word costs recall until the reload, never a wrong answer.
    """
    global _cached, _dirty
    mark = _token_mark()
    database = str(connection.settings_dict.get("NAME"))
    cached = _cached
    now = time.monotonic()
    if (
        cached is not None
        and not _dirty
        and cached.database == database
        and cached.mark == mark
        and now - cached.loaded_at < VOCABULARY_MAX_AGE
    ):
        return cached.vocabulary
    with _cache_lock:
        cached = _cached
        if (
            cached is not None
            and not _dirty
            and cached.database == database
            and cached.mark[0] < mark[0]
            and now - cached.loaded_at < VOCABULARY_MAX_AGE
            and _still_there(cached.mark)
        ):
            vocabulary = cached.vocabulary.with_counts(
                _read_counts(after_id=cached.mark[0], up_to=mark[0])
            )
            _cached = _Cached(vocabulary, database, mark, cached.loaded_at)
        else:
            _dirty = False
            vocabulary = Vocabulary(_read_counts())
            _cached = _Cached(vocabulary, database, mark, now)
        return vocabulary


def _accept(
    word: str, terms: Iterable[str], completion: float = 0.9
) -> dict[str, float]:
    """The registry words that may stand for a query word, with a similarity:
    itself 1, a completion `completion`, a typo 0.9 x its optimal string
    alignment similarity (a swap of two letters is one edit)."""
    accepted: dict[str, float] = {}
    terms = list(terms)
    if len(word) >= 3:
        for term, similarity, _i in process.extract(
            word,
            terms,
            scorer=OSA.normalized_similarity,
            score_cutoff=_TYPO_SIMILARITY,
            limit=None,
        ):
            accepted[term] = 0.9 * similarity
    for term in terms:
        if term.startswith(word) and term != word:
            accepted[term] = max(accepted.get(term, 0.0), completion)
    if word in terms:
        accepted[word] = 1.0
    return accepted


@dataclass
class Expansion:
    """A query's words, each with the registry words it may mean."""

    words: list[str]
    groups: list[dict[str, float]]
    counts: dict[str, int]

    def corrected(self, query_key: str) -> str:
        """The query with each word replaced by the registry word most like it."""
        best = {
            word: max(group, key=lambda t: (group[t], self.counts.get(t, 0)))
            for word, group in zip(self.words, self.groups, strict=True)
            if group
        }
        return " ".join(best.get(word, word) for word in query_key.split())

    def seed_terms(self) -> list[str]:
        """The words every candidate must hold one of: for the query words
        whose registry words are rarest, up to `CANDIDATE_BUDGET` postings, the
        registry words nearly as like the typed word as the best one.

        A query word counts whole, with its likely spellings: seeding with the
        rarest spellings one by one would let a rare misreading ("ramosa" for
        "ramos") fill the budget and leave out the word itself.
        """
        options = []
        for group in self.groups:
            if group:
                best = max(group.values())
                near = sorted(t for t, s in group.items() if s >= best - 0.1)
                options.append((sum(self.counts.get(t, 0) for t in near), near))
        chosen: list[str] = []
        postings = 0
        for count, near in sorted(options):
            if chosen and postings + count > CANDIDATE_BUDGET:
                break
            chosen.extend(t for t in near if t not in chosen)
            postings += count
        return chosen

    def weights(self) -> dict[str, float]:
        """Each accepted word's weight: similarity x rarity (IDF)."""
        weights: dict[str, float] = {}
        for group in self.groups:
            for term, similarity in group.items():
                count = max(1, self.counts.get(term, 1))
                # Rounded as the SQL states it, so memory and SQL sum alike.
                weight = round(similarity * math.log(1 + _IDF_SCALE / count), 5)
                weights[term] = max(weights.get(term, 0.0), weight)
        return weights


def expand_query(words: list[str], vocabulary: Vocabulary | None = None) -> Expansion:
    """For each query word, the registry words it may mean.

    Words that share its first three letters (completions, typos further on)
    or that differ from it by one typo in the first four letters; failing
    those, words that share its first two letters. At most `_TERMS_PER_WORD`
    each, the most similar first, then the most common.
    """
    vocabulary = vocabulary or registry_vocabulary()
    groups = []
    for index, word in enumerate(words):
        # Only the last word may be half typed; an earlier one was finished,
        # and a longer word that starts with it is more likely another word.
        completion = 0.85 if index == len(words) - 1 else 0.6
        near = set(vocabulary.terms(word[:3]))
        for key in _edit_keys(word):
            near.update(vocabulary.terms(key))
        accepted = _accept(word, near, completion)
        if not accepted and len(word) >= 3:
            accepted = _accept(word, vocabulary.terms(word[:2]), completion)
        best = sorted(
            accepted, key=lambda t: (accepted[t], vocabulary.counts.get(t, 0))
        )[::-1][:_TERMS_PER_WORD]
        groups.append({t: accepted[t] for t in best})
    counts = {t: vocabulary.counts.get(t, 0) for g in groups for t in g}
    return Expansion(words, groups, counts)


_COLUMNS = (
    "k.name_key, k.name, k.legal_name, k.public_id, k.municipality, k.state,"
    " k.status, k.address"
)
_F_COLUMNS = (
    "f.name_key AS name_key, f.name AS name, f.legal_name AS legal_name,"
    " f.public_id AS public_id, f.municipality AS municipality, f.state AS state,"
    " f.status AS status, f.address AS address"
)


def _rows_to_blocked(
    rows: Iterable[tuple[Any, ...]], found: dict[Any, Blocked]
) -> None:
    for facility_id, weight, alias_key, *columns in rows:
        blocked = found.get(facility_id)
        if blocked is None:
            name_key, name, legal, public_id, municipality, state, status, address = (
                columns
            )
            blocked = found[facility_id] = Blocked(
                facility_id,
                name_key or "",
                float(weight or 0),
                name or "",
                legal or "",
                public_id,
                municipality or "",
                state,
                status,
                address or "",
            )
        if alias_key and alias_key not in blocked.alias_keys:
            blocked.alias_keys.append(alias_key)


def block(
    *,
    expansion: Expansion,
    state: str | None,
    name_prefix: str = "",
    limit: int = RANKED_CANDIDATES,
) -> list[Blocked]:
    """Candidate facilities for an expanded query, best blocking weight first.

    Every candidate holds one of the query's rarest accepted words, taken
    rarest first up to `CANDIDATE_BUDGET` postings; its weight sums the
    weights of all the accepted words it holds. When even the rarest word is
    common ("Confecciones"), an arbitrary `SEED_LIMIT` of its facilities are
    weighed, and `name_prefix` (the normalised query) adds up to 50 whose
    name starts with it, so that the facility called exactly that is among
    them. `state` limits candidates to one state.
    """
    weights = expansion.weights()
    if not weights:
        return []
    rare = expansion.seed_terms()
    postings = sum(expansion.counts.get(t, 0) for t in rare)
    common_only = postings > SEED_LIMIT

    terms = sorted(weights)
    marks = ", ".join(["%s"] * len(terms))
    rare_marks = ", ".join(["%s"] * len(rare))
    cases = " ".join(f"WHEN %s THEN {weights[t]:.5f}" for t in terms)
    seed = f"SELECT r.facility_id FROM {_TOKENS} r WHERE r.token IN ({rare_marks})"  # noqa: S608
    if common_only:
        seed += f" LIMIT {SEED_LIMIT}"
    # Without a state, the best by weight are chosen before facilities are
    # joined (a join per candidate is most of the cost); with a state, the
    # join must filter first. Three times `limit` leaves room for ties.
    inner_limit = (
        "" if state else f" ORDER BY w DESC, t.facility_id LIMIT {2 * int(limit)}"
    )
    state_sql = " AND f.state = %s" if state else ""
    sql = (
        f"SELECT k.facility_id, k.w, a.name_key, {_COLUMNS}"  # noqa: S608
        f" FROM (SELECT c.facility_id AS facility_id, c.w AS w, {_F_COLUMNS} FROM ("
        f"SELECT t.facility_id AS facility_id, SUM(CASE t.token {cases} ELSE 0 END) AS w"
        f" FROM {_TOKENS} t WHERE t.facility_id IN ({seed}) AND t.token IN ({marks})"
        f" GROUP BY t.facility_id{inner_limit}"
        f") c JOIN {_FACILITIES} f ON f.id = c.facility_id"
        f" WHERE f.status <> %s{state_sql}"
        f" ORDER BY c.w DESC, LENGTH(f.name_key), c.facility_id LIMIT {int(limit)}"
        f") k LEFT JOIN {_ALIASES} a ON a.facility_id = k.facility_id"
    )
    params: list[Any] = [*terms, *rare, *terms, FacilityStatus.MERGED.value]
    if state:
        params.append(state)
    found: dict[Any, Blocked] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        _rows_to_blocked(cursor.fetchall(), found)
        if common_only and name_prefix:
            condition, prefix_params = _prefix_condition("f.name_key", [name_prefix])
            cursor.execute(
                f"SELECT k.id, 0, a.name_key, {_COLUMNS} FROM ("  # noqa: S608
                f"SELECT f.id AS id, {_F_COLUMNS} FROM {_FACILITIES} f"
                f" WHERE ({condition}) AND f.status <> %s{state_sql}"
                " ORDER BY f.name_key LIMIT 50"
                f") k LEFT JOIN {_ALIASES} a ON a.facility_id = k.id",
                [
                    *prefix_params,
                    FacilityStatus.MERGED.value,
                    *([state] if state else []),
                ],
            )
            prefixed: dict[Any, Blocked] = {}
            _rows_to_blocked(cursor.fetchall(), prefixed)
            for key, blocked in prefixed.items():
                if key not in found:
                    words = set(blocked.name_key.split())
                    blocked.weight = sum(w for t, w in weights.items() if t in words)
                    found[key] = blocked
    return sorted(
        found.values(),
        key=lambda b: (-b.weight, len(b.name_key), str(b.facility_id)),
    )


class StateIndex:
    """One state's facilities in memory, blocked as `block` does in SQL.

    For matching many records of one state (an import): a state is read in
    three queries (a few tenths of a second for 20,000 facilities), then each
    record is blocked without a query. Only what blocking and the first ranking
    need is kept (id, name key, words, other names: some 250 bytes a
    facility); the candidates' other fields come from `fill_details`.
    """

    def __init__(self, state: str) -> None:
        self.state = state
        self._ids: list[Any] = []
        self._name_keys: list[str] = []
        self._words: list[tuple[str, ...]] = []
        self._aliases: dict[int, list[str]] = {}
        self._postings: dict[str, list[int]] = defaultdict(list)
        status = FacilityStatus.MERGED.value
        position: dict[Any, int] = {}
        words: list[list[str]] = []
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT f.id, f.name_key FROM {_FACILITIES} f"  # noqa: S608
                " WHERE f.state = %s AND f.status <> %s",
                [state, status],
            )
            for facility_id, name_key in cursor.fetchall():
                position[facility_id] = len(self._ids)
                self._ids.append(facility_id)
                self._name_keys.append(name_key or "")
                words.append([])
            cursor.execute(
                f"SELECT a.facility_id, a.name_key FROM {_ALIASES} a"  # noqa: S608
                f" JOIN {_FACILITIES} f ON f.id = a.facility_id WHERE f.state = %s",
                [state],
            )
            for facility_id, alias_key in cursor.fetchall():
                if facility_id in position and alias_key:
                    self._aliases.setdefault(position[facility_id], []).append(
                        alias_key
                    )
            cursor.execute(
                f"SELECT t.facility_id, t.token FROM {_TOKENS} t"  # noqa: S608
                f" JOIN {_FACILITIES} f ON f.id = t.facility_id"
                " WHERE f.state = %s AND f.status <> %s",
                [state, status],
            )
            for facility_id, token in cursor.fetchall():
                index = position.get(facility_id)
                if index is not None:
                    token = sys.intern(token)
                    words[index].append(token)
                    self._postings[token].append(index)
        self._words = [tuple(w) for w in words]

    def block(self, *, expansion: Expansion, limit: int) -> list[Blocked]:
        """Candidates with their id, name key, other names and blocking weight;
        the rest of their fields are empty until `fill_details`."""
        weights = expansion.weights()
        if not weights:
            return []
        seeds: set[int] = set()
        for term in expansion.seed_terms():
            seeds.update(self._postings.get(term, ()))
        scored = [(sum(weights.get(t, 0.0) for t in self._words[i]), i) for i in seeds]
        # The order of `block`'s SQL, ties included.
        best = heapq.nsmallest(
            limit,
            scored,
            key=lambda wi: (
                -wi[0],
                len(self._name_keys[wi[1]]),
                str(self._ids[wi[1]]),
            ),
        )
        return [
            Blocked(
                self._ids[i],
                self._name_keys[i],
                w,
                state=self.state,
                alias_keys=list(self._aliases.get(i, ())),
            )
            for w, i in best
        ]


def fill_details(candidates: Iterable[Blocked]) -> None:
    """Read the fields `StateIndex` leaves out, for the candidates given (one
    query per 500)."""
    pending: dict[Any, list[Blocked]] = defaultdict(list)
    for candidate in candidates:
        pending[candidate.facility_id].append(candidate)
    ids = list(pending)
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT f.id, 0, NULL, {_F_COLUMNS} FROM {_FACILITIES} f"  # noqa: S608
                f" WHERE f.id IN ({marks})",
                chunk,
            )
            found: dict[Any, Blocked] = {}
            _rows_to_blocked(cursor.fetchall(), found)
            for facility_id, detail in found.items():
                for candidate in pending.get(facility_id, ()):
                    candidate.name = detail.name
                    candidate.legal_name = detail.legal_name
                    candidate.public_id = detail.public_id
                    candidate.municipality = detail.municipality
                    candidate.state = detail.state
                    candidate.status = detail.status
                    candidate.address = detail.address


_state_lock = threading.Lock()
_state_indexes: dict[str, StateIndex] = {}
_state_version: tuple[str, int, Mark] | None = None


def state_index(state: str) -> StateIndex:
    """The in-memory index of a state, kept while the registry does not change
    (same database, same highest token row, no `facility_index_many` here);
    any change drops every state's."""
    global _state_version
    version = (str(connection.settings_dict.get("NAME")), _generation, _token_mark())
    with _state_lock:
        if version != _state_version:
            _state_indexes.clear()
            _state_version = version
        index = _state_indexes.get(state)
    if index is None:
        index = StateIndex(state)
        with _state_lock:
            if _state_version == version:
                _state_indexes[state] = index
    return index


def _similarity(query_key: str, name: str) -> float:
    return (
        0.6 * fuzz.token_set_ratio(query_key, name)
        + 0.4 * fuzz.token_sort_ratio(query_key, name)
    ) / 100


@lru_cache(maxsize=20_000)
def _normalised(name: str) -> str:
    return normalise_name(name)


def rank(
    query_key: str,
    candidates: list[Blocked],
    corrected: str = "",
    precise: int = _PRECISE,
) -> list[tuple[Blocked, float]]:
    """Candidates by closeness of their names to the whole query, best first.

    Two passes, because normalising a name costs more than comparing it. The
    first compares the query with each candidate's stored key (name and legal
    name run together) and blends in the blocking weight, which knows which
    words are rare; the best `precise` then compare with each of their names
    apart (name, legal name, other names), so that a long legal name does not
    push a facility whose name is exactly the query down the list. Similarity
    is rapidfuzz's token set ratio (the query may be part of a name) with its
    token sort ratio (closer length first), as in the matcher, of the query as
    typed or as `corrected` (each word replaced by the registry word most like
    it), whichever is closer.
    """
    if not candidates:
        return []
    queries = (
        [query_key]
        if not corrected or corrected == query_key
        else [
            query_key,
            corrected,
        ]
    )
    top_weight = max(c.weight for c in candidates) or 1.0
    rough = _best_similarity(queries, [(c.name_key, *c.alias_keys) for c in candidates])
    first = sorted(
        zip(
            candidates,
            (
                0.5 * r + 0.5 * c.weight / top_weight
                for r, c in zip(rough, candidates, strict=True)
            ),
            strict=True,
        ),
        key=lambda cs: (-cs[1], len(cs[0].name_key), str(cs[0].facility_id)),
    )
    head = [c for c, _r in first[:precise]]
    fine = _best_similarity(
        queries,
        [(_normalised(c.name), _normalised(c.legal_name), *c.alias_keys) for c in head],
    )
    scored = [
        (c, 0.75 * f + 0.25 * c.weight / top_weight)
        for c, f in zip(head, fine, strict=True)
    ]
    scored.sort(
        key=lambda cs: (
            -cs[1],
            len(cs[0].name_key),
            cs[0].name_key,
            str(cs[0].facility_id),
        )
    )
    # The rest keep their rough score, below every precisely scored one.
    floor = min((s for _c, s in scored), default=1.0)
    rest = [(c, min(r, floor)) for c, r in first[precise:]]
    return scored + rest


def _best_similarity(queries: list[str], names: list[tuple[str, ...]]) -> list[float]:
    """For each group of names, the best `_similarity` of any query to any of
    them; rapidfuzz compares each query with all names in one call."""
    flat = [n for group in names for n in group]
    best_flat = [0.0] * len(flat)
    for q in queries:
        token_set = [0.0] * len(flat)
        for _name, value, i in process.extract(
            q, flat, scorer=fuzz.token_set_ratio, limit=None
        ):
            token_set[i] = value
        for _name, value, i in process.extract(
            q, flat, scorer=fuzz.token_sort_ratio, limit=None
        ):
            combined = (0.6 * token_set[i] + 0.4 * value) / 100
            if flat[i] and combined > best_flat[i]:
                best_flat[i] = combined
    best: list[float] = []
    start = 0
    for group in names:
        best.append(max(best_flat[start : start + len(group)], default=0.0))
        start += len(group)
    return best


def _valid_state(state: str | None) -> tuple[bool, str | None]:
    """(usable, code): an unknown state matches nothing rather than everything."""
    if not state:
        return True, None
    code = state_code(str(state)[:60])
    return code is not None, code


def facility_search_scored(
    *, q: str, state: str | None = None, limit: int = 20
) -> list[tuple[Facility, float]]:
    """Facilities best matching a typed name, each with a relevance in [0, 1]."""
    usable, code = _valid_state(state)
    words = query_words(q or "")
    limit = max(0, min(int(limit), MAX_LIMIT))
    if not usable or not words or not limit:
        return []
    query_key = " ".join(normalise_name(q[:MAX_QUERY_CHARS]).split()[:20])
    expansion = expand_query(words)
    blocked = block(
        expansion=expansion,
        state=code,
        name_prefix=query_key,
        limit=max(RANKED_CANDIDATES, limit),
    )
    best = rank(query_key, blocked, expansion.corrected(query_key))[:limit]
    if not best:
        return []
    return [
        (candidate.facility(), round(relevance, 4)) for candidate, relevance in best
    ]


def _pk(value: Any) -> Any:
    """A primary key from a raw SQL row as the ORM gives it (SQLite: hex text)."""
    return Facility._meta.get_field("id").to_python(value)


def facility_search(
    *, q: str, state: str | None = None, limit: int = 20
) -> list[Facility]:
    """Facilities best matching a typed name, best first (see the module docstring).

    "Industias del Interor", "ind del interior sa de cv" and "INDUSTRIAS
    INTERIOR" all find "Industrias del Interior, S.A. de C.V."; any query, of
    any length or content, answers with a list, empty if nothing fits.
    """
    return [f for f, _ in facility_search_scored(q=q, state=state, limit=limit)]


def facility_get(*, facility_id: Any) -> Facility:
    return get_scoped(Facility.objects.all(), pk=facility_id)


def facility_list() -> QuerySet[Facility]:
    return Facility.objects.all()
