"""Rebuild mexico_states.json from the MapSVG file (run by hand, once).

    python remedia/core/data/mexico_states_build.py path/to/mexico.svg

The source draws each state with `m`/`M` moves, implicit line-tos and `z`.
Every point is made absolute, rounded to 0.1 of a unit (the map is 793 wide)
and written again as relative moves from the rounded points, so rounding
never accumulates along a border and the file is about half the size.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from xml.etree import ElementTree

SVG = "{http://www.w3.org/2000/svg}"
_TOKEN = re.compile(r"[mMzZ]|-?\d*\.?\d+(?:e-?\d+)?")


def _compact(d: str) -> str:
    tokens = _TOKEN.findall(d)  # the commands and numbers, in order
    out: list[str] = []
    x = y = 0.0  # the exact current point
    rx = ry = 0  # the rounded current point, in tenths
    start = (0.0, 0.0)
    command = "m"
    first = True
    i = 0
    while i < len(tokens):
        item = tokens[i]
        if item in "mMzZ":
            if item in "zZ":
                out.append("z")
                x, y = start
                rx, ry = round(x * 10), round(y * 10)
            command = item
            first = item in "mM"
            i += 1
            continue
        dx, dy = float(tokens[i]), float(tokens[i + 1])
        i += 2
        if command == "M":
            x, y = dx, dy
        else:
            x, y = x + dx, y + dy
        if first:
            start = (x, y)
        px, py = round(x * 10), round(y * 10)
        step = f"{(px - rx) / 10:g},{(py - ry) / 10:g}"
        out.append(("m" if first else "") + step)
        rx, ry = px, py
        first = False
    return " ".join(out).replace(" z", "z")


def main(source: str) -> None:
    root = ElementTree.parse(source).getroot()  # noqa: S314 - a file we chose
    states = {
        path.get("id"): _compact(path.get("d") or "")
        for path in root.iter(f"{SVG}path")
    }
    target = Path(__file__).with_name("mexico_states.json")
    target.write_text(
        json.dumps(
            {"viewBox": root.get("viewBox"), "paths": states},
            separators=(",", ":"),
            sort_keys=True,
        )
        + "\n"
    )


if __name__ == "__main__":
    main(sys.argv[1])
