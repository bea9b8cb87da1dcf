"""``briefbook new``: write a new event, actor, place or source file from flags or prompts.

The fields offered are the kind's own (``kinds.KINDS[kind].fields``), so a field added to
the schema is offered here without a second list; a ``Choice`` offers its vocabulary.  A
required value the contributor did not give is written as the marker ``TODO`` where the
field itself refuses that word, so ``briefbook check`` reports every one as an error until
it is filled in; a required value the field would accept as written (a title, a publisher)
must be given.  A file that exists is never overwritten.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from briefbook import dates
from briefbook.diagnostics import Location, UsageProblem
from briefbook.fields import (
    Choice,
    Context,
    Field,
    Invalid,
    ListOf,
    Markdown,
    Object,
    Quote,
)
from briefbook.kinds import KINDS
from briefbook.load import DEFAULT_LAYOUT, Layout
from briefbook.yamltree import Scalar

SCAFFOLDED = ("event", "actor", "place", "source")
"""The kinds ``briefbook new`` writes (notes and options are essays, written by hand)."""
TODO = "TODO"
MAX_ID_LENGTH = 80
_SIMPLE_DATE = re.compile(r"[0-9]{4}(?:-(?:0[1-9]|1[0-2])(?:-[0-3][0-9])?)?")


class ScaffoldError(UsageProblem):
    pass


@dataclass(frozen=True)
class Option:
    """One value ``new`` can be given: a top-level scalar field, a list of scalars, or a
    scalar of the first item of a required list of entries (an event's first citation)."""

    flag: str
    """The command-line option without its dashes: ``title``, ``citation-quote``."""
    field: Field
    parent: ListOf | None = None
    """The list the value goes in: as its items, or as a field of its first entry."""
    repeated: bool = False
    """A list of scalars: the option may be given several times."""

    @property
    def dest(self) -> str:
        return self.flag.replace("-", "_")

    @property
    def required(self) -> bool:
        return self.field.required and not self.repeated


def options(kind: str) -> tuple[Option, ...]:
    """What ``new KIND`` offers, in the order of the kind's fields."""
    found: list[Option] = []
    for spec in KINDS[kind].fields:
        if isinstance(spec, Markdown):
            continue  # prose is written in an editor, not on a command line
        if isinstance(spec, ListOf):
            item = spec.item
            if isinstance(item, Object) and spec.required:
                found.extend(Option(f"{item.name}-{sub.name}".replace("_", "-"), sub, spec)
                             for sub in item.fields if _is_scalar(sub))
            elif _is_scalar(item):
                found.append(Option(spec.name.replace("_", "-"), item, spec, repeated=True))
            continue
        if _is_scalar(spec):
            found.append(Option(spec.name.replace("_", "-"), spec))
    return tuple(found)


def _is_scalar(spec: Field) -> bool:
    return not isinstance(spec, ListOf | Object | Markdown) and type(spec).__name__ not in (
        "Figures", "PhraseLevels")


def refuses_marker(spec: Field) -> bool:
    """Whether the field itself refuses ``TODO``, so check reports a marker left in it."""
    ctx = Context("new")
    return isinstance(spec.convert(Scalar(TODO, Location("new")), ctx), Invalid)


def marker_caught_later(option: Option) -> bool:
    """A quote is checked against its source's text, where ``TODO`` is not found."""
    return isinstance(option.field, Quote)


def names_the_file(kind: str, option: Option) -> bool:
    """The id is made of these (the title or name; an event's date too): no marker."""
    return getattr(option.field, "title", False) or (kind == "event"
                                                     and option.field.name == "date")


def help_text(option: Option) -> str:
    doc = (option.parent.doc if option.repeated and option.parent else option.field.doc)
    if isinstance(option.field, Choice):
        doc += " One of: " + ", ".join(option.field.choices) + "."
    if option.repeated:
        doc += " Repeat the option for several."
    return doc.replace("%", "%%")


# --- Asking ---------------------------------------------------------------------------

Ask = Callable[[str], str]


def prompt_missing(kind: str, given: Mapping[str, object], ask: Ask,
                   say: Callable[[str], None]) -> dict[str, object]:
    """Ask for every value not given on the command line; an empty answer leaves an
    optional field out and a required one as its marker (or asks again, where the field
    would accept the marker)."""
    answers: dict[str, object] = dict(given)
    for option in options(kind):
        if answers.get(option.dest) not in (None, []):
            continue
        spec = option.field
        label = option.flag.replace("-", " ")
        if isinstance(spec, Choice):
            say(f"{label}: {help_text(option)}")
            for number, choice in enumerate(spec.choices, 1):
                say(f"  {number:2}. {choice}")
        while True:
            suffix = " (required)" if option.required else " (Enter to skip)"
            if option.repeated:
                suffix = " (comma-separated, Enter to skip)"
            answer = ask(f"{label}{suffix}: ").strip()
            if isinstance(spec, Choice) and answer.isdigit() \
                    and 1 <= int(answer) <= len(spec.choices):
                answer = spec.choices[int(answer) - 1]
            if not answer:
                if option.required and (names_the_file(kind, option) or not (
                        refuses_marker(spec) or marker_caught_later(option))):
                    say(f"{label} is required")
                    continue
                break
            values = ([a.strip() for a in answer.split(",") if a.strip()]
                      if option.repeated else [answer])
            problem = next((p for v in values if (p := _problem(spec, v)) is not None), None)
            if problem is not None:
                say(problem)
                continue
            answers[option.dest] = values if option.repeated else answer
            break
    return answers


def _problem(spec: Field, value: str) -> str | None:
    """The checker's own message for a value, so a prompt refuses what check would."""
    ctx = Context("new")
    spec.convert(Scalar(value, Location("new")), ctx)
    for diagnostic in ctx.problems:
        return diagnostic.message + (f"; {diagnostic.hint}" if diagnostic.hint else "")
    return None


# --- Writing --------------------------------------------------------------------------

def slug(text: str, limit: int = MAX_ID_LENGTH) -> str:
    words = re.findall(r"[a-z0-9]+", text.lower().replace("'", "").replace("’", ""))
    out = ""
    for word in words:
        if len(out) + len(word) + 1 > limit:
            break
        out = f"{out}-{word}" if out else word
    return out or "untitled"


def event_id(title: str, date_text: str) -> str:
    """``<date>-<slug of title>``; the date as written when it is a plain day, month or
    year, else its first day (what the checker's id rule expects)."""
    start = date_text.split("/")[0].rstrip("?~%")
    if not _SIMPLE_DATE.fullmatch(start):
        try:
            earliest = dates.parse(date_text).earliest
        except dates.EdtfError:
            raise ScaffoldError(f"invalid date '{date_text}'; write it in EDTF, e.g. "
                                "2021-03-03 or 2021-03") from None
        if earliest == dt.date.min:
            raise ScaffoldError(f"the date '{date_text}' has no known start; give the "
                                "earliest it can be, e.g. 2021-02/2021-02-20")
        start = earliest.isoformat()
    return f"{start}-{slug(title, MAX_ID_LENGTH - len(start) - 1)}"


def _yaml_scalar(spec: Field, value: str) -> str:
    if type(spec).__name__ == "Number" and re.fullmatch(r"[+-]?[0-9]+(?:\.[0-9]+)?", value):
        return value
    # A JSON string is a YAML double-quoted scalar: nothing in it can become syntax.
    return json.dumps(value, ensure_ascii=False)


def _lines(kind: str, values: Mapping[str, object]) -> Iterator[str]:
    entries: dict[str, list[str]] = {}
    for option in options(kind):
        value = values.get(option.dest)
        marker = value in (None, [], "") and option.required and (
            refuses_marker(option.field) or marker_caught_later(option))
        if value in (None, [], "") and not marker:
            continue
        text = TODO if marker else value
        if option.repeated:
            assert isinstance(text, list) and option.parent is not None
            items = ", ".join(_yaml_scalar(option.field, str(v)) for v in text)
            yield f"{option.parent.name}: [{items}]"
        elif option.parent is not None:
            entries.setdefault(option.parent.name, []).append(
                f"{option.field.name}: {_yaml_scalar(option.field, str(text))}")
        else:
            yield f"{option.field.name}: {_yaml_scalar(option.field, str(text))}"
    for name, lines in entries.items():
        yield f"{name}:"
        yield f"  - {lines[0]}"
        yield from (f"    {line}" for line in lines[1:])


@dataclass(frozen=True)
class Written:
    path: Path
    markers: int
    """How many TODO markers the file carries (each one a check error)."""


def record_path(root: Path, kind: str, record_id: str, layout: Layout = DEFAULT_LAYOUT) -> Path:
    spec = KINDS[kind]
    folder = root / spec.directory(layout.events, layout.sources, layout.docs)
    if kind == "event":  # the shipped book keeps events in a folder per year
        folder = folder / record_id[:4]
    return folder / f"{record_id}{spec.suffix}"


def new_record(root: Path, kind: str, values: Mapping[str, object], *,
               record_id: str | None = None, text: str | None = None,
               layout: Layout = DEFAULT_LAYOUT) -> Written:
    """Write the file of a new record; refuse an id already taken and an existing file."""
    spec = KINDS[kind]
    for option in options(kind):
        if option.required and values.get(option.dest) in (None, "") and not (
                refuses_marker(option.field) or marker_caught_later(option)):
            # The field would accept 'TODO' as written: check could not catch it.
            raise ScaffoldError(f"give the {kind}'s {option.flag.replace('-', ' ')} "
                                f"(--{option.flag})")
    title = next(o for o in options(kind) if getattr(o.field, "title", False))
    name = str(values[title.dest])
    if record_id is None:
        if kind == "event":
            date = values.get("date")
            if not isinstance(date, str) or not date.strip():
                raise ScaffoldError("give the event's date (--date), e.g. 2021-03-03")
            record_id = event_id(name, date.strip())
        else:
            record_id = slug(name)
    if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", record_id) or record_id == "index":
        raise ScaffoldError(f"'{record_id}' cannot be an id; use lowercase letters, digits "
                            "and single hyphens")
    folder = root / spec.directory(layout.events, layout.sources, layout.docs)
    taken = sorted(folder.rglob(f"{record_id}{spec.suffix}")) if folder.is_dir() else []
    if taken:
        raise ScaffoldError(f"{taken[0].relative_to(root).as_posix()} already exists; "
                            f"give another id (--id) or edit that file")
    path = record_path(root, kind, record_id, layout)
    lines = list(_lines(kind, values))
    markers = sum(line.rstrip().endswith(f'"{TODO}"') for line in lines)
    if kind == "event":
        schema = root / "schema" / "event.schema.json"
        relative = os.path.relpath(schema, path.parent).replace(os.sep, "/")
        head = [f"# yaml-language-server: $schema={relative}"]
        content = "\n".join(head + lines) + "\n"
    else:
        body = text if text is not None else ""
        content = "---\n" + "\n".join(lines) + "\n---\n" + body
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8", newline="") as out:
            out.write(content)
    except FileExistsError:
        raise ScaffoldError(f"{path} already exists; it was not overwritten") from None
    return Written(path, markers)


def given_values(kind: str, namespace: object) -> dict[str, object]:
    return {o.dest: getattr(namespace, o.dest, None) for o in options(kind)}
