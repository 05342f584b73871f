"""HTML pages of the intake: the worker's pages (no login) and the handler's inbox."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.messages.storage.base import Message
from django.forms import ChoiceField
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
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
from remedia.core.placed import messages_by_section, section_anchor, section_tag
from remedia.core.sorting import PARAM as SORT_PARAM
from remedia.core.sorting import sort_read
from remedia.facilities.selectors import facility_get, facility_search
from remedia.facilities.services import facility_suggestions
from remedia.intake import exports as report_exports
from remedia.intake import held_files, selectors, services
from remedia.intake import reporter_cookies as cookies
from remedia.intake.categories import (
    PROTECTION_CATEGORIES,
    WORKER_CATEGORIES,
    WORKER_GROUPS,
    Category,
    worker_words,
)
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


def _report_draft(
    data: dict[str, Any], files: list[services.IncomingFile]
) -> services.ReportDraft:
    return services.ReportDraft(
        channel=Channel.WEB,
        language=_language(),
        categories=data.get("categories") or [],
        narrative=data.get("narrative") or "",
        facility_id=data.get("facility_id") or None,
        facility_name=data.get("facility_name") or "",
        state=data.get("state") or "",
        occurred_on=data.get("occurred_on"),
        files=files,
    )


def _attachment_reasons(exc: InvalidInput) -> list[str]:
    return [str(e["reason"]) for e in exc.errors if e["field"] == "attachments"]


# The steps of the report form, in order: (anchor, title). Without JavaScript
# they are sections of one page; the script shows one at a time.
REPORT_STEPS = (
    ("step-what", _lazy("¿Qué pasó?")),
    ("step-where", _lazy("¿Dónde?")),
    ("step-when", _lazy("¿Cuándo?")),
    ("step-story", _lazy("Con sus palabras")),
    ("step-files", _lazy("Fotos y documentos")),
    ("step-review", _lazy("Revisar y enviar")),
)
# Where the summary's link for each field's error leads, and its step.
_ERROR_TARGETS = {
    "categories": ("id_categories_0", "step-what"),
    "state": ("id_state", "step-where"),
    "facility_name": ("id_facility_name", "step-where"),
    "facility_id": ("id_facility_name", "step-where"),
    "occurred_on": ("id_occurred_on", "step-when"),
    "narrative": ("id_narrative", "step-story"),
    "attachments": ("id_attachments", "step-files"),
}


@dataclass
class _Files:
    """The report form's files in one request: kept from before, or new."""

    ready: list[services.IncomingFile] = field(default_factory=list)
    held: list[held_files.HeldFile] = field(default_factory=list)
    # Files the worker chose that we could not keep: they must be chosen again.
    lost: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _report_files(request: HttpRequest) -> _Files:
    """The files kept from an earlier try (ticked) and the new ones, checked."""
    found = _Files()
    for token in dict.fromkeys(request.POST.getlist("held")):
        kept = held_files.held_file_recall(token)
        if kept is None:
            found.lost.append(held_files.held_file_name(token) or _("un archivo"))
            continue
        found.held.append(kept)
        found.ready.append(
            services.IncomingFile(name=kept.name, data=b"", cleaned=kept.clean)
        )
    fresh, found.errors = services.report_files_check(incoming=_incoming(request))
    found.ready.extend(fresh)
    return found


def _report_files_keep(request: HttpRequest, files: _Files) -> None:
    """Keep, sealed, every file that passed, for the next try; the rest is lost.

    Kept again under new tokens (the old ones are dropped): the minutes start
    again with each try, and a token seen in an earlier page opens nothing.
    """
    for token in request.POST.getlist("held"):
        held_files.held_file_release(token)
    budget = held_files.held_max_bytes()
    kept: list[held_files.HeldFile] = []
    for item in files.ready[:MAX_FILES]:
        assert item.cleaned is not None  # noqa: S101 (report_files_check cleaned it)
        size = len(item.cleaned.data)
        if size > budget:
            files.lost.append(item.name)
            continue
        try:
            kept.append(held_files.held_file_keep(name=item.name, clean=item.cleaned))
        except DATABASE_UNAVAILABLE:
            files.lost.append(item.name)
            continue
        budget -= size
    files.held = kept


def _report_files_release(files: _Files) -> None:
    for kept in files.held:
        held_files.held_file_release(kept.token)


