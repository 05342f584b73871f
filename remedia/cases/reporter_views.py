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
from remedia.core.errors import ApplicationError
from remedia.intake import reporter_cookies


@never_cache
@require_POST
def checkin_answer_view(request: HttpRequest, checkin_id: str) -> HttpResponse:
    access = reporter_cookies.followup_access(request)
    if access is None:
        messages.info(request, _("Escriba su número de recibo para ver su denuncia."))
        return redirect("intake:followup_enter")
    answer = request.POST.get("answer", "")
    try:
        services.checkin_answer(access=access, checkin_id=checkin_id, answer=answer)
    except ApplicationError as exc:
        # Post/redirect/get: the follow-up page shows why, and nothing changed.
        for reason in exc.reasons:
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
