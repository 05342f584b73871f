"""The fixed catalogue of event types an endpoint may subscribe to.

Every payload is thin (Standard Webhooks' advice for sensitive data): the
event's `type`, its `timestamp` and, under `data`, ids and states only. No
report's content, no note, no name or contact of a person ever leaves
Remedia through a webhook; the receiver asks the API for more with its own
token, where the usual rights apply.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    REPORT_ROUTED = "report.routed", _("Denuncia turnada a la organización")
    CASE_STATUS_CHANGED = "case.status_changed", _("Cambio de estado de un caso")
    PETITION_STEP_DUE = "petition.step_due", _("Paso de una petición por vencer")
    PETITION_STEP_DONE = "petition.step_done", _("Paso de una petición cumplido")
    COURSE_STATUS_CHANGED = (
        "course.status_changed",
        _("Cambio de estado de un plan de remediación"),
    )
    MEASURE_STATUS_CHANGED = (
        "measure.status_changed",
        _("Cambio de estado de una medida de remediación"),
    )
    FACILITY_CREATED = "facility.created", _("Centro de trabajo registrado")
    FACILITY_MERGED = "facility.merged", _("Centros de trabajo fusionados")
    REFERRAL_STATE_CHANGED = (
        "referral.state_changed",
        _("Cambio de estado de una canalización"),
    )


# The keys `data` may carry, per type: the payload test holds every sent
# payload to these, so nothing else can slip in.
DATA_KEYS: dict[str, frozenset[str]] = {
    EventType.REPORT_ROUTED: frozenset({"report_id", "organisation_id"}),
    EventType.CASE_STATUS_CHANGED: frozenset({"case_id", "from", "to"}),
    EventType.PETITION_STEP_DUE: frozenset({"petition_id", "step", "due"}),
    EventType.PETITION_STEP_DONE: frozenset({"petition_id", "from", "to", "on"}),
    EventType.COURSE_STATUS_CHANGED: frozenset({"course_id", "status"}),
    EventType.MEASURE_STATUS_CHANGED: frozenset(
        {"course_id", "measure_id", "from", "to"}
    ),
    EventType.FACILITY_CREATED: frozenset({"facility_id"}),
    EventType.FACILITY_MERGED: frozenset({"facility_id", "merged_id"}),
    EventType.REFERRAL_STATE_CHANGED: frozenset({"referral_id", "status"}),
}
