"""Edit-to-preview: ``mkdocs serve --livereload`` (and ``--dirty``), one event's title
changed, timed until the served page shows it; then the served search index is inspected."""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from benchmarks import BenchError, progress
from benchmarks.phases import Child, child_env, search_stats
from benchmarks.synthesis import MOUNT, Book


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def fetch(url: str, timeout: float) -> bytes | None:
    """The body at ``url``, or ``None`` while the server is not there or says 404."""
    try:
        with _OPENER.open(url, timeout=max(0.5, timeout)) as response:
            body: bytes = response.read()
            return body
    except urllib.error.HTTPError as exc:
        exc.close()
        return None
    except (urllib.error.URLError, ConnectionError, TimeoutError, http.client.HTTPException):
        return None


def serve_phase(book: Book, logs: Path, timeout: float, site_pages: int,
                dirty: bool = False) -> dict[str, Any]:
    """Time edit-to-preview under ``mkdocs serve --livereload`` (and ``--dirty``)."""
    event = book.events[len(book.events) // 2 + dirty]
    path = book.root / "events" / str(event.date.earliest.year) / f"{event.id}.yaml"
    original = path.read_text(encoding="utf-8")
    port = free_port()
    base = f"http://127.0.0.1:{port}{MOUNT}"
    page_url = f"{base}events/{event.id}/"
    new_title = f"Preview benchmark edit {os.getpid()} {port}"
    deadline = time.perf_counter() + timeout
    name = "e-mkdocs-serve-dirty" if dirty else "e-mkdocs-serve"
    # MkDocs serves from a temporary folder and the plugin keeps a page cache in another:
    # both go inside the work directory, so they are removed with it.
    tmp = logs.parent / f"tmp-{name}"
    tmp.mkdir()
    child = Child(name, [sys.executable, "-m", "mkdocs", "serve", "--livereload",
                         *(["--dirty"] if dirty else []), "-f", str(book.root / "mkdocs.yml"),
                         "-a", f"127.0.0.1:{port}"], book.root, logs,
                  env={**child_env(), "TMPDIR": str(tmp)})

    def remaining() -> float:
        left = deadline - time.perf_counter()
        if left <= 0:
            raise BenchError(f"mkdocs serve: no result within {timeout:.0f} s\n{child.tail()}")
        if child.poll() is not None:
            raise BenchError(f"mkdocs serve exited ({child.returncode})\n{child.tail()}")
        return left

    result: dict[str, Any] = {"port": port, "event": event.id, "dirty": dirty}
    try:
        while (body := fetch(base, remaining())) is None:
            time.sleep(0.1)
        result["first_build_s"] = time.perf_counter() - child.started
        body = fetch(page_url, remaining())
        if body is None or event.title.encode() not in body:
            raise BenchError(f"mkdocs serve: {page_url} does not show the event's title")
        edited = re.sub(r"^title: .*$", f"title: {new_title}", original, count=1,
                        flags=re.MULTILINE)
        progress(f"(e) editing the title of {path.relative_to(book.root)}")
        edit_time = time.perf_counter()
        path.write_text(edited, encoding="utf-8")
        polls = 0
        while True:
            body = fetch(page_url, remaining())
            polls += 1
            if body is not None and new_title.encode() in body:
                break
            time.sleep(0.05)
        result["edit_to_page_s"] = time.perf_counter() - edit_time
        result["polls"] = polls
        raw = fetch(f"{base}search/search_index.json", remaining())
        if raw is None:
            raise BenchError("mkdocs serve: no search/search_index.json after the rebuild")
        stats = search_stats(raw, len(book.events))
        result["search_index_bytes"] = stats["bytes"]
        result["search_index_docs"] = stats["docs"]
        result["search_index_pages"] = stats["pages"]
        result["search_index_has_edit"] = new_title in raw.decode("utf-8")
        result["search_index_complete"] = stats["pages"] == site_pages
        result["search_index_duplicates"] = stats["duplicate_entries"]
        location = f"events/{event.id}/"
        result["search_index_stale"] = any(
            d["location"] == location and d["title"] != new_title
            for d in json.loads(raw)["docs"])
    finally:
        child.stop()
        path.write_text(original, encoding="utf-8")
    result["peak_mib"] = child.peak_mib
    # MkDocs' own timings separate the build from noticing the change and serving the page.
    built = [float(m) for m in re.findall(r"Documentation built in ([0-9.]+) seconds",
                                          child.log.read_text(encoding="utf-8", errors="replace"))]
    if len(built) >= 2:
        result["first_build_mkdocs_s"], result["rebuild_mkdocs_s"] = built[0], built[1]
        result["rebuilds"] = len(built) - 1
    return result

