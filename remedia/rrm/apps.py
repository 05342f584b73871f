from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RrmConfig(AppConfig):
    name = "remedia.rrm"
    label = "rrm"
    verbose_name = _("Mecanismo Laboral de Respuesta Rápida")
