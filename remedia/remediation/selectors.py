"""Reads of courses of remediation: lists with progress, measures, evidence, notes,
a measure's timeline.

Every course comes through ``access`` (the same ``NotFound`` for a missing
course and another organisation's); a measure, an evidence item or a party is
then looked up inside its course. Progress is counted in the database, one
annotated query for a whole list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from remedia.accounts.models import Organisation
from remedia.accounts.permissions import Capability
from remedia.accounts.principals import is_partner
from remedia.accounts.selectors import (
    get_scoped,
    organisation_get_for_user,
    organisations_for,
)
from remedia.cases import selectors as cases_selectors
from remedia.cases.models import Case
from remedia.core.errors import InvalidInput, NotFound
from remedia.core.sorting import SortKey, Sorts, choice_rank
from remedia.facilities import selectors as facilities_selectors
from remedia.facilities.models import Facility
from remedia.remediation import access
from remedia.remediation.models import (
    Course,
    CourseOrigin,
    CourseParty,
    CourseStatus,
    Evidence,
    EvidenceStatus,
    Measure,
    MeasureEvent,
    MeasureEventKind,
    MeasureNote,
    MeasureStatus,
)
from remedia.rrm import selectors as rrm_selectors
from remedia.rrm.models import RrmCase

# Measures no longer awaited: they do not fall overdue.
FINISHED = (MeasureStatus.DONE, MeasureStatus.VERIFIED)
# Measures someone still has to act on: what deadline alerts are about.
OPEN = (MeasureStatus.PENDING, MeasureStatus.IN_PROGRESS)


@dataclass(frozen=True, kw_only=True)
class CourseFilters:
    status: str = ""
    facility_id: Any = None
    origin: str = ""
    overdue: bool | None = None


@dataclass(frozen=True, kw_only=True)
class CourseProgress:
    """How far a course has come, measure by measure.

    ``overdue`` counts measures past their due date and neither done nor
    verified (a failed one included); it overlaps the status counts.
    """

    total: int = 0
    verified: int = 0
    done: int = 0
    in_progress: int = 0
    pending: int = 0
    failed: int = 0
    overdue: int = 0

    @property
    def percent_verified(self) -> int:
        """Rounded down: a course shows 100 % only when every measure is verified."""
        return self.verified * 100 // self.total if self.total else 0

    def as_dict(self) -> dict[str, int]:
        return {
            "total": self.total,
            "verified": self.verified,
            "done": self.done,
            "in_progress": self.in_progress,
            "pending": self.pending,
            "failed": self.failed,
            "overdue": self.overdue,
            "percent_verified": self.percent_verified,
        }


def _overdue_q(today: dt.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}due_date__lt": today}) & ~Q(
        **{f"{prefix}status__in": FINISHED}
    )


def _overdue_exists(today: dt.date) -> Exists:
    return Exists(
        Measure.objects.filter(course=OuterRef("pk"), due_date__lt=today).exclude(
            status__in=FINISHED
        )
    )


_PROGRESS_NAMES = ("total", "overdue", *MeasureStatus.values)


def _progress_counts(
    course_ids: list[Any], today: dt.date
) -> dict[Any, dict[str, int]]:
    rows: Any = (
        Measure.objects.filter(course__in=course_ids)
        .values("course_id")
        .annotate(
            total=Count("pk"),
            overdue=Count("pk", filter=_overdue_q(today)),
            **{s: Count("pk", filter=Q(status=s)) for s in MeasureStatus.values},
        )
        .order_by()
    )
    return {
        row["course_id"]: {name: int(row[name]) for name in _PROGRESS_NAMES}
        for row in rows
    }


def progress_attach(courses: Sequence[Course], *, today: dt.date | None = None) -> None:
    """Count the measures of a page of courses in one query, onto each course.

    ``course_progress`` then reads them without a query of its own. Counting
    only the page (not every course the viewer may see) keeps a list's cost
    the same whatever the number of courses.
    """
    if not courses:
        return
    counts = _progress_counts([c.pk for c in courses], today or timezone.localdate())
    for course in courses:
        row = counts.get(course.pk, {})
        for name in _PROGRESS_NAMES:
            setattr(course, f"measures_{name}", row.get(name, 0))


def course_progress(course: Course, *, today: dt.date | None = None) -> CourseProgress:
    """The course's progress: from ``progress_attach``'s counts, else one query."""
    if hasattr(course, "measures_total"):
        return CourseProgress(
            **{name: getattr(course, f"measures_{name}") for name in _PROGRESS_NAMES}
        )
    counts = _progress_counts([course.pk], today or timezone.localdate())
    return CourseProgress(**counts.get(course.pk, {}))


def _check_filters(filters: CourseFilters) -> None:
    errors = []
    if filters.status and filters.status not in CourseStatus.values:
        errors.append({"field": "status", "reason": _("Elija un estado de la lista.")})
    if filters.origin and filters.origin not in CourseOrigin.values:
        errors.append({"field": "origin", "reason": _("Elija un origen de la lista.")})
    if errors:
        raise InvalidInput(errors)


# The course list's orders (`?orden=`); it is a list of cards, so only its
# filter form's "Ordenar por" offers them.
COURSE_SORTS = Sorts(
    keys={
        "plazo": SortKey(
            label=gettext_lazy("Fecha límite"), fields=("deadline", "created_at")
        ),
        "titulo": SortKey(
            label=gettext_lazy("Título"), fields=(Lower("title").asc(), "deadline")
        ),
        "centro": SortKey(
            label=gettext_lazy("Centro de trabajo"),
            fields=(Lower("facility__name").asc(), "deadline"),
        ),
        "estado": SortKey(
            label=gettext_lazy("Estado"),
            fields=(choice_rank("status", CourseStatus.values), "deadline"),
        ),
    },
    default="plazo",
)


def course_list(
    *,
    viewer: Any,
    filters: CourseFilters | None = None,
    today: dt.date | None = None,
    order: tuple[Any, ...] | None = None,
) -> QuerySet[Course]:
    """The courses the viewer may read, soonest deadline first (or in `order`,
    a `COURSE_SORTS` order), with parties.

    Progress is not counted here: call ``progress_attach`` on the page shown,
    so a list costs the same for ten courses or ten thousand.
    """
    filters = filters or CourseFilters()
    _check_filters(filters)
    today = today or timezone.localdate()
    courses = access.courses_visible(user=viewer)
    if filters.status:
        courses = courses.filter(status=filters.status)
    if filters.origin:
        courses = courses.filter(origin=filters.origin)
    if filters.facility_id:
        courses = courses.filter(facility_id=filters.facility_id)
    if filters.overdue is True:
        courses = courses.filter(_overdue_exists(today))
    elif filters.overdue is False:
        courses = courses.filter(~_overdue_exists(today))
    return (
        courses.select_related("facility", "organisation")
        .prefetch_related(
            Prefetch(
                "parties",
                queryset=CourseParty.objects.select_related("organisation"),
            )
        )
        .order_by(*(order or ("deadline", "created_at")))
    )


# What a plan in a list shows (the API's `_plan`): a page reads these columns,
# not every column of the course, its facility and its owner.
COURSE_ROW_FIELDS = (
    "id",
    "title",
    "organisation_id",
    "origin",
    "status",
    "reference",
    "agreed_on",
    "deadline",
    "closed_on",
    "rrm_case_id",
    "case_id",
    "facility__id",
    "facility__public_id",
    "facility__name",
)


PARTY_ROWS = "party_rows"


def course_rows(*, viewer: Any) -> QuerySet[Course]:
    """The viewer's courses with just what a list shows, parties included, for
    `page_rows`: the page's ids come from `course_list`, its rows from here."""
    return (
        access.courses_visible(user=viewer)
        .select_related("facility")
        .only(*COURSE_ROW_FIELDS)
        .prefetch_related(
            Prefetch(
                "parties",
                queryset=CourseParty.objects.only(
                    "id", "course_id", "organisation_id", "name", "role"
                ),
                # A list on each course: without `to_attr` Django builds a
                # filtered queryset per course to hold the same rows.
                to_attr=PARTY_ROWS,
            )
        )
    )


