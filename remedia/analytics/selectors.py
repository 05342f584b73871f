"""The staff dashboard's figures, read from the tallies (never the reports).

`dashboard(viewer=, filters=)` answers every table the page, its exports,
its PDF and the API show. Report and case figures come from the tallies the
worker keeps, limited to the organisations where the viewer holds
ANALYTICS_READ (and to the one chosen among them). RRM durations, remediation
and protection referrals are small tables, read live and scoped by each
app's own selectors.

Every row carries the address of the list behind it, with the filters that
list accepts (the case list: status, category, facility, overdue).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet, Sum
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from remedia.accounts.models import Organisation
from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import organisations_for, user_can
from remedia.analytics.models import (
    ALL_CATEGORIES,
    ALL_CHANNELS,
    Bucket,
    CaseTally,
    FacilityTally,
    Refresh,
    ReportTally,
)
from remedia.analytics.services import KIND
from remedia.cases.models import ACTIVE_STATUSES, CaseStatus
from remedia.core.geo import MX_STATES
from remedia.facilities.models import Facility
from remedia.intake.categories import Category
from remedia.intake.models import Channel


@dataclass(frozen=True, kw_only=True)
class Filters:
    """What the viewer narrowed the figures to (validated by the form)."""

    since: dt.date | None = None
    until: dt.date | None = None
    organisation_id: uuid.UUID | None = None
    state: str = ""
    facility_id: uuid.UUID | None = None
    category: str = ""

    def as_query(self) -> dict[str, str]:
        """The same filters as the form's GET parameters."""
        values = {
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
            "organisation": str(self.organisation_id or ""),
            "state": self.state,
            "facility": str(self.facility_id or ""),
            "category": self.category,
        }
        return {k: v for k, v in values.items() if v}


@dataclass(frozen=True)
class Row:
    label: str
    values: tuple[int | float | str | None, ...]
    url: str = ""
    key: str = ""


@dataclass(frozen=True, kw_only=True)
class Table:
    """One table of the dashboard: what the page, exports, PDF and API show."""

    key: str
    title: str
    description: str
    columns: tuple[str, ...]
    rows: list[Row] = field(default_factory=list)
    # Where the chart of this table is drawn as bars now; "map" and "line"
    # mark the tables the lead switches to the map of Mexico and the line
    # over months (core.maps / core.charts) at merge.
    chart: str = "bar"
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class Dashboard:
    organisations: list[Organisation]
    as_of: dt.datetime | None
    tables: list[Table]

    def table(self, key: str) -> Table | None:
        return next((t for t in self.tables if t.key == key), None)


def analytics_organisations(*, viewer: Any) -> list[Organisation]:
    orgs = organisations_for(user=viewer, capability=Capability.ANALYTICS_READ)
    if not orgs:
        return []
    return list(Organisation.objects.filter(pk__in=orgs).order_by("name"))


def facility_choices(*, organisations: list[Organisation]) -> list[tuple[str, str]]:
    """The facilities that appear in the organisations' figures (for the filter)."""
    ids = [o.pk for o in organisations]
    if not ids:
        return []
    used = FacilityTally.objects.filter(organisation_id__in=ids).values("facility_id")
    return [
        (str(pk), name)
        for pk, name in Facility.objects.filter(pk__in=used)
        .order_by("name")
        .values_list("pk", "name")
    ]


def last_refresh() -> Refresh | None:
    return (
        Refresh.objects.filter(kind=KIND, finished_at__isnull=False)
        .order_by("-finished_at")
        .first()
    )


def _scoped(model: Any, *, orgs: list[Any], filters: Filters) -> QuerySet[Any]:
    """The tallies of the viewer's organisations, narrowed by the filters: rows
    per facility when one is chosen, else the rows with every facility summed."""
    qs = model.objects.filter(organisation_id__in=orgs)
    if filters.organisation_id:
        qs = qs.filter(organisation_id=filters.organisation_id)
    if filters.since:
        qs = qs.filter(month__gte=filters.since.replace(day=1))
    if filters.until:
        qs = qs.filter(month__lte=filters.until)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.facility_id:
        qs = qs.filter(by_facility=True, facility_id=filters.facility_id)
    else:
        qs = qs.filter(by_facility=False)
    return qs


def _grouped(qs: QuerySet[Any], by: str) -> list[tuple[Any, int]]:
    return [
        (row[by], row["n"] or 0)
        for row in qs.order_by().values(by).annotate(n=Sum("count")).order_by(by)
    ]


def _url(name: str, **query: Any) -> str:
    params = {k: v for k, v in query.items() if v not in (None, "")}
    url = reverse(name)
    return f"{url}?{urlencode(params)}" if params else url


