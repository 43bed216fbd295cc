"""Hostile input reaching ``featurecat validate``: control characters, newlines, odd version
literals and odd file names. One problem is one line, and nothing gets through."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.cli.test_validate import feature
from tests.support import cli, init_repo, make_catalog

AGE = "catalog/features/user/user_age.yaml"
#: The shape SPEC promises for text lines: PATH:LINE: ...
TEXT_LINE = re.compile(r"(?P<path>[^:]+):(?P<line>[0-9]+): (?P<rest>.*)")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return init_repo(tmp_path / "repo")


def validate(repo: Path, files: dict[str, str | bytes | None], *args: str) -> tuple[int, str]:
    make_catalog(repo / "catalog", files)
    result = cli("validate", *args, cwd=repo)
    return result.exit_code, result.output


# Each case: files, and the exact lines a user reads (before the FAILED line).
CASES = {
    "GitHub handle ending in a newline": (
        {"teams/growth.yaml": 'name: growth\ngithub: "@acme/growth\\n"\n'},
        [
            "catalog/teams/growth.yaml:2: error: github: '@acme/growth\\n' is not a valid GitHub "
            "handle: write @user or @org/team (like @acme/growth) [invalid-value]"
        ],
    ),
    "tag and ttl ending in a newline": (
        {AGE[8:]: feature(tags='["geo\\n"]', ttl='"30d\\n"')},
        [
            f"{AGE}:6: error: tags[0]: 'geo\\n' is not a valid tag: use lowercase letters, "
            "digits, '_' and '-' (like pii) [invalid-value]",
            f"{AGE}:7: error: ttl: '30d\\n' is not a valid duration: write a whole number and a "
            "unit, one of s, m, h, d, w (like 30d or 12h) [invalid-value]",
        ],
    ),
    "owner ending in a newline": (
        {AGE[8:]: feature(owner='"growth\\n"')},
        [
            f"{AGE}:3: error: owner: 'growth\\n' is not a valid team name: use lowercase letters, "
            "digits, '_' and '-', starting with a letter (like growth) [invalid-value]"
        ],
    ),
    "source path with newlines": (
        {
            "sources/user_profile.yaml": "name: user_profile\nowner: growth\nentity: user\n"
            'path: "a\\n/.github/\\nb.parquet"\n'
        },
        [
            "catalog/sources/user_profile.yaml:4: error: path: contains the control character "
            "\\n; remove it [invalid-value]"
        ],
    ),
    "NUL in a description": (
        {AGE[8:]: feature(description='"a\\0b"')},
        [
            f"{AGE}:2: error: description: contains the control character \\x00; remove it "
            "[invalid-value]"
        ],
    ),
    "escape sequence in a contact": (
        {"teams/growth.yaml": 'name: growth\ncontact: "\\e]8;;http://x\\a#growth"\n'},
        [
            "catalog/teams/growth.yaml:2: error: contact: contains the control character \\x1b; "
            "remove it [invalid-value]"
        ],
    ),
    "newline in data_root, NUL in site": (
        {"featurecat.yaml": 'name: test\ndata_root: "da\\nta"\nsite: "s\\0"\n'},
        [
            "catalog/featurecat.yaml:2: error: data_root: contains the control character \\n; "
            "remove it [invalid-value]",
            "catalog/featurecat.yaml:3: error: site: contains the control character \\x00; "
            "remove it [invalid-value]",
        ],
    ),
    "newline in a key": (
        {AGE[8:]: feature() + '"bad\\nkey": 1\n'},
        [
            f"{AGE}:6: error: unknown field 'bad\\nkey'; a feature has: name, description, owner, "
            "source, column, dtype, version, status, tags, ttl, replaced_by, expect "
            "[unknown-field]"
        ],
    ),
    "a name that forges a second diagnostic": (
        {AGE[8:]: feature(name='"bad\\nfoo.yaml:1: error: injected"')},
        [
            f"{AGE}:1: error: name: 'bad\\nfoo.yaml:1: error: injected' is not a valid name: use "
            "lowercase letters, digits and '_', starting with a letter (like user_age) "
            "[invalid-value]",
            "catalog/models/churn_model.yaml:4: error: features: unknown feature 'user_age'; "
            "define it in features/user_age.yaml or fix the name [unknown-reference]",
        ],
    ),
    "a catalog name ending in a newline": (
        {"featurecat.yaml": 'name: "base\\n"\n'},
        [
            "catalog/featurecat.yaml:1: error: name: 'base\\n' is not a valid team name: use "
            "lowercase letters, digits, '_' and '-', starting with a letter (like growth) "
            "[invalid-value]"
        ],
    ),
    "a folder name with a newline": (
        {"features/evil\nfolder/user_tenure.yaml": feature(name="user_tenure")},
        [
            "catalog/features/evil\\nfolder/user_tenure.yaml:1: error: the file's path contains "
            "the control character \\n; rename it [file-name]"
        ],
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_control_characters_are_refused_and_shown_escaped(repo: Path, case: str) -> None:
    files, expected = CASES[case]
    code, output = validate(repo, files)
    assert code == 1
    lines = output.splitlines()
    assert lines[:-1] == expected
    assert lines[-1].startswith(f"FAILED: {len(expected)} error")


VERSIONS = {
    "1.0": "'1.0'; write digits only, like 2: no sign, spaces, '_', '.' or leading zero",
    "+1": "'+1'; write digits only, like 2: no sign, spaces, '_', '.' or leading zero",
    "1_000": "'1_000'; write digits only, like 2: no sign, spaces, '_', '.' or leading zero",
    "017": "'017'; write digits only, like 2: no sign, spaces, '_', '.' or leading zero",
    "'3'": "'3' in quotes; remove the quotes",
    '" 2 "': "' 2 ' in quotes; remove the quotes",
    '"2\\n"': "'2\\n' in quotes; remove the quotes",
    "two": "'two'",
}


@pytest.mark.parametrize("literal", VERSIONS, ids=list(VERSIONS))
def test_version_is_a_plain_whole_number(repo: Path, literal: str) -> None:
    code, output = validate(repo, {AGE[8:]: feature(version=literal)})
    assert code == 1
    assert output.splitlines()[0] == (
        f"{AGE}:6: error: version: expected a whole number, got {VERSIONS[literal]} [invalid-value]"
    )


def test_version_has_an_upper_bound_and_plain_numbers_pass(repo: Path) -> None:
    code, output = validate(repo, {AGE[8:]: feature(version="1" * 30)})
    assert code == 1
    assert output.splitlines()[0] == (
        f"{AGE}:6: error: version: must be at most 999999999, got '{'1' * 30}' [invalid-value]"
    )
    code, output = validate(repo, {AGE[8:]: feature(version="999999999")})
    assert code == 0, output
    from featurecat import Catalog

    assert Catalog.load(repo / "catalog").features["user_age"].version == 999_999_999


def test_a_file_name_cannot_pass_for_another_path_and_line(repo: Path) -> None:
    code, output = validate(repo, {"features/a:1: error: b.yaml": feature(name="user_tenure")})
    assert code == 1
    first = output.splitlines()[0]
    match = TEXT_LINE.fullmatch(first)
    assert match is not None
    assert match["path"] == "catalog/features/a\\x3a1\\x3a error\\x3a b.yaml"
    assert match["line"] == "1"
    assert match["rest"].startswith("error: name 'user_tenure' does not match the file name")


def test_every_format_keeps_one_problem_on_one_line(repo: Path) -> None:
    files = {AGE[8:]: feature() + '"bad\\nkey\\e[2J": 1\n'}
    code, output = validate(repo, files, "--format", "github")
    assert code == 1
    assert output.splitlines() == [
        f"::error file={AGE},line=6::unknown field 'bad\\nkey\\x1b[2J'; a feature has: name, "
        "description, owner, source, column, dtype, version, status, tags, ttl, replaced_by, "
        "expect [unknown-field]"
    ]
    code, output = validate(repo, files, "--format", "json")
    assert json.loads(output)["errors"][0]["message"].startswith("unknown field 'bad\nkey\x1b[2J'")
    code, output = validate(repo, files)
    assert "\x1b" not in output
    assert len(output.splitlines()) == 2
