"""Charts drawn on the server as SVG: no JavaScript, no chart library.

People asked for breakdown charts rather than a CSV to chart themselves
(TolaActivity#634), on phones and in PDFs alike. So every chart is a string
of SVG built here from plain data, the same in a page (inline, 100 % wide, a
`viewBox` that fits a 390 px screen) and in a PDF (WeasyPrint draws inline
SVG), and every chart carries its numbers twice:

- in the SVG itself, for sight: `role="img"`, a `<title>` and a `<desc>`,
  and each bar's value written beside it;
- in a table of the same numbers (`Chart.columns`/`Chart.rows`), which the
  template `core/chart.html` shows next to the drawing, for screen readers,
  copying and anyone who does not read charts.

Colour is never the only cue: every colour has a contrast of at least 3:1
with white (WCAG 1.4.11 for graphics), each part of a stacked bar also has
its own pattern (hatching, dots...), and the legend names the parts with
their values. Every text that reaches the SVG is escaped and loses the
characters XML cannot hold and the bidirectional overrides that could
make a label read as something else.

Three builders, each data in, `Chart` out: `bar_chart` (horizontal bars),
`share_chart` (one stacked 100 % bar per row, such as actions done on time /
late / ongoing / overdue / dropped) and `target_chart` (actual against target
per indicator). Coordination's progress and analytics use them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

Number = int | float | Decimal

WIDTH = 360  # viewBox units: at 100 % of a 390 px screen, about a pixel each
PAD = 4
FONT = 12
LABEL_CHARS = 52  # what fits on one line of WIDTH at FONT; the table has the rest
TEXT = "#1a1a1a"
TRACK = "#e6e6e6"

# Colours with a contrast of 3:1 or more against white (tests/core/test_charts.py
# checks it), each paired with a pattern so that no part is told by colour alone.
PALETTE = (
    "#1b5e20",  # green
    "#8a5300",  # amber
    "#1f5fa8",  # blue
    "#b3261e",  # red
    "#5f6368",  # grey
    "#6a3d9a",  # purple
    "#00695c",  # teal
)
PATTERNS = ("solid", "diagonal", "dots", "cross", "horizontal", "backdiagonal", "grid")

_NOT_XML = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff"
    "\u202a-\u202e\u2066-\u2069]"
)
_ID = re.compile(r"[^a-z0-9-]+")


@dataclass(frozen=True)
class Chart:
    """A drawn chart and the table of its numbers."""

    key: str
    title: str
    description: str
    svg: SafeString
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Bar:
    """One bar of `bar_chart`."""

    label: str
    value: Number


@dataclass(frozen=True)
class Part:
    """One part of `share_chart`'s bars: a key and how it reads."""

    key: str
    label: str


@dataclass(frozen=True)
class ShareRow:
    """One stacked bar of `share_chart`: a value per part key."""

    label: str
    values: dict[str, Number] = field(default_factory=dict)


@dataclass(frozen=True)
class TargetBar:
    """One indicator of `target_chart`; `actual` None: nothing approved yet."""

    label: str
    target: Number | None
    actual: Number | None
    unit: str = ""  # "%" for a percentage; "" for a number


# --- Text -------------------------------------------------------------------------------


def clean(text: Any) -> str:
    """Text fit for XML, without bidirectional overrides, escaped."""
    return str(escape(_NOT_XML.sub("", str(text))))


def _clip(text: str, limit: int = LABEL_CHARS) -> str:
    text = _NOT_XML.sub("", str(text))
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def number(value: Number | None, unit: str = "") -> str:
    """A figure as people read it in the active language: 40, 12.5, 75 %."""
    if value is None:
        return "—"
    decimal = Decimal(str(value))
    places = 0 if decimal == decimal.to_integral_value() else 2
    text = number_format(decimal.normalize() if places else decimal, places)
    if places:
        text = text.rstrip("0").rstrip(".,")
    return f"{text} %" if unit == "%" else text


def percent_of(actual: Number | None, target: Number | None) -> int | None:
    """The actual as a whole percentage of the target; None without both."""
    if actual is None or target is None or Decimal(str(target)) <= 0:
        return None
    return round(100 * Decimal(str(actual)) / Decimal(str(target)))


def contrast(colour: str, background: str = "#ffffff") -> float:
    """WCAG contrast ratio of two #rrggbb colours."""

    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [
            c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4  # noqa: PLR2004
            for c in channels
        ]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(colour), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


# --- SVG pieces -------------------------------------------------------------------------


def _key(key: str) -> str:
    return _ID.sub("-", key.lower()).strip("-") or "chart"


