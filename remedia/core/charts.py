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

Four builders, each data in, `Chart` out: `bar_chart` (horizontal bars),
`share_chart` (one stacked 100 % bar per row, such as actions done on time /
late / ongoing / overdue / dropped), `target_chart` (actual against target
per indicator) and `line_chart` (one or more series over months or any
ordered labels). Coordination's progress and analytics use them; the map of
Mexico's states is `remedia.core.maps.state_map`, built the same way.
"""

from __future__ import annotations

import math
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
    # A line shown under the chart as text (the map's credit), or "".
    note: str = ""


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
class Series:
    """One line of `line_chart`: a value per label, None where there is none."""

    label: str
    values: Sequence[Number | None]


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


# --- Lines over time --------------------------------------------------------------------

# Each series' line also has its own dash and marker, so that no line is told
# by its colour alone (nor in a black-and-white print).
DASHES = ("", "6 3", "2 3", "8 3 2 3", "4 4", "1 2", "10 2")
MARKERS = ("circle", "square", "triangle", "diamond")
PLOT_HEIGHT = 150
CHAR = 7.4  # the width of a digit at FONT in DejaVu Sans: for fitting labels


def _nice_step(span: Decimal) -> Decimal:
    """A step of 1, 2 or 5 × 10^n giving about four intervals over `span`."""
    raw = span / 4
    magnitude = Decimal(10) ** math.floor(math.log10(raw))
    for multiple in (1, 2, 5, 10):
        step = magnitude * multiple
        if step >= raw:
            return step
    return magnitude * 10  # pragma: no cover - 10 is always enough


def _axis(low: Decimal, high: Decimal, whole: bool) -> list[Decimal]:
    """The ticks of the value axis: from 0 (or below, for negatives) to at
    least the highest value, evenly spaced on round numbers."""
    low, high = min(low, Decimal(0)), max(high, Decimal(0))
    if high == low:
        high = low + 1
    step = _nice_step(high - low)
    if whole:
        step = max(step, Decimal(1))
    start = (low / step).to_integral_value(rounding="ROUND_FLOOR") * step
    end = (high / step).to_integral_value(rounding="ROUND_CEILING") * step
    ticks = []
    tick = start
    while tick <= end:
        ticks.append(tick)
        tick += step
    return ticks


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    if shape == "square":
        return (
            f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" '
            f'fill="{colour}"/>'
        )
    if shape == "triangle":
        return (
            f'<path d="M{x:.1f} {y - 4.5:.1f}L{x + 4.5:.1f} {y + 3.5:.1f}'
            f'H{x - 4.5:.1f}Z" fill="{colour}"/>'
        )
    if shape == "diamond":
        return (
            f'<path d="M{x:.1f} {y - 4.5:.1f}L{x + 4.5:.1f} {y:.1f}'
            f'L{x:.1f} {y + 4.5:.1f}L{x - 4.5:.1f} {y:.1f}Z" fill="{colour}"/>'
        )
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"/>'


def line_chart(
    *,
    key: str,
    title: str,
    description: str,
    label_heading: str,
    points: Sequence[tuple[str, Number | None]] | None = None,
    value_heading: str = "",
    labels: Sequence[str] | None = None,
    series: Sequence[Series] | None = None,
    unit: str = "",
) -> Chart:
    """Values over ordered labels (months, say), as lines with a marker per value.

    One line: `points=[("2026-01", 4), ("2026-02", 7), ...]`, its name
    `value_heading`. Several: `labels=[...]` and `series=[Series(name,
    [value per label]), ...]`. A value None leaves a gap in its line. The
    value axis starts at 0 and ends on a round number; the labels under the
    chart are thinned (every second, third...) when they would not fit, and
    the table has them all.
    """
    if points is not None:
        labels = [label for label, _value in points]
        series = [Series(value_heading or _("Valor"), [v for _l, v in points])]
    labels = list(labels or [])
    lines = list(series or [])
    for line in lines:
        if len(line.values) != len(labels):
            raise ValueError(f"series {line.label!r} has not one value per label")
    columns = (label_heading, *(line.label for line in lines))
    present = [Decimal(str(v)) for line in lines for v in line.values if v is not None]
    if not labels or not present:
        return _empty(key, title, description, columns)
    k = _key(key)
    whole = all(v == v.to_integral_value() for v in present)
    ticks = _axis(min(present), max(present), whole)
    bottom, top = ticks[0], ticks[-1]
    tick_width = max(len(number(t, unit)) for t in ticks) * CHAR
    label_width = max(len(_clip(label, 16)) for label in labels) * CHAR
    x0 = max(PAD + tick_width + 6, PAD + label_width / 2)
    x1 = WIDTH - PAD - max(label_width / 2, 6)
    y0 = 12.0  # the top of the plot: room for the top tick's text
    y1 = y0 + PLOT_HEIGHT

    def x_of(index: int) -> float:
        if len(labels) == 1:
            return (x0 + x1) / 2
        return x0 + (x1 - x0) * index / (len(labels) - 1)

    def y_of(value: Decimal) -> float:
        return y1 - float((value - bottom) / (top - bottom)) * PLOT_HEIGHT

    body = ['<g class="chart-axis">']
    for tick in ticks:
        y = y_of(tick)
        body.append(
            f'<path d="M{x0:.1f} {y:.1f}H{x1:.1f}" stroke="{TRACK if tick else TEXT}" '
            f'stroke-width="{1 if tick else 1.2}"/>'
            + _text(x0 - 6, y + 4, number(tick, unit), anchor="end")
        )
    # Labels far enough apart not to touch: every `every`-th one.
    room = (x1 - x0) / max(len(labels) - 1, 1)
    every = max(1, math.ceil((label_width + 8) / room)) if len(labels) > 1 else 1
    for index, label in enumerate(labels):
        if index % every == 0:
            x = x_of(index)
            body.append(
                f'<path d="M{x:.1f} {y1:.1f}V{y1 + 4:.1f}" stroke="{TEXT}"/>'
                + _text(x, y1 + 20, _clip(label, 16), anchor="middle")
            )
    body.append("</g>")
    for number_of, line in enumerate(lines):
        colour = PALETTE[number_of % len(PALETTE)]
        dash = DASHES[number_of % len(DASHES)]
        shape = MARKERS[number_of % len(MARKERS)]
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        body.append(f'<g class="chart-series" data-series="{number_of}">')
        run: list[str] = []
        runs: list[list[str]] = [run]
        for index, value in enumerate(line.values):
            if value is None:
                run = []
                runs.append(run)
                continue
            run.append(f"{x_of(index):.1f} {y_of(Decimal(str(value))):.1f}")
        for segment in runs:
            if len(segment) > 1:
                body.append(
                    f'<path d="M{"L".join(segment)}" fill="none" stroke="{colour}" '
                    f'stroke-width="2" stroke-linejoin="round"{dashed}/>'
                )
        for index, value in enumerate(line.values):
            if value is None:
                continue
            said = f"{labels[index]}, {line.label}: {number(value, unit)}"
            body.append(
                f"<g><title>{clean(said)}</title>"
                + _marker(shape, x_of(index), y_of(Decimal(str(value))), colour)
                + "</g>"
            )
        body.append("</g>")
    # The legend: each line's sample (colour, dash, marker) and its name.
    y = y1 + 32
    for number_of, line in enumerate(lines):
        colour = PALETTE[number_of % len(PALETTE)]
        dash = DASHES[number_of % len(DASHES)]
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        body.append(
            f'<path d="M{PAD} {y + 7:.1f}H{PAD + 28}" stroke="{colour}" '
            f'stroke-width="2"{dashed}/>'
            + _marker(MARKERS[number_of % len(MARKERS)], PAD + 14, y + 7, colour)
            + _text(PAD + 36, y + 11, _clip(line.label, LABEL_CHARS - 6))
        )
        y += 20
    rows = tuple(
        (label, *(number(line.values[index], unit) for line in lines))
        for index, label in enumerate(labels)
    )
    return Chart(
        key=k,
        title=title,
        description=description,
        svg=_svg(key, title, description, y + 4, "".join(body)),
        columns=columns,
        rows=rows,
    )
