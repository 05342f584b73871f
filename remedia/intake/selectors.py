"""Reads of reports for staff: always scoped to the organisations that received them."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar, cast

from django.core.paginator import Page
from django.db.models import Count, Exists, F, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _

from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import get_scoped, organisations_for
from remedia.core.cache import kept_until_version_moves, version_bump
from remedia.core.figures import ShownCount, shown_count, shown_counts
from remedia.core.pagination import CountedPaginator
from remedia.core.sorting import SortKey, Sorts, choice_rank, label_rank
from remedia.intake.categories import Category
from remedia.intake.models import (
    Attachment,
    Channel,
    Report,
    ReportCategory,
    ReportRecipient,
    ReportStatus,
)

T = TypeVar("T")


@dataclass(frozen=True)
class ReportFilters:
    status: str | None = None
    urgent: bool | None = None
    state: str | None = None
    category: str | None = None
    channel: str | None = None
    facility_id: Any = None
    received_from: date | None = None
    received_to: date | None = None


class _InboxQuerySet(QuerySet[Report]):
    """The inbox as `report_list` returns it: its pages are cheap at any depth.

    Ordering 100,000 reports by urgency and date and skipping to row 5,000 walks
    5,000 index entries and checks each one's recipients: tens of milliseconds
    for every page read. So the ids of each page are kept in the shared cache
    under the inbox version (the one the count uses), and a page read fetches
    just its rows by id, still through the viewer's scope. Any write that can
    change an inbox bumps the version, so a kept page is never staler than the
    last write.

    Only the very queryset `report_list` returns pages this way: every clone
    (`filter`, `exclude`, `order_by`...) drops `_inbox_scope` and behaves as a
    plain queryset, since the version does not cover what a caller adds.
    """

    _inbox_scope: str | None = None

    def __getitem__(self, k: Any) -> Any:
        scope = self.__dict__.get("_inbox_scope")
        if (
            scope is None
            or self._result_cache is not None
            or not isinstance(k, slice)
            or k.step is not None
            or k.stop is None
            or (k.start or 0) < 0
            or k.stop <= (k.start or 0)
        ):
            return super().__getitem__(k)
        start, stop = k.start or 0, k.stop
        ids = _page_ids(self, scope=scope, start=start, stop=stop)
        page: Any = super().__getitem__(k)
        page._result_cache = self._rows_of(ids)
        page._prefetch_done = True
        return page

    def _rows_of(self, ids: list[Any]) -> list[Report]:
        """The reports of `ids`, in that order, with their categories: one
        query for the rows, one for the categories."""
        found: dict[Any, Report] = (
            {
                r.pk: cast(Report, r)
                for r in self.prefetch_related(None)
                .filter(pk__in=ids)
                .only(*REPORT_ROW_FIELDS)
            }
            if ids
            else {}
        )
        _attach_categories(found)
        return [found[pk] for pk in ids if pk in found]


# Every column a page of reports shows (the inbox and triage, pages and API):
# not the sealed content, the keys, the reply contact or the facility's
# registry record.
REPORT_ROW_FIELDS = (
    "id",
    "created_at",
    "channel",
    "state",
    "urgent",
    "status",
    "acknowledged_at",
    "routed_by_default",
    "facility__id",
    "facility__name",
    "facility__state",
)


def report_rows(*, viewer: Any) -> QuerySet[Report]:
    """The viewer's reports with just what a list shows, for `page_rows` (their
    categories come from `report_categories_attach`)."""
    return _scoped(viewer=viewer).select_related("facility").only(*REPORT_ROW_FIELDS)


def report_categories_attach(reports: list[Report]) -> None:
    """Each report's categories read in one query, as `category_rows.all()`."""
    _attach_categories({r.pk: r for r in reports})


def _attach_categories(reports: dict[Any, Report]) -> None:
    """What `prefetch_related("category_rows")` leaves on each report, in one query.

    Django's prefetch builds a filtered queryset per report before filling it,
    which on a page of 50 costs more than the query itself; here each report
    gets a queryset already holding its rows, and `category_rows.all()` reads
    it exactly as after a prefetch.
    """
    rows: dict[Any, list[ReportCategory]] = {pk: [] for pk in reports}
    if reports:
        for row in ReportCategory.objects.filter(report_id__in=list(reports)):
            rows[row.report_id].append(row)
    # The name the related manager looks its prefetched rows up by.
    cache_name = ReportCategory._meta.get_field("report").remote_field.cache_name
    for pk, report in reports.items():
        held = ReportCategory.objects.all()
        held._result_cache = rows[pk]
        held._prefetch_done = True  # type: ignore[attr-defined]
        if not hasattr(report, "_prefetched_objects_cache"):
            report._prefetched_objects_cache = {}  # type: ignore[attr-defined]
        report._prefetched_objects_cache[cache_name] = held  # type: ignore[attr-defined]


