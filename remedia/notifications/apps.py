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
        # Its kinds of personal data under retention (core.retention).
        from remedia.notifications import retention

        retention.register()
