"""A person's identity as the file seals it: the fields, cleaned and bounded.

Pure: no database. The sealed JSON holds exactly `IDENTITY_FIELDS`; anything
else posted is ignored, and every value is cleaned text within its limit (a
date of birth is an ISO date not in the future).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from remedia.core.errors import InvalidInput
from remedia.core.kit import text_field

# name -> (label, limit)
IDENTITY_FIELDS: dict[str, tuple[Any, int]] = {
    "given_names": (_("Nombre(s)"), 120),
    "family_names": (_("Apellidos"), 120),
    "alias": (_("Cómo prefiere que le llamen"), 120),
    "date_of_birth": (_("Fecha de nacimiento"), 10),
    "place_of_origin": (_("Lugar de origen"), 200),
    "languages": (_("Idiomas o lenguas"), 200),
    "contact": (_("Cómo contactarle de forma segura"), 400),
    "caregiver": (_("Madre, padre o tutor (si es menor)"), 200),
    "story": (_("Relato y circunstancias"), 8000),
}

MIN_AGE = 0
MAX_AGE = 110


def identity_clean(data: dict[str, Any], *, prefix: str = "") -> dict[str, str]:
    """The identity fields of `data`, cleaned; every problem at once.

    One of the names or the alias is required: a file is about someone.
    """
    errors: list[dict[str, Any]] = []
    cleaned = {
        name: text_field(
            data.get(name), field=f"{prefix}{name}", limit=limit, errors=errors
        )
        for name, (_label, limit) in IDENTITY_FIELDS.items()
    }
    if not (cleaned["given_names"] or cleaned["alias"]):
        errors.append(
            {
                "field": f"{prefix}given_names",
                "reason": _("Escriba un nombre o cómo prefiere que le llamen."),
            }
        )
    if cleaned["date_of_birth"]:
        born = date_parse(cleaned["date_of_birth"])
        if born is None:
            errors.append(
                {
                    "field": f"{prefix}date_of_birth",
                    "reason": _("Escriba la fecha como AAAA-MM-DD."),
                }
            )
        elif born > timezone.localdate():
            errors.append(
                {
                    "field": f"{prefix}date_of_birth",
                    "reason": _("La fecha de nacimiento no puede estar en el futuro."),
                }
            )
        elif age_on(born, timezone.localdate()) > MAX_AGE:
            errors.append(
                {
                    "field": f"{prefix}date_of_birth",
                    "reason": _("Revise la fecha: daría más de %(n)s años.")
                    % {"n": MAX_AGE},
                }
            )
    if errors:
        raise InvalidInput(errors)
    return cleaned


def date_parse(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def age_on(born: date, day: date) -> int:
    """Whole years between a birth date and a day."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
