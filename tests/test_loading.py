"""Safe loading: YAML never constructs objects, never guesses types, never expands bombs."""

from __future__ import annotations

import ast
import time
from pathlib import Path

import pytest

from briefbook import yamltree
from briefbook.yamltree import Mapping, Scalar, Sequence

PACKAGE = Path(__file__).resolve().parent.parent / "briefbook"


def parse(text: str) -> yamltree.Node | None:
    return yamltree.parse(text, "events/x.yaml")


@pytest.mark.parametrize("value", ["no", "NO", "yes", "1.10", "01234", "1:30", "2021-02-15",
                                   "2024-02-30", "null", "~", "0x1F", ".inf"])
def test_scalars_stay_the_strings_that_were_written(value: str) -> None:
    tree = parse(f"key: {value}\n")
    assert isinstance(tree, Mapping)
    scalar = tree.entries["key"][1]
    assert isinstance(scalar, Scalar)
    assert scalar.value == value


@pytest.mark.parametrize(
    ("text", "message", "line", "col"),
    [
        ("a: &x 1\nb: *x\n", "YAML anchor '&x' is not allowed", 1, 4),
        ("a: !!python/object/apply:os.system [echo hi]\n", "YAML tag", 1, 4),
        ("a: !custom x\n", "YAML tag '!custom'", 1, 4),
        ("a: 1\nb: 2\na: 3\n", "duplicate key 'a' (first at line 1)", 3, 1),
        ("a: 1\n---\nb: 2\n", "second '---'", 2, 1),
        ("a:\n\t- x\n", "invalid YAML", 2, 1),
        ("a: [1, 2\n", "invalid YAML", 1, 4),  # where the bracket was opened
        ("? [a]\n: b\n", "mapping key must be a plain string", 1, 3),
    ],
)
def test_refused_yaml_is_located(text: str, message: str, line: int, col: int) -> None:
    with pytest.raises(yamltree.YamlError) as caught:
        parse(text)
    diagnostic = caught.value.diagnostic
    assert message in diagnostic.message
    assert (diagnostic.at.line, diagnostic.at.col) == (line, col)


def test_tabs_get_a_hint() -> None:
    with pytest.raises(yamltree.YamlError) as caught:
        parse("a:\n\t- x\n")
    assert caught.value.diagnostic.hint == "indent with spaces, not tabs"


def test_alias_bomb_is_refused_before_expanding() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev, name = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{name}: &{name} [{', '.join(['*' + prev] * 9)}]")
    started = time.perf_counter()
    with pytest.raises(yamltree.YamlError, match="anchor"):
        parse("\n".join(lines) + "\n")
    assert time.perf_counter() - started < 5  # generous: expanding would take hours


def test_deep_nesting_is_refused() -> None:
    with pytest.raises(yamltree.YamlError, match="nesting deeper than"):
        parse("a: " + "[" * 100 + "]" * 100 + "\n")


def test_tree_remembers_positions() -> None:
    tree = parse("title: x\ncitations:\n  - source: a\n    quote: b\n")
    assert isinstance(tree, Mapping)
    citations = tree.entries["citations"][1]
    assert isinstance(citations, Sequence)
    item = citations.items[0]
    assert isinstance(item, Mapping)
    assert item.entries["quote"][1].at.line == 4
    assert item.entries["quote"][1].at.col == 12


def test_no_module_but_the_plugin_imports_mkdocs() -> None:
    offenders = []
    for path in sorted(PACKAGE.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n == "mkdocs" or n.startswith("mkdocs.") for n in names):
                offenders.append(path.name)
    assert set(offenders) == {"plugin.py"}


def test_records_are_frozen() -> None:
    from dataclasses import FrozenInstanceError

    from briefbook.dates import parse as parse_date
    from briefbook.model import Event

    event = Event("x", "events/x.yaml", "t", parse_date("2021"), "other", ())
    with pytest.raises(FrozenInstanceError):
        event.title = "changed"  # type: ignore[misc]

