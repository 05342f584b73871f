"""Reading a file of the public RRM record (the columns of ``rrm-cases.csv``).

The record is kept by hand from press releases, so a file is checked whole
before anything is stored: every bad row is reported with its number (as a
spreadsheet shows it: the header is row 1) and the column at fault, so the
person keeping it can fix all of them at once. No database here; applying a
checked file is ``services.rrm_record_import``'s.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.utils.translation import gettext as _

from remedia.core.geo import state_code
from remedia.rrm.deadlines import TimelineOrderError, date_from_iso, timeline_compute
from remedia.rrm.models import TIMELINE_DATES, RrmCase

# The record's columns, in its order, and the case field each fills.
COLUMNS: dict[str, str] = {
    "case_id": "slug",
    "facility": "facility_name",
    "company": "company",
    "state": "state",
    "sector": "sector",
    "petitioners": "petitioners",
    "petition_received_date": "petition_received_on",
    "ilc_request_date": "ilc_request_on",
    "mexico_accepted_date": "mexico_accepted_on",
    "mexico_determination_date": "mexico_determination_on",
    "remediation_announced_date": "remediation_announced_on",
    "remediation_deadline": "remediation_deadline",
    "outcome": "outcome",
    "source_urls": "sources",
}
COLUMN_OF: dict[str, str] = {name: column for column, name in COLUMNS.items()}
DATE_COLUMNS = (
    "petition_received_date",
    "ilc_request_date",
    "mexico_accepted_date",
    "mexico_determination_date",
    "remediation_announced_date",
    "remediation_deadline",
)
REQUIRED = ("case_id", "facility")
SOURCE_SEPARATOR = "; "
MAX_ROWS = 10_000


@dataclass(frozen=True)
class RowError:
    """``row`` 0 is the file as a whole (its encoding, its header)."""

    row: int
    field: str
    reason: str

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row else "file"
        column = f" [{self.field}]" if self.field else ""
        return f"{where}{column}: {self.reason}"


@dataclass(frozen=True)
class RecordRow:
    """One valid row: the case's fields, named as on the model."""

    row: int
    values: dict[str, Any]

    @property
    def slug(self) -> str:
        return str(self.values["slug"])


