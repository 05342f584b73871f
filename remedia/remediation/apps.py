from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemediationConfig(AppConfig):
    name = "remedia.remediation"
    label = "remediation"
    verbose_name = _("Remediación")

    def ready(self) -> None:
        from remedia.core.hooks import staff_nav_register, waiting_register
        from remedia.facilities.hooks import facility_section_register
        from remedia.intake.hooks import sms_handler_register
        from remedia.remediation import alerts, training
        from remedia.remediation.facility_sections import facility_courses_section
        from remedia.remediation.sanctions_views import (
            sanctions_course_section,
            sanctions_home_section,
            sanctions_measure_section,
        )
        from remedia.remediation.survey_sms import sms_turn
        from remedia.remediation.survey_views import (
            survey_measure_section,
            surveys_waiting,
        )
        from remedia.remediation.timeline import measure_timeline_section
        from remedia.remediation.training_views import (
            training_course_section,
            training_measure_section,
        )
        from remedia.remediation.views import (
            course_section_register,
            courses_nav,
            courses_waiting,
            measure_section_register,
        )
        from remedia.training.hooks import home_section_register

        staff_nav_register(courses_nav)
        waiting_register(courses_waiting)
        waiting_register(surveys_waiting)
        alerts.register()
        # Training (a lower app) asks who reads a facility's roster and what a
        # session counts for: the courses of remediation answer both.
        training.register()
        home_section_register(sanctions_home_section)
        # The course and measure pages show what the other parts add to them.
        course_section_register(
            training_course_section, tab="capacitacion", label=_("Capacitación")
        )
        course_section_register(
            sanctions_course_section, tab="sanciones", label=_("Sanciones")
        )
        measure_section_register(survey_measure_section)
        measure_section_register(training_measure_section)
        measure_section_register(sanctions_measure_section)
        # Last on the measure page: its timeline (timeline.py).
        measure_section_register(measure_timeline_section)
        facility_section_register(facility_courses_section)
        # The petition page's course tab lists the courses that follow it.
        from remedia.remediation.petition_sections import petition_courses_section
        from remedia.rrm.hooks import petition_section_register

        petition_section_register(petition_courses_section)
        # Workers answer verification surveys on the intake's SMS line too.
        sms_handler_register("survey", sms_turn)
        # Its kinds of personal data under retention (core.retention).
        from remedia.remediation import retention

        retention.register()
