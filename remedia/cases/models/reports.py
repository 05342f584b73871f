"""The reports a case merges, and the case's categories."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import Organisation, User
from remedia.cases.models.case import Case
from remedia.core.models import BaseModel
from remedia.intake.models import CategoryRow, Report


class CaseCategory(CategoryRow):
    case = models.ForeignKey(
        Case,
        on_delete=models.CASCADE,
        related_name="category_rows",
        help_text=_("Caso."),
    )

    class Meta:
        verbose_name = _("categoría de caso")
        verbose_name_plural = _("categorías de caso")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "code"], name="case_category_unique"
            )
        ]


class CaseReport(BaseModel):
    """A report merged into a case. A report joins at most one case per organisation."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="links", help_text=_("Caso.")
    )
    report = models.ForeignKey(
        Report,
        on_delete=models.CASCADE,
        related_name="case_links",
        help_text=_("Denuncia."),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("La del caso; repetida aquí para la restricción de unicidad."),
    )
    added_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        help_text=_("Quien la unió al caso."),
    )

    class Meta:
        verbose_name = _("denuncia del caso")
        verbose_name_plural = _("denuncias del caso")
        constraints = [
            models.UniqueConstraint(
                fields=["report", "organisation"], name="case_report_one_per_org"
            ),
        ]
        indexes = [models.Index(fields=["organisation", "report"])]

    def __str__(self) -> str:
        return f"{self.case_id} ← {self.report_id}"
