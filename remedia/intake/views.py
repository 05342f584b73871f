"""HTML pages of the intake: the worker's pages (no login) and the handler's inbox."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from remedia.accounts import keys
from remedia.accounts.models import User
from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import user_can
from remedia.core import exports
from remedia.core.audit import audit_record
from remedia.core.errors import (
    DATABASE_UNAVAILABLE,
    RETRY_AFTER_SECONDS,
    ApplicationError,
    InvalidInput,
    NotFound,
    Throttled,
)
from remedia.core.files import ALLOWED_DESCRIPTION, MAX_BYTES, MAX_FILES
from remedia.core.kit import capability_require as _require
from remedia.core.kit import or_404
from remedia.facilities.selectors import facility_get, facility_search
from remedia.facilities.services import facility_suggestions
from remedia.intake import exports as report_exports
from remedia.intake import reporter_cookies as cookies
from remedia.intake import selectors, services
from remedia.intake.categories import PROTECTION_CATEGORIES, Category
from remedia.intake.forms import (
    InboxFilterForm,
    MessageForm,
    ReceiptForm,
    ReportForm,
    StatusForm,
)
from remedia.intake.hooks import reporter_sections, staff_report_sections
from remedia.intake.models import Channel, Report, ReportStatus


def _incoming(
    request: HttpRequest, field: str = "attachments"
) -> list[services.IncomingFile]:
    return [
        services.IncomingFile(
            name=f.name or "archivo",
            data=b"" if getattr(f, "too_large", False) else f.read(),
            too_large=getattr(f, "too_large", False),
        )
        for f in request.FILES.getlist(field)
        if f.name
    ]


def _apply_errors(form: Any, exc: InvalidInput) -> None:
    for error in exc.errors:
        field = error["field"] if error["field"] in form.fields else None
        form.add_error(field, str(error["reason"]))


def _upload_context() -> dict[str, Any]:
    return {
        "max_files": MAX_FILES,
        "max_mb": MAX_BYTES // (1024 * 1024),
        "allowed": ALLOWED_DESCRIPTION,
    }


# --- The worker's pages ---------------------------------------------------------


def _language() -> str:
    return "en" if (get_language() or "").startswith("en") else "es"


def _report_draft(request: HttpRequest, data: dict[str, Any]) -> services.ReportDraft:
    return services.ReportDraft(
        channel=Channel.WEB,
        language=_language(),
        categories=data.get("categories") or [],
        narrative=data.get("narrative") or "",
        facility_id=data.get("facility_id") or None,
        facility_name=data.get("facility_name") or "",
        state=data.get("state") or "",
        occurred_on=data.get("occurred_on"),
        files=_incoming(request),
    )


def _attachment_reasons(exc: InvalidInput) -> list[str]:
    return [str(e["reason"]) for e in exc.errors if e["field"] == "attachments"]


@never_cache
@require_http_methods(["GET", "POST"])
def report_view(request: HttpRequest) -> HttpResponse:
    try:
        return _report_page(request)
    except DATABASE_UNAVAILABLE:
        if request.method != "POST":
            raise  # the generic 503 page (core.views.server_error_view)
        return _report_page_unavailable(request)


def _report_page_unavailable(request: HttpRequest) -> HttpResponse:
    """The database is out: the form again, with everything the worker typed
    (files must be chosen again: nothing of them was kept), 503 and Retry-After."""
    form = ReportForm(request.POST)
    form.is_valid()
    form.add_error(
        None,
        _(
            "No pudimos guardar su denuncia: el sistema no está disponible en "
            "este momento. Lo que escribió sigue aquí; espere un minuto y "
            "envíela de nuevo."
        ),
    )
    attachment_errors = (
        [_("Vuelva a elegir sus archivos: no se guardaron.")] if request.FILES else []
    )
    response = render(
        request,
        "intake/report_form.html",
        {
            "form": form,
            "matches": [],
            "chosen": None,
            "attachment_errors": attachment_errors,
            "protection_codes": sorted(PROTECTION_CATEGORIES),
            **_upload_context(),
        },
        status=503,
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _report_page(request: HttpRequest) -> HttpResponse:
    form = ReportForm(request.POST or None)
    matches: list[Any] = []
    chosen = None
    attachment_errors: list[str] = []
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "submit")
        query = (request.POST.get("facility_q") or "").strip()
        chosen_id = request.POST.get("facility_id") or ""
        if chosen_id:
            try:
                chosen = facility_get(facility_id=chosen_id)
            except NotFound:
                chosen = None
        if action == "search":
            # Without JavaScript the search is a round trip; nothing is stored.
            matches = facility_search(q=query, state=request.POST.get("state") or None)
            form = ReportForm(
                initial={
                    name: (
                        request.POST.getlist(name)
                        if name == "categories"
                        else request.POST.get(name, "")
                    )
                    for name in ReportForm.base_fields
                }
            )
        elif form.is_valid():
            try:
                submitted = services.report_submit(
                    draft=_report_draft(request, form.cleaned_data)
                )
            except InvalidInput as exc:
                _apply_errors(form, exc)
                attachment_errors = _attachment_reasons(exc)
                status = 422
            except ApplicationError as exc:
                form.add_error(None, str(exc.message))
                status = exc.status_code
            else:
                response = redirect("intake:receipt")
                cookies.receipt_remember(response, receipt=submitted.receipt)
                return response
        else:
            status = 422
            if request.FILES:
                # Check the files too, so that every problem shows at once: the
                # worker should not fix the form only to learn then that a file
                # is refused (and have to choose the files again).
                try:
                    services.report_validate(_report_draft(request, form.cleaned_data))
                except InvalidInput as exc:
                    attachment_errors = _attachment_reasons(exc)
    return render(
        request,
        "intake/report_form.html",
        {
            "form": form,
            "matches": matches,
            "chosen": chosen,
            "attachment_errors": attachment_errors,
            "protection_codes": sorted(PROTECTION_CATEGORIES),
            **_upload_context(),
        },
        status=status,
    )


@require_GET
def facility_picker_view(request: HttpRequest) -> HttpResponse:
    """The picker's results as an HTML fragment, for htmx (the form works without it)."""
    query = (request.GET.get("facility_q") or "")[:200]
    matches = facility_search(q=query, state=request.GET.get("state") or None)
    return render(
        request, "intake/facility_matches.html", {"matches": matches, "query": query}
    )


