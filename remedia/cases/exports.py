"""The case list as a file (core.exports): the rows the list shows the person
who asked, with the filters they had on; registered as "cases".

Metadata only: never a report's content, a note or anything of the reporter.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from remedia.accounts.permissions import Capability
from remedia.cases import selectors
from remedia.cases.models import Case, CaseStatus
from remedia.core import exports
from remedia.core.geo import STATE_CHOICES
from remedia.core.sorting import sort_read
from remedia.core.tables import Cell, Sheet
from remedia.intake.categories import Category

NAME = "cases"
CHUNK = 1000


def _when(value: Any) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if value else ""


def case_export_header() -> list[str]:
    return [
        _("Número"),
        _("Estado"),
        _("Organización"),
        _("Centro de trabajo"),
        _("Entidad"),
        _("Categorías"),
        _("Responsable"),
        _("Abierto"),
        _("Próximo plazo"),
        _("Vencido"),
        _("Cerrado"),
    ]


def case_export_rows(
    *, viewer: Any, parameters: dict[str, Any]
) -> Iterator[list[Cell]]:
    """The case list's rows for `viewer` with the filters in `parameters`, in
    the list's order (its `orden`, if it had one)."""
    filters = selectors.case_filters_from(parameters)
    order = sort_read(parameters, selectors.CASE_SORTS).order
    statuses = {value: str(label) for value, label in CaseStatus.choices}
    states = {value: str(label) for value, label in STATE_CHOICES}
    categories = {value: str(label) for value, label in Category.choices}
    now = timezone.now()
    yes, no = _("Sí"), _("No")
    case: Case
    for case in selectors.case_list(
        viewer=viewer, filters=filters, order=order
    ).iterator(chunk_size=CHUNK):
        facility = case.facility
        assignee = case.assignee
        codes = sorted(row.code for row in case.category_rows.all())
        yield [
            case.number,
            statuses.get(case.status, case.status),
            case.organisation.name,
            facility.name if facility else "",
            states.get(facility.state, facility.state) if facility else "",
            "; ".join(categories.get(code, code) for code in codes),
            (assignee.get_full_name() or assignee.username) if assignee else "",
            _when(case.created_at),
            _when(case.next_due_at),
            yes if case.next_due_at and case.next_due_at < now else no,
            _when(case.closed_at),
        ]


def case_export_producer(
    parameters: dict[str, Any], user: Any, progress: exports.Progress
) -> list[Sheet]:
    filters = selectors.case_filters_from(parameters)
    progress(0, selectors.case_list(viewer=user, filters=filters).count())
    return [
        Sheet(
            title=_("Casos"),
            header=case_export_header(),
            rows=case_export_rows(viewer=user, parameters=parameters),
        )
    ]


def register() -> None:
    exports.export_register(
        NAME,
        producer=case_export_producer,
        label=gettext_lazy("Casos"),
        filename="casos",
        capability=Capability.CASE_READ,
    )
