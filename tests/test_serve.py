"""Live preview: `mkdocs serve --dirty` shows an edit and keeps the search index whole."""

from __future__ import annotations

import collections
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import assert_clean_build, mkdocs_build

pytestmark = pytest.mark.slow

EVENT = "events/2021/2021-03-03-ain-al-asad-rockets.yaml"
PAGE = "events/2021-03-03-ain-al-asad-rockets/"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return str(response.read().decode("utf-8"))
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def _wait_for(url: str, text: str, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        body = _get(url)
        if body is not None and text in body:
            return body
        time.sleep(0.1)
    raise AssertionError(f"{text!r} did not appear at {url} within {seconds} s")


def _wait_for_log(log: Path, text: str, count: int, seconds: float) -> None:
    """Until MkDocs' log holds ``text`` ``count`` times (a build finished)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if log.read_text(encoding="utf-8").count(text) >= count:
            return
        time.sleep(0.1)
    raise AssertionError(f"{text!r} was not logged {count} times within {seconds} s")


BUILT = "Documentation built in"


def test_an_edit_shows_up_and_the_search_index_stays_whole(minimal_book: Path,
                                                           tmp_path: Path) -> None:
    port = _free_port()
    log_path = tmp_path / "serve.log"
    log = log_path.open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "serve", "--dirty", "--livereload", "-a",
         f"127.0.0.1:{port}"],
        cwd=minimal_book, stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    base = f"http://127.0.0.1:{port}/minimal/"
    try:
        _wait_for(base + PAGE, "Rockets on Ain", 120)
        _wait_for_log(log_path, BUILT, 1, 30)
        before = json.loads(_wait_for(base + "search/search_index.json", "docs", 30))["docs"]
        event = minimal_book / EVENT
        event.write_text(event.read_text().replace("title: Rockets on Ain al-Asad",
                                                   "title: Rockets fired at Ain al-Asad"))
        _wait_for(base + PAGE, "Rockets fired at Ain", 120)
        _wait_for_log(log_path, BUILT, 2, 60)  # the index is written after the pages
        after = json.loads(_wait_for(base + "search/search_index.json", "docs", 30))["docs"]
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    locations = collections.Counter(d["location"] for d in after)
    assert [loc for loc, n in locations.items() if n > 1] == []
    assert {d["location"] for d in after} == {d["location"] for d in before}
    titles = [d["title"] for d in after if d["location"] == PAGE]
    assert titles == ["Rockets fired at Ain al-Asad"]
    log_text = log_path.read_text()
    assert "generated pages changed" in log_text
    assert "pages rendered" in log_text  # the preview re-rendered only some

    # The served index is the index a cold build of the edited book writes, entry by entry.
    cold = tmp_path / "cold"
    assert_clean_build(mkdocs_build(minimal_book, cold))
    built = json.loads((cold / "search" / "search_index.json").read_text())["docs"]

    def entries(docs: list[dict[str, str]]) -> list[tuple[str, str, str]]:
        return sorted((d["location"], d["title"], d["text"]) for d in docs)

    assert entries(after) == entries(built)
