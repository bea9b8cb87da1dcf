"""Convert Natural Earth country outlines (npm package ``world-atlas``, TopoJSON) into the
small outline file the map pictures draw: ``briefbook/pictures/outline.json``.

Run once at development time, by hand, when the outline should change; the build never
reads TopoJSON or needs npm:

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python tools/outline_from_world_atlas.py package/countries-50m.json

It decodes the quantised, delta-encoded arcs, keeps the countries whose outline enters the
region the maps can show (``COVERAGE``), clips them to it, simplifies each ring
(Douglas-Peucker, ``TOLERANCE`` degrees) and rounds to 0.01 degree (about 1 km), which is finer
than a 390 px map can show.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

COVERAGE = (20.0, 8.0, 68.0, 46.0)
"""West, south, east, north (degrees): every frame the pictures draw lies inside it."""
TOLERANCE = 0.03
OUT = Path(__file__).resolve().parent.parent / "briefbook" / "pictures" / "outline.json"

Point = tuple[float, float]


def decode_arcs(topology: dict[str, object]) -> list[list[Point]]:
    transform = topology["transform"]
    assert isinstance(transform, dict)
    (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
    arcs = []
    raw_arcs = topology["arcs"]
    assert isinstance(raw_arcs, list)
    for raw in raw_arcs:
        x = y = 0
        points = []
        for dx, dy in raw:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring(indices: list[int], arcs: list[list[Point]]) -> list[Point]:
    points: list[Point] = []
    for i in indices:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        # Consecutive arcs share their joining point.
        points.extend(arc if not points else arc[1:])
    return points


def clip(points: list[Point], box: tuple[float, float, float, float]) -> list[Point]:
    """Sutherland-Hodgman against the (convex) box, one edge at a time."""
    west, south, east, north = box
    # (axis, bound, keep the side above the bound?)
    for axis, bound, above in ((0, west, True), (0, east, False), (1, south, True),
                               (1, north, False)):
        if not points:
            break
        result: list[Point] = []
        previous = points[-1]
        for point in points:
            if _inside(point, axis, bound, above):
                if not _inside(previous, axis, bound, above):
                    result.append(_crossing(previous, point, axis, bound))
                result.append(point)
            elif _inside(previous, axis, bound, above):
                result.append(_crossing(previous, point, axis, bound))
            previous = point
        points = result
    return points


def _inside(point: Point, axis: int, bound: float, above: bool) -> bool:
    return point[axis] >= bound if above else point[axis] <= bound


def _crossing(a: Point, b: Point, axis: int, bound: float) -> Point:
    t = (bound - a[axis]) / (b[axis] - a[axis])
    other = 1 - axis
    value = a[other] + t * (b[other] - a[other])
    return (bound, value) if axis == 0 else (value, bound)


def simplify(points: list[Point], tolerance: float) -> list[Point]:
    """Douglas-Peucker, iterative (long coastlines would recurse deeply)."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (ax, ay), (bx, by) = points[first], points[last]
        length = ((bx - ax) ** 2 + (by - ay) ** 2) ** 0.5
        worst, worst_at = 0.0, -1
        for i in range(first + 1, last):
            px, py = points[i]
            if length == 0:
                d = ((px - ax) ** 2 + (py - ay) ** 2) ** 0.5
            else:
                d = abs((bx - ax) * (ay - py) - (ax - px) * (by - ay)) / length
            if d > worst:
                worst, worst_at = d, i
        if worst > tolerance:
            keep[worst_at] = True
            stack += [(first, worst_at), (worst_at, last)]
    return [p for p, kept in zip(points, keep, strict=True) if kept]


def convert(topology: dict[str, object]) -> dict[str, object]:
    arcs = decode_arcs(topology)
    objects = topology["objects"]
    assert isinstance(objects, dict)
    countries = []
    for geometry in objects["countries"]["geometries"]:
        if geometry["type"] == "Polygon":
            polygons = [geometry["arcs"]]
        elif geometry["type"] == "MultiPolygon":
            polygons = geometry["arcs"]
        else:
            continue
        kept = []
        for polygon in polygons:
            rings = []
            for indices in polygon:
                points = simplify(clip(ring(indices, arcs), COVERAGE), TOLERANCE)
                rounded = [(round(x, 2), round(y, 2)) for x, y in points]
                deduplicated = [p for i, p in enumerate(rounded) if i == 0 or p != rounded[i - 1]]
                if len(deduplicated) >= 4:
                    rings.append([list(p) for p in deduplicated])
            if rings:
                kept.append(rings)
        if kept:
            countries.append({"name": geometry["properties"]["name"],
                              "id": geometry.get("id", ""), "polygons": kept})
    countries.sort(key=lambda c: (c["name"], c["id"]))
    return {
        "source": "Natural Earth 1:50m admin-0 countries, via the npm package world-atlas "
                  "2.0.2 (countries-50m.json); converted by tools/outline_from_world_atlas.py",
        "coverage": list(COVERAGE),
        "countries": countries,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("topojson", type=Path, help="world-atlas countries-50m.json")
    parser.add_argument("-o", "--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    outline = convert(json.loads(args.topojson.read_text(encoding="utf-8")))
    args.out.write_text(json.dumps(outline, separators=(",", ":"), ensure_ascii=False) + "\n",
                        encoding="utf-8")
    countries = outline["countries"]
    assert isinstance(countries, list)
    print(f"{args.out}: {len(countries)} countries", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
