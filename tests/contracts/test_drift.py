"""Drift between two real versions of a source: in the PR report, and on update_feature."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

import featurecat
from featurecat.contracts.drift import DriftWarning, Profile, Shift, psi
from tests.contracts.conftest import AGE, COUNTRY, Make, expect, profile_rows, write_profile
from tests.support import cli, commit_all

HOSTILE = "\x1b[31m<img src=x onerror=alert(1)>@everyone"


def months(rows: dict[str, list]) -> dict[str, list]:  # type: ignore[type-arg]
    """The same rows, with ages in months: the unit change a producer ships by mistake."""
    return {**rows, "user_age": [None if a is None else a * 12 for a in rows["user_age"]]}


@pytest.fixture
def pull_request(contract_catalog: Make) -> Path:
    """main holds the data in years; the working tree (the PR) ships it in months."""
    rows = profile_rows(40, countries=["US", "GB", HOSTILE, "US"] * 10)
    repo = contract_catalog(
        {**expect(AGE, "drift: {max_mean_change: 50%}\n"), **expect(COUNTRY, "not_null: true\n")},
        rows,
    )
    commit_all(repo, "data in years")
    write_profile(repo / "catalog", months(rows))
    return repo


def test_the_pr_report_shows_drift_beside_the_users_and_fails_beyond_the_limit(
    pull_request: Path,
) -> None:
    result = cli("diff", "--base", "main", "--check-data", "--format", "markdown", cwd=pull_request)
    assert result.exit_code == 1
    report = result.stdout
    row = next(line for line in report.splitlines() if line.startswith("| feature `user_age`"))
    assert "mean 49.5 -&gt; 594 (x12.0)" in row
    assert "null share 0% -&gt; 0%" in row
    assert "drifted beyond its contract (mean changed by 1100% &gt; 50%)" in row
    assert row.endswith("| churn\\_model (risk) `@acme/risk` |")
    assert "#### Must fix" in report
    assert "`catalog/features/user/user_age.yaml:9`: feature 'user\\_age' drifted" in report


def test_hostile_categories_are_inert_in_the_report(pull_request: Path) -> None:
    rows = profile_rows(40, countries=[HOSTILE] * 40)
    write_profile(pull_request / "catalog", rows)
    result = cli("diff", "--base", "main", "--check-data", "--format", "markdown", cwd=pull_request)
    report = result.stdout
    assert "\x1b" not in report and "<img" not in report and "@everyone" not in report
    assert "&lt;img src=x onerror=alert(1)&gt;@\u200beveryone" in report
    text = cli("diff", "--base", "main", "--check-data", cwd=pull_request).stdout
    assert "\x1b" not in text and "\\x1b[31m" in text


def test_without_check_data_the_data_is_not_compared(pull_request: Path) -> None:
    result = cli("diff", "--base", "main", "--format", "markdown", cwd=pull_request)
    assert result.exit_code == 0
    assert "mean" not in result.stdout


def test_unchanged_data_is_not_reported(pull_request: Path) -> None:
    commit_all(pull_request, "months")
    result = cli("diff", "--base", "HEAD", "--check-data", cwd=pull_request)
    assert result.exit_code == 0
    assert "data:" not in result.stdout


def frame(ages: list[int], day: int = 20) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "user_id": [1000 + i for i in range(len(ages))],
            "event_timestamp": pd.Timestamp(f"2025-06-{day}", tz="UTC"),
            "user_age": ages,
        }
    )


def test_update_feature_refuses_drift_beyond_the_limit_and_writes_nothing(
    contract_catalog: Make,
) -> None:
    repo = contract_catalog(expect(AGE, "drift: {max_mean_change: 50%}\n"))
    data = repo / "catalog/data/user_profile.parquet"
    before = data.read_bytes()
    with pytest.raises(featurecat.FeaturecatError) as caught:
        featurecat.update_feature("user_age", frame([600] * 20), catalog=repo / "catalog")
    message = str(caught.value)
    assert message.startswith(
        "the new data drifts beyond the declared limits, so nothing was written"
    )
    assert "user_age: mean 39.5 -> 600 (x15.2)" in message
    assert data.read_bytes() == before
    with pytest.warns(DriftWarning, match="user_age: mean 39.5 -> 600"):
        featurecat.update_feature(
            "user_age", frame([600] * 20), catalog=repo / "catalog", allow_drift=True
        )
    assert data.read_bytes() != before


def test_update_feature_within_the_limits_is_quiet(contract_catalog: Make) -> None:
    repo = contract_catalog(expect(AGE, "drift: {max_mean_change: 50%}\n"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", DriftWarning)
        featurecat.update_feature(
            "user_age", frame([30 + i % 40 for i in range(20)]), catalog=repo / "catalog"
        )


def test_psi_is_zero_for_the_same_shares_and_large_for_a_move() -> None:
    assert psi([0.5, 0.5], [0.5, 0.5]) == 0
    assert psi([0.5, 0.5], [0.9, 0.1]) > 0.25
    same = Profile(100, 10, 36.0, 5.0, bins=(45, 45))
    moved = Profile(100, 50, 36.0, 5.0, bins=(25, 25))
    shift = Shift("user_age", same, moved)
    assert shift.psi > 0.25 and shift.notable and not shift.failed  # nothing declared
    assert shift.describe() == (
        "mean 36 -> 36 (x1.0), spread 5 -> 5, null share 10% -> 50%, rows 100 -> 100, "
        f"PSI {shift.psi:.2f}"
    )
