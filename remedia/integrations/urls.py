from django.urls import path

from remedia.integrations import views

app_name = "integrations"

urlpatterns = [
    path("webhooks/", views.endpoint_list_view, name="endpoint_list"),
    path("webhooks/nuevo/", views.endpoint_create_view, name="endpoint_create"),
    path(
        "webhooks/<uuid:endpoint_id>/",
        views.endpoint_detail_view,
        name="endpoint_detail",
    ),
    path(
        "webhooks/<uuid:endpoint_id>/editar/",
        views.endpoint_update_view,
        name="endpoint_update",
    ),
    path(
        "webhooks/<uuid:endpoint_id>/eliminar/",
        views.endpoint_delete_view,
        name="endpoint_delete",
    ),
    path(
        "webhooks/<uuid:endpoint_id>/rotar/",
        views.endpoint_rotate_view,
        name="endpoint_rotate",
    ),
    path(
        "webhooks/entregas/<uuid:delivery_id>/reenviar/",
        views.delivery_redeliver_view,
        name="delivery_redeliver",
    ),
]
