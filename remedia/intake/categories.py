"""Report categories (domain/categories.md). Codes are stable: API, exports, statistics."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    INTIMIDATION = "intimidation", _("Intimidación")
    COERCION = (
        "coercion",
        _("Coacción (presión para aceptar un contrato, votar o renunciar)"),
    )
    THREATS = "threats", _("Amenazas")
    NON_NEUTRALITY = "non_neutrality", _("La empresa no es neutral sobre el sindicato")
    UNION_INTERFERENCE = (
        "union_interference",
        _("Injerencia en asuntos internos del sindicato"),
    )
    BARGAINING_BAD_FAITH = "bargaining_bad_faith", _("Negociación colectiva de mala fe")
    RETALIATION = (
        "retaliation",
        _("Despido o represalia por actividad sindical o por denunciar"),
    )
    CHILD_LABOUR = "child_labour", _("Trabajo infantil")
    FORCED_LABOUR = (
        "forced_labour",
        _("Trabajo forzoso (deudas, documentos retenidos, no poder irse)"),
    )
    TRAFFICKING = "trafficking", _("Trata de personas")
    WAGES = "wages", _("Salarios, prestaciones, pagos retenidos")
    HOURS = "hours", _("Jornada y horas extra")
    HEALTH_SAFETY = "health_safety", _("Seguridad y salud")
    HARASSMENT = "harassment", _("Acoso u hostigamiento (incluido sexual)")
    DISCRIMINATION = "discrimination", _("Discriminación")
    OTHER = "other", _("Otro")


# Any of these makes a report urgent and sends it to the protection team too.
PROTECTION_CATEGORIES = frozenset(
    {Category.CHILD_LABOUR, Category.FORCED_LABOUR, Category.TRAFFICKING}
)

# Denial of free association and collective bargaining: may lead to an RRM petition.
RRM_CATEGORIES = frozenset(
    {
        Category.INTIMIDATION,
        Category.COERCION,
        Category.THREATS,
        Category.NON_NEUTRALITY,
        Category.UNION_INTERFERENCE,
        Category.BARGAINING_BAD_FAITH,
        Category.RETALIATION,
    }
)


@dataclass(frozen=True)
class CategoryInfo:
    code: str
    label: Promise | str
    protection: bool
    rrm: bool


def category_info() -> list[CategoryInfo]:
    return [
        CategoryInfo(
            code=c.value,
            label=c.label,
            protection=c in PROTECTION_CATEGORIES,
            rrm=c in RRM_CATEGORIES,
        )
        for c in Category
    ]


def is_urgent(codes: list[str] | set[str]) -> bool:
    return any(code in PROTECTION_CATEGORIES for code in codes)
