"""Coordination's side of training: a session may count for a year's plan.

``training`` (rosters, sessions, attendance, coverage) sits below
``coordination`` and does not import it. At start-up (``apps.py``) this module
registers ``PlanSessionLink``: a workshop on the protocol held for an
organisation's roster (officials and partners) may count for the plan of a
year, and for one of its actions. The link is coordination's own table
(``PlanTraining``), saved in the session's transaction.

What a form or the API gives:

- ``plan_year`` (and optionally ``plan_action_id``) from the API;
- ``plan_choice`` from the training page's select: a year (``"2026"``) or an
  action's id, as ``choices`` offered them;
- ``plan``/``plan_action`` objects from code.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from remedia.coordination.models import Action, ActionStatus, PlanTraining, WorkPlan
from remedia.coordination.selectors.training import (
    PLAN_TOPIC,
    plan_training_actions,
    plans_for_training,
)
from remedia.core.audit import audit_record
from remedia.training.access import Roster
from remedia.training.hooks import session_link_register
from remedia.training.models import TrainingSession, TrainingTopic

# Plans offered on a session's form: this year's and last year's, at most.
PLANS_OFFERED = 2


@dataclass(frozen=True)
class PlanLink:
    plan: WorkPlan
    action: Action | None
    # Who recorded the session: the link's audit row names them.
    user: Any = None


def _year(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return year if 2000 <= year <= 2100 else None  # noqa: PLR2004


def _refused(field: str, reason: str) -> list[dict[str, Any]]:
    return [{"field": field, "reason": reason}]


def _uuid(value: Any) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


class PlanSessionLink:
    """A session held for an organisation's staff, counted for a year's plan
    (and one of its actions): ``PlanTraining``."""

    fields: tuple[str, ...] = (
        "plan",
        "plan_action",
        "plan_year",
        "plan_action_id",
        "plan_choice",
    )
    # The name the training page gives back the select's value under.
    choice_field = "plan_choice"

    def resolve(
        self, *, user: Any, roster: Roster, topic: str, values: Mapping[str, Any]
    ) -> tuple[PlanLink | None, list[dict[str, Any]]]:
        plans = plans_for_training(user=user)
        plan: WorkPlan | None = values.get("plan")
        action: Action | None = values.get("plan_action")
        year_value = values.get("plan_year")
        action_value = values.get("plan_action_id")
        year_field, action_field = "plan_year", "plan_action_id"
        choice = values.get("plan_choice")
        if choice not in (None, ""):
            # The page's select: a year, or an action's id.
            year_field = action_field = "plan_choice"
            if _year(choice) is not None:
                year_value = choice
            else:
                action_value = choice
        if plan is None and year_value not in (None, ""):
            year = _year(year_value)
            plan = plans.filter(year=year).first() if year is not None else None
            if plan is None:
                return None, _refused(
                    year_field, _("No hay plan de trabajo de ese año.")
                )
        if action is None and action_value not in (None, ""):
            pk = _uuid(action_value)
            action = (
                Action.objects.select_related("objective__plan")
                .filter(pk=pk, objective__plan__in=plans.values("pk"))
                .first()
                if pk is not None
                else None
            )
            if action is None:
                return None, _refused(action_field, _("No existe esa acción del plan."))
        if plan is None and action is None:
            return None, []
        errors: list[dict[str, Any]] = []

        def add(name: str, reason: str) -> None:
            errors.append({"field": name, "reason": reason})

        if action is not None:
            if plan is None:
                plan = action.objective.plan
            elif action.objective.plan_id != plan.pk:
                add(action_field, _("La acción no es de ese plan de trabajo."))
            if action.status == ActionStatus.DROPPED:
                add(action_field, _("La acción está descartada: ya no cuenta."))
        assert plan is not None  # noqa: S101 - from the year or the action
        if roster.facility is not None:
            add(
                year_field,
                _(
                    "Para el plan de trabajo cuentan los talleres del personal de una "
                    "organización; esta sesión es de un centro de trabajo."
                ),
            )
        if topic in TrainingTopic.values and topic != PLAN_TOPIC:
            add(
                "topic",
                _("Para el plan de trabajo cuentan los talleres sobre «%(topic)s».")
                % {"topic": PLAN_TOPIC.label},
            )
        return PlanLink(plan=plan, action=action, user=user), errors

    def attach(self, *, session: TrainingSession, resolved: PlanLink) -> None:
        link = PlanTraining.objects.create(
            session=session, plan=resolved.plan, action=resolved.action
        )
        audit_record(
            action="coordination.training_linked",
            actor=resolved.user,
            obj=link,
            data={
                "year": resolved.plan.year,
                "action_id": str(resolved.action.pk) if resolved.action else "",
            },
        )

    def describe(self, sessions: Sequence[TrainingSession]) -> dict[uuid.UUID, Any]:
        links = PlanTraining.objects.filter(
            session__in=[s.pk for s in sessions]
        ).select_related("plan", "action")
        return {
            link.session_id: {
                "plan_year": link.plan.year,
                "plan_action_id": link.action_id,
                "plan": link.plan,
                "plan_action": link.action,
                "heading": _("Plan de trabajo"),
                "url": (
                    link.action.get_absolute_url()
                    if link.action
                    else link.plan.get_absolute_url()
                ),
                "label": f"{link.plan.year} · {link.plan.title}"
                + (f" · {link.action.title}" if link.action else ""),
            }
            for link in links
        }

    def narrow(
        self, *, user: Any, sessions: QuerySet[Any], values: Mapping[str, Any]
    ) -> QuerySet[Any]:
        plan = values.get("plan")
        if plan is None:
            plan = (
                plans_for_training(user=user)
                .filter(year=_year(values.get("plan_year")) or 0)
                .first()
            )
        if plan is None:
            return sessions.none()
        return sessions.filter(coordination_plan__plan=plan)

    def choices(
        self, *, user: Any, roster: Roster
    ) -> list[tuple[str, str, str | None]]:
        if roster.facility is not None:
            return []
        out: list[tuple[str, str, str | None]] = []
        for plan in plans_for_training(user=user)[:PLANS_OFFERED]:
            label = _("Plan de trabajo %(year)s") % {"year": plan.year}
            out.append((str(plan.year), label, str(PLAN_TOPIC)))
            out.extend(
                (str(a.pk), f"{label} · {a.title}", str(PLAN_TOPIC))
                for a in plan_training_actions(plan=plan)
            )
        return out


_SESSION_LINK = PlanSessionLink()


def register() -> None:
    session_link_register(_SESSION_LINK)
