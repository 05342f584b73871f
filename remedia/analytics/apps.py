from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "remedia.analytics"
    label = "analytics"
    verbose_name = _("Cifras")

    def ready(self) -> None:
        from remedia.analytics.panels import analytics_nav, analytics_panel
        from remedia.core.hooks import home_panel_register, staff_nav_register

        staff_nav_register(analytics_nav)
        home_panel_register(analytics_panel)
