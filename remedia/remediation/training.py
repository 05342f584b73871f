"""Remediation's side of training: what the ``training`` app asks of it.

``training`` (rosters, sessions, attendance, coverage) sits below
``remediation`` and does not import it; at start-up (``apps.py``) this
module registers

- ``CourseRosterAccess``: a facility's roster is read by whoever reads a
  course of remediation at that facility, and kept by the course's owner, a
  monitor party, or the compliance officer of its company party;
- ``CourseSessionLink``: a session may count for a course and its training
  measure; the link is remediation's own table (``CourseTrainingSession``).

``course_coverage`` gives the coverage of each training measure of a course
(the topic from the catalogue, working hours only where the measure asks).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import organisations_for
from remedia.core.errors import NotFound
from remedia.core.kit import invalid_missing
from remedia.facilities.models import Facility
from remedia.remediation import access
from remedia.remediation.catalogue import entry_for
from remedia.remediation.models import (
    Course,
    CourseParty,
    CourseTrainingSession,
    Measure,
    MeasureType,
    PartyRole,
)
from remedia.training.access import Roster
from remedia.training.coverage import FACILITY_ROLES, Coverage, coverage_count
from remedia.training.hooks import (
    facility_roster_access_register,
    session_link_register,
)
from remedia.training.models import TrainingSession, TrainingTopic
from remedia.training.selectors import attendance_rows_for, roster_rows_for


class CourseRosterAccess:
    """A facility's roster follows the courses of remediation at that facility."""

    def readable(self, *, user: Any) -> QuerySet[Any]:
        return access.courses_visible(user=user).values("facility")

    def recorder(self, *, user: Any, facility: Facility) -> uuid.UUID | None:
        """The organisation through which the user keeps this facility's roster.

        The owner of a course there, or a monitor party of one, for a manager;
        the company party of one, for its compliance officer. None: read only.
        """
        writers = organisations_for(user=user, capability=Capability.REMEDIATION_WRITE)
        officers = organisations_for(user=user, capability=Capability.EVIDENCE_SUBMIT)
        if writers:
            owner = (
                Course.objects.filter(facility=facility, organisation__in=writers)
                .order_by("created_at")
                .values_list("organisation_id", flat=True)
                .first()
            )
            if owner is not None:
                return owner
        if not (writers or officers):
            return None
        return (
            CourseParty.objects.filter(course__facility=facility)
            .filter(
                Q(organisation__in=writers, role=PartyRole.MONITOR)
                | Q(organisation__in=officers, role=PartyRole.COMPANY)
            )
            .order_by("created_at")
            .values_list("organisation_id", flat=True)
            .first()
        )


@dataclass(frozen=True)
class CourseLink:
    course: Course
    measure: Measure | None


def _not_found(field: str) -> list[dict[str, Any]]:
    return invalid_missing(field).errors


