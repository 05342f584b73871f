"""``{% plan_training plan %}``: the plan page's protocol training section.

A tag rather than the plan view's context, so that the section stays one line
of ``plan.html`` and one module here (the plan page is shared by several parts
of coordination). The plan view has already checked that the viewer reads it.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from remedia.coordination.models import WorkPlan
from remedia.coordination.selectors.training import plan_coverage
from remedia.training.access import roster_for_organisation, training_organisations

register = template.Library()


@register.inclusion_tag("coordination/plan_training.html", takes_context=True)
def plan_training(context: dict[str, Any], plan: WorkPlan) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    record = []
    if user is not None and user.is_authenticated:
        create = reverse("training:training_session_create")
        for organisation in training_organisations(user=user):
            roster = roster_for_organisation(user=user, organisation=organisation)
            if roster.can_manage:
                record.append(
                    (
                        organisation.name,
                        f"{create}?organisation={organisation.pk}&measure={plan.year}",
                    )
                )
    return {"plan": plan, "coverage": plan_coverage(plan=plan), "record": record}
