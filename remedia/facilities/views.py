"""HTML pages of the facility registry for staff (thin: parse, call, render).

Sections, each owned by its topic (add views under the right heading):

- Registry pages: the list and search, the facility page, its forms for another
  name, the status and a merge.
- Import of facility lists and the review queue: upload, progress, summary;
  confirm or reject a pending match.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import user_can
from remedia.core.errors import ApplicationError, NotFound
from remedia.core.geo import MX_STATES, STATE_CHOICES, fold, state_code
from remedia.core.kit import capability_require as _require
from remedia.core.kit import or_404
from remedia.facilities import exporting, selectors, services, tasks
from remedia.facilities.forms import (
    AliasForm,
    ImportForm,
    ImportUploadHandler,
    MergeForm,
    MergeKeep,
    StatusForm,
)
from remedia.facilities.hooks import SECTIONS, facility_sections
from remedia.facilities.maps import position_map
from remedia.facilities.models import (
    Facility,
    FacilityEvent,
    FacilityImport,
    FacilityMatchCandidate,
    FacilityStatus,
    ImportStatus,
)
from remedia.facilities.selectors import facility_search

# --- Registry pages: list and search, facility page, aliases, status, merge --------

LIST_PAGE_SIZE = 50
# The search ranks; past this many the query needs more words, not more pages.
SEARCH_LIMIT = 200
EVENT_LIMIT = 200

# The facility page's fields, in order.
DETAIL_FIELDS = (
    "name",
    "legal_name",
    "address",
    "municipality",
    "state",
    "sector",
    "workers",
    "unions",
    "employer_group",
    "os_id",
    "external_id",
    "lat",
    "lng",
    "status",
)
_EVENT_LABELS = {
    "alias": gettext_lazy("otro nombre"),
    "merged_from": gettext_lazy("se le fusionó"),
    "merged_into": gettext_lazy("fusionado con"),
}


def _require_write(request: HttpRequest) -> None:
    """Readers of the registry may see that editing exists but may not do it."""
    _require(request, Capability.FACILITY_READ)
    _require(request, Capability.FACILITY_WRITE, forbidden=True)


def _facility_or_404(request: HttpRequest, facility_id: Any) -> Facility:
    return or_404(
        lambda: selectors.facility_get_for_user(
            viewer=request.user, facility_id=facility_id
        )
    )


def _source_label(
    source: str, import_names: dict[str, str], *, show_people: bool
) -> str:
    kind, _sep, rest = (source or "").partition(":")
    if kind == "user" and rest:
        if not show_people:
            return _("personal de Remedia")
        return _("%(user)s (en Remedia)") % {"user": rest}
    if kind == "api" and rest:
        # A change sent through the registry API (api.py): the token's user,
        # or a partner organisation's system (a partner token).
        if rest.startswith("partner:"):
            return _("un sistema aliado (por la API)")
        if not show_people:
            return _("personal de Remedia (por la API)")
        return _("%(user)s (por la API)") % {"user": rest}
    if kind == "import" and rest:
        name = import_names.get(rest, rest)
        return _("importación «%(file)s»") % {"file": name}
    if kind == "merge" and rest:
        return _("fusión con %(public_id)s") % {"public_id": rest}
    if source == "demo":
        return _("datos de demostración")
    if source == "system":
        return _("proceso automático")
    return source or _("sin registro")


def _import_ids(sources: list[str]) -> set[str]:
    return {
        s.partition(":")[2] for s in sources if s.startswith("import:") and ":" in s
    }


def _display(name: str, value: Any) -> Any:
    """A field's stored value as people read it (a state's name, not its code)."""
    if value in (None, ""):
        return ""
    if name == "state":
        return MX_STATES.get(str(value), value)
    if name == "status":
        try:
            return FacilityStatus(value).label
        except ValueError:
            return value
    if isinstance(value, Decimal):
        # 22.241000 as stored reads 22.241, as it was given.
        return format(value.normalize(), "f")
    return value


def _label(name: str) -> Any:
    if name in _EVENT_LABELS:
        return _EVENT_LABELS[name]
    try:
        field = Facility._meta.get_field(name)
    except FieldDoesNotExist:
        return name
    return getattr(field, "verbose_name", name)


@dataclass(frozen=True)
class FieldRow:
    name: str
    label: Any
    value: Any
    source: str
    at: str


@dataclass(frozen=True)
class ChangeRow:
    label: Any
    before: Any
    after: Any


@dataclass(frozen=True)
class EventRow:
    event: FacilityEvent
    source: str
    actor: str
    changes: list[ChangeRow]


def _actor_label(event: FacilityEvent, *, show_people: bool) -> str:
    if event.actor is None:
        return _("proceso automático")
    if not show_people:
        return _("personal de Remedia")
    return event.actor.get_username()


def _field_rows(
    facility: Facility, import_names: dict[str, str], *, show_people: bool
) -> list[FieldRow]:
    sources = facility.field_sources or {}
    rows = []
    for name in DETAIL_FIELDS:
        info = sources.get(name) or {}
        rows.append(
            FieldRow(
                name=name,
                label=_label(name),
                value=_display(name, getattr(facility, name)),
                source=_source_label(
                    info.get("source", ""), import_names, show_people=show_people
                )
                if info
                else "",
                at=str(info.get("at", ""))[:10],
            )
        )
    return rows


def _event_rows(
    events: list[FacilityEvent], import_names: dict[str, str], *, show_people: bool
) -> list[EventRow]:
    rows = []
    for event in events:
        changes = []
        for name, pair in (event.changes or {}).items():
            if isinstance(pair, list) and len(pair) == 2:
                before, after = pair
            else:
                before, after = None, pair
            changes.append(
                ChangeRow(
                    label=_label(name),
                    before=_display(name, before),
                    after=_display(name, after),
                )
            )
        rows.append(
            EventRow(
                event=event,
                source=_source_label(
                    event.source, import_names, show_people=show_people
                ),
                actor=_actor_label(event, show_people=show_people),
                changes=changes,
            )
        )
    return rows


@login_required
@require_GET
def facility_list_view(request: HttpRequest) -> HttpResponse:
    _require(request, Capability.FACILITY_READ)
    query = " ".join((request.GET.get("q") or "").split())[:200]
    state = state_code(request.GET.get("state") or "") or ""
    items: Any
    if query:
        items = facility_search(q=query, state=state or None, limit=SEARCH_LIMIT)
    else:
        items = selectors.facility_browse(viewer=request.user, state=state or None)
    page = Paginator(items, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "facilities/list.html",
        {
            "page": page,
            "query": query,
            "state": state,
            "states": STATE_CHOICES,
            "search_limited": bool(query) and len(items) >= SEARCH_LIMIT,
            "can_import": user_can(
                user=request.user, capability=Capability.FACILITY_WRITE
            ),
        },
    )


@login_required
@require_GET
def facility_export_view(request: HttpRequest) -> StreamingHttpResponse:
    """The registry (or one state of it) as CSV in Open Supply Hub's columns,
    as the API's `GET /api/v1/facilities/export.csv` writes it."""
    _require(request, Capability.FACILITY_READ)
    state = state_code(request.GET.get("state") or "") or None
    facilities = selectors.facility_export(
        viewer=request.user, fields=exporting.FIELDS, state=state
    )
    response = StreamingHttpResponse(
        exporting.csv_stream(facilities), content_type="text/csv; charset=utf-8"
    )
    name = f"registro-centros-{state.lower()}.csv" if state else "registro-centros.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def facility_detail_view(request: HttpRequest, facility_id: Any) -> HttpResponse:
    _require(request, Capability.FACILITY_READ)
    facility = _facility_or_404(request, facility_id)
    if facility.status == FacilityStatus.MERGED:
        target = selectors.facility_merge_target(facility=facility)
        if target.pk != facility.pk:
            messages.info(
                request,
                _(
                    "El registro %(old)s se fusionó con %(new)s: este es el registro "
                    "que quedó."
                )
                % {"old": facility.public_id, "new": target.public_id},
            )
            return redirect("facilities:detail", facility_id=target.pk)
    events = selectors.facility_events(facility=facility, limit=EVENT_LIMIT)
    aliases = list(selectors.facility_aliases(facility=facility))
    all_sources = (
        [
            str(info.get("source", ""))
            for info in (facility.field_sources or {}).values()
            if isinstance(info, dict)
        ]
        + [e.source for e in events]
        + [a.source for a in aliases]
    )
    import_names = selectors.facility_import_names(ids=_import_ids(all_sources))
    sections = facility_sections(request, facility)
    can_write = user_can(user=request.user, capability=Capability.FACILITY_WRITE)
    # Who edited a facility is shown to those who edit it. A reader such as a
    # facility's own compliance officer sees "personal de Remedia": a handler's
    # name beside a fresh change could tell the company that someone reported.
    show_people = can_write
    return render(
        request,
        "facilities/detail.html",
        {
            "facility": facility,
            "fields": _field_rows(facility, import_names, show_people=show_people),
            "aliases": [
                (
                    alias.name,
                    _source_label(alias.source, import_names, show_people=show_people)
                    if alias.source
                    else "",
                )
                for alias in aliases
            ],
            "merged_from": list(selectors.facility_merged_from(facility=facility)),
            "events": _event_rows(events, import_names, show_people=show_people),
            "events_limited": len(events) >= EVENT_LIMIT,
            "map": position_map(lat=facility.lat, lng=facility.lng),
            "lat": _display("lat", facility.lat),
            "lng": _display("lng", facility.lng),
            # In page order; a section no app gave this viewer is left out.
            "sections": [sections[key] for key in SECTIONS if key in sections],
            "can_write": can_write,
            "alias_form": AliasForm() if can_write else None,
            "status_form": StatusForm(initial={"status": facility.status})
            if can_write
            else None,
            "merge_form": MergeForm() if can_write else None,
        },
    )


