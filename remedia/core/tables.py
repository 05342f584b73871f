"""Spreadsheets: reading what people upload (CSV or XLSX), writing what they download.

Lists arrive from brands, labour authorities and whoever kept a spreadsheet:
UTF-8 with or without a byte-order mark, or cp1252/Latin-1 from an old Excel;
commas, semicolons or tabs; headers in English or Spanish, in any case, with
or without accents. Every app that takes such a list (facility imports,
training rosters and attendance) reads it here, so a file that one of them
accepts, the others accept too, and the refusals read alike.

Three layers, each usable alone:

- `read_rows(data=, file_name=)`: (row number, cells) of the first sheet, the
  number as a spreadsheet shows it (the header is row 1);
- `header_key(title)` and `header_columns(header, field_of=...)`: what a
  column's title means, and which column holds each field;
- `table_rows(rows, columns=..., max_rows=...)`: the data rows under the
  header as {field: cell}, blank rows skipped, with the file-level refusals
  (empty, only a header, too many rows).

Whatever cannot be read raises `TableRejected`, whose `reason` (in the user's
language) says why; checking each row's values is the caller's.

Writing (`csv_bytes`, `xlsx_bytes`) is for exports: every text cell passes
through `cell_neutralise`, so a value that a spreadsheet would run as a formula
arrives as text (CSV injection, OWASP); both formats hold the same cells.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from django.utils.translation import gettext as _

from remedia.core.geo import fold

MAX_COLUMNS = 200
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
XLSX_SUFFIXES = {".xlsx", ".xlsm"}

Rows = Iterable[tuple[int, list[str]]]


class TableRejected(Exception):
    """The file as a whole cannot be read; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- Reading the file -----------------------------------------------------------------


def _kind(data: bytes, file_name: str) -> str:
    suffix = PurePath(file_name or "").suffix.lower()
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise TableRejected(
            _(
                "Es un archivo de Excel 97-2003 (.xls), que no se puede leer: "
                "guárdelo como .xlsx o CSV e impórtelo de nuevo."
            )
        )
    is_zip = data.startswith(b"PK\x03\x04")
    if suffix in XLSX_SUFFIXES or (not suffix and is_zip):
        if not is_zip:
            raise TableRejected(_("El archivo dice ser XLSX pero no lo es."))
        return "xlsx"
    if suffix in CSV_SUFFIXES or not suffix:
        if is_zip or b"\x00" in data[:65536]:
            raise TableRejected(_("El archivo no es un CSV: su contenido no es texto."))
        return "csv"
    raise TableRejected(
        _("Solo se pueden importar archivos CSV o XLSX (Excel), no «%(suffix)s».")
        % {"suffix": suffix}
    )


def table_kind(*, data: bytes, file_name: str) -> str:
    """ "csv" or "xlsx": what `read_rows` would read the file as, or the
    `TableRejected` it would raise for a file that is neither (checked before
    a file is queued for a job, so that the caller hears it at once)."""
    return _kind(data, file_name)


def _decode(data: bytes) -> str:
    # Excel on Windows writes CSV in cp1252, a superset of Latin-1 for the
    # letters Spanish uses; pure Latin-1 is the last resort and never fails.
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableRejected(_("No se pudo leer el texto del archivo."))  # pragma: no cover


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    text = _decode(data)
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, cells
    except csv.Error as exc:
        raise TableRejected(
            _("El CSV está mal formado cerca de la fila %(row)d: %(reason)s")
            % {"row": number + 1, "reason": str(exc)}
        ) from None


