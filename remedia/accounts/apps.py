from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "remedia.accounts"
    label = "accounts"
    verbose_name = _("Cuentas")

    def ready(self) -> None:
        from remedia.accounts.selectors import user_can
        from remedia.core.kit import capability_check_register

        capability_check_register(user_can)
        from remedia.accounts.views import audit_log_nav
        from remedia.core.hooks import staff_nav_register

        staff_nav_register(audit_log_nav)
        # Its kinds of personal data under retention (core.retention).
        from remedia.accounts import retention

        retention.register()
