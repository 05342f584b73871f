from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "remedia.intake"
    label = "intake"
    verbose_name = _("Denuncias")

    def ready(self) -> None:
        from remedia.core.hooks import (
            home_panel_register,
            staff_nav_register,
            waiting_register,
        )
        from remedia.facilities.hooks import facility_section_register
        from remedia.facilities.signals import facility_merged
        from remedia.intake import checks  # noqa: F401  (registers system checks)
        from remedia.intake.channels.email import reply_deliver as email_reply_deliver
        from remedia.intake.channels.outbound import reply_deliver
        from remedia.intake.hooks import reply_deliverer_register
        from remedia.intake.models import Channel
        from remedia.intake.panels import (
            facility_reports_section,
            inbox_nav,
            inbox_panel,
            inbox_waiting,
            routing_panel,
        )
        from remedia.intake.receivers import reports_follow_facility_merge

        # Handler replies leave by SMS or WhatsApp to workers who chose to hear back.
        reply_deliverer_register(Channel.SMS, reply_deliver)
        reply_deliverer_register(Channel.WHATSAPP, reply_deliver)
        # ... and by email to workers who wrote by email (channels/email.py).
        reply_deliverer_register(Channel.EMAIL, email_reply_deliver)
        staff_nav_register(inbox_nav)
        home_panel_register(inbox_panel)
        waiting_register(inbox_waiting)
        home_panel_register(routing_panel)
        facility_section_register(facility_reports_section)
        facility_merged.connect(
            reports_follow_facility_merge, dispatch_uid="intake.reports_follow_merge"
        )
        # Its kinds of personal data under retention (core.retention).
        from remedia.intake import retention

        retention.register()
        # The inbox as a file, made by a job (core.exports).
        from remedia.intake import exports

        exports.register()
