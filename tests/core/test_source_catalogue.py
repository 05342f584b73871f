"""The es-MX catalogue of source strings (remedia/core/source_catalogue.py).

It exists only to make Spanish lookups cheaper, so what it must prove is that
Spanish reads exactly as it would without it, for every message, and that the
lookups do find it. Built by `make messages`; this module builds it too when
it is missing or older than the English catalogue, so it passes on its own.
"""

from __future__ import annotations

import gettext
from collections.abc import Iterator
from typing import Any

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.signals import setting_changed
from django.utils import translation
from django.utils.translation import trans_real

from remedia.core import source_catalogue
from remedia.core.source_catalogue import (
    CONTEXT_GLUE,
    SOURCE_LANGUAGE,
    SOURCE_PLURAL_FORMS,
    identity_catalogue,
    lookup_key,
    source_po,
    spanish_mo,
    write_spanish_catalogue,
)

COUNTS = (0, 1, 2, 5, 21, 1_000_000)


def _forget_loaded_catalogues() -> None:
    setting_changed.send(
        sender=type(settings),
        setting="LOCALE_PATHS",
        value=settings.LOCALE_PATHS,
        enter=False,
    )


@pytest.fixture(scope="module", autouse=True)
def _built() -> None:
    mo, po = spanish_mo(), source_po()
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        write_spanish_catalogue()
        _forget_loaded_catalogues()


def _messages() -> Iterator[Any]:
    with source_po().open("rb") as po:
        yield from (m for m in read_po(po, locale="en") if m.id)


def _readings(active: Any, message: Any) -> list[str]:
    """What a translation gives for a message: the singular and, for a plural
    message, every form a count can pick."""
    if not message.pluralizable:
        found = active.gettext(lookup_key(message))
        # As `pgettext` does: a key given back whole was found nowhere.
        return [message.id if CONTEXT_GLUE in found else found]
    singular, plural = message.id[0], message.id[1]
    if message.context:
        singular = f"{message.context}{CONTEXT_GLUE}{singular}"
        plural = f"{message.context}{CONTEXT_GLUE}{plural}"
    readings = []
    for n in COUNTS:
        found = active.ngettext(singular, plural, n)
        if CONTEXT_GLUE in found:
            found = active.ngettext(message.id[0], message.id[1], n)
        readings.append(found)
    return readings


def test_spanish_reads_the_same_as_without_the_catalogue():
    with_it = trans_real.translation(SOURCE_LANGUAGE)
    without_it = source_catalogue._OthersOnly(SOURCE_LANGUAGE)
    differing = [
        lookup_key(m)
        for m in _messages()
        if _readings(with_it, m) != _readings(without_it, m)
    ]
    assert differing == []


def test_every_source_string_is_found_in_the_first_catalogue():
    # A hit in the merged catalogue, not a walk through the fallbacks: that is
    # the catalogue's whole point, and a missing or stale file would fail here.
    merged = trans_real.translation(SOURCE_LANGUAGE)._catalog
    catalogue, left_out = identity_catalogue()
    missing = [
        lookup_key(m)
        for m in _messages()
        if lookup_key(m) not in left_out
        and (
            (lookup_key(m), 0) not in merged
            if m.pluralizable
            else lookup_key(m) not in merged
        )
    ]
    assert len(catalogue) > 4000
    assert missing == []


def test_strings_another_catalogue_translates_keep_its_spanish():
    # The admin's sort controls come from our changelist override: with an
    # identity entry, Spanish admins would read them in English.
    _, left_out = identity_catalogue()
    assert {"Remove from sorting", "Toggle sorting", "English"} <= set(left_out)
    with translation.override(SOURCE_LANGUAGE):
        assert translation.gettext("Remove from sorting") != "Remove from sorting"
        assert translation.gettext("English") == "Inglés"


def test_plurals_follow_the_source_rule():
    # Django picks the msgid_plural for every count but one when no catalogue
    # has the string; CLDR's Spanish would give a million a third form.
    with translation.override(SOURCE_LANGUAGE):
        one = translation.ngettext("%(n)s día", "%(n)s días", 1)
        many = translation.ngettext("%(n)s día", "%(n)s días", 1_000_000)
    assert (one, many) == ("%(n)s día", "%(n)s días")
    with spanish_mo().open("rb") as mo:
        info = gettext.GNUTranslations(mo).info()
    assert info["plural-forms"] == SOURCE_PLURAL_FORMS
    assert info["language"] == "es_MX"
