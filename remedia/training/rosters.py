"""Reading a roster or an attendance list from CSV or XLSX (no database).

Headers in Spanish or English, accents and case aside; roles by value, label
or a company's usual word for them. File-level problems are one error on the
field ``file``; row problems name the row and column, all of them at once, so
a list is fixed in one go.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from remedia.core.errors import InvalidInput
from remedia.core.geo import fold
from remedia.core.tables import (
    TableRejected,
    header_columns,
    header_key,
    read_rows,
    table_rows,
)
from remedia.training.models import Person, PersonnelRole

# A roster or attendance list is a few thousand rows; past this it is a
# mistake (the wrong file), and the limit keeps one request bounded.
MAX_ROWS = 20_000
MAX_ERRORS = 500
MAX_BYTES = 10 * 1024 * 1024


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
    return _HEADERS.get(header_key(title))


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


def file_error(reason: str) -> InvalidInput:
    return InvalidInput([{"field": "file", "reason": reason}], message=reason)


def _upload_bytes(file: Any) -> tuple[bytes, str]:
    """The bytes and name of an upload (Django's, ninja's, or an open file)."""
    if file is None:
        raise file_error(_("Elija un archivo CSV o XLSX."))
    name = str(getattr(file, "name", "") or "")
    if getattr(file, "too_large", False) or (getattr(file, "size", 0) or 0) > MAX_BYTES:
        raise file_error(
            _("El archivo pasa de %(mb)d MB: divídalo en partes.")
            % {"mb": MAX_BYTES // (1024 * 1024)}
        )
    data = file.read()
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > MAX_BYTES:
        raise file_error(
            _("El archivo pasa de %(mb)d MB: divídalo en partes.")
            % {"mb": MAX_BYTES // (1024 * 1024)}
        )
    return bytes(data), name


def read_table(
    file: Any, *, required: Sequence[str], optional: Sequence[str] = ()
) -> list[_Row]:
    """The rows of a CSV or XLSX list, read by `core.tables`.

    File-level problems (not a list, no header, a required column missing) are
    one error on the field ``file``; rows are checked by the caller.
    """
    data, name = _upload_bytes(file)
    wanted = (*required, *optional)

    def field_of(title: str) -> str | None:
        field = _header_field(title)
        return field if field in wanted else None

    def columns(header: list[str]) -> dict[str, int]:
        found = header_columns(header, field_of=field_of, label=_column_label)
        missing = [m for m in required if m not in found]
        if missing:
            raise file_error(
                _(
                    "La primera fila debe ser el encabezado; falta la columna "
                    "%(columns)s."
                )
                % {"columns": " y ".join(_column_label(m) for m in missing)}
            )
        return found

    try:
        return [
            _Row(row=number, values={k: " ".join(v.split()) for k, v in values.items()})
            for number, values in table_rows(
                read_rows(data=data, file_name=name), columns=columns, max_rows=MAX_ROWS
            )
        ]
    except TableRejected as exc:
        raise file_error(exc.reason) from None


def row_error(row: int, name: str, reason: str) -> dict[str, Any]:
    # "rows.<n>.<column>" like the API's other nested fields; the reason names
    # the row too, so a person reading only the message can fix the file.
    return {
        "field": f"rows.{row}.{name}",
        "row": row,
        "column": name,
        "reason": _("Fila %(row)d, %(column)s: %(reason)s")
        % {"row": row, "column": _column_label(name), "reason": reason},
    }


def rows_rejected(errors: list[dict[str, Any]]) -> InvalidInput:
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


def role_names(roles: Iterable[str]) -> str:
    return ", ".join(f"{PersonnelRole(r).label} ({r})" for r in roles)


def check_person(
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
                    % {"value": role_text[:60], "roles": role_names(roles)},
                )
            )
            role = None
    return role, problems


@dataclass(frozen=True)
class PersonRow:
    row: int
    identifier: str
    name: str
    role: str


def roster_rows(file: Any, *, roles: Collection[str]) -> list[PersonRow]:
    rows = read_table(file, required=("identifier", "name", "role"))
    errors: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    clean: list[PersonRow] = []
    for row in rows:
        identifier = row.values.get("identifier", "")
        name = row.values.get("name", "")
        role, problems = check_person(
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
        errors.extend(row_error(row.row, column, reason) for column, reason in problems)
        if not problems and role is not None:
            clean.append(PersonRow(row.row, identifier, name, role))
    if errors:
        raise rows_rejected(errors)
    return clean
