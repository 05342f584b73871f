"""The report inbox as a file (core.exports): the reports the inbox shows the
person who asked, with its filters; registered as "reports".

Metadata only: never the report's text, its attachments or the reporter's
contact.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from remedia.accounts.permissions import Capability
from remedia.core import exports
from remedia.core.geo import STATE_CHOICES
from remedia.core.sorting import sort_read
from remedia.core.tables import Cell, Sheet
from remedia.intake import selectors
from remedia.intake.categories import Category
from remedia.intake.forms import InboxFilterForm
from remedia.intake.models import Channel, Report, ReportStatus

NAME = "reports"
CHUNK = 1000
# The inbox's filters by name, as its form (GET) and an export's parameters carry them.
REPORT_FILTER_NAMES = InboxFilterForm.NAMES


def report_filters_from(data: dict[str, Any]) -> selectors.ReportFilters:
    """The inbox's filters; values it does not know are left out."""
    return InboxFilterForm(data).filters()


def report_filters_refused(data: dict[str, Any]) -> str:
    """Why these filters are not the inbox's (empty: they are)."""
    form = InboxFilterForm(data)
    if form.is_valid():
        return ""
    return str(next(iter(form.errors.values()))[0])


def _when(value: Any) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if value else ""


def report_export_header() -> list[str]:
    return [
        _("Recibida"),
        _("Canal"),
        _("Entidad"),
        _("Categorías"),
        _("Estado"),
        _("Urgente"),
        _("Acusada"),
        _("Centro de trabajo"),
    ]


def report_export_rows(
    *, viewer: Any, parameters: dict[str, Any]
) -> Iterator[list[Cell]]:
    """The inbox's rows for `viewer` with the filters in `parameters`, in the
    inbox's order (its `orden`, if it had one); no row limit."""
    reports = selectors.report_list(
        viewer=viewer,
        filters=report_filters_from(parameters),
        order=sort_read(parameters, selectors.REPORT_SORTS).order,
    ).only(*selectors.REPORT_ROW_FIELDS)
    channels = {value: str(label) for value, label in Channel.choices}
    statuses = {value: str(label) for value, label in ReportStatus.choices}
    states = {value: str(label) for value, label in STATE_CHOICES}
    categories = {value: str(label) for value, label in Category.choices}
    yes, no = _("Sí"), _("No")
    report: Report
    for report in reports.iterator(chunk_size=CHUNK):
        codes = sorted(row.code for row in report.category_rows.all())
        yield [
            _when(report.created_at),
            channels.get(report.channel, report.channel),
            states.get(report.state, report.state),
            "; ".join(categories.get(code, code) for code in codes),
            statuses.get(report.status, report.status),
            yes if report.urgent else no,
            _when(report.acknowledged_at),
            report.facility.name if report.facility else "",
        ]


def report_export_producer(
    parameters: dict[str, Any], user: Any, progress: exports.Progress
) -> list[Sheet]:
    filters = report_filters_from(parameters)
    progress(0, selectors.report_list(viewer=user, filters=filters).count())
    return [
        Sheet(
            title=_("Denuncias"),
            header=report_export_header(),
            rows=report_export_rows(viewer=user, parameters=parameters),
        )
    ]


def register() -> None:
    exports.export_register(
        NAME,
        producer=report_export_producer,
        label=gettext_lazy("Denuncias"),
        filename="denuncias",
        capability=Capability.REPORT_READ,
    )
