"""What an engine that runs no briefbook plugin needs to build a book: one folder holding the
generated pages, the book's hand-written pages and assets, its theme overrides and an engine
configuration without the plugin (``briefbook render``)."""

from __future__ import annotations

import html
import importlib.util
import os
import urllib.parse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from briefbook.diagnostics import UsageProblem
from briefbook.finish import fence
from briefbook.history import Change, last_changed_html
from briefbook.render import HOME_MARK, Page, escape_meta, theme_overrides

CONFIG_NAME = "mkdocs.yml"
DOCS = "docs"
THEME = "theme"
SITE = "site"
OWN_OUTPUT = (SITE, ".cache")
"""What the engine itself writes into the tree (the site, Zensical's cache): a later render
leaves it alone."""


class EngineError(UsageProblem):
    """A book configuration that cannot be carried over: the message says why."""


class _TagsAsNull(yaml.SafeLoader):
    """Reads MkDocs' own tags (``!ENV``, ``!!python/name``) as null, running nothing."""


_TagsAsNull.add_multi_constructor("", lambda loader, suffix, node: None)


def book_config(root: Path, *, tags_as_null: bool = False) -> dict[str, Any]:
    """The book's ``mkdocs.yml`` as plain data; with ``tags_as_null`` a value behind one of
    MkDocs' tags reads as null instead of refusing the file."""
    path = root / CONFIG_NAME
    loader = _TagsAsNull if tags_as_null else yaml.SafeLoader
    try:
        config = (yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
                  if path.is_file() else {})
    except yaml.YAMLError as exc:
        # MkDocs reads its configuration with tags that run code (!!python/name, !ENV);
        # render copies only plain data.
        raise EngineError(f"{CONFIG_NAME} cannot be carried over: {exc}".splitlines()[0]
                          ) from None
    if not isinstance(config, dict):
        raise EngineError(f"{CONFIG_NAME} is not a mapping of settings")
    return config


def site_url(root: Path) -> str:
    """The book's ``site_url`` (an http or https address), or empty when it sets none or
    the file cannot be read."""
    try:
        url = book_config(root, tags_as_null=True).get("site_url")
    except (EngineError, OSError, UnicodeDecodeError):
        return ""
    return url if isinstance(url, str) and url.startswith(("http://", "https://")) else ""