def _case_list(filters: Filters, **query: Any) -> str:
    params = {"category": filters.category, "facility": filters.facility_id or ""}
    params.update(query)
    return _url("cases:list", **params)


def _inbox(filters: Filters, **query: Any) -> str:
    """The inbox narrowed as the figures are, and to the row's value."""
    params: dict[str, Any] = {
        "category": filters.category,
        "state": filters.state,
        "facility": filters.facility_id or "",
        "since": filters.since.isoformat() if filters.since else "",
        "until": filters.until.isoformat() if filters.until else "",
    }
    params.update(query)
    return _url("intake:inbox", **params)


def _month_end(month: dt.date) -> dt.date:
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def _by_count(rows: list[Row]) -> list[Row]:
    return sorted(rows, key=lambda r: (-(r.values[0] or 0), r.label))  # type: ignore[operator]


def report_tables(*, orgs: list[Any], filters: Filters) -> list[Table]:
    scoped = _scoped(ReportTally, orgs=orgs, filters=filters)
    # Every channel summed, except per facility, where no such rows are kept.
    base = scoped if filters.facility_id else scoped.filter(channel=ALL_CHANNELS)
    every = base.filter(category=filters.category or ALL_CATEGORIES)
    by_channel = scoped.exclude(channel=ALL_CHANNELS).filter(
        category=filters.category or ALL_CATEGORIES
    )
    categories = dict(Category.choices)
    channels = dict(Channel.choices)
    heading = (_("Denuncias"),)
    by_category = base.exclude(category=ALL_CATEGORIES)
    if filters.category:
        by_category = by_category.filter(category=filters.category)
    return [
        Table(
            key="reports_category",
            title=_("Denuncias por categoría"),
            description=_(
                "Una denuncia con varias categorías cuenta en cada una de ellas."
            ),
            columns=(_("Categoría"), *heading),
            rows=_by_count(
                [
                    Row(
                        str(categories.get(code, code)),
                        (n,),
                        _inbox(filters, category=code),
                        code,
                    )
                    for code, n in _grouped(by_category, "category")
                ]
            ),
        ),
        Table(
            key="reports_state",
            title=_("Denuncias por estado"),
            description=_("Estado de la República donde ocurrieron los hechos."),
            columns=(pgettext("lugar", "Estado"), *heading),
            rows=_by_count(
                [
                    Row(
                        str(MX_STATES.get(code, _("Estado desconocido"))),
                        (n,),
                        # The inbox has no "state not known" filter.
                        _inbox(filters, state=code) if code else "",
                        code,
                    )
                    for code, n in _grouped(every, "state")
                ]
            ),
            chart="map",
        ),
        Table(
            key="reports_channel",
            title=_("Denuncias por canal"),
            description=_("Por dónde llegaron."),
            columns=(_("Canal"), *heading),
            rows=_by_count(
                [
                    Row(
                        str(channels.get(code, code)),
                        (n,),
                        _inbox(filters, channel=code),
                        code,
                    )
                    for code, n in _grouped(by_channel, "channel")
                ]
            ),
        ),
        Table(
            key="reports_month",
            title=_("Denuncias por mes"),
            description=_("Mes en que llegó cada denuncia."),
            columns=(_("Mes"), *heading),
            rows=[
                Row(
                    month.strftime("%Y-%m"),
                    (n,),
                    _inbox(filters, since=month, until=_month_end(month)),
                    month.isoformat(),
                )
                for month, n in _grouped(every, "month")
            ],
            chart="line",
        ),
    ]


