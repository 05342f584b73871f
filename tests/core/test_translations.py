"""The English catalogue: complete, well-formed, and used when English is asked for.

Spanish (es-MX) is the source language, so it has no catalogue; English must
translate every message. Compiled `.mo` files are build products (`make
messages`); so that this module also passes when run on its own, it compiles
the English catalogue itself when the `.mo` is missing or older than the `.po`.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.signals import setting_changed
from django.test import Client

PO_PATH = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")

# A printf conversion: optional "(name)", flags, width, precision, type.
_CONVERSION = re.compile(
    r"%(?:\((?P<name>\w+)\))?[#0 +-]*\d*(?:\.\d+)?(?P<type>[a-zA-Z%])"
)
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")

ENGLISH_HEADING = "Report a problem without giving your name"
SPANISH_HEADING = "Denuncie sin dar su nombre"


def _read_catalogue() -> Catalog:
    with PO_PATH.open("rb") as po:
        return read_po(po, locale="en")


def _messages() -> list[Message]:
    return [m for m in _read_catalogue() if m.id]


def _ids(message: Message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def _strings(message: Message) -> tuple[str, ...]:
    if isinstance(message.string, tuple):
        return message.string
    return (message.string or "",)


def _conversions(text: str) -> Counter[tuple[str | None, str]]:
    return Counter(
        (m["name"], m["type"]) for m in _CONVERSION.finditer(text) if m["type"] != "%"
    )


def _label(message: Message) -> str:
    return repr(_ids(message)[0])


@pytest.fixture(scope="module", autouse=True)
def _compiled_catalogue() -> None:
    """Compile the English catalogue into place if the build has not done it."""
    if MO_PATH.exists() and MO_PATH.stat().st_mtime >= PO_PATH.stat().st_mtime:
        return
    catalogue = _read_catalogue()
    fd, tmp = tempfile.mkstemp(dir=MO_PATH.parent, suffix=".mo.tmp")
    try:
        with os.fdopen(fd, "wb") as mo:
            write_mo(mo, catalogue, use_fuzzy=False)
        os.replace(tmp, MO_PATH)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    # Django caches catalogues per process; forget any loaded before the file
    # existed, as it does when a test overrides LOCALE_PATHS.
    setting_changed.send(
        sender=type(settings),
        setting="LOCALE_PATHS",
        value=settings.LOCALE_PATHS,
        enter=False,
    )


# --- The catalogue -----------------------------------------------------------------


def test_catalogue_is_english_and_not_fuzzy():
    catalogue = _read_catalogue()
    assert str(catalogue.locale) == "en"
    assert not catalogue.fuzzy, (
        "the header is marked fuzzy; pybabel would not compile it"
    )
    assert catalogue.num_plurals == 2
    assert len(_messages()) > 0


def test_there_is_no_spanish_catalogue_to_write():
    # Spanish is the source language: its strings are the msgids themselves.
    # es_MX holds at most the built catalogue of source strings
    # (test_source_catalogue.py), never a `.po` anyone edits.
    locale_dir = PO_PATH.parents[2]
    assert {p.name for p in locale_dir.iterdir() if p.is_dir()} <= {"en", "es_MX"}
    assert sorted(p.name for p in locale_dir.rglob("*.po")) == ["django.po"]
    assert PO_PATH.exists()


def test_every_message_is_translated_and_none_is_fuzzy():
    untranslated = [
        _label(m) for m in _messages() if not all(s.strip() for s in _strings(m))
    ]
    fuzzy = [_label(m) for m in _messages() if m.fuzzy]
    assert untranslated == []
    assert fuzzy == []


def test_plural_messages_have_both_english_forms():
    plurals = [m for m in _messages() if m.pluralizable]
    assert plurals, "the catalogue is expected to hold at least one plural message"
    for message in plurals:
        assert len(_strings(message)) == 2, _label(message)


def test_placeholders_match_between_source_and_translation():
    mismatched = []
    for message in _messages():
        ids, strings = _ids(message), _strings(message)
        for index, string in enumerate(strings):
            # msgstr[0] answers msgid; every other plural form answers msgid_plural.
            source = ids[min(index, len(ids) - 1)]
            if _conversions(source) != _conversions(string):
                mismatched.append((_label(message), index))
        if any(_conversions(i) for i in ids):
            assert "python-format" in message.flags, _label(message)
    assert mismatched == []


def test_html_in_messages_is_kept_intact():
    changed = [
        _label(m)
        for m in _messages()
        for source, string in zip(_ids(m), _strings(m), strict=False)
        if sorted(_TAG.findall(source)) != sorted(_TAG.findall(string))
    ]
    assert changed == []


def test_gettext_returns_english_when_english_is_active():
    from django.utils import translation

    with translation.override("en"):
        assert translation.gettext(SPANISH_HEADING) == ENGLISH_HEADING
        assert translation.gettext("Gestión de casos") == "Case handling"
        assert (
            translation.ngettext(
                "Se restableció el segundo factor de %(n)d usuario.",
                "Se restableció el segundo factor de %(n)d usuarios.",
                3,
            )
            % {"n": 3}
            == "The second factor of 3 users was reset."
        )
    with translation.override("es-mx"):
        assert translation.gettext(SPANISH_HEADING) == SPANISH_HEADING


# --- The start page ------------------------------------------------------------------


def test_start_page_in_english_with_the_language_cookie(db: None):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert ENGLISH_HEADING in html
    assert "Who reads your report?" in html
    assert "We do not ask for your name, phone number or email." in html
    assert SPANISH_HEADING not in html
    assert "¿Quién lee su denuncia?" not in html


def test_start_page_in_english_with_accept_language(db: None):
    response = Client().get("/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert response.status_code == 200
    html = response.content.decode()
    assert ENGLISH_HEADING in html
    assert SPANISH_HEADING not in html


def test_start_page_defaults_to_spanish(db: None):
    response = Client().get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="es-mx">' in html
    assert SPANISH_HEADING in html
    assert "¿Quién lee su denuncia?" in html
    assert ENGLISH_HEADING not in html


# --- The worker's report form --------------------------------------------------------


def test_report_form_in_english_with_the_language_cookie(db: None):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/denunciar/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "<h1>Make a report</h1>" in html
    assert "Tell us what happened" in html
    assert "Choose a state" in html
    assert "Send report" in html
    for spanish in ("Cuéntenos qué pasó", "Elija un estado", "Enviar denuncia"):
        assert spanish not in html, spanish
