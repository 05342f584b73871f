"""Every message the code asks to translate has an English translation.

tests/core/test_translations.py checks the entries the catalogue holds; this
module checks the other direction: that no msgid used in remedia/ is missing
from the catalogue (then English pages would show the Spanish source). It finds
the msgids without GNU gettext, so it runs where `make makemessages` cannot:

- Python: the calls of Django's translation functions, under whatever name the
  module imports them (`_`, `_lazy`, ...) or as `translation.gettext(...)`,
  whose message arguments are string literals.
- Templates (.html and .txt, as makemessages reads them): Django's own
  `templatize`, which turns {% translate %}, {% blocktranslate %} (with count,
  context, trimmed) and `_("...")` into gettext calls, the text makemessages
  hands to xgettext.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po
from django.conf import settings
from django.utils.translation.template import templatize

ROOT = Path(settings.BASE_DIR)
PO_PATH = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
IGNORED_DIRS = {"migrations", "__pycache__", "locale"}

# (context, singular, plural): context and plural are None where not used.
Key = tuple[str | None, str, str | None]

# Each function: whether a context comes before the message, whether a plural follows.
_FUNCTIONS: dict[str, tuple[bool, bool]] = {
    "gettext": (False, False),
    "gettext_lazy": (False, False),
    "gettext_noop": (False, False),
    "pgettext": (True, False),
    "pgettext_lazy": (True, False),
    "ngettext": (False, True),
    "ngettext_lazy": (False, True),
    "npgettext": (True, True),
    "npgettext_lazy": (True, True),
}
_TEMPLATE_CALL = re.compile(
    r"\b(?P<function>gettext|pgettext|ngettext|npgettext|_)\("
    r"(?P<args>(?:\s*u?(?:'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")\s*,?)+)"
)


def _sources(*suffixes: str) -> Iterator[Path]:
    for path in sorted(ROOT.rglob("*")):
        relative = path.relative_to(ROOT).parts
        if path.suffix in suffixes and not IGNORED_DIRS.intersection(relative):
            yield path


def _key(function: str, args: list[str]) -> Key | None:
    has_context, has_plural = _FUNCTIONS[function]
    needed = 1 + has_context + has_plural
    if len(args) < needed:
        return None
    context = args[0] if has_context else None
    singular = args[int(has_context)]
    plural = args[int(has_context) + 1] if has_plural else None
    return (context, singular, plural)


def _translation_names(tree: ast.Module) -> dict[str, str]:
    """The local name of each translation function the module imports."""
    names = {}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module == "django.utils.translation"
        ):
            for alias in node.names:
                if alias.name in _FUNCTIONS:
                    names[alias.asname or alias.name] = alias.name
    return names


def _python_keys(source: str) -> Iterator[Key]:
    tree = ast.parse(source)
    names = _translation_names(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in names:
            function = names[func.id]
        elif (
            isinstance(func, ast.Attribute)
            and func.attr in _FUNCTIONS
            and isinstance(func.value, ast.Name)
            and func.value.id == "translation"
        ):
            function = func.attr
        else:
            continue
        args = []
        for arg in node.args:
            if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                break
            args.append(arg.value)
        key = _key(function, args)
        if key is not None:
            yield key


def _template_keys(source: str) -> Iterator[Key]:
    code = templatize(source)
    for match in _TEMPLATE_CALL.finditer(code):
        function = "gettext" if match["function"] == "_" else match["function"]
        args = list(ast.literal_eval(f"[{match['args']}]"))
        key = _key(function, args)
        if key is not None:
            yield key


@cache
def _used() -> dict[Key, set[str]]:
    """Every message remedia/ uses, with the files that use it."""
    used: dict[Key, set[str]] = {}
    for suffixes, extract in (
        ((".py",), _python_keys),
        ((".html", ".txt"), _template_keys),
    ):
        for path in _sources(*suffixes):
            for key in extract(path.read_text(encoding="utf-8")):
                used.setdefault(key, set()).add(str(path.relative_to(ROOT)))
    return used


def _translated() -> dict[tuple[str | None, str], tuple[str | None, bool]]:
    """(context, msgid) -> (msgid_plural, every form translated and not fuzzy)."""
    with PO_PATH.open("rb") as po:
        catalogue = read_po(po, locale="en")
    out = {}
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = (
            message.string if isinstance(message.string, tuple) else (message.string,)
        )
        done = not message.fuzzy and all((s or "").strip() for s in strings)
        out[(message.context, ids[0])] = (ids[1] if len(ids) > 1 else None, done)
    return out


PYTHON_SAMPLE = """
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext, npgettext_lazy, pgettext_lazy

