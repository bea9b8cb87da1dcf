"""The book's record schema: the fields of every record kind and of their parts
(citations, attributions, stances, relations, editor's notes), built from ``fields``.

The kinds themselves (folder, page, template) are declared in ``kinds``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from briefbook import model
from briefbook.diagnostics import Location, choice_hint, line_col
from briefbook.fields import (
    Choice,
    Context,
    Date,
    Field,
    Invalid,
    ListOf,
    Markdown,
    Number,
    Object,
    Pattern,
    PhraseLevels,
    Quote,
    Reference,
    Slug,
    Text,
    Url,
)
from briefbook.text import digits_hint
from briefbook.yamltree import Mapping, Node, Scalar

# Numbers are ASCII digits only: Python's \d and int() also take other scripts' digits
# ("١٠"), which the published JSON Schema refuses.
_FIGURE = re.compile(r"(?:(?P<qualifier>[a-z]+(?: [a-z]+)?) )?"
                     r"(?P<value>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)")
MAX_FIGURE_DIGITS = 12
"""A figure counts rockets, strikes or people: twelve digits (under a trillion) is far past
any real count, and a 5,000-digit one would otherwise reach Python's int-parsing limit."""
MIN_BOILERPLATE = 4
"""Characters a boilerplate passage needs at least (see the source's 'boilerplate')."""


@dataclass(frozen=True)
class Figures(Field):
    type_name: ClassVar[str] = "figures"

    def describe(self) -> str:
        return ("a mapping of " + ", ".join(f"`{n}`" for n in model.FIGURE_NAMES)
                + f" to a number of at most {MAX_FIGURE_DIGITS} digits, optionally qualified "
                "(`at least 10`, `up to 110`)")

    def convert(self, node: Node, ctx: Context) -> tuple[tuple[str, model.Figure], ...] | Invalid:
        if not isinstance(node, Mapping):
            return ctx.error(node.at, f"'{self.name}' must be a mapping like '{{rockets: 3}}'")
        found: dict[str, model.Figure] = {}
        for name, (key, value) in node.entries.items():
            if name not in model.FIGURE_NAMES:
                ctx.error(key.at, f"unknown figure '{name}'",
                          choice_hint(name, model.FIGURE_NAMES))
                continue
            if not isinstance(value, Scalar):
                ctx.error(value.at, f"figure '{name}' must be a number")
                continue
            m = _FIGURE.fullmatch(value.value.strip())
            if not m:
                ctx.error(value.at, f"figure '{name}' must be a number like 14 or "
                          f"'at least 10', not '{value.value}'", digits_hint(value.value))
                continue
            digits = len(m.group("value").replace(",", ""))
            if digits > MAX_FIGURE_DIGITS:
                ctx.error(value.at, f"figure '{name}' has {digits} digits; the limit is "
                          f"{MAX_FIGURE_DIGITS}", "a figure counts attacks, weapons or "
                          "people: check the number against the source")
                continue
            qualifier = m.group("qualifier")
            if qualifier is not None and qualifier not in model.FIGURE_QUALIFIERS:
                ctx.error(value.at, f"unknown qualifier '{qualifier}' in figure '{name}'",
                          choice_hint(qualifier, model.FIGURE_QUALIFIERS))
                continue
            found[name] = model.Figure(int(m.group("value").replace(",", "")), qualifier)
        order = {n: i for i, n in enumerate(model.FIGURE_NAMES)}
        return tuple(sorted(found.items(), key=lambda item: order[item[0]]))

    def json_schema(self) -> dict[str, Any]:
        groups = (MAX_FIGURE_DIGITS - 1) // 3
        number = f"([0-9]{{1,{MAX_FIGURE_DIGITS}}}|[0-9]{{1,3}}(,[0-9]{{3}}){{1,{groups}}})"
        value = {"anyOf": [
            {"type": "integer", "minimum": 0, "maximum": 10 ** MAX_FIGURE_DIGITS - 1},
            {"type": "string",
             "pattern": f"^(({'|'.join(model.FIGURE_QUALIFIERS)}) )?{number}$"},
        ]}
        return {"type": "object", "additionalProperties": False,
                "properties": dict.fromkeys(model.FIGURE_NAMES, value)}



