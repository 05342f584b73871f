"""Labels for the codes referral and directory pages show."""

from __future__ import annotations

from typing import Any

from django import template

from remedia.core.geo import MX_STATES
from remedia.protection.vocabulary import Gender, ServiceType

register = template.Library()


@register.filter
def service_type_label(code: Any) -> Any:
    return ServiceType(code).label if code in ServiceType.values else code


@register.filter
def state_names(codes: Any) -> str:
    return ", ".join(MX_STATES.get(c, str(c)) for c in codes or [])


@register.filter
def gender_label(code: Any) -> Any:
    return Gender(code).label if code in Gender.values else code
