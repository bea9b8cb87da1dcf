"""Running and measuring the phases: children whose wall time, CPU time and peak memory are
read when they are reaped, and the in-process stages, timed by a fresh interpreter
(``python -m benchmarks --worker KIND``) through the pipeline's stage observer."""

from __future__ import annotations

import contextlib
import cProfile
import json
import os
import pstats
import resource
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import BenchError


@dataclass(frozen=True)
class Phase:
    """One row of the table: a phase's numbers, keyed as in the JSON."""

    key: str
    label: str
    seconds: float
    cpu_s: float | None
    """User + system CPU time, less sensitive than wall time to other work on the machine."""
    peak_mib: float
    extra: dict[str, float] = field(default_factory=dict)


# --- Running and measuring children ------------------------------------------------------

def child_env() -> dict[str, str]:
    return {**os.environ, "NO_MKDOCS_2_WARNING": "1", "SOURCE_DATE_EPOCH": "1700000000"}


class Child:
    """A subprocess whose own peak memory is read from ``wait4`` when it is reaped."""

    def __init__(self, name: str, command: Sequence[str], cwd: Path, logs: Path,
                 env: dict[str, str] | None = None) -> None:
        self.name = name
        self.log = logs / f"{name}.log"
        self.out = logs / f"{name}.out"
        with self.out.open("wb") as out, self.log.open("wb") as err:
            self.started = time.perf_counter()
            self.process = subprocess.Popen(list(command), cwd=cwd, env=env or child_env(),
                                            stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        self.returncode: int | None = None
        self.seconds = 0.0
        self.cpu_s = 0.0
        self.peak_mib = 0.0
        self.timed_out = False
        self._lock = threading.Lock()

    def _reaped(self, status: int, usage: resource.struct_rusage) -> None:
        self.seconds = time.perf_counter() - self.started
        self.returncode = os.waitstatus_to_exitcode(status)
        self.process.returncode = self.returncode
        self.peak_mib = usage.ru_maxrss / 1024  # KiB on Linux
        self.cpu_s = usage.ru_utime + usage.ru_stime

    def poll(self) -> int | None:
        with self._lock:
            if self.returncode is None:
                pid, status, usage = os.wait4(self.process.pid, os.WNOHANG)
                if pid:
                    self._reaped(status, usage)
            return self.returncode

    def _kill(self) -> None:
        with self._lock:
            if self.returncode is None:
                self.timed_out = True
                os.kill(self.process.pid, signal.SIGKILL)

    def wait(self, timeout: float) -> int:
        """Wait for the child, killing it after ``timeout`` seconds."""
        if self.returncode is not None:
            return self.returncode
        timer = threading.Timer(timeout, self._kill)
        timer.start()
        try:
            _, status, usage = os.wait4(self.process.pid, 0)
        finally:
            timer.cancel()
        with self._lock:
            self._reaped(status, usage)
        assert self.returncode is not None
        return self.returncode

    def stop(self, grace: float = 20.0) -> None:
        """Interrupt the child (MkDocs cleans up on Ctrl-C); kill it if it lingers."""
        with self._lock:
            if self.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.process.pid, signal.SIGINT)
        self.wait(grace)

    def tail(self, lines: int = 25) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        out = self.out.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join((out + text)[-lines:])

    def stdout(self) -> str:
        return self.out.read_text(encoding="utf-8", errors="replace")

    def stderr(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def run(name: str, command: Sequence[str], cwd: Path, logs: Path, timeout: float) -> Child:
    """Run a child to completion; raise with its log if it fails or times out."""
    child = Child(name, command, cwd, logs)
    code = child.wait(timeout)
    if child.timed_out:
        raise BenchError(f"{name}: killed after {timeout:.0f} s\n{child.tail()}")
    if code != 0:
        raise BenchError(f"{name}: exit status {code}\n{child.tail()}")
    return child


def briefbook_command() -> list[str]:
    script = Path(sys.executable).parent / "briefbook"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "briefbook.cli"]


