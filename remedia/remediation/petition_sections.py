"""The petition page's course-of-remediation tab (registered in
``RemediationConfig.ready`` through ``rrm.hooks``).

Staff who read remediation see the courses they are a party to that follow
this RRM case (``selectors.course_list``, as the courses list does), with
their progress; anyone else gets no section.
"""

from __future__ import annotations

from django.http import HttpRequest

from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import user_can
from remedia.core.hooks import Panel
from remedia.remediation import selectors
from remedia.rrm.models import RrmCase


def petition_courses_section(request: HttpRequest, case: RrmCase) -> Panel | None:
    """The viewer's courses that follow ``case``, soonest deadline first."""
    if not user_can(user=request.user, capability=Capability.REMEDIATION_READ):
        return None
    courses = list(
        selectors.course_list(viewer=request.user)
        .filter(rrm_case=case)
        .select_related(None)
        .prefetch_related(None)
    )
    if not courses:
        return None
    selectors.progress_attach(courses)
    return Panel(
        template="remediation/petition_section.html",
        context={"rows": [(c, selectors.course_progress(c)) for c in courses]},
    )
