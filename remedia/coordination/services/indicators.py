"""Indicators of an action and their periods: coordinators keep them.

Numbers are enforced (the thing RSR's users asked for most): a target of a
quantitative indicator is a number ("N/A" or "yes" is refused), a
percentage lies between 0 and 100, and a period's end is not before its start.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import User
from remedia.coordination.models import (
    Action,
    Frequency,
    Indicator,
    IndicatorKind,
    IndicatorPeriod,
    IndicatorUnit,
)
from remedia.coordination.services._common import (
    audit,
    choice,
    date_parse,
    number_parse,
    refuse,
    writer_require,
)
from remedia.core.kit import full_clean, invalid, text_field

YEAR_MIN = 2000
YEAR_MAX = 2100


@transaction.atomic
def indicator_create(*, user: User, action: Action, data: dict[str, Any]) -> Indicator:
    writer_require(user)
    errors: list[dict[str, Any]] = []
    name = text_field(
        data.get("name"), field="name", limit=300, required=True, errors=errors
    )
    kind = choice(
        data.get("kind"),
        choices=list(IndicatorKind.values),
        field="kind",
        errors=errors,
        default=IndicatorKind.QUANTITATIVE,
    )
    unit = choice(
        data.get("unit"),
        choices=list(IndicatorUnit.values),
        field="unit",
        errors=errors,
        default=IndicatorUnit.NUMBER,
    )
    frequency = choice(
        data.get("frequency"),
        choices=list(Frequency.values),
        field="frequency",
        errors=errors,
        default=Frequency.QUARTERLY,
    )
    baseline = number_parse(
        data.get("baseline_value"),
        field="baseline_value",
        errors=errors,
        percent=unit == IndicatorUnit.PERCENT,
    )
    year = data.get("baseline_year")
    baseline_year = None
    if year not in (None, ""):
        try:
            baseline_year = int(year)
        except (TypeError, ValueError):
            baseline_year = 0
        if isinstance(year, bool) or not YEAR_MIN <= baseline_year <= YEAR_MAX:
            errors.append(
                {
                    "field": "baseline_year",
                    "reason": _("Escriba un año entre 2000 y 2100."),
                }
            )
    refuse(errors)
    if kind == IndicatorKind.QUALITATIVE and baseline is not None:
        raise invalid(
            "baseline_value", _("Un indicador cualitativo no lleva valor numérico.")
        )
    indicator = Indicator(
        action=action,
        name=name,
        kind=kind,
        unit=unit,
        frequency=frequency,
        baseline_value=baseline,
        baseline_year=baseline_year,
    )
    full_clean(indicator)
    indicator.save()
    audit("indicator_created", user=user, obj=indicator, action_id=action.pk)
    return indicator


@transaction.atomic
def period_create(
    *, user: User, indicator: Indicator, data: dict[str, Any]
) -> IndicatorPeriod:
    """A reporting period with its target (a number for a quantitative indicator)."""
    writer_require(user)
    errors: list[dict[str, Any]] = []
    starts = date_parse(data.get("starts_on"), field="starts_on", errors=errors)
    ends = date_parse(data.get("ends_on"), field="ends_on", errors=errors)
    target = number_parse(
        data.get("target"),
        field="target",
        errors=errors,
        percent=indicator.unit == IndicatorUnit.PERCENT,
    )
    refuse(errors)
    if starts is None or ends is None:  # refused above; said for the type checker
        raise invalid("starts_on", _("Escriba la fecha."))
    if indicator.quantitative and target is None:
        raise invalid("target", _("Escriba la meta del periodo, con número."))
    if not indicator.quantitative and target is not None:
        raise invalid("target", _("Un indicador cualitativo no lleva meta numérica."))
    if ends < starts:
        raise invalid(
            "ends_on", _("El fin del periodo no puede ser anterior al inicio.")
        )
    if indicator.periods.filter(starts_on__lte=ends, ends_on__gte=starts).exists():
        raise invalid("starts_on", _("El periodo se cruza con otro del indicador."))
    period = IndicatorPeriod(
        indicator=indicator, starts_on=starts, ends_on=ends, target=target
    )
    full_clean(period)
    period.save()
    audit("period_created", user=user, obj=period, indicator=indicator.pk)
    return period
