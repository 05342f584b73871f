"""Multi-row INSERT and UPDATE for imports, without a model instance per row.

An import of 100,000 facilities writes about 600,000 rows (facilities, their
history events, their search words). Through `bulk_create` most of that time
goes to building model instances and preparing every value of every field one
call at a time; here each column gets one adapter, chosen once, and rows go
to the database as plain tuples in statements of up to a thousand rows. The
values must already be valid (importing.clean_row checks them against the
model's own limits); nothing here calls `full_clean` or `save`.

Works on SQLite and PostgreSQL alike: UUIDs, datetimes, decimals and JSON
are adapted the way each backend's own fields do it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection, models
from django.utils import timezone

Adapter = Callable[[Any], Any]
# Fields whose Python value is already what either driver takes.
_PLAIN = frozenset(
    {
        "CharField",
        "TextField",
        "SlugField",
        "EmailField",
        "BooleanField",
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
        "PositiveBigIntegerField",
        "PositiveSmallIntegerField",
        "FloatField",
    }
)
_MAX_ROWS = 1000


def _identity(value: Any) -> Any:
    return value


def _adapter(field: models.Field[Any, Any]) -> Adapter:
    target = field.target_field if field.is_relation else field  # type: ignore[attr-defined]
    internal = target.get_internal_type()
    if internal in _PLAIN:
        return _identity
    if internal == "UUIDField":
        if connection.features.has_native_uuid_field:
            return _identity
        return lambda value: None if value is None else value.hex
    last: list[Any] = [object(), None]

    def prepare(value: Any) -> Any:
        # Every row of an import shares its timestamps: prepare each once.
        if value is last[0]:
            return last[1]
        prepared = None if value is None else field.get_db_prep_save(value, connection)
        last[0], last[1] = value, prepared
        return prepared

    return prepare


def _column(field: models.Field[Any, Any]) -> str:
    return str(field.column)


def _columns(
    model: type[models.Model], given: Sequence[str]
) -> tuple[list[models.Field[Any, Any]], dict[str, Any]]:
    """The fields to insert, and fixed values for those the rows leave out."""
    now = timezone.now()
    fields: list[models.Field[Any, Any]] = []
    fixed: dict[str, Any] = {}
    for field in model._meta.concrete_fields:
        name = field.attname
        if name in given:
            fields.append(field)
            continue
        if field.primary_key and isinstance(
            field, models.AutoField | models.BigAutoField
        ):
            continue  # the database numbers the row
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            fixed[name] = now
        elif field.has_default() and callable(field.default):
            raise ValueError(f"{model.__name__}.{name} must be given per row")
        else:
            fixed[name] = field.get_default()
        fields.append(field)
    return fields, fixed


def insert(
    model: type[models.Model],
    rows: Sequence[dict[str, Any]],
    *,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Insert `rows` ({attname: value}, the same keys in every row); fields a
    row leaves out take their default, timestamps the current time."""
    if not rows:
        return 0
    fields, fixed = _columns(model, list(rows[0]))
    names = [f.attname for f in fields]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(_column(f)) for f in fields)
    if connection.vendor == "postgresql":
        return _copy(table, columns, fields, names, fixed, rows, progress)
    adapters = [_adapter(f) for f in fields]
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    limit = connection.features.max_query_params or 30_000
    size = max(1, min(_MAX_ROWS, limit // len(fields)))
    written = 0
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            params: list[Any] = []
            for row in chunk:
                for name, adapt in zip(names, adapters, strict=True):
                    params.append(adapt(row[name] if name in row else fixed[name]))
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES "  # noqa: S608 (names are ours)
                + ", ".join([one] * len(chunk)),
                params,
            )
            written += len(chunk)
            if progress is not None:
                progress(len(chunk))
    return written


def _copy(
    table: str,
    columns: str,
    fields: list[models.Field[Any, Any]],
    names: list[str],
    fixed: dict[str, Any],
    rows: Sequence[dict[str, Any]],
    progress: Callable[[int], None] | None,
) -> int:
    """PostgreSQL's COPY: several times faster than INSERT for many rows, as
    the server parses no statement per row. psycopg writes each Python value
    in the column's text form; JSON goes as its text."""
    as_json = [f.get_internal_type() == "JSONField" for f in fields]
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for count, row in enumerate(rows, start=1):
                values = [row[name] if name in row else fixed[name] for name in names]
                copy.write_row(
                    [
                        json.dumps(v) if j and v is not None else v
                        for v, j in zip(values, as_json, strict=True)
                    ]
                )
                if progress is not None and count % _MAX_ROWS == 0:
                    progress(_MAX_ROWS)
    if progress is not None and len(rows) % _MAX_ROWS:
        progress(len(rows) % _MAX_ROWS)
    return len(rows)


def update(
    model: type[models.Model],
    changes: Iterable[tuple[Any, dict[str, Any]]],
) -> int:
    """Set, for each (primary key, {attname: value}), those fields of that row.
    Rows changing the same fields share one statement."""
    by_fields: dict[tuple[str, ...], list[tuple[Any, dict[str, Any]]]] = defaultdict(
        list
    )
    for pk, values in changes:
        by_fields[tuple(sorted(values))].append((pk, values))
    meta = model._meta
    quote = connection.ops.quote_name
    concrete = {f.attname: f for f in meta.concrete_fields}
    pk_field = next(f for f in concrete.values() if f.primary_key)
    pk_adapt = _adapter(pk_field)
    updated = 0
    with connection.cursor() as cursor:
        for names, items in by_fields.items():
            fields = [concrete[name] for name in names]
            adapters = [_adapter(f) for f in fields]
            assignments = ", ".join(f"{quote(_column(f))} = %s" for f in fields)
            sql = (
                f"UPDATE {quote(meta.db_table)} SET {assignments} "  # noqa: S608
                f"WHERE {quote(_column(pk_field))} = %s"
            )
            cursor.executemany(
                sql,
                [
                    [adapt(values[n]) for n, adapt in zip(names, adapters, strict=True)]
                    + [pk_adapt(pk)]
                    for pk, values in items
                ],
            )
            updated += len(items)
    return updated


def delete(model: type[models.Model], *, field: str, values: Sequence[Any]) -> None:
    """Delete the rows whose `field` is any of `values`, a chunk at a time."""
    for start in range(0, len(values), 500):
        model._default_manager.filter(
            **{f"{field}__in": list(values[start : start + 500])}
        ).delete()


@contextmanager
def large_writes(megabytes: int = 64) -> Iterator[None]:
    """A bigger SQLite page cache while a large import writes.

    Random UUID keys scatter a big insert over the whole of each index; with
    SQLite's default 2 MB cache most pages are read and written back several
    times. A larger cache for this connection, for the duration, makes the
    100,000-row import a third faster. PostgreSQL sizes its own buffers.
    """
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = {-1024 * int(megabytes)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")
