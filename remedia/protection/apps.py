from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProtectionConfig(AppConfig):
    name = "remedia.protection"
    label = "protection"
    verbose_name = _("Protección")

    def ready(self) -> None:
        from remedia.core.hooks import staff_nav_register
        from remedia.protection.views.files import protection_nav

        staff_nav_register(protection_nav)
