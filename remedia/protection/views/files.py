"""Staff pages of victim files: the list, opening a file, the file's page and its forms.

Every file is fetched through `selectors.files.file_get_for_user`, so anyone
who may not read it (a handler of the same organisation, another protection
worker not assigned to it) gets the very 404 a missing file gives. Opening the
page is audited (`services.files.file_read`).

A form action answers where the person acted: on success the page comes back
at the form's section with the message there; on a refusal the page is shown
again with the form as it was posted, each reason beside its field, and
nothing stored. A stale version (someone else changed the file) shows the
current data above and what the person typed in the form, ready to save again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from remedia.accounts import keys
from remedia.accounts.models import Organisation, User
from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import organisations_for, user_can
from remedia.core.errors import ApplicationError
from remedia.core.forms import errors_onto
from remedia.core.hooks import NavItem
from remedia.core.kit import capability_require, or_404, request_user
from remedia.core.pagination import CountedPaginator
from remedia.core.placed import messages_by_section, section_tag
from remedia.facilities.selectors import facility_search
from remedia.protection.forms.files import (
    AssignForm,
    CaseLinkForm,
    FacilityForm,
    FileFieldsForm,
    FileFilterForm,
    FileOpenForm,
    FileStatusForm,
    IdentityForm,
    NoteForm,
    ReportLinkForm,
    RiskForm,
    TraffickingForm,
)
from remedia.protection.forms.support import SupportActionForm, SupportStatusForm
from remedia.protection.hooks import file_sections
from remedia.protection.models import VictimFile
from remedia.protection.selectors.files import (
    STATUS_OPEN,
    FileFilters,
    file_can_supervise,
    file_get_for_user,
    file_list,
    file_report_choices,
    protection_workers,
)
from remedia.protection.services import files as services
from remedia.protection.vocabulary import (
    ISIC_SECTIONS,
    ControlMethod,
    DecisionMaker,
    ExploitationType,
    FileStatus,
    Gender,
    Recruitment,
    RiskLevel,
    TraffickingStatus,
)

LIST_PAGE_SIZE = 50
FACILITY_RESULTS = 10


# --- Menu, access, messages ---------------------------------------------------------


def protection_nav(request: HttpRequest) -> NavItem | None:
    """The staff menu's "Protección", for whoever works in protection."""
    if not user_can(user=request.user, capability=Capability.PROTECTION_READ):
        return None
    return NavItem(
        label=gettext_lazy("Protección"), url=reverse("protection:home"), order=30
    )


def file_or_404(request: HttpRequest, file_id: Any) -> VictimFile:
    capability_require(request, Capability.PROTECTION_READ)
    return or_404(lambda: file_get_for_user(user=request.user, file_id=file_id))


def file_url(file: VictimFile, anchor: str = "") -> str:
    return file.get_absolute_url() + (f"#{anchor}" if anchor else "")


def said_at(request: HttpRequest, section: str, text: str) -> None:
    messages.success(request, text, extra_tags=section_tag(section))


# --- The list ---------------------------------------------------------------------------

_STATUS = dict(FileStatus.choices)
_TRAFFICKING = dict(TraffickingStatus.choices)
_RISK = dict(RiskLevel.choices)


@dataclass(frozen=True)
class FileRow:
    file: VictimFile
    status_label: str
    trafficking_label: str
    risk_label: str
    workers: list[str]


def _filters(form: FileFilterForm) -> FileFilters:
    data = form.cleaned_data if form.is_valid() else {}
    return FileFilters(
        status=data.get("status") or None,
        trafficking_status=data.get("trafficking_status") or None,
        risk_level=data.get("risk_level") or None,
        mine=data.get("mine") == "1",
        number=(data.get("number") or "").strip() or None,
    )


