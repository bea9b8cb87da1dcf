"""Builds are reproducible and atomic: two builds of one tree are byte-identical, and a build
that fails or is interrupted leaves the previous site exactly as it was, with no staging
directory behind."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from .conftest import FIXTURE, REPO, Site, briefbook_command, build, build_env, copy_book


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
    result = subprocess.run(
        briefbook_command("build", "--root", str(REPO), "--site-dir", str(other)),
        cwd=REPO, capture_output=True, text=True, timeout=300, check=False,
        env=build_env(PYTHONHASHSEED="12345", TZ="Pacific/Kiritimati", LC_ALL="C.UTF-8"))
    assert result.returncode == 0, result.stderr[-3000:]
    first, second = snapshot(shipped.directory), snapshot(other)
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


def interrupt(root: Path, site: Path, log: Path, *, moment: str, group: bool,
              env: dict[str, str]) -> int:
    """Start ``briefbook build``, send SIGINT at ``moment`` (as soon as the staging
    directory appears, or once MkDocs has written pages into it) and return its exit
    status.  ``group`` signals the whole process group, as Ctrl-C in a terminal does;
    otherwise only the briefbook process."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            briefbook_command("build", "--root", str(root), "--site-dir", str(site)),
            cwd=root, env=env, stdout=output, stderr=output, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            staging = list(site.parent.glob(f".{site.name}-new-*"))
            if staging and (moment == "staging created" or any(staging[0].rglob("*.html"))):
                break
            time.sleep(0.0005)
        else:
            process.kill()
            process.wait()
            pytest.fail(f"the build ended or stalled before the staging directory was "
                        f"{moment}:\n{log.read_text(errors='replace')[-2000:]}")
        if group:
            os.killpg(process.pid, signal.SIGINT)
        else:
            process.send_signal(signal.SIGINT)
        return process.wait(timeout=120)


INTERRUPTIONS = {
    # (when, whole process group?, SOURCE_DATE_EPOCH set?)
    "staging-created-process": ("staging created", False, True),
    "staging-created-ctrl-c-make-site": ("staging created", True, False),
    "staging-written-process": ("staging written", False, True),
    "staging-written-ctrl-c-make-site": ("staging written", True, False),
}


@pytest.mark.parametrize(("moment", "group", "fixed_epoch"), INTERRUPTIONS.values(),
                         ids=INTERRUPTIONS.keys())
def test_interrupted_build_leaves_previous_site(built_book: tuple[Path, Path], tmp_path: Path,
                                                moment: str, group: bool,
                                                fixed_epoch: bool) -> None:
    """SIGINT mid-build (to briefbook alone, or to its process group as Ctrl-C does) leaves
    the previous site byte-identical (or, if the signal came after the swap, the complete new
    one) and no staging directory.  Without SOURCE_DATE_EPOCH (how `make site` runs)
    briefbook first asks git for the commit time, after creating the staging directory."""
    root, site = built_book
    before = snapshot(site)
    event = root / "events" / "2021" / "2021-03-03-ain-al-asad-rockets.yaml"
    event.write_text(event.read_text(encoding="utf-8").replace(
        "title: Rockets on Ain al-Asad", "title: Rockets on Ain al-Asad again"),
        encoding="utf-8")
    reference = tmp_path / "reference" / "site"
    build(root, reference)
    after = snapshot(reference)
    assert differences(before, after)
    env = build_env()
    if not fixed_epoch:
        env.pop("SOURCE_DATE_EPOCH")
        after = before  # without the fixed epoch, only the old site is comparable
    for attempt in range(2):
        log = tmp_path / f"build-{attempt}.log"
        status = interrupt(root, site, log, moment=moment, group=group, env=env)
        now = snapshot(site)
        where = f"attempt {attempt} (exit status {status})"
        output = log.read_text(errors="replace")[-2500:]
        assert not leftovers(site.parent, site), (
            f"{where}: left behind {leftovers(site.parent, site)}\n{output}")
        if now != after:
            assert not differences(before, now), (
                f"{where}: the site is neither the old nor the new one\n{output}")
        if status == 0:
            before = now  # the build finished before the signal: it is the new old site
