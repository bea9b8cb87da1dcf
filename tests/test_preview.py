"""What `mkdocs serve` keeps between rebuilds: the theme's environment, while the theme's
files are unchanged."""

from __future__ import annotations

import os
from pathlib import Path

import jinja2

from briefbook.preview import KeptEnvironment, ListedOnceLoader, theme_fingerprint


def _theme(root: Path) -> list[str]:
    (root / "custom" / ".icons" / "material").mkdir(parents=True)
    (root / "custom" / ".icons" / "material" / "x.svg").write_text("<svg/>")
    (root / "custom" / "partials").mkdir()
    (root / "custom" / "partials" / "footer.html").write_text("own footer")
    (root / "custom" / ".hidden.css").write_text("")
    (root / "theme" / "assets").mkdir(parents=True)
    (root / "theme" / "main.html").write_text("{% include 'partials/footer.html' %}")
    (root / "theme" / "partials").mkdir()
    (root / "theme" / "partials" / "footer.html").write_text("theme footer")
    (root / "theme" / "assets" / "app.js").write_text("")
    return [str(root / "custom"), str(root / "theme")]


def test_the_listing_is_jinjas_without_dot_folders_and_includes_still_find_them(
        tmp_path: Path) -> None:
    dirs = _theme(tmp_path)
    plain = jinja2.FileSystemLoader(dirs).list_templates()
    listed = ListedOnceLoader(dirs)
    assert listed.list_templates() == [
        name for name in plain if not any(p.startswith(".") for p in name.split("/"))]
    assert listed.list_templates() == ["assets/app.js", "main.html", "partials/footer.html"]
    env = jinja2.Environment(loader=listed)
    assert env.get_template(".icons/material/x.svg").render() == "<svg/>"
    assert env.get_template("main.html").render() == "own footer"


def test_the_environment_is_kept_until_a_theme_file_changes(tmp_path: Path) -> None:
    dirs = _theme(tmp_path)
    made: list[jinja2.Environment] = []

    def make() -> jinja2.Environment:
        made.append(jinja2.Environment(loader=jinja2.FileSystemLoader(dirs)))
        return made[-1]

    kept = KeptEnvironment()
    first = kept.get(theme_fingerprint(dirs), make)
    assert first.get_template("main.html").render() == "own footer"
    assert kept.get(theme_fingerprint(dirs), make) is first
    assert isinstance(first.loader, ListedOnceLoader)

    footer = tmp_path / "custom" / "partials" / "footer.html"
    footer.write_text("edited footer")
    stat = footer.stat()
    os.utime(footer, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    again = kept.get(theme_fingerprint(dirs), make)
    assert again is not first and len(made) == 2
    assert again.get_template("main.html").render() == "edited footer"

    (tmp_path / "custom" / "partials" / "footer.html").unlink()  # the theme's own again
    assert kept.get(theme_fingerprint(dirs), make).get_template(
        "main.html").render() == "theme footer"
