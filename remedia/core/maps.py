"""A map of Mexico's 32 states, coloured by a figure (a choropleth), drawn as SVG.

The shapes are MapSVG's (`data/mexico_states.json`, CC BY 4.0, see
`data/mexico_states.SOURCE.md`), read once per process. The drawing follows
`charts`: a `Chart` whose SVG has `role="img"`, a `<title>` and a `<desc>`,
every text escaped, no `style` attribute or script (the CSP allows neither),
and whose table (`Chart.columns`/`Chart.rows`) lists every state with its
value, then the figure whose state is unknown. `core/chart.html` shows both.

    state_map(
        {"MX-PUE": 12, "MX-CMX": 40, "": 3},
        key="reports-by-state",
        title=_("Denuncias por estado"),
        description=_("Denuncias recibidas en el periodo, por estado del centro."),
        unknown=2,
    )

Keys are ISO 3166-2:MX codes ("MX-PUE"), also accepted without "MX-" or as a
state's name ("Puebla", "CDMX"): whatever `geo.state_code` reads. A value
whose key is no state (empty, "XX", a typo) is added to the "unknown state"
count written beside the map, never dropped; states without a value are 0.

How it reads, on screen and on paper:

- the states with 0 are white; the others fall in up to five classes
  (quantiles of the non-zero values, so that a few large states do not
  leave all the others in one class), coloured from light yellow to dark
  purple (viridis: colour-blind safe, and each class lighter than the next
  in grey, so a black-and-white print keeps the order);
- every border is drawn twice, a wide white line under a thin dark one, so
  it shows between any two classes, even two states of the same class;
- the legend gives each class its range (the lowest and highest value of
  its states) and how many states it holds; when every state has the same
  value there is one class, and the legend says that all states hold it;
- each state carries a `<title>` (its name and value) shown on hover;
- the credit the licence asks for (`CREDIT`) is written in the SVG, so every
  page and PDF that draws the map carries it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from remedia.core.charts import (
    FONT,
    PAD,
    WIDTH,
    Chart,
    Number,
    _key,
    _svg,
    _text,
    clean,
    number,
)
from remedia.core.geo import MX_STATES, fold, state_code

CREDIT = gettext_lazy("Mapa: MapSVG / Victor Cazanave, CC BY 4.0")

# The states' names in the active language (Spanish; English from the .po).
STATE_NAMES: dict[str, Promise] = {
    "MX-AGU": gettext_lazy("Aguascalientes"),
    "MX-BCN": gettext_lazy("Baja California"),
    "MX-BCS": gettext_lazy("Baja California Sur"),
    "MX-CAM": gettext_lazy("Campeche"),
    "MX-CHP": gettext_lazy("Chiapas"),
    "MX-CHH": gettext_lazy("Chihuahua"),
    "MX-CMX": gettext_lazy("Ciudad de México"),
    "MX-COA": gettext_lazy("Coahuila"),
    "MX-COL": gettext_lazy("Colima"),
    "MX-DUR": gettext_lazy("Durango"),
    "MX-GUA": gettext_lazy("Guanajuato"),
    "MX-GRO": gettext_lazy("Guerrero"),
    "MX-HID": gettext_lazy("Hidalgo"),
    "MX-JAL": gettext_lazy("Jalisco"),
    "MX-MEX": gettext_lazy("Estado de México"),
    "MX-MIC": gettext_lazy("Michoacán"),
    "MX-MOR": gettext_lazy("Morelos"),
    "MX-NAY": gettext_lazy("Nayarit"),
    "MX-NLE": gettext_lazy("Nuevo León"),
    "MX-OAX": gettext_lazy("Oaxaca"),
    "MX-PUE": gettext_lazy("Puebla"),
    "MX-QUE": gettext_lazy("Querétaro"),
    "MX-ROO": gettext_lazy("Quintana Roo"),
    "MX-SLP": gettext_lazy("San Luis Potosí"),
    "MX-SIN": gettext_lazy("Sinaloa"),
    "MX-SON": gettext_lazy("Sonora"),
    "MX-TAB": gettext_lazy("Tabasco"),
    "MX-TAM": gettext_lazy("Tamaulipas"),
    "MX-TLA": gettext_lazy("Tlaxcala"),
    "MX-VER": gettext_lazy("Veracruz"),
    "MX-YUC": gettext_lazy("Yucatán"),
    "MX-ZAC": gettext_lazy("Zacatecas"),
}

MAX_CLASSES = 5
# Viridis in five steps, light to dark: colour-blind safe, and each step
# darker in grey than the one before (tests/core/test_maps.py checks it).
RAMP = ("#fde725", "#5ec962", "#21918c", "#3b528b", "#440154")
# Which steps of RAMP k classes take: spread out, so two classes differ well.
_STEPS = {1: (2,), 2: (1, 3), 3: (0, 2, 4), 4: (0, 1, 3, 4), 5: (0, 1, 2, 3, 4)}
# The states with 0: white, hatched in grey, so that in print they are not
# taken for the lightest class.
ZERO = "#ffffff"
ZERO_HATCH = "#8c8c8c"
BORDER = "#1a1a1a"
# A state whose value is withheld (suppressed): a mid grey, in no class.
WITHHELD = "#a6a6a6"
CASING = "#ffffff"

_DATA = Path(__file__).with_name("data") / "mexico_states.json"


@dataclass(frozen=True)
class MapClass:
    """One class of the legend: the states whose value is in low..high."""

    low: Decimal
    high: Decimal
    colour: str
    states: int


@cache
def shapes() -> tuple[tuple[float, float], dict[str, str]]:
    """((width, height), {"MX-AGU": path data, ...}), read once per process."""
    data = json.loads(_DATA.read_text(encoding="utf-8"))
    _x, _y, width, height = (float(v) for v in data["viewBox"].split())
    paths = {f"MX-{code.upper()}": d for code, d in data["paths"].items()}
    return (width, height), paths


def _decimal(value: Any) -> Decimal:
    try:
        result = Decimal(str(value if value is not None else 0))
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return result


def state_values(
    values: Mapping[Any, Number | None],
) -> tuple[dict[str, Decimal], Decimal]:
    """Every state's value (0 when absent) and the sum of the values whose key
    is no state. Keys naming the same state ("MX-PUE", "PUE") are added."""
    by_state = dict.fromkeys(MX_STATES, Decimal(0))
    unknown = Decimal(0)
    for key, value in values.items():
        code = state_code(key) if isinstance(key, str) else None
        if code is None:
            unknown += _decimal(value)
        else:
            by_state[code] += _decimal(value)
    return by_state, unknown


def classes(values: list[Decimal]) -> list[MapClass]:
    """The legend's classes of the non-zero values: each distinct value its
    own class when there are five or fewer, else quantiles, ties kept in one
    class. The zero class is not among them (see `state_map`)."""
    ordered = sorted(v for v in values if v != 0)
    if not ordered:
        return []
    distinct = sorted(set(ordered))
    if len(distinct) <= MAX_CLASSES:
        uppers = distinct
    else:
        count = len(ordered)
        uppers = []
        for i in range(1, MAX_CLASSES + 1):
            upper = ordered[math.ceil(count * i / MAX_CLASSES) - 1]
            if not uppers or upper > uppers[-1]:
                uppers.append(upper)
    colours = [RAMP[i] for i in _STEPS[len(uppers)]]
    found = []
    lower_bound: Decimal | None = None
    for upper, colour in zip(uppers, colours, strict=True):
        members = [
            v
            for v in ordered
            if v <= upper and (lower_bound is None or v > lower_bound)
        ]
        found.append(MapClass(min(members), upper, colour, len(members)))
        lower_bound = upper
    return found


def _zero_pattern(k: str) -> str:
    return (
        f'<pattern id="{k}-zero" patternUnits="userSpaceOnUse" width="6" height="6">'
        f'<rect width="6" height="6" fill="{ZERO}"/>'
        f'<path d="M-1 1L1 -1M0 6L6 0M5 7L7 5" stroke="{ZERO_HATCH}" '
        'stroke-width="0.8"/></pattern>'
    )


def zero_fill(key: str) -> str:
    """The fill of the states with 0 in the map of `key` (a hatched white)."""
    return f"url(#{_key(key)}-zero)"


def _colour(value: Decimal, found: list[MapClass], zero: str) -> str:
    if value == 0:
        return zero
    for item in found:
        if value <= item.high:
            return item.colour
    return found[-1].colour


def _range(item: MapClass, unit: str) -> str:
    if item.low == item.high:
        return number(item.low, unit)
    return f"{number(item.low, unit)}–{number(item.high, unit)}"


def _states(count: int) -> str:
    return ngettext("%(count)s estado", "%(count)s estados", count) % {"count": count}


def state_map(
    values: Mapping[Any, Number | None],
    *,
    key: str,
    title: str,
    description: str,
    unknown: Number = 0,
    unit: str = "",
    state_heading: str = "",
    value_heading: str = "",
    withheld: Collection[str] = (),
    unknown_withheld: bool = False,
) -> Chart:
    """The choropleth of `values` by state, with its legend, the "unknown
    state" count (`unknown` plus the values whose key is no state), the credit
    and a table of every state's value (`unit` "%" writes percentages).

    `withheld`: states whose value is not published (suppressed small counts):
    grey, "suprimido" in the legend, the title and the table, never drawn as
    0; `unknown_withheld` says the same of the unknown-state count."""
    (map_width, map_height), paths = shapes()
    by_state, stray = state_values(values)
    hidden = {code for code in (state_code(w) for w in withheld) if code is not None}
    unknown_total = _decimal(unknown) + stray
    found = classes([v for code, v in by_state.items() if code not in hidden])
    zeros = sum(1 for code, v in by_state.items() if v == 0 and code not in hidden)
    withheld_said = str(_("suprimido"))
    names = {code: str(STATE_NAMES[code]) for code in MX_STATES}
    k = _key(key)
    zero = zero_fill(key)

    scale = (WIDTH - 2 * PAD) / map_width
    height = map_height * scale
    defs = "".join(
        f'<path id="{k}-{code[3:].lower()}" d="{paths[code]}"/>' for code in MX_STATES
    )
    fills = []
    outlines = []
    for code in MX_STATES:
        ref = f"#{k}-{code[3:].lower()}"
        if code in hidden:
            said, fill = withheld_said, WITHHELD
        else:
            said = number(by_state[code], unit)
            fill = _colour(by_state[code], found, zero)
        fills.append(
            f'<g data-state="{code}"><title>{clean(names[code])}: '
            f'{clean(said)}</title><use href="{ref}" fill="{fill}"/></g>'
        )
        outlines.append(f'<use href="{ref}"/>')
    body = [
        f"<defs>{_zero_pattern(k)}{defs}</defs>",
        f'<g transform="translate({PAD} 0) scale({scale:.5f})" '
        'stroke-linejoin="round">',
        f'<g class="map-states" stroke="{CASING}" stroke-width="3">',
        *fills,
        "</g>",
        f'<g fill="none" stroke="{BORDER}" stroke-width="0.9" pointer-events="none">',
        *outlines,
        "</g></g>",
    ]
    y = height + 8
    body.append(
        '<g class="map-unknown">'
        + _text(
            PAD,
            y + FONT,
            _("Estado desconocido: %(count)s")
            % {
                "count": withheld_said
                if unknown_withheld
                else number(unknown_total, unit)
            },
            bold=True,
        )
        + "</g>"
    )
    y += 22
    legend: list[tuple[str, str]] = []
    everyone = len(MX_STATES)
    if zeros:
        said = number(0, unit)
        legend.append(
            (
                zero,
                _("%(range)s: todos los estados") % {"range": said}
                if zeros == everyone
                else f"{said} ({_states(zeros)})",
            )
        )
    for item in found:
        legend.append(
            (
                item.colour,
                _("%(range)s: todos los estados") % {"range": _range(item, unit)}
                if item.states == everyone
                else f"{_range(item, unit)} ({_states(item.states)})",
            )
        )
    if hidden:
        legend.append((WITHHELD, f"{_('Suprimido')} ({_states(len(hidden))})"))
    body.append('<g class="map-legend">')
    for colour, said in legend:
        body.append(
            f'<rect x="{PAD}" y="{y + 1:.1f}" width="16" height="14" '
            f'fill="{colour}" stroke="{BORDER}" stroke-width="0.8"/>'
            + _text(PAD + 22, y + FONT, said)
        )
        y += 20
    body.append("</g>")
    body.append(f'<g class="map-credit">{_text(PAD, y + FONT, str(CREDIT))}</g>')
    y += 20

    ordered = sorted(MX_STATES, key=lambda code: fold(names[code]))
    rows = tuple(
        (names[code], withheld_said if code in hidden else number(by_state[code], unit))
        for code in ordered
    )
    rows += (
        (
            _("Estado desconocido"),
            withheld_said if unknown_withheld else number(unknown_total, unit),
        ),
    )
    return Chart(
        key=k,
        title=title,
        description=description,
        svg=_svg(key, title, description, y, "".join(body)),
        columns=(
            state_heading or pgettext("lugar", "Estado"),
            value_heading or _("Valor"),
        ),
        rows=rows,
        note=str(CREDIT),
    )