@never_cache
@require_http_methods(["GET", "POST"])
def receipt_view(request: HttpRequest) -> HttpResponse:
    receipt = cookies.receipt_recall(request)
    if request.method == "POST":
        response = redirect("start")
        cookies.receipt_forget(response)
        messages.info(
            request,
            _("Listo. Use su recibo para ver la respuesta en «Dar seguimiento»."),
        )
        return response
    if receipt is None:
        return render(request, "intake/receipt_gone.html", status=404)
    grouped = " ".join(receipt[i : i + 4] for i in range(0, 16, 4))
    return render(request, "intake/receipt.html", {"receipt": grouped})


@never_cache
@require_http_methods(["GET", "POST"])
def followup_enter_view(request: HttpRequest) -> HttpResponse:
    form = ReceiptForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                access = services.reporter_open(receipt=form.cleaned_data["receipt"])
            except Throttled as exc:
                form.add_error(None, str(exc.message))
                status = 429
            except services.ReceiptRefused as exc:
                form.add_error("receipt", str(exc.message))
                status = 401
            else:
                response = redirect("intake:followup")
                cookies.followup_open(
                    response,
                    report_id=str(access.report.pk),
                    private_key=access.private_key,
                )
                return response
        else:
            status = 401
    return render(request, "intake/followup_enter.html", {"form": form}, status=status)


def _reporter_sections_html(request: HttpRequest, report: Report) -> list[str]:
    """What higher apps show this reporter (the case's status, a question)."""
    return [
        render_to_string(
            section.template,
            {**section.context, "report": report},
            request=request,
        )
        for section in reporter_sections(report)
    ]


