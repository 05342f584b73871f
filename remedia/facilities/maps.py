"""A facility's position on a small map of Mexico, drawn on the server as SVG.

No tiles and nothing from another host (PRODUCT.md C8, CSP): the outline is
bundled data (`data/mexico_outline.json`, a hand-simplified mainland outline
of about 140 points) and the projection is equirectangular with its standard
parallel at 23.5° N, which keeps Mexico's proportions close enough to place a
dot by eye. Pure functions, no database.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

OUTLINE_FILE = Path(__file__).resolve().parent / "data" / "mexico_outline.json"

# The frame: Mexico's extent with a small margin, in degrees.
WEST, EAST = -118.5, -86.0
SOUTH, NORTH = 14.0, 33.2
STANDARD_PARALLEL = 23.5
WIDTH = 480.0


@dataclass(frozen=True)
class PositionMap:
    view_box: str
    width: int
    height: int
    outline: str  # the SVG path's `d`
    x: float
    y: float


@cache
def outline_points() -> tuple[tuple[float, float], ...]:
    data = json.loads(OUTLINE_FILE.read_text(encoding="utf-8"))
    return tuple((float(lon), float(lat)) for lon, lat in data["points"])


def _scale() -> float:
    return WIDTH / ((EAST - WEST) * math.cos(math.radians(STANDARD_PARALLEL)))


def height() -> float:
    return (NORTH - SOUTH) * _scale()


def project(*, lng: float, lat: float) -> tuple[float, float]:
    """Degrees to the map's pixels: x east from the west edge, y south from the top."""
    k = _scale()
    x = (lng - WEST) * math.cos(math.radians(STANDARD_PARALLEL)) * k
    y = (NORTH - lat) * k
    return round(x, 1), round(y, 1)


def in_frame(*, lng: float, lat: float) -> bool:
    return WEST <= lng <= EAST and SOUTH <= lat <= NORTH


def outline_path() -> str:
    points = [project(lng=lon, lat=lat) for lon, lat in outline_points()]
    head, *rest = points
    return f"M{head[0]:g} {head[1]:g}" + "".join(f"L{x:g} {y:g}" for x, y in rest) + "Z"


def position_map(
    *, lat: Decimal | float | None, lng: Decimal | float | None
) -> PositionMap | None:
    """The map with a dot at (lat, lng); None without both or outside Mexico's frame."""
    if lat is None or lng is None:
        return None
    lat_f, lng_f = float(lat), float(lng)
    if not in_frame(lng=lng_f, lat=lat_f):
        return None
    x, y = project(lng=lng_f, lat=lat_f)
    w, h = round(WIDTH), round(height())
    return PositionMap(
        view_box=f"0 0 {w} {h}",
        width=w,
        height=h,
        outline=outline_path(),
        x=x,
        y=y,
    )