def _form_reason(form: Any) -> str:
    for errors in form.errors.values():
        return str(errors[0])
    return str(_("Revise los datos del formulario."))


def _facility_action(
    request: HttpRequest,
    facility_id: Any,
    form_class: Any,
    act: Callable[[Facility, dict[str, Any]], str],
) -> HttpResponse:
    """A form action on one facility: checked, one message, back to its page.

    `act` performs the change through a service and returns the success message.
    """
    _require_write(request)
    facility = _facility_or_404(request, facility_id)
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, _form_reason(form))
    else:
        try:
            messages.success(request, act(facility, form.cleaned_data))
        except ApplicationError as exc:
            messages.error(request, exc.reasons[0])
    return redirect("facilities:detail", facility_id=facility.pk)


@login_required
@require_POST
def facility_alias_add_view(request: HttpRequest, facility_id: Any) -> HttpResponse:
    def add(facility: Facility, data: dict[str, Any]) -> str:
        alias = services.facility_alias_add(
            facility=facility,
            name=data["name"],
            actor=request.user,
            source=services.facility_source_for_user(request.user),
        )
        return _("Se agregó el nombre «%(name)s».") % {"name": alias.name}

    return _facility_action(request, facility_id, AliasForm, add)


@login_required
@require_POST
def facility_status_view(request: HttpRequest, facility_id: Any) -> HttpResponse:
    def change(facility: Facility, data: dict[str, Any]) -> str:
        facility = services.facility_status_change(
            facility=facility, status=data["status"], actor=request.user
        )
        return _("Situación: %(status)s.") % {"status": facility.get_status_display()}

    return _facility_action(request, facility_id, StatusForm, change)


