"""Protocol training counted for a year's plan: its sessions and coverage.

A workshop on the protocol is a ``training.TrainingSession`` held for an
organisation's roster (officials and partners) and linked to the plan
(``PlanTraining``, written by ``coordination.training``). Coverage is counted
per organisation and role by ``training.coverage``: the active people on the
roster of each organisation taking part (the plan's groups' members and the
audiences of its sessions) against those who attended a session linked to the
plan. The dataclasses are plain, for the plan page, the API and the plan's
documents.
"""

from __future__ import annotations

import uuid
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet

from remedia.accounts.models import Organisation
from remedia.coordination.models import Action, PlanTraining, WorkPlan
from remedia.coordination.selectors.access import coordination_readable
from remedia.training.coverage import (
    ORGANISATION_ROLES,
    ROLE_ORDER,
    Coverage,
    coverage_count,
)
from remedia.training.models import Attendance, Person, TrainingTopic

# The topic a session must have to count for a plan: the protocol.
PLAN_TOPIC = TrainingTopic.PROTOCOLS


@dataclass(frozen=True)
class PlanSession:
    """One session counted for the plan (no names of who attended)."""

    session_id: uuid.UUID
    title: str
    topic: str
    topic_label: str
    held_on: Any
    audience_id: uuid.UUID
    audience: str
    action_id: uuid.UUID | None
    action: str
    attended: int


@dataclass(frozen=True)
class OrganisationCoverage:
    organisation_id: uuid.UUID
    name: str
    short_name: str
    sector: str
    # Takes part in one of the plan's groups (else: only trained for it).
    in_groups: bool
    sessions: int
    coverage: Coverage

    def as_json(self) -> dict[str, Any]:
        return {
            "organisation_id": str(self.organisation_id),
            "name": self.name,
            "short_name": self.short_name,
            "sector": self.sector,
            "in_groups": self.in_groups,
            "sessions": self.sessions,
            **self.coverage.as_json(),
        }


@dataclass(frozen=True)
class PlanCoverage:
    year: int
    topic: str
    sessions: tuple[PlanSession, ...]
    organisations: tuple[OrganisationCoverage, ...]
    total: Coverage

    @property
    def topic_label(self) -> str:
        return str(TrainingTopic(self.topic).label)


def plan_trainings(*, plan: WorkPlan) -> QuerySet[PlanTraining]:
    return PlanTraining.objects.filter(plan=plan)


def plan_training_actions(*, plan: WorkPlan) -> QuerySet[Action]:
    """The actions a session may count for: the plan's, not dropped."""
    return (
        Action.objects.filter(objective__plan=plan)
        .exclude(status="dropped")
        .order_by("due_on", "title")
    )


def plans_for_training(*, user: Any) -> QuerySet[WorkPlan]:
    """The plans a session may be linked to by this user (newest first)."""
    if not coordination_readable(user=user):
        return WorkPlan.objects.none()
    return WorkPlan.objects.order_by("-year")


def _roles(present: Iterable[str]) -> tuple[str, ...]:
    """Officials and partners always; any other role held on the rosters."""
    return tuple(
        sorted(
            set(ORGANISATION_ROLES) | set(present),
            key=lambda r: ROLE_ORDER.get(r, 99),
        )
    )


def plan_coverage(*, plan: WorkPlan) -> PlanCoverage:
    """Coverage of the plan's protocol training, per organisation and role.

    The caller has checked that the viewer reads the plan. A handful of
    queries whatever the number of organisations and sessions.
    """
    links = list(
        PlanTraining.objects.filter(plan=plan)
        .select_related("session__audience_organisation", "action")
        .annotate(attended=Count("session__attendance"))
        .order_by("session__held_on", "session__starts_at")
    )
    sessions = tuple(
        PlanSession(
            session_id=link.session_id,
            title=link.session.title,
            topic=link.session.topic,
            topic_label=link.session.get_topic_display(),
            held_on=link.session.held_on,
            audience_id=link.session.audience_organisation_id,
            audience=(
                link.session.audience_organisation.name
                if link.session.audience_organisation
                else ""
            ),
            action_id=link.action_id,
            action=link.action.title if link.action else "",
            attended=getattr(link, "attended", 0),
        )
        for link in links
        if link.session.audience_organisation_id is not None
    )
    grouped = set(
        Organisation.objects.filter(
            coordination_memberships__group__objectives__plan=plan
        ).values_list("pk", flat=True)
    )
    trained_for = {s.audience_id for s in sessions}
    organisations = list(
        Organisation.objects.filter(pk__in=grouped | trained_for).order_by("name")
    )
    org_ids = [o.pk for o in organisations]
    people = list(
        Person.objects.filter(organisation__in=org_ids).values_list(
            "pk", "organisation_id", "role", "active"
        )
    )
    attended = list(
        Attendance.objects.filter(
            session__coordination_plan__plan=plan, person__organisation__in=org_ids
        ).values_list("person_id", "session__topic", "session__during_working_hours")
    )
    roles = _roles(role for _pk, _org, role, active in people if active)
    per_org: dict[Any, list[tuple[Hashable, str, bool]]] = {pk: [] for pk in org_ids}
    for pk, org, role, active in people:
        per_org[org].append((pk, role, active))
    sessions_of: dict[Any, int] = {}
    for s in sessions:
        sessions_of[s.audience_id] = sessions_of.get(s.audience_id, 0) + 1
    topics = [str(PLAN_TOPIC)]
    rows = tuple(
        OrganisationCoverage(
            organisation_id=o.pk,
            name=o.name,
            short_name=o.short_name,
            sector=o.sector,
            in_groups=o.pk in grouped,
            sessions=sessions_of.get(o.pk, 0),
            coverage=coverage_count(
                roster=per_org[o.pk],
                attendance=attended,
                topics=topics,
                roles=_roles(r for _p, r, a in per_org[o.pk] if a),
            ),
        )
        for o in organisations
    )
    return PlanCoverage(
        year=plan.year,
        topic=str(PLAN_TOPIC),
        sessions=sessions,
        organisations=rows,
        total=coverage_count(
            roster=[(pk, role, active) for pk, _org, role, active in people],
            attendance=attended,
            topics=topics,
            roles=roles,
        ),
    )