@dataclass
class ParsedRecord:
    rows: list[RecordRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def record_parse(data: bytes) -> ParsedRecord:
    """Every row of a record file, checked; ``errors`` empty when all are good."""
    parsed = ParsedRecord()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        parsed.errors.append(
            RowError(
                row=0,
                field="",
                reason=_("El archivo no está en UTF-8 (byte %(n)s).")
                % {"n": exc.start},
            )
        )
        return parsed
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        parsed.errors.append(RowError(row=0, field="", reason=str(exc)))
        return parsed
    if not rows:
        parsed.errors.append(
            RowError(row=0, field="", reason=_("El archivo está vacío."))
        )
        return parsed
    header = [name.strip() for name in rows[0]]
    missing = [column for column in COLUMNS if column not in header]
    unknown = [name for name in header if name not in COLUMNS]
    repeated = sorted({name for name in header if header.count(name) > 1})
    for column in missing:
        parsed.errors.append(
            RowError(row=1, field=column, reason=_("Falta esta columna."))
        )
    for name in unknown:
        parsed.errors.append(
            RowError(row=1, field=name, reason=_("No es una columna del registro."))
        )
    for name in repeated:
        parsed.errors.append(
            RowError(row=1, field=name, reason=_("La columna aparece más de una vez."))
        )
    if parsed.errors:
        return parsed
    if len(rows) - 1 > MAX_ROWS:
        parsed.errors.append(
            RowError(
                row=0,
                field="",
                reason=_("Demasiadas filas (máximo %(n)s).") % {"n": MAX_ROWS},
            )
        )
        return parsed
    first_row_of: dict[str, int] = {}
    for number, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue  # a blank line a spreadsheet left at the end
        if len(cells) != len(header):
            parsed.errors.append(
                RowError(
                    row=number,
                    field="",
                    reason=_("Tiene %(got)s celdas; el encabezado tiene %(want)s.")
                    % {"got": len(cells), "want": len(header)},
                )
            )
            continue
        raw = dict(zip(header, cells, strict=True))
        values, errors = _row_check(number, raw)
        slug = raw["case_id"].strip()
        if slug and slug in first_row_of:
            errors.append(
                RowError(
                    row=number,
                    field="case_id",
                    reason=_("La clave %(id)s ya aparece en la fila %(row)s.")
                    % {"id": slug, "row": first_row_of[slug]},
                )
            )
        elif slug:
            first_row_of[slug] = number
        if errors:
            parsed.errors.extend(errors)
        else:
            parsed.rows.append(RecordRow(row=number, values=values))
    return parsed


def _row_check(
    number: int, raw: dict[str, str]
) -> tuple[dict[str, Any], list[RowError]]:
    values: dict[str, Any] = {}
    errors: list[RowError] = []

    def error(column: str, reason: str) -> None:
        errors.append(RowError(row=number, field=column, reason=reason))

    for column, name in COLUMNS.items():
        text = raw[column].strip()
        if column in REQUIRED and not text:
            error(column, _("Es obligatorio."))
            continue
        if column in DATE_COLUMNS:
            values[name] = _date(text, column, error)
        elif column == "source_urls":
            values[name] = _sources(text)
        else:
            limit = getattr(RrmCase._meta.get_field(name), "max_length", None)
            if limit is not None and len(text) > limit:
                error(
                    column,
                    _("Es demasiado largo (máximo %(n)s caracteres).") % {"n": limit},
                )
            values[name] = text
    if values.get("slug"):
        try:
            validate_slug(values["slug"])
        except ValidationError:
            error(
                "case_id",
                _("Solo letras sin acentos, números, guiones y guiones bajos."),
            )
    if not any(e.field in DATE_COLUMNS for e in errors):
        _order_check(values, error)
    values["state_code"] = state_code(values["state"]) or ""
    return values, errors


def _date(text: str, column: str, error: Any) -> dt.date | None:
    if not text:
        return None
    try:
        return date_from_iso(text)
    except ValueError:
        error(
            column,
            _("%(value)s no es una fecha válida AAAA-MM-DD.") % {"value": repr(text)},
        )
        return None


def _sources(text: str) -> list[str]:
    # Mostly URLs, but the record also cites releases by title where no link
    # was found: both are kept, and pages link only the http(s) ones.
    return [source.strip() for source in text.split(SOURCE_SEPARATOR) if source.strip()]


def _order_check(values: dict[str, Any], error: Any) -> None:
    """The deadline engine's order check, named by the record's columns."""
    dates = {arg: values[name] for name, arg in TIMELINE_DATES.items()}
    try:
        timeline_compute(today=dt.date.min, **dates)
    except TimelineOrderError as exc:
        later = _column_of_argument(exc.argument)
        earlier = _column_of_argument(exc.earlier)
        error(
            later,
            _("%(later)s (%(value)s) es anterior a %(earlier)s (%(earlier_value)s).")
            % {
                "later": later,
                "value": exc.value.isoformat(),
                "earlier": earlier,
                "earlier_value": exc.earlier_value.isoformat(),
            },
        )
    announced = values["remediation_announced_on"]
    deadline = values["remediation_deadline"]
    if announced and deadline and deadline < announced:
        error(
            "remediation_deadline",
            _("%(later)s (%(value)s) es anterior a %(earlier)s (%(earlier_value)s).")
            % {
                "later": "remediation_deadline",
                "value": deadline.isoformat(),
                "earlier": "remediation_announced_date",
                "earlier_value": announced.isoformat(),
            },
        )


def _column_of_argument(argument: str) -> str:
    for name, arg in TIMELINE_DATES.items():
        if arg == argument:
            return COLUMN_OF[name]
    return argument


def display(value: Any) -> str:
    """A field's value as the import's report prints it."""
    if value is None or value == "":
        return "—"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return SOURCE_SEPARATOR.join(str(item) for item in value) or "—"
    return str(value)


# --- The record in Spanish ---------------------------------------------------------
#
# The sources write in English. ``rrm-cases-es.csv`` gives, by case_id, the
# facility's name, the sector and the outcome in Spanish, and how and when a
# concluded case ended (an ending of ``RrmEnding``; the day blank when no
# source gives it) or the day a panel was requested: the events after which
# the public pages no longer count a treaty step as open.

TRANSLATION_COLUMNS: dict[str, str] = {
    "facility_es": "facility_name_es",
    "sector_es": "sector_es",
    "outcome_es": "outcome_es",
    "ending": "ending",
    "closed_on": "closed_on",
    "panel_requested_on": "panel_requested_on",
}
SHIPPED_TRANSLATIONS = Path(__file__).parent / "data" / "rrm-cases-es.csv"


def translations_read(data: bytes) -> dict[str, dict[str, Any]]:
    """The Spanish file's rows by case_id, as model field values."""
    rows: dict[str, dict[str, Any]] = {}
    for row in csv.DictReader(io.StringIO(data.decode("utf-8"))):
        values: dict[str, Any] = {}
        for column, name in TRANSLATION_COLUMNS.items():
            text = (row.get(column) or "").strip()
            if name.endswith("_on"):
                values[name] = dt.date.fromisoformat(text) if text else None
            else:
                values[name] = text
        rows[row["case_id"].strip()] = values
    return rows
