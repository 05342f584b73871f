"""The pages: parse, call one service or selector, render.

Messages are placed where the user acted (core.placed): a message tagged with
its section shows in that section of the action's page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from remedia.accounts.permissions import Sector
from remedia.coordination.forms.updates import ActionStatusForm, ReviewForm, UpdateForm
from remedia.coordination.models import Action, UpdateStatus
from remedia.coordination.selectors.access import (
    coordination_readable,
    coordination_writable,
    update_reviewable,
    update_submittable,
)
from remedia.coordination.selectors.links import action_links
from remedia.coordination.selectors.meetings import (
    action_agenda_items,
    meeting_list,
    meeting_writable,
)
from remedia.coordination.selectors.plan import (
    action_get_for_user,
    action_indicators,
    action_list,
    action_overdue,
    actions_progress,
    group_get_for_user,
    group_list,
    period_actual,
    period_update_overdue,
    plan_list,
    plan_progress,
    update_get_for_user,
)
from remedia.coordination.services.plan import action_update
from remedia.coordination.services.updates import update_review, update_submit
from remedia.core.errors import ApplicationError, NotFound
from remedia.core.forms import errors_onto
from remedia.core.kit import or_404, request_user
from remedia.core.placed import messages_by_section, section_tag


def _reader(request: HttpRequest) -> Any:
    user = request_user(request)
    if not coordination_readable(user=user):
        raise Http404
    return user


@login_required
@require_GET
def home_view(request: HttpRequest) -> HttpResponse:
    user = _reader(request)
    return render(
        request,
        "coordination/home.html",
        {
            "plans": list(plan_list(viewer=user)),
            "groups": list(group_list(viewer=user)),
            "can_edit": coordination_writable(user=user),
        },
    )


@login_required
@require_GET
def group_detail_view(request: HttpRequest, group_id: Any) -> HttpResponse:
    user = _reader(request)
    group = or_404(lambda: group_get_for_user(user=user, group_id=group_id))
    return render(
        request,
        "coordination/group_detail.html",
        {
            "group": group,
            "sectors": [Sector(c).label for c in group.sectors if c in Sector.values],
            "objectives": list(
                group.objectives.select_related("plan").order_by("-plan__year", "order")
            ),
            "meetings": list(meeting_list(viewer=user, group=group)[:20]),
            "can_meet": meeting_writable(user=user, group=group),
            "can_edit": coordination_writable(user=user),
        },
    )


@login_required
@require_GET
def plan_view(request: HttpRequest, year: int) -> HttpResponse:
    user = _reader(request)
    plan = plan_list(viewer=user).filter(year=year).first()
    if plan is None:
        raise Http404
    today = timezone.localdate()
    actions = list(action_list(viewer=user, plan=plan).order_by("objective__order"))
    objectives: dict[Any, dict[str, Any]] = {}
    for objective in plan.objectives.select_related("group"):
        objectives[objective.pk] = {"objective": objective, "actions": []}
    for action in actions:
        action.overdue = action_overdue(action, today=today)  # type: ignore[attr-defined]
        objectives[action.objective_id]["actions"].append(action)
    return render(
        request,
        "coordination/plan.html",
        {
            "plan": plan,
            "objectives": list(objectives.values()),
            "by_sector": plan_progress(
                plan=plan, by="sector", viewer=user, today=today
            ),
            "by_group": plan_progress(plan=plan, by="group", viewer=user, today=today),
            "progress_total": actions_progress(actions, today=today),
            "can_edit": coordination_writable(user=user),
        },
    )


def _action_page(
    request: HttpRequest,
    action: Action,
    *,
    update_form: UpdateForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request_user(request)
    today = timezone.localdate()
    indicators = action_indicators(action=action, viewer=user)
    placed, loose = messages_by_section(request)
    rows = []
    periods = []
    reviewer = update_reviewable(user=user, action=action)
    for indicator in indicators:
        period_rows = []
        for period in indicator.periods.all():
            period.indicator = indicator  # already at hand: no query per period
            periods.append(period)
            period_rows.append(
                {
                    "period": period,
                    "actual": period_actual(period, indicator.unit),
                    "overdue": period_update_overdue(period, today=today),
                    "updates": [
                        {
                            "update": u,
                            "said": placed.get(f"update-{u.pk}", []),
                            "form": ReviewForm(auto_id=f"r{u.pk.hex[:8]}_%s")
                            if reviewer and u.status == UpdateStatus.SUBMITTED
                            else None,
                        }
                        for u in period.updates.all()
                    ],
                }
            )
        rows.append({"indicator": indicator, "periods": period_rows})
    can_submit = update_submittable(user=user, action=action) and bool(periods)
    can_edit = coordination_writable(user=user)
    return render(
        request,
        "coordination/action_detail.html",
        {
            "action": action,
            "agreed_in": action_agenda_items(action=action),
            "overdue": action_overdue(action, today=today),
            "indicators": rows,
            "can_submit": can_submit,
            "can_edit": can_edit,
            "status_form": (
                ActionStatusForm(
                    initial={"status": action.status, "version": action.version}
                )
                if can_edit
                else None
            ),
            "status_said": placed.get("status", []),
            "update_form": update_form
            or (UpdateForm(periods=periods) if can_submit else None),
            "submit_said": placed.get("submit", []),
            "loose_messages": loose,
            "links": action_links(viewer=user, action=action),
        },
        status=status,
    )


def _action_or_404(request: HttpRequest, action_id: Any) -> Action:
    user = _reader(request)
    return or_404(lambda: action_get_for_user(user=user, action_id=action_id))


@login_required
@require_GET
def action_detail_view(request: HttpRequest, action_id: Any) -> HttpResponse:
    return _action_page(request, _action_or_404(request, action_id))


@login_required
@require_POST
def update_submit_view(request: HttpRequest, action_id: Any) -> HttpResponse:
    action = _action_or_404(request, action_id)
    user = request_user(request)
    periods = [
        p
        for indicator in action_indicators(action=action, viewer=user)
        for p in indicator.periods.all()
    ]
    form = UpdateForm(request.POST, request.FILES, periods=periods)
    if form.is_valid():
        period = next(p for p in periods if str(p.pk) == form.cleaned_data["period"])
        upload = form.cleaned_data.get("evidence")
        too_large = bool(getattr(upload, "too_large", False))
        evidence = (
            [(upload.name, b"" if too_large else upload.read(), too_large)]
            if upload
            else []
        )
        draft = request.POST.get("intent") == "draft"
        try:
            update = update_submit(
                user=user,
                period=period,
                value=form.cleaned_data["value"],
                narrative=form.cleaned_data["narrative"],
                evidence=evidence,
                draft=draft,
            )
        except ApplicationError as exc:
            errors_onto(form, exc)
        else:
            if draft:
                messages.success(
                    request,
                    _("Borrador guardado: solo usted lo ve, hasta que lo envíe."),
                )
                return redirect(reverse("coordination:update_edit", args=[update.pk]))
            messages.success(
                request,
                _("Avance enviado: quien coordina el grupo lo revisará."),
                extra_tags=section_tag("submit"),
            )
            return redirect(action.get_absolute_url() + "#submit")
    return _action_page(request, action, update_form=form, status=422)


@login_required
@require_POST
def update_review_view(request: HttpRequest, update_id: Any) -> HttpResponse:
    user = _reader(request)
    update = or_404(lambda: update_get_for_user(user=user, update_id=update_id))
    action = update.period.indicator.action
    form = ReviewForm(request.POST)
    tag = section_tag(f"update-{update.pk}")
    if not form.is_valid():
        messages.error(request, _("Elija aprobar o devolver."), extra_tags=tag)
    else:
        try:
            update_review(
                user=user,
                update=update,
                decision=form.cleaned_data["decision"],
                note=form.cleaned_data["note"],
            )
        except NotFound:
            raise Http404 from None
        except ApplicationError as exc:
            messages.error(request, exc.reasons[0], extra_tags=tag)
        else:
            messages.success(
                request,
                _("Avance aprobado.")
                if form.cleaned_data["decision"] == UpdateStatus.APPROVED
                else _("Avance devuelto a quien lo envió."),
                extra_tags=tag,
            )
    return redirect(action.get_absolute_url() + f"#update-{update.pk}")


@login_required
@require_POST
def action_status_view(request: HttpRequest, action_id: Any) -> HttpResponse:
    """A coordinator moves an action on (dropping it says why)."""
    action = _action_or_404(request, action_id)
    form = ActionStatusForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            _("Elija la situación y recargue la página."),
            extra_tags=section_tag("status"),
        )
    else:
        try:
            action_update(
                user=request_user(request),
                action=action,
                data={
                    "status": form.cleaned_data["status"],
                    "dropped_reason": form.cleaned_data["dropped_reason"],
                },
                version=form.cleaned_data["version"],
            )
        except ApplicationError as exc:
            messages.error(request, exc.reasons[0], extra_tags=section_tag("status"))
        else:
            messages.success(
                request, _("Situación guardada."), extra_tags=section_tag("status")
            )
    return redirect(action.get_absolute_url() + "#status")