def _pattern(pid: str, index: int) -> str:
    colour = PALETTE[index % len(PALETTE)]
    kind = PATTERNS[index % len(PATTERNS)]
    marks = {
        "solid": "",
        "diagonal": '<path d="M-1 1L1 -1M0 6L6 0M5 7L7 5" stroke="#fff" '
        'stroke-width="1.2"/>',
        "backdiagonal": '<path d="M-1 5L1 7M0 0L6 6M5 -1L7 1" stroke="#fff" '
        'stroke-width="1.2"/>',
        "dots": '<circle cx="3" cy="3" r="1.2" fill="#fff"/>',
        "cross": '<path d="M0 6L6 0M0 0L6 6" stroke="#fff" stroke-width="1"/>',
        "horizontal": '<path d="M0 3H6" stroke="#fff" stroke-width="1.2"/>',
        "grid": '<path d="M3 0V6M0 3H6" stroke="#fff" stroke-width="1"/>',
    }[kind]
    return (
        f'<pattern id="{pid}" patternUnits="userSpaceOnUse" width="6" height="6">'
        f'<rect width="6" height="6" fill="{colour}"/>{marks}</pattern>'
    )


def _fill(pid: str, index: int) -> str:
    """A part's fill: its pattern, or its plain colour when the pattern is
    solid (a tiled solid pattern shows seams in some PDF viewers)."""
    if PATTERNS[index % len(PATTERNS)] == "solid":
        return PALETTE[index % len(PALETTE)]
    return f"url(#{pid})"


def _text(
    x: float, y: float, text: str, *, anchor: str = "start", bold: bool = False
) -> str:
    weight = ' font-weight="bold"' if bold else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{FONT}" fill="{TEXT}" '
        f'text-anchor="{anchor}"{weight}>{clean(text)}</text>'
    )


def _svg(
    key: str, title: str, description: str, height: float, body: str
) -> SafeString:
    k = _key(key)
    return mark_safe(  # noqa: S308 - every text inside went through clean()
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" '
        f'viewBox="0 0 {WIDTH} {height:.0f}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" role="img" '
        f'aria-labelledby="{k}-title {k}-desc" '
        f'font-family="DejaVu Sans, Arial, sans-serif">'
        f'<title id="{k}-title">{clean(title)}</title>'
        f'<desc id="{k}-desc">{clean(description)}</desc>{body}</svg>'
    )


def _empty(key: str, title: str, description: str, columns: tuple[str, ...]) -> Chart:
    body = _text(PAD, 20, _("Todavía no hay datos."))
    return Chart(
        key=_key(key),
        title=title,
        description=description,
        svg=_svg(key, title, description, 30, body),
        columns=columns,
        rows=(),
    )


# --- The builders -----------------------------------------------------------------------


def bar_chart(
    *,
    key: str,
    title: str,
    description: str,
    bars: Sequence[Bar],
    label_heading: str,
    value_heading: str,
    unit: str = "",
    maximum: Number | None = None,
) -> Chart:
    """Horizontal bars, each with its label above and its value beside it.

    The scale runs from 0 to `maximum` (100 for percentages, say) or to the
    largest value.
    """
    columns = (label_heading, value_heading)
    if not bars:
        return _empty(key, title, description, columns)
    top = Decimal(str(maximum)) if maximum is not None else Decimal(0)
    top = max([top, *(Decimal(str(b.value)) for b in bars)]) or Decimal(1)
    room = WIDTH - 2 * PAD - 64  # the value's text goes right of the bar
    parts = []
    y = 0.0
    for bar in bars:
        value = Decimal(str(bar.value))
        length = float(room * max(value, Decimal(0)) / top)
        parts.append(
            f"<g><title>{clean(bar.label)}: {clean(number(bar.value, unit))}</title>"
            + _text(PAD, y + FONT, _clip(bar.label))
            + f'<rect x="{PAD}" y="{y + 16:.1f}" width="{room}" height="14" '
            f'fill="{TRACK}"/>'
            f'<rect x="{PAD}" y="{y + 16:.1f}" width="{length:.1f}" height="14" '
            f'fill="{PALETTE[2]}"/>'
            + _text(PAD + room + 6, y + 27, number(bar.value, unit), bold=True)
            + "</g>"
        )
        y += 38
    return Chart(
        key=_key(key),
        title=title,
        description=description,
        svg=_svg(key, title, description, y, "".join(parts)),
        columns=columns,
        rows=tuple((b.label, number(b.value, unit)) for b in bars),
    )


