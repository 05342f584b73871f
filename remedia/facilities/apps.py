from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FacilitiesConfig(AppConfig):
    name = "remedia.facilities"
    label = "facilities"
    verbose_name = _("Centros de trabajo")

    def ready(self) -> None:
        from remedia.core.hooks import home_panel_register, staff_nav_register
        from remedia.facilities.panels import facilities_nav, import_panel

        staff_nav_register(facilities_nav)
        home_panel_register(import_panel)
        # Its kinds of personal data under retention (core.retention).
        from remedia.facilities import retention

        retention.register()
