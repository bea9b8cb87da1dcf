"""Shared fixtures: copies of the fixture books and real MkDocs builds of them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def copy_book(source: Path, target: Path) -> Path:
    ignore = shutil.ignore_patterns("site", ".venv", "node_modules", ".git", "__pycache__",
                                    ".site-*", "artifacts", "tests")
    shutil.copytree(source, target, ignore=ignore, symlinks=True)
    return target


def mkdocs_build(root: Path, site: Path) -> subprocess.CompletedProcess[str]:
    """A real `mkdocs build --strict` of the book at ``root``."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "SOURCE_DATE_EPOCH": "1700000000"}
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(root / "mkdocs.yml"),
         "-d", str(site)],
        cwd=root, env=env, capture_output=True, text=True, timeout=600,
    )


def assert_clean_build(result: subprocess.CompletedProcess[str]) -> None:
    """The build succeeded and MkDocs logged nothing above INFO."""
    assert result.returncode == 0, result.stderr
    unexpected = [line for line in result.stderr.splitlines()
                  if line.startswith(("WARNING", "ERROR"))]
    assert not unexpected, "\n".join(unexpected)


@pytest.fixture(scope="session", autouse=True)
def own_cache_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """`briefbook check` keeps its read cache in the user's cache folder: the suite's
    checks (and the commands they start) use a folder of their own, never the user's."""
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("user-cache"))
    yield
    if before is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = before


@pytest.fixture
def minimal_book(tmp_path: Path) -> Path:
    """A fresh, writable copy of the minimal fixture book."""
    return copy_book(FIXTURES / "minimal", tmp_path / "book")


@pytest.fixture(scope="session")
def minimal_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    base = tmp_path_factory.mktemp("minimal-site")
    root = copy_book(FIXTURES / "minimal", base / "book")
    result = mkdocs_build(root, base / "site")
    assert_clean_build(result)
    yield base / "site"


@pytest.fixture(scope="session")
def shipped_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The repository's own book, built once per test session."""
    base = tmp_path_factory.mktemp("shipped-site")
    root = copy_book(REPO, base / "book")
    result = mkdocs_build(root, base / "site")
    assert_clean_build(result)
    yield base / "site"