@never_cache
@require_http_methods(["GET", "POST"])
def report_view(request: HttpRequest) -> HttpResponse:
    try:
        return _report_page(request)
    except DATABASE_UNAVAILABLE:
        if request.method != "POST":
            raise  # the generic 503 page (core.views.server_error_view)
        return _report_page_unavailable(request)


def _report_data(request: HttpRequest) -> Any:
    """The posted form, read the way the page is now.

    The form had two facility fields (a search box `facility_q` and a name
    `facility_name`); it has one now, `facility_name`, that both searches and is
    kept as typed. A post with the old search box still works.
    """
    data = request.POST.copy()
    typed = data.get("facility_q")
    if not data.get("facility_name") and isinstance(typed, str) and typed:
        data["facility_name"] = typed
    return data


def _report_page_unavailable(request: HttpRequest) -> HttpResponse:
    """The database is out: the form again, with everything the worker typed
    (files must be chosen again: nothing of them was kept), 503 and Retry-After."""
    form = ReportForm(_report_data(request))
    form.is_valid()
    form.add_error(
        None,
        _(
            "No pudimos guardar su denuncia: el sistema no está disponible en "
            "este momento. Lo que escribió sigue aquí; espere un minuto y "
            "envíela de nuevo."
        ),
    )
    files = _Files()
    if request.FILES or request.POST.getlist("held"):
        files.errors = [_("Vuelva a elegir sus archivos: no se guardaron.")]
    response = _report_render(request, form, files=files, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _report_page(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _report_render(request, ReportForm(), files=_Files())
    data = _report_data(request)
    chosen = None
    if data.get("facility_id"):
        try:
            chosen = facility_get(facility_id=data["facility_id"])
        except NotFound:
            chosen = None
    if chosen is not None and not data.get("state"):
        # The registry knows where the chosen facility is: no need to ask.
        data["state"] = chosen.state
    files = _report_files(request)
    form = ReportForm(data)
    if data.get("action", "submit") == "search":
        # Without JavaScript the search is a round trip; nothing is stored
        # (the files are kept, sealed, for the next try).
        query = (data.get("facility_name") or "").strip()[:200]
        matches = facility_search(q=query, state=data.get("state") or None)
        unbound = ReportForm(
            initial={
                name: (
                    data.getlist(name) if name == "categories" else data.get(name, "")
                )
                for name in ReportForm.base_fields
            }
        )
        _report_files_keep(request, files)
        return _report_render(
            request,
            unbound,
            files=files,
            matches=matches,
            chosen=chosen,
            query=query,
            step="step-where",
        )
    status = 422
    if form.is_valid() and not files.errors and not files.lost:
        try:
            submitted = services.report_submit(
                draft=_report_draft(form.cleaned_data, files.ready)
            )
        except InvalidInput as exc:
            _apply_errors(form, exc)
            files.errors = _attachment_reasons(exc)
        except ApplicationError as exc:
            form.add_error(None, str(exc.message))
            status = exc.status_code
        else:
            _report_files_release(files)
            response = redirect("intake:receipt")
            cookies.receipt_remember(response, receipt=submitted.receipt)
            return response
    # Lost files (expired, or unreadable) are named once; the worker may then
    # send without them.
    lost_before = list(files.lost)
    _report_files_keep(request, files)
    return _report_render(
        request,
        form,
        files=files,
        chosen=chosen,
        status=status,
        lost_before=lost_before,
    )


def _report_errors(
    form: ReportForm, files: _Files, lost_before: list[str]
) -> list[dict[str, str]]:
    """Every problem of the page, in the form's order, each with its field."""
    found: list[dict[str, str]] = [
        {"message": str(message), "target": "", "step": ""}
        for message in form.non_field_errors()
    ]
    for name in ReportForm.base_fields:
        target, step = _ERROR_TARGETS.get(name, ("", ""))
        found.extend(
            {"message": str(m), "target": target, "step": step}
            for m in form.errors.get(name, [])
        )
    target, step = _ERROR_TARGETS["attachments"]
    found.extend(
        {"message": reason, "target": target, "step": step} for reason in files.errors
    )
    found.extend(
        {
            "message": _(
                "«%(name)s» ya no estaba guardado: elíjalo otra vez, o envíe sin él."
            )
            % {"name": name},
            "target": target,
            "step": step,
        }
        for name in lost_before
    )
    return found


def _report_render(
    request: HttpRequest,
    form: ReportForm,
    *,
    files: _Files,
    matches: Any = (),
    chosen: Any = None,
    query: str = "",
    step: str = "",
    status: int = 200,
    lost_before: list[str] | None = None,
) -> HttpResponse:
    errors = _report_errors(form, files, lost_before or [])
    chosen_codes = set(form["categories"].value() or [])
    categories = [
        {
            "code": item.code,
            "words": item.words,
            "term": item.term,
            "group": item.group,
            "checked": item.code in chosen_codes,
            "id": f"id_categories_{index}",
            "urgent": item.code in PROTECTION_CATEGORIES,
        }
        for index, item in enumerate(WORKER_CATEGORIES)
    ]
    groups = [
        {
            "code": code,
            "title": title,
            "items": [c for c in categories if c["group"] == code],
        }
        for code, title in WORKER_GROUPS
    ]
    # The files the worker must choose again (not kept) but that are not
    # already named in the summary as lost before.
    newly_lost = [n for n in files.lost if n not in (lost_before or [])]
    return render(
        request,
        "intake/report_form.html",
        {
            "form": form,
            "errors": errors,
            "category_groups": groups,
            "matches": matches,
            "chosen": chosen,
            "query": query,
            "held": files.held,
            "lost": newly_lost,
            "attachment_errors": files.errors,
            "steps": REPORT_STEPS,
            # The step to show first: the first with a problem, or the one the
            # worker was on (the no-JavaScript search).
            "current_step": next((e["step"] for e in errors if e["step"]), step),
            "held_minutes": held_files.HELD_SECONDS // 60,
            **_upload_context(),
        },
        status=status,
    )


@require_GET
def facility_picker_view(request: HttpRequest) -> HttpResponse:
    """The picker's results as an HTML fragment, for htmx (the form works without it)."""
    query = (request.GET.get("facility_name") or request.GET.get("facility_q") or "")[
        :200
    ]
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
            "sent": _what_was_sent(opened),
            "sections": _reporter_sections_html(request, access.report),
            "reply_channel_note": _reply_channel_note(access.report),
            **_upload_context(),
        },
        status=status,
    )
    return _followup_pushed_on(response, access)


