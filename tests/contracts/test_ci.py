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


def test_the_pages_job_runs_the_contracts_then_builds_the_site_from_their_results() -> None:
    workflow = load(REPO_ROOT / ".github/workflows/pages.yml")
    steps = workflow["jobs"]["build"]["steps"]
    commands = [
        (i, args)
        for i, s in enumerate(steps)
        if "run" in s
        for args in RunStep("pages.yml", s["run"]).invocations()
    ]
    tests = [(i, args) for i, args in commands if args[0] == "test"]
    builds = [(i, args) for i, args in commands if args[:2] == ["docs", "build"]]
    assert len(tests) == 1 and len(builds) == 1
    (test_step, test_args), (build_step, build_args) = tests[0], builds[0]
    assert test_step < build_step  # one job: the build reads the results the tests wrote
    catalog = test_args[test_args.index("--catalog") + 1]
    assert build_args[build_args.index("--catalog") + 1] == catalog
    assert "--results" not in test_args  # the default file, which the build reads
    # Failing contracts (exit 1) are shown on the portal; a usage error (exit 2) stops the job.
    assert steps[test_step]["run"].endswith('|| [ "$?" -eq 1 ]')
