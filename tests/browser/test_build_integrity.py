"""Builds are reproducible and atomic: two builds of one tree are byte-identical, and a build
that fails or is interrupted leaves the previous site exactly as it was, with no staging
directory behind."""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
from pathlib import Path

import pytest

from .conftest import FIXTURE, Site, briefbook_command, build, build_env, copy_book


def snapshot(directory: Path) -> dict[str, str]:
    """Every file and directory under ``directory``: path to content hash (or to
    ``<dir>``/``-> target`` for folders and links)."""
    found: dict[str, str] = {}
    for path in sorted(directory.rglob("*")):
        rel = path.relative_to(directory).as_posix()
        if path.is_symlink():
            found[rel] = f"-> {path.readlink()}"
        elif path.is_dir():
            found[rel] = "<dir>"
        else:
            found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def differences(a: dict[str, str], b: dict[str, str]) -> list[str]:
    out = [f"only in the first: {p}" for p in sorted(a.keys() - b.keys())]
    out += [f"only in the second: {p}" for p in sorted(b.keys() - a.keys())]
    out += [f"differs: {p}" for p in sorted(a.keys() & b.keys()) if a[p] != b[p]]
    return out


def leftovers(parent: Path, site: Path) -> list[str]:
    """Staging or swap directories a build left beside the site."""
    return sorted(p.name for p in parent.iterdir()
                  if p.name.startswith(f".{site.name}-"))


def test_two_builds_are_byte_identical(shipped: Site,
                                       tmp_path_factory: pytest.TempPathFactory) -> None:
    """The second build differs in everything that must not matter: the output path, the
    hash seed, the time zone and the locale."""
    other = tmp_path_factory.mktemp("again") / "elsewhere"
    # The same tree as the first build (a copy outside git): pages show their files' last
    # commits, which a checkout has and a copy has not.
    result = subprocess.run(
        briefbook_command("build", "--root", str(shipped.root), "--site-dir", str(other)),
        cwd=shipped.root, capture_output=True, text=True, timeout=300, check=False,
        env=build_env(PYTHONHASHSEED="12345", TZ="Pacific/Kiritimati", LC_ALL="C.UTF-8"))
    assert result.returncode == 0, result.stderr[-3000:]
    first, second = snapshot(shipped.directory), snapshot(other)
    # `briefbook build` marks the sites it writes; the other was built by `mkdocs build`.
    assert second.pop(".briefbook-site", None), "briefbook build did not mark its site"
    assert len(first) > 100
    diff = differences(first, second)
    assert not diff, "the builds differ:\n" + "\n".join(diff[:50])


@pytest.fixture
def built_book(tmp_path: Path) -> tuple[Path, Path]:
    """A small book with a site built from it: (book root, site directory)."""
    root = copy_book(FIXTURE, tmp_path / "book", shipped_theme=False)
    site = tmp_path / "out" / "site"
    build(root, site)
    return root, site


def test_failed_build_leaves_previous_site(built_book: tuple[Path, Path]) -> None:
    root, site = built_book
    before = snapshot(site)
    event = root / "events" / "2021" / "2021-03-03-ain-al-asad-rockets.yaml"
    event.write_text(event.read_text(encoding="utf-8").replace(
        "quote: At least 10 rockets struck Ain al-Asad", "quote: Nobody wrote this"),
        encoding="utf-8")
    result = build(root, site, check=False)
    assert result.returncode != 0
    assert "quote not found" in result.stderr
    assert "left as it was" in result.stderr
    assert not differences(before, snapshot(site))
    assert not leftovers(site.parent, site)


GATE_HOOK = """\
# Test-only MkDocs hook: at the chosen moment of the build, tell the test and wait for the
# signal, so the signal always lands mid-build, never after the build has finished.
import os
import socket


def _gate(moment):
    if os.environ.get("BRIEFBOOK_TEST_GATE_AT") != moment:
        return
    gate = socket.socket(socket.AF_UNIX)
    gate.connect(os.environ["BRIEFBOOK_TEST_GATE"])
    gate.sendall(b"ready")
    gate.recv(1)  # interrupted by the signal; the test never sends anything


def on_config(config):
    _gate("config")


def on_post_build(config):
    _gate("post_build")
"""

MOMENTS = {"staging created": "config", "staging written": "post_build"}
"""When the signal lands: once the staging folder exists (MkDocs has just read its
configuration), or once MkDocs has written every page into it (just before the swap)."""


