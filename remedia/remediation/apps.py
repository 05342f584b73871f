from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemediationConfig(AppConfig):
    name = "remedia.remediation"
    label = "remediation"
    verbose_name = _("Remediación")