def _date_in_words(day: Any) -> str:
    """A date as people say it: "20 de noviembre de 2026", "November 20, 2026"."""
    if day is None:
        return ""
    text = formats.date_format(day, "DATE_FORMAT")
    # Spanish month names are not capitals ("6 de Diciembre" reads wrong).
    return text.lower() if _language() == "es" else text


def _what_was_sent(opened: services.OpenReport) -> dict[str, Any]:
    """What the worker sent, as the follow-up page shows it back to them."""
    report = opened.report
    facility = report.facility
    typed = opened.facility_name.strip()
    return {
        "facility": facility,
        # What they typed, unless it only repeats the listed name.
        "typed": typed
        if not facility or typed.lower() != facility.name.lower()
        else "",
        "state": report.get_state_display() if report.state else "",
        "occurred_on": _date_in_words(report.occurred_on),
        "sent_on": _date_in_words(timezone.localdate(report.created_at)),
        "categories": [worker_words(c) for c in opened.categories],
        "files": opened.attachments,
    }


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


INBOX_PAGE_SIZE = 50


@login_required
@require_GET
def inbox_view(request: HttpRequest) -> HttpResponse:
    _require(request, Capability.REPORT_READ)
    form = InboxFilterForm(request.GET or None)
    filters = form.filters() if request.GET else selectors.ReportFilters()
    sorting = sort_read(request.GET, selectors.REPORT_SORTS)
    page = selectors.report_page(
        viewer=request.user,
        filters=filters,
        order=sorting.order,
        number=request.GET.get("page"),
        per_page=INBOX_PAGE_SIZE,
    )
    reports = list(page.object_list)
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
            "page": page,
            "sorting": sorting,
            "form": form,
            "facility": facility,
            # The export buttons carry the filters the inbox has on, and its order.
            "export_filters": (form.active() if request.GET else [])
            + ([(SORT_PARAM, sorting.value)] if sorting.value else []),
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
        for name in (*report_exports.REPORT_FILTER_NAMES, SORT_PARAM)
        if request.POST.get(name)
    }
    back = reverse("intake:inbox") + (f"?{urlencode(data)}" if data else "")
    refused = (
        report_exports.report_filters_refused(data)
        or sort_read(data, selectors.REPORT_SORTS).error
    )
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


