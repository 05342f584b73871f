"""Who may do what in coordination.

Coordination data is shared among staff: every staff member holding
`COORDINATION_READ` reads every group, plan, action and update (it names
organisations and figures, never a person who reported). Coordinators
(`COORDINATION_WRITE`) keep groups, plans, actions, indicators and periods.
An update is submitted by a coordinator or by a user whose organisation takes
part in the action's group or owns the action. It is approved or returned
only by the lead user of the group that carries the action's objective:
the lead answers for the group's figures, so nobody else (not even a
coordinator) signs them off.
"""

from __future__ import annotations

from typing import Any

from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import organisations_for, user_can
from remedia.coordination.models import Action


def coordination_readable(*, user: Any) -> bool:
    return user_can(user=user, capability=Capability.COORDINATION_READ)


def coordination_writable(*, user: Any) -> bool:
    return user_can(user=user, capability=Capability.COORDINATION_WRITE)


def update_submittable(*, user: Any, action: Action) -> bool:
    """A coordinator, or staff of an organisation of the group or the owner."""
    if coordination_writable(user=user):
        return True
    orgs = organisations_for(user=user, capability=Capability.COORDINATION_READ)
    if not orgs:
        return False
    if action.owner_id in orgs:
        return True
    return action.objective.group.members.filter(organisation_id__in=orgs).exists()


def update_reviewable(*, user: Any, action: Action) -> bool:
    """Only the lead of the group carrying the action's objective."""
    return bool(
        getattr(user, "is_authenticated", False)
        and action.objective.group.lead_id == user.pk
    )
