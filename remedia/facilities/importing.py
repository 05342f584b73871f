"""Importing a facility list: reading it, placing each row, writing the result.

A list arrives from a brand, a labour authority or a spreadsheet someone kept:
UTF-8 with or without a byte-order mark, or Latin-1 from an old Excel; commas,
semicolons or tabs; English or Spanish headers, in any case and with or without
accents. Reading the file is `core.tables`' (shared with the training
rosters); whatever cannot be read is a file-level error; whatever can be read is
checked row by row, and every rejected row is reported with its number (as a
spreadsheet shows it: the header is row 1) and its reason, so that a person can
fix the file and import it again.

Three stages, each its own section below: checking (no database),
planning where every row goes (reads the registry, writes nothing: a dry run
is a plan), and writing a plan in bulk. The transaction around them, and the
all-or-nothing rule, are services.facilities_import's. The stages live here
rather than in services.py because they are one piece with one vocabulary
(rows, groups, targets, outcomes) that the services only drive.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, Protocol

from django.utils import timezone
from django.utils.translation import gettext as _

from remedia.core.geo import fold, state_code
from remedia.core.tables import (
    TableRejected,
    header_columns,
    header_key,
    read_rows,
    table_rows,
)
from remedia.facilities import bulk
from remedia.facilities.matching import REVIEW, record_key
from remedia.facilities.matching import score as match_score
from remedia.facilities.models import (
    _PUBLIC_ID_ALPHABET,
    CandidateStatus,
    Facility,
    FacilityAlias,
    FacilityEvent,
    FacilityEventKind,
    FacilityImport,
    FacilityMatchCandidate,
    FacilitySearchToken,
    FacilityStatus,
    ImportedRow,
    MatchDecision,
)
from remedia.facilities.normalise import normalise_name

# Columns of PRODUCT.md (Command line, `import-facilities`), with the Spanish
# headers it names and a few spellings lists use in the wild.
_HEADERS: dict[str, str] = {
    "name": "name",
    "nombre": "name",
    "legal_name": "legal_name",
    "razon_social": "legal_name",
    "address": "address",
    "direccion": "address",
    "domicilio": "address",
    "municipality": "municipality",
    "municipio": "municipality",
    "state": "state",
    "estado": "state",
    "entidad": "state",
    "entidad_federativa": "state",
    "sector": "sector",
    "workers": "workers",
    "trabajadores": "workers",
    "personas_trabajadoras": "workers",
    "os_id": "os_id",
    "external_id": "external_id",
    "id_externo": "external_id",
    "lat": "lat",
    "latitud": "lat",
    "latitude": "lat",
    "lng": "lng",
    "lon": "lng",
    "long": "lng",
    "longitud": "lng",
    "longitude": "lng",
}
REQUIRED = ("name", "state")
TEXT_FIELDS = (
    "name",
    "legal_name",
    "address",
    "municipality",
    "sector",
    "os_id",
    "external_id",
)
FIELDS = (*TEXT_FIELDS[:4], "state", *TEXT_FIELDS[4:], "workers", "lat", "lng")
# The Spanish header shown beside the English one in messages.
_SPANISH = {
    "name": "nombre",
    "legal_name": "razon_social",
    "address": "direccion",
    "municipality": "municipio",
    "state": "estado",
    "sector": "sector",
    "workers": "trabajadores",
}

# progress(stage, done, total): stage is "read", "match" or "save"; a total of 0
# is not known yet.
Progress = Callable[[str, int, int], None]

MAX_WORKERS = 1_000_000
MAX_ROWS = 1_000_000

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_INTEGER = re.compile(r"^\d+(?:\.0+)?$|^\d{1,3}(?:,\d{3})+$")


# The file as a whole cannot be imported; `reason` says why. Reading is
# core.tables', so its refusal is this one.
FileRejected = TableRejected


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class CleanRow:
    """One valid row, every value cleaned; empty strings for what was not given."""

    row: int
    name: str
    state: str
    legal_name: str = ""
    address: str = ""
    municipality: str = ""
    sector: str = ""
    os_id: str = ""
    external_id: str = ""
    workers: int | None = None
    lat: Decimal | None = None
    lng: Decimal | None = None

    def values(self) -> dict[str, Any]:
        """The facility fields this row gives (empty ones left out)."""
        out: dict[str, Any] = {}
        for name in FIELDS:
            value = getattr(self, name)
            if value not in ("", None):
                out[name] = value
        return out

    def as_record(self) -> dict[str, Any]:
        """JSON-safe form, kept on a review candidate until a person decides."""
        record: dict[str, Any] = {name: getattr(self, name) for name in FIELDS}
        for name in ("lat", "lng"):
            if record[name] is not None:
                record[name] = str(record[name])
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any], *, row: int = 0) -> CleanRow:
        values: dict[str, Any] = {name: record.get(name) for name in FIELDS}
        for name in TEXT_FIELDS:
            values[name] = values[name] or ""
        for name in ("lat", "lng"):
            raw = values[name]
            values[name] = Decimal(str(raw)) if raw not in (None, "") else None
        return cls(row=row, **values)


@dataclass
class ParsedFile:
    rows: list[CleanRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    total: int = 0


def header_field(header: Any) -> str | None:
    """The facility field a column header names, or None for a column to ignore."""
    return _HEADERS.get(header_key(header))


def _max_length(name: str) -> int:
    return int(getattr(Facility._meta.get_field(name), "max_length", 0) or 0)


def _label(name: str) -> str:
    spanish = _SPANISH.get(name)
    return f"«{name}» / «{spanish}»" if spanish and spanish != name else f"«{name}»"


# --- Checking rows ----------------------------------------------------------------------


def _columns(header: list[str]) -> dict[str, int]:
    columns = header_columns(header, field_of=header_field, label=_label)
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        if len(columns) == 0:
            raise FileRejected(
                _(
                    "La primera fila debe ser el encabezado con los nombres de las "
                    "columnas; faltan las obligatorias %(columns)s."
                )
                % {"columns": " y ".join(_label(m) for m in missing)}
            )
        raise FileRejected(
            _("Falta la columna obligatoria %(column)s.")
            % {"column": " y ".join(_label(m) for m in missing)}
        )
    return columns


def _clean_text(value: str) -> str:
    return " ".join(_CONTROL.sub(" ", value).split())


def _workers(value: str) -> tuple[int | None, str | None]:
    text = value.replace(" ", "")
    if text.startswith("-") and _INTEGER.match(text[1:]):
        return None, _("El número de personas trabajadoras no puede ser negativo.")
    if not _INTEGER.match(text):
        return None, _(
            "El número de personas trabajadoras debe ser un número entero, "
            "no «%(value)s»."
        ) % {"value": value[:40]}
    number = int(Decimal(text.replace(",", "")))
    if number > MAX_WORKERS:
        return None, _(
            "El número de personas trabajadoras no puede pasar de %(max)s."
        ) % {"max": f"{MAX_WORKERS:,}"}
    return number, None


def _coordinate(value: str, *, limit: int) -> Decimal | None:
    text = value.replace(" ", "")
    if "," in text and "." not in text:
        text = text.replace(",", ".")  # a decimal comma, as Spanish spreadsheets write
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    if not number.is_finite() or not -limit <= number <= limit:
        return None
    return number.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)


def clean_row(
    number: int, raw: dict[str, str]
) -> tuple[CleanRow | None, list[RowError]]:
    """Check one row; either a clean row or the reasons it is rejected."""
    errors: list[RowError] = []
    text: dict[str, str] = {}
    for name in TEXT_FIELDS:
        value = _clean_text(raw.get(name, ""))
        limit = _max_length(name)
        if len(value) > limit:
            errors.append(
                RowError(
                    number,
                    name,
                    _(
                        "La columna %(column)s tiene %(length)d caracteres; el "
                        "máximo es %(max)d."
                    )
                    % {"column": _label(name), "length": len(value), "max": limit},
                )
            )
        text[name] = value

    if not text["name"]:
        errors.append(RowError(number, "name", _("Falta el nombre del centro.")))
    elif not normalise_name(text["name"]):
        errors.append(
            RowError(
                number,
                "name",
                _(
                    "El nombre «%(value)s» no dice qué centro es (solo tiene una "
                    "forma jurídica o signos)."
                )
                % {"value": text["name"][:60]},
            )
        )

    state_raw = _clean_text(raw.get("state", ""))
    state = state_code(state_raw) if state_raw else None
    if not state_raw:
        errors.append(RowError(number, "state", _("Falta el estado.")))
    elif state is None:
        errors.append(
            RowError(
                number,
                "state",
                _(
                    "Estado desconocido: «%(value)s». Escriba el nombre del estado "
                    "o su código ISO 3166-2:MX (p. ej. MX-PUE)."
                )
                % {"value": state_raw[:60]},
            )
        )

    workers: int | None = None
    workers_raw = _clean_text(raw.get("workers", ""))
    if workers_raw:
        workers, reason = _workers(workers_raw)
        if reason:
            errors.append(RowError(number, "workers", reason))

    coordinates: dict[str, Decimal | None] = {}
    for name, limit in (("lat", 90), ("lng", 180)):
        value = _clean_text(raw.get(name, ""))
        coordinates[name] = None
        if value:
            coordinates[name] = _coordinate(value, limit=limit)
            if coordinates[name] is None:
                message = (
                    _("La latitud debe ser un número entre -90 y 90, no «%(value)s».")
                    if name == "lat"
                    else _(
                        "La longitud debe ser un número entre -180 y 180, "
                        "no «%(value)s»."
                    )
                )
                errors.append(RowError(number, name, message % {"value": value[:40]}))
    if not errors and (coordinates["lat"] is None) != (coordinates["lng"] is None):
        errors.append(
            RowError(
                number,
                "lat" if coordinates["lat"] is None else "lng",
                _("La latitud y la longitud van juntas: falta una de las dos."),
            )
        )

    if errors or state is None:
        return None, errors
    return (
        CleanRow(
            row=number,
            state=state,
            workers=workers,
            lat=coordinates["lat"],
            lng=coordinates["lng"],
            **text,
        ),
        [],
    )


def parse(
    *, data: bytes, file_name: str, progress: Progress | None = None
) -> ParsedFile:
    """Read and check a whole file; raises FileRejected for file-level problems.

    `progress("read", rows so far, 0)` is called as rows are read: how many
    there are is known only at the end.
    """
    return parse_rows(read_rows(data=data, file_name=file_name), progress=progress)


def parse_rows(
    rows: Iterable[tuple[int, list[str]]], *, progress: Progress | None = None
) -> ParsedFile:
    parsed = ParsedFile()
    for number, raw in table_rows(rows, columns=_columns, max_rows=MAX_ROWS):
        parsed.total += 1
        if progress is not None and parsed.total % 5000 == 0:
            progress("read", parsed.total, 0)
        row, errors = clean_row(number, raw)
        if row is not None:
            parsed.rows.append(row)
        parsed.errors.extend(errors)
    return parsed


# --- Planning: where each row goes (reads the registry, writes nothing) --------------
#
# A plan is computed in full before anything is written, so a dry run is the
# plan alone and a real import writes exactly what the dry run showed.
#
# A row's identity is its content (`row_fingerprint`: every column, up to
# case, accents and spacing), whatever file, encoding or order it came in.
# Rows of one file with the same content, or the same external id in the same
# state, are one group: the source said the same thing twice. Each group is
# then placed, first by what earlier imports and people already settled: a row
# an earlier import placed (`ImportedRow`) goes where it went, and changes
# nothing; a row waiting in the review queue stays there; then the facility
# with its external id (same state), a person's remembered decision, an exact
# match on a name or other name in the state's registry (read once per state),
# and only then the matcher (`services.match_records`), which costs a query
# per record. A state with no facility yet needs no matcher at all, which is
# what keeps a first import of 100,000 rows fast.
#
# Rows of one file never settle on each other (issue 20): the matcher sees
# only the registry, and `_one_file_rules` then turns into questions for a
# person (i) every second group that an exact or fuzzy match put on a facility
# another group of the file is on, and (ii) every group that would make a new
# facility with the name of an earlier group of the file in the same place.
# Identity is what makes a re-import a no-op however the registry has grown
# since: the matcher's answer for a row may change as the registry does
# (its blocking keeps the best few candidates of many), its identity does not.

# Fields an import may change on an existing facility when the file gives a
# different value. A blank cell never clears anything.
UPDATABLE = ("legal_name", "address", "municipality", "sector", "workers", "lat", "lng")
# Identifiers are filled in when the facility has none, never replaced: another
# list, or Open Supply Hub, may rely on the value it has.
FILL_ONLY = ("os_id", "external_id")
# Candidates of one record put to a person at most.
REVIEW_CANDIDATES = 3
_LOOKUP_CHUNK = 900


class MatchLike(Protocol):
    """What `services.match_records` answers per record (its `MatchResult`)."""

    @property
    def kind(self) -> str: ...
    @property
    def facility(self) -> Facility | None: ...
    @property
    def score(self) -> float: ...
    @property
    def candidates(self) -> list[tuple[Facility, float]]: ...


Matcher = Callable[[list[CleanRow]], Sequence[MatchLike]]
# The words a facility is found by, from its names (services.index_words).
IndexWords = Callable[..., list[str]]


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


@lru_cache(maxsize=200_000)
def _key(name: str) -> str:
    return normalise_name(name)


def facility_name_key(*, name: str, legal_name: str) -> str:
    """`Facility.name_key` as `Facility.save` computes it (bulk writes skip save)."""
    names = [_key(name or ""), _key(legal_name or "")]
    return " ".join(dict.fromkeys(n for n in names if n))[:255]


def row_key(row: CleanRow) -> str:
    """`matching.record_key` of a clean row (its state is a code already),
    from the import's caches."""
    return "|".join((_key(row.name), _folded(row.municipality), row.state))[:400]