@login_required
@require_POST
def facility_merge_view(request: HttpRequest, facility_id: Any) -> HttpResponse:
    _require_write(request)
    facility = _facility_or_404(request, facility_id)
    form = MergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_reason(form))
        return redirect("facilities:detail", facility_id=facility.pk)
    try:
        other = selectors.facility_get_by_public_id(
            viewer=request.user, public_id=form.cleaned_data["other"]
        )
    except NotFound:
        messages.error(
            request,
            _("No hay un registro con el identificador %(public_id)s.")
            % {"public_id": form.cleaned_data["other"]},
        )
        return redirect("facilities:detail", facility_id=facility.pk)
    keep, merge = (
        (facility, other)
        if form.cleaned_data["keep"] == MergeKeep.THIS
        else (other, facility)
    )
    try:
        result = services.facility_merge(keep=keep, merge=merge, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.reasons[0])
        return redirect("facilities:detail", facility_id=facility.pk)
    messages.success(
        request,
        _(
            "%(merge)s se fusionó con %(keep)s: sus nombres y lo vinculado a él "
            "están ahora en este registro."
        )
        % {"merge": result.merge.public_id, "keep": result.keep.public_id},
    )
    return redirect("facilities:detail", facility_id=result.keep.pk)


# --- Import of facility lists and the review queue -----------------------------------
# Only staff who may edit the registry (FACILITY_WRITE) see these pages; for
# anyone else they do not exist (404).