PAGE_CACHE_SECONDS = 300


def _page_ids(inbox: _InboxQuerySet, *, scope: str, start: int, stop: int) -> list[Any]:
    return list(
        kept_while_inbox_unchanged(
            ("inbox-page", scope, start, stop),
            lambda: list(
                inbox.prefetch_related(None).values_list("pk", flat=True)[start:stop]
            ),
            timeout=PAGE_CACHE_SECONDS,
        )
    )


def kept_while_inbox_unchanged(
    parts: tuple[Any, ...], load: Callable[[], T], *, timeout: int
) -> T:
    """`load()`, kept in the shared cache until the inbox version moves."""
    key = f"{parts[0]}:" + hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return kept_until_version_moves(
        version_key=INBOX_VERSION_KEY, key=key, load=load, timeout=timeout
    )


def _scoped(*, viewer: Any) -> QuerySet[Report]:
    orgs = organisations_for(user=viewer, capability=Capability.REPORT_READ)
    if not orgs:
        return Report.objects.none()
    return _InboxQuerySet(model=Report).filter(
        Exists(
            ReportRecipient.objects.filter(
                report=OuterRef("pk"), organisation_id__in=orgs
            )
        )
    )


# The inbox's columns it sorts by (`?orden=`); none given, `report_list`'s own
# order: urgent first, then newest.
REPORT_SORTS = Sorts(
    keys={
        "recibida": SortKey(
            label=_("Recibida"), fields=("created_at",), descending_first=True
        ),
        "canal": SortKey(
            label=_("Canal"),
            fields=(label_rank("channel", Channel.choices), "-created_at"),
        ),
        "centro": SortKey(
            label=_("Centro de trabajo"),
            fields=(F("facility__name").asc(nulls_last=True), "-created_at"),
        ),
        "estado": SortKey(
            label=_("Estado"),
            fields=(choice_rank("status", ReportStatus.values), "-created_at"),
        ),
    },
    default_label=_("Urgentes primero, luego las más recientes"),
)


def report_list(
    *,
    viewer: Any,
    filters: ReportFilters | None = None,
    order: tuple[Any, ...] | None = None,
) -> QuerySet[Report]:
    """The inbox: metadata only, urgent first, newest first (or in `order`, a
    `REPORT_SORTS` order)."""
    f = filters or ReportFilters()
    qs = _scoped(viewer=viewer)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.urgent is not None:
        qs = qs.filter(urgent=f.urgent)
    if f.state:
        qs = qs.filter(state=f.state)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.facility_id:
        qs = qs.filter(facility_id=f.facility_id)
    if f.category:
        qs = qs.filter(
            Exists(
                ReportCategory.objects.filter(report=OuterRef("pk"), code=f.category)
            )
        )
    if f.received_from:
        qs = qs.filter(created_at__date__gte=f.received_from)
    if f.received_to:
        qs = qs.filter(created_at__date__lte=f.received_to)
    qs = (
        qs.select_related("facility")
        .prefetch_related("category_rows")
        .defer("content", "reporter_wrapped_key", "receipt_lookup", "public_key")
        .order_by(*(order or ("-urgent", "-created_at")))
    )
    if isinstance(qs, _InboxQuerySet):
        orgs = sorted(
            str(o)
            for o in organisations_for(user=viewer, capability=Capability.REPORT_READ)
        )
        # The kept page ids are those of this order too.
        qs._inbox_scope = repr((orgs, f, order))
    return qs


