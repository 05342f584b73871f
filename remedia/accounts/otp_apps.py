"""django-otp's apps with names in the reader's language.

django-otp names its apps by their labels ("OTP_STATIC" in the admin) and
its models with plain English strings ("TOTP devices") that no catalogue
translates. These configs, listed in INSTALLED_APPS instead of django-otp's
own, give both a translatable name; the labels and tables stay django-otp's.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.apps import DefaultConfig as StaticDefault
from django_otp.plugins.otp_totp.apps import DefaultConfig as TotpDefault


class TotpConfig(TotpDefault):
    verbose_name = _("Segundo factor: aplicaciones de códigos")

    def ready(self) -> None:
        super().ready()
        model = self.get_model("TOTPDevice")
        model._meta.verbose_name = _("aplicación de códigos (TOTP)")
        model._meta.verbose_name_plural = _("aplicaciones de códigos (TOTP)")


class StaticConfig(StaticDefault):
    verbose_name = _("Segundo factor: códigos de recuperación")

    def ready(self) -> None:
        super().ready()
        device = self.get_model("StaticDevice")
        device._meta.verbose_name = _("juego de códigos de recuperación")
        device._meta.verbose_name_plural = _("juegos de códigos de recuperación")
        token = self.get_model("StaticToken")
        token._meta.verbose_name = _("código de recuperación")
        token._meta.verbose_name_plural = _("códigos de recuperación")