@never_cache
@login_required
@require_GET
def home_view(request: HttpRequest) -> HttpResponse:
    """Protection's home: the files the person may read, with filters."""
    capability_require(request, Capability.PROTECTION_READ)
    form = FileFilterForm(request.GET or None)
    filters = _filters(form) if request.GET else FileFilters(status=STATUS_OPEN)
    if not request.GET:
        form = FileFilterForm(initial={"status": STATUS_OPEN})
    files = file_list(viewer=request.user, filters=filters)
    page = CountedPaginator(
        files, LIST_PAGE_SIZE, count=lambda: files.order_by().count()
    ).get_page(request.GET.get("page"))
    services.files_listed(user=request_user(request), files=list(page))
    statuses = {k: str(v) for k, v in _STATUS.items()}
    trafficking = {k: str(v) for k, v in _TRAFFICKING.items()}
    risks = {k: str(v) for k, v in _RISK.items()}
    supervised = organisations_for(
        user=request.user, capability=Capability.PROTECTION_SUPERVISE
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "protection/home.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "rows": [
                FileRow(
                    file=f,
                    status_label=statuses.get(f.status, f.status),
                    trafficking_label=trafficking.get(
                        f.trafficking_status, f.trafficking_status
                    ),
                    risk_label=risks.get(f.risk_level, f.risk_level),
                    workers=[
                        a.user.get_full_name() or a.user.username
                        for a in f.assignments.all()
                    ],
                )
                for f in page
            ],
            "supervises": bool(supervised),
            "can_open": user_can(
                user=request.user, capability=Capability.PROTECTION_WRITE
            ),
        },
    )


# --- Opening a file ------------------------------------------------------------------


def _opening_organisations(request: HttpRequest) -> list[tuple[str, str]]:
    ids = organisations_for(user=request.user, capability=Capability.PROTECTION_WRITE)
    return [
        (str(o.pk), o.name)
        for o in Organisation.objects.filter(pk__in=ids).order_by("name")
    ]


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def file_new_view(request: HttpRequest) -> HttpResponse:
    capability_require(request, Capability.PROTECTION_WRITE)
    organisations = _opening_organisations(request)
    form = FileOpenForm(
        request.POST or None,
        organisations=organisations,
        initial={"identified_on": timezone.localdate(), "gender": Gender.UNKNOWN},
    )
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            chosen = form.cleaned_data.get("organisation") or organisations[0][0]
            try:
                file = services.file_open(
                    organisation=Organisation.objects.get(pk=chosen),
                    opened_by=request_user(request),
                    identity=form.identity(),
                    identified_on=form.cleaned_data["identified_on"],
                    fields=form.coded(),
                )
            except ApplicationError as exc:
                errors_onto(form, exc)
                status = exc.status_code if 400 <= exc.status_code < 500 else 422
            else:
                said_at(
                    request,
                    "summary",
                    _("Expediente %(number)s abierto. Usted quedó asignada(o).")
                    % {"number": file.number},
                )
                return redirect(file_url(file, "summary"))
    return render(request, "protection/file_new.html", {"form": form}, status=status)


# --- The file's page -----------------------------------------------------------------


def _worker_name(user: User) -> str:
    return user.get_full_name() or user.username


def _label(choices: Any, value: Any) -> str:
    return str(dict(choices).get(value, value or "—"))


@dataclass(frozen=True)
class SupportRow:
    """One action of the plan with its forms and the messages said about it."""

    opened: Any
    edit_form: forms.Form
    status_form: forms.Form
    said: list[Any]
    open_edit: bool


def _support_people(file: VictimFile) -> list[tuple[str, str]]:
    return [
        (str(w.pk), _worker_name(w))
        for w in protection_workers(organisation_id=file.organisation_id)
    ]


def _support_organisations(file: VictimFile) -> list[tuple[str, str]]:
    rows = Organisation.objects.filter(is_active=True).order_by("name")
    own = [(str(file.organisation_id), file.organisation.name)]
    return own + [(str(o.pk), o.name) for o in rows if o.pk != file.organisation_id]


def support_action_form(
    file: VictimFile, data: Any = None, *, edit: bool = False, **kwargs: Any
) -> SupportActionForm:
    return SupportActionForm(
        data,
        organisations=_support_organisations(file),
        people=_support_people(file),
        edit=edit,
        auto_id=kwargs.pop("auto_id", "support_%s"),
        **kwargs,
    )


def _fields_initial(file: VictimFile) -> dict[str, Any]:
    return {
        "identified_on": file.identified_on,
        "gender": file.gender,
        "age_at_identification": file.age_at_identification,
        "citizenship": file.citizenship,
        "exploitation_types": file.exploitation_types,
        "control_methods": file.control_methods,
        "recruitment": file.recruitment,
        "recruitment_state": file.recruitment_state,
        "recruitment_country": file.recruitment_country,
        "exploitation_state": file.exploitation_state,
        "industry": file.industry,
        "version": file.version,
    }


