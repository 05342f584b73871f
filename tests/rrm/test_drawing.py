"""The timeline and the figures drawn as SVG: pure functions, no database."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from django.utils import translation

from remedia.rrm.deadlines import timeline_compute
from remedia.rrm.drawing import durations_svg, status_bar_svg, timeline_svg

SVG = "{http://www.w3.org/2000/svg}"
TODAY = dt.date(2026, 11, 22)


def _parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # noqa: S314 - our own markup


def _rows(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if "tl-row" in g.get("class", "").split()]


def _inisa(today: dt.date = dt.date(2023, 8, 20)):
    return timeline_compute(
        today=today,
        petition=dt.date(2023, 5, 12),
        request=dt.date(2023, 6, 12),
        determination=dt.date(2023, 7, 27),
        remediation_agreed=dt.date(2023, 8, 9),
    )


def test_a_timeline_is_an_accessible_svg_with_a_row_per_step():
    # Given INISA's four steps
    steps = _inisa()

    # When drawn
    markup = timeline_svg(
        steps=steps,
        today=dt.date(2023, 8, 20),
        remediation_deadline=dt.date(2023, 11, 10),
        title="INISA",
    )

    # Then it parses, it is an image with a title and a description in words
    root = _parse(markup)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "INISA"
    desc = root.find(f"{SVG}desc").text
    assert (
        "Revisión: desde el 12 de junio de 2023, vence el 27 de julio de 2023, "
        "hecho el 27 de julio de 2023: cumplido." in desc
    )
    assert "Plazo del curso de reparación: 10 de noviembre de 2023." in desc
    # One row per step, in order, classed by status
    rows = _rows(root)
    assert [g.get("data-step") for g in rows] == [s.step for s in steps]
    assert [g.get("class") for g in rows] == [
        "tl-row tl-done_undated",
        "tl-row tl-done_undated",
        "tl-row tl-met",
        "tl-row tl-late",
    ]
    # A done marker where a date is known; a hatched bar where it is not
    assert [len(g.findall(f"{SVG}path[@class='tl-done']")) for g in rows] == [
        0,
        0,
        1,
        1,
    ]
    assert rows[0].find(f"{SVG}rect[@class='tl-bar']").get("fill") == "url(#tl-hatch)"
    # Today and the course's deadline as lines
    assert root.find(f".//{SVG}g[@class='tl-today']") is not None
    assert root.find(f".//{SVG}g[@class='tl-course-deadline']") is not None
    # No style anywhere (CSP: style-src 'self')
    assert "style" not in markup


def test_the_overdue_step_carries_the_overdue_class():
    steps = timeline_compute(
        today=TODAY, request=dt.date(2022, 7, 21), accepted=dt.date(2022, 8, 1)
    )

    root = _parse(timeline_svg(steps=steps, today=TODAY))

    rows = {g.get("data-step"): g.get("class") for g in _rows(root)}
    assert rows == {
        "review_acceptance": "tl-row tl-met",
        "review": "tl-row tl-overdue",
    }
    overdue = [g for g in _rows(root) if g.get("data-step") == "review"][0]
    assert overdue.find(f"{SVG}line[@class='tl-overrun']") is not None
    # Today, years later, is written at the edge rather than squashing the axis
    assert root.find(f".//{SVG}g[@class='tl-today tl-today-off-axis']") is not None


def test_texts_are_escaped():
    markup = timeline_svg(
        steps=_inisa(), today=dt.date(2023, 8, 20), title='<script>"x" & y</script>'
    )

    assert "<script>" not in markup
    assert "&lt;script&gt;&quot;x&quot; &amp; y&lt;/script&gt;" in markup
    assert _parse(markup).find(f"{SVG}title").text == '<script>"x" & y</script>'


def test_an_empty_timeline_says_there_are_no_deadlines():
    root = _parse(timeline_svg(steps=[], today=TODAY))

    assert _rows(root) == []
    empty = root.find(f"{SVG}text[@class='tl-empty']")
    assert empty is not None
    assert empty.text == "Sin plazos que dibujar"
    assert "Sin plazos" in root.find(f"{SVG}desc").text


def test_month_ticks_follow_the_active_language():
    steps = _inisa()
    with translation.override("es-mx"):
        spanish = timeline_svg(steps=steps, today=dt.date(2023, 8, 20))
    with translation.override("en"):
        english = timeline_svg(steps=steps, today=dt.date(2023, 8, 20))

    ticks_es = [
        t.text
        for t in _parse(spanish).iter(f"{SVG}text")
        if t.get("class") == "tl-tick"
    ]
    ticks_en = [
        t.text
        for t in _parse(english).iter(f"{SVG}text")
        if t.get("class") == "tl-tick"
    ]
    assert ticks_es == ["Jun 2023", "Jul", "Ago"]
    assert ticks_en == ["Jun 2023", "Jul", "Aug"]


def test_the_durations_chart_has_a_dot_per_case_and_a_median():
    root = _parse(
        durations_svg(
            rows=[("A → B", (3, 5, 5, 9), 5.0), ("C → <D>", (), None)],
            title="Duraciones",
        )
    )

    dots = [c for c in root.iter(f"{SVG}circle") if c.get("class") == "ch-dot"]
    assert len(dots) == 4
    # Equal values do not hide each other
    assert len({(c.get("cx"), c.get("cy")) for c in dots}) == 4
    medians = [m for m in root.iter(f"{SVG}line") if m.get("class") == "ch-median"]
    assert len(medians) == 1
    desc = root.find(f"{SVG}desc").text
    assert "A → B: 4 casos, mediana 5 días, de 3 a 9." in desc
    assert "C → <D>: sin casos con ambas fechas." in desc


def test_the_status_bar_splits_in_proportion():
    root = _parse(
        status_bar_svg(parts=[("met", 3), ("late", 1), ("overdue", 0)], title="T")
    )

    parts = [r for r in root.iter(f"{SVG}rect") if "ch-part" in r.get("class", "")]
    assert [r.get("class") for r in parts] == ["ch-part tl-met", "ch-part tl-late"]
    assert float(parts[0].get("width")) == 3 * float(parts[1].get("width"))
    assert "cumplido: 3 de 4 (75 %)." in root.find(f"{SVG}desc").text
