"""Charts drawn on the server: well-formed, accessible, escaped, and the same
numbers in the drawing and in its table."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from remedia.core import charts
from remedia.core.charts import Bar, Part, ShareRow, TargetBar

SVG = "{http://www.w3.org/2000/svg}"
NASTY = '<script>alert("x")</script> & \x00\x1b\u202eevil\u202c 👩🏽‍🔧 Ñandú ﷽'


def parsed(chart: charts.Chart) -> ET.Element:
    return ET.fromstring(str(chart.svg))  # noqa: S314 - our own output


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def parts() -> list[Part]:
    return [
        Part("on_time", "Hechas a tiempo"),
        Part("late", "Hechas tarde"),
        Part("ongoing", "En curso"),
        Part("overdue", "Vencidas"),
        Part("dropped", "Descartadas"),
    ]


def test_a_bar_chart_is_accessible_svg_that_fits_a_phone() -> None:
    chart = charts.bar_chart(
        key="Por sector",
        title="Acciones por sector",
        description="Cuántas acciones lleva cada sector.",
        bars=[Bar("Público", 3), Bar("Sociedad civil", Decimal("1.50"))],
        label_heading="Sector",
        value_heading="Acciones",
    )

    root = parsed(chart)
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert root.get("viewBox", "").startswith(f"0 0 {charts.WIDTH} ")
    assert charts.WIDTH <= 390  # noqa: PLR2004
    assert root.find(f"{SVG}title").text == "Acciones por sector"
    assert root.find(f"{SVG}desc").text == "Cuántas acciones lleva cada sector."
    labelled = root.get("aria-labelledby", "").split()
    assert labelled == ["por-sector-title", "por-sector-desc"]
    assert "Público" in texts(root)
    assert "3" in texts(root)
    assert chart.rows == (("Público", "3"), ("Sociedad civil", "1.5"))


@pytest.mark.parametrize("builder", ["bar", "share", "target"])
def test_every_label_is_escaped_and_odd_unicode_keeps_the_svg_well_formed(
    builder: str,
) -> None:
    if builder == "bar":
        chart = charts.bar_chart(
            key=NASTY,
            title=NASTY,
            description=NASTY,
            bars=[Bar(NASTY, 2)],
            label_heading=NASTY,
            value_heading="n",
        )
    elif builder == "share":
        chart = charts.share_chart(
            key=NASTY,
            title=NASTY,
            description=NASTY,
            parts=[Part("a", NASTY), Part("b", "b")],
            rows=[ShareRow(NASTY, {"a": 1, "b": 2})],
            label_heading=NASTY,
        )
    else:
        chart = charts.target_chart(
            key=NASTY,
            title=NASTY,
            description=NASTY,
            items=[TargetBar(NASTY, 10, 4)],
            label_heading=NASTY,
            actual_label=NASTY,
        )

    svg = str(chart.svg)
    assert "<script" not in svg
    assert "&lt;script&gt;" in svg
    assert "\x00" not in svg
    assert "\u202e" not in svg
    root = parsed(chart)  # well-formed XML despite it all
    assert "👩🏽‍🔧 Ñandú" in root.find(f"{SVG}title").text
    # In a page, the table beside it is escaped by the template as well.
    html = render_to_string("core/chart.html", {"chart": chart})
    assert "<script>" not in html
    assert re.fullmatch(r"[a-z0-9-]+", chart.key)


def test_a_share_chart_splits_each_row_and_tells_parts_apart_without_colour() -> None:
    chart = charts.share_chart(
        key="avance",
        title="Avance por grupo",
        description="Parte de las acciones en cada situación.",
        parts=parts(),
        rows=[
            ShareRow(
                "Prevención",
                {"on_time": 2, "late": 1, "ongoing": 1, "overdue": 1, "dropped": 1},
            ),
            ShareRow("Atención", {"ongoing": 3}),
        ],
        label_heading="Grupo",
    )

    root = parsed(chart)
    patterns = root.findall(f".//{SVG}pattern")
    assert len(patterns) == 5  # noqa: PLR2004
    # Each part has its own pattern, and all but the first carry white marks.
    marks = [len(list(p)) for p in patterns]
    assert marks[0] == 1
    assert all(m > 1 for m in marks[1:])
    legend = texts(root)
    assert "Hechas a tiempo: 2" in legend
    assert "En curso: 4" in legend
    assert "Prevención (6)" in legend
    assert chart.rows[0] == ("Prevención", "2", "1", "1", "1", "1", "6")
    assert chart.rows[1] == ("Atención", "0", "0", "3", "0", "0", "3")
    assert chart.columns[0] == "Grupo"
    assert chart.columns[-1] == "Total"
    # Segments of the first row fill the bar exactly.
    widths = [
        float(r.get("width"))
        for r in root.iter(f"{SVG}rect")
        if r.get("fill") != charts.TRACK and r.get("height") == "16"
    ]
    assert sum(widths[:5]) == pytest.approx(charts.WIDTH - 2 * charts.PAD, abs=0.5)


def test_a_target_chart_says_actual_of_target_and_the_share() -> None:
    chart = charts.target_chart(
        key="metas",
        title="Indicadores contra sus metas",
        description="Lo logrado frente a la meta de cada indicador.",
        items=[
            TargetBar("Personas capacitadas", Decimal("100.00"), Decimal("32.00")),
            TargetBar("Empresas con protocolo", Decimal("80"), None, unit="%"),
        ],
        label_heading="Indicador",
    )

    root = parsed(chart)
    assert "32 de 100 (32 %)" in texts(root)
    assert "— de 80 %" in texts(root)
    assert chart.rows == (
        ("Personas capacitadas", "100", "32", "32 %"),
        ("Empresas con protocolo", "80 %", "—", "—"),
    )


def test_english_and_empty_charts() -> None:
    with translation.override("en"):
        chart = charts.target_chart(
            key="t",
            title="Targets",
            description="none",
            items=[],
            label_heading="Indicator",
        )
        assert "No data yet." in str(chart.svg)
        assert chart.columns == (
            "Indicator",
            "Target",
            "Achieved",
            "Progress towards target",
        )
        assert charts.number(Decimal("1234.50")) in {"1,234.5", "1234.5"}


def test_every_colour_has_enough_contrast_against_white() -> None:
    assert charts.contrast("#000000") == pytest.approx(21)
    for colour in (*charts.PALETTE, charts.TEXT):
        assert charts.contrast(colour) >= 3, colour  # noqa: PLR2004


def test_numbers_and_shares() -> None:
    assert charts.number(Decimal("40.00")) == "40"
    assert charts.number(75, "%") == "75 %"
    assert charts.number(None) == "—"
    assert charts.percent_of(Decimal(30), Decimal(40)) == 75  # noqa: PLR2004
    assert charts.percent_of(None, 40) is None
    assert charts.percent_of(3, 0) is None
