"""The public figures: counted with aggregate queries, suppressed, stored, read back.

`publication_create` counts (one GROUP BY per table, nothing per record),
suppresses every table with `remedia.core.suppression` at
`settings.REMEDIA_PUBLIC_MIN_COUNT`, and stores the result as a `Publication`.
Only what may be shown is stored: a suppressed cell is `{"value": null,
"suppressed": true}`; the small count it hid is never written anywhere.
The page, its JSON and its CSV read the latest publication (`publication_latest`)
and nothing else.

The figures run up to a cut-off: the first day of the current month by default
(data of complete months only, so two publications differ by whole months, not
by the last hour's reports). Labels are not stored, only codes: the page
translates them in the reader's language.

Tables (all additive, so each is suppressed with its margins):

- `reports_by_category`: category × year of receipt, with margins. A report
  may have several categories: the cells count mentions, and so do the totals;
- `reports_by_state`: reports by the state where it happened, with the total;
- `cases_resolved`: cases by year of resolution;
- `rrm_cases`: public cases of the Rapid Response Mechanism by year of petition;
- `courses_completed`: courses of remediation fulfilled, by year of closing.

The tables count different things (mentions, reports, cases, petitions,
courses), so no total of one is a cell or a total of another: each table's
suppression protects it alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count
from django.db.models.functions import ExtractYear
from django.utils import timezone

from remedia.analytics.models import Publication
from remedia.cases.models import Case
from remedia.core.geo import MX_STATES
from remedia.core.suppression import suppress_one_way, suppress_two_way
from remedia.intake.categories import Category
from remedia.intake.models import Report, ReportCategory
from remedia.remediation.models import Course, CourseStatus
from remedia.rrm.models import RrmCase

__all__ = [
    "FORMAT_VERSION",
    "KEEP",
    "TABLE_KEYS",
    "publication_create",
    "publication_latest",
    "publication_prune",
    "this_month",
]

FORMAT_VERSION = 1
KEEP = 24  # publications kept; older ones are deleted
TABLE_KEYS = (
    "reports_by_category",
    "reports_by_state",
    "cases_resolved",
    "rrm_cases",
    "courses_completed",
)


def this_month(today: dt.date | None = None) -> dt.date:
    """The default cut-off: the first day of the current month (local time)."""
    today = today or timezone.localdate()
    return today.replace(day=1)


@dataclass(frozen=True)
class _Counts:
    by_category_year: dict[tuple[str, int], int]
    by_state: dict[str, int]
    cases_resolved: dict[int, int]
    rrm_cases: dict[int, int]
    courses_completed: dict[int, int]


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _by_year(rows: Iterable[Any]) -> dict[int, int]:
    return {int(row["year"]): int(row["n"]) for row in rows if row["year"] is not None}


def _counts(*, before: dt.date) -> _Counts:
    """The raw counts, in memory only; they never leave this module unsuppressed."""
    start = _start_of(before)
    by_category_year = {
        (row["code"], int(row["year"])): int(row["n"])
        for row in ReportCategory.objects.filter(report__created_at__lt=start)
        .annotate(year=ExtractYear("report__created_at"))
        .values("code", "year")
        .annotate(n=Count("pk"))
        .order_by()
    }
    by_state = {
        row["state"]: int(row["n"])
        for row in Report.objects.filter(created_at__lt=start)
        .values("state")
        .annotate(n=Count("pk"))
        .order_by()
    }
    cases_resolved = _by_year(
        Case.objects.filter(resolved_at__isnull=False, resolved_at__lt=start)
        .annotate(year=ExtractYear("resolved_at"))
        .values("year")
        .annotate(n=Count("pk"))
        .order_by()
    )
    rrm_cases = _by_year(
        RrmCase.objects.filter(is_public=True, petition_received_on__lt=before)
        .annotate(year=ExtractYear("petition_received_on"))
        .values("year")
        .annotate(n=Count("pk"))
        .order_by()
    )
    courses_completed = _by_year(
        Course.objects.filter(status=CourseStatus.COMPLETED, closed_on__lt=before)
        .annotate(year=ExtractYear("closed_on"))
        .values("year")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return _Counts(
        by_category_year=by_category_year,
        by_state=by_state,
        cases_resolved=cases_resolved,
        rrm_cases=rrm_cases,
        courses_completed=courses_completed,
    )


def _cell(value: int | None) -> dict[str, Any]:
    return {"value": value, "suppressed": value is None}


def _one_way(
    key: str, keys: list[str], counts: list[int], *, threshold: int
) -> dict[str, Any]:
    table = suppress_one_way(counts, threshold=threshold)
    total = table.total
    return {
        "key": key,
        "kind": "one_way",
        "keys": keys,
        "cells": [_cell(v) for v in table.cells],
        "total": _cell(total),
        # A share only where both the count and the total are shown: no
        # percentage is ever worked out from a suppressed count.
        "percent": [
            round(100 * v / total, 1) if v is not None and total else None
            for v in table.cells
        ],
    }


def _years(counts: _Counts, *, before: dt.date) -> list[int]:
    last = (before - dt.timedelta(days=1)).year
    seen = [year for _, year in counts.by_category_year]
    for table in (counts.cases_resolved, counts.rrm_cases, counts.courses_completed):
        seen += list(table)
    first = min([*seen, last])
    return list(range(first, last + 1))


def figures_compute(*, before: dt.date, threshold: int) -> dict[str, Any]:
    """The figures as they may be published: every table suppressed."""
    counts = _counts(before=before)
    years = _years(counts, before=before)
    categories = [str(code) for code in Category.values]
    grid = [
        [counts.by_category_year.get((code, year), 0) for year in years]
        for code in categories
    ]
    two_way = suppress_two_way(grid, threshold=threshold)
    by_category = {
        "key": "reports_by_category",
        "kind": "two_way",
        "rows": categories,
        "columns": [str(year) for year in years],
        "cells": [[_cell(v) for v in row] for row in two_way.cells],
        "row_totals": [_cell(v) for v in two_way.row_totals],
        "column_totals": [_cell(v) for v in two_way.column_totals],
        "total": _cell(two_way.total),
    }
    states = list(MX_STATES)
    year_keys = [str(year) for year in years]
    tables = [
        by_category,
        _one_way(
            "reports_by_state",
            states,
            [counts.by_state.get(code, 0) for code in states],
            threshold=threshold,
        ),
        _one_way(
            "cases_resolved",
            year_keys,
            [counts.cases_resolved.get(y, 0) for y in years],
            threshold=threshold,
        ),
        _one_way(
            "rrm_cases",
            year_keys,
            [counts.rrm_cases.get(y, 0) for y in years],
            threshold=threshold,
        ),
        _one_way(
            "courses_completed",
            year_keys,
            [counts.courses_completed.get(y, 0) for y in years],
            threshold=threshold,
        ),
    ]
    return {
        "version": FORMAT_VERSION,
        "threshold": threshold,
        "through": (before - dt.timedelta(days=1)).isoformat(),
        "tables": tables,
    }


def publication_create(*, before: dt.date | None = None) -> Publication:
    """Count, suppress and store the public figures; the older ones beyond `KEEP` go."""
    before = before or this_month()
    threshold = int(settings.REMEDIA_PUBLIC_MIN_COUNT)
    figures = figures_compute(before=before, threshold=threshold)
    publication = Publication.objects.create(threshold=threshold, figures=figures)
    publication_prune()
    return publication


def publication_prune(*, keep: int = KEEP) -> int:
    stale = list(
        Publication.objects.order_by("-created_at").values_list("pk", flat=True)[keep:]
    )
    if not stale:
        return 0
    deleted, _ = Publication.objects.filter(pk__in=stale).delete()
    return deleted


def publication_latest() -> Publication | None:
    """The newest publication that this code can read, or None."""
    latest = Publication.objects.order_by("-created_at").first()
    if latest is None or not isinstance(latest.figures, dict):
        return None
    if latest.figures.get("version") != FORMAT_VERSION:
        return None
    return latest


def publication_due(*, before: dt.date | None = None) -> bool:
    """Whether the periodic job has something new to publish: a new month, a
    new threshold, or nothing published yet."""
    before = before or this_month()
    latest = publication_latest()
    if latest is None:
        return True
    through = (before - dt.timedelta(days=1)).isoformat()
    return (
        latest.figures.get("through") != through
        or latest.threshold != settings.REMEDIA_PUBLIC_MIN_COUNT
    )
