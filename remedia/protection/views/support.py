"""The support plan's forms on a file's page: add an action, edit it, move its status.

An action is looked up under its own file (already access-checked), so an
action id under another file is the same 404 as a missing one.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from remedia.accounts import keys
from remedia.accounts.models import User
from remedia.accounts.permissions import Capability
from remedia.core.kit import capability_require, or_404
from remedia.protection.forms.support import SupportStatusForm
from remedia.protection.models import SupportAction, VictimFile
from remedia.protection.selectors.support import support_action_get
from remedia.protection.services import support as services
from remedia.protection.views.files import (
    file_action,
    file_or_404,
    support_action_form,
)


@never_cache
@login_required
@require_POST
def support_add_view(request: HttpRequest, file_id: Any) -> HttpResponse:
    def act(file: VictimFile, user: User, form: Any) -> str:
        row = services.support_action_add(file=file, user=user, **form.values())
        return _("Acción del plan guardada: %(type)s.") % {
            "type": row.get_support_type_display()
        }

    return file_action(
        request,
        file_id,
        section="support",
        make_form=lambda data, f: support_action_form(f, data),
        act=act,
    )


def _action_or_404(request: HttpRequest, file_id: Any, action_id: Any) -> SupportAction:
    capability_require(request, Capability.PROTECTION_WRITE)
    file = file_or_404(request, file_id)
    return or_404(lambda: support_action_get(file=file, action_id=action_id))


@never_cache
@login_required
@require_POST
def support_edit_view(
    request: HttpRequest, file_id: Any, action_id: Any
) -> HttpResponse:
    row = _action_or_404(request, file_id, action_id)
    key = f"support_{row.pk.hex}"

    def act(file: VictimFile, user: User, form: Any) -> str:
        values = form.values()
        services.support_action_update(
            action=row,
            user=user,
            version=form.cleaned_data["version"],
            user_private_key=keys.request_private_key(request),
            changes=values,
        )
        return _("Acción del plan actualizada.")

    return file_action(
        request,
        file_id,
        section=key,
        make_form=lambda data, f: support_action_form(
            f, data, edit=True, auto_id=f"s{row.pk.hex[:8]}_%s"
        ),
        act=act,
        version_of=lambda f: support_action_get(file=f, action_id=row.pk).version,
    )


@never_cache
@login_required
@require_POST
def support_status_view(
    request: HttpRequest, file_id: Any, action_id: Any
) -> HttpResponse:
    row = _action_or_404(request, file_id, action_id)
    key = f"support_{row.pk.hex}"

    def act(file: VictimFile, user: User, form: Any) -> str:
        row_now = services.support_action_status(
            action=row,
            user=user,
            version=form.cleaned_data["version"],
            status=form.cleaned_data["status"],
            done_on=form.cleaned_data["done_on"],
        )
        return _("Acción del plan: %(status)s.") % {
            "status": row_now.get_status_display()
        }

    return file_action(
        request,
        file_id,
        section=key,
        key=f"{key}_status",
        make_form=lambda data, f: SupportStatusForm(
            data, auto_id=f"t{row.pk.hex[:8]}_%s"
        ),
        act=act,
        version_of=lambda f: support_action_get(file=f, action_id=row.pk).version,
    )
