from django.urls import path

from remedia.rrm import views

app_name = "rrm"

urlpatterns = [
    path("", views.rrm_case_list_view, name="list"),
    path("<slug:slug>/", views.rrm_case_detail_view, name="detail"),
]