def report_page(
    *,
    viewer: Any,
    filters: ReportFilters | None = None,
    order: tuple[Any, ...] | None = None,
    number: Any = 1,
    per_page: int,
) -> Page:
    """One page of the inbox (`report_list`'s rows, filters and order) with its
    total, for the inbox page and its pager.

    The total and the page's ids are kept together under the inbox version:
    one read of the shared cache for both, where a paginator asking for the
    total and then the page would read it twice. A page past the end is the
    last one, as `Paginator.get_page` gives it.
    """
    inbox = report_list(viewer=viewer, filters=filters, order=order)
    scope = inbox.__dict__.get("_inbox_scope")
    if not isinstance(inbox, _InboxQuerySet) or scope is None:
        return CountedPaginator(inbox, per_page, count=inbox.count).get_page(number)
    try:
        asked = max(int(number), 1)
    except (TypeError, ValueError):
        asked = 1

    def load() -> tuple[int, int, list[Any]]:
        total = inbox.order_by().count()
        shown = min(asked, max(1, -(-total // per_page)))
        start = (shown - 1) * per_page
        ids = list(
            inbox.prefetch_related(None).values_list("pk", flat=True)[
                start : start + per_page
            ]
        )
        return total, shown, ids

    total, shown, ids = kept_while_inbox_unchanged(
        ("inbox-view", scope, asked, per_page), load, timeout=PAGE_CACHE_SECONDS
    )
    paginator = CountedPaginator(inbox, per_page, count=lambda: total)
    return Page(inbox._rows_of(ids), shown, paginator)


COUNT_CACHE_SECONDS = 300
INBOX_VERSION_KEY = "inbox-version"


def inbox_changed() -> None:
    """Called by the services after any write that changes what an inbox counts."""
    version_bump(INBOX_VERSION_KEY)


def report_count(*, viewer: Any, filters: ReportFilters | None = None) -> int:
    """The inbox total, cached per scope and filters until the next change.

    Counting a large inbox exactly costs more than the page itself. Any new
    report or status change bumps the inbox version, so a cached total is never
    staler than the last write.
    """
    orgs = sorted(
        str(o)
        for o in organisations_for(user=viewer, capability=Capability.REPORT_READ)
    )
    return int(
        kept_while_inbox_unchanged(
            ("inbox-count", orgs, filters),
            lambda: report_list(viewer=viewer, filters=filters).order_by().count(),
            timeout=COUNT_CACHE_SECONDS,
        )
    )


def report_get_for_user(*, viewer: Any, report_id: Any) -> Report:
    """One report the viewer may read; 404 alike for missing and not theirs."""
    return get_scoped(
        _scoped(viewer=viewer)
        .select_related("facility")
        .prefetch_related("category_rows"),
        pk=report_id,
    )


def attachment_get_for_user(
    *, viewer: Any, report: Report, attachment_id: Any
) -> Attachment:
    return get_scoped(Attachment.objects.filter(report=report), pk=attachment_id)


@dataclass(frozen=True)
class RoutingHealth:
    default_configured: bool
    active_rules: int
    routed_by_default_30d: int


def routing_health() -> RoutingHealth:
    """Counts only, for administrators: is every report finding its readers?"""
    from datetime import timedelta

    from django.utils import timezone

    from remedia.intake.models import IntakeConfiguration, RoutingRule

    config = IntakeConfiguration.objects.filter(id=1).first()
    since = timezone.now() - timedelta(days=30)
    return RoutingHealth(
        default_configured=bool(config and config.default_organisation_id),
        active_rules=RoutingRule.objects.filter(is_active=True).count(),
        routed_by_default_30d=Report.objects.filter(
            routed_by_default=True, created_at__gte=since
        ).count(),
    )


# --- Reports in aggregate on the facility page -------------------------------------


@dataclass(frozen=True)
class FacilityReportFigures:
    """Counts only, of the reports about one facility that the viewer's
    organisations received; small counts suppressed (core.figures)."""

    total: ShownCount
    by_status: list[ShownCount]
    by_category: list[ShownCount]


def facility_report_figures(*, viewer: Any, facility: Any) -> FacilityReportFigures:
    """Reports about `facility` routed to the viewer's organisations, counted.

    Never a narrative, a message, a date or a channel: the page that shows
    these is open to everyone with access to the registry in those
    organisations, and the figures must not point at a reporter.
    """
    reports = _scoped(viewer=viewer).filter(facility=facility)
    per_status = dict(
        reports.order_by()
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    per_category = dict(
        ReportCategory.objects.filter(report__in=reports.values("pk"))
        .order_by()
        .values_list("code")
        .annotate(n=Count("id"))
        .values_list("code", "n")
    )
    total = sum(per_status.values())
    return FacilityReportFigures(
        total=shown_count(total, key="total"),
        by_status=shown_counts(
            [(s.value, s.label, per_status.get(s.value, 0)) for s in ReportStatus],
            total=total,
        ),
        by_category=shown_counts(
            [(c.value, c.label, per_category.get(c.value, 0)) for c in Category],
            total=total,
        ),
    )
