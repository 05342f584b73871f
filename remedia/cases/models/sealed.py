"""What staff write about a case, sealed to its key: the key grants, notes and documents."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import User
from remedia.cases.models.case import Case
from remedia.core.models import BaseModel
from remedia.core.sealed import (
    SealedDocument,
    SealedKeyGrant,
    SealedNote,
    grant_constraints,
)


class CaseKeyGrant(SealedKeyGrant):
    """The case's private key sealed to one handler's or the escrow public key."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="key_grants", help_text=_("Caso.")
    )

    class Meta:
        verbose_name = _("acceso cifrado al caso")
        verbose_name_plural = _("accesos cifrados a casos")
        constraints = grant_constraints(
            owner="case",
            user_name="case_grant_user",
            escrow_name="case_grant_escrow",
            xor_name="case_grant_user_xor_escrow",
        )

    def __str__(self) -> str:
        return f"grant {self.case_id}"


class CaseNote(BaseModel, SealedNote):
    """A note internal to staff: never shown to a reporter; sealed to the case key."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="notes", help_text=_("Caso.")
    )

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("nota interna")
        verbose_name_plural = _("notas internas")

    def __str__(self) -> str:
        return f"note {self.case_id} · {self.created_at:%Y-%m-%d}"


class CaseDocument(BaseModel, SealedDocument):
    """A staff document on a case, cleaned of metadata, encrypted like an attachment."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="documents", help_text=_("Caso.")
    )
    author = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        help_text=_("Quien lo subió."),
    )

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("documento del caso")
        verbose_name_plural = _("documentos del caso")
