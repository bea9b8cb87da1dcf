"""The tiny writer every picture is built with: escaped text, escaped attributes, fixed number
formatting, and the picture's frame (its role, ``<title>``, ``<desc>``, ``viewBox``).

Strings are built by hand rather than through ``xml.etree``: the pictures are a few hundred
elements of five kinds, a string builder keeps each picture's code in drawing order, and
escaping happens in exactly two functions (``text`` and ``attrs``), so a contributor's title
can only ever become character data.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from html import escape

from briefbook import model

Link = Callable[[model.Event | model.Place], str]
"""Gives the href of a record's page; the caller owns URLs, the pictures never compute one."""


@dataclass(frozen=True, slots=True)
class Picture:
    """A drawn picture and its text alternative, to be placed next to each other."""

    svg: str
    """A complete inline ``<svg>`` element."""
    table_html: str
    """The same data as HTML (a table or a list), folded in ``<details>`` where long."""


def text(value: str) -> str:
    """Character data: ``<``, ``>``, ``&`` and quotes become references."""
    return escape(value, quote=True)


def num(value: float) -> str:
    """A coordinate with at most two decimals and no trailing zeros: deterministic, short."""
    rounded = round(value, 2)
    if rounded == 0:
        return "0"  # never "-0"
    return f"{rounded:.2f}".rstrip("0").rstrip(".")


def attrs(**values: str | float | None) -> str:
    """Attributes in the order given; ``class_`` is written ``class``; ``None`` is left out."""
    parts = []
    for name, value in values.items():
        if value is None:
            continue
        name = name.rstrip("_").replace("_", "-")
        rendered = num(value) if isinstance(value, (int, float)) else value
        parts.append(f' {name}="{text(rendered)}"')
    return "".join(parts)


def element(tag: str, body: str = "", **values: str | float | None) -> str:
    """``<tag attrs>body</tag>``; ``body`` must already be markup (use ``text`` for text)."""
    return f"<{tag}{attrs(**values)}>{body}</{tag}>"


def empty(tag: str, **values: str | float | None) -> str:
    return f"<{tag}{attrs(**values)}/>"


def tooltip(value: str) -> str:
    return element("title", text(value))


def link(href: str, body: str, label: str, **values: str | float | None) -> str:
    """A mark that is a link, with its tooltip (also its accessible name) first."""
    return element("a", tooltip(label) + body, href=href, **values)


def frame(kind: str, width: float, height: float, title: str, description: str,
          body: Iterable[str]) -> str:
    """The complete ``<svg>``: scales to its container (no fixed width), named and described.

    The ids tying the name and description to the element are derived from their text, so
    the output is deterministic and two different pictures on one page get different ids.

    The role is ``img`` unless the picture holds links: an image's children are
    presentational, so its links would be hidden from screen readers while still taking
    keyboard focus (axe's *nested-interactive*); a picture of links is a ``group``, named and
    described the same way.
    """
    markup = "".join(body)
    role = "group" if "<a " in markup else "img"
    digest = hashlib.sha256(f"{kind}\0{title}\0{description}".encode()).hexdigest()[:10]
    title_id, desc_id = f"bbp-{digest}-t", f"bbp-{digest}-d"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg"'
        f'{attrs(class_=f"bb-pic bb-pic-{kind}", viewBox=f"0 0 {num(width)} {num(height)}")}'
        f'{attrs(role=role, aria_labelledby=title_id, aria_describedby=desc_id)}>'
        f'{element("title", text(title), id=title_id)}'
        f'{element("desc", text(description), id=desc_id)}'
        f"{markup}</svg>"
    )


def table(caption: str, head: Iterable[str], rows: list[list[str]],
          fold_after: int = 8) -> str:
    """An HTML table of already-escaped cells, inside ``<details>`` when it has more than
    ``fold_after`` rows (the picture stays the first thing a reader sees)."""
    header = "".join(f"<th scope=\"col\">{text(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>"
                   for row in rows)
    markup = (f'<table class="bb-pic-table"><caption>{text(caption)}</caption>'
              f"<thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>")
    if len(rows) > fold_after:
        return (f'<details class="bb-pic-data"><summary>{text(caption)} '
                f"({len(rows)} rows)</summary>{markup}</details>")
    return markup


def anchor(href: str, label: str) -> str:
    """An HTML link for the text alternative."""
    return f'<a href="{text(href)}">{text(label)}</a>'