@lru_cache(maxsize=50_000)
def _folded(text: str) -> str:
    # Municipalities, states, sectors repeat row after row: fold each once.
    return fold(text)


def row_fingerprint(row: CleanRow) -> str:
    """A row's identity: every column's value, text folded (case, accents and
    spacing do not count), the state as its code. The row number does not
    count either: the same list sorted otherwise is the same list."""
    parts = []
    for name in FIELDS:
        value = getattr(row, name)
        if value is None:
            parts.append("")
        elif isinstance(value, str):
            parts.append(
                _folded(value)
                if name not in ("name", "legal_name", "address")
                else fold(value)
            )
        else:
            parts.append(str(value))
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def record_fingerprint(record: dict[str, Any]) -> str:
    """The fingerprint of a review candidate's record."""
    stored = record.get("fingerprint")
    if isinstance(stored, str) and stored:
        return stored
    return row_fingerprint(CleanRow.from_record(record))


def _public_id() -> str:
    # The format of models.public_id_new (Crockford base 32, 40 random bits),
    # from one call to the system's random source instead of eight.
    bits = int.from_bytes(secrets.token_bytes(5), "big")
    return "FAC-" + "".join(
        _PUBLIC_ID_ALPHABET[(bits >> shift) & 31] for shift in range(35, -1, -5)
    )


