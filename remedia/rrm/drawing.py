"""RRM pictures drawn on the server as SVG: a case's timeline and the figures' charts.

PRODUCT.md C8: charts render on the server, no JavaScript. The CSP allows no
inline style (``style-src 'self'``), so the markup carries no ``style``
attribute and no ``<style>``: colours are presentation attributes (so a saved
SVG still reads), every shape has a class that ``remedia.css`` may restyle,
and the print rules live there too. Every text is escaped; only the assembled
markup is marked safe. Labels follow the active language.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence

from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from remedia.core.words import date_words
from remedia.rrm.deadlines import Step, StepStatus
from remedia.rrm.labels import status_label, step_label

__all__ = ["STATUS_COLOURS", "durations_svg", "status_bar_svg", "timeline_svg"]

WIDTH = 720
RIGHT = 28
ROW = 34
BAR = 14

# Fill and stroke per status; each fill has at least 3:1 contrast on white
# (WCAG 1.4.11). A step done on an unknown date is hatched: it happened, but
# there is no day to put a marker on.
STATUS_COLOURS: dict[str, tuple[str, str]] = {
    StepStatus.MET: ("#1e7a3c", "#14532b"),
    StepStatus.LATE: ("#c0600c", "#7a3d06"),
    StepStatus.OVERDUE: ("#b3261e", "#6e1410"),
    StepStatus.PENDING: ("#3a67ad", "#1f3f73"),
    StepStatus.DONE_UNDATED: ("url(#tl-hatch)", "#4f6b57"),
}
_STATUS_ORDER = (
    StepStatus.MET,
    StepStatus.LATE,
    StepStatus.DONE_UNDATED,
    StepStatus.PENDING,
    StepStatus.OVERDUE,
)
_HATCH = (
    '<defs><pattern id="tl-hatch" patternUnits="userSpaceOnUse" width="6" '
    'height="6" patternTransform="rotate(45)"><rect width="6" height="6" '
    'fill="#e4eee7"/><line x1="0" y1="0" x2="0" y2="6" stroke="#4f6b57" '
    'stroke-width="2.5"/></pattern></defs>'
)


def _n(value: float) -> str:
    """A coordinate, short: 12, 12.5."""
    return f"{round(value, 1):g}"


def _day(day: dt.date) -> str:
    """A day as people read it, in the labels and in the description."""
    return date_words(day)


def _svg_open(*, width: int, height: int, css: str, ident: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{css}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-labelledby="{ident}-title {ident}-desc">'
    )


def _heading(*, ident: str, title: str, desc: str) -> str:
    return (
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(desc)}</desc>'
    )


def _text(
    x: float, y: float, text: str, *, css: str, anchor: str = "start", size: int = 12
) -> str:
    return (
        f'<text class="{css}" x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" '
        f'font-size="{size}" fill="#1b1b1b">{escape(text)}</text>'
    )


# -- A case's timeline --------------------------------------------------------


def _step_sentence(step: Step) -> str:
    values = {
        "step": step_label(step.step),
        "start": _day(step.start),
        "due": _day(step.due_business),
        "status": status_label(str(step.status)),
    }
    if step.done is not None:
        return _(
            "%(step)s: desde el %(start)s, vence el %(due)s, hecho el %(done)s: "
            "%(status)s."
        ) % {**values, "done": _day(step.done)}
    return _("%(step)s: desde el %(start)s, vence el %(due)s: %(status)s.") % values


def _month_ticks(first: dt.date, last: dt.date) -> list[dt.date]:
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    every = next((n for n in (1, 2, 3, 6, 12) if months / n <= 9), 24)
    ticks: list[dt.date] = []
    index = first.year * 12 + first.month  # the month after ``first``'s
    if first.day == 1:
        index -= 1
    while True:
        year, month = divmod(index, 12)
        day = dt.date(year, month + 1, 1)
        if day > last:
            return ticks
        if index % every == 0:
            ticks.append(day)
        index += 1


def _tick_label(day: dt.date, *, first_tick: bool) -> str:
    # Month names come from Django's catalogue in the active language.
    if first_tick or day.month == 1:
        return date_format(day, "M Y")
    return date_format(day, "M")


def timeline_svg(
    *,
    steps: list[Step],
    today: dt.date,
    remediation_deadline: dt.date | None = None,
    title: str = "",
    ident: str = "rrm-timeline-chart",
) -> SafeString:
    """A case's steps on a time axis: a bar from each start to its business-day
    due date, a marker on the day it was done, colour by status, today and the
    course's deadline as vertical lines.

    The axis runs from the earliest start to the latest due or done date (or the
    course's deadline). Today joins the axis when it falls near it; a case years
    old would otherwise shrink to a sliver, so a far-off today is written at the
    right edge instead, with the open steps running off towards it.
    """
    title = title or _("Plazos del caso en el tiempo")
    if not steps:
        desc = _(
            "Sin plazos que dibujar: no se conoce la fecha de inicio de ningún paso."
        )
        return mark_safe(  # noqa: S308 - every text above is escaped
            _svg_open(width=WIDTH, height=48, css="rrm-chart rrm-timeline", ident=ident)
            + _heading(ident=ident, title=title, desc=desc)
            + _text(
                WIDTH / 2,
                28,
                _("Sin plazos que dibujar"),
                css="tl-empty",
                anchor="middle",
                size=14,
            )
            + "</svg>"
        )

    first = min(step.start for step in steps)
    ends = [step.due_business for step in steps]
    ends += [step.done for step in steps if step.done is not None]
    if remediation_deadline is not None:
        ends.append(remediation_deadline)
    last = max(ends)
    span = max((last - first).days, 1)
    if first <= today and (today - last).days <= max(30, span // 3):
        last = max(last, today)
    span = max((last - first).days, 1)
    pad = max(2, span // 30)
    axis_end = last + dt.timedelta(days=pad)
    total = (axis_end - first).days

    label_w = 210
    top = 46
    plot_w = WIDTH - label_w - RIGHT
    rows_bottom = top + ROW * len(steps)
    legend_y = rows_bottom + (40 if remediation_deadline else 24)
    height = legend_y + 24

    def x(day: dt.date) -> float:
        return label_w + (day - first).days / total * plot_w

    right_edge = label_w + plot_w
    today_on_axis = first <= today <= axis_end
    parts: list[str] = [_HATCH]

    # Axis: month ticks with light grid lines.
    parts.append('<g class="tl-axis">')
    parts.append(
        f'<line x1="{label_w}" y1="{top - 4}" x2="{_n(right_edge)}" y2="{top - 4}" '
        'stroke="#8a8175" stroke-width="1"/>'
    )
    for i, tick in enumerate(_month_ticks(first, axis_end)):
        tx = x(tick)
        parts.append(
            f'<line class="tl-grid" x1="{_n(tx)}" y1="{top - 8}" x2="{_n(tx)}" '
            f'y2="{rows_bottom}" stroke="#d8d2c8" stroke-width="1"/>'
        )
        parts.append(
            _text(
                tx,
                top - 12,
                _tick_label(tick, first_tick=i == 0),
                css="tl-tick",
                anchor="middle",
                size=11,
            )
        )
    parts.append("</g>")

    sentences = []
    for i, step in enumerate(steps):
        status = str(step.status)
        fill, stroke = STATUS_COLOURS[status]
        y0 = top + i * ROW
        cy = y0 + ROW / 2
        sentence = _step_sentence(step)
        sentences.append(sentence)
        parts.append(f'<g class="tl-row tl-{status}" data-step="{escape(step.step)}">')
        parts.append(f"<title>{escape(sentence)}</title>")
        if i % 2:
            parts.append(
                f'<rect class="tl-band" x="0" y="{y0}" width="{WIDTH}" height="{ROW}" '
                'fill="#f6f3ee"/>'
            )
        parts.append(
            _text(
                label_w - 10,
                cy + 4,
                step_label(step.step),
                css="tl-label",
                anchor="end",
            )
        )
        x0, x1 = x(step.start), x(step.due_business)
        parts.append(
            f'<rect class="tl-bar" x="{_n(x0)}" y="{_n(cy - BAR / 2)}" '
            f'width="{_n(max(x1 - x0, 2))}" height="{BAR}" rx="2" fill="{fill}" '
            f'stroke="{stroke}" stroke-width="1"/>'
        )
        if step.status == StepStatus.OVERDUE:
            # Still open: a line from the due date on to today.
            end = x(today) if today_on_axis else right_edge
            parts.append(
                f'<line class="tl-overrun" x1="{_n(x1)}" y1="{_n(cy)}" '
                f'x2="{_n(end)}" y2="{_n(cy)}" stroke="{stroke}" stroke-width="3" '
                'stroke-dasharray="6 3"/>'
            )
        if step.done is not None:
            dx = x(step.done)
            if step.status == StepStatus.LATE:
                parts.append(
                    f'<line class="tl-lateness" x1="{_n(x1)}" y1="{_n(cy)}" '
                    f'x2="{_n(dx)}" y2="{_n(cy)}" stroke="{stroke}" stroke-width="3"/>'
                )
            parts.append(
                f'<path class="tl-done" d="M{_n(dx)} {_n(cy - 8)}l7 8l-7 8l-7 -8z" '
                f'fill="#ffffff" stroke="{stroke}" stroke-width="2"/>'
            )
        parts.append("</g>")

    if remediation_deadline is not None:
        cx = x(remediation_deadline)
        parts.append(
            f'<g class="tl-course-deadline"><line x1="{_n(cx)}" y1="{top - 4}" '
            f'x2="{_n(cx)}" y2="{rows_bottom + 4}" stroke="#7a1f3d" stroke-width="2" '
            'stroke-dasharray="2 3"/>'
            + _text(
                min(cx, right_edge),
                rows_bottom + 18,
                _("plazo del curso: %(date)s") % {"date": _day(remediation_deadline)},
                css="tl-marker-label",
                anchor="end" if cx > label_w + plot_w / 2 else "start",
                size=11,
            )
            + "</g>"
        )
        sentences.append(
            _("Plazo del curso de reparación: %(date)s.")
            % {"date": _day(remediation_deadline)}
        )

    today_text = _("hoy: %(date)s") % {"date": _day(today)}
    if today_on_axis:
        tx = x(today)
        parts.append(
            f'<g class="tl-today"><line x1="{_n(tx)}" y1="{top - 4}" x2="{_n(tx)}" '
            f'y2="{rows_bottom}" stroke="#1b1b1b" stroke-width="2"/>'
            + _text(
                tx,
                top - 26,
                today_text,
                css="tl-marker-label",
                anchor="end" if tx > label_w + plot_w / 2 else "start",
                size=11,
            )
            + "</g>"
        )
    elif today > axis_end:
        parts.append(
            '<g class="tl-today tl-today-off-axis">'
            + _text(
                right_edge,
                top - 26,
                today_text + " →",
                css="tl-marker-label",
                anchor="end",
                size=11,
            )
            + "</g>"
        )
    sentences.append(_("Hoy: %(date)s.") % {"date": _day(today)})

    parts.append(
        _legend(
            [s for s in _STATUS_ORDER if any(step.status == s for step in steps)],
            y=legend_y,
            done_marker=any(step.done is not None for step in steps),
        )
    )

    return mark_safe(  # noqa: S308 - every text above is escaped
        _svg_open(width=WIDTH, height=height, css="rrm-chart rrm-timeline", ident=ident)
        + _heading(ident=ident, title=title, desc=" ".join(sentences))
        + "".join(parts)
        + "</svg>"
    )


def _legend(statuses: Sequence[str], *, y: float, done_marker: bool) -> str:
    parts = ['<g class="tl-legend">']
    lx = 10.0
    for status in statuses:
        fill, stroke = STATUS_COLOURS[status]
        label = status_label(status)
        parts.append(
            f'<rect class="tl-key tl-{status}" x="{_n(lx)}" y="{_n(y - 10)}" '
            f'width="14" height="12" fill="{fill}" stroke="{stroke}"/>'
        )
        parts.append(_text(lx + 19, y, label, css="tl-legend-label", size=11))
        lx += 26 + 6.5 * len(label)
    if done_marker:
        parts.append(
            f'<path class="tl-key" d="M{_n(lx + 7)} {_n(y - 11)}l6 7l-6 7l-6 -7z" '
            'fill="#ffffff" stroke="#1b1b1b" stroke-width="1.5"/>'
        )
        parts.append(
            _text(lx + 19, y, _("día en que se hizo"), css="tl-legend-label", size=11)
        )
    parts.append("</g>")
    return "".join(parts)


# -- Figures ------------------------------------------------------------------


def _nice_step(maximum: float) -> int:
    return next((n for n in (5, 10, 15, 30, 60, 90, 180, 365) if maximum / n <= 8), 730)


def durations_svg(
    *,
    rows: Sequence[tuple[str, Sequence[int], float | None]],
    title: str,
    ident: str = "rrm-durations-chart",
) -> SafeString:
    """One line per duration: a dot for each case, the range from the shortest
    to the longest, and a bar at the median. ``rows``: (label, days, median)."""
    label_w = 300
    top = 34
    plot_w = WIDTH - label_w - RIGHT
    height = top + ROW * len(rows) + 34
    maximum = max((max(values) for _, values, _m in rows if values), default=0)
    step = _nice_step(max(maximum, 1))
    axis_max = max(step, -(-maximum // step) * step)

    def x(days: float) -> float:
        return label_w + days / axis_max * plot_w

    parts = ['<g class="ch-axis">']
    bottom = top + ROW * len(rows)
    for tick in range(0, axis_max + 1, step):
        tx = x(tick)
        parts.append(
            f'<line class="ch-grid" x1="{_n(tx)}" y1="{top - 6}" x2="{_n(tx)}" '
            f'y2="{bottom}" stroke="#d8d2c8" stroke-width="1"/>'
        )
        parts.append(
            _text(tx, top - 12, str(tick), css="ch-tick", anchor="middle", size=11)
        )
    parts.append(
        _text(
            label_w + plot_w / 2,
            bottom + 24,
            _("días"),
            css="ch-axis-label",
            anchor="middle",
            size=11,
        )
    )
    parts.append("</g>")
    sentences = []
    for i, (label, values, median) in enumerate(rows):
        cy = top + i * ROW + ROW / 2
        if values:
            sentence = _(
                "%(label)s: %(count)s casos, mediana %(median)s días, de %(min)s a "
                "%(max)s."
            ) % {
                "label": label,
                "count": len(values),
                "median": f"{median:g}" if median is not None else "—",
                "min": min(values),
                "max": max(values),
            }
        else:
            sentence = _("%(label)s: sin casos con ambas fechas.") % {"label": label}
        sentences.append(sentence)
        parts.append(f'<g class="ch-row"><title>{escape(sentence)}</title>')
        parts.append(_text(label_w - 10, cy + 4, label, css="ch-label", anchor="end"))
        if not values:
            parts.append(
                _text(label_w + 4, cy + 4, _("sin datos"), css="ch-none", size=11)
            )
            parts.append("</g>")
            continue
        parts.append(
            f'<line class="ch-range" x1="{_n(x(min(values)))}" y1="{_n(cy)}" '
            f'x2="{_n(x(max(values)))}" y2="{_n(cy)}" stroke="#8a8175" '
            'stroke-width="2"/>'
        )
        seen: Counter[int] = Counter()
        for value in sorted(values):
            # Equal values stack up and down so each case stays visible.
            k = seen[value]
            seen[value] += 1
            offset = (k + 1) // 2 * 4 * (1 if k % 2 else -1)
            parts.append(
                f'<circle class="ch-dot" cx="{_n(x(value))}" cy="{_n(cy + offset)}" '
                'r="3.5" fill="#3a67ad" fill-opacity="0.75" stroke="#1f3f73" '
                'stroke-width="1"/>'
            )
        if median is not None:
            mx = x(median)
            parts.append(
                f'<line class="ch-median" x1="{_n(mx)}" y1="{_n(cy - 11)}" '
                f'x2="{_n(mx)}" y2="{_n(cy + 11)}" stroke="#7a1f3d" stroke-width="3"/>'
            )
        parts.append("</g>")
    return mark_safe(  # noqa: S308 - every text above is escaped
        _svg_open(
            width=WIDTH, height=height, css="rrm-chart rrm-durations", ident=ident
        )
        + _heading(ident=ident, title=title, desc=" ".join(sentences))
        + "".join(parts)
        + "</svg>"
    )


def status_bar_svg(
    *,
    parts: Sequence[tuple[str, int]],
    title: str,
    ident: str = "rrm-status-chart",
) -> SafeString:
    """One bar split by status, in proportion; ``parts``: (status, count)."""
    total = sum(count for _, count in parts)
    height = 96
    left, bar_w, top = 10, WIDTH - 20, 10
    shapes = [_HATCH]
    sentences = []
    lx = float(left)
    legend_x = float(left)
    for status, count in parts:
        fill, stroke = STATUS_COLOURS[status]
        share = count / total if total else 0
        label = status_label(status)
        words = _("%(status)s: %(count)s de %(total)s (%(share)s %%)") % {
            "status": label,
            "count": count,
            "total": total,
            "share": f"{share * 100:.0f}",
        }
        sentences.append(words + ".")
        if count:
            width = share * bar_w
            shapes.append(
                f'<rect class="ch-part tl-{status}" x="{_n(lx)}" y="{top}" '
                f'width="{_n(width)}" height="32" fill="{fill}" stroke="#ffffff" '
                f'stroke-width="1"><title>{escape(words)}</title></rect>'
            )
            lx += width
        shapes.append(
            f'<rect class="tl-key tl-{status}" x="{_n(legend_x)}" y="{top + 48}" '
            f'width="14" height="12" fill="{fill}" stroke="{stroke}"/>'
        )
        key = f"{label} {count}"
        shapes.append(
            _text(legend_x + 19, top + 58, key, css="tl-legend-label", size=11)
        )
        legend_x += 30 + 6.5 * len(key)
    if not total:
        shapes.append(
            _text(
                WIDTH / 2,
                top + 22,
                _("Sin pasos que contar"),
                css="tl-empty",
                anchor="middle",
                size=14,
            )
        )
    return mark_safe(  # noqa: S308 - every text above is escaped
        _svg_open(
            width=WIDTH, height=height, css="rrm-chart rrm-status-bar", ident=ident
        )
        + _heading(ident=ident, title=title, desc=" ".join(sentences))
        + "".join(shapes)
        + "</svg>"
    )
