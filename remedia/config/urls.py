from django.contrib import admin
from django.urls import include, path

from remedia.config.api import api
from remedia.core import views as core_views

admin.site.site_header = "Remedia"
admin.site.site_title = "Remedia"

urlpatterns = [
    path("", core_views.start_view, name="start"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("remedia.intake.urls")),
    path("seguimiento/represalias/", include("remedia.cases.reporter_urls")),
    path("rrm/", include("remedia.rrm.urls")),
    path("encuesta/", include("remedia.remediation.survey_urls")),
    path("staff/facilities/", include("remedia.facilities.urls")),
    path("staff/cases/", include("remedia.cases.urls")),
    path("staff/rrm/", include("remedia.rrm.staff_urls")),
    # Training kept the path it had inside remediation's pages.
    path("staff/remediation/training/", include("remedia.training.urls")),
    path("staff/remediation/", include("remedia.remediation.staff_urls")),
    path("staff/notificaciones/", include("remedia.notifications.urls")),
    path("staff/proteccion/", include("remedia.protection.urls")),
    path("staff/coordinacion/", include("remedia.coordination.urls")),
    path("staff/cifras/", include("remedia.analytics.urls")),
    path("cifras/", include("remedia.analytics.public_urls")),
    path("staff/exportaciones/", include("remedia.core.export_urls")),
    path("staff/integraciones/", include("remedia.integrations.urls")),
    path("staff/", include("remedia.accounts.urls")),
    path("staff/admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("hooks/", include("remedia.intake.channels.urls")),
    path("healthz", core_views.health_view, name="health"),
    path("readyz", core_views.ready_view, name="ready"),
    path("metrics", core_views.metrics_view, name="metrics"),
    # Browsers and feed readers ask for /favicon.ico whatever the page says.
    path("favicon.ico", core_views.favicon_view, name="favicon"),
]

handler400 = "remedia.core.views.bad_request_view"
handler403 = "remedia.core.views.forbidden_view"
handler404 = "remedia.core.views.not_found_view"
handler500 = "remedia.core.views.server_error_view"
