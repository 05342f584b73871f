"""The service kit: what every app's services and views would otherwise repeat.

Services refuse bad input with one `InvalidInput` built here (`invalid`,
`invalid_from`, `text_field`), change a model with `model_update` (in the manner
of the HackSoft styleguide: set, `full_clean`, save only what changed), and
views ask `capability_require` / `or_404` so that every page answers a missing
object and a forbidden one as the apps always have (404, or 403 where a reader
may know that editing exists).

`core` imports no other app, so the capability test itself is the accounts
app's: it registers it at start-up (`capability_check_register`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from typing import Any, TypeVar

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import models, transaction
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _

from remedia.core.errors import InvalidInput, NotFound

T = TypeVar("T")
M = TypeVar("M", bound=models.Model)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# --- Refusing input -------------------------------------------------------------------


def invalid(field: str, reason: Any) -> InvalidInput:
    """One field refused for one reason."""
    return InvalidInput([{"field": field, "reason": reason}])


def invalid_missing(field: str) -> InvalidInput:
    """An id in a body that names nothing the caller may see.

    Missing and not the caller's read alike ("No encontrado."), as the
    scoped selectors answer.
    """
    return invalid(field, _("No encontrado."))


def or_invalid(fetch: Callable[[], T], *, field: str) -> T:
    """`fetch()`, with the selectors' `NotFound` as `invalid_missing(field)`:
    what `or_404` is for a URL, this is for an id named in a body."""
    try:
        return fetch()
    except NotFound:
        raise invalid_missing(field) from None


def invalid_from(
    exc: ValidationError, *, prefix: str = "", non_field: str = NON_FIELD_ERRORS
) -> InvalidInput:
    """A model's `ValidationError` as `InvalidInput`, one entry per message.

    `prefix` goes before every field name (a nested object's errors); errors
    not tied to a field, or raised without a dict, are given `non_field`.
    """
    if not hasattr(exc, "error_dict"):
        return InvalidInput([{"field": non_field, "reason": m} for m in exc.messages])
    return InvalidInput(
        [
            {
                "field": non_field if name == NON_FIELD_ERRORS else f"{prefix}{name}",
                "reason": message,
            }
            for name, messages in exc.message_dict.items()
            for message in messages
        ]
    )


def clean_text(value: Any) -> str:
    """Text from a person, stripped, without control characters other than
    line breaks and tabs; anything not a string is empty."""
    if not isinstance(value, str):
        return ""
    return _CONTROL.sub("", value).strip()


def text_field(
    value: Any,
    *,
    field: str,
    limit: int,
    required: bool = False,
    errors: list[dict[str, Any]] | None = None,
) -> str:
    """A cleaned text field, at most `limit` characters.

    A problem is added to `errors` when the caller collects them, and raised
    as `InvalidInput` otherwise.
    """
    text = clean_text(value or "")
    reason: Any = None
    if required and not text:
        reason = _("Este campo es obligatorio.")
    elif len(text) > limit:
        reason = _("Es demasiado largo (máximo %(n)s caracteres).") % {"n": limit}
    if reason is not None:
        if errors is None:
            raise invalid(field, reason)
        errors.append({"field": field, "reason": reason})
    return text


def note_body(value: Any, *, limit: int) -> str:
    """A colleague's note (a case's, a petition's): cleaned, required, bounded."""
    text = clean_text(value)
    if not text:
        raise invalid("body", _("Escriba la nota."))
    if len(text) > limit:
        raise invalid(
            "body",
            _("La nota es demasiado larga (máximo %(n)s caracteres).") % {"n": limit},
        )
    return text


def full_clean(
    obj: models.Model, *, prefix: str = "", non_field: str | None = None, **kwargs: Any
) -> None:
    """`obj.full_clean(**kwargs)`, its refusal as `InvalidInput`."""
    try:
        obj.full_clean(**kwargs)
    except ValidationError as exc:
        raise invalid_from(
            exc,
            prefix=prefix,
            non_field=NON_FIELD_ERRORS if non_field is None else non_field,
        ) from None


# --- Changing a row -------------------------------------------------------------------


def model_update(
    *,
    instance: M,
    fields: Iterable[str],
    data: dict[str, Any],
    clean: bool = True,
    validate_unique: bool = True,
) -> tuple[M, bool]:
    """Set those of `fields` that `data` holds and differ; save only them.

    Returns the instance and whether anything changed. `full_clean` runs
    before the save (its refusal is `InvalidInput`); `updated_at` is saved
    with the changed fields when the model has it. Nothing is written when
    nothing changed. `validate_unique=False` skips the uniqueness queries
    where the row is locked and its keys are not among `fields`.
    """
    changed: list[str] = []
    for name in fields:
        if name not in data:
            continue
        if getattr(instance, name) != data[name]:
            setattr(instance, name, data[name])
            changed.append(name)
    if not changed:
        return instance, False
    if clean:
        full_clean(instance, validate_unique=validate_unique)
    names = {f.name for f in instance._meta.get_fields()}
    if "updated_at" in names:
        changed.append("updated_at")
    instance.save(update_fields=changed)
    return instance, True


# --- Views ------------------------------------------------------------------------------

CapabilityCheck = Callable[..., bool]
_capability_check: list[CapabilityCheck] = []


def capability_check_register(check: CapabilityCheck) -> None:
    """The accounts app's `user_can(user=..., capability=...)`, set at start-up."""
    _capability_check[:] = [check]


def request_user(request: HttpRequest) -> Any:
    """The acting user: an API token's (`request.auth`) or the session's."""
    auth = getattr(request, "auth", None)
    return auth if auth is not None else request.user


def capability_allowed(user: Any, capability: Any) -> bool:
    """Whether `user` holds `capability` in some organisation."""
    if not _capability_check:
        return False
    (check,) = _capability_check
    return bool(check(user=user, capability=capability))


def capability_require(
    request: HttpRequest, capability: Any, *, forbidden: bool = False
) -> None:
    """A page for holders of `capability` in some organisation.

    Anyone else gets a 404, as if the page did not exist; `forbidden=True`
    answers 403 instead, for a page whose existence is no secret to the caller
    (a reader shown that editing exists).
    """
    (check,) = _capability_check
    if not check(user=request.user, capability=capability):
        raise DjangoPermissionDenied if forbidden else Http404


def or_404(fetch: Callable[[], T]) -> T:
    """`fetch()`, with the selectors' `NotFound` as the page's 404."""
    try:
        return fetch()
    except NotFound:
        raise Http404 from None


def savepoint_if_in_transaction() -> AbstractContextManager[Any]:
    """A savepoint inside a caller's transaction, so that a failure in what
    it wraps breaks the savepoint only; nothing outside one, where a single
    statement commits by itself and a transaction of its own would cost two
    more round trips (a job's record, a webhook announced after a commit)."""
    if transaction.get_connection().in_atomic_block:
        return transaction.atomic()
    return nullcontext()
