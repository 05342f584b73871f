from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "remedia.accounts"
    label = "accounts"
    verbose_name = "Cuentas"
