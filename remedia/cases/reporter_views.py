"""The worker answers a retaliation question from the follow-up page (no login).

The reporter's access comes from intake's follow-up cookie, exactly as the
follow-up page reads it: the receipt is never asked for again, and nothing of
the worker's browser is stored.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from remedia.cases import services
from remedia.cases.models import CheckinAnswer
from remedia.core.errors import ApplicationError, InvalidInput
from remedia.intake import reporter_cookies
from remedia.intake import services as intake


def _reporter_access(request: HttpRequest) -> intake.ReporterAccess | None:
    current = reporter_cookies.followup_current(request)
    if current is None:
        return None
    try:
        return intake.reporter_access_from_key(
            report_id=current[0], private_key=current[1]
        )
    except intake.ReceiptRefused:
        return None


def _reasons(exc: ApplicationError) -> list[str]:
    if isinstance(exc, InvalidInput) and exc.errors:
        return [str(e["reason"]) for e in exc.errors]
    return [str(exc.message)]


@never_cache
@require_POST
def checkin_answer_view(request: HttpRequest, checkin_id: str) -> HttpResponse:
    access = _reporter_access(request)
    if access is None:
        messages.info(request, _("Escriba su número de recibo para ver su denuncia."))
        return redirect("intake:followup_enter")
    answer = request.POST.get("answer", "")
    try:
        services.checkin_answer(access=access, checkin_id=checkin_id, answer=answer)
    except ApplicationError as exc:
        # Post/redirect/get: the follow-up page shows why, and nothing changed.
        for reason in _reasons(exc):
            messages.error(request, reason)
    else:
        if answer == CheckinAnswer.YES:
            messages.success(request, _("Gracias. Reabrimos su caso con urgencia."))
        else:
            messages.success(
                request,
                _(
                    "Gracias por responder. Si más adelante sufre alguna "
                    "represalia, haga una denuncia nueva."
                ),
            )
    return redirect("intake:followup")
