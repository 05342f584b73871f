"""Referral pages: the file's referrals section, the page that refers (a
service picker that shows consent per recipient), the incoming and sent
lists, and one referral with the answers its viewer may give.

A receiving organisation's staff reach the referral pages only: the file's
pages stay 404 for them. Every answer form carries the version its author
saw, so a crossed answer is refused with a message instead of applied.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from remedia.accounts import keys
from remedia.accounts.models import User
from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import organisations_for, user_can
from remedia.core.audit import audit_record
from remedia.core.errors import ApplicationError
from remedia.core.forms import errors_onto, filtered_page, form_data
from remedia.core.hooks import NavItem, Panel, Waiting
from remedia.core.kit import or_404, request_user
from remedia.protection.forms.referrals import (
    AnswerForm,
    CounterForm,
    PickerForm,
    ReferralFilterForm,
    ReferralForm,
    RejectForm,
)
from remedia.protection.models import Referral, Service, VictimFile
from remedia.protection.selectors.consent import (
    consent_active,
    service_shareable,
    sharing_allowed,
)
from remedia.protection.selectors.directory import (
    service_get_for_user,
    service_list,
)
from remedia.protection.selectors.referrals import (
    INCOMING,
    SENT,
    ReferralFilters,
    referral_get_for_user,
    referral_list,
    referral_overdue,
    referral_role,
    referrals_of_file,
)
from remedia.protection.services.grants import file_key
from remedia.protection.services.referrals import (
    referral_accept,
    referral_counter,
    referral_create,
    referral_done,
    referral_open,
    referral_reject,
    referral_revoke,
)
from remedia.protection.views.consent import (
    file_or_404,
    file_page_url,
    file_writes,
)
from remedia.protection.views.directory import picker_filters
from remedia.protection.vocabulary import (
    ConsentScope,
    Gender,
    ReferralStatus,
    ServedSexes,
)

SECTION_ORDER = 40
REFERRALS_PER_PAGE = 30
PICKER_SHOWN = 30

_SEX_OF_GENDER: dict[str, str] = {
    Gender.FEMININE: ServedSexes.WOMEN,
    Gender.TRANS_FEMININE: ServedSexes.WOMEN,
    Gender.MASCULINE: ServedSexes.MEN,
    Gender.TRANS_MASCULINE: ServedSexes.MEN,
}


def _can_override(user: Any, file: VictimFile) -> bool:
    return file.organisation_id in organisations_for(
        user=user, capability=Capability.CONSENT_OVERRIDE
    )


def _rows(referrals: list[Referral]) -> list[dict[str, Any]]:
    now = timezone.now()
    return [{"r": r, "overdue": referral_overdue(r, now=now)} for r in referrals]


def referrals_nav(request: HttpRequest) -> NavItem | None:
    if not user_can(user=request_user(request), capability=Capability.PROTECTION_READ):
        return None
    return NavItem(_("Canalizaciones"), reverse("protection:referrals"), order=62)


# --- The file page's section -----------------------------------------------------------


def referral_section(
    request: HttpRequest, file: VictimFile, file_private: bytes | None
) -> Panel:
    """The file's referrals and counter-referrals (the file is access-checked)."""
    return Panel(
        template="protection/referral_section.html",
        context={
            "file": file,
            "rows": _rows(list(referrals_of_file(file=file))),
            "can_refer": file_writes(request, file),
            "services_consent": consent_active(file=file, scope=ConsentScope.SERVICES),
        },
        order=SECTION_ORDER,
    )


# --- Referring -------------------------------------------------------------------------


def _picker(request: HttpRequest, file: VictimFile) -> PickerForm:
    if any(k in request.GET for k in PickerForm.base_fields):
        return PickerForm(request.GET)
    initial = {
        "age": file.age_at_identification,
        "state": file.exploitation_state,
        "sex": _SEX_OF_GENDER.get(file.gender, ""),
    }
    return PickerForm({k: v for k, v in initial.items() if v not in (None, "")})


