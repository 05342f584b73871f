from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "remedia.intake"
    label = "intake"
    verbose_name = "Denuncias"

    def ready(self) -> None:
        from remedia.core.hooks import home_panel_register, staff_nav_register
        from remedia.intake import checks  # noqa: F401  (registers system checks)
        from remedia.intake.panels import inbox_nav, inbox_panel, routing_panel

        staff_nav_register(inbox_nav)
        home_panel_register(inbox_panel)
        home_panel_register(routing_panel)