# What the import reads of an existing facility: its fields, not a model
# instance (a re-import of 100,000 rows holds them all at once).
_KNOWN_FIELDS = (
    "pk",
    "public_id",
    "name",
    "legal_name",
    "address",
    "municipality",
    "state",
    "sector",
    "workers",
    "lat",
    "lng",
    "os_id",
    "external_id",
    "status",
    "merged_into_id",
)


@dataclass(slots=True)
class Known:
    pk: Any
    public_id: str
    name: str
    legal_name: str
    address: str
    municipality: str
    state: str
    sector: str
    workers: int | None
    lat: Decimal | None
    lng: Decimal | None
    os_id: str
    external_id: str
    status: str
    merged_into_id: Any

    @classmethod
    def of(cls, facility: Facility) -> Known:
        return cls(*(getattr(facility, name) for name in _KNOWN_FIELDS))


def _known(queryset: Any) -> Iterator[Known]:
    for values in queryset.values_list(*_KNOWN_FIELDS).iterator(chunk_size=2000):
        yield Known(*values)


def _live(known: Known) -> Known:
    """The facility a merged record lives on in, as the import sees it."""
    if known.status != FacilityStatus.MERGED or not known.merged_into_id:
        return known
    return Known.of(merge_target(Facility.objects.get(pk=known.pk)))


