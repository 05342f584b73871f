"""Pages that create and edit the plan's actions (coordinators only): every
field, the status (dropping one says why) and what the action points at."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from remedia.coordination.forms.actions import ActionForm
from remedia.coordination.models import Action, Objective
from remedia.coordination.selectors.choices import objective_choices
from remedia.coordination.selectors.links import pathway_choices
from remedia.coordination.selectors.plan import action_get_for_user, plan_list
from remedia.coordination.services.plan import action_create, action_update
from remedia.coordination.views._common import form_page, reader, writer_check
from remedia.core.errors import ApplicationError
from remedia.core.forms import errors_onto
from remedia.core.kit import invalid, or_404

FIELDS = (
    "title",
    "description",
    "sector",
    "owner_id",
    "partner_ids",
    "state",
    "municipality",
    "starts_on",
    "due_on",
    "status",
    "dropped_reason",
    "course_id",
    "facility_id",
    "case_id",
    "pathway_service_id",
)


def _form(request: HttpRequest, user: Any, plan: Any, **kwargs: Any) -> ActionForm:
    services = pathway_choices(user=user)
    current = kwargs.get("initial", {}).get("pathway_service_id")
    if current and current not in dict(services):
        # A withdrawn service stays linked until someone changes it.
        services = [*services, (current, _("Servicio vinculado (dado de baja)"))]
    return ActionForm(
        request.POST or None,
        objectives=objective_choices(plan=plan),
        services=services,
        **kwargs,
    )


def _data(form: ActionForm) -> dict[str, Any]:
    data = {name: form.cleaned_data.get(name) for name in FIELDS}
    data["partner_ids"] = list(data["partner_ids"] or [])
    return data


@login_required
@require_http_methods(["GET", "POST"])
def action_create_view(request: HttpRequest, year: int) -> HttpResponse:
    user = reader(request)
    plan = plan_list(viewer=user).filter(year=year).first()
    if plan is None:
        raise Http404
    writer_check(user)
    wanted = request.GET.get("objetivo", "")
    form = _form(request, user, plan, initial={"objective_id": wanted})
    if request.method == "POST" and form.is_valid():
        objective = Objective.objects.filter(
            plan=plan, pk=form.cleaned_data["objective_id"]
        ).first()
        try:
            if objective is None:
                raise invalid("objective_id", _("Elija un objetivo del plan."))
            action = action_create(user=user, objective=objective, data=_data(form))
        except ApplicationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("Acción creada. Añada sus indicadores."))
            return redirect(action.get_absolute_url())
    return form_page(
        request,
        form=form,
        heading=_("Nueva acción del plan %(year)s") % {"year": plan.year},
        back_url=plan.get_absolute_url(),
        back_label=_("Plan de trabajo %(year)s") % {"year": plan.year},
        submit_label=_("Crear la acción"),
    )


def _initial(action: Action) -> dict[str, Any]:
    return {
        "objective_id": str(action.objective_id),
        "title": action.title,
        "description": action.description,
        "sector": action.sector,
        "owner_id": str(action.owner_id),
        "partner_ids": [str(p.pk) for p in action.partners.all()],
        "state": action.state,
        "municipality": action.municipality,
        "starts_on": action.starts_on.isoformat(),
        "due_on": action.due_on.isoformat(),
        "status": action.status,
        "dropped_reason": action.dropped_reason,
        "course_id": str(action.course_id or ""),
        "facility_id": str(action.facility_id or ""),
        "case_id": str(action.case_id or ""),
        "pathway_service_id": str(action.pathway_service_id or ""),
        "version": action.version,
    }


@login_required
@require_http_methods(["GET", "POST"])
def action_edit_view(request: HttpRequest, action_id: Any) -> HttpResponse:
    user = reader(request)
    action = or_404(lambda: action_get_for_user(user=user, action_id=action_id))
    writer_check(user)
    plan = action.objective.plan
    form = _form(request, user, plan, initial=_initial(action))
    if request.method == "POST" and form.is_valid():
        data = _data(form)
        data["objective_id"] = form.cleaned_data["objective_id"]
        try:
            action_update(
                user=user,
                action=action,
                data=data,
                version=form.cleaned_data.get("version") or "",
            )
        except ApplicationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("Acción guardada."))
            return redirect(action.get_absolute_url())
    return form_page(
        request,
        form=form,
        heading=_("Editar la acción"),
        back_url=action.get_absolute_url(),
        back_label=action.title,
        submit_label=_("Guardar la acción"),
    )
