"""Work groups: organisations of every sector that work on one part of the plan."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import Organisation, User
from remedia.core.models import BaseModel


class GroupRole(models.TextChoices):
    LEAD = "lead", _("Coordina")
    MEMBER = "member", _("Integrante")
    OBSERVER = "observer", _("Observa")


class WorkGroup(BaseModel):
    """An inter-agency work group (public agencies, civil society, private
    sector, international partners) with one lead user who approves the
    progress its actions report."""

    name = models.CharField(
        _("nombre"), max_length=200, unique=True, help_text=_("Nombre del grupo.")
    )
    purpose = models.TextField(
        _("propósito"), max_length=2000, blank=True, help_text=_("Para qué trabaja.")
    )
    sectors = models.JSONField(
        _("sectores"),
        default=list,
        blank=True,
        help_text=_("Códigos de Sector representados en el grupo."),
    )
    lead = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="coordination_groups_led",
        verbose_name=_("quien coordina"),
        help_text=_("Aprueba o devuelve los avances de las acciones del grupo."),
    )
    created_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Quien creó el grupo."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("grupo de trabajo")
        verbose_name_plural = _("grupos de trabajo")

    def __str__(self) -> str:
        return self.name


class WorkGroupMember(BaseModel):
    """An organisation taking part in a group, optionally through one person."""

    group = models.ForeignKey(
        WorkGroup,
        on_delete=models.CASCADE,
        related_name="members",
        help_text=_("El grupo."),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="coordination_memberships",
        help_text=_("La organización que participa."),
    )
    user = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="coordination_memberships",
        help_text=_("La persona que la representa, si está en Remedia."),
    )
    role = models.CharField(
        _("papel"),
        max_length=10,
        choices=GroupRole.choices,
        default=GroupRole.MEMBER,
        help_text=_("Coordina, integrante u observa."),
    )

    class Meta:
        ordering = ["organisation__name"]
        verbose_name = _("integrante del grupo")
        verbose_name_plural = _("integrantes del grupo")
        # One row per person of an organisation, and one for the organisation
        # without a person: two partial constraints (SQLite has no NULLS NOT
        # DISTINCT).
        constraints = [
            models.UniqueConstraint(
                fields=["group", "organisation", "user"],
                condition=models.Q(user__isnull=False),
                name="workgroupmember_unique_person",
            ),
            models.UniqueConstraint(
                fields=["group", "organisation"],
                condition=models.Q(user__isnull=True),
                name="workgroupmember_unique_organisation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group} · {self.organisation}"