def worker_result(child: Child) -> dict[str, Any]:
    lines = child.stdout().strip().splitlines()
    if not lines:
        raise BenchError(f"{child.name}: no result\n{child.tail()}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


# --- In-process phases (run by a fresh interpreter: --worker KIND) --------------------

def peak_rss_mib() -> float:
    """This process's peak resident memory so far (VmHWM), in MiB."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


STAGES = ("load", "validate", "index")
"""The stages ``briefbook.pipeline.check`` reports to its observer, in order."""


class StageClock:
    """The observer handed to ``pipeline.check``: for each stage it keeps the wall seconds
    the pipeline reports, the CPU seconds since the previous stage ended and the peak memory
    so far, as ``<stage>_s``, ``<stage>_cpu_s`` and ``<stage>_peak_mib`` in ``result``."""

    def __init__(self, result: dict[str, Any]) -> None:
        self.result = result
        self.heard: list[str] = []
        self._cpu = time.process_time()

    def __call__(self, stage: str, seconds: float) -> None:
        self.result[f"{stage}_s"] = seconds
        self.result[f"{stage}_cpu_s"] = time.process_time() - self._cpu
        self.result[f"{stage}_peak_mib"] = peak_rss_mib()
        self.heard.append(stage)
        # Read last, so that reading the memory above is charged to no stage.
        self._cpu = time.process_time()


def worker(kind: str, root: Path, profile_out: Path | None) -> dict[str, Any]:
    """Run one in-process phase and return its numbers (printed as JSON by ``main``)."""
    started = time.perf_counter()
    from briefbook import pipeline
    from briefbook.render import Renderer

    result: dict[str, Any] = {"import_s": time.perf_counter() - started,
                              "import_peak_mib": peak_rss_mib()}
    if kind not in ("stages", "check"):
        raise SystemExit(f"unknown worker {kind!r}")
    profiler = cProfile.Profile() if profile_out else None
    if profiler:
        profiler.enable()
    wall, cpu = time.perf_counter(), time.process_time()
    # Phase (a)'s plain check runs unobserved, so it measures what the plugin and the command
    # line run.
    clock = StageClock(result) if kind == "stages" else None
    checked = pipeline.check(root, observe=clock)
    result["check_s"] = time.perf_counter() - wall
    result["check_cpu_s"] = time.process_time() - cpu
    result["check_peak_mib"] = peak_rss_mib()
    result["diagnostics"] = [d.format() for d in checked.diagnostics]
    if clock:
        if tuple(clock.heard) != STAGES:
            raise SystemExit(f"briefbook.pipeline.check reported the stages {clock.heard}, not "
                             f"{list(STAGES)}; update STAGES and the phases that use them in "
                             "the benchmarks package")
        wall, cpu = time.perf_counter(), time.process_time()
        pages = Renderer(root, checked.index).render_all()
        result["render_s"] = time.perf_counter() - wall
        result["render_cpu_s"] = time.process_time() - cpu
        result["render_peak_mib"] = peak_rss_mib()
        result["pages"] = len(pages)
        result["markdown_bytes"] = sum(len(p.text.encode("utf-8")) for p in pages)
    if profiler and profile_out:
        profiler.disable()
        profiler.dump_stats(str(profile_out))
    return result


def worker_command(kind: str, root: Path, *options: str) -> list[str]:
    """The command of a fresh interpreter running one in-process phase; run it in ``REPO``,
    where ``-m benchmarks`` is found."""
    return [sys.executable, "-m", "benchmarks", "--worker", kind, "--root", str(root), *options]


# --- Sizes --------------------------------------------------------------------------------

def tree_size(root: Path) -> tuple[int, int, int]:
    """(bytes, files, HTML files) under ``root``."""
    total = files = html = 0
    for path in root.rglob("*"):
        if path.is_file():
            total += path.stat().st_size
            files += 1
            html += path.suffix == ".html"
    return total, files, html


def search_stats(raw: bytes, events: int) -> dict[str, Any]:
    docs = json.loads(raw)["docs"]
    pages = {d["location"].split("#")[0] for d in docs}
    event_bytes = sum(len(json.dumps(d, ensure_ascii=False).encode("utf-8")) for d in docs
                      if d["location"].startswith("events/")
                      and d["location"].split("#")[0] != "events/")
    locations = [d["location"] for d in docs]
    return {"bytes": len(raw), "docs": len(docs), "pages": len(pages),
            "duplicate_entries": len(locations) - len(set(locations)),
            "bytes_per_page": len(raw) / max(1, len(pages)),
            "event_bytes_per_event": event_bytes / max(1, events)}


# --- Profiles -----------------------------------------------------------------------------

def profile_summary(path: Path, top: int) -> dict[str, Any]:
    """Top briefbook functions (and template code) by cumulative time, plus the largest
    self-time functions of all, from a cProfile dump."""
    stats = pstats.Stats(str(path))
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, Any]] = vars(stats)["stats"]
    total: float = vars(stats)["total_tt"]

    def label(key: tuple[str, int, str]) -> str:
        filename, line, name = key
        short = filename
        for marker in ("/briefbook/", "/site-packages/", "/templates/"):
            if marker in filename:
                short = marker.strip("/") + "/" + filename.split(marker, 1)[1]
                break
        return f"{short}:{line}({name})"

    def row(key: tuple[str, int, str]) -> dict[str, Any]:
        _, calls, tottime, cumtime, _ = raw[key]
        return {"function": label(key), "calls": calls, "tottime_s": round(tottime, 4),
                "cumtime_s": round(cumtime, 4), "cum_pct": round(100 * cumtime / total, 1)}

    ours = [k for k in raw if "/briefbook/" in k[0] or "/templates/pages/" in k[0]]
    ours.sort(key=lambda k: raw[k][3], reverse=True)
    everyone = sorted(raw, key=lambda k: raw[k][2], reverse=True)
    return {"total_s": round(total, 3),
            "briefbook_by_cumulative": [row(k) for k in ours[:top]],
            "all_by_self_time": [row(k) for k in everyone[:top]]}