@never_cache
@require_http_methods(["GET", "POST"])
def followup_view(request: HttpRequest) -> HttpResponse:
    access = cookies.followup_access(request)
    if access is None:
        messages.info(request, _("Escriba su número de recibo para ver su denuncia."))
        return redirect("intake:followup_enter")
    form = MessageForm(request.POST or None)
    status = 200
    attachment_errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            services.reporter_message_add(
                access=access,
                body=form.cleaned_data["body"],
                incoming=_incoming(request),
            )
        except InvalidInput as exc:
            _apply_errors(form, exc)
            attachment_errors = [
                str(e["reason"]) for e in exc.errors if e["field"] == "attachments"
            ]
            status = 422
        except ApplicationError as exc:
            form.add_error(None, str(exc.message))
            status = exc.status_code
        else:
            messages.success(request, _("Su mensaje se envió."))
            return _followup_pushed_on(redirect("intake:followup"), access)
    opened = services.report_decrypt(
        report=access.report, private_key=access.private_key
    )
    response = render(
        request,
        "intake/followup.html",
        {
            "opened": opened,
            "report": access.report,
            "form": form,
            "attachment_errors": attachment_errors,
            "closed": access.report.status == ReportStatus.CLOSED,
            "category_labels": [Category(c).label for c in opened.categories],
            "sections": _reporter_sections_html(request, access.report),
            "reply_channel_note": _reply_channel_note(access.report),
            **_upload_context(),
        },
        status=status,
    )
    return _followup_pushed_on(response, access)


def _followup_pushed_on(response: HttpResponse, access: Any) -> HttpResponse:
    """The follow-up stays open for idle minutes: each page pushes its end on."""
    cookies.followup_open(
        response, report_id=str(access.report.pk), private_key=access.private_key
    )
    return response


def _reply_channel_note(report: Report) -> str:
    """Where the handler's replies also go, in a whole sentence; "" for nowhere."""
    if report.reply_channel == Channel.SMS:
        return _("Las respuestas de quien lleva su caso también le llegan por SMS.")
    if report.reply_channel == Channel.WHATSAPP:
        return _(
            "Las respuestas de quien lleva su caso también le llegan por WhatsApp."
        )
    if report.reply_channel == Channel.EMAIL:
        return _("Las respuestas de quien lleva su caso también le llegan por correo.")
    return ""


@never_cache
@require_POST
def followup_replies_stop_view(request: HttpRequest) -> HttpResponse:
    """The worker stops replies by SMS, WhatsApp or email; the page keeps them."""
    access = cookies.followup_access(request)
    if access is None:
        messages.info(request, _("Escriba su número de recibo para ver su denuncia."))
        return redirect("intake:followup_enter")
    if services.reporter_replies_stop(access=access):
        messages.success(
            request,
            _(
                "Listo: ya no le enviaremos respuestas por ese medio. Las verá aquí, "
                "con su recibo."
            ),
        )
    else:
        messages.info(request, _("No le estamos enviando respuestas por ningún medio."))
    return redirect("intake:followup")


@require_POST
def followup_exit_view(request: HttpRequest) -> HttpResponse:
    response = redirect("start")
    cookies.followup_close(response)
    return response


# --- The handler's inbox -------------------------------------------------------------


def _report_or_404(request: HttpRequest, report_id: Any) -> Report:
    return or_404(
        lambda: selectors.report_get_for_user(viewer=request.user, report_id=report_id)
    )


@login_required
@require_GET
def inbox_view(request: HttpRequest) -> HttpResponse:
    _require(request, Capability.REPORT_READ)
    form = InboxFilterForm(request.GET or None)
    filters = form.filters() if request.GET else selectors.ReportFilters()
    reports = list(selectors.report_list(viewer=request.user, filters=filters)[:200])
    facility = None
    if filters.facility_id:
        try:
            facility = facility_get(facility_id=filters.facility_id)
        except NotFound:
            facility = None
    return render(
        request,
        "intake/inbox.html",
        {
            "reports": reports,
            "form": form,
            "facility": facility,
            # The export buttons carry the filters the inbox has on.
            "export_filters": form.active() if request.GET else [],
        },
    )


