"""Rebuilding the aggregates: one transaction, one GROUP BY per table.

`refresh()` deletes every tally and writes them again from the source
tables (reports and their recipients and categories; cases and their
categories), each as a single aggregate query whose rows go back with
`bulk_create`, twice: per facility and with every facility summed (see
`models/tallies.py`). Readers see either the old or the new figures, never a mix.
A `Refresh` row records the run; pages say "figures as of" its end.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Case as When_
from django.db.models import CharField, Count, DateField, F, Q, Sum, Value, When
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


def _batched(rows: Iterable[Any]) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _report_dimensions(prefix: str, by_facility: bool) -> dict[str, Any]:
    dims: dict[str, Any] = {
        "m": TruncMonth(f"{prefix}created_at", output_field=DateField()),
        "st": F(f"{prefix}state"),
        "ch": F(f"{prefix}channel"),
    }
    if by_facility:
        dims["fac"] = F(f"{prefix}facility_id")
    return dims


def _report_rows(by_facility: bool) -> Iterator[ReportTally]:
    every = (
        ReportRecipient.objects.order_by()
        .values(org=F("organisation_id"), **_report_dimensions("report__", by_facility))
        .annotate(n=Count("report_id"))
    )
    for row in every.iterator(chunk_size=BATCH):
        yield _report_tally(row, ALL_CATEGORIES, by_facility)
    # The same, once per category of each report (a join on the categories).
    by_category = (
        ReportCategory.objects.order_by()
        .filter(report__recipients__isnull=False)
        .values(
            org=F("report__recipients__organisation_id"),
            cat=F("code"),
            **_report_dimensions("report__", by_facility),
        )
        .annotate(n=Count("id"))
    )
    for row in by_category.iterator(chunk_size=BATCH):
        yield _report_tally(row, row["cat"], by_facility)


def _report_tally(
    row: Mapping[str, Any], category: str, by_facility: bool
) -> ReportTally:
    return ReportTally(
        organisation_id=row["org"],
        month=row["m"],
        state=row["st"] or "",
        facility_id=row.get("fac"),
        by_facility=by_facility,
        channel=row["ch"],
        category=category,
        count=row["n"],
    )


def _case_dimensions(prefix: str, now: Any, by_facility: bool) -> dict[str, Any]:
    dims: dict[str, Any] = {
        "org": F(f"{prefix}organisation_id"),
        "m": TruncMonth(f"{prefix}received_at", output_field=DateField()),
        "st": Coalesce(F(f"{prefix}facility__state"), Value("")),
        "stat": F(f"{prefix}status"),
        "late": When_(
            When(Q(**{f"{prefix}next_due_at__lt": now}), then=Value(True)),
            default=Value(False),
        ),
        "ack": _bucket(f"{prefix}acknowledge_seconds"),
        "first": _bucket(f"{prefix}first_response_seconds"),
        "res": _bucket(f"{prefix}resolution_seconds"),
    }
    if by_facility:
        dims["fac"] = F(f"{prefix}facility_id")
    return dims


def _case_rows(now: Any, by_facility: bool) -> Iterator[CaseTally]:
    every = (
        Case.objects.order_by()
        .values(**_case_dimensions("", now, by_facility))
        .annotate(n=Count("id"))
    )
    for row in every.iterator(chunk_size=BATCH):
        yield _case_tally(row, ALL_CATEGORIES, by_facility)
    by_category = (
        CaseCategory.objects.order_by()
        .values(cat=F("code"), **_case_dimensions("case__", now, by_facility))
        .annotate(n=Count("id"))
    )
    for row in by_category.iterator(chunk_size=BATCH):
        yield _case_tally(row, row["cat"], by_facility)


def _case_tally(row: Mapping[str, Any], category: str, by_facility: bool) -> CaseTally:
    return CaseTally(
        organisation_id=row["org"],
        month=row["m"],
        state=row["st"] or "",
        facility_id=row.get("fac"),
        by_facility=by_facility,
        category=category,
        status=row["stat"],
        overdue=bool(row["late"]),
        acknowledge=row["ack"],
        first_response=row["first"],
        resolution=row["res"],
        count=row["n"],
    )


def _report_rollup(*, channels: bool) -> Iterator[ReportTally]:
    """Per facility summed to every facility (`channels`), or that summed again
    to every channel ("" channel)."""
    source = ReportTally.objects.filter(by_facility=channels)
    if not channels:
        source = source.exclude(channel=ALL_CHANNELS)
    keys = ["organisation_id", "month", "state", "category"]
    if channels:
        keys.append("channel")
    rows = source.order_by().values(*keys).annotate(n=Sum("count"))
    for row in rows.iterator(chunk_size=BATCH):
        yield ReportTally(
            organisation_id=row["organisation_id"],
            month=row["month"],
            state=row["state"],
            facility_id=None,
            by_facility=False,
            channel=row.get("channel", ALL_CHANNELS),
            category=row["category"],
            count=row["n"],
        )


def _case_rollup() -> Iterator[CaseTally]:
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
        .values(*keys)
        .annotate(n=Sum("count"))
    )
    for row in rows.iterator(chunk_size=BATCH):
        yield CaseTally(facility_id=None, by_facility=False, count=row.pop("n"), **row)


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
            written = 0
            for batch in _batched(_report_rows(True)):
                ReportTally.objects.bulk_create(batch)
                written += len(batch)
            for batch in _batched(_case_rows(started, True)):
                CaseTally.objects.bulk_create(batch)
                written += len(batch)
            # The rollups, summed from the rows just written (not the sources):
            # every facility, then every facility and channel.
            for rollup in (
                _report_rollup(channels=True),
                _report_rollup(channels=False),
            ):
                for batch in _batched(rollup):
                    ReportTally.objects.bulk_create(batch)
                    written += len(batch)
            for batch in _batched(_case_rollup()):
                CaseTally.objects.bulk_create(batch)
                written += len(batch)
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
