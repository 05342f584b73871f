from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from remedia.accounts.permissions import Role, Sector
from remedia.core.choices import ChoiceLabels
from remedia.core.models import BaseModel


class Organisation(BaseModel):
    """A body that takes part: ministry, NGO, union, brand, international agency."""

    name = models.CharField(
        _("nombre"), max_length=200, unique=True, help_text=_("Nombre oficial.")
    )
    short_name = models.CharField(
        _("nombre corto"),
        max_length=40,
        blank=True,
        help_text=_("Siglas o nombre breve para listas."),
    )
    sector = models.CharField(
        _("sector"),
        max_length=20,
        choices=Sector.choices,
        help_text=_("Sector al que pertenece la organización."),
    )
    country = models.CharField(
        _("país"),
        max_length=2,
        default="MX",
        help_text=_("Código ISO 3166-1 del país de la organización."),
    )
    is_active = models.BooleanField(
        _("activa"),
        default=True,
        help_text=_("Una organización inactiva no recibe denuncias ni accesos."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("organización")
        verbose_name_plural = _("organizaciones")

    def __str__(self) -> str:
        return self.short_name or self.name


class User(ChoiceLabels, AbstractUser):
    """A staff member. Reporters never have accounts."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    language = models.CharField(
        _("idioma"),
        max_length=8,
        default="es-mx",
        choices=[("es-mx", _("Español (México)")), ("en", _("English"))],
        help_text=_("Idioma de la interfaz y de los avisos por correo."),
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("usuario")  # type: ignore[assignment]
        verbose_name_plural = _("usuarios")  # type: ignore[assignment]

    def __str__(self) -> str:
        return self.get_username()


class Membership(BaseModel):
    """One role for one user in one organisation; rights never cross organisations."""

    user = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        verbose_name=_("persona"),
        related_name="memberships",
        help_text=_("Persona usuaria."),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        verbose_name=_("organización"),
        related_name="memberships",
        help_text=_("Organización en la que ejerce el rol."),
    )
    role = models.CharField(
        _("rol"),
        max_length=20,
        choices=Role.choices,
        help_text=_("Qué puede ver y hacer dentro de la organización."),
    )

    class Meta:
        verbose_name = _("membresía")
        verbose_name_plural = _("membresías")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="membership_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.organisation} · {self.get_role_display()}"


class ApiToken(BaseModel):
    """A bearer token for staff tools and partner systems.

    Only a SHA-256 digest is stored: the token is 256 random bits, so a fast
    hash is as strong as a slow one, and lookups stay cheap on every request.
    """

    user = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        verbose_name=_("persona"),
        related_name="api_tokens",
        help_text=_("Usuario en cuyo nombre actúa el token."),
    )
    name = models.CharField(
        _("nombre"), max_length=100, help_text=_("Para qué sistema o persona es.")
    )
    prefix = models.CharField(
        _("prefijo"),
        max_length=12,
        help_text=_("Inicio visible del token, para reconocerlo."),
    )
    digest = models.CharField(
        max_length=64, unique=True, help_text=_("SHA-256 del token; nunca el token.")
    )
    expires_at = models.DateTimeField(
        _("vence"), null=True, blank=True, help_text=_("Vacío: no vence.")
    )
    revoked_at = models.DateTimeField(
        _("revocado"), null=True, blank=True, help_text=_("Cuándo se revocó.")
    )
    last_used_at = models.DateTimeField(
        _("último uso"), null=True, blank=True, help_text=_("Último uso, al minuto.")
    )
    wrapped_private_key = models.BinaryField(
        null=True,
        blank=True,
        help_text=_(
            "Llave privada del usuario cifrada con una llave derivada del token; "
            "vacío si el token no puede descifrar contenido."
        ),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("token de API")
        verbose_name_plural = _("tokens de API")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"


class PartnerToken(BaseModel):
    """A bearer token of an organisation's system (a hotline, a registry, an
    inspectorate), not of a person: it acts only through its scopes.

    Like `ApiToken`, only a SHA-256 digest of 256 random bits is stored; the
    visible prefix (`rmp_`) tells it apart from a staff token (`rmd_`).
    """

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="partner_tokens",
        verbose_name=_("organización"),
        help_text=_("Organización dueña del token."),
    )
    name = models.CharField(
        _("nombre"), max_length=100, help_text=_("Qué sistema lo usa.")
    )
    prefix = models.CharField(
        max_length=12, help_text=_("Inicio visible del token, para reconocerlo.")
    )
    digest = models.CharField(
        max_length=64, unique=True, help_text=_("SHA-256 del token; nunca el token.")
    )
    scopes = models.JSONField(
        _("alcances"), default=list, help_text=_("Lo que el token puede hacer.")
    )
    expires_at = models.DateTimeField(_("vence"), help_text=_("Después, se rechaza."))
    rate_limit_per_minute = models.PositiveIntegerField(
        _("solicitudes por minuto"),
        default=60,
        help_text=_("Más solicitudes en un minuto reciben 429."),
    )
    revoked_at = models.DateTimeField(
        _("revocado"), null=True, blank=True, help_text=_("Cuándo se revocó.")
    )
    last_used_at = models.DateTimeField(
        _("último uso"), null=True, blank=True, help_text=_("Último uso, al minuto.")
    )
    created_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Quién lo creó."),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("token de organización aliada")
        verbose_name_plural = _("tokens de organizaciones aliadas")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @property
    def active(self) -> bool:
        from django.utils import timezone

        return self.revoked_at is None and self.expires_at > timezone.now()


class OrganisationKey(BaseModel):
    """The organisation's escrow public key.

    Every report key routed to the organisation and every member's private key
    are also sealed to it, so the organisation can recover access when a member
    forgets a password or leaves. Its private half is shown once, as the
    organisation's recovery key, and never stored.
    """

    organisation = models.OneToOneField(
        Organisation,
        on_delete=models.CASCADE,
        related_name="escrow_key",
        help_text=_("Organización dueña de la llave de custodia."),
    )
    public_key = models.BinaryField(help_text=_("Llave pública Curve25519 (32 bytes)."))

    class Meta:
        verbose_name = _("llave de custodia")
        verbose_name_plural = _("llaves de custodia")

    def __str__(self) -> str:
        return f"escrow · {self.organisation}"


class UserKey(BaseModel):
    """A staff member's keypair; the private half only under their password."""

    user = models.OneToOneField(
        User,
        on_delete=models.CASCADE,
        related_name="key",
        help_text=_("Dueño de la llave."),
    )
    public_key = models.BinaryField(help_text=_("Llave pública Curve25519 (32 bytes)."))
    salt = models.BinaryField(help_text=_("Sal de Argon2id para la contraseña."))
    wrapped_private_key = models.BinaryField(
        help_text=_("Llave privada cifrada con una llave derivada de la contraseña.")
    )
    replace_at_login = models.BooleanField(
        default=False,
        help_text=_(
            "Una organización que ya no debe poder recuperarla tuvo una copia: se "
            "reemplaza en el próximo inicio de sesión y no recibe contenido nuevo."
        ),
    )

    class Meta:
        verbose_name = _("llave de usuario")
        verbose_name_plural = _("llaves de usuario")

    def __str__(self) -> str:
        return f"key · {self.user}"


class UserKeyEscrow(BaseModel):
    """A copy of a user's private key sealed to one organisation's escrow key."""

    user = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="key_escrows",
        help_text=_("Dueño de la llave."),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="user_key_escrows",
        help_text=_("Organización que puede recuperar la llave."),
    )
    public_key = models.BinaryField(
        help_text=_("Llave pública del usuario cuando se guardó esta copia.")
    )
    sealed_private_key = models.BinaryField(
        help_text=_("Llave privada del usuario sellada a la llave de custodia.")
    )

    class Meta:
        verbose_name = _("copia de custodia")
        verbose_name_plural = _("copias de custodia")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"], name="user_key_escrow_unique"
            )
        ]

    def __str__(self) -> str:
        return f"escrow copy · {self.user} · {self.organisation}"