# --- Records ----------------------------------------------------------------------------

def _key_at(node: Mapping, key: str) -> Location:
    entry = node.entries.get(key)
    return entry[0].at if entry else node.at


def _citation(values: dict[str, Any], node: Mapping) -> model.Citation:
    quote = node.entries.get("quote")
    at = quote[1].at if quote else node.at
    return model.Citation(values["source"], values["quote"], at, values.get("reports", ()))


def _build_citation(values: dict[str, Any], node: Mapping, ctx: Context) -> model.Citation:
    return _citation(values, node)


def _build_attribution(values: dict[str, Any], node: Mapping,
                       ctx: Context) -> model.Attribution | Invalid:
    at = node.at
    status, confidence = values["status"], values.get("confidence")
    if status == "assessed" and confidence is None:
        return ctx.error(at, "an 'assessed' attribution needs a confidence",
                         "add 'confidence: low', 'moderate' or 'high' as the text supports")
    if confidence is not None and status not in ("assessed", "suspected"):
        article = "an" if status[0] in "aeiou" else "a"
        return ctx.error(_key_at(node, "confidence"),
                         f"{article} '{status}' attribution has no confidence",
                         "remove 'confidence', or use status 'assessed'")
    return model.Attribution(values["actor"], status, values["by"], _citation(values, node), at,
                             confidence, values.get("note"),
                             _key_at(node, "confidence") if confidence else None)


def _build_stance(values: dict[str, Any], node: Mapping, ctx: Context) -> model.Stance:
    return model.Stance(values["by"], _citation(values, node), node.at)


def _build_relation(values: dict[str, Any], node: Mapping,
                    ctx: Context) -> model.Relation | Invalid:
    at = node.at
    has_source, has_quote = "source" in values, "quote" in values
    if has_source and not has_quote:
        return ctx.error(_key_at(node, "source"),
                         "a relation's citation needs both 'source' and 'quote'",
                         "add 'quote:' with a verbatim passage of the source, or remove "
                         "'source'")
    if has_quote and not has_source:
        return ctx.error(_key_at(node, "quote"),
                         "a relation's citation needs both 'source' and 'quote'",
                         "add 'source:' naming the document the quote comes from, or remove "
                         "'quote'")
    citation = _citation(values, node) if has_source else None
    return model.Relation(values["type"], values["actor"], at, citation, values.get("basis"),
                          values.get("note"))


def _build_editor_note(values: dict[str, Any], node: Mapping, ctx: Context) -> model.EditorNote:
    return model.EditorNote(values["basis"], values["text"], node.at)


_BASIS_DOC = ("`public record` (widely published fact no cited document states), "
              "`editor's inference` (a conclusion the editor draws from the documents), "
              "`identification` (which real-world entity or date a document's words name).")


def _quoted(required: bool = True) -> tuple[Field, ...]:
    return (
        Reference("source", "Id of the source document that says so.", required, kind="source"),
        Quote("quote", "A verbatim passage of that source showing it; checked against the "
              "source's text.", required),
    )


CITATION = Object(
    "citation", "A source reporting the event.", title="citation", build=_build_citation,
    fields=(
        *_quoted(),
        Figures("reports", "Figures this source reports for the event, as it states them."),
    ),
)

