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


# --- The worker's words ----------------------------------------------------------------
# The report form names each problem as a worker would tell it; the legal term
# (the label staff, exports and statistics use) comes under it as help. The
# order puts first what is most often reported, and the grave ones together.


@dataclass(frozen=True)
class WorkerCategory:
    code: str
    words: Promise | str
    term: Promise | str
    group: str = "union"


# The form shows the categories in these groups, in this order.
WORKER_GROUPS: tuple[tuple[str, Promise | str], ...] = (
    ("union", _("Por organizarse o por el sindicato")),
    ("work", _("Pago, horario y trato")),
    ("grave", _("Muy graves: se atienden con urgencia")),
    ("other", _("Algo más")),
)


WORKER_CATEGORIES: tuple[WorkerCategory, ...] = (
    WorkerCategory(
        Category.INTIMIDATION, _("Me vigilan o me meten miedo"), _("Intimidación")
    ),
    WorkerCategory(
        Category.THREATS,
        _("Me amenazan: con correrme, cerrar la planta o hacerme daño"),
        _("Amenazas"),
    ),
    WorkerCategory(
        Category.COERCION,
        _("Me presionan para firmar, votar o renunciar"),
        _("Coacción"),
    ),
    WorkerCategory(
        Category.RETALIATION,
        _("Me corrieron o me castigaron por organizarme o por quejarme"),
        _("Despido o represalia por actividad sindical o por denunciar"),
    ),
    WorkerCategory(
        Category.NON_NEUTRALITY,
        _("La empresa dice por quién votar o habla contra el sindicato"),
        _("La empresa no es neutral sobre el sindicato"),
    ),
    WorkerCategory(
        Category.UNION_INTERFERENCE,
        _("La empresa se mete en las decisiones del sindicato"),
        _("Injerencia en asuntos internos del sindicato"),
    ),
    WorkerCategory(
        Category.BARGAINING_BAD_FAITH,
        _("No quieren negociar el contrato de verdad"),
        _("Negociación colectiva de mala fe"),
    ),
    WorkerCategory(
        Category.WAGES,
        _("No me pagan completo o me quitan dinero"),
        _("Salarios, prestaciones, pagos retenidos"),
        "work",
    ),
    WorkerCategory(
        Category.HOURS,
        _("Trabajo demasiadas horas o no me pagan las extra"),
        _("Jornada y horas extra"),
        "work",
    ),
    WorkerCategory(
        Category.HEALTH_SAFETY,
        _("Hay peligro, accidentes o no hay equipo de protección"),
        _("Seguridad y salud"),
        "work",
    ),
    WorkerCategory(
        Category.HARASSMENT,
        _("Me insultan, me acosan o me tocan sin mi permiso"),
        _("Acoso u hostigamiento (incluido sexual)"),
        "work",
    ),
    WorkerCategory(
        Category.DISCRIMINATION,
        _("Me tratan peor por ser mujer, por mi edad, mi origen u otra razón"),
        _("Discriminación"),
        "work",
    ),
    WorkerCategory(
        Category.CHILD_LABOUR,
        _("Trabajan niñas o niños"),
        _("Trabajo infantil"),
        "grave",
    ),
    WorkerCategory(
        Category.FORCED_LABOUR,
        _("No me dejan irme, me guardan mis papeles o me cobran una deuda"),
        _("Trabajo forzoso"),
        "grave",
    ),
    WorkerCategory(
        Category.TRAFFICKING,
        _("Me trajeron con engaños y ahora me controlan"),
        _("Trata de personas"),
        "grave",
    ),
    WorkerCategory(Category.OTHER, _("Otra cosa"), _("Otro"), "other"),
)


def worker_words(code: str) -> Promise | str:
    """How the worker's pages name a category (the code itself if unknown)."""
    for item in WORKER_CATEGORIES:
        if item.code == code:
            return item.words
    return code
