"""A measure's timeline as people read it: the measure page's section
(registered in ``RemediationConfig.ready``) and each event's line of text.

The events come from ``selectors.measure_timeline``, so a compliance officer
gets no monitor-only event; the lines say only what the payloads hold
(statuses, field names, a file's type), never a note or a reason.
"""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from remedia.remediation import selectors
from remedia.remediation.models import (
    EvidenceStatus,
    Measure,
    MeasureEvent,
    MeasureEventKind,
    MeasureStatus,
    MeasureType,
)


def _label(choices: type[MeasureStatus] | type[MeasureType], value: object) -> str:
    return str(choices(value).label) if value in choices.values else str(value)


def _field_name(name: str) -> str:
    try:
        field = Measure._meta.get_field(name)
    except FieldDoesNotExist:
        return name
    return str(getattr(field, "verbose_name", name))


def event_label(event: MeasureEvent) -> str:
    """The kind's name in the active language (the raw kind if unknown)."""
    return str(event.get_kind_display())


def event_text(event: MeasureEvent) -> str:
    """What changed, in one line; "" when the kind's name says it all."""
    data = event.data or {}
    kind = event.kind
    if kind == MeasureEventKind.CREATED:
        return _("Medida %(n)s: %(type)s.") % {
            "n": data.get("position", "?"),
            "type": _label(MeasureType, data.get("type")),
        }
    if kind == MeasureEventKind.UPDATED:
        return _("Cambió: %(fields)s.") % {
            "fields": ", ".join(_field_name(f) for f in data.get("fields", []))
        }
    if kind == MeasureEventKind.STATUS_CHANGED:
        values = {
            "from": _label(MeasureStatus, data.get("from")),
            "to": _label(MeasureStatus, data.get("to")),
        }
        if data.get("by_evidence"):
            return (
                _("De «%(from)s» a «%(to)s», al recibir la primera evidencia.") % values
            )
        return _("De «%(from)s» a «%(to)s».") % values
    if kind == MeasureEventKind.EVIDENCE_SUBMITTED:
        return _("Archivo de tipo %(type)s.") % {"type": data.get("type", "")}
    if kind == MeasureEventKind.EVIDENCE_REVIEWED:
        if data.get("to") == EvidenceStatus.ACCEPTED:
            return _("Evidencia aceptada.")
        if data.get("to") == EvidenceStatus.REJECTED:
            return _("Evidencia rechazada.")
    return ""


def measure_timeline_section(request: HttpRequest, measure: Measure) -> str:
    """The measure page's "Historial": every event the viewer may see, oldest first."""
    rows = selectors.measure_timeline(viewer=request.user, measure=measure)
    return render_to_string(
        "remediation/measure_timeline.html",
        {"rows": [(event, event_label(event), event_text(event)) for event in rows]},
        request=request,
    )
