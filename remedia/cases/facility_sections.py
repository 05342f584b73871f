"""The cases part of the facility page (registered in ``CasesConfig.ready``).

Only staff who read cases get it, and only their own organisations' cases
(``selectors.case_list``): a facility's compliance officer reads its page too,
and must not learn that a case about it exists.
"""

from __future__ import annotations

from django.http import HttpRequest

from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import user_can
from remedia.cases import selectors
from remedia.facilities.hooks import SECTION_CASES, FacilitySection
from remedia.facilities.models import Facility

SHOWN = 10
# What a line of the section shows: no assignee, no categories, no joins.
ROW_FIELDS = (
    "id",
    "number",
    "status",
    "severity",
    "urgent",
    "received_at",
    "next_due_at",
)


def facility_cases_section(
    request: HttpRequest, facility: Facility
) -> FacilitySection | None:
    """The viewer's cases about ``facility``: urgent and nearest due first."""
    if not user_can(user=request.user, capability=Capability.CASE_READ):
        return None
    rows = list(
        selectors.case_list(
            viewer=request.user,
            filters=selectors.CaseFilters(facility_id=facility.pk),
        )
        .prefetch_related(None)
        .select_related(None)
        .only(*ROW_FIELDS)[: SHOWN + 1]
    )
    return FacilitySection(
        key=SECTION_CASES,
        template="cases/facility_section.html",
        context={"cases": rows[:SHOWN], "more": len(rows) > SHOWN},
    )