def parties_of(course: Course) -> list[CourseParty]:
    """The course's parties: those `course_rows` read with the page, else a query."""
    rows = getattr(course, PARTY_ROWS, None)
    return list(course.parties.all()) if rows is None else rows


def course_facilities(*, viewer: Any) -> QuerySet[Facility]:
    """The facilities of the viewer's courses (the list page's filter)."""
    return (
        Facility.objects.filter(
            pk__in=access.courses_visible(user=viewer).values("facility_id")
        )
        .only("id", "name", "public_id")
        .order_by("name")
    )


def course_get(*, viewer: Any, course_id: Any) -> Course:
    """One course the viewer may read (``NotFound`` alike if missing or not theirs)."""
    return access.course_get(user=viewer, course_id=course_id)


def reads_all(*, viewer: Any, course: Course) -> bool:
    """``access.can_read_all`` over prefetched parties (no query per course)."""
    if is_partner(viewer):
        return False
    readers = organisations_for(user=viewer, capability=Capability.REMEDIATION_READ)
    if course.organisation_id in readers:
        return True
    return any(p.organisation_id in readers for p in parties_of(course))


def course_parties(*, course: Course) -> list[CourseParty]:
    return list(course.parties.select_related("organisation"))


def party_get(*, course: Course, party_id: Any) -> CourseParty:
    return get_scoped(course.parties.all(), pk=party_id)


