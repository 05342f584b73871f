"""The map of Mexico's states: every state drawn with the fill of its class, a
legend that names the classes, the unknown-state count, the credit, and a
table of every state; sensible when all values are equal or zero."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from remedia.core import charts, maps
from remedia.core.geo import MX_STATES

SVG = "{http://www.w3.org/2000/svg}"
ZERO = "url(#mapa-zero)"
NASTY = '<script>alert("x")</script> & \x00\u202eevil\u202c Ñandú'


def parsed(chart: charts.Chart) -> ET.Element:
    return ET.fromstring(str(chart.svg))  # noqa: S314 - our own output


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def fills(root: ET.Element) -> dict[str, str]:
    """Each state's fill, by code, from the drawing."""
    found = {}
    for group in root.iter(f"{SVG}g"):
        code = group.get("data-state")
        if code:
            found[code] = group.find(f"{SVG}use").get("fill")
    return found


def legend(root: ET.Element) -> list[tuple[str, str]]:
    group = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "map-legend")
    swatches = [r.get("fill") for r in group.iter(f"{SVG}rect")]
    words = [t.text or "" for t in group.iter(f"{SVG}text")]
    return list(zip(swatches, words, strict=True))


def draw(values: dict, **kwargs: object) -> charts.Chart:
    options = {"key": "mapa", "title": "Denuncias por estado", "description": "d"}
    options.update(kwargs)
    with translation.override("es-mx"):
        return maps.state_map(values, **options)  # type: ignore[arg-type]


def test_every_state_is_drawn_once_from_the_bundled_shapes() -> None:
    (width, height), paths = maps.shapes()
    assert (width, height) == (793, 498)
    assert set(paths) == set(MX_STATES) == set(maps.STATE_NAMES)
    assert all(re.fullmatch(r"[mz0-9., -]+", d) for d in paths.values())
    assert maps.shapes() is maps.shapes()  # read once

    root = parsed(draw({"MX-PUE": 3}))
    defined = root.findall(f"{SVG}defs/{SVG}path")
    assert len(defined) == 32  # noqa: PLR2004
    assert {p.get("id") for p in defined} == {
        f"mapa-{code[3:].lower()}" for code in MX_STATES
    }
    assert "mapa-cmx" in {p.get("id") for p in defined}  # Mexico City
    assert len(fills(root)) == 32  # noqa: PLR2004
    # Each state is outlined twice: a white casing under a dark border.
    casing = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "map-states")
    assert casing.get("stroke") == maps.CASING
    outlines = [g for g in root.iter(f"{SVG}g") if g.get("stroke") == maps.BORDER]
    assert len(outlines) == 1
    assert len(outlines[0].findall(f"{SVG}use")) == 32  # noqa: PLR2004
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "mapa-title mapa-desc"
    assert root.get("viewBox", "").startswith(f"0 0 {charts.WIDTH} ")
    assert " style=" not in str(draw({}).svg)  # the CSP forbids style attributes