ATTRIBUTION = Object(
    "attribution", "Who is said to be responsible.", title="attribution",
    build=_build_attribution,
    fields=(
        Reference("actor", "The actor said to be responsible.", True, kind="actor"),
        Choice("status", "How responsibility is established: `claimed` (the actor says it "
               "did it), `denied`, `officially attributed` (a government names it), "
               "`assessed` (an analyst judges it, with a confidence), `suspected`.", True,
               choices=model.ATTRIBUTION_STATUSES),
        Reference("by", "The actor who says so.", True, kind="actor"),
        Choice("confidence", "Estimative confidence; required for `assessed`, optional "
               "for `suspected`, not allowed otherwise.", choices=model.CONFIDENCE_LEVELS),
        *_quoted(),
        Text("note", "A remark shown with the attribution.", max_length=500),
    ),
)

STANCE = Object(
    "stance", "An actor's position on the option, in their words.", title="stance",
    build=_build_stance,
    fields=(Reference("by", "Who takes this position.", True, kind="actor"), *_quoted()),
)

RELATION = Object(
    "relation", "A typed link to another actor.", title="relation", build=_build_relation,
    fields=(
        Choice("type", "How this actor relates to the other.", True,
               choices=model.RELATION_TYPES),
        Reference("actor", "The other actor.", True, kind="actor"),
        *_quoted(required=False),
        Choice("basis", "For a relation no quote states: why the editor asserts it: "
               + _BASIS_DOC, choices=model.EDITOR_BASES),
        Text("note", "The editor's explanation, shown with the relation.", max_length=500),
    ),
)

EDITOR_NOTES = ListOf(
    "editor_notes", "What the editor adds from outside the cited documents, shown in an "
    "\"Editor's note\" box apart from the sourced text.",
    item=Object("editor_note", "", title="editor's note", build=_build_editor_note, fields=(
        Choice("basis", "Why the editor may say it: " + _BASIS_DOC, True,
               choices=model.EDITOR_BASES),
        Markdown("text", "The note; may reference records as `[[kind:id]]`.", True,
                 max_length=5000),
    )),
)




def _ids(name: str, kind: str, doc: str) -> ListOf:
    return ListOf(name, doc, item=Reference(kind, "", kind=kind))


EVENT: tuple[Field, ...] = (
    Text("title", "What happened, in a few words.", True, max_length=200, title=True),
    Date("date", "When, in EDTF: a day, month, year, season, interval, with `?` "
         "(uncertain) or `~` (approximate).", True),
    Text("date_note", "How the date was derived when no source states it; marks the "
         "date as derived.", max_length=500),
    Choice("type", "What kind of event.", True, choices=model.EVENT_TYPES),
    Reference("place", "Where it happened.", kind="place"),
    _ids("perpetrators", "actor", "Who did it, as the sources present it."),
    _ids("targets", "actor", "Who or what it was aimed at."),
    ListOf("attribution", "Claims, official attributions and assessments of "
           "responsibility, kept apart.", item=ATTRIBUTION),
    ListOf("citations", "Every source that reports the event.", True, item=CITATION,
           min_items=1),
    _ids("responds_to", "event", "Earlier events this one answers."),
    ListOf("tags", "Free slugs for grouping.", item=Slug("tag", "")),
    Text("single_source", "Why one source must do: silences the single-source "
         "warning and is shown on the page, e.g. 'No other archived document "
         "reports this strike.'", max_length=500),
    Markdown("summary", "What happened and why it matters; may reference records as "
             "`[[kind:id]]`."),
    EDITOR_NOTES,
    Text("origin", "Where an imported event came from (`briefbook import` writes the "
         "file and row), so a reviewer can trace it.", max_length=500),
)

