"""The theme overrides that still copy a Material partial say which original they copied,
and fail here when the installed Material's original has changed: the change briefbook made
must then be carried over to the new original by hand."""

from __future__ import annotations

import hashlib
import importlib.resources
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PARTIALS = sorted((REPO / "briefbook/templates/theme/partials").glob("*.html"))
MATERIAL = Path(str(importlib.resources.files("material") / "templates"))
_COPIED = re.compile(r"Copied from: Material for MkDocs (?P<version>[\d.]+), "
                     r"(?P<path>\S+), sha256 (?P<digest>[0-9a-f]{64})")


def test_there_are_copied_partials() -> None:
    assert PARTIALS, "no copied partials: delete this test module"


@pytest.mark.parametrize("partial", PARTIALS, ids=[p.name for p in PARTIALS])
def test_copied_partial_matches_the_installed_original(partial: Path) -> None:
    header = _COPIED.search(partial.read_text(encoding="utf-8"))
    assert header, f"{partial.name} does not say which Material original it copies"
    original = MATERIAL / header["path"]
    assert original.is_file(), f"Material no longer has {header['path']}"
    digest = hashlib.sha256(original.read_bytes()).hexdigest()
    assert digest == header["digest"], (
        f"Material's {header['path']} changed since the copy from {header['version']}: "
        f"carry briefbook's change in {partial.name} over to the new original, then update "
        "its header")
