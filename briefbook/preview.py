"""What `mkdocs serve` keeps between rebuilds: the theme's Jinja environment.

MkDocs makes a new environment for every rebuild, which recompiles the theme's templates,
and lists every file of the theme to find its static files: Material ships some 14,000 icons
in dot-folders, listed and filtered out again on every edit.  The environment depends only
on the theme's folders, its language and their template files, so one is kept as long as
none of them changed, and its listing skips the dot-folders the listing's only user
(``Files.add_files_from_theme``) always leaves out.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import jinja2


def theme_fingerprint(dirs: Iterable[str], *, dot_folders: bool = False
                      ) -> tuple[tuple[str, int, int], ...]:
    """Every file of the theme folders outside dot-folders (with ``dot_folders``, in them too:
    a book's own ``.icons`` are inlined into pages), with its modification time and size: an
    edited, added or removed template changes it."""
    found: list[tuple[str, int, int]] = []
    for directory in dirs:
        for current, dirnames, filenames in os.walk(directory):
            dirnames[:] = sorted(d for d in dirnames if dot_folders or not d.startswith("."))
            for name in sorted(filenames):
                path = Path(current, name)
                try:
                    stat = path.stat()
                except OSError:
                    continue
                found.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(found)


class ListedOnceLoader(jinja2.FileSystemLoader):
    """A file-system loader that lists its templates once, without dot-folders and
    dot-files (``.icons/``): MkDocs filters those out of the theme's static files anyway,
    and ``include`` still finds them, since looking a template up lists nothing."""

    def __init__(self, searchpath: Sequence[str]) -> None:
        super().__init__(searchpath)
        self._listed: list[str] | None = None

    def list_templates(self) -> list[str]:
        if self._listed is None:
            found: set[str] = set()
            for top in self.searchpath:
                for current, dirnames, filenames in os.walk(top, followlinks=self.followlinks):
                    dirnames[:] = [d for d in dirnames if not d.startswith(".")]
                    folder = os.path.relpath(current, top).replace(os.path.sep, "/")
                    for name in filenames:
                        if not name.startswith("."):
                            found.add(name if folder == "." else f"{folder}/{name}")
            self._listed = sorted(found)
        return list(self._listed)


@dataclass
class KeptEnvironment:
    """The last environment made, and what it was made from."""

    key: object = None
    env: jinja2.Environment | None = None

    def get(self, key: object, make: Callable[[], jinja2.Environment]) -> jinja2.Environment:
        """The kept environment if ``key`` is unchanged, else a new one from ``make``
        (its loader replaced by one that lists once)."""
        if self.env is None or key != self.key:
            env = make()
            loader = env.loader
            if isinstance(loader, jinja2.FileSystemLoader):
                env.loader = ListedOnceLoader(loader.searchpath)
            self.key, self.env = key, env
        return self.env
