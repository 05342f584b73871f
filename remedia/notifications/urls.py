from django.urls import path

from remedia.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list_view, name="list"),
    path("leer-todo/", views.notification_read_all_view, name="read_all"),
    path("preferencias/", views.preferences_view, name="preferences"),
    path("<uuid:notification_id>/leido/", views.notification_read_view, name="read"),
]
