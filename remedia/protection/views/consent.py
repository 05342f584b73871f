"""The consent part of a victim file: its section on the file page, its own
page, and the forms that record and withdraw a consent.

Everything here goes through the file's access rule first: someone who may
not read the file gets the same 404 as for a missing one.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from remedia.accounts.models import Organisation
from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import organisations_for
from remedia.core.audit import audit_record
from remedia.core.errors import ApplicationError
from remedia.core.forms import errors_onto
from remedia.core.hooks import Panel
from remedia.core.kit import or_404, request_user
from remedia.protection.forms.consent import ConsentForm
from remedia.protection.models import VictimFile
from remedia.protection.selectors.consent import (
    consent_get_for_user,
    consent_list,
    consent_state,
)
from remedia.protection.selectors.directory import institutions_outside
from remedia.protection.selectors.files import file_get_for_user
from remedia.protection.services.consent import (
    ADULT_AGE,
    consent_record,
    consent_withdraw,
)

SECTION_ORDER = 30


def file_or_404(request: HttpRequest, file_id: Any) -> VictimFile:
    return or_404(
        lambda: file_get_for_user(user=request_user(request), file_id=file_id)
    )


def file_writes(request: HttpRequest, file: VictimFile) -> bool:
    return file.organisation_id in organisations_for(
        user=request_user(request), capability=Capability.PROTECTION_WRITE
    )


def back_to(request: HttpRequest, fallback: str) -> HttpResponse:
    """Back where the form was (the file page posts its own address as `next`),
    or to `fallback`; never off this site's protection pages."""
    target = request.POST.get("next", "")
    if target.startswith("/staff/proteccion/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=False
    ):
        return redirect(target)
    return redirect(fallback)


def file_page_url(file: VictimFile) -> str | None:
    """The file page's address (the page is `views/files.py`'s, and may be
    absent from a build without it): None rather than a broken page."""
    try:
        return file.get_absolute_url()
    except NoReverseMatch:
        return None


def _recipients(file: VictimFile) -> list[Organisation]:
    return list(
        Organisation.objects.filter(is_active=True)
        .exclude(pk=file.organisation_id)
        .order_by("name")
    )


def _context(
    request: HttpRequest, file: VictimFile, form: ConsentForm | None = None
) -> dict[str, Any]:
    writes = file_writes(request, file)
    if writes and form is None:
        form = ConsentForm(organisations=_recipients(file))
    return {
        "file": file,
        "state": consent_state(file=file),
        "consents": list(consent_list(file=file)),
        "form": form if writes else None,
        "institutions": institutions_outside(user=request_user(request))
        if writes
        else [],
        "minor": file.age_at_identification is not None
        and file.age_at_identification < ADULT_AGE,
        "next": request.get_full_path(),
    }


def consent_section(
    request: HttpRequest, file: VictimFile, file_private: bytes | None
) -> Panel:
    """The file page's consent section (the file is already access-checked)."""
    return Panel(
        template="protection/consent_section.html",
        context=_context(request, file),
        order=SECTION_ORDER,
    )


def _page(
    request: HttpRequest,
    file: VictimFile,
    form: ConsentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    audit_record(
        action="protection.consents_read",
        actor=request_user(request),
        organisation=file.organisation,
        obj=file,
    )
    return render(
        request,
        "protection/consent_page.html",
        {
            "file": file,
            "file_url": file_page_url(file),
            "panel": Panel(
                template="protection/consent_section.html",
                context=_context(request, file, form),
            ),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def file_consents_view(request: HttpRequest, file_id: Any) -> HttpResponse:
    """The file's consents; a POST records one."""
    file = file_or_404(request, file_id)
    if request.method == "GET":
        return _page(request, file)
    form = ConsentForm(request.POST, organisations=_recipients(file))
    if form.is_valid():
        data = form.cleaned_data
        try:
            consent_record(
                file=file,
                user=request_user(request),
                scope=data["scope"],
                given_by=data["given_by"],
                given_on=data["given_on"],
                recipient_id=data.get("recipient_id") or None,
                recipient_name=data.get("recipient_name") or "",
            )
        except ApplicationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("Consentimiento registrado."))
            return back_to(request, request.path)
    return _page(request, file, form, status=422)


@login_required
@require_POST
def consent_withdraw_view(
    request: HttpRequest, file_id: Any, consent_id: Any
) -> HttpResponse:
    consent = or_404(
        lambda: consent_get_for_user(
            user=request_user(request), file_id=file_id, consent_id=consent_id
        )
    )
    fallback = reverse("protection:file_consents", kwargs={"file_id": consent.file_id})
    try:
        revoked = consent_withdraw(consent=consent, user=request_user(request))
    except ApplicationError as exc:
        messages.error(request, exc.reasons[0])
    else:
        if revoked:
            messages.success(
                request,
                ngettext(
                    "Consentimiento retirado. Se revocó %(n)s canalización que "
                    "dependía de él; lo compartido ya no se puede consultar.",
                    "Consentimiento retirado. Se revocaron %(n)s canalizaciones que "
                    "dependían de él; lo compartido ya no se puede consultar.",
                    len(revoked),
                )
                % {"n": len(revoked)},
            )
        else:
            messages.success(request, _("Consentimiento retirado."))
    return back_to(request, fallback)
