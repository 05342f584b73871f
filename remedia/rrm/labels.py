"""The words the public pages, the drawings and the calendar use for steps and statuses."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

STEP_LABELS = {
    "ilc_determination": _("Determinación del ILC"),
    "review_acceptance": _("Aceptación de la revisión"),
    "review": _("Revisión"),
    "remediation_consultation": _("Consulta sobre la reparación"),
}
# The two deadlines staff also track on a petition (selectors.staff_steps),
# outside the ``rrm-timeline`` contract.
STAFF_STEP_LABELS = {
    "remediation_verification": _("Verificación del curso de reparación"),
    "panel_confirmation": _("Confirmación de la petición por el panel"),
}
STATUS_LABELS = {
    "met": _("cumplido"),
    "late": _("tardío"),
    "done_undated": _("hecho, sin fecha"),
    "pending": _("pendiente"),
    "overdue": _("vencido"),
}


def step_label(step: str) -> str:
    return str(STEP_LABELS.get(step, step))


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))
