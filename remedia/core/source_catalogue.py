"""The Spanish catalogue: every source string translated to itself (issue 21).

Spanish (es-MX) is the source language, so no one writes its catalogue: the
msgids are the Spanish. Without any catalogue, though, every `gettext` under
es-MX misses: Django looks the msgid up in each catalogue it merged for es-MX
(six, one per plural rule) and then in each `es` fallback below them (five),
before it gives the msgid back. A hit in the first catalogue costs about half as much, and a staff
page asks for hundreds of strings.

So `make messages` builds `locale/es_MX/LC_MESSAGES/django.mo` from the English
catalogue's msgids, each translated to itself, with the source's plural rule
(`n != 1`, which is what Django applies when nothing is found). It is a build
product, like the English `.mo`; nothing here is ever edited by hand. A msgid
that another catalogue already translates for es-MX (Django's admin has
"Remove from sorting", for one) is left out, so that catalogue's Spanish still
wins: Spanish pages read exactly as they do without this file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.utils.translation.trans_real import DjangoTranslation

SOURCE_LANGUAGE = "es-mx"
CONTEXT_GLUE = "\x04"  # gettext's separator of a msgctxt and its msgid
SOURCE_PLURAL_FORMS = "nplurals=2; plural=(n != 1);"


def locale_dir() -> Path:
    return Path(settings.LOCALE_PATHS[0])


def source_po() -> Path:
    """The English catalogue: its msgids are every Spanish source string."""
    return locale_dir() / "en" / "LC_MESSAGES" / "django.po"


def spanish_mo() -> Path:
    return locale_dir() / "es_MX" / "LC_MESSAGES" / "django.mo"


class _OthersOnly(DjangoTranslation):
    """es-MX as Django merges it from every catalogue but this project's own."""

    def _add_local_translations(self) -> None:
        return None


def _keys(catalog: Any) -> Iterator[str]:
    for key in catalog:
        yield key[0] if isinstance(key, tuple) else key


def others_translate() -> frozenset[str]:
    """The lookup keys (`context\\x04msgid` or `msgid`) that another installed
    catalogue translates for the source language."""
    translation: Any = _OthersOnly(SOURCE_LANGUAGE)
    keys: set[str] = set()
    for catalog in translation._catalog._catalogs:
        keys.update(_keys(catalog))
    fallback = translation._fallback
    while fallback is not None:
        keys.update(_keys(getattr(fallback, "_catalog", None) or {}))
        fallback = fallback._fallback
    return frozenset(keys)


def lookup_key(message: Message) -> str:
    """The key gettext looks the message up by (its singular, for a plural)."""
    msgid = str(message.id[0] if isinstance(message.id, (tuple, list)) else message.id)
    return f"{message.context}{CONTEXT_GLUE}{msgid}" if message.context else msgid


def identity_catalogue() -> tuple[Catalog, list[str]]:
    """The catalogue to write, and the msgids left out for another catalogue."""
    with source_po().open("rb") as po:
        english = read_po(po, locale="en")
    taken = others_translate()
    spanish = Catalog(locale="es_MX", project="Remedia", fuzzy=False)
    # The rule Django applies to a msgid it finds nowhere, not CLDR's three
    # Spanish forms, which would give a million a form of its own.
    spanish.mime_headers = [("Plural-Forms", SOURCE_PLURAL_FORMS)]
    left_out: list[str] = []
    for message in english:
        if not message.id:
            continue
        if lookup_key(message) in taken:
            left_out.append(lookup_key(message))
            continue
        spanish.add(message.id, string=message.id, context=message.context)
    return spanish, left_out


def write_spanish_catalogue() -> tuple[int, list[str]]:
    """Write the `.mo` in place (atomically); the count written and left out."""
    catalogue, left_out = identity_catalogue()
    target = spanish_mo()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".mo.tmp")
    try:
        with os.fdopen(fd, "wb") as mo:
            write_mo(mo, catalogue)
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide it from the server's user
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return len(catalogue), left_out
