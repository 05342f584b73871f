"""Reads of case management, always scoped to the viewer's organisations."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from django.db.models import (
    Avg,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Coalesce, Concat, Lower, NullIf, Trim
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import get_scoped, organisations_for
from remedia.cases import sla
from remedia.cases.models import (
    ACTIVE_STATUSES,
    Case,
    CaseCategory,
    CaseDocument,
    CaseEvent,
    CaseReport,
    CaseStatus,
    CaseTask,
    Escalation,
    Severity,
    SlaPolicy,
)
from remedia.core.cache import kept_until_version_moves, version_bump
from remedia.core.choices import choice_label
from remedia.core.sorting import SortKey, Sorts, choice_rank
from remedia.facilities.models import Facility
from remedia.intake.models import Report, ReportCategory, ReportStatus
from remedia.intake.selectors import kept_while_inbox_unchanged, report_list

T = TypeVar("T")


@dataclass(frozen=True)
class CaseFilters:
    status: str | None = None
    facility_id: Any = None
    category: str | None = None
    # A user id, "me" or "none".
    assignee: str | None = None
    overdue: bool | None = None
    urgent: bool | None = None
    # The human number, or part of it.
    number: str | None = None
    # "overdue": an open task past its date; "mine_overdue": one of the viewer's.
    tasks: str | None = None


TASK_FILTERS = ("overdue", "mine_overdue")

# The case list's filters by name, as its form (GET) and an export's
# parameters (JSON) carry them.
CASE_FILTER_NAMES = (
    "status",
    "facility",
    "category",
    "assignee",
    "overdue",
    "urgent",
    "number",
    "tasks",
)


# The case list's columns it sorts by (`?orden=`); none given, `case_list`'s
# own order: urgent first, then the nearest due time.
CASE_SORTS = Sorts(
    keys={
        "numero": SortKey(label=_("Número"), fields=("number",)),
        "estado": SortKey(
            label=_("Estado"),
            fields=(choice_rank("status", CaseStatus.values), "-created_at"),
        ),
        "gravedad": SortKey(
            label=_("Gravedad"),
            fields=(choice_rank("severity", Severity.values), "-created_at"),
            descending_first=True,
        ),
        "plazo": SortKey(
            label=_("Próximo plazo"),
            fields=(F("next_due_at").asc(nulls_last=True), "-created_at"),
        ),
        "responsable": SortKey(
            label=_("Responsable"),
            # As `person_name` shows them: the full name, else the username;
            # nobody's cases last either way.
            fields=(
                Lower(
                    Coalesce(
                        NullIf(
                            Trim(
                                Concat(
                                    "assignee__first_name",
                                    Value(" "),
                                    "assignee__last_name",
                                )
                            ),
                            Value(""),
                        ),
                        "assignee__username",
                    )
                ).asc(nulls_last=True),
                "-created_at",
            ),
        ),
    },
    default_label=_("Urgentes y plazo más próximo primero"),
    tie_breaker=("id",),
)


def case_filters_from(data: dict[str, Any]) -> CaseFilters:
    """The filters of the case list's cleaned form (or an export's parameters)."""

    def yes_no(name: str) -> bool | None:
        return {"1": True, "0": False}.get(str(data.get(name) or ""))

    facility_id = parse_uuid(data.get("facility") or "")
    assignee = data.get("assignee") or None
    if assignee not in (None, "me", "none") and parse_uuid(assignee) is None:
        assignee = None
    return CaseFilters(
        status=data.get("status") or None,
        facility_id=facility_id,
        category=data.get("category") or None,
        assignee=assignee,
        overdue=yes_no("overdue"),
        urgent=yes_no("urgent"),
        number=str(data.get("number") or "").strip() or None,
        tasks=data.get("tasks") if data.get("tasks") in TASK_FILTERS else None,
    )


def _scoped(*, viewer: Any) -> QuerySet[Case]:
    orgs = organisations_for(user=viewer, capability=Capability.CASE_READ)
    if not orgs:
        return Case.objects.none()
    return Case.objects.filter(organisation_id__in=orgs)


def overdue_q(now: Any = None) -> Q:
    """A case with a pending clock past its due time (paused clocks never are)."""
    return Q(next_due_at__lt=now or timezone.now())


def case_list(
    *,
    viewer: Any,
    filters: CaseFilters | None = None,
    order: tuple[Any, ...] | None = None,
) -> QuerySet[Case]:
    """Cases of the viewer's organisations: urgent first, then the nearest due
    time, or in `order` (a `CASE_SORTS` order)."""
    f = filters or CaseFilters()
    qs = _scoped(viewer=viewer)
    if f.status == "active":
        qs = qs.filter(status__in=ACTIVE_STATUSES)
    elif f.status:
        qs = qs.filter(status=f.status)
    if f.facility_id:
        qs = qs.filter(facility_id=f.facility_id)
    if f.category:
        qs = qs.filter(
            Exists(CaseCategory.objects.filter(case=OuterRef("pk"), code=f.category))
        )
    if f.assignee == "me":
        qs = qs.filter(assignee_id=getattr(viewer, "pk", None))
    elif f.assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif f.assignee:
        qs = qs.filter(assignee_id=parse_uuid(f.assignee))
    if f.overdue is True:
        qs = qs.filter(overdue_q())
    elif f.overdue is False:
        qs = qs.exclude(overdue_q())
    if f.urgent is not None:
        qs = qs.filter(urgent=f.urgent)
    if f.number:
        qs = qs.filter(number__contains=f.number.strip()[:16])
    if f.tasks in TASK_FILTERS:
        late = CaseTask.objects.filter(
            case=OuterRef("pk"),
            done_at__isnull=True,
            due_on__lt=timezone.localdate(),
        )
        if f.tasks == "mine_overdue":
            late = late.filter(owner_id=getattr(viewer, "pk", None))
        qs = qs.filter(Exists(late))
    return (
        qs.select_related("facility", "assignee", "organisation")
        .prefetch_related("category_rows")
        .defer("public_key")
        .order_by(
            *(
                order
                or (
                    "-urgent",
                    F("next_due_at").asc(nulls_last=True),
                    "-created_at",
                    "id",
                )
            )
        )
    )


# Every column a list shows of a case (the API's summary, the list page's row):
# a page of 50 reads these, not the thirty columns and three joined rows of
# each case that `case_list` carries.
CASE_ROW_FIELDS = (
    "id",
    "number",
    "organisation_id",
    "status",
    "severity",
    "urgent",
    "received_at",
    "next_due_at",
    "paused_since",
    "acknowledge_due_at",
    "acknowledged_at",
    "first_response_due_at",
    "first_response_at",
    "resolution_due_at",
    "resolved_at",
    "facility__id",
    "facility__name",
    "facility__state",
    "assignee__id",
    "assignee__username",
    "assignee__first_name",
    "assignee__last_name",
)


def case_rows(*, viewer: Any) -> QuerySet[Case]:
    """The viewer's cases with just what a list shows, for `page_rows`: the
    page's ids come from `case_list`, its rows from here."""
    return (
        _scoped(viewer=viewer)
        .select_related("facility", "assignee")
        .only(*CASE_ROW_FIELDS)
    )