def measure_list(*, course: Course, today: dt.date | None = None) -> QuerySet[Measure]:
    """The course's measures in order, with evidence counts and ``is_overdue``."""
    today = today or timezone.localdate()
    return course.measures.annotate(
        evidence_total=Count("evidence", distinct=True),
        evidence_accepted=Count(
            "evidence",
            filter=Q(evidence__status=EvidenceStatus.ACCEPTED),
            distinct=True,
        ),
        evidence_submitted=Count(
            "evidence",
            filter=Q(evidence__status=EvidenceStatus.SUBMITTED),
            distinct=True,
        ),
        evidence_rejected=Count(
            "evidence",
            filter=Q(evidence__status=EvidenceStatus.REJECTED),
            distinct=True,
        ),
        is_overdue=ExpressionWrapper(_overdue_q(today), output_field=BooleanField()),
    ).order_by("position")


def measure_get(
    *, course: Course, measure_id: Any, today: dt.date | None = None
) -> Measure:
    """One measure of a course already fetched for the viewer."""
    measure = get_scoped(
        measure_list(course=course, today=today).select_related(
            "verified_by", "course"
        ),
        pk=measure_id,
    )
    # The course as the caller fetched it (with its facility), not a new copy.
    measure.course = course
    return measure


def measure_notes(*, viewer: Any, measure: Measure) -> list[MeasureNote]:
    """Monitor notes, for readers of the whole course only; none for officers."""
    if not access.can_read_all(user=viewer, course=measure.course):
        return []
    return list(measure.notes.select_related("author"))


# Timeline kinds only the course's full readers see: a compliance officer
# never learns that a monitor wrote a note (``access.can_read_all``).
MONITOR_ONLY_EVENTS = frozenset({MeasureEventKind.NOTE_ADDED})


def _timeline_rows(*, viewer: Any, course: Course) -> QuerySet[MeasureEvent]:
    rows = MeasureEvent.objects.select_related("actor").order_by("created_at", "id")
    if not access.can_read_all(user=viewer, course=course):
        rows = rows.exclude(kind__in=MONITOR_ONLY_EVENTS)
    return rows


def measure_timeline(*, viewer: Any, measure: Measure) -> list[MeasureEvent]:
    """A measure's events, oldest first, as ``viewer`` may see them."""
    return list(
        _timeline_rows(viewer=viewer, course=measure.course).filter(measure=measure)
    )


def course_timelines(*, viewer: Any, course: Course) -> dict[Any, list[MeasureEvent]]:
    """Every measure's events of a course, by measure id, in one query."""
    found: dict[Any, list[MeasureEvent]] = {}
    for event in _timeline_rows(viewer=viewer, course=course).filter(
        measure__course=course
    ):
        found.setdefault(event.measure_id, []).append(event)
    return found


def evidence_list(*, measure: Measure) -> list[Evidence]:
    return list(
        measure.evidence.select_related("submitted_by", "reviewed_by").order_by(
            "created_at"
        )
    )


def evidence_get(*, measure: Measure, evidence_id: Any) -> Evidence:
    evidence = get_scoped(measure.evidence.all(), pk=evidence_id)
    evidence.measure = measure
    return evidence


