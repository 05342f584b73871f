from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "remedia.cases"
    label = "cases"
    verbose_name = _("Casos")

    def ready(self) -> None:
        from remedia.cases import alerts, receivers
        from remedia.cases.facility_sections import facility_cases_section
        from remedia.cases.panels import (
            cases_activity,
            cases_nav,
            cases_panel,
            cases_waiting,
            report_section,
            triage_nav,
        )
        from remedia.core.hooks import (
            home_panel_register,
            staff_nav_register,
            waiting_register,
        )
        from remedia.facilities.hooks import facility_section_register
        from remedia.intake.hooks import staff_report_section_register

        receivers.connect()
        alerts.register()
        staff_nav_register(triage_nav)
        staff_nav_register(cases_nav)
        home_panel_register(cases_panel)
        home_panel_register(cases_activity)
        waiting_register(cases_waiting)
        staff_report_section_register(report_section)
        facility_section_register(facility_cases_section)
        # Its kinds of personal data under retention (core.retention).
        from remedia.cases import retention

        retention.register()
        # The case list as a file, made by a job (core.exports).
        from remedia.cases import exports

        exports.register()
