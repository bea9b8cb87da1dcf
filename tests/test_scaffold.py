"""``briefbook new``: the files it writes pass ``briefbook check``, or carry TODO markers
that check reports as errors, one for each; it never overwrites a file."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

import pytest

from briefbook.fields import Choice
from briefbook.kinds import KINDS
from briefbook.scaffold import SCAFFOLDED, TODO, options, prompt_missing

BRIEFBOOK = [sys.executable, "-m", "briefbook.cli"]
_MESSAGE = re.compile(r"^(?P<path>[^:]+):(?P<line>[0-9]+):[0-9]+: (?P<severity>error|warning): ")


def run(root: Path, *args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[str]:
    result = subprocess.run([*BRIEFBOOK, *args], cwd=root, input=stdin.decode(),
                            capture_output=True, text=True, timeout=120)
    return result


def check(root: Path) -> list[tuple[str, int, str]]:
    result = run(root, "check", "-q")
    found = []
    for line in result.stdout.splitlines():
        m = _MESSAGE.match(line)
        assert m, line
        found.append((m["path"], int(m["line"]), m["severity"]))
    return found


def marker_lines(path: Path) -> set[int]:
    return {n for n, line in enumerate(path.read_text().splitlines(), 1) if TODO in line}


def test_one_record_of_each_kind_passes_check(minimal_book: Path) -> None:
    capture = minimal_book.parent / "capture.txt"
    capture.write_text("Rockets struck Erbil airport on the night of February 15.\n")
    commands = [
        ("actor", "--name", "Saraya Awliya al-Dam", "--kind", "front group",
         "--aliases", "Guardians of the Blood", "--aliases", "SAD"),
        ("place", "--name", "Erbil International Airport", "--kind", "airport",
         "--latitude", "36.2376", "--longitude", "43.9632", "--precision", "site",
         "--country", "IQ"),
        ("source", "--title", "Erbil struck", "--publisher", "Desk: \"Wire\" # one",
         "--published", "2021-02-16", "--kind", "article", "--url",
         "https://example.org/erbil", str(capture)),
        ("event", "--title", "Rockets on Erbil: the airport", "--date", "2021-02-15",
         "--type", "rocket attack", "--place", "erbil-international-airport",
         "--targets", "united-states",
         "--citation-source", "erbil-struck", "--citation-quote",
         "Rockets struck Erbil airport", "--single-source", "Only one capture so far."),
    ]
    for args in commands:
        result = run(minimal_book, "new", *args)
        assert result.returncode == 0, result.stderr
    written = {
        "actor": minimal_book / "docs/actors/saraya-awliya-al-dam.md",
        "place": minimal_book / "docs/places/erbil-international-airport.md",
        "source": minimal_book / "seeds/erbil-struck.md",
        "event": minimal_book / "events/2021/2021-02-15-rockets-on-erbil-the-airport.yaml",
    }
    assert all(path.is_file() for path in written.values())
    assert check(minimal_book) == []
    assert run(minimal_book, "check", "--strict", "-q").returncode == 0
    event = written["event"].read_text()
    assert event.startswith("# yaml-language-server: $schema=../../schema/event.schema.json\n")
    # The source's body is the capture, byte for byte, after the front matter.
    assert written["source"].read_bytes().endswith(b"\n---\n" + capture.read_bytes())


def test_missing_values_become_markers_that_check_reports(minimal_book: Path) -> None:
    assert run(minimal_book, "new", "place", "--name", "Camp Taji").returncode == 0
    assert run(minimal_book, "new", "event", "--title", "Rockets on Taji", "--date",
               "2020-03~", "--citation-source", "brief-a").returncode == 0
    place = minimal_book / "docs/places/camp-taji.md"
    event = minimal_book / "events/2020/2020-03-rockets-on-taji.yaml"
    errors = {(path, line) for path, line, severity in check(minimal_book)
              if severity == "error"}
    # kind, latitude, longitude, precision; the event's type and its quote.
    assert len(marker_lines(place)) == 4 and len(marker_lines(event)) == 2
    type_line, quote_line = sorted(marker_lines(event))
    # An event whose type is unknown is not indexed, so its quote is checked once the
    # type is filled in: every error is at a marker, and every marker gets its error.
    assert errors == ({("docs/places/camp-taji.md", n) for n in marker_lines(place)}
                      | {("events/2020/2020-03-rockets-on-taji.yaml", type_line)})
    event.write_text(event.read_text().replace('type: "TODO"', 'type: "rocket attack"'))
    errors = {(path, line) for path, line, severity in check(minimal_book)
              if severity == "error" and path.startswith("events/")}
    assert errors == {("events/2020/2020-03-rockets-on-taji.yaml", quote_line)}


def test_a_required_value_check_would_accept_as_todo_must_be_given(minimal_book: Path) -> None:
    capture = minimal_book.parent / "c.txt"
    capture.write_text("text\n")
    result = run(minimal_book, "new", "source", "--title", "T", "--published", "2021",
                 "--kind", "article", str(capture))
    assert result.returncode == 2
    assert result.stderr == "briefbook: error: give the source's publisher (--publisher)\n"
    assert not list((minimal_book / "seeds").glob("t.md"))


def test_never_overwrites(minimal_book: Path) -> None:
    args = ("new", "actor", "--name", "Iran", "--kind", "state")
    before = (minimal_book / "docs/actors/iran.md").read_bytes()
    result = run(minimal_book, *args)
    assert result.returncode == 2
    assert "docs/actors/iran.md already exists" in result.stderr
    assert (minimal_book / "docs/actors/iran.md").read_bytes() == before
    # The same id in another year's folder is taken too.
    existing = next((minimal_book / "events").rglob("*.yaml"))
    result = run(minimal_book, "new", "event", "--title", "x", "--date", "2021",
                 "--id", existing.stem)
    assert result.returncode == 2 and "already exists" in result.stderr


def test_source_text_from_stdin_is_kept_verbatim(minimal_book: Path) -> None:
    text = "First line\r\n\n  indented — “quoted” \u00e9\n---\nnot front matter"
    result = run(minimal_book, "new", "source", "--title", "Stdin capture", "--publisher",
                 "P", "--published", "2021-03", "--kind", "article", "-",
                 stdin=text.encode())
    assert result.returncode == 0, result.stderr
    written = (minimal_book / "seeds/stdin-capture.md").read_bytes()
    assert written.endswith(b"\n---\n" + text.encode())


def test_flags_offer_each_fields_vocabulary() -> None:
    for kind in SCAFFOLDED:
        offered = {o.flag: o for o in options(kind)}
        for spec in KINDS[kind].fields:
            if isinstance(spec, Choice):
                flag = offered[spec.name.replace("_", "-")].field
                assert isinstance(flag, Choice) and flag.choices == spec.choices
    result = subprocess.run([*BRIEFBOOK, "new", "place", "--name", "x", "--kind", "town"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "invalid choice: 'town'" in result.stderr and "'city'" in result.stderr


def test_prompts_check_each_item_of_a_list() -> None:
    # title, date, date note (skipped), type (by number), place (skipped), perpetrators
    answers = iter(["Rockets", "2021-03-03", "", "1", "", "kataib-hezbollah, Bad Id",
                    "kataib-hezbollah, iran"] + [""] * 20)
    said: list[str] = []
    values = prompt_missing("event", {}, lambda _prompt: next(answers), said.append)
    assert values["perpetrators"] == ["kataib-hezbollah", "iran"]
    assert any("'Bad Id' is not" in line for line in said), said


def test_prompts_list_the_vocabulary_and_refuse_what_check_would() -> None:
    answers = iter(["Camp Taji", "", "99", "4", "north", "33.5", "44.2", "site", ""])
    said: list[str] = []
    values = prompt_missing("place", {}, lambda _prompt: next(answers), said.append)
    assert values["name"] == "Camp Taji"
    kinds = KINDS["place"].fields[2]
    assert isinstance(kinds, Choice)
    assert values["kind"] == kinds.choices[3]  # chosen by number
    assert all(any(choice in line for line in said) for choice in kinds.choices)
    assert values["latitude"] == "33.5"
    assert any("'latitude' must be a decimal number, not 'north'" in s for s in said)
    assert values["precision"] == "site" and values.get("country") is None


@pytest.mark.skipif(not hasattr(pty, "fork"), reason="needs a pseudo-terminal")
def test_prompts_only_on_a_terminal(minimal_book: Path) -> None:
    # Without a terminal nothing is asked (above); on one, the missing values are.
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        os.chdir(minimal_book)
        os.execv(sys.executable, [*BRIEFBOOK, "new", "actor", "--name", "Harakat al-Nujaba"])
    answers = [b"3\n", b"Nujaba\n"]
    seen = b""
    while True:
        ready, _, _ = select.select([fd], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
        if seen.rstrip().endswith(b":") and answers:
            os.write(fd, answers.pop(0))
    os.waitpid(pid, 0)
    assert b"militia" in seen  # the vocabulary was listed
    written = (minimal_book / "docs/actors/harakat-al-nujaba.md").read_text()
    assert 'aliases: ["Nujaba"]' in written
    assert check(minimal_book) == []
