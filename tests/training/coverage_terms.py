"""Short names the coverage tests share (the arithmetic's and the selectors')."""

from __future__ import annotations

import datetime as dt

from remedia.training.coverage import Coverage, RoleCoverage
from remedia.training.models import (
    Attendance,
    Person,
    PersonnelRole,
    TrainingSession,
    TrainingTopic,
)
from tests.support.remediation import World

W = PersonnelRole.WORKER
S = PersonnelRole.SUPERVISOR
U = PersonnelRole.UNION_REPRESENTATIVE
RIGHTS = TrainingTopic.WORKER_RIGHTS
GUIDE = TrainingTopic.NEUTRALITY_GUIDELINES


def role_of(coverage: Coverage, role: str) -> RoleCoverage:
    """One role's line of a coverage."""
    return next(r for r in coverage.roles if r.role == role)


def session_make(
    world: World, topic: str, *, working: bool = True, day: int = 1
) -> TrainingSession:
    return TrainingSession.objects.create(
        organisation=world.monitor_org,
        facility=world.facility,
        topic=topic,
        held_on=dt.date(2023, 9, day),
        starts_at=dt.time(9),
        ends_at=dt.time(11),
        during_working_hours=working,
        trainer="Capacitadora",
    )


def attend(session: TrainingSession, *people: Person) -> None:
    for person in people:
        Attendance.objects.create(session=session, person=person)
