"""Reads of reports for staff: always scoped to the organisations that received them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Exists, OuterRef, QuerySet

from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import get_scoped, organisations_for
from remedia.core.figures import ShownCount, shown_count, shown_counts
from remedia.intake.categories import Category
from remedia.intake.models import (
    Attachment,
    Report,
    ReportCategory,
    ReportRecipient,
    ReportStatus,
)


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


def _scoped(*, viewer: Any) -> QuerySet[Report]:
    orgs = organisations_for(user=viewer, capability=Capability.REPORT_READ)
    if not orgs:
        return Report.objects.none()
    return Report.objects.filter(
        Exists(
            ReportRecipient.objects.filter(
                report=OuterRef("pk"), organisation_id__in=orgs
            )
        )
    )


def report_list(
    *, viewer: Any, filters: ReportFilters | None = None
) -> QuerySet[Report]:
    """The inbox: metadata only, urgent first, newest first."""
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
    return (
        qs.select_related("facility")
        .prefetch_related("category_rows")
        .defer("content", "reporter_wrapped_key", "receipt_lookup", "public_key")
        .order_by("-urgent", "-created_at")
    )


COUNT_CACHE_SECONDS = 300
INBOX_VERSION_KEY = "inbox-version"


def inbox_changed() -> None:
    """Called by the services after any write that changes what an inbox counts."""
    from django.core.cache import cache

    try:
        cache.incr(INBOX_VERSION_KEY)
    except ValueError:
        cache.set(INBOX_VERSION_KEY, 1, timeout=None)


def report_count(*, viewer: Any, filters: ReportFilters | None = None) -> int:
    """The inbox total, cached per scope and filters until the next change.

    Counting a large inbox exactly costs more than the page itself. Any new
    report or status change bumps the inbox version, so a cached total is never
    staler than the last write.
    """
    import hashlib

    from django.core.cache import cache

    orgs = sorted(
        str(o)
        for o in organisations_for(user=viewer, capability=Capability.REPORT_READ)
    )
    version = cache.get(INBOX_VERSION_KEY, 0)
    key = (
        "inbox-count:"
        + hashlib.sha256(repr((version, orgs, filters)).encode()).hexdigest()[:32]
    )
    found = cache.get(key)
    if found is None:
        found = report_list(viewer=viewer, filters=filters).order_by().count()
        cache.set(key, found, COUNT_CACHE_SECONDS)
    return int(found)


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
