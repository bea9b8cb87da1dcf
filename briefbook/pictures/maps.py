"""Picture 4, maps: Iraq and its neighbours with a marker per place, and a place's locator.

**Projection**: equirectangular with the longitude scaled by ``cos(lat0)``, where ``lat0`` is
the latitude of the frame's centre: ``x = (lon - west) * cos(lat0) * k``,
``y = (north - lat) * k``, with ``k`` the units per degree of latitude. At these latitudes
(20-40 degrees N) it keeps shapes and distances near the centre true to within a few per cent,
and a test can recompute any marker from its coordinates.

**Outline**: Natural Earth 1:50m countries (public domain), from the npm package
``world-atlas`` 2.0.2, converted once by ``tools/outline_from_world_atlas.py`` into
``outline.json`` beside this file (see ``outline-LICENSE.md``). Sea is what no country covers:
the frame's background.

**Honest markers**:

- Area ∝ the number of events placed there (radius ``3 + 2.2 * sqrt(n)``); a place no event
  names is a small ring.
- A place whose precision is ``region`` or ``country`` (a sea area such as the Gulf, a
  country) is drawn as a dashed ring around its stated centre, not as a point: the events are
  somewhere in it, and the picture does not say where.
- A place outside the frame is an arrow on the frame's edge pointing to it, and the table
  says so. Events that name no place cannot be drawn; the description counts them.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from briefbook import model
from briefbook.pictures import svg

AREA_PRECISIONS = frozenset({"region", "country"})
FOCUS_COUNTRY = "Iraq"


@dataclass(frozen=True, slots=True)
class Frame:
    """A rectangle of longitude and latitude and the projection that draws it."""

    west: float
    south: float
    east: float
    north: float
    width: float

    @property
    def lat0(self) -> float:
        return (self.south + self.north) / 2

    @property
    def k(self) -> float:
        """Units per degree of latitude."""
        return self.width / ((self.east - self.west) * math.cos(math.radians(self.lat0)))

    @property
    def height(self) -> float:
        return (self.north - self.south) * self.k

    def project(self, lon: float, lat: float) -> tuple[float, float]:
        return ((lon - self.west) * math.cos(math.radians(self.lat0)) * self.k,
                (self.north - lat) * self.k)

    def contains(self, lon: float, lat: float) -> bool:
        return self.west <= lon <= self.east and self.south <= lat <= self.north


REGION = Frame(west=34.0, south=21.0, east=54.0, north=39.0, width=480.0)
"""Iraq and its neighbours: Syria, Lebanon, Jordan, Kuwait, Saudi Arabia, Iran, the Gulf,
the north of the Red Sea, and the south of Turkey."""
LOCATOR_SPAN = 5.0
"""Degrees of latitude either side of a located place."""


@dataclass(frozen=True, slots=True)
class Country:
    name: str
    polygons: tuple[tuple[tuple[tuple[float, float], ...], ...], ...]
    """Polygons, each of rings (the first outer, the rest holes), each of (lon, lat)."""


@dataclass(frozen=True, slots=True)
class Outline:
    coverage: tuple[float, float, float, float]
    countries: tuple[Country, ...]


@cache
def outline() -> Outline:
    data = json.loads(resources.files("briefbook.pictures").joinpath("outline.json")
                      .read_text(encoding="utf-8"))
    west, south, east, north = data["coverage"]
    return Outline((west, south, east, north), tuple(
        Country(c["name"], tuple(tuple(tuple((p[0], p[1]) for p in ring) for ring in polygon)
                                 for polygon in c["polygons"]))
        for c in data["countries"]))


def covered(frame: Frame) -> bool:
    west, south, east, north = outline().coverage
    return (west <= frame.west and frame.east <= east and south <= frame.south
            and frame.north <= north)


def radius(count: int) -> float:
    return 3 + 2.2 * math.sqrt(count)


def _land(frame: Frame, focus: str | None) -> str:
    """Every country meeting the frame as one path each; the viewBox cuts the rest."""
    parts = [svg.empty("rect", class_="bb-pic-sea", x=0, y=0, width=frame.width,
                       height=frame.height)]
    for country in outline().countries:
        rings = [ring for polygon in country.polygons for ring in polygon
                 if _meets(frame, ring)]
        if not rings:
            continue
        d = " ".join("M" + " ".join(_point(frame, lon, lat) for lon, lat in ring) + "Z"
                     for ring in rings)
        css = "bb-pic-land" + (" bb-pic-focus" if country.name == focus else "")
        parts.append(svg.empty("path", class_=css, d=d))
    return "".join(parts)


def _meets(frame: Frame, ring: tuple[tuple[float, float], ...]) -> bool:
    lons = [p[0] for p in ring]
    lats = [p[1] for p in ring]
    return (min(lons) <= frame.east and max(lons) >= frame.west and min(lats) <= frame.north
            and max(lats) >= frame.south)


def _point(frame: Frame, lon: float, lat: float) -> str:
    x, y = frame.project(lon, lat)
    return f"{svg.num(x)} {svg.num(y)}"


LABELS = {
    "Iraq": (43.2, 32.2), "Iran": (51.5, 33.5), "Syria": (38.6, 35.6), "Jordan": (36.9, 30.9),
    "Saudi Arabia": (45.0, 25.6), "Turkey": (37.5, 38.4),
}
"""Where the region map names a country: inside it and clear of the places of the book."""


def _country_names(frame: Frame) -> str:
    return "".join(
        svg.element("text", svg.text(name), class_="bb-pic-country", x=x, y=y,
                    text_anchor="middle")
        for name, (lon, lat) in LABELS.items() if frame.contains(lon, lat)
        for x, y in [frame.project(lon, lat)])


def _marker(frame: Frame, place: model.Place, count: int, href: str | None) -> str:
    x, y = frame.project(place.longitude, place.latitude)
    events = f"{count} event{'s' if count != 1 else ''}"
    area = place.precision in AREA_PRECISIONS
    label = f"{place.name}: {events}" + (f" (somewhere in this {place.precision}; the ring "
                                         "marks its centre)" if area else "")
    if not frame.contains(place.longitude, place.latitude):
        return _off_frame(frame, place, label, href)
    if area:
        shape = (svg.empty("circle", class_="bb-pic-area", cx=x, cy=y, r=max(radius(count), 7))
                 + svg.empty("circle", class_="bb-pic-area-centre", cx=x, cy=y, r=1.5))
    elif count == 0:
        shape = svg.empty("circle", class_="bb-pic-place bb-pic-empty", cx=x, cy=y, r=3)
    else:
        shape = svg.empty("circle", class_="bb-pic-place", cx=x, cy=y, r=radius(count))
    if href is None:
        return svg.element("g", svg.tooltip(label) + shape)
    return svg.link(href, shape, label, class_="bb-pic-mark")


def _key(frame: Frame) -> str:
    """What the two kinds of marker mean, in the frame's lower right corner."""
    x, y = frame.width - 168, frame.height - 44
    parts = [
        svg.empty("rect", class_="bb-pic-keybox", x=x - 6, y=y - 12, width=170, height=52,
                  rx=3),
        svg.empty("circle", class_="bb-pic-place", cx=x + 6, cy=y, r=5),
        svg.element("text", "a place; area by events", class_="bb-pic-legend", x=x + 16,
                    y=y + 4),
        svg.empty("circle", class_="bb-pic-area", cx=x + 6, cy=y + 22, r=7),
        svg.element("text", "somewhere in a region,", class_="bb-pic-legend", x=x + 16,
                    y=y + 19),
        svg.element("text", "country or sea", class_="bb-pic-legend", x=x + 16, y=y + 32),
    ]
    return svg.element("g", "".join(parts), class_="bb-pic-key")


