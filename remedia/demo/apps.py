from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for every capability; sits above all other apps and imports them."""

    name = "remedia.demo"
    label = "demo"
    verbose_name = "Demo"