REVIEW_RECORDS_SHOWN = 30
IMPORT_ERRORS_SHOWN = 500
# The fields compared side by side in the review queue.
REVIEW_FIELDS = (
    "name",
    "legal_name",
    "address",
    "municipality",
    "state",
    "sector",
    "workers",
    "external_id",
    "os_id",
)


def _require_import(request: HttpRequest) -> None:
    _require(request, Capability.FACILITY_WRITE)


def _import_or_404(request: HttpRequest, import_id: Any) -> FacilityImport:
    return or_404(
        lambda: selectors.facility_import_get_for_user(
            viewer=request.user, import_id=import_id
        )
    )


def _import_context(facility_import: FacilityImport) -> dict[str, Any]:
    running = facility_import.status in (ImportStatus.PENDING, ImportStatus.RUNNING)
    failed = facility_import.status == ImportStatus.FAILED
    total = facility_import.total_rows
    errors = list(facility_import.errors or [])
    file_error = next((e["reason"] for e in errors if e.get("row") is None), "")
    row_errors = [e for e in errors if e.get("row") is not None]
    return {
        "imp": facility_import,
        "running": running,
        "saving": running and total > 0 and facility_import.processed_rows >= total,
        "percent": int(100 * facility_import.processed_rows / total) if total else 0,
        "file_error": file_error,
        # Stopped or broken, not refused for its content: a person may retry.
        "retryable": failed
        and services.facility_import_retryable(facility_import=facility_import),
        # A running import silent for longer than the watch waits: it is about
        # to be resumed or failed (facility_imports_watch).
        "silent": running
        and facility_import.heartbeat_at is not None
        and timezone.now() - facility_import.heartbeat_at > services.stale_after(),
        "row_errors": row_errors[:IMPORT_ERRORS_SHOWN],
        "more_errors": max(0, len(row_errors) - IMPORT_ERRORS_SHOWN),
        "preview": []
        if running or facility_import.status == ImportStatus.FAILED
        else [
            {**row, "changed": [_change_label(c) for c in row.get("changes") or []]}
            for row in selectors.facility_import_preview(
                facility_import=facility_import
            )
        ],
    }


def _change_label(name: str) -> str:
    if name == "alias":
        return str(gettext_lazy("otro nombre"))
    try:
        return str(_review_label(name))
    except FieldDoesNotExist:
        return name


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
@csrf_exempt
def facility_import_view(request: HttpRequest) -> HttpResponse:
    # The site's upload handler stops at the size of a report's attachment; a
    # facility list may be larger. Handlers can be changed only before the body
    # is read, and the CSRF middleware would read it first: so the token is
    # checked here, by csrf_protect, once the handler is in place.
    _require_import(request)
    request.upload_handlers = [ImportUploadHandler(request)]
    return _facility_import(request)


@csrf_protect
def _facility_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            data = upload.read()
            facility_import = services.facility_import_queue(
                data=data,
                file_name=upload.name or "",
                dry_run=form.cleaned_data["dry_run"],
                created_by=request.user,  # type: ignore[arg-type]
            )
            # The job reads the file kept with the import (it may be resumed).
            tasks.facility_import_job(
                str(facility_import.pk),
                None,
                get_language() or settings.LANGUAGE_CODE,
            )
            return redirect("facilities:import_detail", import_id=facility_import.pk)
        status = 422
    return render(
        request,
        "facilities/import.html",
        {
            "form": form,
            "recent": selectors.facility_import_recent(viewer=request.user),
            "pending": selectors.candidate_pending_count(viewer=request.user),
        },
        status=status,
    )


@never_cache
@login_required
@require_GET
def facility_import_detail_view(request: HttpRequest, import_id: Any) -> HttpResponse:
    _require_import(request)
    facility_import = _import_or_404(request, import_id)
    return render(
        request, "facilities/import_detail.html", _import_context(facility_import)
    )


@never_cache
@login_required
@require_GET
def facility_import_progress_view(request: HttpRequest, import_id: Any) -> HttpResponse:
    """The status part of the import page alone, polled by htmx every second."""
    _require_import(request)
    facility_import = _import_or_404(request, import_id)
    return render(
        request, "facilities/import_status.html", _import_context(facility_import)
    )


