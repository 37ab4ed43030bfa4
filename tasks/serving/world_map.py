"""Country outlines for an offline world map, read from the SVG that ships in `pygal_maps_world`."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from functools import cache
from importlib.resources import files

import numpy as np
from matplotlib.path import Path

SVG_NS = "{http://www.w3.org/2000/svg}"
TOKEN = re.compile(r"[MmLlHhVvCcSsZz]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
# how many numbers each path command takes per repetition
ARITY = {"m": 2, "l": 2, "h": 1, "v": 1, "c": 6, "s": 4, "z": 0}
Point = tuple[float, float]


@cache
def country_paths() -> dict[str, Path]:
    """Return each country's outline by ISO 3166-1 alpha-2 code (upper case), in SVG units."""
    svg = files("pygal_maps_world").joinpath("worldmap.svg").read_text(encoding="utf-8")
    outlines: dict[str, Path] = {}
    for group in ET.fromstring(svg).iter(f"{SVG_NS}g"):
        classes = group.get("class", "").split()
        if "country" not in classes:
            continue
        parts = [parse_path(p.get("d", "")) for p in group.iter(f"{SVG_NS}path")]
        outlines[classes[0].upper()] = Path.make_compound_path(*parts)
    return outlines


def map_extent() -> tuple[float, float, float, float]:
    """Return the map's box (x0, x1, y0, y1) in SVG units."""
    svg = files("pygal_maps_world").joinpath("worldmap.svg").read_text(encoding="utf-8")
    _, _, width, height = (float(v) for v in ET.fromstring(svg).get("viewBox", "").split())
    return 0.0, width, 0.0, height


def parse_path(data: str) -> Path:
    """Return a matplotlib path for SVG path data using M, L, H, V, C, S and Z (either case)."""
    tokens = TOKEN.findall(data)
    vertices: list[Point] = []
    codes: list[np.uint8] = []
    here: Point = (0.0, 0.0)
    start: Point = here
    control: Point | None = None
    i = 0
    command = ""
    while i < len(tokens):
        if tokens[i].isalpha():
            command = tokens[i]
            i += 1
            if command in "Zz":
                vertices.append(start)
                codes.append(Path.CLOSEPOLY)
                here, control = start, None
                continue
        numbers = [float(t) for t in tokens[i : i + ARITY[command.lower()]]]
        i += len(numbers)
        here, control, drawn = step(command, numbers, here, control)
        if command in "Mm":
            start = here
            vertices.append(here)
            codes.append(Path.MOVETO)
            command = "l" if command == "m" else "L"  # later pairs after a move are lines
        else:
            vertices.extend(drawn)
            codes.extend([Path.CURVE4] * 3 if len(drawn) == 3 else [Path.LINETO])
    return Path(vertices, codes)


def step(
    command: str, numbers: list[float], here: Point, control: Point | None
) -> tuple[Point, Point | None, list[Point]]:
    """Return (new point, last curve control point, vertices drawn) for one command repetition."""
    dx, dy = here if command.islower() else (0.0, 0.0)
    kind = command.lower()
    if kind in "ml":
        end = (numbers[0] + dx, numbers[1] + dy)
        return end, None, [end]
    if kind == "h":
        end = (numbers[0] + dx, here[1])
        return end, None, [end]
    if kind == "v":
        end = (here[0], numbers[0] + dy)
        return end, None, [end]
    points = [(numbers[j] + dx, numbers[j + 1] + dy) for j in range(0, len(numbers), 2)]
    if kind == "s":
        # the first control point mirrors the previous curve's second one
        first = (2 * here[0] - control[0], 2 * here[1] - control[1]) if control else here
        points = [first, *points]
    return points[2], points[1], points
