"""The GitHub workflows, the composite action and the pre-commit hooks: valid, safe, and
calling real featurecat commands with real flags (which are then run)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

from featurecat.cli import main
from featurecat.report.diff import MARKER
from tests.ci.conftest import (
    ACTION,
    HOOKS,
    WORKFLOWS,
    RunStep,
    featurecat_steps,
    load,
    substitute,
)
from tests.conftest import EXAMPLE_CATALOG, REPO_ROOT
from tests.support import commit_all, git, init_repo

STEPS = featurecat_steps()


def by_name(name: str) -> dict:  # type: ignore[type-arg]
    return load(REPO_ROOT / ".github/workflows" / name)  # type: ignore[no-any-return]


def all_steps(workflow: dict) -> list[dict]:  # type: ignore[type-arg]
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def test_the_files_exist_and_are_valid_yaml() -> None:
    names = {path.name for path in WORKFLOWS}
    assert {"catalog-pr.yml", "catalog-pr-comment.yml", "tests.yml", "pages.yml"} <= names
    for path in [*WORKFLOWS, ACTION, HOOKS]:
        assert load(path), path


def test_every_featurecat_command_is_found() -> None:
    commands = {
        (step.where.split(":")[0], " ".join(c[:1])) for step in STEPS for c in step.invocations()
    }
    assert ("catalog-pr.yml", "validate") in commands
    assert ("catalog-pr.yml", "diff") in commands
    assert ("pages.yml", "docs") in commands
    assert ("action.yml", "validate") in commands and ("action.yml", "diff") in commands
    assert (".pre-commit-hooks.yaml", "validate") in commands
    assert (".pre-commit-hooks.yaml", "codeowners") in commands


def test_no_workflow_runs_pull_request_code_with_write_access() -> None:
    for path in WORKFLOWS:
        triggers = load(path)["on"]
        assert "pull_request_target" not in triggers, path
        for event in ("pull_request", "push"):
            filters = triggers.get(event) or {}
            assert "paths" not in filters and "paths-ignore" not in filters, (path, event)


def test_actions_are_pinned_to_a_major_version() -> None:
    documents = [load(path) for path in WORKFLOWS]
    uses = [s["uses"] for d in documents for s in all_steps(d) if "uses" in s]
    uses += [s["uses"] for s in load(ACTION)["runs"]["steps"] if "uses" in s]
    assert uses
    for ref in uses:
        assert ref == "./" or ref.rsplit("@", 1)[1].startswith("v"), ref


def test_the_pull_request_workflow() -> None:
    workflow = by_name("catalog-pr.yml")
    assert workflow["name"] == "Catalog PR"
    assert set(workflow["on"]) == {"pull_request"}
    assert workflow["permissions"] == {"contents": "read"}
    steps = all_steps(workflow)
    checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == "0"
    runs = "\n".join(s.get("run", "") for s in steps)
    assert 'featurecat validate --catalog "$CATALOG" --format github' in runs
    assert '--base origin/"$GITHUB_BASE_REF" --format markdown > featurecat-report.md' in runs
    assert 'cat featurecat-report.md >> "$GITHUB_STEP_SUMMARY"' in runs
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["with"]["name"] == "featurecat-report"
    assert upload["with"]["path"].split() == ["featurecat-report.md", "pr-number.txt"]
    assert upload["if"] == "${{ !cancelled() }}"


def test_the_comment_workflow_is_safe_for_forks() -> None:
    workflow = by_name("catalog-pr-comment.yml")
    trigger = workflow["on"]["workflow_run"]
    assert trigger["workflows"] == [by_name("catalog-pr.yml")["name"]]
    assert trigger["types"] == ["completed"]
    assert workflow["permissions"] == {}
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {
        "actions": "read",
        "contents": "read",
        "pull-requests": "write",
    }
    checkout = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout@"))
    assert "ref" not in checkout["with"]  # the default branch, never the PR's head
    download = next(s for s in job["steps"] if "download-artifact" in s.get("uses", ""))
    assert download["with"]["run-id"] == "${{ github.event.workflow_run.id }}"
    script = next(s for s in job["steps"] if "github-script" in s.get("uses", ""))
    assert "require('./.github/scripts/pr-comment.js')" in script["with"]["script"]


def test_the_pages_workflow() -> None:
    workflow = by_name("pages.yml")
    assert workflow["on"]["push"]["branches"] == ["main"]
    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    assert any(
        s.get("uses", "").startswith("actions/upload-pages-artifact@") for s in build["steps"]
    )
    assert deploy["needs"] == "build"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert deploy["steps"][0]["uses"].startswith("actions/deploy-pages@")
    assert deploy["environment"]["url"] == "${{ steps.deployment.outputs.page_url }}"
    assert deploy["steps"][0]["id"] == "deployment"


def test_the_tests_workflow_runs_the_project_checks() -> None:
    workflow = by_name("tests.yml")
    runs = [s.get("run", "") for s in all_steps(workflow)]
    assert ".ci/run" in runs
    assert any(s.get("uses") == "./" for s in all_steps(workflow))


def test_the_composite_action() -> None:
    action = load(ACTION)
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) == {"catalog", "base-ref", "python-version", "featurecat"}
    for step in action["runs"]["steps"]:
        if "run" in step:
            assert step["shell"] == "bash", step.get("name")


def test_the_pre_commit_hooks() -> None:
    hooks = {hook["id"]: hook for hook in load(HOOKS)}
    assert set(hooks) == {"featurecat-validate", "featurecat-codeowners"}
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["pass_filenames"] == "false"
    import re

    files = re.compile(hooks["featurecat-validate"]["files"])
    assert files.search("catalog/features/user/user_age.yaml")
    assert files.search("featurecat.yaml")
    assert not files.search("catalog/data/user_profile.parquet")
    assert not files.search("src/model.py")


def resolve(args: list[str]) -> tuple[click.Command, list[str], str]:
    """The click command an argument list names, its remaining arguments and its name."""
    command: click.Command = main
    name = "featurecat"
    rest = list(args)
    while isinstance(command, click.Group) and rest and not rest[0].startswith("-"):
        sub = command.get_command(click.Context(command), rest[0])
        assert sub is not None, f"featurecat has no command '{name} {rest[0]}'"
        command, name, rest = sub, f"{name} {rest[0]}", rest[1:]
    return command, rest, name


@pytest.mark.parametrize("step", STEPS, ids=[s.where for s in STEPS])
def test_commands_and_flags_exist(step: RunStep) -> None:
    for args in step.invocations():
        command, rest, name = resolve(args)
        assert not isinstance(command, click.Group), f"'{name}' needs a subcommand"
        command.make_context(name, rest)  # raises on unknown options or bad choices


@pytest.fixture
def pull_request(tmp_path: Path) -> Path:
    """A clone-like repository of the example catalog: main on origin, a PR branch ahead."""
    repo = init_repo(tmp_path / "repo")
    shutil.copytree(EXAMPLE_CATALOG, repo / "catalog")
    commit_all(repo, "The acme catalog")
    git(repo, "update-ref", "refs/remotes/origin/main", "HEAD")
    git(repo, "checkout", "-q", "-b", "pr")
    age = repo / "catalog/features/user/user_age.yaml"
    age.write_text(age.read_text().replace("tags: [demographics, pii]", "tags: [demographics]"))
    commit_all(repo, "Untag user_age")
    return repo


@pytest.mark.parametrize("step", STEPS, ids=[s.where for s in STEPS])
def test_steps_run_against_the_example_catalog(step: RunStep, pull_request: Path) -> None:
    """Each step's script runs as GitHub would run it, with featurecat on the PATH."""
    scratch = pull_request.parent
    summary, output = scratch / "summary.md", scratch / "output.txt"
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_BASE_REF": "main",
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(output),
        "RUNNER_TEMP": str(scratch),
        "CI": "true",
        **step.env,
    }
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", substitute(step.script)],
        cwd=pull_request,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"{step.where}\n{done.stdout}\n{done.stderr}"
    if any(args[:2] == ["docs", "build"] for args in step.invocations()):
        assert (pull_request / "_site/index.html").is_file()
        assert (pull_request / "_site/search/search_index.json").is_file()
    if any(args[:1] == ["diff"] for args in step.invocations()):
        assert summary.read_text().startswith(MARKER)
        assert "OK: no breaking changes" in summary.read_text()
        assert "feature `user_age`" in summary.read_text()