def add_gate(root: Path) -> None:
    (root / "gate_hook.py").write_text(GATE_HOOK, encoding="utf-8")
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + "hooks:\n  - gate_hook.py\n",
                      encoding="utf-8")


def interrupt(root: Path, site: Path, log: Path, *, moment: str, group: bool,
              signum: int, env: dict[str, str]) -> int:
    """Start ``briefbook build``, wait until MkDocs reaches ``moment`` (it says so over a
    socket and then waits), send ``signum`` and return the exit status.  ``group`` signals
    the whole process group, as Ctrl-C in a terminal does; otherwise only the briefbook
    process, as `kill` or a CI runner cancelling a job does."""
    gate_path = log.with_suffix(".sock")
    env = {**env, "BRIEFBOOK_TEST_GATE": str(gate_path),
           "BRIEFBOOK_TEST_GATE_AT": MOMENTS[moment]}
    with socket.socket(socket.AF_UNIX) as gate, log.open("wb") as output:
        gate.bind(str(gate_path))
        gate.listen(1)
        gate.settimeout(1)
        process = subprocess.Popen(
            briefbook_command("build", "--root", str(root), "--site-dir", str(site)),
            cwd=root, env=env, stdout=output, stderr=output, start_new_session=True)
        while True:  # the wait is on the build's own message; the timeout only notices a death
            try:
                connection, _ = gate.accept()
                break
            except TimeoutError:
                if process.poll() is not None:
                    pytest.fail(f"the build ended (status {process.returncode}) before the "
                                f"{moment!r} moment:\n{log.read_text(errors='replace')[-2000:]}")
        with connection:
            connection.settimeout(120)
            assert connection.recv(5) == b"ready"
            if group:
                os.killpg(process.pid, signum)
            else:
                process.send_signal(signum)
            return process.wait(timeout=120)


INTERRUPTIONS = {
    # (when, whole process group?, which signal, SOURCE_DATE_EPOCH set?)
    "staging-created-process": ("staging created", False, signal.SIGINT, True),
    "staging-created-ctrl-c-make-site": ("staging created", True, signal.SIGINT, False),
    "staging-written-process": ("staging written", False, signal.SIGINT, True),
    "staging-written-ctrl-c-make-site": ("staging written", True, signal.SIGINT, False),
    "staging-created-sigterm": ("staging created", False, signal.SIGTERM, True),
    "staging-written-sigterm": ("staging written", False, signal.SIGTERM, False),
}


@pytest.mark.parametrize(("moment", "group", "signum", "fixed_epoch"), INTERRUPTIONS.values(),
                         ids=INTERRUPTIONS.keys())
def test_interrupted_build_leaves_previous_site(built_book: tuple[Path, Path], tmp_path: Path,
                                                moment: str, group: bool, signum: int,
                                                fixed_epoch: bool) -> None:
    """SIGINT or SIGTERM mid-build (to briefbook alone, or to its process group as Ctrl-C
    does) leaves the previous site byte-identical, no staging directory, and an exit status
    that says the build was interrupted.  Without SOURCE_DATE_EPOCH (how `make site` runs)
    briefbook first asks git for the commit time, after creating the staging directory."""
    root, site = built_book
    before = snapshot(site)
    event = root / "events" / "2021" / "2021-03-03-ain-al-asad-rockets.yaml"
    event.write_text(event.read_text(encoding="utf-8").replace(
        "title: Rockets on Ain al-Asad", "title: Rockets on Ain al-Asad again"),
        encoding="utf-8")
    add_gate(root)
    env = build_env()
    if not fixed_epoch:
        env.pop("SOURCE_DATE_EPOCH")
    for attempt in range(2):
        log = tmp_path / f"build-{attempt}.log"
        status = interrupt(root, site, log, moment=moment, group=group, signum=signum, env=env)
        output = log.read_text(errors="replace")[-2500:]
        where = f"attempt {attempt} (exit status {status})"
        assert status == 128 + signum, f"{where}: not reported as interrupted\n{output}"
        assert not leftovers(site.parent, site), (
            f"{where}: left behind {leftovers(site.parent, site)}\n{output}")
        assert not differences(before, snapshot(site)), (
            f"{where}: the previous site changed\n{output}")
    # Without the gate, the same book builds: the interruption, not the book, stopped it.
    build(root, site)
    assert differences(before, snapshot(site))
