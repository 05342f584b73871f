"""Keeping the annual work plan: plans, objectives and actions.

Coordinators write the plan. An action's due date is never before its start;
"dropped" needs a reason and "done" records the day, which decides whether it
was on time. An edit carries the `version` its author saw; a change saved in
between refuses it (no last write wins).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import Organisation, User
from remedia.accounts.permissions import Sector
from remedia.coordination.models import (
    Action,
    ActionStatus,
    Objective,
    WorkGroup,
    WorkPlan,
)
from remedia.coordination.selectors.links import (
    case_find,
    course_find,
    facility_find,
    parse_uuid,
    pathway_kind,
    pathway_resolve,
)
from remedia.coordination.services._common import (
    StaleVersion,
    audit,
    choice,
    date_parse,
    organisation_parse,
    refuse,
    writer_require,
)
from remedia.core.geo import MX_STATES
from remedia.core.kit import full_clean, invalid, model_update, text_field

YEAR_MIN = 2000
YEAR_MAX = 2100
ORDER_MAX = 999
PARTNERS_MAX = 30


@transaction.atomic
def plan_create(*, user: User, year: Any, title: Any) -> WorkPlan:
    """The plan of a year (one per year)."""
    writer_require(user)
    errors: list[dict[str, Any]] = []
    try:
        number = int(year)
    except (TypeError, ValueError):
        number = 0
    if isinstance(year, bool) or not YEAR_MIN <= number <= YEAR_MAX:
        errors.append(
            {"field": "year", "reason": _("Escriba un año entre 2000 y 2100.")}
        )
    clean_title = text_field(
        title, field="title", limit=200, required=True, errors=errors
    )
    refuse(errors)
    if WorkPlan.objects.filter(year=number).exists():
        raise invalid("year", _("Ya hay un plan de ese año."))
    plan = WorkPlan(year=number, title=clean_title)
    full_clean(plan)
    plan.save()
    audit("plan_created", user=user, obj=plan, year=number)
    return plan


@transaction.atomic
def objective_create(
    *, user: User, plan: WorkPlan, group: WorkGroup, title: Any, order: Any = 0
) -> Objective:
    writer_require(user)
    errors: list[dict[str, Any]] = []
    clean_title = text_field(
        title, field="title", limit=300, required=True, errors=errors
    )
    try:
        position = int(order or 0)
    except (TypeError, ValueError):
        position = -1
    if not 0 <= position <= ORDER_MAX:
        errors.append({"field": "order", "reason": _("Escriba un número de 0 a 999.")})
    refuse(errors)
    objective = Objective(plan=plan, group=group, title=clean_title, order=position)
    full_clean(objective)
    objective.save()
    audit("objective_created", user=user, obj=objective, plan=plan.year)
    return objective


@transaction.atomic
def objective_update(
    *, user: User, objective: Objective, data: dict[str, Any]
) -> Objective:
    """Change an objective's title, order or group (a group of Remedia's)."""
    writer_require(user)
    errors: list[dict[str, Any]] = []
    cleaned: dict[str, Any] = {}
    if "title" in data:
        cleaned["title"] = text_field(
            data.get("title"), field="title", limit=300, required=True, errors=errors
        )
    if "order" in data:
        try:
            cleaned["order"] = int(data.get("order") or 0)
        except (TypeError, ValueError):
            cleaned["order"] = -1
        if isinstance(data.get("order"), bool) or not (
            0 <= cleaned["order"] <= ORDER_MAX
        ):
            errors.append(
                {"field": "order", "reason": _("Escriba un número de 0 a 999.")}
            )
    if "group" in data:
        if not isinstance(data["group"], WorkGroup):
            errors.append({"field": "group", "reason": _("Elija un grupo.")})
        else:
            cleaned["group"] = data["group"]
    refuse(errors)
    objective = Objective.objects.select_for_update().get(pk=objective.pk)
    objective, changed = model_update(
        instance=objective, fields=list(cleaned), data=cleaned
    )
    if changed:
        audit(
            "objective_changed",
            user=user,
            obj=objective,
            fields=",".join(sorted(cleaned)),
        )
    return objective


def _partners(value: Any, errors: list[dict[str, Any]]) -> list[Organisation]:
    if value in (None, ""):
        return []
    if not isinstance(value, list | tuple) or len(value) > PARTNERS_MAX:
        errors.append({"field": "partner_ids", "reason": _("Debe ser una lista.")})
        return []
    found = []
    for item in dict.fromkeys(str(v) for v in value):
        org = organisation_parse(item, field="partner_ids", errors=errors)
        if org is not None:
            found.append(org)
    return found


LINK_FIELDS = ("course_id", "facility_id", "case_id", "pathway_service_id")


def _links(
    user: User, data: dict[str, Any], errors: list[dict[str, Any]]
) -> dict[str, Any]:
    """What the action points at, by id; each must exist (ids only are kept)."""
    cleaned: dict[str, Any] = {}
    if "course_id" in data:
        value = data.get("course_id")
        cleaned["course"] = None
        if value not in (None, ""):
            cleaned["course"] = course_find(value)
            if cleaned["course"] is None:
                errors.append(
                    {
                        "field": "course_id",
                        "reason": _("No hay un curso de remediación con ese número."),
                    }
                )
    if "facility_id" in data:
        value = data.get("facility_id")
        cleaned["facility"] = None
        if value not in (None, ""):
            cleaned["facility"] = facility_find(value)
            if cleaned["facility"] is None:
                errors.append(
                    {
                        "field": "facility_id",
                        "reason": _(
                            "No hay un centro de trabajo con ese número "
                            "(FAC-… o su identificador)."
                        ),
                    }
                )
    if "case_id" in data:
        value = data.get("case_id")
        cleaned["case"] = None
        if value not in (None, ""):
            cleaned["case"] = case_find(value)
            if cleaned["case"] is None:
                errors.append(
                    {
                        "field": "case_id",
                        "reason": _("No hay un caso con ese identificador."),
                    }
                )
    if "pathway_service_id" in data:
        value = data.get("pathway_service_id")
        cleaned["pathway_service_id"] = None
        if value not in (None, ""):
            pk = parse_uuid(value)
            found = pathway_resolve(user=user, service_id=pk) if pk else None
            if pathway_kind() is None:
                errors.append(
                    {
                        "field": "pathway_service_id",
                        "reason": _("El directorio de servicios no está disponible."),
                    }
                )
            elif found is None:
                errors.append(
                    {
                        "field": "pathway_service_id",
                        "reason": _(
                            "Ese servicio no está en el directorio de la ruta "
                            "de atención."
                        ),
                    }
                )
            else:
                cleaned["pathway_service_id"] = pk
    return cleaned


def _objective_change(
    value: Any, current: Action, errors: list[dict[str, Any]]
) -> Objective | None:
    """Another objective of the same plan (an action does not change year)."""
    pk = parse_uuid(value)
    found = (
        Objective.objects.filter(pk=pk, plan_id=current.objective.plan_id).first()
        if pk
        else None
    )
    if found is None:
        errors.append(
            {
                "field": "objective_id",
                "reason": _("Elija un objetivo del plan de la acción."),
            }
        )
    return found


def _action_fields(
    data: dict[str, Any], *, current: Action | None, user: User | None = None
) -> tuple[dict[str, Any], list[Organisation] | None]:
    """The fields of `data`, cleaned and checked together with `current`."""
    errors: list[dict[str, Any]] = []
    cleaned: dict[str, Any] = {}
    new = current is None
    if "title" in data or new:
        cleaned["title"] = text_field(
            data.get("title"), field="title", limit=300, required=True, errors=errors
        )
    if "description" in data or new:
        cleaned["description"] = text_field(
            data.get("description"), field="description", limit=4000, errors=errors
        )
    if "sector" in data or new:
        cleaned["sector"] = choice(
            data.get("sector"),
            choices=list(Sector.values),
            field="sector",
            errors=errors,
        )
    if "owner_id" in data or new:
        cleaned["owner"] = organisation_parse(
            data.get("owner_id"), field="owner_id", errors=errors
        )
    if "state" in data or new:
        state = str(data.get("state") or "").strip().upper()
        if state and state not in MX_STATES:
            errors.append(
                {"field": "state", "reason": _("Elija un estado de México (MX-PUE).")}
            )
        cleaned["state"] = state
    if "municipality" in data or new:
        cleaned["municipality"] = text_field(
            data.get("municipality"), field="municipality", limit=120, errors=errors
        )
    for name in ("starts_on", "due_on"):
        if name in data or new:
            cleaned[name] = date_parse(data.get(name), field=name, errors=errors)
    partners = None
    if "partner_ids" in data or new:
        partners = _partners(data.get("partner_ids"), errors)
    if user is not None:
        cleaned.update(_links(user, data, errors))
    if current is not None and "objective_id" in data:
        objective = _objective_change(data.get("objective_id"), current, errors)
        if objective is not None:
            cleaned["objective"] = objective
    refuse(errors)
    starts = cleaned.get("starts_on", current.starts_on if current else None)
    due = cleaned.get("due_on", current.due_on if current else None)
    if starts and due and due < starts:
        raise invalid("due_on", _("La fecha límite no puede ser anterior al inicio."))
    return cleaned, partners


@transaction.atomic
def action_create(*, user: User, objective: Objective, data: dict[str, Any]) -> Action:
    writer_require(user)
    return action_insert(user=user, objective=objective, data=data)


@transaction.atomic
def action_insert(*, user: User, objective: Objective, data: dict[str, Any]) -> Action:
    """`action_create` for a caller that already checked who may (a group's
    lead turning a meeting's decision into an action of the group's plan)."""
    cleaned, partners = _action_fields(data, current=None, user=user)
    cleaned.update(_status_fields(Action(), data))
    action = Action(objective=objective, created_by=user, **cleaned)
    full_clean(action)
    action.save()
    if partners:
        action.partners.set(partners)
    audit("action_created", user=user, obj=action, objective=objective.pk)
    return action


def _status_fields(action: Action, data: dict[str, Any]) -> dict[str, Any]:
    """The status asked for, and what it brings (the reason, the day done)."""
    if "status" not in data:
        return {}
    errors: list[dict[str, Any]] = []
    status = choice(
        data.get("status"),
        choices=list(ActionStatus.values),
        field="status",
        errors=errors,
    )
    reason = text_field(
        data.get("dropped_reason"), field="dropped_reason", limit=1000, errors=errors
    )
    refuse(errors)
    if status == ActionStatus.DROPPED and not reason:
        raise invalid("dropped_reason", _("Diga por qué se descarta la acción."))
    out: dict[str, Any] = {"status": status}
    out["dropped_reason"] = reason if status == ActionStatus.DROPPED else ""
    if status == ActionStatus.DONE and action.status != ActionStatus.DONE:
        out["done_on"] = timezone.localdate()
    elif status != ActionStatus.DONE:
        out["done_on"] = None
    return out


@transaction.atomic
def action_update(
    *, user: User, action: Action, data: dict[str, Any], version: Any
) -> Action:
    """Change an action (and its status) if nobody changed it since `version`."""
    writer_require(user)
    if isinstance(version, bool) or not isinstance(version, int | str):
        raise invalid("version", _("Falta la versión que vio; recargue la página."))
    try:
        expected = int(version)
    except ValueError:
        raise invalid(
            "version", _("Falta la versión que vio; recargue la página.")
        ) from None
    action = Action.objects.select_for_update().get(pk=action.pk)
    if action.version != expected:
        raise StaleVersion()
    cleaned, partners = _action_fields(data, current=action, user=user)
    cleaned.update(_status_fields(action, data))
    changed = [n for n, v in cleaned.items() if getattr(action, n) != v]
    for name in changed:
        setattr(action, name, cleaned[name])
    partners_changed = partners is not None and {p.pk for p in partners} != set(
        action.partners.values_list("pk", flat=True)
    )
    if not changed and not partners_changed:
        return action
    full_clean(action)
    action.version = F("version") + 1
    action.save(update_fields=sorted({*changed, "version", "updated_at"}))
    action.refresh_from_db(fields=["version"])
    if partners_changed and partners is not None:
        action.partners.set(partners)
    audit(
        "action_changed",
        user=user,
        obj=action,
        fields=",".join(sorted(changed + (["partners"] if partners_changed else []))),
        status=action.status,
    )
    return action
