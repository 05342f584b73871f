"""Mexico's states as ISO 3166-2:MX codes, with their names, and a lenient parser."""

from __future__ import annotations

import unicodedata

MX_STATES: dict[str, str] = {
    "MX-AGU": "Aguascalientes",
    "MX-BCN": "Baja California",
    "MX-BCS": "Baja California Sur",
    "MX-CAM": "Campeche",
    "MX-CHP": "Chiapas",
    "MX-CHH": "Chihuahua",
    "MX-CMX": "Ciudad de México",
    "MX-COA": "Coahuila",
    "MX-COL": "Colima",
    "MX-DUR": "Durango",
    "MX-GUA": "Guanajuato",
    "MX-GRO": "Guerrero",
    "MX-HID": "Hidalgo",
    "MX-JAL": "Jalisco",
    "MX-MEX": "Estado de México",
    "MX-MIC": "Michoacán",
    "MX-MOR": "Morelos",
    "MX-NAY": "Nayarit",
    "MX-NLE": "Nuevo León",
    "MX-OAX": "Oaxaca",
    "MX-PUE": "Puebla",
    "MX-QUE": "Querétaro",
    "MX-ROO": "Quintana Roo",
    "MX-SLP": "San Luis Potosí",
    "MX-SIN": "Sinaloa",
    "MX-SON": "Sonora",
    "MX-TAB": "Tabasco",
    "MX-TAM": "Tamaulipas",
    "MX-TLA": "Tlaxcala",
    "MX-VER": "Veracruz",
    "MX-YUC": "Yucatán",
    "MX-ZAC": "Zacatecas",
}

STATE_CHOICES = sorted(MX_STATES.items(), key=lambda item: item[1])

# Other names people and public sources use for a state.
_ALIASES = {
    "cdmx": "MX-CMX",
    "distrito federal": "MX-CMX",
    "df": "MX-CMX",
    "mexico": "MX-MEX",
    "edomex": "MX-MEX",
    "coahuila de zaragoza": "MX-COA",
    "michoacan de ocampo": "MX-MIC",
    "veracruz de ignacio de la llave": "MX-VER",
    "queretaro de arteaga": "MX-QUE",
    "ags": "MX-AGU",
}


def fold(text: str) -> str:
    """Lower case without accents or repeated spaces: how people type on phones."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.lower().split())


_BY_NAME = {fold(name): code for code, name in MX_STATES.items()}
_BY_NAME.update(_ALIASES)


def state_code(value: str) -> str | None:
    """An ISO code from a code or a name, accents optional; None if unknown."""
    cleaned = value.strip()
    upper = cleaned.upper()
    if upper in MX_STATES:
        return upper
    if len(upper) == 3 and f"MX-{upper}" in MX_STATES:
        return f"MX-{upper}"
    return _BY_NAME.get(fold(cleaned))


# --- Countries (ISO 3166-1 alpha-2) ------------------------------------------------
# CLDR (through babel) names more territories than ISO 3166-1 assigns: regions,
# unions and user-assigned codes. These are not countries of anyone's citizenship.
_NOT_ISO_3166 = frozenset(
    {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB"}
    | {"XK", "ZZ"}
)


def _territories(language: str) -> dict[str, str]:
    from babel import Locale, UnknownLocaleError

    try:
        locale = Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        locale = Locale("es")
    return dict(locale.territories)


COUNTRY_CODES = frozenset(
    code
    for code in _territories("en")
    if len(code) == 2 and code.isalpha() and code not in _NOT_ISO_3166
)


def country_code(value: str) -> str | None:
    """An ISO 3166-1 alpha-2 code, upper case; None if it names no country."""
    code = value.strip().upper() if isinstance(value, str) else ""
    return code if code in COUNTRY_CODES else None


def country_choices(language: str) -> list[tuple[str, str]]:
    """(code, name) of every country, names in `language`, sorted by name."""
    names = _territories(language)
    return sorted(
        ((code, names.get(code, code)) for code in COUNTRY_CODES),
        key=lambda item: fold(item[1]),
    )
