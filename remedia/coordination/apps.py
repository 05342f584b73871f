from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoordinationConfig(AppConfig):
    name = "remedia.coordination"
    label = "coordination"
    verbose_name = _("Coordinación")

    def ready(self) -> None:
        from remedia.coordination import alerts, training
        from remedia.coordination.views import coordination_nav
        from remedia.coordination.views.action_list import actions_waiting
        from remedia.core.hooks import staff_nav_register, waiting_register

        alerts.register()
        staff_nav_register(coordination_nav)
        waiting_register(actions_waiting)
        # Training (a lower app) asks what a session counts for: a year's plan.
        training.register()
        # Its kinds of personal data under retention (core.retention).
        from remedia.coordination import retention

        retention.register()
