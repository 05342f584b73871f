from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "remedia.training"
    label = "training"
    verbose_name = _("Capacitación")

    def ready(self) -> None:
        from remedia.core.hooks import staff_nav_register
        from remedia.facilities.hooks import facility_section_register
        from remedia.training.views import facility_training_section, training_nav

        staff_nav_register(training_nav)
        # The facility page shows the coverage per role of the sessions held there.
        facility_section_register(facility_training_section)
