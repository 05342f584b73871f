"""Pages of a progress update's author (a draft, a returned update) and the
download of its evidence."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from remedia.coordination.forms.updates import UpdateEditForm
from remedia.coordination.models import ProgressUpdate, UpdateStatus
from remedia.coordination.selectors.plan import (
    evidence_get_for_user,
    update_get_for_user,
)
from remedia.coordination.services.updates import (
    evidence_open,
    update_draft_discard,
    update_draft_save,
    update_send,
)
from remedia.coordination.views._common import reader
from remedia.core.errors import ApplicationError, NotFound
from remedia.core.forms import errors_onto
from remedia.core.kit import or_404
from remedia.core.placed import section_tag

EDITABLE = (UpdateStatus.DRAFT, UpdateStatus.RETURNED)


def uploads(
    request: HttpRequest, field: str = "evidence"
) -> list[tuple[str, bytes, bool]]:
    """The files of `field` as the services take them: (name, bytes, too large)."""
    found = []
    for upload in request.FILES.getlist(field):
        too_large = bool(getattr(upload, "too_large", False))
        found.append(
            (upload.name or "", b"" if too_large else upload.read(), too_large)
        )
    return found


def _page(
    request: HttpRequest, update: ProgressUpdate, form: UpdateEditForm | None
) -> HttpResponse:
    refused = form is not None and form.is_bound and bool(form.errors)
    return render(
        request,
        "coordination/update_edit.html",
        {
            "update": update,
            "indicator": update.period.indicator,
            "action": update.period.indicator.action,
            "form": form,
            "draft": update.status == UpdateStatus.DRAFT,
        },
        status=422 if refused else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def update_edit_view(request: HttpRequest, update_id: Any) -> HttpResponse:
    """The author's form for a draft or a returned update; anyone else who
    reads the plan sees the update (and that only its author corrects it)."""
    user = reader(request)
    update = or_404(lambda: update_get_for_user(user=user, update_id=update_id))
    mine = update.submitted_by_id == user.pk and update.status in EDITABLE
    if not mine:
        if request.method == "POST":
            messages.error(
                request,
                _(
                    "Solo quien envió el avance lo corrige, si es un borrador o se lo devolvieron."
                ),
            )
            return redirect(request.path)
        return _page(request, update, None)
    initial = {
        "value": "" if update.value is None else str(update.value),
        "narrative": update.narrative,
    }
    if request.method == "GET":
        return _page(request, update, UpdateEditForm(initial=initial))
    form = UpdateEditForm(request.POST, request.FILES, initial=initial)
    if form.is_valid():
        keep = (
            request.POST.get("intent") == "draft"
            and update.status == UpdateStatus.DRAFT
        )
        change = update_draft_save if keep else update_send
        try:
            change(
                user=user,
                update=update,
                value=form.cleaned_data["value"],
                narrative=form.cleaned_data["narrative"],
                evidence=uploads(request),
            )
        except ApplicationError as exc:
            errors_onto(form, exc)
        else:
            action = update.period.indicator.action
            if keep:
                messages.success(request, _("Borrador guardado: solo usted lo ve."))
                return redirect(request.path)
            messages.success(
                request,
                _("Avance enviado: quien coordina el grupo lo revisará."),
                extra_tags=section_tag("submit"),
            )
            return redirect(action.get_absolute_url() + f"#update-{update.pk}")
    return _page(request, update, form)


@login_required
@require_POST
def update_discard_view(request: HttpRequest, update_id: Any) -> HttpResponse:
    user = reader(request)
    update = or_404(lambda: update_get_for_user(user=user, update_id=update_id))
    action = update.period.indicator.action
    try:
        update_draft_discard(user=user, update=update)
    except ApplicationError as exc:
        messages.error(request, exc.reasons[0])
        return redirect(request.path.removesuffix("descartar/") + "corregir/")
    messages.success(request, _("Borrador descartado."))
    return redirect(action.get_absolute_url() + "#indicators")


@login_required
@require_GET
@never_cache
def evidence_view(request: HttpRequest, evidence_id: Any) -> FileResponse:
    """One evidence file, for coordination readers; audited; never cached."""
    user = reader(request)
    try:
        evidence = evidence_get_for_user(user=user, evidence_id=evidence_id)
        handle = evidence_open(user=user, evidence=evidence)
    except NotFound:
        raise Http404 from None
    return evidence_response(handle, evidence)


def evidence_response(handle: Any, evidence: Any) -> FileResponse:
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.name,
        content_type=evidence.content_type,
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
