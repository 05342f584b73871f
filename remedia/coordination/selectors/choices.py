"""What a coordinator picks from in the plan's forms: organisations, people,
groups, a plan's objectives."""

from __future__ import annotations

from typing import Any

from remedia.accounts.models import Organisation, User
from remedia.coordination.models import Objective, WorkGroup, WorkPlan


def organisation_choices() -> list[tuple[str, str]]:
    return [
        (str(pk), name)
        for pk, name in Organisation.objects.filter(is_active=True)
        .order_by("name")
        .values_list("pk", "name")
    ]


def person_choices() -> list[tuple[str, str]]:
    """Active people of Remedia, by name, with their organisations."""
    rows = (
        User.objects.filter(is_active=True, memberships__isnull=False)
        .prefetch_related("memberships__organisation")
        .order_by("first_name", "last_name", "username")
        .distinct()
    )
    out = []
    for user in rows:
        orgs = sorted(
            {
                m.organisation.short_name or m.organisation.name
                for m in user.memberships.all()
            }
        )
        name = user.get_full_name() or user.username
        out.append((str(user.pk), f"{name} · {', '.join(orgs)}"))
    return out


def group_choices() -> list[tuple[str, str]]:
    return [(str(pk), name) for pk, name in WorkGroup.objects.values_list("pk", "name")]


def objective_choices(*, plan: WorkPlan) -> list[tuple[str, str]]:
    return [
        (str(o.pk), f"{o.title} · {o.group.name}")
        for o in Objective.objects.filter(plan=plan).select_related("group")
    ]


def choice_label(choices: list[tuple[str, str]], value: Any) -> str:
    return dict(choices).get(str(value), "")