def test_fills_follow_the_classes_and_the_legend_gives_their_ranges() -> None:
    values = {code: 0 for code in MX_STATES}
    # 20 states with values 1..20, the other 12 with 0.
    for value, code in enumerate(sorted(MX_STATES)[:20], start=1):
        values[code] = value
    chart = draw(values)
    root = parsed(chart)

    found = maps.classes([Decimal(v) for v in values.values()])
    assert [(c.low, c.high, c.states) for c in found] == [
        (1, 4, 4),
        (5, 8, 4),
        (9, 12, 4),
        (13, 16, 4),
        (17, 20, 4),
    ]
    assert [c.colour for c in found] == list(maps.RAMP)
    drawn = fills(root)
    for code, value in values.items():
        expected = ZERO if value == 0 else found[(value - 1) // 4].colour
        assert drawn[code] == expected, code
    assert legend(root) == [
        (ZERO, "0 (12 estados)"),
        (maps.RAMP[0], "1–4 (4 estados)"),
        (maps.RAMP[1], "5–8 (4 estados)"),
        (maps.RAMP[2], "9–12 (4 estados)"),
        (maps.RAMP[3], "13–16 (4 estados)"),
        (maps.RAMP[4], "17–20 (4 estados)"),
    ]


def test_ties_stay_in_one_class_and_few_values_get_a_class_each() -> None:
    skewed = [Decimal(1)] * 25 + [Decimal(v) for v in (2, 3, 50, 80, 400, 900, 1000)]
    found = maps.classes(skewed)
    assert found[0].low == found[0].high == 1
    assert found[0].states == 25  # noqa: PLR2004
    assert sum(c.states for c in found) == len(skewed)
    assert all(a.high < b.low for a, b in zip(found, found[1:], strict=False))

    three = maps.classes([Decimal(2), Decimal(2), Decimal(7), Decimal(9)])
    assert [(c.low, c.high, c.states) for c in three] == [
        (2, 2, 2),
        (7, 7, 1),
        (9, 9, 1),
    ]
    assert [c.colour for c in three] == [maps.RAMP[0], maps.RAMP[2], maps.RAMP[4]]


def test_all_equal_values_make_one_class_that_the_legend_names() -> None:
    root = parsed(draw(dict.fromkeys(MX_STATES, 5)))
    assert set(fills(root).values()) == {maps.RAMP[2]}
    assert legend(root) == [(maps.RAMP[2], "5: todos los estados")]


def test_all_zero_or_nothing_at_all_still_draws_the_map_without_dividing_by_zero() -> (
    None
):
    for values in ({}, dict.fromkeys(MX_STATES, 0)):
        chart = draw(values)
        root = parsed(chart)
        assert set(fills(root).values()) == {ZERO}
        assert legend(root) == [(ZERO, "0: todos los estados")]
        assert "Estado desconocido: 0" in texts(root)
        assert len(chart.rows) == 33  # noqa: PLR2004
        assert {value for _name, value in chart.rows} == {"0"}


def test_values_for_unknown_keys_are_counted_as_unknown_never_dropped() -> None:
    chart = draw(
        {"MX-PUE": 4, "PUE": 1, "Ciudad de México": 2, "XX": 3, "": 5, None: 1},
        unknown=7,
    )
    root = parsed(chart)
    assert "Estado desconocido: 16" in texts(root)
    rows = dict(chart.rows)
    assert rows["Puebla"] == "5"  # "MX-PUE" and "PUE" are the same state
    assert rows["Ciudad de México"] == "2"
    assert rows["Estado desconocido"] == "16"
    assert chart.rows[-1] == ("Estado desconocido", "16")


def test_the_table_lists_every_state_by_name_then_the_unknown() -> None:
    chart = draw({"MX-JAL": 10, "MX-YUC": Decimal("2.5")}, value_heading="Denuncias")
    assert chart.columns == ("Estado", "Denuncias")
    names = [name for name, _value in chart.rows[:-1]]
    assert len(names) == 32  # noqa: PLR2004
    assert names[0] == "Aguascalientes"
    assert names[-1] == "Zacatecas"
    assert names.index("Michoacán") < names.index("Morelos")  # accents ignored
    assert dict(chart.rows)["Jalisco"] == "10"
    assert dict(chart.rows)["Yucatán"] == "2.5"
    html = render_to_string("core/chart.html", {"chart": chart})
    assert html.count('<th scope="row" class="stack-head">') == 33  # noqa: PLR2004
    # The credit is also text beside the drawing, for screen readers.
    assert (
        '<p class="help chart-note">Mapa: MapSVG / Victor Cazanave, CC BY 4.0</p>'
        in html
    )


def test_each_state_has_a_title_with_its_name_and_value_for_hover() -> None:
    root = parsed(draw({"MX-NLE": 12}, unit="%"))
    titles = {
        g.get("data-state"): g.find(f"{SVG}title").text
        for g in root.iter(f"{SVG}g")
        if g.get("data-state")
    }
    assert titles["MX-NLE"] == "Nuevo León: 12 %"
    assert titles["MX-ZAC"] == "Zacatecas: 0 %"


def test_the_credit_is_in_every_drawing_and_importable() -> None:
    assert str(maps.CREDIT) == "Mapa: MapSVG / Victor Cazanave, CC BY 4.0"
    assert str(maps.CREDIT) in texts(parsed(draw({})))
    with translation.override("en"):
        chart = maps.state_map(
            {"MX-CMX": 1, "MX-MEX": 2}, key="m", title="t", description="d"
        )
        assert str(maps.CREDIT) == "Map: MapSVG / Victor Cazanave, CC BY 4.0"
        words = texts(parsed(chart))
        assert str(maps.CREDIT) in words
        assert "Unknown state: 0" in words
        rows = dict(chart.rows)
        assert rows["Mexico City"] == "1"
        assert rows["State of Mexico"] == "2"
        assert chart.columns == ("State", "Value")


def test_hostile_titles_and_keys_are_escaped() -> None:
    chart = draw({NASTY: 3, "MX-OAX": 1}, key=NASTY, title=NASTY, description=NASTY)
    svg = str(chart.svg)
    assert "<script" not in svg
    assert "\u202e" not in svg
    assert "\x00" not in svg
    root = parsed(chart)
    assert "Ñandú" in root.find(f"{SVG}title").text
    assert re.fullmatch(r"[a-z0-9-]+", chart.key)
    assert "Estado desconocido: 3" in texts(root)


def test_not_a_number_is_refused_plainly() -> None:
    with pytest.raises(ValueError, match="number"):
        draw({"MX-PUE": "many"})
    with pytest.raises(ValueError, match="finite"):
        draw({"MX-PUE": float("nan")})


def test_the_ramp_stays_in_order_in_grey_and_classes_differ() -> None:
    # Darker in grey at every step, each step well apart from the last: a
    # black-and-white print keeps the order. 0 is white and hatched besides.
    shades = [maps.ZERO, *maps.RAMP]
    for lighter, darker in zip(shades, shades[1:], strict=False):
        assert charts.contrast(darker, lighter) >= 1.25, (lighter, darker)  # noqa: PLR2004
    pattern = parsed(draw({})).find(f"{SVG}defs/{SVG}pattern")
    assert pattern.get("id") == "mapa-zero"
    assert pattern.find(f"{SVG}path").get("stroke") == maps.ZERO_HATCH
    assert charts.contrast(maps.ZERO_HATCH, maps.ZERO) >= 3  # noqa: PLR2004
    # The dark border shows against the lightest fills; the white casing under
    # it against the darkest, so every border shows.
    assert charts.contrast(maps.BORDER, maps.ZERO) >= 3  # noqa: PLR2004
    assert charts.contrast(maps.CASING, maps.RAMP[-1]) >= 3  # noqa: PLR2004


def test_text_is_never_smaller_than_the_charts_at_phone_width() -> None:
    root = parsed(draw({"MX-PUE": 1}))
    sizes = {float(t.get("font-size")) for t in root.iter(f"{SVG}text")}
    # viewBox 360 wide at 100 % of a 390 px screen: 12 units ≈ 12 px.
    assert min(sizes) >= 12  # noqa: PLR2004


def test_withheld_states_are_grey_and_said_suppressed_never_drawn_as_zero() -> None:
    # The public page's map: Puebla's count is suppressed, Jalisco's is 0.
    chart = maps.state_map(
        {"MX-AGU": 30, "MX-JAL": 0},
        withheld=["MX-PUE", "MX-SON"],
        key="mapa",
        title="Denuncias",
        description="Por estado",
    )
    root = parsed(chart)
    drawn = fills(root)
    assert drawn["MX-PUE"] == drawn["MX-SON"] == maps.WITHHELD
    assert drawn["MX-JAL"] == ZERO
    assert drawn["MX-AGU"] not in (ZERO, maps.WITHHELD)
    # The legend counts them apart; their hover title and table row say so.
    assert "Suprimido (2 estados)" in texts(root)
    assert "Puebla: suprimido" in [
        t.text for t in root.iter(f"{SVG}title") if t.text and "Puebla" in t.text
    ]
    rows = dict(chart.rows)
    assert rows["Puebla"] == "suprimido"
    assert rows["Jalisco"] == "0"
    # The zero class holds the 29 states with 0, not the two withheld ones.
    assert "0 (29 estados)" in texts(root)