@dataclass(slots=True)
class Target:
    """A facility rows go to: one that exists, or one the import creates."""

    pk: Any
    new: bool
    public_id: str = ""
    name: str = ""
    facility: Known | None = None  # the existing facility, once read
    # The rows to fold into the facility: rows an earlier import placed
    # already are not among them (they would undo a later edit).
    rows: list[CleanRow] = field(default_factory=list)
    # Their fingerprints, to remember once written.
    fingerprints: list[str] = field(default_factory=list)
    # A new facility: every field to store.
    values: dict[str, Any] = field(default_factory=dict)
    # An existing facility: {field: [before, after]}, Python values.
    changes: dict[str, list[Any]] = field(default_factory=dict)
    aliases: list[str] = field(default_factory=list)
    # Names the facility already has (name, legal name, other names).
    alias_names: list[str] = field(default_factory=list)
    # A remembered "new facility" decision to point at the facility once made.
    decision_key: str = ""

    @classmethod
    def existing(cls, facility: Facility, rows: list[CleanRow]) -> Target:
        target = cls(pk=facility.pk, new=False, rows=list(rows))
        target.attach(Known.of(facility))
        return target

    def attach(self, facility: Known) -> None:
        self.facility = facility
        self.public_id, self.name = facility.public_id, facility.name

    @property
    def touched(self) -> bool:
        return bool(self.changes or self.aliases)


@dataclass(slots=True)
class Review:
    """A record a person must place: it may be one of `candidates`, given as
    (facility id, score), best first; the facility may be one this import
    creates (another row of the file)."""

    row: CleanRow
    key: str
    fingerprint: str
    candidates: list[tuple[Any, float]]
    # Already waiting in the queue from an earlier import: nothing new to ask.
    queued: bool = False


@dataclass(frozen=True, slots=True)
class RowOutcome:
    """What happens (or would happen, in a dry run) to one row."""

    row: int
    action: str  # created | matched | updated | review
    # external_id | remembered | exact | auto | review | new | duplicate |
    # imported (an earlier import placed this very row) | queued (it waits in
    # the review queue) | in_file (an earlier row of the file has its name
    # there) | claimed (another row of the file is on the facility it matched)
    how: str
    name: str
    facility: str = ""  # public id (of a facility yet to be made, in a dry run)
    facility_name: str = ""
    score: float | None = None
    changes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "action": self.action,
            "how": self.how,
            "name": self.name,
            "facility": self.facility,
            "facility_name": self.facility_name,
            "score": self.score,
            "changes": list(self.changes),
        }


@dataclass(slots=True)
class Plan:
    started_at: Any
    targets: list[Target] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)
    outcomes: list[RowOutcome] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        counts = {"created": 0, "matched": 0, "updated": 0, "review": 0}
        for outcome in self.outcomes:
            counts[outcome.action] += 1
        return counts


@dataclass(slots=True)
class _Group:
    """Rows of one file that are one record (same content, or same external
    id in one state), and where they go."""

    rows: list[CleanRow]
    fingerprints: list[str]
    key: str
    state: str
    external_id: str
    municipality: str = ""  # folded, the first one given
    # Placement: "existing" (facility `pk`), "new" (a facility `pk` to make)
    # or "review" (`candidates`).
    kind: str = ""
    how: str = ""
    pk: Any = None
    # Placed by identity (an earlier import, an external id, a person's
    # decision) rather than by a likeness of names.
    certain: bool = False
    score: float | None = None
    candidates: list[tuple[Any, float]] = field(default_factory=list)
    queued: bool = False
    decision_key: str = ""
    # Rows no earlier import placed.
    fresh: list[CleanRow] = field(default_factory=list)
    fresh_fingerprints: list[str] = field(default_factory=list)
    target: Target | None = None
    review: Review | None = None

    def existing(self, pk: Any, how: str, *, certain: bool, score: float) -> None:
        self.kind, self.how, self.pk = "existing", how, pk
        self.certain, self.score = certain, score

    def new(self, how: str, decision_key: str = "") -> None:
        self.kind, self.how, self.pk = "new", how, uuid.uuid4()
        self.decision_key = decision_key

    def ask(self, candidates: list[tuple[Any, float]], how: str) -> None:
        seen: set[Any] = set()
        unique = []
        for pk, score in candidates:
            if pk not in seen:
                seen.add(pk)
                unique.append((pk, score))
        self.kind, self.how, self.pk = "review", how, None
        self.candidates = unique[:REVIEW_CANDIDATES]
        self.certain = False


