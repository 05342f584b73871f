from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "remedia.core"
    label = "core"
    verbose_name = "Remedia core"