def _cell(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


_DAMAGED = (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError, TypeError)


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    def damaged() -> TableRejected:
        return TableRejected(
            _("El archivo XLSX está dañado o no es un libro de Excel.")
        )

    try:
        workbook = load_workbook(
            io.BytesIO(data), read_only=True, data_only=True, keep_links=False
        )
    except _DAMAGED as exc:
        raise damaged() from exc
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise TableRejected(_("El libro de Excel no tiene hojas."))
        # A workbook damaged past its first bytes fails while its rows are
        # read, not when it is opened.
        try:
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, [_cell(v) for v in values[:MAX_COLUMNS]]
        except _DAMAGED as exc:
            raise damaged() from exc
    finally:
        workbook.close()


def read_rows(*, data: bytes, file_name: str) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) for every row of the file's first sheet.

    The kind is told by the content and the name's suffix: XLSX, or CSV in
    any of the usual encodings and delimiters. At most `MAX_COLUMNS` cells of
    an XLSX row are read.
    """
    if not data.strip():
        raise TableRejected(_("El archivo está vacío."))
    if _kind(data, file_name) == "xlsx":
        return _xlsx_rows(data)
    return _csv_rows(data)


# --- The header -------------------------------------------------------------------------


def header_key(title: Any) -> str:
    """A column title folded for lookup: "Razón social" → "razon_social"."""
    text = fold(str(title or "")).replace("-", " ").replace(".", " ")
    return "_".join(text.split())


def header_columns(
    header: list[str],
    *,
    field_of: Callable[[str], str | None],
    label: Callable[[str], str],
) -> dict[str, int]:
    """{field: column index} for the columns `field_of` knows; others are ignored.

    A field named by two columns is refused (`label` names it in the message);
    whether the required ones are there is the caller's to say, in its words.
    """
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        name = field_of(title)
        if name is None:
            continue
        if name in columns:
            raise TableRejected(
                _("La columna %(column)s aparece dos veces en el encabezado.")
                % {"column": label(name)}
            )
        columns[name] = index
    return columns


# --- The rows under the header ------------------------------------------------------------


def table_rows(
    rows: Rows,
    *,
    columns: Callable[[list[str]], dict[str, int]],
    max_rows: int,
) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, {field: cell}) for each data row, blank rows skipped.

    The first row that is not blank is the header, read by `columns`. Refused:
    a file with nothing in it, one with only a header, and one with more than
    `max_rows` data rows (when that row is reached: what came before it has
    been yielded).
    """
    found: dict[str, int] | None = None
    count = 0
    for number, cells in rows:
        if not any(c.strip() for c in cells):
            continue  # blank lines, and the empty rows a spreadsheet keeps at its end
        if found is None:
            found = columns(cells)
            continue
        count += 1
        if count > max_rows:
            raise TableRejected(
                _("El archivo tiene más de %(max)s filas; divídalo en partes.")
                % {"max": f"{max_rows:,}"}
            )
        yield (
            number,
            {
                name: cells[index] if index < len(cells) else ""
                for name, index in found.items()
            },
        )
    if found is None:
        raise TableRejected(_("El archivo está vacío."))
    if count == 0:
        raise TableRejected(_("El archivo solo tiene el encabezado: no hay filas."))


# --- Writing an export --------------------------------------------------------------------

# What makes a spreadsheet read a cell as a formula (OWASP, "CSV Injection"):
# = + - @ and a leading tab or carriage return; the full-width forms too, which
# some spreadsheets fold to the ASCII ones.
FORMULA_TRIGGERS = (
    "=",
    "+",
    "-",
    "@",
    "\t",
    "\r",
    "\uff1d",
    "\uff0b",
    "\uff0d",
    "\uff20",
)
# Control characters XLSX cannot hold; CSV drops them too, so both formats
# carry the same cells (tab, line feed and carriage return stay).
_UNWRITABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

Cell = str | int | float | Decimal | None
# Characters Excel refuses in a sheet's name.
_SHEET_UNSAFE = re.compile(r"[\\/*?:\[\]\x00-\x1f]")


def cell_neutralise(value: Cell) -> Cell:
    """A text cell that could start a formula, with a leading apostrophe.

    Numbers are left alone: a negative number is a number, not a formula (and
    the exports write none). Anything else is returned as it came.
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def export_cells(row: Iterable[Cell]) -> list[Cell]:
    """The cells as an export writes them: text without the characters a
    spreadsheet cannot hold, then neutralised."""
    return [
        cell_neutralise(_UNWRITABLE.sub("", v) if isinstance(v, str) else v)
        for v in row
    ]


def csv_bytes(*, header: Iterable[str], rows: Iterable[Iterable[Cell]]) -> bytes:
    """A CSV in UTF-8 with a byte-order mark (Excel then reads accents right),
    every cell quoted, text cells neutralised."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(export_cells(header))
    for row in rows:
        writer.writerow(["" if v is None else v for v in export_cells(row)])
    return out.getvalue().encode("utf-8-sig")


def xlsx_bytes(
    *, header: Iterable[str], rows: Iterable[Iterable[Cell]], title: str
) -> bytes:
    """A one-sheet workbook with the cells of `csv_bytes`, text typed as text."""
    return xlsx_sheets_bytes([Sheet(title=title, header=header, rows=rows)])


@dataclass(frozen=True)
class Sheet:
    """One sheet of `xlsx_sheets_bytes`: its name, header and rows."""

    title: str
    header: Iterable[str]
    rows: Iterable[Iterable[Cell]]


def xlsx_sheets_bytes(sheets: Iterable[Sheet]) -> bytes:
    """A workbook of several sheets, each written as `xlsx_bytes` writes one.

    openpyxl stores a string that begins with "=" as a formula: a neutralised
    cell never does, and every text cell is marked as text besides. Numbers
    (int, float, Decimal) stay numbers. A sheet's name loses the characters
    Excel refuses in one and is cut to 31.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    for spec in sheets:
        name = _SHEET_UNSAFE.sub(" ", spec.title).strip()[:31] or "-"
        sheet = workbook.create_sheet(title=name)

        def written(row: Iterable[Cell], sheet: Any = sheet) -> list[WriteOnlyCell]:
            cells = []
            for value in export_cells(row):
                cell = WriteOnlyCell(sheet, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"
                cells.append(cell)
            return cells

        sheet.append(written(spec.header))
        for row in spec.rows:
            sheet.append(written(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