@login_required
@require_POST
def inbox_export_view(request: HttpRequest) -> HttpResponse:
    """The inbox, with the filters it had, as a CSV or XLSX file made by a job;
    a filter the inbox does not know is refused and nothing is queued."""
    _require(request, Capability.REPORT_READ)
    data = {
        name: request.POST[name]
        for name in report_exports.REPORT_FILTER_NAMES
        if request.POST.get(name)
    }
    back = reverse("intake:inbox") + (f"?{urlencode(data)}" if data else "")
    refused = report_exports.report_filters_refused(data)
    if refused:
        messages.error(request, refused)
        return redirect(back)
    try:
        job = exports.export_start(
            user=request.user,
            name=report_exports.NAME,
            file_format=request.POST.get("format", ""),
            parameters=data,
        )
    except ApplicationError as exc:
        messages.error(request, exc.reasons[0])
        return redirect(back)
    return redirect("exports:detail", export_id=job.pk)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def staff_report_view(request: HttpRequest, report_id: Any) -> HttpResponse:
    _require(request, Capability.REPORT_READ)
    report = _report_or_404(request, report_id)
    # Bound on every POST, even an empty one: its errors are added below.
    form = MessageForm(request.POST if request.method == "POST" else None)
    status = 200
    attachment_errors: list[str] = []
    if request.method == "POST":
        try:
            services.staff_reply(
                report=report,
                user=request.user,  # type: ignore[arg-type]
                body=request.POST.get("body", ""),
                incoming=_incoming(request),
                user_private_key=keys.request_private_key(request),
            )
        except InvalidInput as exc:
            _apply_errors(form, exc)
            attachment_errors = [
                str(e["reason"]) for e in exc.errors if e["field"] == "attachments"
            ]
            status = 422
        except ApplicationError as exc:
            form.add_error(None, str(exc.message))
            status = exc.status_code
        else:
            messages.success(request, _("Respuesta enviada a quien denunció."))
            return redirect("intake:staff_report", report_id=report.pk)
    opened = services.staff_report_open(
        report=report,
        user=request.user,  # type: ignore[arg-type]
        user_private_key=keys.request_private_key(request),
    )
    # The same matcher as the registry's: candidates for what the worker typed.
    suggestions = (
        facility_suggestions(text=opened.facility_name, state=report.state, limit=5)
        if opened is not None and opened.facility_name and report.facility_id is None
        else []
    )
    return render(
        request,
        "intake/staff_report.html",
        {
            "report": report,
            "opened": opened,
            "form": form,
            "status_form": StatusForm(initial={"status": report.status}),
            "attachment_errors": attachment_errors,
            "category_labels": [
                Category(c.code).label for c in report.category_rows.all()
            ],
            "can_manage": user_can(
                user=request.user, capability=Capability.REPORT_MANAGE
            ),
            "suggestions": suggestions,
            "sections": staff_report_sections(request, report),
            **_upload_context(),
        },
        status=status,
    )


def _report_action(
    request: HttpRequest,
    report_id: Any,
    act: Callable[[Report, User], object],
    done: str,
) -> HttpResponse:
    """A handler's form action on one report: scoped, one message, back to the report."""
    _require(request, Capability.REPORT_MANAGE)
    report = _report_or_404(request, report_id)
    try:
        act(report, cast(User, request.user))
    except ApplicationError as exc:
        messages.error(request, exc.reasons[0])
    else:
        messages.success(request, done)
    return redirect("intake:staff_report", report_id=report.pk)


@login_required
@require_POST
def staff_report_facility_view(request: HttpRequest, report_id: Any) -> HttpResponse:
    return _report_action(
        request,
        report_id,
        lambda report, user: services.report_facility_link(
            report=report, user=user, facility_id=request.POST.get("facility_id", "")
        ),
        _("La denuncia quedó ligada al centro de trabajo."),
    )


@login_required
@require_POST
def staff_report_status_view(request: HttpRequest, report_id: Any) -> HttpResponse:
    return _report_action(
        request,
        report_id,
        lambda report, user: services.report_status_change(
            report=report, user=user, status=request.POST.get("status", "")
        ),
        _("Estado actualizado."),
    )


def attachment_response(
    request: HttpRequest, report: Report, attachment_id: Any
) -> HttpResponse:
    """Decrypt one attachment for an entitled user; audited; never cached."""
    attachment = selectors.attachment_get_for_user(
        viewer=request.user, report=report, attachment_id=attachment_id
    )
    report_key = services.staff_report_key(
        report=report,
        user=request.user,  # type: ignore[arg-type]
        user_private_key=keys.request_private_key(request),
    )
    if report_key is None:
        raise NotFound()
    info, data = services.attachment_open(attachment=attachment, private_key=report_key)
    audit_record(
        action="report.attachment_read",
        actor=request.user,
        obj=report,
        data={"attachment": str(attachment.pk)},
    )
    response = HttpResponse(data, content_type=attachment.content_type)
    response["Content-Disposition"] = "attachment"
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def staff_attachment_view(
    request: HttpRequest, report_id: Any, attachment_id: Any
) -> HttpResponse:
    _require(request, Capability.REPORT_READ)
    report = _report_or_404(request, report_id)
    try:
        return attachment_response(request, report, attachment_id)
    except NotFound:
        raise Http404 from None