# The report page's places for an action's result (core.placed): beside the
# status form, the facility suggestions and the reply form.
SECTION_STATUS = "status"
SECTION_FACILITY = "facility"
SECTION_REPLY = "reply"


def _report_page_url(report: Report, section: str) -> str:
    return reverse(
        "intake:staff_report", kwargs={"report_id": report.pk}
    ) + section_anchor(section)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def staff_report_view(request: HttpRequest, report_id: Any) -> HttpResponse:
    """The report as a workspace: its summary and status beside its words, files
    and messages. A reply is posted here; a refused one comes back with its
    errors beside the reply form (the form's action lands on it)."""
    _require(request, Capability.REPORT_READ)
    report = _report_or_404(request, report_id)
    # Bound on every POST, even an empty one: its errors are added below.
    form = MessageForm(request.POST if request.method == "POST" else None)
    status = 200
    attachment_errors: list[str] = []
    refused = False
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
            attachment_errors = _attachment_reasons(exc)
            status, refused = 422, True
        except ApplicationError as exc:
            form.add_error(None, str(exc.message))
            status, refused = exc.status_code, True
        else:
            messages.success(
                request,
                _("Respuesta enviada a quien denunció."),
                extra_tags=section_tag(SECTION_REPLY),
            )
            return redirect(_report_page_url(report, SECTION_REPLY))
    placed, general = messages_by_section(request)
    if refused:
        # Announced and focused beside the reply form; the reasons are by the fields.
        placed[SECTION_REPLY] = [
            Message(
                messages.ERROR, _("La respuesta no se envió. Corrija lo que se señala.")
            )
        ]
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
    status_form = StatusForm(initial={"status": report.status})
    # The current status first (so the select shows it), then the others.
    cast(ChoiceField, status_form.fields["status"]).choices = [
        (
            report.status,
            _("%(status)s (actual)") % {"status": report.get_status_display()},
        )
    ] + [
        (s.value, s.label)
        for s in ReportStatus
        if s not in (report.status, ReportStatus.RECEIVED)
    ]
    return render(
        request,
        "intake/staff_report.html",
        {
            "report": report,
            "opened": opened,
            "form": form,
            "status_form": status_form,
            "attachment_errors": attachment_errors,
            "category_labels": [
                Category(c.code).label for c in report.category_rows.all()
            ],
            "can_manage": user_can(
                user=request.user, capability=Capability.REPORT_MANAGE
            ),
            "suggestions": suggestions,
            "sections": staff_report_sections(request, report),
            "placed": placed,
            "general_messages": general,
            **_upload_context(),
        },
        status=status,
    )


def _report_action(
    request: HttpRequest,
    report_id: Any,
    act: Callable[[Report, User], str],
    *,
    section: str,
) -> HttpResponse:
    """A handler's form action on one report: scoped, one message, back to the
    report page, where the message is shown beside the form (`section`)."""
    _require(request, Capability.REPORT_MANAGE)
    report = _report_or_404(request, report_id)
    try:
        done = act(report, cast(User, request.user))
    except ApplicationError as exc:
        messages.error(request, exc.reasons[0], extra_tags=section_tag(section))
    else:
        messages.success(request, done, extra_tags=section_tag(section))
    return redirect(_report_page_url(report, section))


@login_required
@require_POST
def staff_report_facility_view(request: HttpRequest, report_id: Any) -> HttpResponse:
    def link(report: Report, user: User) -> str:
        services.report_facility_link(
            report=report, user=user, facility_id=request.POST.get("facility_id", "")
        )
        return _("La denuncia quedó ligada al centro de trabajo.")

    return _report_action(request, report_id, link, section=SECTION_FACILITY)


@login_required
@require_POST
def staff_report_status_view(request: HttpRequest, report_id: Any) -> HttpResponse:
    def change(report: Report, user: User) -> str:
        report = services.report_status_change(
            report=report, user=user, status=request.POST.get("status", "")
        )
        return _("Estado: %(status)s.") % {"status": report.get_status_display()}

    return _report_action(request, report_id, change, section=SECTION_STATUS)


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
