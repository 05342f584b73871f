from django.urls import path

from remedia.rrm import views

app_name = "rrm"

# The fixed pages come before the case pages: "plazos" and "cifras" would
# otherwise read as case slugs.
urlpatterns = [
    path("", views.rrm_case_list_view, name="list"),
    path("plazos/", views.rrm_agenda_view, name="agenda"),
    path("plazos.ics", views.rrm_agenda_ics_view, name="agenda_ics"),
    path("cifras/", views.rrm_figures_view, name="figures"),
    path("<slug:slug>/", views.rrm_case_detail_view, name="detail"),
]
