"""The JSON Schema writer: a record kind's fields as the JSON Schema document that editors'
YAML language servers (VS Code YAML, JetBrains) use to complete and check files as they
are typed.  Each field type gives its own part (``Field.json_schema``); this assembles the
document."""

from __future__ import annotations

from typing import Any

from briefbook import kinds
from briefbook.fields import object_schema


def kind_schema(name: str = "event") -> dict[str, Any]:
    """The JSON Schema of the files of kind ``name`` (an event file is all fields; for the
    others it describes the front matter)."""
    kind = kinds.KINDS[name]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://briefbook.invalid/schema/{name}.schema.json",
        "title": f"briefbook {name}",
        "description": kind.doc,
        **object_schema(kind.fields),
    }
