"""Tasks on a case (named `work` so as not to be mistaken for the huey `tasks.py`)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import User
from remedia.cases import events
from remedia.cases.models import (
    Case,
    CaseTask,
)
from remedia.cases.services.clocks import _lock, _save
from remedia.cases.services.permissions import _case_worker, _require_write
from remedia.core.audit import audit_record
from remedia.core.errors import ApplicationError, InvalidInput
from remedia.intake import services as intake

TASK_TITLE_MAX = 200


@transaction.atomic
def case_task_add(
    *, case: Case, user: User, title: str, owner_id: Any, due_on: date | None
) -> CaseTask:
    _require_write(case=case, user=user)
    errors: list[dict[str, Any]] = []
    text = intake.clean_text(title)
    if not text:
        errors.append({"field": "title", "reason": _("Escriba qué hay que hacer.")})
    elif len(text) > TASK_TITLE_MAX:
        errors.append(
            {
                "field": "title",
                "reason": _("Es demasiado largo (máximo %(n)s caracteres).")
                % {"n": TASK_TITLE_MAX},
            }
        )
    if due_on is None:
        errors.append({"field": "due_on", "reason": _("Indique la fecha límite.")})
    elif due_on < timezone.localdate():
        errors.append(
            {
                "field": "due_on",
                "reason": _("La fecha límite no puede estar en el pasado."),
            }
        )
    owner = None
    try:
        owner = _case_worker(
            organisation_id=case.organisation_id, user_id=owner_id, field="owner_id"
        )
    except InvalidInput as exc:
        errors += exc.errors
    if errors or owner is None or due_on is None:
        raise InvalidInput(errors)
    case = _lock(case)
    task = CaseTask.objects.create(
        case=case, title=text, owner=owner, due_on=due_on, created_by=user
    )
    events.task_added_event(
        case=case, user=user, task_id=task.pk, owner=owner, due_on=due_on
    )
    _save(case, [])
    audit_record(
        action="case.task_added",
        actor=user,
        organisation=case.organisation,
        obj=case,
        data={"task": str(task.pk)},
    )
    return task


@transaction.atomic
def case_task_done(*, task: CaseTask, user: User) -> CaseTask:
    case = task.case
    _require_write(case=case, user=user)
    case = _lock(case)
    task = CaseTask.objects.select_for_update().get(pk=task.pk)
    if task.done_at is not None:
        raise ApplicationError(_("Esa tarea ya estaba completada."))
    task.done_at = timezone.now()
    task.done_by = user
    task.save(update_fields=["done_at", "done_by", "updated_at"])
    events.task_done_event(case=case, user=user, task_id=task.pk)
    _save(case, [])
    audit_record(
        action="case.task_done",
        actor=user,
        organisation=case.organisation,
        obj=case,
        data={"task": str(task.pk)},
    )
    return task
