"""The PR comment script, run by Node against a stand-in for GitHub's API.

The artifact it reads comes from a pull request's run, maybe a fork's, so these tests
feed it hostile input too.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO_ROOT
from tests.support import needs

SCRIPT = REPO_ROOT / ".github/scripts/pr-comment.js"
MARKER = "<!-- featurecat-report -->"

HARNESS = """
const comment = require(process.env.SCRIPT);
const state = JSON.parse(process.env.STATE);
const calls = [];
const github = {
  rest: {
    pulls: {
      get: async (p) => {
        calls.push(['get', p]);
        return { data: { head: { sha: state.prHead } } };
      },
    },
    issues: {
      listComments: 'listComments',
      updateComment: async (p) => { calls.push(['update', p]); return { data: {} }; },
      createComment: async (p) => { calls.push(['create', p]); return { data: { id: 99 } }; },
    },
  },
  paginate: async (method, p) => { calls.push(['list', p]); return state.comments; },
};
const core = {
  failed: null, warnings: [],
  setFailed(m) { this.failed = m; }, warning(m) { this.warnings.push(m); }, info() {},
};
const context = {
  repo: { owner: 'acme', repo: 'catalog' },
  payload: { workflow_run: { head_sha: 'abc123' } },
};
comment({ github, context, core, dir: state.dir }).then(() => {
  console.log(JSON.stringify({ calls, failed: core.failed, warnings: core.warnings }));
});
"""


@pytest.fixture(autouse=True)
def node() -> None:
    needs(shutil.which("node") is not None, "Node.js (Debian's nodejs package)")


def post(
    tmp_path: Path,
    number: str = "7",
    report: str = f"{MARKER}\n### featurecat\nok\n",
    pr_head: str = "abc123",
    comments: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    (tmp_path / "pr-number.txt").write_text(number)
    (tmp_path / "featurecat-report.md").write_text(report)
    state = {"dir": str(tmp_path), "prHead": pr_head, "comments": comments or []}
    done = subprocess.run(
        ["node", "-e", HARNESS],
        env={"SCRIPT": str(SCRIPT), "STATE": json.dumps(state), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_creates_one_comment(tmp_path: Path) -> None:
    result = post(tmp_path)
    assert [c[0] for c in result["calls"]] == ["get", "list", "create"]
    assert result["calls"][0][1] == {"owner": "acme", "repo": "catalog", "pull_number": 7}
    created = result["calls"][2][1]
    assert created["issue_number"] == 7
    assert created["body"] == f"{MARKER}\n### featurecat\nok\n"
    assert result["failed"] is None


def test_updates_its_own_comment_and_ignores_lookalikes(tmp_path: Path) -> None:
    comments = [
        {"id": 1, "user": {"login": "mallory"}, "body": f"{MARKER} fake"},
        {"id": 2, "user": {"login": "github-actions[bot]"}, "body": "something else"},
        {"id": 3, "user": {"login": "github-actions[bot]"}, "body": f"{MARKER}\nold"},
    ]
    result = post(tmp_path, comments=comments)
    assert [c[0] for c in result["calls"]] == ["get", "list", "update"]
    assert result["calls"][2][1]["comment_id"] == 3


@pytest.mark.parametrize("number", ["1; rm -rf /", "-1", "0", "12abc", "", "1e3", "99999999999"])
def test_a_number_that_is_not_a_pull_request_number_is_refused(tmp_path: Path, number: str) -> None:
    result = post(tmp_path, number=number)
    assert result["calls"] == []
    assert "does not hold a pull request number" in result["failed"]


def test_a_number_of_another_pull_request_is_not_commented_on(tmp_path: Path) -> None:
    result = post(tmp_path, pr_head="def456")
    assert [c[0] for c in result["calls"]] == ["get"]
    assert "not commenting" in result["warnings"][0]


def test_mentions_are_defused_and_the_marker_added(tmp_path: Path) -> None:
    result = post(tmp_path, report="hi @everyone and @acme/risk, mail a@b.c\n")
    body = result["calls"][-1][1]["body"]
    assert body.startswith(MARKER + "\n")
    assert "@everyone" not in body and "@acme/risk" not in body
    assert "@\u200beveryone" in body


def test_a_huge_report_is_cut_to_fit(tmp_path: Path) -> None:
    result = post(tmp_path, report=MARKER + "\n" + "x" * 200_000)
    body = result["calls"][-1][1]["body"]
    assert len(body) <= 65536
    assert body.endswith("the job summary has all of it._\n")


def test_an_empty_report_is_not_posted(tmp_path: Path) -> None:
    result = post(tmp_path, report="\n")
    assert [c[0] for c in result["calls"]] == ["get"]
    assert "report is empty" in result["warnings"][0]
