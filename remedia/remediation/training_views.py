"""The training sections of the course and measure pages: coverage of each
training measure against the facility's roster (``training.py``), with links to
the ``training`` app's pages."""

from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest
from django.template.loader import render_to_string

from remedia.core.kit import request_user
from remedia.remediation import training
from remedia.remediation.catalogue import entry_for
from remedia.remediation.models import Course, Measure
from remedia.training.access import roster_for_facility
from remedia.training.views import roster_urls


def training_course_section(request: HttpRequest, course: Course) -> str:
    """The course page's training section: coverage of each training measure
    against the facility's roster, with links to the roster and sessions."""
    user = request_user(request)
    items = training.course_coverage(course)
    roster = roster_for_facility(user=user, facility=course.facility)
    return render_to_string(
        "remediation/training_course_section.html",
        {
            "course": course,
            "items": items,
            "roster": roster,
            "urls": roster_urls(roster),
            "people": roster.people().filter(active=True).count(),
            "sessions": course.facility.training_sessions.count(),
        },
        request=request,
    )


def training_measure_section(request: HttpRequest, measure: Measure) -> str:
    """A training measure's page: its coverage and the sessions linked to it."""
    if not entry_for(measure.type).training_topic:
        return ""
    course = measure.course
    item = next(
        (i for i in training.course_coverage(course) if i.measure.pk == measure.pk),
        None,
    )
    roster = roster_for_facility(user=request_user(request), facility=course.facility)
    return render_to_string(
        "remediation/training_measure_section.html",
        {
            "measure": measure,
            "item": item,
            "roster": roster,
            "urls": roster_urls(roster),
            "sessions": list(
                training.measure_sessions(measure)
                .annotate(attendance_count=Count("attendance"))
                .order_by("-held_on", "-starts_at")
            ),
        },
        request=request,
    )
