"""The README stays true: CI runs its test command, and every command is documented."""

from __future__ import annotations

import re

import click

from featurecat.cli import COMMANDS, main
from tests.conftest import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text()


def readme_commands() -> list[str]:
    first_block = re.search(r"```bash\n(.*?)```", README, re.S)
    assert first_block, "the README must open with a bash block of commands"
    return [
        line
        for line in first_block.group(1).splitlines()
        if line.strip() and not line.startswith("#")
    ]


def test_readme_opens_with_install_and_test_commands() -> None:
    install, test = readme_commands()
    assert "pip install" in install and "featurecat validate" in install
    assert "pytest" in test


def test_ci_runs_the_readme_test_command() -> None:
    _, test = readme_commands()
    ci = (REPO_ROOT / ".ci" / "run").read_text()
    assert test in ci.splitlines()


def test_every_command_is_documented() -> None:
    ctx = click.Context(main)
    documented = set(re.findall(r"`featurecat ([a-z-]+(?: [a-z-]+)?)", README))
    missing = []
    for name in COMMANDS:
        command = main.get_command(ctx, name)
        assert command is not None
        if isinstance(command, click.Group):
            missing += [
                f"{name} {sub}"
                for sub in command.list_commands(ctx)
                if f"{name} {sub}" not in documented
            ]
        elif not any(d == name or d.startswith(f"{name} ") for d in documented):
            missing.append(name)
    assert missing == []
