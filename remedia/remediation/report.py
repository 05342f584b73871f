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

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from remedia.core.audit import audit_record
from remedia.core.errors import InvalidInput, NotFound
from remedia.remediation import access, sanctions, selectors, surveys, training
from remedia.remediation.models import Course, Evidence, Measure, SanctionProceeding

LANGUAGES = ("es", "en")


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


def report_language(raw: str | None) -> str:
    """The report's language: ``es`` (default) or ``en``; anything else refused."""
    language = (raw or translation.get_language() or "es")[:2].lower()
    if language not in LANGUAGES:
        raise InvalidInput(
            [
                {
                    "field": "lang",
                    "reason": _("El informe existe en español (es) o inglés (en)."),
                }
            ]
        )
    return language


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


def _refuse_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"the report fetches nothing: {url[:40]}")


def course_report_pdf(*, user: Any, course: Course, language: str) -> bytes:
    """The PDF bytes; the reader must read the whole course (monitor notes' level)."""
    from weasyprint import HTML  # imported here: loading pango costs ~0.3 s

    if not access.can_read_all(user=user, course=course):
        # A facility officer reads the measures, not the surveys and notes a
        # report holds; the same 404 as a course they cannot see.
        raise NotFound()
    with translation.override(language):
        report = course_report(user=user, course=course, language=language)
        html = render_to_string("remediation/report_pdf.html", {"report": report})
    pdf = HTML(string=html, url_fetcher=_refuse_fetch, base_url=None).write_pdf(
        pdf_identifier=str(course.pk).encode(), uncompressed_pdf=False
    )
    audit_record(
        action="remediation.report_generated",
        actor=user,
        organisation=course.organisation,
        obj=course,
        data={"language": language},
    )
    return bytes(pdf)


def report_filename(course: Course, language: str) -> str:
    day = timezone.localdate().isoformat()
    return f"remediacion-{course.facility_id}-{day}-{language}.pdf"
