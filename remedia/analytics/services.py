"""Rebuilding the aggregates: one transaction, one GROUP BY per table.

`refresh()` deletes every tally and writes them again from the source
tables (reports and their recipients and categories; cases and their
categories), each as a single `INSERT ... SELECT ... GROUP BY` that never
brings a row into Python, twice: per facility and with every facility summed
(see `models/tallies.py`). Readers see either the old or the new figures, never a mix.
A `Refresh` row records the run; pages say "figures as of" its end.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from datetime import timedelta
from typing import Any

from django.db import connection, models, transaction
from django.db.models import (
    BooleanField,
    CharField,
    Count,
    DateField,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models import Case as When_
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from remedia.analytics.models import (
    ALL_CATEGORIES,
    ALL_CHANNELS,
    CaseTally,
    FacilityTally,
    Refresh,
    ReportTally,
)
from remedia.cases.models import Case, CaseCategory
from remedia.intake.models import ReportCategory, ReportRecipient

log = logging.getLogger(__name__)

KIND = "dashboard"
BATCH = 5000
DAY = 86400


def _bucket(field: str) -> When_:
    """Primero's buckets of a clock kept in seconds (net of pauses)."""
    return When_(
        When(**{f"{field}__isnull": True}, then=Value("")),
        When(**{f"{field}__lte": 30 * DAY}, then=Value("30")),
        When(**{f"{field}__lte": 90 * DAY}, then=Value("90")),
        When(**{f"{field}__lte": 180 * DAY}, then=Value("180")),
        default=Value("181"),
        output_field=CharField(),
    )


def _insert(model: type[models.Model], rows: QuerySet[Any], **fixed: Any) -> int:
    """INSERT INTO the tally's table SELECT the grouped `rows`: the rows never
    come through Python (a million reports make tens of thousands of tallies).

    `rows` is a `values(t_<column>=...).annotate(t_count=...)` query whose
    aliases name the table's columns with a `t_` prefix; `fixed` are
    constants for the remaining columns."""
    sub, params = rows.query.get_compiler(using=rows.db).as_sql()
    quote = connection.ops.quote_name
    aliases = [name for name in rows.query.annotation_select if name.startswith("t_")]
    columns = [_column(model, a[2:]) for a in aliases]
    values = [f"s.{quote(a)}" for a in aliases]
    constants: list[Any] = []  # their placeholders come before the subquery's
    for name, value in fixed.items():
        columns.append(_column(model, name))
        values.append("NULL" if value is None else "%s")
        if value is not None:
            constants.append(value)
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(columns)})"  # noqa: S608 (names from the model)
        f" SELECT {', '.join(values)} FROM ({sub}) s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (*constants, *params))
        return max(cursor.rowcount, 0)


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)  # noqa: S101 (a tally's own column)
    return connection.ops.quote_name(str(field.column))


def _report_dimensions(prefix: str, by_facility: bool) -> dict[str, Any]:
    dims: dict[str, Any] = {
        "t_month": TruncMonth(f"{prefix}created_at", output_field=DateField()),
        "t_state": Coalesce(F(f"{prefix}state"), Value("")),
        "t_channel": F(f"{prefix}channel"),
    }
    if by_facility:
        dims["t_facility_id"] = F(f"{prefix}facility_id")
    return dims


def _report_rows(by_facility: bool) -> int:
    facility = {} if by_facility else {"facility_id": None}
    every = (
        ReportRecipient.objects.order_by()
        .values(
            t_organisation_id=F("organisation_id"),
            **_report_dimensions("report__", by_facility),
        )
        .annotate(t_count=Count("report_id"))
    )
    written = _insert(
        ReportTally, every, by_facility=by_facility, category=ALL_CATEGORIES, **facility
    )
    # The same, once per category of each report (a join on the categories).
    by_category = (
        ReportCategory.objects.order_by()
        .filter(report__recipients__isnull=False)
        .values(
            t_organisation_id=F("report__recipients__organisation_id"),
            t_category=F("code"),
            **_report_dimensions("report__", by_facility),
        )
        .annotate(t_count=Count("id"))
    )
    return written + _insert(
        ReportTally, by_category, by_facility=by_facility, **facility
    )