#: The Pythons besides CI's own 3.11 that get the fast suite, in .ci/run and on GitHub.
OTHER_PYTHONS = ["3.10", "3.12", "3.13"]


def test_every_python_the_package_claims_is_tested() -> None:
    from importlib import metadata

    claimed = metadata.metadata("featurecat")["Requires-Python"]
    assert claimed == ">=3.10"
    minimum = int(claimed.removeprefix(">=3."))
    tested = sorted(int(v.split(".")[1]) for v in [*OTHER_PYTHONS, "3.11"])
    assert tested == list(range(minimum, tested[-1] + 1))  # no version between is left out

    ci = (REPO_ROOT / ".ci" / "run").read_text()
    assert f".ci/pythons ${{FEATURECAT_PYTHONS-{' '.join(OTHER_PYTHONS)}}}" in ci.splitlines()
    jobs = by_name("tests.yml")["jobs"]
    assert jobs["pythons"]["strategy"]["matrix"]["python"] == OTHER_PYTHONS
    runs = [s.get("run") for s in jobs["pythons"]["steps"]]
    assert ".ci/pythons ${{ matrix.python }}" in runs
    # The full job runs .ci/run, whose other Pythons the matrix runs instead.
    (full,) = [s for s in jobs["tests"]["steps"] if s.get("run") == ".ci/run"]
    assert full["env"]["FEATURECAT_PYTHONS"] == ""


def test_a_missing_python_is_a_note_or_a_failure(tmp_path: Path) -> None:
    """.ci/pythons skips a Python the machine lacks, unless CI requires every one; a pyenv
    shim that refuses to run does not count as the Python."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "python3.99"
    shim.write_text("#!/bin/sh\necho 'pyenv: python3.99: command not found' >&2\nexit 127\n")
    shim.chmod(0o755)
    env = {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "PYENV_ROOT": str(tmp_path / "pyenv"),
    }
    script = REPO_ROOT / ".ci" / "pythons"
    skipped = subprocess.run([script, "3.99"], env=env, capture_output=True, text=True)
    assert skipped.returncode == 0, skipped.stderr
    assert "note: Python 3.99 is not on this machine; its fast suite is skipped" in skipped.stdout
    required = subprocess.run(
        [script, "3.99"], env={**env, "FEATURECAT_REQUIRE_ALL": "1"}, capture_output=True, text=True
    )
    assert required.returncode == 1
    assert "Python 3.99 is not on this machine, and FEATURECAT_REQUIRE_ALL=1 requires it" in (
        required.stderr
    )