def _chunks(items: Sequence[Any], size: int = _LOOKUP_CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _StateBlock:
    """The names of one state's facilities, for exact matching in memory."""

    def __init__(self, state: str) -> None:
        self.names: dict[str, list[tuple[Any, str]]] = defaultdict(list)
        live = Facility.objects.filter(state=state).exclude(
            status=FacilityStatus.MERGED
        )
        for pk, name, legal_name, municipality in live.values_list(
            "pk", "name", "legal_name", "municipality"
        ).iterator(chunk_size=5000):
            for key in {_key(name), _key(legal_name or "")}:
                if key:
                    self.names[key].append((pk, fold(municipality or "")))
        aliases = FacilityAlias.objects.filter(facility__state=state).exclude(
            facility__status=FacilityStatus.MERGED
        )
        for pk, key, municipality in aliases.values_list(
            "facility_id", "name_key", "facility__municipality"
        ).iterator(chunk_size=5000):
            if key:
                self.names[key].append((pk, fold(municipality or "")))

    @property
    def empty(self) -> bool:
        return not self.names

    def exact(self, row: CleanRow) -> set[Any]:
        """Facilities with the row's name as a name or other name, in the same
        municipality when both say (the matcher's exact rule)."""
        municipality = fold(row.municipality)
        return {
            pk
            for pk, theirs in self.names.get(_key(row.name), ())
            if not municipality or not theirs or theirs == municipality
        }


def _group(
    rows: list[CleanRow], fingerprints: list[str]
) -> tuple[list[_Group], list[_Group]]:
    """Rows that are one record said twice: the same content (up to case,
    accents and spacing), or the same external id in the same state. A name
    alone never joins two rows: that is for `_one_file_rules` to ask about."""
    groups: list[_Group] = []
    row_groups: list[_Group] = []
    by_fingerprint: dict[str, _Group] = {}
    by_external: dict[tuple[str, str], _Group] = {}
    for row, fingerprint in zip(rows, fingerprints, strict=True):
        group = by_fingerprint.get(fingerprint)
        if group is None and row.external_id:
            group = by_external.get((row.external_id, row.state))
        if group is None:
            group = _Group(
                rows=[],
                fingerprints=[],
                key=row_key(row),
                state=row.state,
                external_id=row.external_id,
                municipality=_folded(row.municipality),
            )
            groups.append(group)
        group.rows.append(row)
        group.fingerprints.append(fingerprint)
        by_fingerprint.setdefault(fingerprint, group)
        if row.external_id:
            by_external.setdefault((row.external_id, row.state), group)
            group.external_id = group.external_id or row.external_id
        group.municipality = group.municipality or _folded(row.municipality)
        row_groups.append(group)
    return groups, row_groups


def merge_target(facility: Facility) -> Facility:
    """The facility a merged record lives on in (merges re-point earlier ones)."""
    seen = {facility.pk}
    while facility.status == FacilityStatus.MERGED and facility.merged_into_id:
        facility = Facility.objects.get(pk=facility.merged_into_id)
        if facility.pk in seen:
            break
        seen.add(facility.pk)
    return facility


def _by_external_id(external_ids: set[str]) -> dict[tuple[str, str], Known]:
    """(external id, state) → the one live facility holding it there."""
    found: dict[tuple[str, str], list[Known]] = defaultdict(list)
    for chunk in _chunks(sorted(external_ids)):
        for facility in _known(Facility.objects.filter(external_id__in=chunk)):
            key = (facility.external_id, facility.state)
            facility = _live(facility)
            if all(f.pk != facility.pk for f in found[key]):
                found[key].append(facility)
    # Two facilities with one external id in one state: the id decides nothing.
    return {key: fs[0] for key, fs in found.items() if len(fs) == 1}


def _decisions(keys: set[str]) -> dict[str, MatchDecision]:
    found: dict[str, MatchDecision] = {}
    for chunk in _chunks(sorted(keys)):
        for decision in MatchDecision.objects.filter(key__in=chunk).select_related(
            "facility"
        ):
            found[decision.key] = decision
    return found


def _imported(fingerprints: set[str]) -> dict[str, Any]:
    """fingerprint → the facility an earlier import placed that row on."""
    found: dict[str, Any] = {}
    if not fingerprints or not ImportedRow.objects.exists():
        return found
    for chunk in _chunks(sorted(fingerprints)):
        found.update(
            ImportedRow.objects.filter(fingerprint__in=chunk).values_list(
                "fingerprint", "facility_id"
            )
        )
    return found


def candidate_key(record: dict[str, Any]) -> str:
    """The record key of a queued candidate's record."""
    return str(record.get("key") or "") or record_key(
        name=str(record.get("name") or ""),
        municipality=str(record.get("municipality") or ""),
        state=str(record.get("state") or ""),
    )


def _queued() -> dict[str, list[tuple[Any, float]]]:
    """fingerprint → the facilities a record waiting in the queue was put to a
    person with, best first."""
    pending = FacilityMatchCandidate.objects.filter(
        status=CandidateStatus.PENDING
    ).order_by("-score")
    found: dict[str, list[tuple[Any, float]]] = defaultdict(list)
    for record, facility_id, score in pending.values_list(
        "record", "facility_id", "score"
    ).iterator(chunk_size=2000):
        found[record_fingerprint(record)].append((facility_id, score))
    return found


def _differs(stored: Any, given: Any) -> bool:
    # "Rincon de Romos" does not correct "Rincón de Romos": text that differs
    # only in case, accents or spacing is the same value, and the stored one,
    # usually the more carefully written, stays.
    if isinstance(stored, str) and isinstance(given, str):
        return fold(stored) != fold(given)
    return bool(stored != given)


def fold_rows(targets: list[Target]) -> None:
    """Fold each target's rows into the fields to set and the names to add."""
    alias_names: dict[Any, list[tuple[str, str]]] = defaultdict(list)
    existing = [t.pk for t in targets if not t.new and t.rows]
    for chunk in _chunks(existing):
        for pk, name, key in FacilityAlias.objects.filter(
            facility_id__in=chunk
        ).values_list("facility_id", "name", "name_key"):
            alias_names[pk].append((name, key))
    for target in targets:
        if not target.rows:
            continue  # rows placed by an earlier import: nothing to fold
        target.rows.sort(key=lambda r: r.row)
        merged: dict[str, Any] = {}
        for row in target.rows:
            merged.update(row.values())  # the last value given wins
        if target.new:
            first = target.rows[0]
            target.values = {**merged, "name": first.name, "state": first.state}
            legal_name = target.values.get("legal_name", "")
            known = {_key(first.name), _key(legal_name)}
        else:
            facility = target.facility
            if facility is None:  # pragma: no cover  (read before folding)
                raise ValueError("an existing target without its facility")
            for name in UPDATABLE:
                if name in merged and _differs(getattr(facility, name), merged[name]):
                    target.changes[name] = [getattr(facility, name), merged[name]]
            for name in FILL_ONLY:
                if merged.get(name) and not getattr(facility, name):
                    target.changes[name] = [getattr(facility, name), merged[name]]
            legal_name = (
                target.changes["legal_name"][1]
                if "legal_name" in target.changes
                else facility.legal_name
            )
            target.alias_names = [name for name, _k in alias_names[target.pk]]
            known = {_key(facility.name), _key(legal_name or "")}
            known |= {key for _n, key in alias_names[target.pk]}
        for row in target.rows:
            key = _key(row.name)
            if key and key not in known:
                target.aliases.append(row.name)
                known.add(key)


@dataclass(frozen=True, slots=True)
class _RowCandidate:
    """An earlier row of the file, as the matcher's score sees a candidate."""

    name: str
    legal_name: str
    address: str
    municipality: str
    state: str
    alias_keys: tuple[str, ...] = ()


def _likeness(row: CleanRow, other: CleanRow) -> float:
    candidate = _RowCandidate(
        other.name, other.legal_name, other.address, other.municipality, other.state
    )
    return match_score(
        name=row.name,
        address=row.address,
        municipality=row.municipality,
        state=row.state,
        candidate=candidate,
    )


def _places_agree(a: str, b: str) -> bool:
    return not a or not b or a == b


def _one_file_rules(groups: list[_Group]) -> None:
    """Rows of one file never settle on each other; at most a person is asked.

    (i) A facility an exact or fuzzy match put two groups of the file on
    keeps the best of them (exact before fuzzy, then the higher score, then
    the earlier row), and none of them if a group is there by identity (an
    earlier import, an external id, a person's decision); the others go to
    review with that facility as their first candidate. (ii) A group that
    would make a new facility with the name (normalised) of an earlier group
    of the file, in the same place (the same municipality, or one of the two
    not saying), goes to review against the facility that earlier group is
    placed on, unless both rows have external ids (the source says they are
    two: different ids, or they would be one group).
    """
    claims: dict[Any, list[_Group]] = defaultdict(list)
    for group in groups:
        if group.kind == "existing":
            claims[group.pk].append(group)
    for pk, claimants in claims.items():
        fuzzy = [g for g in claimants if not g.certain]
        if len(claimants) < 2 or not fuzzy:
            continue
        fuzzy.sort(key=lambda g: (g.how != "exact", -(g.score or 0), g.rows[0].row))
        keep = fuzzy[0] if len(fuzzy) == len(claimants) else None
        for group in fuzzy:
            if group is not keep:
                group.ask([(pk, group.score or 1.0), *group.candidates], "claimed")

    earlier: dict[tuple[str, str], list[_Group]] = defaultdict(list)
    for group in groups:
        first = group.rows[0]
        same_name = earlier[(_key(first.name), group.state)]
        if group.kind == "new":
            before = next(
                (
                    e
                    for e in same_name
                    if _places_agree(e.municipality, group.municipality)
                    and not (e.external_id and group.external_id)
                ),
                None,
            )
            if before is not None:
                likeness = _likeness(first, before.rows[0])
                group.ask([(before.pk, likeness)], "in_file")
        if group.kind != "review":
            same_name.append(group)


def plan(
    rows: list[CleanRow], *, match: Matcher, progress: Progress | None = None
) -> Plan:
    """Where every row goes, computed from the registry as it is; writes nothing."""
    report = progress or _no_progress
    result = Plan(started_at=timezone.now())
    total = len(rows)
    fingerprints = [row_fingerprint(r) for r in rows]
    groups, row_groups = _group(rows, fingerprints)

    imported = _imported(set(fingerprints))
    queued = _queued()
    external = _by_external_id({g.external_id for g in groups if g.external_id})
    decisions = _decisions({g.key for g in groups})
    blocks: dict[str, _StateBlock] = {}
    loaded: dict[Any, Known] = {}

    deferred: list[_Group] = []
    done = 0
    for group in groups:
        first = group.rows[0]
        for row, fingerprint in zip(group.rows, group.fingerprints, strict=True):
            if fingerprint not in imported:
                group.fresh.append(row)
                group.fresh_fingerprints.append(fingerprint)
        placed = next((imported[f] for f in group.fingerprints if f in imported), None)
        waiting = next((queued[f] for f in group.fingerprints if f in queued), None)
        by_id = external.get((group.external_id, first.state))
        decision = decisions.get(group.key)
        if placed is not None:
            group.existing(placed, "imported", certain=True, score=1.0)
        elif waiting is not None:
            group.ask(waiting, "queued")
            group.queued = True
        elif by_id is not None:
            loaded.setdefault(by_id.pk, by_id)
            group.existing(by_id.pk, "external_id", certain=True, score=1.0)
        elif decision is not None and decision.facility is not None:
            kept = Known.of(merge_target(decision.facility))
            loaded.setdefault(kept.pk, kept)
            group.existing(kept.pk, "remembered", certain=True, score=1.0)
        elif decision is not None:
            group.new("remembered", decision_key=group.key)
        else:
            block = blocks.get(first.state)
            if block is None:
                block = blocks[first.state] = _StateBlock(first.state)
            exact = set() if block.empty else block.exact(first)
            if len(exact) == 1:
                group.existing(next(iter(exact)), "exact", certain=False, score=1.0)
            elif block.empty:
                group.new("new")
            else:
                deferred.append(group)
                continue
        before, done = done, done + len(group.rows)
        if before // 2000 != done // 2000:
            report("match", done, total)

    for chunk in _chunks(deferred, 200):
        answers = match([g.rows[0] for g in chunk])
        for group, answer in zip(chunk, answers, strict=True):
            kind, facility = answer.kind, answer.facility
            if kind in ("exact", "remembered", "auto") and facility is not None:
                kept = Known.of(merge_target(facility))
                loaded.setdefault(kept.pk, kept)
                group.existing(
                    kept.pk, kind, certain=kind == "remembered", score=answer.score
                )
                group.candidates = [(f.pk, s) for f, s in answer.candidates]
            elif kind == "review" and facility is not None:
                group.ask(
                    [(facility.pk, answer.score)]
                    + [(f.pk, s) for f, s in answer.candidates if s >= REVIEW],
                    "review",
                )
            else:
                group.new("new")
            done += len(group.rows)
        report("match", done, total)

    # Facilities found by id only (exact matches, earlier imports) are read
    # here, all at once; a merged one is followed to the one it lives on in.
    missing = {g.pk for g in groups if g.kind == "existing" and g.pk not in loaded}
    for chunk in _chunks(sorted(missing, key=str)):
        loaded.update((k.pk, k) for k in _known(Facility.objects.filter(pk__in=chunk)))
    for group in groups:
        if group.kind == "existing":
            live = _live(loaded[group.pk])
            loaded.setdefault(live.pk, live)
            group.pk = live.pk

    _one_file_rules(groups)
    _targets(result, groups, loaded)
    fold_rows(result.targets)
    result.outcomes = _outcomes(rows, row_groups, _labels(result, loaded))
    report("match", total, total)
    return result


def _targets(result: Plan, groups: list[_Group], loaded: dict[Any, Known]) -> None:
    existing: dict[Any, Target] = {}
    created: list[Target] = []
    for group in groups:
        first = group.rows[0]
        if group.kind == "review":
            group.review = Review(
                row=first,
                key=group.key,
                fingerprint=group.fingerprints[0],
                candidates=group.candidates,
                queued=group.queued,
            )
            result.reviews.append(group.review)
            continue
        if group.kind == "existing":
            target = existing.get(group.pk)
            if target is None:
                target = existing[group.pk] = Target(pk=group.pk, new=False)
                target.attach(loaded[group.pk])
        else:
            target = Target(
                pk=group.pk,
                new=True,
                public_id=_public_id(),
                name=first.name,
                decision_key=group.decision_key,
            )
            created.append(target)
        target.rows.extend(group.fresh)
        target.fingerprints.extend(group.fresh_fingerprints)
        group.target = target
    result.targets = [*existing.values(), *created]


def _labels(result: Plan, loaded: dict[Any, Known]) -> dict[Any, tuple[str, str]]:
    """facility id → (public id, name), for every facility a row names."""
    labels = {pk: (k.public_id, k.name) for pk, k in loaded.items()}
    labels.update((t.pk, (t.public_id, t.name)) for t in result.targets)
    missing = {
        pk for review in result.reviews for pk, _s in review.candidates
    } - labels.keys()
    for chunk in _chunks(sorted(missing, key=str)):
        for pk, public_id, name in Facility.objects.filter(pk__in=chunk).values_list(
            "pk", "public_id", "name"
        ):
            labels[pk] = (public_id, name)
    return labels


def _outcomes(
    rows: list[CleanRow],
    row_groups: list[_Group],
    labels: dict[Any, tuple[str, str]],
) -> list[RowOutcome]:
    outcomes = []
    for row, group in zip(rows, row_groups, strict=True):
        how = group.how if row is group.rows[0] else "duplicate"
        if group.review is not None:
            best, score_ = (
                group.review.candidates[0] if group.review.candidates else (None, 0.0)
            )
            public_id, name = labels.get(best, ("", ""))
            outcomes.append(
                RowOutcome(
                    row=row.row,
                    action="review",
                    how=how,
                    name=row.name,
                    facility=public_id,
                    facility_name=name,
                    score=round(score_, 4),
                )
            )
            continue
        target = group.target
        if target is None:  # pragma: no cover  (every group is placed)
            continue
        action = "matched"
        if target.rows and row is target.rows[0]:
            if target.new:
                action = "created"
            elif target.touched:
                action = "updated"
        changes = tuple(target.changes) + (("alias",) if target.aliases else ())
        outcomes.append(
            RowOutcome(
                row=row.row,
                action=action,
                how=how,
                name=row.name,
                facility=target.public_id,
                facility_name=target.name,
                score=round(group.score, 4)
                if group.score is not None and group.how in ("auto", "exact")
                else None,
                changes=changes if action == "updated" else (),
            )
        )
    return outcomes


# --- Writing a plan (services.facilities_import, inside its transaction) -------------


def json_value(value: Any) -> Any:
    """A field's value as events keep it (JSON has no Decimal)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


def _unique_public_ids(targets: list[Target]) -> None:
    """Public ids are random: make sure none repeats one taken or another new one."""
    seen: set[str] = set()
    for target in targets:
        while target.public_id in seen:
            target.public_id = _public_id()
        seen.add(target.public_id)
    pending = targets
    while pending:
        taken: set[str] = set()
        for chunk in _chunks([t.public_id for t in pending]):
            taken.update(
                Facility.objects.filter(public_id__in=chunk).values_list(
                    "public_id", flat=True
                )
            )
        pending = [t for t in pending if t.public_id in taken]
        for target in pending:
            while target.public_id in seen or target.public_id in taken:
                target.public_id = _public_id()
            seen.add(target.public_id)


def write(
    result: Plan,
    *,
    facility_import: FacilityImport,
    actor: Any,
    words: IndexWords,
    progress: Progress | None = None,
) -> int:
    """Store a plan; returns how many review candidates were queued.

    Bulk statements throughout (bulk.py), a chunk of facilities at a time, so
    an import of 100,000 rows is a few thousand statements and never holds all
    its rows' SQL values at once. The values were checked row by row
    (`clean_row`, against the model's own limits), so `full_clean` is not run
    per facility. Search words are written here too, with the registry's own
    `words` (services.index_words), so a facility is found the moment the
    import commits.
    """
    report = progress or _no_progress
    now = timezone.now()
    at = now.isoformat()
    source = f"import:{facility_import.pk}"[:120]
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    stamps = {"created_at": now, "updated_at": now}
    created = [t for t in result.targets if t.new]
    touched = [t for t in result.targets if not t.new and t.touched]
    total = len(created) + len(touched)
    _unique_public_ids(created)

    def event(pk: Any, kind: str, changes: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": uuid.uuid4(),
            "facility_id": pk,
            "kind": kind,
            "actor_id": actor_id,
            "source": source,
            "changes": changes,
            **stamps,
        }

    def tokens(pk: Any, *names: str) -> list[dict[str, Any]]:
        return [{"facility_id": pk, "token": w, "prefix": w[:3]} for w in words(*names)]

    def aliases(target: Target) -> list[dict[str, Any]]:
        return [
            {
                "id": uuid.uuid4(),
                "facility_id": target.pk,
                "name": name[:255],
                "name_key": _key(name)[:255],
                "source": source,
                **stamps,
            }
            for name in target.aliases
        ]

    done = 0
    for chunk in _chunks(created, 1000):
        facilities, events, names, words_ = [], [], [], []
        for target in chunk:
            values = target.values
            given = [name for name in FIELDS if values.get(name) not in (None, "")]
            legal_name = values.get("legal_name", "")
            facilities.append(
                {
                    "id": target.pk,
                    "public_id": target.public_id,
                    **{name: values.get(name, _EMPTY[name]) for name in FIELDS},
                    "name_key": facility_name_key(
                        name=values["name"], legal_name=legal_name
                    ),
                    "field_sources": {
                        name: {"source": source, "at": at} for name in given
                    },
                    **stamps,
                }
            )
            events.append(
                event(
                    target.pk,
                    FacilityEventKind.CREATED,
                    {name: [None, json_value(values[name])] for name in given},
                )
            )
            names.extend(aliases(target))
            words_.extend(
                tokens(target.pk, values["name"], legal_name, *target.aliases)
            )
        bulk.insert(Facility, facilities)
        bulk.insert(FacilityAlias, names)
        bulk.insert(FacilityEvent, events)
        bulk.insert(FacilitySearchToken, words_)
        done += len(chunk)
        report("save", done, total)

    for chunk in _chunks(touched, 500):
        sources = dict(
            Facility.objects.filter(pk__in=[t.pk for t in chunk]).values_list(
                "pk", "field_sources"
            )
        )
        updates, events, names, words_, reindexed = [], [], [], [], []
        for target in chunk:
            facility = target.facility
            if facility is None:  # pragma: no cover  (read while planning)
                continue
            legal_name = facility.legal_name
            if target.changes:
                changed: dict[str, Any] = {}
                marked = dict(sources.get(target.pk) or {})
                for name, (_before, after) in target.changes.items():
                    changed[name] = after
                    marked[name] = {"source": source, "at": at}
                legal_name = changed.get("legal_name", legal_name)
                changed["name_key"] = facility_name_key(
                    name=facility.name, legal_name=legal_name
                )
                changed["field_sources"] = marked
                changed["updated_at"] = now
                updates.append((target.pk, changed))
                events.append(
                    event(
                        target.pk,
                        FacilityEventKind.UPDATED,
                        {
                            name: [json_value(before), json_value(after)]
                            for name, (before, after) in target.changes.items()
                        },
                    )
                )
            for name in target.aliases:
                events.append(
                    event(
                        target.pk,
                        FacilityEventKind.ALIAS_ADDED,
                        {"alias": [None, name]},
                    )
                )
            names.extend(aliases(target))
            if target.aliases or "legal_name" in target.changes:
                reindexed.append(target.pk)
                words_.extend(
                    tokens(
                        target.pk,
                        facility.name,
                        legal_name,
                        *target.alias_names,
                        *target.aliases,
                    )
                )
        bulk.update(Facility, updates)
        bulk.insert(FacilityAlias, names)
        bulk.insert(FacilityEvent, events)
        bulk.delete(FacilitySearchToken, field="facility_id", values=reindexed)
        bulk.insert(FacilitySearchToken, words_)
        done += len(chunk)
        report("save", done, total)

    for target in created:
        if target.decision_key:
            MatchDecision.objects.filter(key=target.decision_key).update(
                facility_id=target.pk, updated_at=now
            )
    candidates = [
        FacilityMatchCandidate(
            facility_import=facility_import,
            row_number=review.row.row,
            record={
                **review.row.as_record(),
                "key": review.key,
                "fingerprint": review.fingerprint,
            },
            facility_id=facility_id,
            score=round(likeness, 4),
        )
        for review in result.reviews
        if not review.queued
        for facility_id, likeness in review.candidates
    ]
    FacilityMatchCandidate.objects.bulk_create(candidates, batch_size=1000)
    # Every row placed is remembered by its content: the same row, from this
    # file or any other, goes where it went and changes nothing.
    placed: dict[str, Any] = {}
    for target in result.targets:
        for fingerprint in target.fingerprints:
            placed.setdefault(fingerprint, target.pk)
    bulk.insert(
        ImportedRow,
        [
            {
                "fingerprint": fingerprint,
                "facility_id": pk,
                "facility_import_id": facility_import.pk,
            }
            for fingerprint, pk in placed.items()
        ],
    )
    report("save", total, total)
    return len(candidates)


def cache_clear() -> None:
    """Forget the names normalised during an import (a long-lived worker)."""
    _key.cache_clear()
    _folded.cache_clear()


# What a new facility stores for a column the file left out.
_EMPTY: dict[str, Any] = {
    name: (None if name in ("workers", "lat", "lng") else "") for name in FIELDS
}


def stale(result: Plan) -> bool:
    """Whether the registry changed since `result` was planned (another import,
    a person's edit or decision): the plan is then made again before writing."""
    since = result.started_at
    return (
        Facility.objects.filter(updated_at__gte=since).exists()
        or FacilityAlias.objects.filter(updated_at__gte=since).exists()
        or MatchDecision.objects.filter(updated_at__gte=since).exists()
        or FacilityMatchCandidate.objects.filter(updated_at__gte=since).exists()
        or ImportedRow.objects.filter(created_at__gte=since).exists()
    )