def _refer_page(
    request: HttpRequest,
    file: VictimFile,
    *,
    service: Service | None,
    form: ReferralForm | None,
    status: int = 200,
) -> HttpResponse:
    audit_record(
        action="protection.consents_read",
        actor=request_user(request),
        organisation=file.organisation,
        obj=file,
        data={"page": "refer"},
    )
    picker = _picker(request, file)
    allowed = sharing_allowed(file=file)
    services = list(
        service_list(viewer=request.user, filters=picker_filters(picker))[:PICKER_SHOWN]
    )
    return render(
        request,
        "protection/refer.html",
        {
            "file": file,
            "file_url": file_page_url(file),
            "picker": picker,
            "services": [
                {"s": s, "shareable": service_shareable(s, allowed=allowed)}
                for s in services
                if s.organisation_id != file.organisation_id
            ],
            "services_consent": consent_active(file=file, scope=ConsentScope.SERVICES),
            "service": service,
            "shareable": service is not None
            and service_shareable(service, allowed=allowed),
            "form": form,
            "can_override": _can_override(request_user(request), file),
            "query": request.GET.urlencode(),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def file_refer_view(request: HttpRequest, file_id: Any) -> HttpResponse:
    """Choose a service (filtered for the person) and send the referral."""
    file = file_or_404(request, file_id)
    if not file_writes(request, file):
        raise Http404
    can_override = _can_override(request_user(request), file)
    chosen = request.POST.get("service_id") or request.GET.get("service")
    service = None
    if chosen:
        service = or_404(
            lambda: service_get_for_user(user=request_user(request), service_id=chosen)
        )
    if request.method == "GET":
        form = (
            ReferralForm(
                service=service,
                can_override=can_override,
                initial={"service_type": request.GET.get("service_type", "")},
            )
            if service is not None
            else None
        )
        return _refer_page(request, file, service=service, form=form)
    if service is None:
        messages.error(request, _("Elija primero el servicio al que canaliza."))
        return _refer_page(request, file, service=None, form=None, status=422)
    form = ReferralForm(request.POST, service=service, can_override=can_override)
    if form.is_valid():
        data = form.cleaned_data
        try:
            referral = referral_create(
                file=file,
                user=request_user(request),
                service_id=service.pk,
                service_type=data["service_type"],
                reason=data["reason"],
                share=data.get("share") or [],
                needs=data["needs"],
                note=data.get("note") or "",
                override_reason=data.get("override_reason") or "",
                file_private=file_key(
                    file=file,
                    user=request_user(request),
                    user_private_key=keys.request_private_key(request),
                ),
            )
        except ApplicationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("Canalización enviada."))
            return redirect(referral.get_absolute_url())
    return _refer_page(request, file, service=service, form=form, status=422)


# --- Lists -----------------------------------------------------------------------------


@login_required
@require_GET
def referral_list_view(request: HttpRequest) -> HttpResponse:
    """Referrals received (the default) and sent, by the viewer's teams."""
    if not user_can(user=request_user(request), capability=Capability.PROTECTION_READ):
        raise Http404
    form = ReferralFilterForm(request.GET)
    page, status = filtered_page(
        request,
        form,
        lambda data: referral_list(viewer=request.user, filters=_list_filters(data)),
        per_page=REFERRALS_PER_PAGE,
    )
    data = form.cleaned_data if status == 200 else {}
    return render(
        request,
        "protection/referral_list.html",
        {
            "form": form,
            "box": form.box_chosen(),
            "status": data.get("status", ""),
            "overdue": data.get("overdue") == "1",
            "statuses": ReferralStatus.choices,
            "page": page,
            "rows": _rows(list(page.object_list)),
        },
        status=status,
    )


def _list_filters(data: dict[str, Any]) -> ReferralFilters:
    return ReferralFilters(
        box=data.get("box") or INCOMING,
        status=data.get("status") or None,
        overdue=True if data.get("overdue") == "1" else None,
    )


def referrals_waiting(request: HttpRequest) -> list[Waiting]:
    """Referrals to the viewer's institution still to accept or reject, and
    those their team sent that are past due unanswered: each the list
    filtered the same way."""
    user = request_user(request)
    if not user_can(user=user, capability=Capability.PROTECTION_READ):
        return []
    url = reverse("protection:referrals")
    to_answer = {"box": INCOMING, "status": ReferralStatus.IN_PROGRESS}
    late = {"box": SENT, "overdue": "1"}
    answer_n = referral_list(viewer=user, filters=_list_filters(to_answer)).count()
    late_n = referral_list(viewer=user, filters=_list_filters(late)).count()
    return [
        Waiting(
            key="protection.referrals_to_answer",
            count=answer_n,
            label=ngettext(
                "canalización recibida por aceptar o rechazar",
                "canalizaciones recibidas por aceptar o rechazar",
                answer_n,
            ),
            url=f"{url}?{urlencode(to_answer)}",
            nav_url=url,
            urgent=answer_n > 0,
            order=60,
        ),
        Waiting(
            key="protection.referrals_sent_overdue",
            count=late_n,
            label=ngettext(
                "canalización enviada vencida sin respuesta",
                "canalizaciones enviadas vencidas sin respuesta",
                late_n,
            ),
            url=f"{url}?{urlencode(late)}",
            nav_url=url,
            urgent=late_n > 0,
            order=61,
        ),
    ]


# --- One referral ----------------------------------------------------------------------


def _referral_or_404(request: HttpRequest, referral_id: Any) -> Referral:
    return or_404(
        lambda: referral_get_for_user(
            user=request_user(request), referral_id=referral_id
        )
    )


@login_required
@require_GET
def referral_detail_view(request: HttpRequest, referral_id: Any) -> HttpResponse:
    referral = _referral_or_404(request, referral_id)
    user = request_user(request)
    role = referral_role(user=user, referral=referral)
    user_private = keys.request_private_key(request)
    file_private = (
        file_key(file=referral.file, user=user, user_private_key=user_private)
        if role.file_side
        else None
    )
    opened = referral_open(
        referral=referral,
        user=user,
        user_private_key=user_private,
        file_private=file_private,
    )
    version = {"version": referral.version}
    return render(
        request,
        "protection/referral_detail.html",
        {
            "referral": referral,
            "role": role,
            "opened": opened,
            "overdue": referral_overdue(referral),
            "file_url": file_page_url(referral.file) if role.file_side else None,
            "counters": list(
                referral.counter_referrals.select_related("from_organisation").order_by(
                    "created_at"
                )
            ),
            "accept_form": AnswerForm(initial=version, prefix="accept"),
            "reject_form": RejectForm(initial=version, prefix="reject"),
            "done_form": AnswerForm(initial=version, prefix="done"),
            "counter_form": CounterForm(initial=version, prefix="counter"),
            "can_accept": role.can_answer
            and referral.status == ReferralStatus.IN_PROGRESS,
            "can_done": role.can_answer and referral.status == ReferralStatus.ACCEPTED,
        },
    )


def _referral_action(
    request: HttpRequest,
    referral_id: Any,
    act: Callable[[Referral, User], str | Referral],
) -> HttpResponse:
    """One answer to a referral: one message, back to its page (or to the new
    counter-referral)."""
    referral = _referral_or_404(request, referral_id)
    target = referral.get_absolute_url()
    try:
        done = act(referral, request_user(request))
    except ApplicationError as exc:
        messages.error(request, exc.reasons[0])
    else:
        if isinstance(done, Referral):
            messages.success(request, _("Contra-referencia enviada."))
            target = done.get_absolute_url()
        else:
            messages.success(request, done)
    return redirect(target)


@login_required
@require_POST
def referral_accept_view(request: HttpRequest, referral_id: Any) -> HttpResponse:
    def act(referral: Referral, user: User) -> str:
        data = form_data(AnswerForm(request.POST, prefix="accept"), labelled=False)
        referral_accept(
            referral=referral, user=user, version=data["version"], note=data["note"]
        )
        return _("Canalización aceptada.")

    return _referral_action(request, referral_id, act)


@login_required
@require_POST
def referral_reject_view(request: HttpRequest, referral_id: Any) -> HttpResponse:
    def act(referral: Referral, user: User) -> str:
        data = form_data(RejectForm(request.POST, prefix="reject"), labelled=False)
        referral_reject(
            referral=referral, user=user, version=data["version"], reason=data["reason"]
        )
        return _("Canalización rechazada.")

    return _referral_action(request, referral_id, act)


@login_required
@require_POST
def referral_done_view(request: HttpRequest, referral_id: Any) -> HttpResponse:
    def act(referral: Referral, user: User) -> str:
        data = form_data(AnswerForm(request.POST, prefix="done"), labelled=False)
        referral_done(
            referral=referral, user=user, version=data["version"], note=data["note"]
        )
        return _("Servicio prestado: la canalización quedó atendida.")

    return _referral_action(request, referral_id, act)


@login_required
@require_POST
def referral_revoke_view(request: HttpRequest, referral_id: Any) -> HttpResponse:
    def act(referral: Referral, user: User) -> str:
        referral_revoke(
            referral=referral, user=user, version=request.POST.get("version")
        )
        return _("Canalización revocada: lo compartido ya no se puede consultar.")

    return _referral_action(request, referral_id, act)


@login_required
@require_POST
def referral_counter_view(request: HttpRequest, referral_id: Any) -> HttpResponse:
    def act(referral: Referral, user: User) -> Referral:
        data = form_data(CounterForm(request.POST, prefix="counter"), labelled=False)
        return referral_counter(
            referral=referral,
            user=user,
            version=data["version"],
            note=data["note"],
            reason=data["reason"],
        )

    return _referral_action(request, referral_id, act)