def measures_overdue(*, viewer: Any, today: dt.date | None = None) -> QuerySet[Measure]:
    """Overdue measures of the viewer's active courses, the most overdue first."""
    today = today or timezone.localdate()
    return (
        Measure.objects.filter(
            _overdue_q(today),
            course__in=access.courses_visible(user=viewer).filter(
                status=CourseStatus.ACTIVE
            ),
        )
        .select_related("course", "course__facility")
        .order_by("due_date", "course_id", "position")
    )


def measures_due(*, until: dt.date) -> QuerySet[Measure]:
    """Every open measure of an active course falling due by ``until`` (alerts).

    Not scoped to a viewer: the daily job reads them all, then tells each
    course's own monitors only.
    """
    return (
        Measure.objects.filter(
            status__in=OPEN,
            due_date__lte=until,
            course__status=CourseStatus.ACTIVE,
            course__organisation__is_active=True,
        )
        .select_related("course")
        .order_by("due_date", "course_id", "position")
    )


# --- What a new course refers to -------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CourseLinks:
    facility: Facility | None = None
    rrm_case: RrmCase | None = None
    case: Case | None = None
    organisation: Organisation | None = None


def _rrm_case_for(viewer: Any, rrm_case_id: Any) -> RrmCase:
    """A petition the viewer analyses, or a case of the public record."""
    try:
        return rrm_selectors.rrm_case_get_for_user(viewer=viewer, case_id=rrm_case_id)
    except NotFound:
        return get_scoped(RrmCase.objects.filter(is_public=True), pk=rrm_case_id)


def course_links(
    *,
    viewer: Any,
    facility_id: Any = None,
    rrm_case_id: Any = None,
    case_id: Any = None,
    organisation_id: Any = None,
) -> CourseLinks:
    """Resolve the ids a course form or API call names, each as the viewer may see it.

    An id the viewer may not see is refused like one that does not exist,
    naming the field, so nobody learns of another organisation's case.
    """
    errors = []
    found: dict[str, Any] = {}
    lookups = [
        (
            "facility_id",
            facility_id,
            "facility",
            lambda pk: facilities_selectors.facility_get_for_user(
                viewer=viewer, facility_id=pk
            ),
            _("No existe ese centro de trabajo."),
        ),
        (
            "rrm_case_id",
            rrm_case_id,
            "rrm_case",
            lambda pk: _rrm_case_for(viewer, pk),
            _("No existe ese caso del MLRR o no puede verlo."),
        ),
        (
            "case_id",
            case_id,
            "case",
            lambda pk: cases_selectors.case_get_for_user(viewer=viewer, case_id=pk),
            _("No existe ese caso o no puede verlo."),
        ),
        (
            "organisation_id",
            organisation_id,
            "organisation",
            lambda pk: organisation_get_for_user(user=viewer, organisation_id=pk),
            _("No existe esa organización."),
        ),
    ]
    for field_name, value, key, fetch, reason in lookups:
        if value in (None, ""):
            continue
        try:
            found[key] = fetch(value)
        except NotFound:
            errors.append({"field": field_name, "reason": reason})
    if errors:
        raise InvalidInput(errors)
    return CourseLinks(**found)


def party_organisations(*, viewer: Any, ids: list[Any]) -> list[Organisation | None]:
    """The organisations named as parties (None where none is), in order."""
    found: list[Organisation | None] = []
    errors = []
    for i, pk in enumerate(ids):
        if pk in (None, ""):
            found.append(None)
            continue
        try:
            found.append(organisation_get_for_user(user=viewer, organisation_id=pk))
        except NotFound:
            errors.append(
                {
                    "field": f"parties.{i}.organisation_id",
                    "reason": _("No existe esa organización."),
                }
            )
    if errors:
        raise InvalidInput(errors)
    return found


def organisation_get(*, viewer: Any, organisation_id: Any) -> Organisation:
    """An organisation to name as a party (the directory every staff member sees)."""
    return organisation_get_for_user(user=viewer, organisation_id=organisation_id)


def organisations_choosable(*, viewer: Any) -> QuerySet[Organisation]:
    return Organisation.objects.filter(is_active=True).order_by("name")
