"""What reviewers read: the Markdown report, its escaping and its size."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from featurecat.report.diff import MARKDOWN_LIMIT, MARKER, code, md, render_markdown
from tests.conftest import EXAMPLE_CATALOG
from tests.diff.conftest import Assess
from tests.support import cli, commit_all, init_repo

AGE = "catalog/features/user/user_age.yaml"

EXPECTED = """\
<!-- featurecat-report -->
### featurecat: catalog acme: main (SHA) → the working tree

❌ **FAILED: 1 problem to fix before merging**

1 removed, 1 modified: 2 breaking

#### Must fix

- `catalog/features/user/user_age.yaml:11`: breaking change to feature 'user\\_age' \
(dtype int64 -&gt; float64) without a version bump; set version: 2. Used by churn\\_model \
(data\\_science, @\u200bacme/data-science)

#### Breaking changes (2)

| | What changed | Used by |
|---|---|---|
| feature `user_age` | `dtype`: `int64` → `float64`: the values' type changes \
| churn\\_model (data\\_science) `@acme/data-science` |
| feature `user_signup_channel` | **removed**: code and models that load it break | - |

#### Teams to tell

- `@acme/data-science`: churn\\_model

<details><summary>1 validation warning</summary>

- `catalog/models/churn_model.yaml:15`: model 'churn\\_model' uses deprecated feature \
'user\\_order\\_count\\_30d'; switch to 'orders\\_30d'

</details>
"""


def test_markdown_snapshot(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    shutil.copytree(EXAMPLE_CATALOG, repo / "catalog", ignore=shutil.ignore_patterns("data"))
    commit_all(repo, "The acme catalog")
    age = repo / AGE
    age.write_text(age.read_text().replace("dtype: int64", "dtype: float64"))
    (repo / "catalog/features/user/user_signup_channel.yaml").unlink()

    result = cli("diff", "--base", "main", "--format", "markdown", cwd=repo)

    assert result.exit_code == 1
    assert re.sub(r"main \([0-9a-f]{8}\)", "main (SHA)", result.stdout) == EXPECTED


def test_user_text_cannot_inject_markup_or_mentions(change: Assess) -> None:
    hostile = "<img src=x onerror=alert(1)>"
    report = change(
        {
            "features/user/user_age.yaml": (
                "name: user_age\ndescription: x\nowner: growth\nsource: user_profile\n"
                f"dtype: int64\n'{hostile}': 1\n"
            ),
            "teams/growth.yaml": "name: growth\ndescription: '@everyone [click](javascript:x)'\n",
        }
    )
    text = render_markdown(report)
    assert "<img" not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "@everyone" not in text
    assert "](javascript" not in text


def test_md_and_code_escape() -> None:
    assert md("a|b *c* _d_ `e` [f](g) <h> @i\nj") == (
        "a\\|b \\*c\\* \\_d\\_ \\`e\\` \\[f\\](g) &lt;h&gt; @\u200bi j"
    )
    assert code("user_age") == "`user_age`"
    assert code("a`b") == "a\\`b"
    assert len(md("x" * 1000)) == 300


@pytest.fixture
def many_features() -> dict[str, str]:
    files = {}
    for i in range(400):
        files[f"features/bulk/bulk_{i:03d}.yaml"] = (
            f"name: bulk_{i:03d}\ndescription: Bulk feature {i}.\nowner: growth\n"
            "source: user_profile\ndtype: int64\n"
        )
    files["models/bulk_model.yaml"] = (
        "name: bulk_model\nowner: risk\nfeatures: ["
        + ", ".join(f"bulk_{i:03d}" for i in range(400))
        + "]\n"
    )
    return files


def test_a_large_report_is_summarised_to_fit_a_comment(
    change: Assess, many_features: dict[str, str]
) -> None:
    changed = {path: text.replace("int64", "float64") for path, text in many_features.items()}
    report = change(changed, before=many_features)
    assert len(report.problems) == 400

    full = render_markdown(report, limit=10**9)
    text = render_markdown(report)

    assert len(full) > MARKDOWN_LIMIT
    assert len(text) <= MARKDOWN_LIMIT
    assert text.startswith(MARKER)
    assert "#### Must fix" in text and "#### Breaking changes (400)" in text
    assert "… and " in text and "more (run `featurecat diff` to see all)" in text
    tiny = render_markdown(report, limit=1500)
    assert len(tiny) <= 1500
    assert "FAILED: 400 problems" in tiny


def test_json_has_every_change_with_findings_users_and_problems(change: Assess) -> None:
    from featurecat.report.diff import render_json

    report = change(
        {"features/user/user_age.yaml": _age("dtype: int64", "dtype: string")},
    )
    document = json.loads(render_json(report))
    assert document["ok"] is False
    assert document["summary"]["breaking"] == 1
    (entry,) = document["changes"]
    assert entry["name"] == "user_age"
    assert entry["findings"][0] == {
        "field": "dtype",
        "old": "int64",
        "new": "string",
        "level": "breaking",
        "reason": "the values' type changes",
        "via": None,
    }
    assert entry["used_by"] == [
        {"model": "churn_model", "owner": "risk", "github": "@acme/risk", "uses_now": True}
    ]
    assert entry["problems"][0]["code"] == "version-not-bumped"
    assert document["teams"] == {"@acme/risk": ["churn_model"]}


def _age(old: str, new: str) -> str:
    from tests.support import BASE_CATALOG

    return BASE_CATALOG["features/user/user_age.yaml"].replace(old, new)
