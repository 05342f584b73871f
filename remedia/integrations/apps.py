from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "remedia.integrations"
    label = "integrations"
    verbose_name = _("Integraciones")

    def ready(self) -> None:
        from remedia.core.hooks import staff_nav_register
        from remedia.integrations import (  # noqa: F401
            alerts,
            jobs,
            receivers,
            retention,
            tasks,
        )
        from remedia.integrations.views import integrations_nav

        receivers.connect()
        alerts.register()
        retention.register()
        staff_nav_register(integrations_nav)
