"""Reading the GitHub workflows, the composite action and the pre-commit hooks as data."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import REPO_ROOT

WORKFLOWS = sorted((REPO_ROOT / ".github/workflows").glob("*.yml"))
ACTION = REPO_ROOT / "action.yml"
HOOKS = REPO_ROOT / ".pre-commit-hooks.yaml"

#: Values for the expressions the workflows use, as a pull request would see them.
EXPRESSIONS = {
    "github.event.pull_request.number": "1",
    "github.base_ref": "main",
    "inputs.catalog": "catalog",
    "inputs.base-ref": "",
    "inputs.featurecat": "",
    "steps.base.outputs.ref": "origin/main",
}
_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_OPERATORS = {"|", "||", "&", "&&", ";", ">", ">>", "<", "(", ")"}


def load(path: Path) -> Any:
    """YAML as plain strings (BaseLoader), so ``on:`` stays a key and not ``True``."""
    return yaml.load(path.read_text(), Loader=yaml.BaseLoader)


def substitute(text: str) -> str:
    return _EXPRESSION.sub(lambda m: EXPRESSIONS.get(m.group(1), "x"), text)


@dataclass
class RunStep:
    """One ``run:`` step (or hook entry), where it came from, and the env it runs with."""

    where: str
    script: str
    env: dict[str, str] = field(default_factory=dict)

    def invocations(self) -> list[list[str]]:
        """Each ``featurecat ...`` command in the script, as argument lists."""
        found = []
        for line in substitute(self.script).replace("\\\n", " ").splitlines():
            lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
            lexer.whitespace_split = True
            tokens = list(lexer)
            for i, token in enumerate(tokens):
                if token == "featurecat" and (i == 0 or tokens[i - 1] in _OPERATORS):
                    command = []
                    for arg in tokens[i + 1 :]:
                        if arg in _OPERATORS:
                            break
                        command.append(arg)
                    found.append(command)
        return found


def run_steps() -> Iterator[RunStep]:
    for path in WORKFLOWS:
        workflow = load(path)
        for job_name, job in workflow["jobs"].items():
            env = {**workflow.get("env", {}), **job.get("env", {})}
            for number, step in enumerate(job.get("steps", [])):
                if "run" in step:
                    where = f"{path.name}:{job_name}:{step.get('name', number)}"
                    step_env = {k: substitute(v) for k, v in {**env, **step.get("env", {})}.items()}
                    yield RunStep(where, step["run"], step_env)
    action = load(ACTION)
    for number, step in enumerate(action["runs"]["steps"]):
        if "run" in step:
            env = {k: substitute(v) for k, v in step.get("env", {}).items()}
            yield RunStep(f"action.yml:{step.get('name', number)}", step["run"], env)
    for hook in load(HOOKS):
        yield RunStep(f".pre-commit-hooks.yaml:{hook['id']}", hook["entry"])


def featurecat_steps() -> list[RunStep]:
    return [step for step in run_steps() if step.invocations()]
