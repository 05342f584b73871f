"""The bundled outline of Mexico and the projection that places a facility on it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from remedia.facilities import maps


def _inside(lon: float, lat: float) -> bool:
    """Ray casting on the outline in degrees."""
    points = maps.outline_points()
    inside = False
    for (x1, y1), (x2, y2) in zip(points, points[1:], strict=False):
        if (y1 > lat) != (y2 > lat):
            x = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
            if x > lon:
                inside = not inside
    return inside


def test_outline_is_a_closed_ring_of_a_few_hundred_points_at_most():
    points = maps.outline_points()

    assert 60 <= len(points) <= 400
    assert points[0] == points[-1]
    for lon, lat in points:
        assert maps.in_frame(lng=lon, lat=lat)


@pytest.mark.parametrize(
    ("place", "lon", "lat"),
    [
        ("Aguascalientes", -102.29, 21.88),
        ("Rincón de Romos", -102.32, 22.23),
        ("Puebla", -98.21, 19.04),
        ("Tehuacán", -97.39, 18.46),
        ("Ciudad de México", -99.13, 19.43),
        ("Monterrey", -100.31, 25.67),
        ("Mérida", -89.62, 20.97),
        ("La Paz", -110.31, 24.14),
        ("Hermosillo", -110.96, 29.07),
        ("Tapachula", -92.26, 14.9),
    ],
)
def test_cities_of_mexico_fall_inside_the_outline(place, lon, lat):
    assert _inside(lon, lat), place


@pytest.mark.parametrize(
    ("place", "lon", "lat"),
    [
        ("San Antonio, Texas", -98.49, 29.42),
        ("Gulf of Mexico", -93.0, 24.0),
        ("Gulf of California", -111.8, 27.0),
        ("Guatemala City", -90.51, 14.63),
        ("Pacific, off Acapulco", -100.5, 15.5),
        ("Belize City", -88.2, 17.5),
    ],
)
def test_places_outside_mexico_fall_outside(place, lon, lat):
    assert not _inside(lon, lat), place


def test_projection_keeps_east_right_and_north_up():
    west = maps.project(lng=-110.0, lat=20.0)
    east = maps.project(lng=-90.0, lat=20.0)
    north = maps.project(lng=-100.0, lat=30.0)
    south = maps.project(lng=-100.0, lat=16.0)

    assert west[0] < east[0]
    assert north[1] < south[1]


def test_position_map_needs_both_coordinates_inside_the_frame():
    shown = maps.position_map(lat=Decimal("21.885300"), lng=Decimal("-102.291600"))

    assert shown is not None
    assert shown.outline.startswith("M")
    assert shown.outline.endswith("Z")
    assert 0 < shown.x < shown.width
    assert 0 < shown.y < shown.height
    assert maps.position_map(lat=None, lng=Decimal("-102.29")) is None
    assert maps.position_map(lat=Decimal("40.4"), lng=Decimal("-3.7")) is None