def case_tables(*, orgs: list[Any], filters: Filters) -> list[Table]:
    qs = _scoped(CaseTally, orgs=orgs, filters=filters).filter(
        category=filters.category or ALL_CATEGORIES
    )
    rows = list(
        qs.order_by()
        .values("status", "overdue", "acknowledge", "first_response", "resolution")
        .annotate(n=Sum("count"))
    )
    statuses = dict(CaseStatus.choices)
    by_status: dict[str, int] = defaultdict(int)
    open_, overdue = 0, 0
    buckets: dict[str, dict[str, int]] = {
        clock: defaultdict(int)
        for clock in ("acknowledge", "first_response", "resolution")
    }
    for row in rows:
        n = row["n"] or 0
        by_status[row["status"]] += n
        if row["status"] in ACTIVE_STATUSES:
            open_ += n
            if row["overdue"]:
                overdue += n
        for clock, counts in buckets.items():
            counts[row[clock]] += n
    cases = (_("Casos"),)
    times = Table(
        key="case_times",
        title=_("Tiempos de atención de los casos"),
        description=_(
            "Casos por cuánto tardó cada plazo, sin contar el tiempo en pausa; "
            "«sin dato aún»: ese plazo no se ha cumplido."
        ),
        columns=(
            _("Tiempo"),
            _("Acuse de recibo"),
            _("Primera respuesta"),
            _("Resolución"),
        ),
        rows=[
            Row(
                str(label),
                tuple(buckets[c][value] for c in buckets),
                reverse("cases:figures"),
                value or "pending",
            )
            for value, label in Bucket.choices
        ],
        chart="share",
    )
    return [
        Table(
            key="cases_open",
            title=_("Casos en curso y vencidos"),
            description=_(
                "En curso: ni resueltos ni cerrados. Vencidos: con un plazo "
                "pasado al último recálculo."
            ),
            columns=(_("Casos"), _("Número")),
            rows=[
                Row(
                    _("En curso"),
                    (open_,),
                    _case_list(filters, status="active"),
                    "open",
                ),
                Row(
                    _("Vencidos"),
                    (overdue,),
                    _case_list(filters, overdue="1"),
                    "overdue",
                ),
            ],
        ),
        Table(
            key="cases_status",
            title=_("Casos por estado"),
            description=_("Estado actual de los casos abiertos en el periodo."),
            columns=(_("Estado"), *cases),
            rows=[
                Row(
                    str(statuses[value]),
                    (by_status.get(value, 0),),
                    _case_list(filters, status=value),
                    value,
                )
                for value in CaseStatus.values
            ],
        ),
        times,
    ]


def rrm_table() -> Table:
    """Stage durations of the public RRM record (rrm.figures), exact: public cases."""
    from remedia.rrm.figures import durations_compute
    from remedia.rrm.selectors import RrmCaseFilters, rrm_case_list_public

    figures = durations_compute(cases=rrm_case_list_public(filters=RrmCaseFilters()))
    link = reverse("rrm:figures")
    return Table(
        key="rrm_durations",
        title=_("Duración de las etapas del MLRR"),
        description=_(
            "Días entre dos fechas del registro público, en los casos que tienen ambas."
        ),
        columns=(
            _("Etapa"),
            _("Casos"),
            _("Mediana (días)"),
            _("Mínimo (días)"),
            _("Máximo (días)"),
        ),
        rows=[
            Row(
                str(f.label),
                (f.count, f.median, f.minimum, f.maximum),
                link,
                f.key,
            )
            for f in figures
        ],
    )


def remediation_table(*, viewer: Any) -> Table | None:
    """Measures of the courses the viewer reads, by status, and overdue ones."""
    if not organisations_for(user=viewer, capability=Capability.REMEDIATION_READ):
        return None
    from remedia.remediation.access import courses_visible
    from remedia.remediation.models import Measure, MeasureStatus
    from remedia.remediation.selectors import FINISHED

    today = timezone.localdate()
    counts = Measure.objects.filter(
        course__in=courses_visible(user=viewer).values("pk")
    ).aggregate(
        total=Count("id"),
        overdue=Count("id", filter=Q(due_date__lt=today) & ~Q(status__in=FINISHED)),
        **{s: Count("id", filter=Q(status=s)) for s in MeasureStatus.values},
    )
    courses = reverse("remediation:list")
    rows = [
        Row(str(label), (counts[value] or 0,), courses, value)
        for value, label in MeasureStatus.choices
    ]
    rows.append(
        Row(
            _("Vencidas"),
            (counts["overdue"] or 0,),
            f"{courses}?{urlencode({'overdue': '1'})}",
            "overdue",
        )
    )
    rows.append(Row(_("Total"), (counts["total"] or 0,), courses, "total"))
    return Table(
        key="remediation",
        title=_("Avance de la remediación"),
        description=_(
            "Medidas de los cursos de remediación que usted puede leer, por estado."
        ),
        columns=(_("Medidas"), _("Número")),
        rows=rows,
    )


