"""The courses-of-remediation part of the facility page (registered in
``RemediationConfig.ready``).

Staff who read remediation see the courses they are a party to
(``selectors.course_list``, as the courses list does); a facility's
compliance officer sees the courses where their company is the company party.
Anyone else gets no section.
"""

from __future__ import annotations

from django.http import HttpRequest

from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import user_can
from remedia.facilities.hooks import SECTION_REMEDIATION, FacilitySection
from remedia.facilities.models import Facility
from remedia.remediation import selectors

SHOWN = 10


def facility_courses_section(
    request: HttpRequest, facility: Facility
) -> FacilitySection | None:
    """The viewer's courses at ``facility``, soonest deadline first, with progress."""
    viewer = request.user
    if not (
        user_can(user=viewer, capability=Capability.REMEDIATION_READ)
        or user_can(user=viewer, capability=Capability.EVIDENCE_SUBMIT)
    ):
        return None
    courses = list(
        selectors.course_list(
            viewer=viewer, filters=selectors.CourseFilters(facility_id=facility.pk)
        )
        .select_related(None)
        .prefetch_related(None)[: SHOWN + 1]
    )
    shown = courses[:SHOWN]
    selectors.progress_attach(shown)
    return FacilitySection(
        key=SECTION_REMEDIATION,
        template="remediation/facility_section.html",
        context={
            "rows": [(c, selectors.course_progress(c)) for c in shown],
            "more": len(courses) > SHOWN,
        },
    )