def _case_dimensions(prefix: str, now: Any, by_facility: bool) -> dict[str, Any]:
    dims: dict[str, Any] = {
        "t_organisation_id": F(f"{prefix}organisation_id"),
        "t_month": TruncMonth(f"{prefix}received_at", output_field=DateField()),
        "t_state": Coalesce(F(f"{prefix}facility__state"), Value("")),
        "t_status": F(f"{prefix}status"),
        "t_overdue": When_(
            When(Q(**{f"{prefix}next_due_at__lt": now}), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        "t_acknowledge": _bucket(f"{prefix}acknowledge_seconds"),
        "t_first_response": _bucket(f"{prefix}first_response_seconds"),
        "t_resolution": _bucket(f"{prefix}resolution_seconds"),
    }
    if by_facility:
        dims["t_facility_id"] = F(f"{prefix}facility_id")
    return dims


def _case_rows(now: Any) -> int:
    every = (
        Case.objects.order_by()
        .values(**_case_dimensions("", now, True))
        .annotate(t_count=Count("id"))
    )
    written = _insert(CaseTally, every, by_facility=True, category=ALL_CATEGORIES)
    by_category = (
        CaseCategory.objects.order_by()
        .values(t_category=F("code"), **_case_dimensions("case__", now, True))
        .annotate(t_count=Count("id"))
    )
    return written + _insert(CaseTally, by_category, by_facility=True)


def _report_rollup(*, channels: bool) -> int:
    """Per facility summed to every facility (`channels`), or that summed again
    to every channel ("" channel)."""
    source = ReportTally.objects.filter(by_facility=channels)
    if not channels:
        source = source.exclude(channel=ALL_CHANNELS)
    keys = ["organisation_id", "month", "state", "category"]
    if channels:
        keys.append("channel")
    rows = (
        source.order_by()
        .values(**{f"t_{key}": F(key) for key in keys})
        .annotate(t_count=Sum("count"))
    )
    fixed: dict[str, Any] = {"by_facility": False, "facility_id": None}
    if not channels:
        fixed["channel"] = ALL_CHANNELS
    return _insert(ReportTally, rows, **fixed)


def _case_rollup() -> int:
    keys = [
        "organisation_id",
        "month",
        "state",
        "category",
        "status",
        "overdue",
        "acknowledge",
        "first_response",
        "resolution",
    ]
    rows = (
        CaseTally.objects.filter(by_facility=True)
        .order_by()
        .values(**{f"t_{key}": F(key) for key in keys})
        .annotate(t_count=Sum("count"))
    )
    return _insert(CaseTally, rows, by_facility=False, facility_id=None)


def _batched(rows: Iterable[Any]) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _facility_rows() -> Iterator[FacilityTally]:
    """The facilities in each organisation's figures, from the tallies just written."""
    counts: dict[tuple[Any, Any], int] = {}
    for model in (ReportTally, CaseTally):
        rows = (
            model.objects.filter(
                by_facility=True, category=ALL_CATEGORIES, facility_id__isnull=False
            )
            .order_by()
            .values_list("organisation_id", "facility_id")
            .annotate(n=Sum("count"))
        )
        for org, facility, n in rows.iterator(chunk_size=BATCH):
            counts[(org, facility)] = counts.get((org, facility), 0) + n
    for (org, facility), n in counts.items():
        yield FacilityTally(organisation_id=org, facility_id=facility, count=n)


def running(now: Any = None) -> bool:
    """A refresh started in the last hour has not finished (nor failed)."""
    since = (now or timezone.now()) - timedelta(hours=1)
    return Refresh.objects.filter(
        kind=KIND, finished_at__isnull=True, error="", started_at__gte=since
    ).exists()


def refresh() -> Refresh:
    """Rebuild every tally in one transaction and record the run.

    The run's row is written first (outside the transaction), so the worker
    can see that one is under way and not start another on top of it.
    """
    started = timezone.now()
    run = Refresh.objects.create(kind=KIND, started_at=started)
    try:
        with transaction.atomic():
            ReportTally.objects.all().delete()
            CaseTally.objects.all().delete()
            FacilityTally.objects.all().delete()
            # Per facility from the sources; then the rollups, summed from the
            # rows just written (not the sources): every facility, then every
            # facility and channel.
            written = _report_rows(True) + _case_rows(started)
            written += _report_rollup(channels=True) + _report_rollup(channels=False)
            written += _case_rollup()
            for batch in _batched(_facility_rows()):
                FacilityTally.objects.bulk_create(batch)
                written += len(batch)
            run.finished_at = timezone.now()
            run.rows = written
            run.save(update_fields=["finished_at", "rows", "updated_at"])
    except Exception as exc:
        log.exception("analytics refresh failed")
        Refresh.objects.filter(pk=run.pk).update(
            error=(type(exc).__name__ or "error")[:200]
        )
        raise
    if connection.vendor == "postgresql":
        # Fresh statistics for the tables just rewritten, so the first page
        # after a refresh does not plan with the old ones.
        with connection.cursor() as cursor:
            cursor.execute(
                "ANALYZE analytics_reporttally, analytics_casetally,"
                " analytics_facilitytally"
            )
    log.info("analytics refresh: %s rows", written)
    return run