SOURCE: tuple[Field, ...] = (
    Text("title", "The document's title.", True, max_length=300, title=True),
    Text("publisher", "Who published it.", True),
    ListOf("authors", "Its authors, as bylined.", item=Text("author", "")),
    Date("published", "When it was published (EDTF); mark a derived date uncertain.",
         True),
    Text("published_note", "Why the publication date is uncertain, if it is.",
         max_length=1000),
    Choice("kind", "What kind of document.", True, choices=model.SOURCE_KINDS),
    Url("url", "Where it was published."),
    Url("archive_url", "An archived copy."),
    Text("url_unknown", "Why no url is given (the capture does not carry it); "
         "silences the missing-url warning and is shown on the page.",
         max_length=500),
    Date("accessed", "When the text was captured."),
    ListOf("boilerplate", "Verbatim passages of reader-facing boilerplate "
           "(subscription prompts, adverts) to de-emphasise.",
           # Every occurrence of a passage is dimmed: a letter or two would
           # dim most of the text and multiply the page's size.
           item=Quote("boilerplate passage", "", min_length=MIN_BOILERPLATE,
                      why_min="quote the whole prompt or advert, e.g. "
                      "'Subscribe to our newsletter'")),
    ListOf("capture_notes", "Known defects of the capture (a stray replacement "
           "character, a duplicated byline).", item=Text("note", "", max_length=500)),
    EDITOR_NOTES,
)

ACTOR: tuple[Field, ...] = (
    Text("name", "The name to show.", True, max_length=200, title=True),
    Choice("kind", "What kind of actor.", True, choices=model.ACTOR_KINDS),
    ListOf("aliases", "Every other spelling the sources use.",
           item=Text("alias", "", max_length=200)),
    ListOf("relations", "Typed links to other actors.", item=RELATION),
    EDITOR_NOTES,
)

PLACE: tuple[Field, ...] = (
    Text("name", "The name to show.", True, max_length=200, title=True),
    ListOf("aliases", "Other spellings.", item=Text("alias", "", max_length=200)),
    Choice("kind", "What kind of place.", True, choices=model.PLACE_KINDS),
    Number("latitude", "Degrees north (WGS 84).", True, low=-90, high=90),
    Number("longitude", "Degrees east (WGS 84).", True, low=-180, high=180),
    Choice("precision", "How precise the coordinates are: `site` (within about "
           "1 km), `locality`, `region`, `country`.", True,
           choices=model.PLACE_PRECISIONS),
    Pattern("country", "ISO 3166-1 alpha-2 country code; omit for international "
            "waters.", pattern="[A-Z]{2}", example="IQ"),
    EDITOR_NOTES,
)

OPTION: tuple[Field, ...] = (
    Text("title", "The option, as an imperative.", True, max_length=200, title=True),
    ListOf("recommended_by", "Who recommends it, quoted.", item=STANCE),
    ListOf("doubted_by", "Who doubts it, quoted.", item=STANCE),
    _ids("events", "event", "Events it bears on."),
    _ids("actors", "actor", "Actors it concerns."),
    EDITOR_NOTES,
)

NOTE: tuple[Field, ...] = (
    Text("title", "The note's title.", True, max_length=200, title=True),
    Text("author", "Who wrote it.", True),
    Date("date", "When it was written.", True),
    _ids("events", "event", "Events it concerns."),
    _ids("actors", "actor", "Actors it concerns."),
    _ids("options", "option", "Options it concerns."),
    PhraseLevels("estimative_language", "The estimative-language table: each "
                 "phrase a quote may use (`likely`, `little doubt`) and the confidence "
                 "it expresses. Assessments whose quote uses a listed phrase are "
                 "checked against it (the longest phrase found wins).",
                 levels=model.CONFIDENCE_LEVELS),
    EDITOR_NOTES,
)


PAGE_FIELDS: tuple[Field, ...] = (
    # Only what a hand-written page needs: the theme prints front-matter fields into every
    # page, turns some into links and reads `template` as a theme file's path.
    Text("title", "The page's title.", max_length=200),  # the plugin escapes it: shown as is
    Text("description", "A one-sentence summary for search engines.", max_length=300),
    ListOf("hide", "Parts of the page to hide.",
           item=Choice("part to hide", "", choices=("navigation", "toc", "footer", "path",
                                                     "tags"))),
    Object("search", "How the search index treats the page.", title="search setting",
           build=lambda values, _node, _ctx: values,
           fields=(Choice("exclude", "Leave the page out of search.",
                          choices=("true", "false")),
                   Number("boost", "Rank the page higher or lower.", low=0.1, high=10))),
)
"""The front matter a hand-written page under docs/ may have."""