def detail_page(
    request: HttpRequest,
    file: VictimFile,
    *,
    bound: dict[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The file's page; `bound` holds a refused form (by section) to show again."""
    user = request_user(request)
    reading = services.file_read(
        file=file, user=user, user_private_key=keys.request_private_key(request)
    )
    opened = reading.opened
    bound = bound or {}
    can_write = file.organisation_id in organisations_for(
        user=request.user, capability=Capability.PROTECTION_WRITE
    )
    supervises = file_can_supervise(user=request.user, file=file)
    placed, loose = messages_by_section(request)
    version = {"version": file.version}
    assigned = {a.user_id for a in opened.assignments}
    workers = [
        (str(w.pk), _worker_name(w))
        for w in protection_workers(organisation_id=file.organisation_id)
        if w.pk not in assigned
    ]
    query = " ".join((request.GET.get("fq") or "").split())[:200]
    today = timezone.localdate()
    support_rows = []
    for item in opened.support:
        action = item.action
        key = f"support_{action.pk.hex}"
        edit_form = bound.get(key) or support_action_form(
            file,
            edit=True,
            auto_id=f"s{action.pk.hex[:8]}_%s",
            initial={
                "support_type": action.support_type,
                "objective": item.objective or "",
                "action": item.action_text or "",
                "owner_organisation_id": str(action.owner_organisation_id),
                "owner_id": str(action.owner_id or ""),
                "starts_on": action.starts_on,
                "due_on": action.due_on,
                "version": action.version,
            },
        )
        status_form = bound.get(f"{key}_status") or SupportStatusForm(
            auto_id=f"t{action.pk.hex[:8]}_%s",
            initial={"status": action.status, "version": action.version},
        )
        support_rows.append(
            SupportRow(
                opened=item,
                edit_form=edit_form,
                status_form=status_form,
                said=placed.get(key, []) + placed.get(f"{key}_status", []),
                open_edit=key in bound or f"{key}_status" in bound,
            )
        )
    context: dict[str, Any] = {
        "file": file,
        "opened": opened,
        "can_write": can_write,
        "supervises": supervises,
        "placed": placed,
        "loose_messages": loose,
        "bound": set(bound),
        "labels": {
            "gender": _label(Gender.choices, file.gender),
            "recruitment": _label(Recruitment.choices, file.recruitment),
            "industry": str(ISIC_SECTIONS.get(file.industry, file.industry)),
            "decided_by": _label(DecisionMaker.choices, file.trafficking_decided_by)
            if file.trafficking_decided_by
            else "",
            "exploitation_types": [
                _label(ExploitationType.choices, c) for c in file.exploitation_types
            ],
            "control_methods": [
                _label(ControlMethod.choices, c) for c in file.control_methods
            ],
        },
        "support_rows": support_rows,
        "today": today,
        "facility_query": query,
        "facility_results": facility_search(q=query, limit=FACILITY_RESULTS)
        if query and can_write
        else [],
        "sections": file_sections(request, file, reading.file_private),
    }
    if can_write:
        context.update(
            identity_form=bound.get("identity")
            or IdentityForm(
                auto_id="identity_%s", initial={**opened.identity, **version}
            ),
            fields_form=bound.get("fields")
            or FileFieldsForm(auto_id="fields_%s", initial=_fields_initial(file)),
            trafficking_form=bound.get("trafficking")
            or TraffickingForm(
                auto_id="trafficking_%s",
                initial={
                    "trafficking_status": file.trafficking_status,
                    "trafficking_decided_by": file.trafficking_decided_by,
                    **version,
                },
            ),
            risk_form=bound.get("risk")
            or RiskForm(
                auto_id="risk_%s", initial={"risk_level": file.risk_level, **version}
            ),
            status_form=bound.get("status")
            or FileStatusForm(
                auto_id="status_%s",
                targets=sorted(services.FILE_TRANSITIONS[file.status]),
                initial=version,
            ),
            facility_form_version=file.version,
            facility_form=bound.get("facility"),
            assign_form=bound.get("assignments")
            or (AssignForm(auto_id="assignments_%s") if supervises else None),
            assign_workers=workers,
            note_form=bound.get("notes") or NoteForm(auto_id="notes_%s"),
            report_form=bound.get("reports") or ReportLinkForm(auto_id="reports_%s"),
            report_choices=file_report_choices(viewer=request.user, file=file),
            case_form=bound.get("cases") or CaseLinkForm(auto_id="cases_%s"),
            support_form=bound.get("support")
            or support_action_form(
                file,
                initial={
                    "starts_on": today,
                    "owner_organisation_id": str(file.organisation_id),
                    "owner_id": str(user.pk),
                },
            ),
        )
    return render(request, "protection/file_detail.html", context, status=status)


@never_cache
@login_required
@require_GET
def file_detail_view(request: HttpRequest, file_id: Any) -> HttpResponse:
    return detail_page(request, file_or_404(request, file_id))


# --- Form actions -----------------------------------------------------------------------

Act = Callable[[VictimFile, User, Any], str]


def _with_version(data: QueryDict, version: int) -> QueryDict:
    fresh = data.copy()
    fresh["version"] = str(version)
    return fresh


def file_action(
    request: HttpRequest,
    file_id: Any,
    *,
    section: str,
    make_form: Callable[[Any, VictimFile], forms.Form],
    act: Act,
    key: str | None = None,
    version_of: Callable[[VictimFile], int] | None = None,
    aliases: dict[str, str] | None = None,
) -> HttpResponse:
    """One form on a file's page: validate, call one service, answer in place.

    `act(file, user, form)` returns the success message. `key` names the form
    on the page (the section by default); `version_of` gives the current
    version of what the form edits (the file's by default), put in the form
    shown again after `StaleVersion`.
    """
    capability_require(request, Capability.PROTECTION_WRITE)
    file = file_or_404(request, file_id)
    form = make_form(request.POST, file)
    status = 422
    if form.is_valid():
        try:
            done = act(file, request_user(request), form)
        except services.StaleVersion as exc:
            file = file_or_404(request, file_id)
            current = (version_of or (lambda f: f.version))(file)
            form = make_form(_with_version(request.POST, current), file)
            form.is_valid()
            form.add_error(None, str(exc.message))
            status = exc.status_code
        except ApplicationError as exc:
            # The version is a hidden field: what is wrong with it goes above.
            errors_onto(form, exc, **{"version": "", **(aliases or {})})
            status = exc.status_code if 400 <= exc.status_code < 500 else 422
            if status == 404:
                status = 422
        else:
            said_at(request, key or section, done)
            return redirect(file_url(file, section))
    return detail_page(request, file, bound={key or section: form}, status=status)


def form_view(
    *,
    section: str,
    form: Callable[..., forms.Form],
    act: Callable[[HttpRequest, VictimFile, User, Any], str],
    targets: bool = False,
) -> Callable[[HttpRequest, Any], HttpResponse]:
    """A POST view for one form of the file's page (`file_action`).

    `form` is called with the posted data (and the statuses the file may move
    to, with `targets`); `act(request, file, user, form)` calls one service
    and returns the success message.
    """

    def make_form(data: Any, file: VictimFile) -> forms.Form:
        extra = (
            {"targets": sorted(services.FILE_TRANSITIONS[file.status])}
            if targets
            else {}
        )
        return form(data, auto_id=f"{section}_%s", **extra)

    @never_cache
    @login_required
    @require_POST
    def view(request: HttpRequest, file_id: Any) -> HttpResponse:
        return file_action(
            request,
            file_id,
            section=section,
            make_form=make_form,
            act=lambda file, user, bound: act(request, file, user, bound),
        )

    return view


def _identity(request: HttpRequest, file: VictimFile, user: User, form: Any) -> str:
    services.file_identity_update(
        file=file,
        user=user,
        version=form.cleaned_data["version"],
        user_private_key=keys.request_private_key(request),
        identity=form.identity(),
    )
    return _("Identidad guardada, cifrada.")


def _fields(request: HttpRequest, file: VictimFile, user: User, form: Any) -> str:
    services.file_update(
        file=file,
        user=user,
        version=form.cleaned_data["version"],
        changes=form.changes(),
    )
    return _("Datos del expediente guardados.")


def _trafficking(request: HttpRequest, file: VictimFile, user: User, form: Any) -> str:
    file = services.file_trafficking_determine(
        file=file,
        user=user,
        version=form.cleaned_data["version"],
        status=form.cleaned_data["trafficking_status"],
        decided_by=form.cleaned_data["trafficking_decided_by"],
    )
    return _("Situación de trata: %(status)s.") % {
        "status": file.get_trafficking_status_display()
    }


def _risk(request: HttpRequest, file: VictimFile, user: User, form: Any) -> str:
    file = services.file_risk_assess(
        file=file,
        user=user,
        version=form.cleaned_data["version"],
        risk_level=form.cleaned_data["risk_level"],
    )
    return _("Riesgo valorado: %(level)s.") % {"level": file.get_risk_level_display()}


def _status(request: HttpRequest, file: VictimFile, user: User, form: Any) -> str:
    file = services.file_status_change(
        file=file,
        user=user,
        version=form.cleaned_data["version"],
        status=form.cleaned_data["status"],
        closure_reason=form.cleaned_data["closure_reason"],
    )
    return _("Estado del expediente: %(status)s.") % {
        "status": file.get_status_display()
    }


def _facility(request: HttpRequest, file: VictimFile, user: User, form: Any) -> str:
    file = services.file_update(
        file=file,
        user=user,
        version=form.cleaned_data["version"],
        changes={"facility_id": form.cleaned_data["facility_id"] or None},
    )
    if file.facility is None:
        return _("El expediente ya no está ligado a un centro de trabajo.")
    return _("Expediente ligado a %(name)s.") % {"name": file.facility.name}


def _assign(request: HttpRequest, file: VictimFile, user: User, form: Any) -> str:
    assignment = services.file_assign(
        file=file,
        user=user,
        worker_id=form.cleaned_data["user_id"],
        user_private_key=keys.request_private_key(request),
    )
    return _("%(name)s quedó asignada(o) al expediente.") % {
        "name": _worker_name(assignment.user)
    }


def _unassign(request: HttpRequest, file: VictimFile, user: User, form: Any) -> str:
    services.file_unassign(file=file, user=user, worker_id=form.cleaned_data["user_id"])
    return _("La persona ya no está asignada; su acceso al expediente se retiró.")


def _note(request: HttpRequest, file: VictimFile, user: User, form: Any) -> str:
    services.file_note_add(file=file, user=user, body=form.cleaned_data["body"])
    return _("Nota guardada, cifrada.")


def _report_link(request: HttpRequest, file: VictimFile, user: User, form: Any) -> str:
    services.file_report_link(
        file=file, user=user, report_id=form.cleaned_data["report_id"]
    )
    return _("Denuncia ligada al expediente.")


def _report_unlink(
    request: HttpRequest, file: VictimFile, user: User, form: Any
) -> str:
    services.file_report_unlink(
        file=file, user=user, report_id=form.cleaned_data["report_id"]
    )
    return _("La denuncia ya no está ligada al expediente.")


def _case_link(request: HttpRequest, file: VictimFile, user: User, form: Any) -> str:
    case = services.file_case_link(
        file=file, user=user, case_ref=form.cleaned_data["case"]
    )
    return _("Caso %(number)s ligado al expediente.") % {"number": case.number}


def _case_unlink(request: HttpRequest, file: VictimFile, user: User, form: Any) -> str:
    services.file_case_unlink(file=file, user=user, case_id=form.cleaned_data["case"])
    return _("El caso ya no está ligado al expediente.")


file_identity_view = form_view(section="identity", form=IdentityForm, act=_identity)
file_fields_view = form_view(section="fields", form=FileFieldsForm, act=_fields)
file_trafficking_view = form_view(
    section="trafficking", form=TraffickingForm, act=_trafficking
)
file_risk_view = form_view(section="risk", form=RiskForm, act=_risk)
file_status_view = form_view(
    section="status", form=FileStatusForm, act=_status, targets=True
)
file_facility_view = form_view(section="facility", form=FacilityForm, act=_facility)
file_assign_view = form_view(section="assignments", form=AssignForm, act=_assign)
file_unassign_view = form_view(section="assignments", form=AssignForm, act=_unassign)
file_note_view = form_view(section="notes", form=NoteForm, act=_note)
file_report_link_view = form_view(
    section="reports", form=ReportLinkForm, act=_report_link
)
file_report_unlink_view = form_view(
    section="reports", form=ReportLinkForm, act=_report_unlink
)
file_case_link_view = form_view(section="cases", form=CaseLinkForm, act=_case_link)
file_case_unlink_view = form_view(section="cases", form=CaseLinkForm, act=_case_unlink)
