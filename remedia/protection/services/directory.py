"""Keeping the directory of assistance services: coordinators only.

A service is data: what it offers (at least one `ServiceType`), where
(national, or the ISO 3166-2:MX codes of the states it serves), for whom
(ages 0–110, sexes), how to reach it, and how soon it answers a referral (its
timeframe sets the referral's due time). Every field is checked here and
every problem refused at once; nothing is stored from a refused write. An edit
carries the `updated_at` its author saw, and is refused if someone saved the
service in between (no last write wins). A service is never deleted while
referrals point at it: it is withdrawn (`is_active`) and kept for history.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import Organisation, User
from remedia.core.audit import audit_record
from remedia.core.errors import InvalidInput, PermissionDenied
from remedia.core.geo import MX_STATES
from remedia.core.kit import full_clean, invalid, text_field
from remedia.protection.identity import MAX_AGE, MIN_AGE
from remedia.protection.models import Service
from remedia.protection.selectors.directory import directory_writable
from remedia.protection.vocabulary import ServedSexes, ServiceType, Timeframe

FIELDS = (
    "name",
    "institution",
    "organisation",
    "service_types",
    "national",
    "states",
    "area_detail",
    "min_age",
    "max_age",
    "sexes",
    "phone",
    "email",
    "address",
    "website",
    "hours",
    "timeframe",
    "notes",
    "is_active",
)
# name -> (limit, required)
TEXTS = {
    "name": (200, True),
    "institution": (200, True),
    "area_detail": (200, False),
    "phone": (40, False),
    "email": (254, False),
    "address": (300, False),
    "website": (200, False),
    "hours": (200, False),
    "notes": (2000, False),
}
_PHONE = re.compile(r"^[0-9+()\-. /]*(?:(?:ext\.?|extensión|x)\s*[0-9]{1,6})?$", re.I)
MIN_PHONE_DIGITS = 7
MAX_PHONE_DIGITS = 20


def _writer(user: User) -> None:
    if not directory_writable(user=user):
        raise PermissionDenied(
            _("El directorio de servicios lo mantiene la coordinación.")
        )


def _age(value: Any, field: str, errors: list[dict[str, Any]]) -> int | None:
    if value is None or value == "":
        return None
    try:
        age = int(value)
    except (TypeError, ValueError):
        errors.append(
            {"field": field, "reason": _("Escriba la edad en años, con número.")}
        )
        return None
    if not MIN_AGE <= age <= MAX_AGE:
        errors.append(
            {
                "field": field,
                "reason": _("La edad debe estar entre %(low)s y %(high)s años.")
                % {"low": MIN_AGE, "high": MAX_AGE},
            }
        )
        return None
    return age


def _codes(
    value: Any, allowed: list[str], field: str, errors: list[dict[str, Any]]
) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        errors.append({"field": field, "reason": _("Debe ser una lista.")})
        return []
    codes = list(
        dict.fromkeys(
            str(v).strip().upper() if field == "states" else str(v).strip()
            for v in value
        )
    )
    unknown = [c for c in codes if c not in allowed]
    if unknown:
        errors.append(
            {
                "field": field,
                "reason": _("No es un valor admitido: %(values)s.")
                % {"values": ", ".join(c[:12] for c in unknown[:5])},
            }
        )
    return [c for c in codes if c in allowed]


def _organisation(value: Any, errors: list[dict[str, Any]]) -> Organisation | None:
    if value in (None, ""):
        return None
    if isinstance(value, Organisation):
        return value
    try:
        key = uuid.UUID(str(value))
    except ValueError:
        key = None
    found = Organisation.objects.filter(pk=key, is_active=True).first() if key else None
    if found is None:
        errors.append(
            {
                "field": "organisation_id",
                "reason": _("Esa organización no está en Remedia."),
            }
        )
    return found


def service_clean(
    data: dict[str, Any], *, current: Service | None = None
) -> dict[str, Any]:
    """The fields of `data` cleaned, checked alone and together with what
    `current` keeps; every problem at once as `InvalidInput`."""
    errors: list[dict[str, Any]] = []
    cleaned: dict[str, Any] = {}
    for name, (limit, required) in TEXTS.items():
        if name in data or current is None:
            cleaned[name] = text_field(
                data.get(name),
                field=name,
                limit=limit,
                required=required,
                errors=errors,
            )
    if "organisation_id" in data or "organisation" in data or current is None:
        cleaned["organisation"] = _organisation(
            data.get("organisation_id", data.get("organisation")), errors
        )
    if "service_types" in data or current is None:
        cleaned["service_types"] = _codes(
            data.get("service_types"), list(ServiceType.values), "service_types", errors
        )
    if "states" in data or current is None:
        cleaned["states"] = _codes(
            data.get("states"), list(MX_STATES), "states", errors
        )
    if "national" in data or current is None:
        cleaned["national"] = bool(data.get("national"))
    for name in ("min_age", "max_age"):
        if name in data or current is None:
            cleaned[name] = _age(data.get(name), name, errors)
    for name, choices, default in (
        ("sexes", ServedSexes.values, ServedSexes.ALL),
        ("timeframe", Timeframe.values, Timeframe.ONE_DAY),
    ):
        if name in data or current is None:
            value = data.get(name) or default
            if value not in choices:
                errors.append({"field": name, "reason": _("No es un valor admitido.")})
            cleaned[name] = value
    if "is_active" in data:
        cleaned["is_active"] = bool(data["is_active"])
    if cleaned.get("email"):
        try:
            EmailValidator()(cleaned["email"])
        except ValidationError:
            errors.append({"field": "email", "reason": _("Escriba un correo válido.")})
    if cleaned.get("website"):
        try:
            URLValidator(schemes=["http", "https"])(cleaned["website"])
        except ValidationError:
            errors.append(
                {
                    "field": "website",
                    "reason": _("Escriba la dirección completa, con https://."),
                }
            )
    if cleaned.get("phone"):
        digits = sum(c.isdigit() for c in cleaned["phone"])
        if not _PHONE.match(cleaned["phone"]) or not (
            MIN_PHONE_DIGITS <= digits <= MAX_PHONE_DIGITS
        ):
            errors.append(
                {
                    "field": "phone",
                    "reason": _(
                        "Escriba un teléfono con su lada (de 7 a 20 dígitos; se "
                        "admiten espacios, guiones, paréntesis y extensión)."
                    ),
                }
            )

    def merged(name: str) -> Any:
        return cleaned[name] if name in cleaned else getattr(current, name, None)

    if (
        "service_types" in cleaned
        and not cleaned["service_types"]
        and not any(e["field"] == "service_types" for e in errors)
    ):
        errors.append(
            {
                "field": "service_types",
                "reason": _("Elija al menos un tipo de servicio."),
            }
        )
    if merged("national"):
        cleaned["states"] = []
    elif not merged("states") and not any(e["field"] == "states" for e in errors):
        errors.append(
            {
                "field": "states",
                "reason": _(
                    "Elija los estados que atiende, o marque cobertura nacional."
                ),
            }
        )
    low, high = merged("min_age"), merged("max_age")
    if low is not None and high is not None and low > high:
        errors.append(
            {
                "field": "max_age",
                "reason": _("La edad máxima no puede ser menor que la mínima."),
            }
        )
    if errors:
        raise InvalidInput(errors)
    return cleaned


@transaction.atomic
def service_create(*, user: User, data: dict[str, Any]) -> Service:
    _writer(user)
    cleaned = service_clean(data)
    service = Service(**cleaned, updated_by=user)
    full_clean(service)
    service.save()
    audit_record(action="protection.service_created", actor=user, obj=service)
    return service


def _to_the_millisecond(moment: datetime) -> datetime:
    # JSON answers give times to the millisecond: what a client read back.
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _seen_check(service: Service, seen: Any) -> None:
    if seen in (None, ""):
        return
    if isinstance(seen, str):
        try:
            seen = datetime.fromisoformat(seen)
        except ValueError:
            raise invalid("updated_at", _("Versión no válida.")) from None
    if _to_the_millisecond(seen) != _to_the_millisecond(service.updated_at):
        raise invalid(
            "updated_at",
            _(
                "Alguien más guardó este servicio mientras usted lo editaba. "
                "Revise los datos actuales y vuelva a guardar sus cambios."
            ),
        )


@transaction.atomic
def service_update(
    *, user: User, service: Service, data: dict[str, Any], seen: Any = None
) -> Service:
    """Change some fields; those not given stay. `seen` is the `updated_at` the
    editor read (a form always sends it; refused if the service moved since)."""
    _writer(user)
    service = Service.objects.select_for_update().get(pk=service.pk)
    _seen_check(service, seen)
    cleaned = service_clean(data, current=service)
    changed = [
        name
        for name in FIELDS
        if name in cleaned and getattr(service, name) != cleaned[name]
    ]
    if not changed:
        return service
    for name in changed:
        setattr(service, name, cleaned[name])
    service.updated_by = user
    full_clean(service)
    service.save(update_fields=[*changed, "updated_by", "updated_at"])
    audit_record(
        action="protection.service_updated",
        actor=user,
        obj=service,
        data={"fields": changed},
    )
    return service


def service_deactivate(*, user: User, service: Service, seen: Any = None) -> Service:
    """Withdraw a service from the directory (kept for the referrals made to it)."""
    return service_update(
        user=user, service=service, data={"is_active": False}, seen=seen
    )
