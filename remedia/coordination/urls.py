"""Staff pages of coordination (mounted at /staff/coordinacion/; "coordination")."""

from __future__ import annotations

from django.urls import URLPattern, path

from remedia.coordination.views import (
    action_list,
    actions,
    groups,
    indicators,
    meetings,
    pages,
    plans,
    progress,
    updates,
)

app_name = "coordination"

urlpatterns: list[URLPattern] = [
    path("", pages.home_view, name="home"),
    path("grupos/<uuid:group_id>/", pages.group_detail_view, name="group"),
    path("plan/<int:year>/", pages.plan_view, name="plan"),
    path("acciones/", action_list.action_list_view, name="actions"),
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
    # Meetings of the work groups (views/meetings.py).
    path("reuniones/", meetings.meeting_list_view, name="meetings"),
    path("reuniones/nueva/", meetings.meeting_new_view, name="meeting_new"),
    path(
        "reuniones/<uuid:meeting_id>/",
        meetings.meeting_detail_view,
        name="meeting",
    ),
    path(
        "reuniones/<uuid:meeting_id>/datos/",
        meetings.meeting_edit_view,
        name="meeting_edit",
    ),
    path(
        "reuniones/<uuid:meeting_id>/minuta/",
        meetings.meeting_minutes_view,
        name="meeting_minutes",
    ),
    path(
        "reuniones/<uuid:meeting_id>/cerrar/",
        meetings.meeting_close_view,
        name="meeting_close",
    ),
    path(
        "reuniones/<uuid:meeting_id>/minuta.pdf",
        meetings.minutes_pdf_view,
        name="meeting_pdf",
    ),
    path(
        "reuniones/<uuid:meeting_id>/participantes/",
        meetings.participant_add_view,
        name="meeting_participant_add",
    ),
    path(
        "reuniones/<uuid:meeting_id>/participantes/quitar/",
        meetings.participant_remove_view,
        name="meeting_participant_remove",
    ),
    path(
        "reuniones/<uuid:meeting_id>/asistencia/",
        meetings.attendance_view,
        name="meeting_attendance",
    ),
    path(
        "reuniones/<uuid:meeting_id>/puntos/",
        meetings.item_add_view,
        name="meeting_item_add",
    ),
    path(
        "reuniones/<uuid:meeting_id>/puntos/orden/",
        meetings.items_reorder_view,
        name="meeting_items_reorder",
    ),
    path(
        "reuniones/puntos/<uuid:item_id>/editar/",
        meetings.item_edit_view,
        name="meeting_item_edit",
    ),
    path(
        "reuniones/puntos/<uuid:item_id>/accion/nueva/",
        meetings.item_action_view,
        name="meeting_item_action",
    ),
]

# A plan's progress, its 4W view and its documents (issue 17, item 5).
urlpatterns += [
    path("plan/<int:year>/avance/", progress.progress_view, name="plan_progress"),
    path("plan/<int:year>/4w/", progress.fourw_view, name="plan_fourw"),
    path("plan/<int:year>/plan.pdf", progress.plan_pdf_view, name="plan_pdf"),
    path("plan/<int:year>/plan.xlsx", progress.plan_xlsx_view, name="plan_xlsx"),
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
