from django.urls import path

from remedia.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("enrol/", views.enrol_view, name="enrol"),
    path("recovery-codes/", views.recovery_codes_view, name="recovery_codes"),
    path("account/", views.account_view, name="account"),
    path("account/password/", views.password_view, name="password"),
    path("account/tokens/", views.tokens_view, name="tokens"),
    path("retencion/", views.retention_view, name="retention"),
    path("auditoria/", views.audit_log_view, name="audit_log"),
    path("", views.home_view, name="home"),
]
