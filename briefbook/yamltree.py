"""A safe, located YAML reader.

libyaml's event stream is turned into a tree of strings, lists and mappings that remember
where each value was written.  Nothing is ever constructed from a tag, every scalar stays a
string (the schema types it later, so ``no`` is not ``false`` and ``1.10`` is not ``1.1``), and
anchors, aliases, explicit tags and duplicate keys are refused before they can do harm.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from briefbook.diagnostics import Diagnostic, Location, line_col
from briefbook.text import INVISIBLE

if not getattr(yaml, "__with_libyaml__", False):  # pragma: no cover - install problem
    raise ImportError("briefbook needs PyYAML built with libyaml (pip install --force pyyaml)")

MAX_DEPTH = 32
"""Deeper nesting than any record needs; refusing it keeps recursion bounded."""



def invisible_message(char: str) -> str:
    return f"invisible control character U+{ord(char):04X}"


@dataclass(slots=True)
class Scalar:
    value: str
    at: Location
    block: bool = False
    """Written as a ``|`` or ``>`` block, so its text starts on the next line."""


@dataclass(slots=True)
class Sequence:
    items: list[Node]
    at: Location


@dataclass(slots=True)
class Mapping:
    entries: dict[str, tuple[Scalar, Node]] = field(default_factory=dict)
    at: Location = field(default_factory=lambda: Location("?"))


Node = Scalar | Sequence | Mapping


class YamlError(Exception):
    def __init__(self, diagnostic: Diagnostic) -> None:
        self.diagnostic = diagnostic
        super().__init__(diagnostic.format())


_SCANNER_HINTS = {
    "mapping values are not allowed": "quote a value that contains ': ', or check this "
    "line's indentation",
    "found unexpected end of stream": "close the quote or bracket that is still open",
    "did not find expected ',' or ']'": "close the quote or bracket that is still open",
    "did not find expected ',' or '}'": "close the quote or bracket that is still open",
}
# Errors found far from their cause: report where the unclosed thing was opened.
_OPENED_AT = ("while scanning a quoted scalar", "while parsing a flow")


def parse(text: str, path: str, line_offset: int = 0) -> Node | None:
    """Parse one YAML document into a located tree; ``None`` for an empty document.

    ``line_offset`` shifts reported lines, for front matter that starts below line 1.
    """
    builder = _Builder(path, line_offset)
    try:
        for event in yaml.parse(text, Loader=yaml.CSafeLoader):
            builder.feed(event)
    except yaml.MarkedYAMLError as exc:
        context = str(exc.context or "")
        mark = (exc.context_mark if exc.context_mark and context.startswith(_OPENED_AT)
                else exc.problem_mark or exc.context_mark)
        problem = str(exc.problem or exc.context or "invalid YAML")
        at = builder.location(mark) if mark else Location(path, 1 + line_offset, 1)
        hint = next((h for k, h in _SCANNER_HINTS.items() if k in problem), None)
        lines = text.split("\n")
        if mark and mark.line < len(lines) and "\t" in lines[mark.line]:
            hint = "indent with spaces, not tabs"
        raise YamlError(Diagnostic(at, "error", f"invalid YAML: {problem}", hint)) from None
    except yaml.YAMLError as exc:  # reader errors: characters YAML does not allow
        position = getattr(exc, "position", 0) or 0
        line, col = line_col(text, position)
        reason = str(getattr(exc, "reason", "") or "character not allowed")
        raise YamlError(Diagnostic(Location(path, line + line_offset, col), "error",
                                   f"invalid YAML: {reason}",
                                   "delete the character or quote the text")) from None
    return builder.root


class _Builder:
    def __init__(self, path: str, line_offset: int) -> None:
        self.path = path
        self.line_offset = line_offset
        self.root: Node | None = None
        self.documents = 0
        # Open collections; a mapping keeps its pending key until the value arrives.
        self.stack: list[tuple[Mapping | Sequence, Scalar | None]] = []

    def location(self, mark: Any) -> Location:
        return Location(self.path, mark.line + 1 + self.line_offset, mark.column + 1)

    def fail(self, event: yaml.Event, message: str, hint: str | None = None) -> None:
        raise YamlError(Diagnostic(self.location(event.start_mark), "error", message, hint))

    def feed(self, event: yaml.Event) -> None:
        if isinstance(event, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                self.fail(event, "a file holds one YAML document; found a second '---'",
                          "remove the extra '---' line or split the file")
            return
        if isinstance(event, yaml.AliasEvent):
            self.fail(event, f"YAML alias '*{event.anchor}' is not allowed",
                      "write the value out in full")
        if isinstance(event, yaml.NodeEvent) and event.anchor is not None:
            self.fail(event, f"YAML anchor '&{event.anchor}' is not allowed",
                      "write the value out in full")
        if isinstance(event, (yaml.ScalarEvent, yaml.CollectionStartEvent)):
            tag = event.tag or ""
            explicit = bool(tag) and not (
                isinstance(event, yaml.ScalarEvent) and tag == "!" and event.implicit[1]
            )
            if explicit:
                written = f"!!{tag[18:]}" if tag.startswith("tag:yaml.org,2002:") else tag
                self.fail(event, f"YAML tag '{written}' is not allowed",
                          "remove the tag; values are typed by the schema")
        if isinstance(event, yaml.ScalarEvent):
            hidden = INVISIBLE.search(event.value)
            if hidden:  # written as a YAML escape: "\u202e", "\x1b", "\a"
                self.fail(event, f"{invisible_message(hidden.group())} (written as an escape)",
                          "delete it; it can hide or reorder text")
            self.add(Scalar(event.value, self.location(event.start_mark),
                            block=event.style in ("|", ">")), event)
        elif isinstance(event, yaml.MappingStartEvent):
            self.open(Mapping({}, self.location(event.start_mark)), event)
        elif isinstance(event, yaml.SequenceStartEvent):
            self.open(Sequence([], self.location(event.start_mark)), event)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            node, _ = self.stack.pop()
            self.attach(node, event)

    def open(self, node: Mapping | Sequence, event: yaml.Event) -> None:
        if len(self.stack) >= MAX_DEPTH:
            self.fail(event, f"nesting deeper than {MAX_DEPTH} levels",
                      "no briefbook record nests this deep; flatten the value")
        self.stack.append((node, None))

    def add(self, node: Scalar, event: yaml.Event) -> None:
        if self.stack:
            parent, pending = self.stack[-1]
            if isinstance(parent, Mapping) and pending is None:
                if node.value in parent.entries:
                    first = parent.entries[node.value][0].at
                    self.fail(event, f"duplicate key '{node.value}' (first at line {first.line})",
                              "keep one of the two entries")
                self.stack[-1] = (parent, node)
                return
        self.attach(node, event)

    def attach(self, node: Node, event: yaml.Event) -> None:
        if not self.stack:
            self.root = node
            return
        parent, pending = self.stack[-1]
        if isinstance(parent, Sequence):
            parent.items.append(node)
        elif pending is None:
            raise YamlError(Diagnostic(node.at, "error", "a mapping key must be a plain string",
                                       "quote the key"))
        else:
            parent.entries[pending.value] = (pending, node)
            self.stack[-1] = (parent, None)
