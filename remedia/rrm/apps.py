from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RrmConfig(AppConfig):
    name = "remedia.rrm"
    label = "rrm"
    verbose_name = _("Mecanismo Laboral de Respuesta Rápida")

    def ready(self) -> None:
        from remedia.cases.hooks import escalation_receiver_register
        from remedia.core.hooks import staff_nav_register, waiting_register
        from remedia.facilities.hooks import facility_section_register
        from remedia.rrm import alerts
        from remedia.rrm.facility_sections import facility_petitions_section
        from remedia.rrm.services import escalation_receive
        from remedia.rrm.staff_views import petitions_nav, petitions_waiting

        escalation_receiver_register(escalation_receive)
        staff_nav_register(petitions_nav)
        waiting_register(petitions_waiting)
        alerts.register()
        facility_section_register(facility_petitions_section)
        # Its kinds of personal data under retention (core.retention).
        from remedia.rrm import retention

        retention.register()
