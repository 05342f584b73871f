"""The kinds of notification, each registered by the app that sends it.

An app says, at start-up (its AppConfig.ready or its alerts module's
`register`), what its kind is called and how its email is composed; this app
never imports the apps above it. A composer answers, for one (user, key) at a
given moment, the email to send, or None once what it announces no longer
holds (met, moved, closed, or no longer the user's to read): the row is then
dropped before any email goes, also when a refused email is retried.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from remedia.accounts.models import User


@dataclass(frozen=True)
class Email:
    """Which templates (``<template>_subject.txt``, ``_body.txt``) and their data.

    The template names its app's folder (``cases/email/case_assigned``). The
    context's ``url`` is also the link of the in-app item.
    """

    template: str
    context: dict[str, Any]


Composer = Callable[[User, str, datetime], Email | None]


@dataclass(frozen=True)
class Kind:
    value: str
    label: Any  # a lazy translation: the in-app title and the preferences' line
    composer: Composer


_kinds: dict[str, Kind] = {}

# The column is 20 characters wide.
KIND_MAX_LENGTH = 20


def kind_register(*, kind: str, label: Any, composer: Composer) -> Kind:
    """Let an app say what its kind is called and what its email holds."""
    value = str(kind)
    if not value or len(value) > KIND_MAX_LENGTH:
        raise ValueError(f"notification kind {value!r} must be 1 to 20 characters")
    registered = Kind(value=value, label=label, composer=composer)
    _kinds[value] = registered
    return registered


def kind_get(kind: str) -> Kind | None:
    return _kinds.get(str(kind))


def kinds() -> list[Kind]:
    """Every registered kind, in the order the apps registered them."""
    return list(_kinds.values())


def kind_label(kind: str) -> Any:
    found = _kinds.get(str(kind))
    return found.label if found is not None else kind