def share_chart(
    *,
    key: str,
    title: str,
    description: str,
    parts: Sequence[Part],
    rows: Sequence[ShareRow],
    label_heading: str,
) -> Chart:
    """One stacked bar per row, each part its share of the row's total.

    Parts keep their order, colour and pattern across rows; the legend under
    the bars names each part with its total over every row.
    """
    columns = (label_heading, *(p.label for p in parts), _("Total"))
    if not rows:
        return _empty(key, title, description, columns)
    k = _key(key)
    defs = "".join(_pattern(f"{k}-p{i}", i) for i in range(len(parts)))
    body = [f"<defs>{defs}</defs>"]
    room = WIDTH - 2 * PAD
    y = 0.0
    table = []
    for row in rows:
        values = [Decimal(str(row.values.get(p.key, 0) or 0)) for p in parts]
        total = sum(values, Decimal(0))
        said = ", ".join(
            f"{p.label} {number(v)}" for p, v in zip(parts, values, strict=True) if v
        )
        body.append(
            f"<g><title>{clean(row.label)}: {clean(said or number(0))}</title>"
            + _text(
                PAD, y + FONT, f"{_clip(row.label, LABEL_CHARS - 6)} ({number(total)})"
            )
        )
        x = float(PAD)
        body.append(
            f'<rect x="{PAD}" y="{y + 16:.1f}" width="{room}" height="16" '
            f'fill="{TRACK}"/>'
        )
        for index, value in enumerate(values):
            if not value or not total:
                continue
            width = float(room * value / total)
            body.append(
                f'<rect x="{x:.1f}" y="{y + 16:.1f}" width="{width:.1f}" height="16" '
                f'fill="{_fill(f"{k}-p{index}", index)}" stroke="#fff" stroke-width="1"/>'
            )
            x += width
        body.append("</g>")
        table.append((row.label, *(number(v) for v in values), number(total)))
        y += 42
    # The legend: a swatch with the part's pattern, its name and its total.
    for index, part in enumerate(parts):
        total = sum(
            (Decimal(str(r.values.get(part.key, 0) or 0)) for r in rows), Decimal(0)
        )
        body.append(
            f'<rect x="{PAD}" y="{y + 2:.1f}" width="14" height="14" '
            f'fill="{_fill(f"{k}-p{index}", index)}" stroke="{TEXT}" '
            'stroke-width="0.5"/>'
            + _text(PAD + 20, y + 13, f"{_clip(part.label, 40)}: {number(total)}")
        )
        y += 20
    return Chart(
        key=k,
        title=title,
        description=description,
        svg=_svg(key, title, description, y + 4, "".join(body)),
        columns=columns,
        rows=tuple(table),
    )


def target_chart(
    *,
    key: str,
    title: str,
    description: str,
    items: Sequence[TargetBar],
    label_heading: str,
    actual_label: str = "",
) -> Chart:
    """For each indicator, its target (an outlined bar) and the actual (a solid
    bar on top of a hatched one), on the indicator's own scale, with
    "actual of target (share)" written under them."""
    columns = (label_heading, _("Meta"), _("Logrado"), _("Avance sobre la meta"))
    if not items:
        return _empty(key, title, description, columns)
    k = _key(key)
    body = [f"<defs>{_pattern(f'{k}-actual', 1)}</defs>"]
    room = WIDTH - 2 * PAD
    y = 0.0
    table = []
    for item in items:
        target = Decimal(str(item.target)) if item.target is not None else None
        actual = Decimal(str(item.actual)) if item.actual is not None else None
        scale = max(target or Decimal(0), actual or Decimal(0)) or Decimal(1)
        share = percent_of(actual, target)
        said = _("%(actual)s de %(target)s") % {
            "actual": number(actual, item.unit),
            "target": number(target, item.unit),
        }
        if share is not None:
            said += f" ({share} %)"
        body.append(
            f"<g><title>{clean(item.label)}: {clean(said)}</title>"
            + _text(PAD, y + FONT, _clip(item.label))
        )
        if target is not None:
            body.append(
                f'<rect x="{PAD}" y="{y + 16:.1f}" '
                f'width="{float(room * target / scale):.1f}" height="16" '
                f'fill="none" stroke="{TEXT}" stroke-width="1.5" '
                f'stroke-dasharray="4 2"/>'
            )
        if actual is not None and actual > 0:
            body.append(
                f'<rect x="{PAD}" y="{y + 19:.1f}" '
                f'width="{float(room * actual / scale):.1f}" height="10" '
                f'fill="url(#{k}-actual)"/>'
            )
        body.append(_text(PAD, y + 46, said) + "</g>")
        table.append(
            (
                item.label,
                number(target, item.unit),
                number(actual, item.unit),
                "—" if share is None else f"{share} %",
            )
        )
        y += 58
    body.append(
        f'<rect x="{PAD}" y="{y:.1f}" width="20" height="10" fill="none" '
        f'stroke="{TEXT}" stroke-width="1.5" stroke-dasharray="4 2"/>'
        + _text(PAD + 26, y + 10, _("Meta"))
        + f'<rect x="{PAD + 120}" y="{y:.1f}" width="20" height="10" '
        f'fill="url(#{k}-actual)"/>'
        + _text(PAD + 146, y + 10, actual_label or _("Logrado"))
    )
    return Chart(
        key=k,
        title=title,
        description=description,
        svg=_svg(key, title, description, y + 16, "".join(body)),
        columns=columns,
        rows=tuple(table),
    )