def _off_frame(frame: Frame, place: model.Place, label: str, href: str | None) -> str:
    """An arrow on the edge of the frame, pointing from its centre toward the place."""
    cx, cy = frame.width / 2, frame.height / 2
    px, py = frame.project(place.longitude, place.latitude)
    dx, dy = px - cx, py - cy
    t = min((cx - 10) / abs(dx) if dx else math.inf, (cy - 10) / abs(dy) if dy else math.inf)
    ex, ey = cx + dx * t, cy + dy * t
    length = math.hypot(dx, dy)
    ux, uy = dx / length, dy / length
    tip = (ex + ux * 8, ey + uy * 8)
    left = (ex - uy * 5, ey + ux * 5)
    right = (ex + uy * 5, ey - ux * 5)
    points = " ".join(f"{svg.num(a)},{svg.num(b)}" for a, b in (tip, left, right))
    shape = svg.empty("polygon", class_="bb-pic-offmap", points=points)
    label = f"{label}; outside the map, in this direction"
    if href is None:
        return svg.element("g", svg.tooltip(label) + shape)
    return svg.link(href, shape, label, class_="bb-pic-mark")


def place_map(places: Sequence[model.Place], events: Sequence[model.Event],
              link: svg.Link, frame: Frame = REGION) -> svg.Picture:
    """Every place, its marker sized by how many of ``events`` name it, linking to its page."""
    counts = Counter(e.place.id for e in events if e.place is not None)
    unplaced = sum(e.place is None for e in events)
    # Big markers first, so small ones are drawn on top and stay reachable.
    ordered = sorted(places, key=lambda p: (-counts[p.id], p.name.casefold(), p.id))
    body = [_land(frame, FOCUS_COUNTRY), _country_names(frame)]
    body += [_marker(frame, p, counts[p.id], link(p)) for p in ordered]
    body.append(_key(frame))
    outside = [p for p in places if not frame.contains(p.longitude, p.latitude)]
    areas = [p for p in places if p.precision in AREA_PRECISIONS]
    description = (
        f"Map of Iraq and its neighbours ({_degrees(frame)}), equirectangular. "
        f"{len(places)} places, each marked at its coordinates, the marker's area by its "
        f"number of events; {len(areas)} regions, countries and sea areas are dashed rings "
        "around their centre. "
        + (f"{len(outside)} lie outside the map: arrows on its edge point to them. "
           if outside else "")
        + f"{unplaced} events name no place and are not on the map.")
    picture = svg.frame("map", frame.width, frame.height, "Places of the book", description,
                        body)
    rows = [[svg.anchor(link(p), p.name), str(counts[p.id]), svg.text(p.precision),
             f"{p.latitude:.4f}, {p.longitude:.4f}"
             + ("" if frame.contains(p.longitude, p.latitude) else " (outside the map)")]
            for p in sorted(places, key=model.Place.sort_key)]
    table = svg.table("Places and their events", ["Place", "Events", "Precision",
                                                 "Latitude, longitude"], rows)
    if unplaced:
        table += f"<p>{unplaced} events name no place.</p>"
    return svg.Picture(picture, table)


