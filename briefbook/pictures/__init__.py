"""The book's pictures, drawn at build time as static, accessible inline SVG.

Each function takes records of ``briefbook.model`` and a ``link`` callable that gives the
href of an event's or place's page, and returns a ``Picture``: the ``<svg>`` and its text
alternative as HTML. Colours come from ``pictures.css`` (classes and custom properties, light
and dark). Nothing here reads the index or renders pages, and no output holds a script,
a style attribute or a reference to anything outside the page.
"""

from briefbook.pictures.actor import actor_strip
from briefbook.pictures.cycles import cycles_chart
from briefbook.pictures.maps import locator_map, place_map
from briefbook.pictures.svg import Link, Picture
from briefbook.pictures.tempo import tempo_chart
from briefbook.pictures.timeline import timeline_strip

__all__ = [
    "Link", "Picture", "actor_strip", "cycles_chart", "locator_map", "place_map",
    "tempo_chart", "timeline_strip",
]
