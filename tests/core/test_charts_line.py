"""Lines over months: axes with round ticks, a marker and a title per value,
lines told apart without colour, labels that fit a phone, the same numbers
in the table, and nothing to draw said plainly."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.utils import translation

from remedia.core import charts
from remedia.core.charts import Series

SVG = "{http://www.w3.org/2000/svg}"
NASTY = '<script>alert("x")</script> & \x00\u202eevil\u202c Ñandú'
MONTHS = [f"2026-{m:02d}" for m in range(1, 13)]


def parsed(chart: charts.Chart) -> ET.Element:
    return ET.fromstring(str(chart.svg))  # noqa: S314 - our own output


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def axis_texts(root: ET.Element) -> list[str]:
    group = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "chart-axis")
    return [t.text or "" for t in group.iter(f"{SVG}text")]


def line(points: list, **kwargs: object) -> charts.Chart:
    options = {
        "key": "por-mes",
        "title": "Denuncias por mes",
        "description": "Denuncias recibidas cada mes.",
        "label_heading": "Mes",
        "value_heading": "Denuncias",
    }
    options.update(kwargs)
    with translation.override("es-mx"):
        return charts.line_chart(points=points, **options)  # type: ignore[arg-type]


def test_one_series_has_axes_markers_titles_and_its_table() -> None:
    values = [3, 7, 12, 9, 20, 18]
    chart = line(list(zip(MONTHS[:6], values, strict=True)))
    root = parsed(chart)

    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "por-mes-title por-mes-desc"
    assert root.find(f"{SVG}title").text == "Denuncias por mes"
    ticks = [t for t in axis_texts(root) if not t.startswith("2026")]
    assert ticks == ["0", "5", "10", "15", "20"]
    assert [t for t in axis_texts(root) if t.startswith("2026")] == MONTHS[:6]
    titles = [
        g.find(f"{SVG}title").text
        for g in root.iter(f"{SVG}g")
        if g.find(f"{SVG}circle") is not None
    ]
    assert titles[0] == "2026-01, Denuncias: 3"
    assert titles[-1] == "2026-06, Denuncias: 18"
    assert len(root.findall(f".//{SVG}circle")) == 6 + 1  # six values, the legend's
    assert chart.columns == ("Mes", "Denuncias")
    assert chart.rows == tuple(
        (m, str(v)) for m, v in zip(MONTHS[:6], values, strict=True)
    )
    assert "Denuncias" in texts(root)  # the legend


def test_points_sit_on_the_scale() -> None:
    root = parsed(line([("a", 0), ("b", 10), ("c", 5)]))
    circles = root.findall(f".//{SVG}g[@class='chart-series']//{SVG}circle")
    ys = [float(c.get("cy")) for c in circles]
    xs = [float(c.get("cx")) for c in circles]
    assert ys[0] - ys[1] == pytest.approx(charts.PLOT_HEIGHT, abs=0.2)
    assert ys[2] == pytest.approx((ys[0] + ys[1]) / 2, abs=0.2)
    assert xs[1] - xs[0] == pytest.approx(xs[2] - xs[1], abs=0.2)
    assert all(0 <= x <= charts.WIDTH for x in xs)


def test_several_series_differ_by_dash_and_marker_not_only_colour() -> None:
    with translation.override("es-mx"):
        chart = charts.line_chart(
            key="casos",
            title="Casos",
            description="d",
            label_heading="Mes",
            labels=MONTHS[:3],
            series=[
                Series("Abiertos", [1, 2, 3]),
                Series("Cerrados", [0, 1, None]),
                Series("Vencidos", [0, 0, 1]),
            ],
        )
    root = parsed(chart)
    series = root.findall(f".//{SVG}g[@class='chart-series']")
    assert len(series) == 3  # noqa: PLR2004
    dashes = [
        (
            g.find(f"{SVG}path").get("stroke-dasharray"),
            g.find(f"{SVG}path").get("stroke"),
        )
        for g in series
    ]
    assert len({d for d, _c in dashes}) == 3  # noqa: PLR2004
    assert len({c for _d, c in dashes}) == 3  # noqa: PLR2004
    assert series[0].find(f".//{SVG}circle") is not None
    assert series[1].find(f".//{SVG}rect") is not None
    assert len(series[1].findall(f".//{SVG}rect")) == 2  # None leaves a gap
    assert chart.columns == ("Mes", "Abiertos", "Cerrados", "Vencidos")
    assert chart.rows[2] == ("2026-03", "3", "—", "1")
    assert {"Abiertos", "Cerrados", "Vencidos"} <= set(texts(root))


def test_labels_are_thinned_to_fit_a_phone_and_text_stays_readable() -> None:
    months = [f"{y}-{m:02d}" for y in (2024, 2025, 2026) for m in range(1, 13)]
    chart = line([(m, i) for i, m in enumerate(months)])
    root = parsed(chart)
    shown = [t for t in axis_texts(root) if re.fullmatch(r"\d{4}-\d\d", t)]
    assert 3 <= len(shown) < len(months)  # noqa: PLR2004
    assert shown[0] == "2024-01"
    # No two shown labels overlap: their centres are farther apart than a label.
    centres = [
        float(t.get("x"))
        for t in root.iter(f"{SVG}text")
        if re.fullmatch(r"\d{4}-\d\d", t.text or "")
    ]
    gaps = [b - a for a, b in zip(centres, centres[1:], strict=False)]
    assert min(gaps) > len("2024-01") * charts.CHAR
    assert min(float(t.get("font-size")) for t in root.iter(f"{SVG}text")) >= 12  # noqa: PLR2004
    assert root.get("viewBox", "").startswith(f"0 0 {charts.WIDTH} ")
    assert len(chart.rows) == 36  # noqa: PLR2004  the table has every month


def test_all_zero_draws_a_flat_line_and_nothing_says_no_data() -> None:
    root = parsed(line([(m, 0) for m in MONTHS[:4]]))
    ys = {
        c.get("cy")
        for c in root.findall(f".//{SVG}g[@class='chart-series']//{SVG}circle")
    }
    assert len(ys) == 1
    assert [t for t in axis_texts(root) if not t.startswith("2026")] == ["0", "1"]

    for empty in ([], [("2026-01", None)]):
        chart = line(empty)
        assert "Todavía no hay datos." in str(chart.svg)
        assert chart.rows == ()


def test_one_point_percentages_and_negatives() -> None:
    root = parsed(line([("2026-01", Decimal("12.5"))], unit="%"))
    assert "15 %" in axis_texts(root)
    assert "2026-01, Denuncias: 12.5 %" in [t.text for t in root.iter(f"{SVG}title")]
    root = parsed(line([("x1", -3), ("x2", 4)]))
    ticks = [t for t in axis_texts(root) if not t.startswith("x")]
    assert ticks[0] == "-4"
    assert "0" in ticks


def test_hostile_text_is_escaped_and_a_series_must_match_its_labels() -> None:
    chart = line(
        [(NASTY, 1)], key=NASTY, title=NASTY, description=NASTY, value_heading=NASTY
    )
    svg = str(chart.svg)
    assert "<script" not in svg
    assert "\u202e" not in svg
    assert "Ñandú" in parsed(chart).find(f"{SVG}title").text
    with pytest.raises(ValueError, match="one value per label"):
        charts.line_chart(
            key="k",
            title="t",
            description="d",
            label_heading="l",
            labels=["a", "b"],
            series=[Series("s", [1])],
        )


def test_english() -> None:
    with translation.override("en"):
        chart = charts.line_chart(
            key="k",
            title="t",
            description="d",
            label_heading="Month",
            points=[("Jan", 1000)],
        )
        assert chart.columns == ("Month", "Value")
        assert chart.rows == (("Jan", charts.number(1000)),)