def package_templates(package: str) -> Path:
    """The templates folder an installed engine or theme ships."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise EngineError(f"{package} is not installed; install the version the book pins "
                          "(see the README's Dependencies)")
    return Path(next(iter(spec.submodule_search_locations))) / "templates"


def engine_config(config: dict[str, Any], engine: str = "zensical",
                  site_dir: str = SITE) -> dict[str, Any]:
    """The book's configuration for a plugin-less build: the briefbook plugin and hooks
    dropped, the docs and theme folders pointing into the rendered tree.  For Zensical the
    theme overrides are left out (they copy partials of Material for MkDocs, which break
    Zensical's header), and so is the repository link."""
    config = dict(config)
    plugins = config.get("plugins", ["search"])
    if isinstance(plugins, dict):
        plugins = [{name: options} for name, options in plugins.items()]
    config["plugins"] = [p for p in plugins
                         if p != "briefbook" and not (isinstance(p, dict) and "briefbook" in p)]
    config.pop("hooks", None)  # code, with paths relative to the book: not carried over
    config["docs_dir"] = DOCS
    config["site_dir"] = site_dir
    theme = config.get("theme")
    theme = dict(theme) if isinstance(theme, dict) else {"name": theme or "material"}
    theme.pop("custom_dir", None)
    if engine != "zensical":
        theme["custom_dir"] = THEME  # briefbook's overrides, with the book's own over them
    config["theme"] = theme
    if engine == "zensical":
        # Zensical's header fetches the repository's facts from api.github.com in every
        # reader's browser (the overrides remove that widget under MkDocs), and its edit
        # links would open docs/ files that generated pages do not have.
        for key in ("repo_url", "repo_name", "edit_uri"):
            config.pop(key, None)
    return config


def render_tree(root: Path, pages: list[Page], engine: str = "zensical",
                site_dir: str = SITE, home: str = "",
                changes: Mapping[str, Change] | None = None) -> dict[str, bytes]:
    """Every file of the rendered tree, by its path in the tree; ``home`` is the home page's
    generated section, placed after the hand-written page's fenced text (``finish``
    sanitises only what is fenced); ``changes``, each file's last commit (the build's one
    read of the history), gives the pages their "Last changed" line."""
    config = book_config(root)
    theme = config.get("theme")
    custom_dir = theme.get("custom_dir") if isinstance(theme, dict) else None
    files = {path: _fenced(path, data) if path.endswith(".md") else data
             for path, data in _copy(root / str(config.get("docs_dir", "docs")), DOCS).items()}
    if engine != "zensical":
        files.update(_copy(theme_overrides(), THEME))
        if custom_dir:
            files.update(_copy(root / str(custom_dir), THEME))
    edit = _edit_base(config) if engine == "zensical" else None
    docs_dir = str(config.get("docs_dir", "docs")).strip("/")
    if edit:
        for path in list(files):
            if path.startswith(f"{DOCS}/") and path.endswith(".md"):
                source = f"{docs_dir}/{path.removeprefix(f'{DOCS}/')}"
                files[path] += _edit_link(edit, source).encode("utf-8")
    home_page = f"{DOCS}/index.md"
    if home and home_page in files:
        files[home_page] += f"\n{HOME_MARK}\n\n{home}".encode()
    for page in pages:  # a record's own docs/ file is replaced by its page
        text = page.text + (_edit_link(edit, page.edit_path) if edit and page.edit_path else "")
        files[f"{DOCS}/{page.path}"] = text.encode("utf-8")
    # No plugin sets the "Last changed" line in a rendered tree, whichever engine builds it.
    _add_last_changed(changes or {}, files, pages, docs_dir, config.get("repo_url"))
    files[CONFIG_NAME] = yaml.safe_dump(engine_config(config, engine, site_dir),
                                        sort_keys=False,
                                        allow_unicode=True).encode("utf-8")
    return files


def _add_last_changed(changes: Mapping[str, Change], files: dict[str, bytes],
                      pages: list[Page], docs_dir: str, repo_url: object) -> None:
    """The "Last changed" line for an engine that runs no plugin to set it: the same
    field the plugin sets (``git_revision_date_localized``, which the theme's source-file
    partial prints) goes into each page's front matter, for the record pages from their
    record's file and for hand-written pages from their own."""
    if not changes:
        return
    sources: dict[str, str | None] = {
        path: f"{docs_dir}/{path.removeprefix(f'{DOCS}/')}" for path in files
        if path.startswith(f"{DOCS}/") and path.endswith(".md")}
    # A generated page shows its record file's change; a listing, none (as under MkDocs).
    sources.update({f"{DOCS}/{page.path}": page.edit_path for page in pages})
    repo = repo_url if isinstance(repo_url, str) else None
    for path, source in sources.items():
        change = changes.get(source) if source else None
        if change is None or not path.endswith(".md"):
            continue
        line = yaml.safe_dump({"git_revision_date_localized": last_changed_html(change, repo)},
                              width=10**6)
        text = files[path].decode("utf-8")
        files[path] = (f"---\n{line}{text[4:]}" if text.startswith("---\n")
                       else f"---\n{line}---\n{text}").encode("utf-8")


def _edit_base(config: dict[str, Any]) -> str | None:
    """Where the repository's files are edited, from ``repo_url`` and ``edit_uri`` (which
    points into docs/: ``edit/main/docs/``), or ``None`` when the book names no repository."""
    repo, edit_uri = config.get("repo_url"), config.get("edit_uri")
    if not isinstance(repo, str) or not isinstance(edit_uri, str) or not edit_uri:
        return None
    docs_dir = str(config.get("docs_dir", "docs")).strip("/")
    branch = edit_uri.strip("/").removesuffix(docs_dir).strip("/")
    return f"{repo.rstrip('/')}/{branch}/"


def _edit_link(base: str, path: str) -> str:
    # Zensical's own edit button would open a docs/ file that generated pages do not have:
    # each page says instead which file holds it, YAML or Markdown.
    url = html.escape(base + urllib.parse.quote(path), quote=True)
    return (f'\n\n<p class="bb-edit"><a href="{url}">Correct this page: edit '
            f"<code>{html.escape(path)}</code></a></p>\n")


def _fenced(path: str, data: bytes) -> bytes:
    """A hand-written page made safe for an engine that runs no plugin: its front-matter
    values HTML-escaped (Zensical prints them raw, a description into an attribute) and its
    body fenced, for ``briefbook finish`` to sanitise once the engine has rendered it."""
    text = data.decode("utf-8")
    meta: object = {}
    if text.startswith("---\n"):
        end = text.find("\n---\n", 3)
        if end >= 0:
            # The check stage read this front matter with the located reader first, which
            # refuses aliases, tags and deep nesting, so plain safe_load cannot explode.
            meta = yaml.safe_load(text[4:end]) or {}
            text = text[end + 5:]
    head = ""
    if isinstance(meta, dict) and meta:
        head = "---\n" + yaml.safe_dump(escape_meta(meta), sort_keys=False,
                                         allow_unicode=True) + "---\n"
    return (head + fence(text)).encode("utf-8")


def _copy(folder: Path, prefix: str) -> dict[str, bytes]:
    # The check stage has already refused what may not be published (names, links, types).
    found: dict[str, bytes] = {}
    if not folder.is_dir():
        return found
    for current, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            path = Path(current) / name
            found[f"{prefix}/{path.relative_to(folder).as_posix()}"] = path.read_bytes()
    return found