# --- What cached reads of accounts depend on ------------------------------------------
#
# Reads made on every request (a token's user and memberships, the public keys a
# new report is sealed to) are kept in the shared cache together with the value
# of one counter, and are good only while the counter has not moved. Any saved or
# deleted row of these models moves it, whatever made the change (services, the
# admin, a shell), at once and again after commit, so a reader that loaded the
# old rows just before the commit cannot leave them in the cache. Revoking a
# token or a membership, deactivating a user or an organisation, or replacing a
# key is therefore seen by every process on its next request.

ACCOUNTS_VERSION_KEY = "accounts:version"


def accounts_changed() -> None:
    from django.db import transaction

    from remedia.core.cache import version_bump

    # At once and again after the commit: a reader in between would cache
    # what it read before the commit under the first bump.
    version_bump(ACCOUNTS_VERSION_KEY)
    transaction.on_commit(lambda: version_bump(ACCOUNTS_VERSION_KEY))


def _accounts_row_changed(**_kwargs: object) -> None:
    accounts_changed()


for _model in (
    Organisation,
    User,
    Membership,
    ApiToken,
    PartnerToken,
    OrganisationKey,
    UserKey,
):
    models.signals.post_save.connect(
        _accounts_row_changed, sender=_model, dispatch_uid=f"accounts-cache-{_model}"
    )
    models.signals.post_delete.connect(
        _accounts_row_changed, sender=_model, dispatch_uid=f"accounts-cache-{_model}"
    )