# --- Record-level rules, run once a record's fields are converted -------------------------

_ID_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2}))?(?:-([0-9]{2}))?-")


class Document(Protocol):
    """What the rules read of a loaded file (``load.Document``)."""

    @property
    def id(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def meta(self) -> Node | None: ...
    @property
    def body(self) -> str: ...
    @property
    def body_line(self) -> int: ...
    @property
    def text(self) -> str: ...


def event_rules(document: Document, values: dict[str, Any], ctx: Context) -> dict[str, Any]:
    """An event's id starts with its date, which needs a known start."""
    date = values["date"]
    if date.earliest == dt.date.min:
        ctx.error(value_at(document, "date"), "an event's date needs a known start",
                  "give the earliest it can be, e.g. 2021-02/2021-02-20")
        return {}
    m = _ID_DATE.match(document.id)
    suggestion = f"{date.earliest.isoformat()}-{_ID_DATE.sub('', document.id, count=1) or 'event'}"
    if not m:
        ctx.error(Location(document.path), "event id must start with the event's date",
                  f"rename the file to '{suggestion}.yaml'")
        return {}
    year, month, day = (int(g) if g else None for g in m.groups())
    e = date.earliest
    if not (year == e.year and month in (None, e.month) and day in (None, e.day)):
        ctx.error(Location(document.path),
                  f"event id starts with {m.group(0)[:-1]} but the event's date is "
                  f"{date.text}", f"rename the file to '{suggestion}.yaml' or fix 'date'")
    return {}


def note_rules(document: Document, values: dict[str, Any], ctx: Context) -> dict[str, Any]:
    """A note keeps where its estimative-language table is, for the check's messages."""
    return {"estimative_at": key_at(document, "estimative_language")}


def source_rules(document: Document, values: dict[str, Any],
                 ctx: Context) -> dict[str, Any] | None:
    """A source's body is the archived document: required, and what the boilerplate
    passages and capture notes speak of."""
    text = document.body
    if not text.strip():
        ctx.error(Location(document.path, document.body_line), "source has no archived text",
                  "paste the document's text verbatim below the front matter")
        return None
    for passage in values.get("boilerplate", ()):
        if passage not in text:
            ctx.error(_locate(document, passage), f"boilerplate passage not in the text: "
                      f"'{passage[:60]}'", "copy the passage exactly from the text below")
    stray = text.find("\ufffd")
    if stray >= 0 and not values.get("capture_notes"):
        line, col = line_col(text, stray)
        ctx.warn(Location(document.path, document.body_line + line - 1, col),
                 "archived text has a U+FFFD replacement character",
                 "keep it, and describe it under 'capture_notes'")
    return {"text": text, "text_line": document.body_line}


def value_at(document: Document, key: str) -> Location:
    assert isinstance(document.meta, Mapping)
    entry = document.meta.entries.get(key)
    return entry[1].at if entry else Location(document.path)


def key_at(document: Document, key: str) -> Location | None:
    assert isinstance(document.meta, Mapping)
    entry = document.meta.entries.get(key)
    return entry[0].at if entry else None


def _locate(document: Document, passage: str) -> Location:
    """Where a value is written in the front matter, found by its first words."""
    front = document.text[: document.text.find("\n---", 3)]
    at = front.find(passage[:40])
    if at < 0:
        return Location(document.path)
    line_start = front.rfind("\n", 0, at) + 1
    item = front.rfind("- ", line_start, at)
    line, _ = line_col(front, at)
    return Location(document.path, line, (item + 2 if item >= 0 else at) - line_start + 1)
