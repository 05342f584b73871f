"""The one error type for business rules, mapped to responses in one place.

Services raise `ApplicationError` (or a subclass); the API's exception handler
and the HTML views turn it into a response whose `detail` is in the user's
language. `NotFound` is raised alike for a missing object and for one the
caller may not see, so the two cannot be told apart.
"""

from __future__ import annotations

from typing import Any

from django.db import utils as db_errors
from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    status_code = 400

    def __init__(self, message: Any, *, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}

    @property
    def reasons(self) -> list[str]:
        """What to tell the user, in their language: one line per problem."""
        return [str(self.message)]


class NotFound(ApplicationError):
    status_code = 404

    def __init__(self, message: Any = None) -> None:
        super().__init__(message or _("No encontrado."))


class PermissionDenied(ApplicationError):
    status_code = 403

    def __init__(self, message: Any = None) -> None:
        super().__init__(message or _("No tiene permiso para hacer esto."))


class Throttled(ApplicationError):
    status_code = 429

    def __init__(self, message: Any, *, retry_after: int) -> None:
        super().__init__(message, extra={"retry_after": retry_after})
        self.retry_after = retry_after


class InvalidInput(ApplicationError):
    """Bad input, field by field; nothing was stored.

    `errors` is a list of `{"field": ..., "reason": ...}` with reasons in the
    user's language; the API answers 422 with it and forms show each reason
    beside its field.
    """

    status_code = 422

    def __init__(self, errors: list[dict[str, Any]], message: Any = None) -> None:
        super().__init__(
            message or _("Hay datos que no son válidos."), extra={"errors": errors}
        )
        self.errors = errors

    @property
    def reasons(self) -> list[str]:
        return [str(e["reason"]) for e in self.errors] or [str(self.message)]


# The database is unreachable or stopped answering (an outage, a restart, a
# failover): the request is answered 503 with Retry-After, never a traceback.
# Django wraps every driver's errors in these two; SQLite's "database is
# locked" is an OperationalError too, and a retry is the right answer to it.
DATABASE_UNAVAILABLE: tuple[type[Exception], ...] = (
    db_errors.OperationalError,
    db_errors.InterfaceError,
)
RETRY_AFTER_SECONDS = 30