A = _("Uno")
B = _lazy("Dos" " partes")
C = pgettext_lazy("pantalla", "Tres")
D = ngettext("%(n)s caso", "%(n)s casos", n)
E = npgettext_lazy("lista", "%(n)s fila", "%(n)s filas", "n")
F = translation.gettext("Cuatro")
G = f"{_('cinco')}-{stem}"
H = _(variable)
I = gettext("Sin importar")
"""

TEMPLATE_SAMPLE = """{% load i18n %}
<h1>{% translate "Inicio" %}</h1>
<p title="{% translate 'Ayuda' context 'botón' %}">{{ x|default:_("Nada") }}</p>
{% blocktranslate with name=user.name %}Hola, {{ name }}: 100 %{% endblocktranslate %}
{% blocktranslate trimmed count n=items|length %}
  {{ n }} elemento
{% plural %}
  {{ n }} elementos
{% endblocktranslate %}
{% blocktranslate context "fecha" count n=days %}{{ n }} día{% plural %}{{ n }} días{% endblocktranslate %}
"""


def test_the_python_extractor_sees_every_translation_call():
    assert set(_python_keys(PYTHON_SAMPLE)) == {
        (None, "Uno", None),
        (None, "Dos partes", None),
        ("pantalla", "Tres", None),
        (None, "%(n)s caso", "%(n)s casos"),
        ("lista", "%(n)s fila", "%(n)s filas"),
        (None, "Cuatro", None),
        (None, "cinco", None),
    }


def test_the_template_extractor_sees_every_translation_tag():
    assert set(_template_keys(TEMPLATE_SAMPLE)) == {
        (None, "Inicio", None),
        ("botón", "Ayuda", None),
        (None, "Nada", None),
        (None, "Hola, %(name)s: 100 %%", None),
        (None, "%(n)s elemento", "%(n)s elementos"),
        ("fecha", "%(n)s día", "%(n)s días"),
    }


def test_the_extraction_reads_the_whole_code():
    # If the walk missed a kind of file, the test below would check too little.
    used = _used()
    sources = {source for files in used.values() for source in files}
    assert any(s.startswith("protection/models/") for s in sources)
    assert any(s.startswith("templates/") and s.endswith(".html") for s in sources)
    assert any(s.endswith(".txt") for s in sources)
    assert not any("migrations/" in s for s in sources)
    assert len(used) > 4000


def test_every_message_in_the_code_is_in_the_english_catalogue():
    translated = _translated()
    missing, untranslated, wrong_plural = [], [], []
    for (context, singular, plural), files in sorted(
        _used().items(), key=lambda item: (item[0][0] or "", item[0][1])
    ):
        where = ", ".join(sorted(files))
        label = f"{context or ''}|{singular!r} ({where})"
        entry = translated.get((context, singular))
        if entry is None:
            missing.append(label)
            continue
        catalogue_plural, done = entry
        if not done:
            untranslated.append(label)
        if plural is not None and catalogue_plural != plural:
            wrong_plural.append(f"{label}: catalogue has {catalogue_plural!r}")
    assert missing == [], f"{len(missing)} msgids missing from django.po:\n" + (
        "\n".join(missing)
    )
    assert untranslated == [], f"{len(untranslated)} untranslated or fuzzy:\n" + (
        "\n".join(untranslated)
    )
    assert wrong_plural == []
