"""Pages that keep an action's indicators and their periods (coordinators)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from remedia.coordination.forms.indicators import IndicatorForm, PeriodForm
from remedia.coordination.selectors.plan import (
    action_get_for_user,
    indicator_get_for_user,
    period_get_for_user,
)
from remedia.coordination.services.indicators import (
    indicator_create,
    indicator_update,
    period_create,
    period_delete,
    period_update,
)
from remedia.coordination.views._common import form_page, reader, writer_check
from remedia.core.errors import ApplicationError
from remedia.core.forms import errors_onto
from remedia.core.kit import or_404


def _indicators_url(action: Any) -> str:
    return action.get_absolute_url() + "#indicators"


@login_required
@require_http_methods(["GET", "POST"])
def indicator_create_view(request: HttpRequest, action_id: Any) -> HttpResponse:
    user = reader(request)
    action = or_404(lambda: action_get_for_user(user=user, action_id=action_id))
    writer_check(user)
    form = IndicatorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            indicator = indicator_create(
                user=user, action=action, data=dict(form.cleaned_data)
            )
        except ApplicationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("Indicador añadido. Añada sus periodos."))
            return redirect(reverse("coordination:period_create", args=[indicator.pk]))
    return form_page(
        request,
        form=form,
        heading=_("Nuevo indicador"),
        intro=action.title,
        back_url=_indicators_url(action),
        back_label=action.title,
        submit_label=_("Añadir el indicador"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def indicator_edit_view(request: HttpRequest, indicator_id: Any) -> HttpResponse:
    user = reader(request)
    indicator = or_404(
        lambda: indicator_get_for_user(user=user, indicator_id=indicator_id)
    )
    writer_check(user)
    action = indicator.action
    form = IndicatorForm(
        request.POST or None,
        initial={
            "name": indicator.name,
            "kind": indicator.kind,
            "unit": indicator.unit,
            "baseline_value": ""
            if indicator.baseline_value is None
            else str(indicator.baseline_value),
            "baseline_year": indicator.baseline_year or "",
            "frequency": indicator.frequency,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            indicator_update(
                user=user, indicator=indicator, data=dict(form.cleaned_data)
            )
        except ApplicationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("Indicador guardado."))
            return redirect(_indicators_url(action))
    return form_page(
        request,
        form=form,
        heading=_("Editar el indicador"),
        intro=action.title,
        back_url=_indicators_url(action),
        back_label=action.title,
        submit_label=_("Guardar el indicador"),
    )


def _period_intro(indicator: Any) -> str:
    if indicator.quantitative:
        return _(
            "%(indicator)s: cuantitativo, cada periodo lleva una meta con número."
        ) % {"indicator": indicator.name}
    return _("%(indicator)s: cualitativo, sin meta numérica.") % {
        "indicator": indicator.name
    }


@login_required
@require_http_methods(["GET", "POST"])
def period_create_view(request: HttpRequest, indicator_id: Any) -> HttpResponse:
    user = reader(request)
    indicator = or_404(
        lambda: indicator_get_for_user(user=user, indicator_id=indicator_id)
    )
    writer_check(user)
    form = PeriodForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            period_create(user=user, indicator=indicator, data=dict(form.cleaned_data))
        except ApplicationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("Periodo añadido."))
            return redirect(_indicators_url(indicator.action))
    return form_page(
        request,
        form=form,
        heading=_("Nuevo periodo"),
        intro=_period_intro(indicator),
        back_url=_indicators_url(indicator.action),
        back_label=indicator.action.title,
        submit_label=_("Añadir el periodo"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def period_edit_view(request: HttpRequest, period_id: Any) -> HttpResponse:
    user = reader(request)
    period = or_404(lambda: period_get_for_user(user=user, period_id=period_id))
    writer_check(user)
    indicator = period.indicator
    form = PeriodForm(
        request.POST or None,
        initial={
            "starts_on": period.starts_on.isoformat(),
            "ends_on": period.ends_on.isoformat(),
            "target": "" if period.target is None else str(period.target),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            period_update(user=user, period=period, data=dict(form.cleaned_data))
        except ApplicationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("Periodo guardado."))
            return redirect(_indicators_url(indicator.action))
    return form_page(
        request,
        form=form,
        heading=_("Editar el periodo"),
        intro=_period_intro(indicator),
        back_url=_indicators_url(indicator.action),
        back_label=indicator.action.title,
        submit_label=_("Guardar el periodo"),
        delete_url=reverse("coordination:period_delete", args=[period.pk]),
        delete_heading=_("Borrar el periodo"),
        delete_help=_("Solo se borra un periodo sin avances informados."),
        delete_label=_("Borrar el periodo"),
    )


@login_required
@require_POST
def period_delete_view(request: HttpRequest, period_id: Any) -> HttpResponse:
    user = reader(request)
    period = or_404(lambda: period_get_for_user(user=user, period_id=period_id))
    writer_check(user)
    action = period.indicator.action
    try:
        period_delete(user=user, period=period)
    except ApplicationError as exc:
        messages.error(request, exc.reasons[0])
        return redirect(reverse("coordination:period_edit", args=[period.pk]))
    messages.success(request, _("Periodo borrado."))
    return redirect(_indicators_url(action))
