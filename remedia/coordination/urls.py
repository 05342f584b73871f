"""Staff pages of coordination (mounted at /staff/coordinacion/; "coordination")."""

from __future__ import annotations

from django.urls import URLPattern, path

from remedia.coordination.views import (
    actions,
    groups,
    indicators,
    pages,
    plans,
    updates,
)

app_name = "coordination"

urlpatterns: list[URLPattern] = [
    path("", pages.home_view, name="home"),
    path("grupos/<uuid:group_id>/", pages.group_detail_view, name="group"),
    path("plan/<int:year>/", pages.plan_view, name="plan"),
    path("acciones/<uuid:action_id>/", pages.action_detail_view, name="action"),
    path(
        "acciones/<uuid:action_id>/situacion/",
        pages.action_status_view,
        name="action_status",
    ),
    path(
        "acciones/<uuid:action_id>/avances/",
        pages.update_submit_view,
        name="update_submit",
    ),
    path(
        "avances/<uuid:update_id>/revision/",
        pages.update_review_view,
        name="update_review",
    ),
    # Keeping the plan (coordinators), drafts and evidence (issue 17).
    path("grupos/nuevo/", groups.group_create_view, name="group_create"),
    path("grupos/<uuid:group_id>/editar/", groups.group_edit_view, name="group_edit"),
    path(
        "grupos/<uuid:group_id>/integrantes/",
        groups.member_add_view,
        name="member_add",
    ),
    path(
        "grupos/<uuid:group_id>/integrantes/<uuid:member_id>/quitar/",
        groups.member_remove_view,
        name="member_remove",
    ),
    path("plan/nuevo/", plans.plan_create_view, name="plan_create"),
    path(
        "plan/<int:year>/objetivos/nuevo/",
        plans.objective_create_view,
        name="objective_create",
    ),
    path(
        "objetivos/<uuid:objective_id>/editar/",
        plans.objective_edit_view,
        name="objective_edit",
    ),
    path(
        "plan/<int:year>/acciones/nuevo/",
        actions.action_create_view,
        name="action_create",
    ),
    path(
        "acciones/<uuid:action_id>/editar/",
        actions.action_edit_view,
        name="action_edit",
    ),
    path(
        "acciones/<uuid:action_id>/indicadores/nuevo/",
        indicators.indicator_create_view,
        name="indicator_create",
    ),
    path(
        "indicadores/<uuid:indicator_id>/editar/",
        indicators.indicator_edit_view,
        name="indicator_edit",
    ),
    path(
        "indicadores/<uuid:indicator_id>/periodos/nuevo/",
        indicators.period_create_view,
        name="period_create",
    ),
    path(
        "periodos/<uuid:period_id>/editar/",
        indicators.period_edit_view,
        name="period_edit",
    ),
    path(
        "periodos/<uuid:period_id>/borrar/",
        indicators.period_delete_view,
        name="period_delete",
    ),
    path(
        "avances/<uuid:update_id>/corregir/",
        updates.update_edit_view,
        name="update_edit",
    ),
    path(
        "avances/<uuid:update_id>/descartar/",
        updates.update_discard_view,
        name="update_discard",
    ),
    path(
        "evidencias/<uuid:evidence_id>/",
        updates.evidence_view,
        name="evidence",
    ),
]