def protection_table(*, viewer: Any) -> Table | None:
    """Referrals the viewer may read, by status (none if no protection role)."""
    if not organisations_for(user=viewer, capability=Capability.PROTECTION_READ):
        return None
    from remedia.protection.models import Referral
    from remedia.protection.selectors.referrals import referrals_visible_to

    counts = dict(
        referrals_visible_to(user=viewer)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    status_field = Referral._meta.get_field("status")
    link = reverse("protection:referrals")
    return Table(
        key="referrals",
        title=_("Canalizaciones por estado"),
        description=_("Canalizaciones de protección que usted puede leer."),
        columns=(_("Estado"), _("Canalizaciones")),
        rows=[
            Row(
                str(label),
                (counts.get(value, 0),),
                f"{link}?{urlencode({'status': value})}",
                str(value),
            )
            for value, label in status_field.choices or []
        ],
    )


def training_table(*, viewer: Any, organisations: list[Organisation]) -> Table | None:
    """Staff of the viewer's organisations trained, per topic: people on the
    rosters, people who attended a session of it, the share (two queries per
    organisation; none if the viewer reads no roster)."""
    from remedia.training.access import roster_for_organisation, training_organisations
    from remedia.training.coverage import coverage_count, percent_floor
    from remedia.training.models import TrainingTopic
    from remedia.training.selectors import attendance_rows_for, roster_rows_for

    readable = {o.pk for o in training_organisations(user=viewer)}
    mine = [o for o in organisations if o.pk in readable]
    if not mine:
        return None
    topics = list(TrainingTopic.values)
    people = dict.fromkeys(topics, 0)
    trained = dict.fromkeys(topics, 0)
    for organisation in mine:
        roster = roster_for_organisation(user=viewer, organisation=organisation)
        rows = roster_rows_for(roster)
        attended = attendance_rows_for(roster, topics)
        roles = sorted({role for _person, role, _active in rows})
        for topic in topics:
            total = coverage_count(
                roster=rows, attendance=attended, topics=[topic], roles=roles
            ).total
            people[topic] += total.people
            trained[topic] += total.trained
    link = (
        reverse("training:training_coverage_organisation", args=[mine[0].pk])
        if len(mine) == 1
        else reverse("training:training_home")
    )
    rows_out = []
    for value, label in TrainingTopic.choices:
        share = percent_floor(trained[value], people[value])
        rows_out.append(
            Row(
                str(label),
                (
                    trained[value],
                    people[value],
                    float(share) if share is not None else None,
                ),
                link,
                str(value),
            )
        )
    return Table(
        key="training",
        title=_("Cobertura de capacitación"),
        description=_(
            "Personal activo de sus organizaciones que asistió a una capacitación de cada tema."
        ),
        columns=(_("Tema"), _("Capacitadas"), _("Personas"), _("Porcentaje")),
        rows=rows_out,
    )


def dashboard(*, viewer: Any, filters: Filters) -> Dashboard:
    organisations = analytics_organisations(viewer=viewer)
    orgs = [o.pk for o in organisations]
    tables = [
        *report_tables(orgs=orgs, filters=filters),
        *case_tables(orgs=orgs, filters=filters),
        rrm_table(),
    ]
    for extra in (
        remediation_table(viewer=viewer),
        training_table(viewer=viewer, organisations=organisations),
        protection_table(viewer=viewer),
    ):
        if extra is not None:
            tables.append(extra)
    run = last_refresh()
    return Dashboard(
        organisations=organisations,
        as_of=run.finished_at if run else None,
        tables=_reachable(tables, viewer=viewer),
    )


# The lists behind the figures, and what a viewer needs to open each.
_LIST_NEEDS = (
    (reverse_lazy("cases:list"), Capability.CASE_READ),
    (reverse_lazy("cases:figures"), Capability.CASE_READ),
    (reverse_lazy("intake:inbox"), Capability.REPORT_READ),
)


def _reachable(tables: list[Table], *, viewer: Any) -> list[Table]:
    """The tables with links only to lists the viewer can open: an analyst
    sees the case figures but not the cases, so those rows link nowhere."""
    closed = [
        str(prefix)
        for prefix, capability in _LIST_NEEDS
        if not user_can(user=viewer, capability=capability)
    ]
    if not closed:
        return tables
    return [
        replace(
            table,
            rows=[
                replace(row, url="")
                if any(row.url.startswith(prefix) for prefix in closed)
                else row
                for row in table.rows
            ],
        )
        for table in tables
    ]


def summary(*, viewer: Any) -> dict[str, int] | None:
    """The home page's block: reports this month, cases in course and overdue."""
    orgs = list(organisations_for(user=viewer, capability=Capability.ANALYTICS_READ))
    if not orgs:
        return None
    month = timezone.localdate().replace(day=1)
    reports = ReportTally.objects.filter(
        organisation_id__in=orgs,
        by_facility=False,
        category=ALL_CATEGORIES,
        month=month,
    ).aggregate(n=Sum("count"))["n"]
    cases = CaseTally.objects.filter(
        organisation_id__in=orgs,
        by_facility=False,
        category=ALL_CATEGORIES,
        status__in=ACTIVE_STATUSES,
    ).aggregate(open=Sum("count"), overdue=Sum("count", filter=Q(overdue=True)))
    return {
        "reports_month": reports or 0,
        "cases_open": cases["open"] or 0,
        "cases_overdue": cases["overdue"] or 0,
    }