@dataclass(frozen=True)
class CaseChoice:
    """An active case as a line of a pick list: no model built for it."""

    id: uuid.UUID
    number: str
    status_label: str
    facility_name: str

    @property
    def label(self) -> str:
        """'2026-0042 — Abierto · Confecciones del Norte'."""
        line = f"{self.number} — {self.status_label}"
        return f"{line} · {self.facility_name}" if self.facility_name else line


def case_join_choices(*, viewer: Any, limit: int) -> list[CaseChoice]:
    """The viewer's active cases that reports can join, in the list's order
    (urgent first, nearest due time), as four columns each: the triage page's
    pick list of 200 built 200 cases with their facility and assignee."""
    status_field = Case._meta.get_field("status")
    rows = (
        case_list(viewer=viewer, filters=CaseFilters(status="active"))
        .prefetch_related(None)
        .values_list("id", "number", "status", "facility__name")[:limit]
    )
    return [
        CaseChoice(
            id=pk,
            number=number,
            status_label=choice_label(status_field, status),
            facility_name=facility_name or "",
        )
        for pk, number, status, facility_name in rows
    ]


def case_category_codes(*, cases: list[Case]) -> dict[Any, list[str]]:
    """Each case's category codes, sorted, in one query for a page."""
    codes: dict[Any, list[str]] = {c.pk: [] for c in cases}
    if cases:
        for case_id, code in CaseCategory.objects.filter(
            case_id__in=list(codes)
        ).values_list("case_id", "code"):
            codes[case_id].append(code)
    return {pk: sorted(found) for pk, found in codes.items()}


