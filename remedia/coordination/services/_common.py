"""What the coordination services share: refusing, parsing, auditing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import Organisation, User
from remedia.accounts.selectors import get_scoped
from remedia.coordination.selectors.access import coordination_writable
from remedia.core.audit import audit_record
from remedia.core.errors import (
    ApplicationError,
    InvalidInput,
    NotFound,
    PermissionDenied,
)

# Figures in a plan: never negative, at most 12 digits before the point.
NUMBER_MAX = Decimal("999999999999.99")


class StaleVersion(ApplicationError):
    """The action changed since the user read it: nothing was stored."""

    status_code = 409

    def __init__(self) -> None:
        super().__init__(
            _(
                "Otra persona cambió esta acción mientras usted la editaba; no se "
                "guardó nada. Revise los datos actuales y vuelva a guardar."
            ),
            extra={"field": "version"},
        )


def refuse(errors: list[dict[str, Any]]) -> None:
    if errors:
        raise InvalidInput(errors)


def writer_require(user: User) -> None:
    if not coordination_writable(user=user):
        raise PermissionDenied(_("El plan de trabajo lo mantiene la coordinación."))


def audit(action: str, *, user: User, obj: models.Model, **data: Any) -> None:
    audit_record(
        action=f"coordination.{action}",
        actor=user,
        obj=obj,
        data={k: str(v) for k, v in data.items()},
    )


def number_parse(
    value: Any, *, field: str, errors: list[dict[str, Any]], percent: bool = False
) -> Decimal | None:
    """A figure: a plain number ("12", "12.5"), never "N/A", "yes" or a word."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        value = "x"
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite():
        errors.append(
            {"field": field, "reason": _("Escriba un número, como 12 o 12.5.")}
        )
        return None
    if number < 0 or number > NUMBER_MAX:
        errors.append(
            {"field": field, "reason": _("Escriba un número entre 0 y 999999999999.")}
        )
        return None
    if percent and number > 100:  # noqa: PLR2004
        errors.append({"field": field, "reason": _("Un porcentaje va de 0 a 100.")})
        return None
    return number.quantize(Decimal("0.01"))


def date_parse(
    value: Any, *, field: str, errors: list[dict[str, Any]], required: bool = True
) -> date | None:
    if value in (None, ""):
        if required:
            errors.append({"field": field, "reason": _("Escriba la fecha.")})
        return None
    parsed: date | None
    if isinstance(value, date):
        parsed = value
    else:
        try:
            parsed = parse_date(str(value).strip())
        except ValueError:
            parsed = None
    if parsed is None or parsed.year < 2000 or parsed.year > 2100:  # noqa: PLR2004
        errors.append(
            {"field": field, "reason": _("Escriba la fecha como AAAA-MM-DD.")}
        )
        return None
    return parsed


def choice(
    value: Any,
    *,
    choices: list[str],
    field: str,
    errors: list[dict[str, Any]],
    default: str | None = None,
) -> str:
    value = default if value in (None, "") and default is not None else value
    if value not in choices:
        errors.append({"field": field, "reason": _("No es un valor admitido.")})
        return default or ""
    return str(value)


def organisation_parse(
    value: Any, *, field: str, errors: list[dict[str, Any]]
) -> Organisation | None:
    """An active organisation by its id; a problem added to `errors`."""
    if isinstance(value, Organisation):
        return value
    try:
        return get_scoped(Organisation.objects.filter(is_active=True), pk=value)
    except NotFound:
        errors.append(
            {"field": field, "reason": _("Esa organización no está en Remedia.")}
        )
        return None


def user_parse(value: Any, *, field: str, errors: list[dict[str, Any]]) -> User | None:
    """An active user by their id; a problem added to `errors`."""
    if isinstance(value, User):
        return value
    try:
        return get_scoped(User.objects.filter(is_active=True), pk=value)
    except NotFound:
        errors.append({"field": field, "reason": _("Esa persona no está en Remedia.")})
        return None
