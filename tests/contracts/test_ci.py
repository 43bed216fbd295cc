"""Contracts in CI: the pull-request workflow runs them, the README's nightly workflow is valid."""

from __future__ import annotations

import re

import yaml

from tests.ci.conftest import RunStep, load
from tests.ci.test_workflows import resolve
from tests.conftest import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text()


def nightly() -> dict:  # type: ignore[type-arg]
    block = re.search(r"```yaml\n(name: Contracts \(nightly\)\n.*?)```", README, re.S)
    assert block, "the README shows a scheduled workflow for the contracts"
    return yaml.load(block.group(1), Loader=yaml.BaseLoader)  # type: ignore[no-any-return]


def test_the_pull_request_workflow_tests_what_changed() -> None:
    workflow = load(REPO_ROOT / ".github/workflows/catalog-pr.yml")
    steps = workflow["jobs"]["catalog"]["steps"]
    step = next(s for s in steps if s.get("name") == "Contracts of what changed")
    (args,) = RunStep("catalog-pr.yml", step["run"]).invocations()
    assert args[0] == "test"
    assert "--changed-since" in args and "--skip" in args and "freshness" in args
    report = next(s for s in steps if s.get("name") == "Change report")
    assert "--check-data" in RunStep("catalog-pr.yml", report["run"]).invocations()[0]


def test_the_readme_nightly_workflow_runs_real_commands_on_a_schedule() -> None:
    workflow = nightly()
    assert workflow["on"]["schedule"][0]["cron"] == "0 6 * * *"
    assert workflow["permissions"] == {"contents": "read"}
    steps = workflow["jobs"]["contracts"]["steps"]
    invocations = [
        args for s in steps if "run" in s for args in RunStep("README", s["run"]).invocations()
    ]
    assert [args[0] for args in invocations] == ["test", "test"]
    for args in invocations:
        command, rest, name = resolve(args)
        command.make_context(name, rest)  # unknown options or bad choices raise
