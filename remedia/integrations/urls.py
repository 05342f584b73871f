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
    path("tokens/", views.partner_token_list_view, name="partner_token_list"),
    path("tokens/nuevo/", views.partner_token_create_view, name="partner_token_create"),
    path(
        "tokens/<uuid:token_id>/revocar/",
        views.partner_token_revoke_view,
        name="partner_token_revoke",
    ),
]