@login_required
@require_POST
def facility_import_retry_view(request: HttpRequest, import_id: Any) -> HttpResponse:
    """Queue again an import that stopped or broke (its file is still kept)."""
    _require_import(request)
    facility_import = _import_or_404(request, import_id)
    try:
        services.facility_import_retry(
            facility_import=facility_import,
            user=request.user,  # type: ignore[arg-type]
        )
    except ApplicationError as exc:
        messages.error(request, exc.reasons[0])
    else:
        tasks.facility_import_job(
            str(facility_import.pk), None, get_language() or settings.LANGUAGE_CODE
        )
        messages.success(request, _("La importación volvió a la cola."))
    return redirect("facilities:import_detail", import_id=facility_import.pk)


def _review_label(name: str) -> Any:
    return getattr(Facility._meta.get_field(name), "verbose_name", name)


def _shown(name: str, value: Any) -> str:
    if value in (None, ""):
        return ""
    if name == "state":
        return MX_STATES.get(str(value), str(value))
    return str(value)


@dataclass(frozen=True)
class ReviewField:
    label: Any
    incoming: str
    existing: str
    same: bool


@dataclass(frozen=True)
class ReviewCandidate:
    candidate: FacilityMatchCandidate
    percent: int
    fields: list[ReviewField]


@dataclass(frozen=True)
class ReviewRecord:
    name: str
    file_name: str
    row_number: int | None
    candidates: list[ReviewCandidate]


def _review_records(candidates: list[FacilityMatchCandidate]) -> list[ReviewRecord]:
    grouped: dict[tuple[Any, Any], list[FacilityMatchCandidate]] = {}
    for candidate in candidates:
        key = (candidate.facility_import_id or candidate.pk, candidate.row_number)
        grouped.setdefault(key, []).append(candidate)
    records = []
    for group in grouped.values():
        first = group[0]
        record = first.record or {}
        shown = []
        for candidate in group:
            fields = []
            for name in REVIEW_FIELDS:
                incoming = _shown(name, record.get(name))
                existing = _shown(name, getattr(candidate.facility, name))
                fields.append(
                    ReviewField(
                        label=_review_label(name),
                        incoming=incoming,
                        existing=existing,
                        same=fold(incoming) == fold(existing),
                    )
                )
            shown.append(
                ReviewCandidate(
                    candidate=candidate,
                    percent=round(candidate.score * 100),
                    fields=fields,
                )
            )
        records.append(
            ReviewRecord(
                name=str(record.get("name") or ""),
                file_name=first.facility_import.file_name
                if first.facility_import
                else "",
                row_number=first.row_number,
                candidates=shown,
            )
        )
    return records


@never_cache
@login_required
@require_GET
def review_queue_view(request: HttpRequest) -> HttpResponse:
    _require_import(request)
    queue = selectors.candidate_queue(viewer=request.user)
    pending = queue.count()
    records = _review_records(list(queue[: REVIEW_RECORDS_SHOWN * 3]))
    return render(
        request,
        "facilities/review.html",
        {
            "records": records[:REVIEW_RECORDS_SHOWN],
            "pending": pending,
        },
    )


def _candidate_or_404(
    request: HttpRequest, candidate_id: Any
) -> FacilityMatchCandidate:
    return or_404(
        lambda: selectors.candidate_get_for_user(
            viewer=request.user, candidate_id=candidate_id
        )
    )


@login_required
@require_POST
def candidate_confirm_view(request: HttpRequest, candidate_id: Any) -> HttpResponse:
    _require_import(request)
    candidate = _candidate_or_404(request, candidate_id)
    try:
        facility = services.candidate_confirm(
            candidate=candidate,
            user=request.user,  # type: ignore[arg-type]
        )
    except ApplicationError as exc:
        messages.error(request, exc.reasons[0])
    else:
        messages.success(
            request,
            _("Listo: el registro quedó vinculado a %(name)s (%(public_id)s).")
            % {"name": facility.name, "public_id": facility.public_id},
        )
    return redirect("facilities:review")


@login_required
@require_POST
def candidate_reject_view(request: HttpRequest, candidate_id: Any) -> HttpResponse:
    _require_import(request)
    candidate = _candidate_or_404(request, candidate_id)
    try:
        facility = services.candidate_reject(
            candidate=candidate,
            user=request.user,  # type: ignore[arg-type]
        )
    except ApplicationError as exc:
        messages.error(request, exc.reasons[0])
    else:
        if facility is None:
            messages.success(
                request,
                _("Descartado. Quedan otros centros parecidos para este registro."),
            )
        else:
            messages.success(
                request,
                _("Listo: se registró %(name)s como un centro nuevo (%(public_id)s).")
                % {"name": facility.name, "public_id": facility.public_id},
            )
    return redirect("facilities:review")
