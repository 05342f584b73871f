from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "remedia.notifications"
    label = "notifications"
    verbose_name = _("Avisos")

    def ready(self) -> None:
        from remedia.notifications import digest, receivers

        digest.register()
        receivers.connect()