# --- Cached totals ---------------------------------------------------------------

CASES_VERSION_KEY = "cases:version"
COUNT_CACHE_SECONDS = 300


def cases_changed() -> None:
    """Called (on commit) by every service that writes a case."""
    version_bump(CASES_VERSION_KEY)


def _kept(parts: tuple[Any, ...], load: Callable[[], T]) -> T:
    key = f"{parts[0]}:" + hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return kept_until_version_moves(
        version_key=CASES_VERSION_KEY, key=key, load=load, timeout=COUNT_CACHE_SECONDS
    )


def case_count(*, viewer: Any, filters: CaseFilters | None = None) -> int:
    """The list's total, kept until the next write to any case.

    Counting thousands of cases costs more than the page itself. "Overdue"
    also changes with the clock alone, so such a total is kept a minute at most.
    """
    f = filters or CaseFilters()
    orgs = sorted(
        str(o) for o in organisations_for(user=viewer, capability=Capability.CASE_READ)
    )
    by_clock = f.overdue is not None or f.tasks is not None
    minute = int(timezone.now().timestamp() // 60) if by_clock else None
    return int(
        _kept(
            ("case-count", orgs, str(getattr(viewer, "pk", "")), f, minute),
            lambda: case_list(viewer=viewer, filters=f).order_by().count(),
        )
    )


def case_facilities(*, viewer: Any) -> list[tuple[str, str]]:
    """(id, name) of the facilities the viewer's cases are about, by name."""
    orgs = sorted(
        str(o) for o in organisations_for(user=viewer, capability=Capability.CASE_READ)
    )

    def load() -> list[tuple[str, str]]:
        ids = (
            _scoped(viewer=viewer)
            .filter(facility__isnull=False)
            .order_by()
            .values("facility_id")
        )
        return [
            (str(pk), name)
            for pk, name in Facility.objects.filter(pk__in=ids)
            .order_by("name")
            .values_list("pk", "name")
        ]

    return _kept(("case-facilities", orgs), load)


def case_get_for_user(*, viewer: Any, case_id: Any) -> Case:
    """One case the viewer may read; the same 404 for missing and not theirs."""
    return get_scoped(
        _scoped(viewer=viewer)
        .select_related("facility", "assignee", "organisation", "opened_by")
        .prefetch_related("category_rows"),
        pk=case_id,
    )


def case_reports(*, case: Case) -> list[Report]:
    return list(
        Report.objects.filter(case_links__case=case)
        .select_related("facility")
        .prefetch_related("category_rows")
        .defer("content", "reporter_wrapped_key", "receipt_lookup", "public_key")
        .order_by("created_at")
    )


def recent_events(*, viewer: Any, limit: int = 8) -> list[CaseEvent]:
    """The latest events of the viewer's cases (the home page's activity)."""
    orgs = organisations_for(user=viewer, capability=Capability.CASE_READ)
    if not orgs:
        return []
    return list(
        CaseEvent.objects.filter(case__organisation_id__in=orgs)
        .select_related("actor", "case")
        .only(
            "id",
            "at",
            "kind",
            "data",
            "case__id",
            "case__number",
            "actor__id",
            "actor__username",
            "actor__first_name",
            "actor__last_name",
        )
        .order_by("-at", "-id")[:limit]
    )


def case_timeline(*, case: Case) -> list[CaseEvent]:
    return list(case.events.select_related("actor").order_by("at", "id"))


def case_tasks(*, case: Case) -> list[CaseTask]:
    return list(case.tasks.select_related("owner", "done_by"))


def case_documents(*, case: Case) -> list[CaseDocument]:
    return list(case.documents.select_related("author"))


def case_escalations(*, case: Case) -> list[Escalation]:
    return list(case.escalations.select_related("facility", "created_by"))


def escalations_waiting() -> QuerySet[Escalation]:
    """Drafts no petition module has taken yet (for the RRM app to take over)."""
    from remedia.cases.models import EscalationStatus

    return (
        Escalation.objects.filter(status=EscalationStatus.DRAFT)
        .select_related("case", "facility")
        .prefetch_related("documents")
        .order_by("created_at")
    )


def document_get_for_user(*, viewer: Any, case: Case, document_id: Any) -> CaseDocument:
    return get_scoped(
        CaseDocument.objects.filter(case=case).select_related("case"), pk=document_id
    )


def task_get_for_user(*, viewer: Any, case: Case, task_id: Any) -> CaseTask:
    return get_scoped(
        CaseTask.objects.filter(case=case).select_related("case"), pk=task_id
    )


def my_open_tasks(*, viewer: Any, limit: int = 50) -> list[CaseTask]:
    orgs = organisations_for(user=viewer, capability=Capability.CASE_READ)
    return list(
        CaseTask.objects.filter(
            owner_id=getattr(viewer, "pk", None),
            done_at__isnull=True,
            case__organisation_id__in=orgs,
        )
        .select_related("case")
        .order_by("due_on")[:limit]
    )


# --- Clocks -------------------------------------------------------------------------

CLOCK_NAMES = ("acknowledge", "first_response", "resolution")


def case_clocks(*, case: Case, now: Any = None) -> dict[str, sla.Clock]:
    """The acknowledge, first-response and resolution clocks of a case, in order.

    A step not done when the case ended (resolved or closed) shows as stopped,
    not overdue: nobody can still meet it.
    """
    now = now or timezone.now()
    stopped = not case.is_active
    return {
        name: sla.clock(
            due_at=due_at,
            done_at=done_at,
            paused_since=case.paused_since,
            now=now,
            stopped=stopped and done_at is None,
        )
        for name, due_at, done_at in (
            ("acknowledge", case.acknowledge_due_at, case.acknowledged_at),
            ("first_response", case.first_response_due_at, case.first_response_at),
            ("resolution", case.resolution_due_at, case.resolved_at),
        )
    }


# --- Triage ----------------------------------------------------------------------


def triage_count(
    *, viewer: Any, reports: QuerySet[Report], filters: tuple[Any, ...] = ()
) -> int:
    """The total of a triage listing, kept until the next change to any inbox.

    Counting reports not in a case scans the whole inbox (100 ms at 100,000
    reports). The intake bumps the inbox version on every new report and
    status change, and the cases on every report that joins a case.
    """
    orgs = sorted(
        str(o) for o in organisations_for(user=viewer, capability=Capability.CASE_WRITE)
    )
    return int(
        kept_while_inbox_unchanged(
            ("triage-count", orgs, filters),
            lambda: reports.order_by().count(),
            timeout=COUNT_CACHE_SECONDS,
        )
    )


def triage_list(*, viewer: Any) -> QuerySet[Report]:
    """Reports of the viewer's organisations not yet in one of their cases."""
    orgs = organisations_for(user=viewer, capability=Capability.CASE_WRITE)
    qs = report_list(viewer=viewer)
    if not orgs:
        return qs.none()
    return qs.exclude(status=ReportStatus.CLOSED).exclude(
        Exists(
            CaseReport.objects.filter(report=OuterRef("pk"), organisation_id__in=orgs)
        )
    )


RELATED_DAYS = 60


@dataclass(frozen=True)
class Related:
    reports: list[Report]
    cases: list[Case]


def related_for(*, viewer: Any, report: Report, limit: int = 10) -> Related:
    """Reports and open cases that look like the same events as `report`.

    Within two months: about the same registry facility; or, when none is
    linked, from the same state and sharing a category. The handler decides
    whether to merge.
    """
    window = timedelta(days=RELATED_DAYS)
    candidates = (
        triage_list(viewer=viewer)
        .filter(
            created_at__gte=report.created_at - window,
            created_at__lte=report.created_at + window,
        )
        .exclude(pk=report.pk)
    )
    if report.facility_id:
        candidates = candidates.filter(facility_id=report.facility_id)
    else:
        codes = [c.code for c in report.category_rows.all()]
        candidates = candidates.filter(
            Exists(
                ReportCategory.objects.filter(report=OuterRef("pk"), code__in=codes)
            ),
            state=report.state,
            facility__isnull=True,
        )
    reports = list(candidates[:limit])
    cases: list[Case] = []
    if report.facility_id:
        cases = list(
            case_list(
                viewer=viewer,
                filters=CaseFilters(status="active", facility_id=report.facility_id),
            )[:limit]
        )
    return Related(reports=reports, cases=cases)


def report_cases(*, viewer: Any, report: Report) -> list[Case]:
    """The viewer's cases that a report joined (for the report's page)."""
    return list(_scoped(viewer=viewer).filter(links__report=report))


# --- Figures -----------------------------------------------------------------------


@dataclass(frozen=True)
class SlaFigure:
    key: str
    label: str
    cases: int
    acknowledge_hours: float | None
    first_response_days: float | None
    resolution_days: float | None
    acknowledged_on_time: float | None
    overdue: int


_GROUPS = {
    "organisation": ("organisation_id", "organisation__name"),
    "facility": ("facility_id", "facility__name"),
    "category": ("category_rows__code", "category_rows__code"),
}


def sla_figures(*, viewer: Any, by: str = "organisation") -> list[SlaFigure]:
    """Time to acknowledge, to first response and to resolution, net of pauses.

    Averages over the viewer's cases, grouped by organisation, facility or
    category; the share of cases acknowledged within their target; how many
    are overdue now.
    """
    from remedia.intake.categories import Category

    key_field, label_field = _GROUPS.get(by, _GROUPS["organisation"])
    now = timezone.now()
    rows = (
        _scoped(viewer=viewer)
        .order_by()
        .values(key_field, label_field)
        .annotate(
            n=Count("id", distinct=True),
            ack=Avg("acknowledge_seconds"),
            first=Avg("first_response_seconds"),
            resolution=Avg("resolution_seconds"),
            ack_done=Count(
                "id", filter=Q(acknowledged_at__isnull=False), distinct=True
            ),
            ack_on_time=Count(
                "id",
                filter=Q(acknowledged_at__lte=F("acknowledge_due_at")),
                distinct=True,
            ),
            overdue=Count("id", filter=overdue_q(now), distinct=True),
        )
        .order_by("-n")
    )
    figures = []
    for row in rows:
        key = row[key_field]
        label = row[label_field]
        if by == "category" and key:
            label = Category(key).label
        figures.append(
            SlaFigure(
                key=str(key) if key else "",
                label=str(label) if label else "—",
                cases=row["n"],
                acknowledge_hours=round(row["ack"] / 3600, 1)
                if row["ack"] is not None
                else None,
                first_response_days=round(row["first"] / 86400, 1)
                if row["first"] is not None
                else None,
                resolution_days=round(row["resolution"] / 86400, 1)
                if row["resolution"] is not None
                else None,
                acknowledged_on_time=round(100 * row["ack_on_time"] / row["ack_done"])
                if row["ack_done"]
                else None,
                overdue=row["overdue"],
            )
        )
    return figures


def case_status_counts(*, viewer: Any) -> dict[str, int]:
    rows = (
        _scoped(viewer=viewer)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    counts = {s.value: 0 for s in CaseStatus}
    counts.update(dict(rows))
    return counts


def parse_uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def sla_targets(*, organisation_id: Any, urgent: bool) -> sla.Targets:
    """The organisation's clock targets for urgent or ordinary cases, or the defaults."""
    policy = SlaPolicy.objects.filter(
        organisation_id=organisation_id, urgent=urgent
    ).first()
    if policy is None:
        return sla.DEFAULT_TARGETS[urgent]
    return sla.Targets(
        acknowledge=timedelta(hours=policy.acknowledge_hours),
        first_response=timedelta(hours=policy.first_response_hours),
        resolution=timedelta(days=policy.resolution_days),
    )
