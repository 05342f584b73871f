"""How facility names are compared: pure functions, no database.

Workers and supplier lists name the same place many ways ("Ind. del Interior SA
de CV", "INDUSTRIAS DEL INTERIOR, S.A. DE C.V."). Names are folded (case,
accents, punctuation), legal forms are removed, and common abbreviations are
expanded, so that the comparison is about the name people actually use.
"""

from __future__ import annotations

import re

from remedia.core.geo import fold

# Longest first, so "s de rl de cv" is removed before "de cv".
_LEGAL_FORMS = sorted(
    [
        "s a p i de c v",
        "sapi de cv",
        "s a b de c v",
        "sab de cv",
        "s de r l de c v",
        "s de rl de cv",
        "s de r l",
        "s de rl",
        "s a de c v",
        "sa de cv",
        "s a",
        "sa",
        "s c",
        "sc",
        "a c",
        "ac",
        "s en c",
        "de c v",
        "de cv",
        "sociedad anonima de capital variable",
        "sociedad de responsabilidad limitada de capital variable",
        "sociedad de responsabilidad limitada",
        "sociedad anonima",
        "sapi",
        "inc",
        "llc",
        "ltd",
        "corp",
    ],
    key=len,
    reverse=True,
)

_ABBREVIATIONS = {
    "ind": "industrias",
    "inds": "industrias",
    "indus": "industrias",
    "industria": "industrias",
    "cia": "compania",
    "comp": "compania",
    "manuf": "manufacturas",
    "mfg": "manufacturas",
    "manufactura": "manufacturas",
    "confec": "confecciones",
    "confeccion": "confecciones",
    "textil": "textiles",
    "int": "internacional",
    "intl": "internacional",
    "grp": "grupo",
    "gpo": "grupo",
    "mex": "mexico",
    "mexicana": "mexico",
    "mexicano": "mexico",
    "mexicanas": "mexico",
    "mexicanos": "mexico",
    "hnos": "hermanos",
    "corp": "corporacion",
}

_STOPWORDS = {"de", "del", "la", "las", "el", "los", "y", "e", "en", "the", "of"}
_PUNCT = re.compile(r"[^\w\s]|_")


def _strip_legal_forms(text: str) -> str:
    padded = f" {text} "
    for form in _LEGAL_FORMS:
        padded = padded.replace(f" {form} ", " ")
    return " ".join(padded.split())


def normalise_name(name: str) -> str:
    """The comparable form of a facility or company name."""
    text = _PUNCT.sub(" ", fold(name))
    # "S.A. de C.V." became "s a de c v": legal forms go before abbreviations.
    text = _strip_legal_forms(" ".join(text.split()))
    words = [_ABBREVIATIONS.get(w, w) for w in text.split()]
    return " ".join(words)


def name_tokens(name: str) -> list[str]:
    """Significant words of a normalised name (no articles or prepositions)."""
    return [w for w in normalise_name(name).split() if w not in _STOPWORDS]


def normalise_address(address: str) -> str:
    text = _PUNCT.sub(" ", fold(address))
    replacements = {
        "av": "avenida",
        "ave": "avenida",
        "blvd": "bulevar",
        "blv": "bulevar",
        "col": "colonia",
        "fracc": "fraccionamiento",
        "carr": "carretera",
        "km": "kilometro",
        "no": "numero",
        "num": "numero",
        "sn": "sin numero",
        "cp": "codigo postal",
        "parque ind": "parque industrial",
    }
    return " ".join(replacements.get(w, w) for w in text.split())
