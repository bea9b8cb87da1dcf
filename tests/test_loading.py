"""Safe loading: YAML never constructs objects, never guesses types, never expands bombs."""

from __future__ import annotations

import ast
import time
from pathlib import Path

import pytest

from briefbook import yamltree
from briefbook.diagnostics import Diagnostic
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



CLEAN_SVG = """<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!-- Created with a drawing program -->
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     width="120" height="40" viewBox="0 0 120 40" version="1.1">
  <title>Attacks by month</title>
  <defs>
    <linearGradient id="bar"><stop offset="0" stop-color="#336699"/></linearGradient>
  </defs>
  <rect id="march" width="30" height="40" style="fill:url(#bar);stroke:none"/>
  <rect x="40" width="30" height="20" fill="url( '#bar' )"/>
  <use xlink:href="#march" x="80"/>
  <a href="#march"><text x="2" y="38" font-family="Noto Sans">March &amp; April</text></a>
</svg>
"""


def svg(text: str) -> str | None:
    from briefbook.files import svg_problem

    problem = svg_problem(text.encode("utf-8"), "docs/images/x.svg", 1 << 20)
    return None if problem is None else problem.message


def test_a_plain_drawing_exported_as_svg_is_accepted() -> None:
    assert svg(CLEAN_SVG) is None


_SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">{}</svg>'


@pytest.mark.parametrize(("inner", "reason"), [
    ('<use href="https://example.org/sprite.svg#a"/>', "links to 'https://example.org"),
    ('<image xlink:href="data:image/svg+xml;base64,PHN2Zz4="/>', "links to 'data:"),
    ('<use href="other.svg#a"/>', "links to 'other.svg#a'"),
    ("<style>@import url(https://example.org/x.css);</style>", "<style> element"),
    ('<iframe src="#x"/>', "<iframe> element"),
    ('<rect style="fill:red;@import \'x\'"/>', "'style' attribute could load"),
    ('<rect fill="url(https://example.org/p.svg#p)"/>', "'fill' attribute could load"),
    ('<rect style="fill:\\75 rl(https://example.org)"/>', "'style' attribute could load"),
    ('<rect onclick="alert(1)"/>', "event handler 'onclick'"),
    ('<h:meta xmlns:h="http://www.w3.org/1999/xhtml" http-equiv="refresh"/>',
     "HTML or MathML element <meta>"),
    ('<animate attributeName="xlink:href" values="javascript:alert(1)"/>',
     "animates the 'xlink:href' attribute"),
    ("<text>&nbsp;</text>", "undefined entity"),
])
def test_svg_that_could_run_script_or_load_anything_is_refused(inner: str, reason: str) -> None:
    message = svg(_SVG.format(inner))
    assert message is not None and reason in message


def test_svg_in_another_encoding_is_refused_unread() -> None:
    from briefbook.files import svg_problem

    text = '<?xml version="1.0" encoding="UTF-16"?>' + _SVG.format("<script>x</script>")
    for data in (text.encode("utf-16"), text.encode("utf-16-le")):
        problem = svg_problem(data, "docs/x.svg", 1 << 20)
        assert problem is not None and "not UTF-8" in problem.message


@pytest.mark.parametrize(("name", "head"), [
    ("a.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), ("a.jpg", b"\xff\xd8\xff\xe0\0\x10JFIF"),
    ("a.jpeg", b"\xff\xd8\xff\xdb"), ("a.gif", b"GIF89a\x01\0"), ("a.ico", b"\0\0\1\0\1\0"),
    ("a.webp", b"RIFF\x24\0\0\0WEBPVP8 "), ("a.avif", b"\0\0\0\x1cftypavif\0\0\0\0"),
])
def test_images_are_judged_by_their_first_bytes(tmp_path: Path, name: str, head: bytes) -> None:
    from briefbook.files import docs_file_problem

    path = tmp_path / name
    path.write_bytes(head + b"\0" * 32)
    assert docs_file_problem(path, f"docs/images/{name}", 1 << 20) is None
    path.write_bytes(b"<html><script>alert(1)</script></html>")
    problem = docs_file_problem(path, f"docs/images/{name}", 1 << 20)
    assert problem is not None and "first bytes" in problem.message


def test_a_file_swapped_for_a_fifo_after_the_walk_is_not_waited_on(tmp_path: Path) -> None:
    import os

    from briefbook.files import read_bytes
    from briefbook.load import read_text

    fifo = tmp_path / "2021-03-05-pipe.yaml"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="not a regular file"):
        read_bytes(fifo, 100)
    problems: list[Diagnostic] = []
    assert read_text(fifo, "events/2021/2021-03-05-pipe.yaml", problems) is None
    assert problems[0].message == "cannot read file: not a regular file"


def test_a_folder_link_inside_docs_is_followed_and_its_files_checked(tmp_path: Path) -> None:
    """MkDocs publishes what a folder link under docs/ holds, so the check looks inside."""
    import shutil

    from briefbook.pipeline import check

    book = tmp_path / "book"
    shutil.copytree(Path(__file__).parent / "fixtures/minimal", book)
    (book / "docs/images").mkdir()
    (book / "docs/images/chart.svg").write_text(CLEAN_SVG, encoding="utf-8")
    (book / "docs/images/page.html").write_text("<script>alert(1)</script>", encoding="utf-8")
    (book / "docs/figures").symlink_to("images", target_is_directory=True)
    messages = [d.format() for d in check(book).diagnostics]
    assert messages == [
        "docs/figures/page.html:1:1: error: '.html' files are not allowed under docs/; write "
        "the page in Markdown (.md) instead: MkDocs would publish the HTML, scripts and all",
        "docs/images/page.html:1:1: error: '.html' files are not allowed under docs/; write "
        "the page in Markdown (.md) instead: MkDocs would publish the HTML, scripts and all",
    ]


def test_a_content_folder_that_is_a_link_loop_is_reported_not_skipped(tmp_path: Path) -> None:
    import shutil

    from briefbook.load import load

    book = tmp_path / "book"
    shutil.copytree(Path(__file__).parent / "fixtures/minimal", book)
    shutil.rmtree(book / "seeds")
    (book / "seeds").symlink_to("seeds", target_is_directory=True)
    messages = [d.format() for d in load(book).problems]
    assert messages == ["seeds:1:1: error: symbolic link loop or link to nothing; replace the "
                        "link with the folder itself"]


def test_folder_links_that_multiply_the_tree_are_bounded(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Each folder holds two links to the next: 2**depth paths, none of them a loop."""
    import shutil

    from briefbook import files
    from briefbook.load import load

    book = tmp_path / "book"
    shutil.copytree(Path(__file__).parent / "fixtures/minimal", book)
    levels = 9
    for level in range(levels):
        (book / f"docs/l{level}").mkdir()
    for level in range(levels - 1):
        for link in ("a", "b"):
            (book / f"docs/l{level}/{link}").symlink_to(f"../l{level + 1}",
                                                      target_is_directory=True)
    assert not [d for d in load(book).problems if d.severity == "error"]  # 2**8 paths pass
    monkeypatch.setattr(files, "MAX_ENTRIES", 100)
    messages = [d.format() for d in load(book).problems]
    assert messages == ["docs:1:1: error: more than 100 files and folders; check for folder "
                        "links that repeat the book"]
