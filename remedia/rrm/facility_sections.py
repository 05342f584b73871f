"""The petitions part of the facility page (registered in ``RrmConfig.ready``).

A petition analyst sees what the petitions list shows them
(``selectors.rrm_case_list_staff``: their organisations' petitions, unclaimed
drafts and the public record), linked to the staff pages. Anyone else who
reads the facility page sees the public record's cases about it, linked to
the public pages: what anybody may read, never a confidential petition.
"""

from __future__ import annotations

from django.http import HttpRequest

from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import user_can
from remedia.facilities.hooks import SECTION_PETITIONS, FacilitySection
from remedia.facilities.models import Facility
from remedia.rrm import selectors

SHOWN = 10


def facility_petitions_section(
    request: HttpRequest, facility: Facility
) -> FacilitySection:
    """RRM petitions and record cases about ``facility``, newest first."""
    staff = user_can(user=request.user, capability=Capability.PETITION_READ)
    if staff:
        cases = selectors.rrm_case_list_staff(viewer=request.user)
    else:
        cases = selectors.rrm_case_list_public(filters=selectors.RrmCaseFilters())
    rows = list(cases.filter(facility=facility).select_related(None)[: SHOWN + 1])
    return FacilitySection(
        key=SECTION_PETITIONS,
        template="rrm/facility_section.html",
        context={"cases": rows[:SHOWN], "more": len(rows) > SHOWN, "staff": staff},
    )
