from django.apps import AppConfig


class FacilitiesConfig(AppConfig):
    name = "remedia.facilities"
    label = "facilities"
    verbose_name = "Centros de trabajo"
