"""A course's status report as a PDF, in Spanish or English (WeasyPrint).

Fit to send to the other government or a brand: the course and its parties,
progress, every measure with its status, due date and evidence list, the worker
surveys' results (only from ``SMALL_COUNT`` answers, as everywhere), training
coverage per role and the sanctions proceedings. It names no reporter and holds
no report content: a course holds none. Evidence is listed, not embedded.

WeasyPrint renders our own template with a URL fetcher that refuses every
address, so a report never reaches the network or the file system, whatever a
course's free text holds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone, translation

from remedia.core.audit import audit_record
from remedia.core.errors import NotFound
from remedia.core.pdf import document_language, render_pdf
from remedia.remediation import access, sanctions, selectors, surveys, training
from remedia.remediation.models import Course, Evidence, Measure, SanctionProceeding


@dataclass(frozen=True)
class MeasureReport:
    measure: Measure
    overdue: bool
    evidence: list[Evidence]
    surveys: list[surveys.SurveyResults]


@dataclass(frozen=True)
class CourseReport:
    course: Course
    generated_on: dt.date
    language: str
    progress: selectors.CourseProgress
    parties: list[Any]
    measures: list[MeasureReport]
    coverage: list[training.MeasureCoverage]
    sanctions: list[SanctionProceeding]


report_language = document_language


def course_report(*, user: Any, course: Course, language: str) -> CourseReport:
    """Everything the report shows, read as ``user`` may read it."""
    today = timezone.localdate()
    measures = list(selectors.measure_list(course=course, today=today))
    evidence: dict[Any, list[Evidence]] = {}
    for item in Evidence.objects.filter(measure__course=course).order_by("created_at"):
        evidence.setdefault(item.measure_id, []).append(item)
    return CourseReport(
        course=course,
        generated_on=today,
        language=language,
        progress=selectors.course_progress(course, today=today),
        parties=selectors.course_parties(course=course),
        measures=[
            MeasureReport(
                measure=measure,
                overdue=measure.due_date < today
                and measure.status not in selectors.FINISHED,
                evidence=evidence.get(measure.pk, []),
                surveys=surveys.measure_survey_results(measure),
            )
            for measure in measures
        ],
        coverage=training.course_coverage(course),
        sanctions=list(sanctions.sanctions_for_course(user=user, course=course)),
    )


def course_report_pdf(*, user: Any, course: Course, language: str) -> bytes:
    """The PDF bytes; the reader must read the whole course (monitor notes' level)."""
    if not access.can_read_all(user=user, course=course):
        # A facility officer reads the measures, not the surveys and notes a
        # report holds; the same 404 as a course they cannot see.
        raise NotFound()
    with translation.override(language):
        report = course_report(user=user, course=course, language=language)
    pdf = render_pdf(
        "remediation/report_pdf.html",
        {"report": report},
        language=language,
        identifier=str(course.pk),
    )
    audit_record(
        action="remediation.report_generated",
        actor=user,
        organisation=course.organisation,
        obj=course,
        data={"language": language},
    )
    return pdf


def report_filename(course: Course, language: str) -> str:
    day = timezone.localdate().isoformat()
    return f"remediacion-{course.facility_id}-{day}-{language}.pdf"
