"""Pages that keep work groups and their members (coordinators only)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from remedia.coordination.forms.groups import GroupForm, MemberForm
from remedia.coordination.models import WorkGroup
from remedia.coordination.selectors.plan import group_get_for_user, member_get_for_user
from remedia.coordination.services.groups import (
    group_create,
    group_member_add,
    group_member_remove,
    group_update,
)
from remedia.coordination.views._common import (
    form_page,
    reader,
    writer,
    writer_check,
)
from remedia.core.errors import ApplicationError
from remedia.core.forms import errors_onto
from remedia.core.kit import or_404


def _group_data(form: GroupForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "name": data["name"],
        "purpose": data["purpose"],
        "sectors": list(data["sectors"]),
        "lead_id": data["lead_id"],
    }


@login_required
@require_http_methods(["GET", "POST"])
def group_create_view(request: HttpRequest) -> HttpResponse:
    user = writer(request)
    form = GroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            group = group_create(user=user, data=_group_data(form))
        except ApplicationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("Grupo creado. Añada sus integrantes."))
            return redirect(reverse("coordination:group_edit", args=[group.pk]))
    return form_page(
        request,
        form=form,
        heading=_("Nuevo grupo de trabajo"),
        back_url=reverse("coordination:home"),
        back_label=_("Coordinación"),
        submit_label=_("Crear el grupo"),
    )


def _edit_page(
    request: HttpRequest,
    group: WorkGroup,
    *,
    form: GroupForm | None = None,
    member_form: MemberForm | None = None,
) -> HttpResponse:
    form = form or GroupForm(
        initial={
            "name": group.name,
            "purpose": group.purpose,
            "sectors": list(group.sectors),
            "lead_id": str(group.lead_id),
        }
    )
    member_form = member_form or MemberForm(auto_id="m_%s")
    refused = bool(form.errors or member_form.errors)
    return render(
        request,
        "coordination/group_edit.html",
        {
            "group": group,
            "form": form,
            "member_form": member_form,
            "members": list(group.members.select_related("organisation", "user")),
        },
        status=422 if refused else 200,
    )


def _group(request: HttpRequest, group_id: Any) -> tuple[Any, WorkGroup]:
    user = reader(request)
    group = or_404(lambda: group_get_for_user(user=user, group_id=group_id))
    return writer_check(user), group


@login_required
@require_http_methods(["GET", "POST"])
def group_edit_view(request: HttpRequest, group_id: Any) -> HttpResponse:
    user, group = _group(request, group_id)
    if request.method == "GET":
        return _edit_page(request, group)
    form = GroupForm(request.POST)
    if form.is_valid():
        try:
            group_update(user=user, group=group, data=_group_data(form))
        except ApplicationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("Grupo guardado."))
            return redirect(reverse("coordination:group", args=[group.pk]))
    return _edit_page(request, group, form=form)


@login_required
@require_POST
def member_add_view(request: HttpRequest, group_id: Any) -> HttpResponse:
    user, group = _group(request, group_id)
    form = MemberForm(request.POST, auto_id="m_%s")
    if form.is_valid():
        try:
            group_member_add(user=user, group=group, data=dict(form.cleaned_data))
        except ApplicationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("Integrante añadido."))
            return redirect(reverse("coordination:group_edit", args=[group.pk]))
    return _edit_page(request, group, member_form=form)


@login_required
@require_POST
def member_remove_view(
    request: HttpRequest, group_id: Any, member_id: Any
) -> HttpResponse:
    user = reader(request)
    group = or_404(lambda: group_get_for_user(user=user, group_id=group_id))
    member = or_404(
        lambda: member_get_for_user(user=user, group=group, member_id=member_id)
    )
    writer_check(user)
    group_member_remove(user=user, member=member)
    messages.success(
        request,
        _("%(organisation)s ya no forma parte del grupo.")
        % {"organisation": member.organisation.name},
    )
    return redirect(reverse("coordination:group_edit", args=[group.pk]) + "#members")
