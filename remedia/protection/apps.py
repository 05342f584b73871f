from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProtectionConfig(AppConfig):
    name = "remedia.protection"
    label = "protection"
    verbose_name = _("Protección")

    def ready(self) -> None:
        from remedia.cases.hooks import case_section_register
        from remedia.core.hooks import (
            reference_kind_register,
            staff_nav_register,
            waiting_register,
        )
        from remedia.intake.hooks import staff_report_section_register
        from remedia.protection import alerts, receivers, screening_alerts
        from remedia.protection.hooks import file_section_register
        from remedia.protection.panels import (
            screening_case_section,
            screening_file_section,
            screening_report_section,
            screenings_nav,
        )
        from remedia.protection.selectors.directory import PathwayServices
        from remedia.protection.views.consent import consent_section
        from remedia.protection.views.directory import services_nav
        from remedia.protection.views.export import export_nav
        from remedia.protection.views.files import protection_nav
        from remedia.protection.views.referrals import (
            referral_section,
            referrals_nav,
            referrals_waiting,
        )

        alerts.register()
        staff_nav_register(protection_nav)
        file_section_register(consent_section)
        file_section_register(referral_section)
        staff_nav_register(referrals_nav)
        waiting_register(referrals_waiting)
        staff_nav_register(services_nav)
        # Protection leads reach the de-identified export from the menu.
        staff_nav_register(export_nav)
        # Screenings: opened by the intake's and cases' signals, announced,
        # and shown on the report, case and file pages.
        receivers.connect()
        screening_alerts.register()
        staff_nav_register(screenings_nav)
        staff_report_section_register(screening_report_section)
        case_section_register(screening_case_section)
        file_section_register(screening_file_section)
        # Coordination's plan actions point at a service of the referral
        # pathway by id (coordination may not import protection).
        reference_kind_register(PathwayServices())
        # Its kinds of personal data under retention (core.retention).
        from remedia.protection import retention

        retention.register()
