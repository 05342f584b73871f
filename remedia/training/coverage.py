"""Coverage: the arithmetic, over plain rows (no database).

Coverage is the share of each role's active people who attended at least one
session on a topic: "all company personnel and union representatives" is
reached only when every role that has people is at 100 %. ``coverage_count``
takes plain tuples so that it is checked by plain tests; ``selectors.py``
(a roster's coverage) and ``remediation`` (a course's measures) feed it.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from remedia.training.models import PersonnelRole

# "All company personnel and union representatives": every role of a facility.
FACILITY_ROLES: tuple[str, ...] = (
    PersonnelRole.MANAGEMENT,
    PersonnelRole.SUPERVISOR,
    PersonnelRole.HUMAN_RESOURCES,
    PersonnelRole.WORKER,
    PersonnelRole.UNION_REPRESENTATIVE,
)
# Officials and partners trained on protocols (C7). An organisation's roster
# may hold any role; these are shown even when nobody holds them yet.
ORGANISATION_ROLES: tuple[str, ...] = (PersonnelRole.OFFICIAL, PersonnelRole.PARTNER)
ROLE_ORDER = {value: index for index, value in enumerate(PersonnelRole.values)}


class RosterEntry(NamedTuple):
    person: Hashable
    role: str
    active: bool = True


class AttendanceEntry(NamedTuple):
    person: Hashable
    topic: str
    during_working_hours: bool = True


def percent_floor(trained: int, people: int) -> Decimal | None:
    """Per cent rounded *down* to one decimal: 199 of 200 is 99.5, and 1999 of
    2000 is 99.9, never 100 until everyone is trained. None without people."""
    if people <= 0:
        return None
    tenths = min(trained, people) * 1000 // people
    return (Decimal(tenths) / 10).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class RoleCoverage:
    role: str
    people: int
    trained: int

    @property
    def percent(self) -> Decimal | None:
        return percent_floor(self.trained, self.people)

    @property
    def complete(self) -> bool:
        return self.people > 0 and self.trained >= self.people

    @property
    def label(self) -> str:
        if self.role in PersonnelRole.values:
            return str(PersonnelRole(self.role).label)
        return self.role

    @property
    def percent_text(self) -> str:
        """For pages: one decimal, "100" only when everyone is trained, "—" with
        nobody on the roster."""
        percent = self.percent
        if percent is None:
            return "—"
        return "100" if self.complete else f"{percent}"

    @property
    def bar_width(self) -> str:
        """The bar's length out of 100, unlocalised for an SVG attribute."""
        return f"{self.percent or 0}"

    def as_json(self) -> dict[str, Any]:
        percent = self.percent
        return {
            "role": self.role,
            "label": self.label,
            "people": self.people,
            "trained": self.trained,
            "percent": float(percent) if percent is not None else None,
            "complete": self.complete,
        }


@dataclass(frozen=True)
class Coverage:
    """Coverage of one roster for a topic (or all of a set of topics)."""

    topics: tuple[str, ...]
    working_hours_only: bool
    roles: tuple[RoleCoverage, ...]
    total: RoleCoverage

    @property
    def complete(self) -> bool:
        """Every role with people at 100 % (and somebody on the roster)."""
        return self.total.people > 0 and all(r.complete for r in self.roles if r.people)

    def as_json(self) -> dict[str, Any]:
        return {
            "topics": list(self.topics),
            "working_hours_only": self.working_hours_only,
            "roles": [r.as_json() for r in self.roles],
            "total": self.total.as_json(),
            "complete": self.complete,
        }


def coverage_count(
    *,
    roster: Iterable[tuple[Hashable, str, bool]],
    attendance: Iterable[tuple[Hashable, str, bool]],
    topics: Iterable[str],
    roles: Sequence[str] = FACILITY_ROLES,
    working_hours_only: bool = False,
) -> Coverage:
    """Count, per role, the active people and those trained on ``topics``.

    ``roster`` rows are (person, role, active); ``attendance`` rows are
    (person, topic, during working hours), one per session attended. A person
    is trained when they attended at least one session on *every* topic given
    (one topic in the usual case); several sessions count once; with
    ``working_hours_only`` a session outside working hours does not count.
    Inactive people, and people whose role is not in ``roles``, count nowhere.
    """
    wanted = frozenset(topics)
    role_list = list(dict.fromkeys(roles))
    in_scope = set(role_list)
    role_of: dict[Hashable, str] = {}
    for person, role, active in roster:
        if active and role in in_scope:
            role_of[person] = role
    seen: dict[Hashable, set[str]] = {}
    for person, topic, during_working_hours in attendance:
        if person not in role_of or topic not in wanted:
            continue
        if working_hours_only and not during_working_hours:
            continue
        seen.setdefault(person, set()).add(topic)
    trained = {p for p, got in seen.items() if wanted and got >= wanted}
    people_per_role = dict.fromkeys(role_list, 0)
    trained_per_role = dict.fromkeys(role_list, 0)
    for person, role in role_of.items():
        people_per_role[role] += 1
        if person in trained:
            trained_per_role[role] += 1
    per_role = tuple(
        RoleCoverage(role=r, people=people_per_role[r], trained=trained_per_role[r])
        for r in role_list
    )
    return Coverage(
        topics=tuple(sorted(wanted)),
        working_hours_only=working_hours_only,
        roles=per_role,
        total=RoleCoverage(
            role="total",
            people=sum(people_per_role.values()),
            trained=sum(trained_per_role.values()),
        ),
    )