class CourseSessionLink:
    """A session held for a course of remediation, and the training measure
    it counts for (``CourseTrainingSession``)."""

    fields: tuple[str, ...] = ("course", "measure", "course_id", "measure_id")

    def resolve(
        self, *, user: Any, roster: Roster, topic: str, values: Mapping[str, Any]
    ) -> tuple[CourseLink | None, list[dict[str, Any]]]:
        course: Course | None = values.get("course")
        measure: Measure | None = values.get("measure")
        visible = access.courses_visible(user=user)
        if measure is None and values.get("measure_id"):
            try:
                measure = access.visible_measure_get(
                    user=user, measure_id=values["measure_id"]
                )
            except NotFound:
                return None, _not_found("measure_id")
        if course is None and values.get("course_id"):
            try:
                course = access.course_get(user=user, course_id=values["course_id"])
            except NotFound:
                return None, _not_found("course_id")
        if measure is not None and course is None:
            course = measure.course
        if course is None:
            return None, []
        if not visible.filter(pk=course.pk).exists():
            return None, _not_found("course_id")
        errors: list[dict[str, Any]] = []

        def add(name: str, reason: str) -> None:
            errors.append({"field": name, "reason": reason})

        if course is not None and roster.facility is None:
            add(
                "course_id",
                _(
                    "Un plan de remediación es de un centro de trabajo; esta sesión es "
                    "para una organización."
                ),
            )
        elif course is not None and course.facility_id != roster.owner_id:
            add("course_id", _("El plan de remediación es de otro centro de trabajo."))
        if measure is not None:
            if course is not None and measure.course_id != course.pk:
                add("measure_id", _("La medida no es de ese plan de remediación."))
            wanted = entry_for(measure.type).training_topic
            if wanted and topic in TrainingTopic.values and wanted != topic:
                add(
                    "measure_id",
                    _("La medida pide capacitación sobre «%(topic)s».")
                    % {"topic": TrainingTopic(wanted).label},
                )
        return CourseLink(course=course, measure=measure), errors

    def attach(self, *, session: TrainingSession, resolved: CourseLink) -> None:
        CourseTrainingSession.objects.create(
            session=session, course=resolved.course, measure=resolved.measure
        )

    def describe(self, sessions: Sequence[TrainingSession]) -> dict[uuid.UUID, Any]:
        links = CourseTrainingSession.objects.filter(
            session__in=[s.pk for s in sessions]
        ).select_related("course", "measure")
        return {
            link.session_id: {
                "course_id": link.course_id,
                "measure_id": link.measure_id,
                "course": link.course,
                "measure": link.measure,
                "label": link.course.title
                + (f" · {link.measure}" if link.measure else ""),
            }
            for link in links
        }

    def narrow(
        self, *, user: Any, sessions: QuerySet[Any], values: Mapping[str, Any]
    ) -> QuerySet[Any]:
        course = values.get("course") or access.course_get(
            user=user, course_id=values.get("course_id")
        )
        return sessions.filter(course_link__course=course)

    def choices(
        self, *, user: Any, roster: Roster
    ) -> list[tuple[str, str, str | None]]:
        return [
            (str(m.pk), f"{m.course.title} · {m}", entry_for(m.type).training_topic)
            for m in course_measures(user, roster)
        ]


def course_measures(user: Any, roster: Roster) -> list[Measure]:
    """The training measures of the courses at the roster's facility: what a
    session may be recorded for."""
    if roster.facility is None:
        return []
    measures = (
        Measure.objects.filter(
            course__in=access.courses_visible(user=user)
            .filter(facility=roster.facility)
            .values("pk")
        )
        .select_related("course")
        .order_by("course__deadline", "course__title", "position")
    )
    return [m for m in measures if entry_for(m.type).training_topic]


def course_sessions(course: Course) -> QuerySet[TrainingSession]:
    return TrainingSession.objects.filter(course_link__course=course)


def measure_sessions(measure: Measure) -> QuerySet[TrainingSession]:
    return TrainingSession.objects.filter(course_link__measure=measure)


def register() -> None:
    facility_roster_access_register(_ROSTER_ACCESS)
    session_link_register(_SESSION_LINK)


_ROSTER_ACCESS = CourseRosterAccess()
_SESSION_LINK = CourseSessionLink()


@dataclass(frozen=True)
class MeasureCoverage:
    measure: Measure
    topic: str
    working_hours_only: bool
    coverage: Coverage

    @property
    def topic_label(self) -> str:
        return str(TrainingTopic(self.topic).label)


# The measure whose sessions must be held in normal working hours
# (domain/remediation.md: worker_rights_training).
WORKING_HOURS_MEASURES = frozenset({MeasureType.WORKER_RIGHTS_TRAINING})


def course_coverage(course: Course) -> list[MeasureCoverage]:
    """Coverage of every training measure of a course, against its facility's
    roster: the topic from the catalogue, working hours only where the measure
    asks for it. Two queries whatever the number of measures. The caller has
    already checked that the viewer reads the course."""
    measures = [m for m in course.measures.all() if entry_for(m.type).training_topic]
    if not measures:
        return []
    roster = Roster(facility=course.facility, organisation=None, can_manage=False)
    topics = {str(entry_for(m.type).training_topic) for m in measures}
    people = roster_rows_for(roster)
    attended = attendance_rows_for(roster, topics)
    out = []
    for measure in measures:
        topic = str(entry_for(measure.type).training_topic)
        working_hours_only = measure.type in WORKING_HOURS_MEASURES
        out.append(
            MeasureCoverage(
                measure=measure,
                topic=topic,
                working_hours_only=working_hours_only,
                coverage=coverage_count(
                    roster=people,
                    attendance=attended,
                    topics=[topic],
                    roles=FACILITY_ROLES,
                    working_hours_only=working_hours_only,
                ),
            )
        )
    return out
