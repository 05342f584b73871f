from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from remedia.accounts import keys
from remedia.accounts.selectors import user_needs_second_factor
from remedia.accounts.services import session_expired

_TOUCHED = "remedia_touched_at"

# Paths an authenticated but not yet verified user may still reach.
_OPEN_PREFIXES = ("/static/", "/i18n/", "/api/", "/hooks/")


class SecondFactorRequiredMiddleware:
    """Ends over-long sessions and holds unverified users at the enrolment page.

    A user whose role needs a second factor but who has not passed one in this
    session can reach nothing but enrolment, logout and static files.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            if session_expired(session=request.session):
                logout(request)
                return HttpResponseRedirect(reverse("accounts:login"))
            if (
                not user.is_verified()  # type: ignore[attr-defined]
                and user_needs_second_factor(user=user)
                and not request.path.startswith(_OPEN_PREFIXES)
            ):
                allowed = {
                    reverse("accounts:enrol"),
                    reverse("accounts:logout"),
                }
                if request.path not in allowed:
                    return HttpResponseRedirect(reverse("accounts:enrol"))
        response = self.get_response(request)
        keys.response_key_cookie(request=request, response=response)
        # Read again: a login during this request has replaced the user. A
        # request signed in by an API token has no session to keep alive.
        if (
            getattr(request, "api_token", None) is None
            and request.user.is_authenticated
        ):
            session_touch(request.session)
        return response


def session_touch(session: Any) -> None:
    """Push a signed-in session's idle expiry on, at most once a minute.

    Saving the session on every request (Django's SESSION_SAVE_EVERY_REQUEST)
    costs a database write on every staff page and API call; marking it
    modified once `SESSION_TOUCH_SECONDS` have passed keeps the thirty idle
    minutes (to within that) for a write a minute at most.
    """
    now = int(time.time())
    touched = session.get(_TOUCHED)
    if (
        session.modified
        or not isinstance(touched, int)
        or now - touched >= settings.SESSION_TOUCH_SECONDS
    ):
        session[_TOUCHED] = now
