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
from remedia.core.errors import InvalidInput
from remedia.core.kit import full_clean, invalid, model_update, text_field

YEAR_MIN = 2000
YEAR_MAX = 2100


def _indicator_fields(
    data: dict[str, Any], *, current: Indicator | None
) -> dict[str, Any]:
    """The fields of `data` (all of them for a new indicator), cleaned."""
    errors: list[dict[str, Any]] = []
    cleaned: dict[str, Any] = {}
    new = current is None
    if "name" in data or new:
        cleaned["name"] = text_field(
            data.get("name"), field="name", limit=300, required=True, errors=errors
        )
    for name, options, default in (
        ("kind", IndicatorKind, IndicatorKind.QUANTITATIVE),
        ("unit", IndicatorUnit, IndicatorUnit.NUMBER),
        ("frequency", Frequency, Frequency.QUARTERLY),
    ):
        if name in data or new:
            cleaned[name] = choice(
                data.get(name),
                choices=list(options.values),
                field=name,
                errors=errors,
                default=default,
            )
    unit = cleaned.get("unit", current.unit if current else IndicatorUnit.NUMBER)
    kind = cleaned.get("kind", current.kind if current else IndicatorKind.QUANTITATIVE)
    if "baseline_value" in data or new:
        cleaned["baseline_value"] = number_parse(
            data.get("baseline_value"),
            field="baseline_value",
            errors=errors,
            percent=unit == IndicatorUnit.PERCENT,
        )
    if "baseline_year" in data or new:
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
        cleaned["baseline_year"] = baseline_year
    refuse(errors)
    baseline = cleaned.get(
        "baseline_value", current.baseline_value if current else None
    )
    if kind == IndicatorKind.QUALITATIVE and baseline is not None:
        raise invalid(
            "baseline_value", _("Un indicador cualitativo no lleva valor numérico.")
        )
    return cleaned


@transaction.atomic
def indicator_create(*, user: User, action: Action, data: dict[str, Any]) -> Indicator:
    writer_require(user)
    indicator = Indicator(action=action, **_indicator_fields(data, current=None))
    full_clean(indicator)
    indicator.save()
    audit("indicator_created", user=user, obj=indicator, action_id=action.pk)
    return indicator


@transaction.atomic
def indicator_update(
    *, user: User, indicator: Indicator, data: dict[str, Any]
) -> Indicator:
    """Change an indicator; its kind and unit only while it has no period (its
    targets and figures were set in them)."""
    writer_require(user)
    indicator = Indicator.objects.select_for_update().get(pk=indicator.pk)
    cleaned = _indicator_fields(data, current=indicator)
    moved = [
        name
        for name in ("kind", "unit")
        if name in cleaned and cleaned[name] != getattr(indicator, name)
    ]
    if moved and indicator.periods.exists():
        raise InvalidInput(
            [
                {
                    "field": name,
                    "reason": _(
                        "El indicador ya tiene periodos con metas: su tipo y su "
                        "unidad no cambian."
                    ),
                }
                for name in moved
            ]
        )
    indicator, changed = model_update(
        instance=indicator, fields=list(cleaned), data=cleaned
    )
    if changed:
        audit(
            "indicator_changed",
            user=user,
            obj=indicator,
            fields=",".join(sorted(cleaned)),
        )
    return indicator


def _period_fields(
    indicator: Indicator, data: dict[str, Any], *, current: IndicatorPeriod | None
) -> dict[str, Any]:
    errors: list[dict[str, Any]] = []
    starts = date_parse(data.get("starts_on"), field="starts_on", errors=errors)
    ends = date_parse(data.get("ends_on"), field="ends_on", errors=errors)
    target = number_parse(
        data.get("target"),
        field="target",
        errors=errors,
        percent=indicator.unit == IndicatorUnit.PERCENT,
    )
    if (
        indicator.quantitative
        and target is None
        and not any(e["field"] == "target" for e in errors)
    ):
        errors.append(
            {
                "field": "target",
                "reason": _("Escriba la meta del periodo, con número."),
            }
        )
    if not indicator.quantitative and data.get("target") not in (None, ""):
        errors.append(
            {
                "field": "target",
                "reason": _("Un indicador cualitativo no lleva meta numérica."),
            }
        )
    if starts and ends and ends < starts:
        errors.append(
            {
                "field": "ends_on",
                "reason": _("El fin del periodo no puede ser anterior al inicio."),
            }
        )
    refuse(errors)
    others = indicator.periods.all()
    if current is not None:
        others = others.exclude(pk=current.pk)
    if others.filter(starts_on__lte=ends, ends_on__gte=starts).exists():
        raise invalid("starts_on", _("El periodo se cruza con otro del indicador."))
    return {"starts_on": starts, "ends_on": ends, "target": target}


@transaction.atomic
def period_create(
    *, user: User, indicator: Indicator, data: dict[str, Any]
) -> IndicatorPeriod:
    """A reporting period with its target (a number for a quantitative indicator)."""
    writer_require(user)
    period = IndicatorPeriod(
        indicator=indicator, **_period_fields(indicator, data, current=None)
    )
    full_clean(period)
    period.save()
    audit("period_created", user=user, obj=period, indicator=indicator.pk)
    return period


@transaction.atomic
def period_update(
    *, user: User, period: IndicatorPeriod, data: dict[str, Any]
) -> IndicatorPeriod:
    """Change a period's dates and target (all three are given)."""
    writer_require(user)
    period = (
        IndicatorPeriod.objects.select_for_update(of=("self",))
        .select_related("indicator")
        .get(pk=period.pk)
    )
    cleaned = _period_fields(period.indicator, data, current=period)
    period, changed = model_update(instance=period, fields=list(cleaned), data=cleaned)
    if changed:
        audit(
            "period_changed",
            user=user,
            obj=period,
            indicator=period.indicator_id,
            target=period.target,
        )
    return period


@transaction.atomic
def period_delete(*, user: User, period: IndicatorPeriod) -> None:
    """Delete a period nobody reported on (an update, even a draft, keeps it)."""
    writer_require(user)
    period = IndicatorPeriod.objects.select_for_update().get(pk=period.pk)
    if period.updates.exists():
        raise invalid(
            "period",
            _("El periodo ya tiene avances informados: no se puede borrar."),
        )
    audit(
        "period_deleted",
        user=user,
        obj=period.indicator,
        period=period.pk,
        starts_on=period.starts_on,
        ends_on=period.ends_on,
    )
    period.delete()
