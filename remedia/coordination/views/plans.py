"""Pages that make a year's plan and keep its objectives (coordinators only)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from remedia.coordination.forms.plans import ObjectiveForm, PlanForm
from remedia.coordination.models import WorkGroup, WorkPlan
from remedia.coordination.selectors.plan import (
    group_get_for_user,
    objective_get_for_user,
    plan_list,
)
from remedia.coordination.services.plan import (
    objective_create,
    objective_update,
    plan_create,
)
from remedia.coordination.views._common import (
    form_page,
    reader,
    writer,
    writer_check,
)
from remedia.core.errors import ApplicationError, InvalidInput, NotFound
from remedia.core.forms import errors_onto
from remedia.core.kit import or_404


@login_required
@require_http_methods(["GET", "POST"])
def plan_create_view(request: HttpRequest) -> HttpResponse:
    user = writer(request)
    form = PlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            plan = plan_create(
                user=user,
                year=form.cleaned_data["year"],
                title=form.cleaned_data["title"],
            )
        except ApplicationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("Plan creado. Añada sus objetivos."))
            return redirect(plan.get_absolute_url())
    return form_page(
        request,
        form=form,
        heading=_("Nuevo plan de trabajo"),
        back_url=reverse("coordination:home"),
        back_label=_("Coordinación"),
        submit_label=_("Crear el plan"),
    )


def _group(user: Any, value: Any) -> WorkGroup:
    try:
        return group_get_for_user(user=user, group_id=value)
    except NotFound:
        raise InvalidInput(
            [{"field": "group", "reason": _("Elija un grupo de trabajo.")}]
        ) from None


def _plan(user: Any, year: int) -> WorkPlan:
    plan = plan_list(viewer=user).filter(year=year).first()
    if plan is None:
        raise Http404
    return plan


@login_required
@require_http_methods(["GET", "POST"])
def objective_create_view(request: HttpRequest, year: int) -> HttpResponse:
    user = reader(request)
    plan = _plan(user, year)
    writer_check(user)
    form = ObjectiveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            objective = objective_create(
                user=user,
                plan=plan,
                group=_group(user, data["group"]),
                title=data["title"],
                order=data["order"],
            )
        except ApplicationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("Objetivo añadido."))
            return redirect(plan.get_absolute_url() + f"#objective-{objective.pk}")
    return form_page(
        request,
        form=form,
        heading=_("Nuevo objetivo del plan %(year)s") % {"year": plan.year},
        back_url=plan.get_absolute_url(),
        back_label=_("Plan de trabajo %(year)s") % {"year": plan.year},
        submit_label=_("Añadir el objetivo"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def objective_edit_view(request: HttpRequest, objective_id: Any) -> HttpResponse:
    user = reader(request)
    objective = or_404(
        lambda: objective_get_for_user(user=user, objective_id=objective_id)
    )
    writer_check(user)
    plan = objective.plan
    form = ObjectiveForm(
        request.POST or None,
        initial={
            "group": str(objective.group_id),
            "title": objective.title,
            "order": str(objective.order),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            objective_update(
                user=user,
                objective=objective,
                data={
                    "group": _group(user, data["group"]),
                    "title": data["title"],
                    "order": data["order"],
                },
            )
        except ApplicationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("Objetivo guardado."))
            return redirect(plan.get_absolute_url() + f"#objective-{objective.pk}")
    return form_page(
        request,
        form=form,
        heading=_("Editar el objetivo"),
        back_url=plan.get_absolute_url(),
        back_label=_("Plan de trabajo %(year)s") % {"year": plan.year},
        submit_label=_("Guardar el objetivo"),
    )