def locator_frame(place: model.Place, width: float = 240.0) -> Frame:
    lat_span = LOCATOR_SPAN
    lon_span = lat_span / math.cos(math.radians(place.latitude)) * 1.25
    return Frame(place.longitude - lon_span, place.latitude - lat_span,
                 place.longitude + lon_span, place.latitude + lat_span, width)


def locator_map(place: model.Place, event_count: int) -> svg.Picture:
    """A small map centred on ``place``, for its own page (so its marker links nowhere)."""
    frame = locator_frame(place)
    body = [_land(frame, None), _marker(frame, place, event_count, None)]
    area = place.precision in AREA_PRECISIONS
    description = (
        f"{place.name} at {place.latitude:.4f}, {place.longitude:.4f} "
        f"(precision: {place.precision}), on a map of {_degrees(frame)}, equirectangular"
        + ("; the dashed ring marks the centre of an area, not a point" if area else "")
        + ("" if covered(frame) else "; the bundled outline does not reach the edges of this "
           "frame, where the map is left blank") + ".")
    picture = svg.frame("locator", frame.width, frame.height, f"Where {place.name} is",
                        description, body)
    table = (f'<p class="bb-pic-caption">{svg.text(place.name)}: latitude '
             f"{place.latitude:.4f}, longitude {place.longitude:.4f} "
             f"(precision: {svg.text(place.precision)}).</p>")
    return svg.Picture(picture, table)


def _degrees(frame: Frame) -> str:
    def lat(v: float) -> str:
        return f"{abs(v):.0f}°{'N' if v >= 0 else 'S'}"

    def lon(v: float) -> str:
        return f"{abs(v):.0f}°{'E' if v >= 0 else 'W'}"

    return f"{lat(frame.south)}–{lat(frame.north)}, {lon(frame.west)}–{lon(frame.east)}"
