"""``featurecat test`` through the front door: real parquet, real DuckDB, exact lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from featurecat.contracts.results import loads
from tests.contracts.conftest import AGE, COUNTRY, NOW, PROFILE, Make, expect, profile_rows
from tests.support import cli

A = "catalog/features/user/user_age.yaml"
C = "catalog/features/user/user_country.yaml"
P = "catalog/sources/user_profile.yaml"


def run(repo: Path, *args: str) -> tuple[int, list[str]]:
    result = cli("test", "--now", NOW, *args, cwd=repo)
    return result.exit_code, result.stdout.splitlines()


def test_every_kind_passes_on_good_data(contract_catalog: Make) -> None:
    repo = contract_catalog(
        {
            **expect(
                AGE, "not_null: true\nrange: {min: 0, max: 120}\nunique: true\nmin_rows: 20\n"
            ),
            **expect(COUNTRY, "accepted_values: [US, GB]\n"),
            **expect(PROFILE, "freshness: {warn_after: 2d, error_after: 7d}\nmin_rows: 20\n"),
        }
    )
    code, lines = run(repo)
    assert (code, lines) == (0, ["OK: 7 of 7 expectations hold (now 2025-06-12 00:00 UTC)"])


def test_every_kind_fails_on_bad_data_with_its_line_value_and_rows(contract_catalog: Make) -> None:
    ages: list[int | None] = [None] * 8 + [-3, 434] + [40] * 10
    rows = profile_rows(20, ages=ages, countries=["US", "XX"] * 10)
    rows["user_id"][19] = rows["user_id"][9]  # a second value for user 1009 on day 9
    repo = contract_catalog(
        {
            **expect(
                AGE,
                "not_null: {max_share: 5%}\nrange: {min: 0, max: 120}\n"
                "unique: true\nmin_rows: 100\n",
            ),
            **expect(COUNTRY, "accepted_values: [US, GB]\n"),
            **expect(PROFILE, "freshness: {error_after: 12h}\nmin_rows: 21\n"),
        },
        rows,
    )
    code, lines = run(repo)
    assert code == 1
    assert lines == [
        f"{P}:8: error: source user_profile: freshness: newest row 2025-06-10 00:00 UTC is 2 days "
        "old, 1 day 12 hours over its error_after limit of 12h [contract-freshness]",
        f"{P}:9: error: source user_profile: min_rows: 20 rows, expected at least 21 "
        "[contract-min_rows]",
        f"{A}:9: error: feature user_age: not_null: null share 40% (8 of 20 rows), allowed 5% "
        "[contract-not_null]",
        "    user_id=1000 at 2025-06-01 00:00:00 UTC",
        "    user_id=1001 at 2025-06-02 00:00:00 UTC",
        "    user_id=1002 at 2025-06-03 00:00:00 UTC",
        "    user_id=1003 at 2025-06-04 00:00:00 UTC",
        "    user_id=1004 at 2025-06-05 00:00:00 UTC",
        f"{A}:10: error: feature user_age: range: 2 values outside 0..120 (lowest -3, highest "
        "434) [contract-range]",
        "    user_id=1008 at 2025-06-09 00:00:00 UTC: -3",
        "    user_id=1009 at 2025-06-10 00:00:00 UTC: 434",
        f"{A}:11: error: feature user_age: unique: 1 join key and timestamp pair holds more than "
        "one value [contract-unique]",
        "    user_id=1009 at 2025-06-10 00:00:00 UTC (2 values)",
        f"{A}:12: error: feature user_age: min_rows: 12 rows with a value, expected at least 100 "
        "[contract-min_rows]",
        f"{C}:8: error: feature user_country: accepted_values: 10 rows hold values not accepted, "
        "such as 'XX'; accepted: 'US', 'GB' [contract-accepted_values]",
        # The earliest failing rows (then by keys): the same five on every run.
        "    user_id=1001 at 2025-06-02 00:00:00 UTC: 'XX'",
        "    user_id=1011 at 2025-06-02 00:00:00 UTC: 'XX'",
        "    user_id=1003 at 2025-06-04 00:00:00 UTC: 'XX'",
        "    user_id=1013 at 2025-06-04 00:00:00 UTC: 'XX'",
        "    user_id=1005 at 2025-06-06 00:00:00 UTC: 'XX'",
        "FAILED: 7 of 7 expectations failed (now 2025-06-12 00:00 UTC)",
    ]


def test_a_warning_is_reported_and_passes(contract_catalog: Make) -> None:
    ages: list[int | None] = [None] * 3 + [30] * 17
    repo = contract_catalog(
        expect(AGE, "not_null: {max_share: 10%, severity: warn}\nrange: {min: 0}\n"),
        profile_rows(20, ages=ages),
    )
    code, lines = run(repo)
    assert code == 0
    assert lines[0] == (
        f"{A}:9: warning: feature user_age: not_null: null share 15% (3 of 20 rows), allowed 10% "
        "[contract-not_null]"
    )
    assert lines[-1] == "OK: 1 of 2 expectations hold, 1 warned (now 2025-06-12 00:00 UTC)"


@pytest.mark.parametrize(
    ("now", "status", "said"),
    [
        ("2025-06-11T00:00:00Z", 0, "OK: 1 of 1 expectation hold"),
        (
            "2025-06-13T06:00:00Z",
            0,
            "newest row 2025-06-10 00:00 UTC is 3 days 6 hours old, "
            "1 day 6 hours over its warn_after limit of 2d",
        ),
        (
            "2025-06-20T00:00:00",
            1,
            "newest row 2025-06-10 00:00 UTC is 10 days old, 3 days over "
            "its error_after limit of 7d",
        ),
    ],
)
def test_freshness_against_a_pinned_now(
    contract_catalog: Make, now: str, status: int, said: str
) -> None:
    repo = contract_catalog(expect(PROFILE, "freshness: {warn_after: 2d, error_after: 7d}\n"))
    result = cli("test", "--now", now, cwd=repo)
    assert result.exit_code == status
    assert said in result.stdout


def test_selection(contract_catalog: Make) -> None:
    files = {
        **expect(AGE, "range: {min: 0}\nunique: true\n"),
        **expect(COUNTRY, "accepted_values: [US, GB]\n"),
        **expect(PROFILE, "min_rows: 1\n"),
    }
    repo = contract_catalog(files)

    def ran(*args: str) -> list[tuple[str, str]]:
        result = cli("test", "--now", NOW, "--format", "json", *args, cwd=repo)
        assert result.exit_code == 0, result.output
        return [(r["name"], r["kind"]) for r in json.loads(result.stdout)["results"]]

    everything = [
        ("user_profile", "min_rows"),
        ("user_age", "range"),
        ("user_age", "unique"),
        ("user_country", "accepted_values"),
    ]
    assert ran() == everything
    assert ran("user_country") == [
        ("user_profile", "min_rows"),
        ("user_country", "accepted_values"),
    ]
    assert ran("--tag", "demographics") == everything[:3]  # only user_age has the tag
    assert ran("--owner", "risk") == []
    assert ran("--model", "churn_model") == everything
    assert ran("--source", "user_profile", "--kind", "range") == [("user_age", "range")]
    assert ran("--skip", "unique", "--skip", "min_rows") == [
        ("user_age", "range"),
        ("user_country", "accepted_values"),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["user_ag"], "unknown feature or source 'user_ag' (did you mean 'user_age'?)"),
        (["--model", "churn"], "unknown model 'churn' (did you mean 'churn_model'?)"),
        (
            ["--skip", "uniq"],
            "unknown expectation kind 'uniq' (did you mean 'unique'?); the kinds "
            "are: not_null, range, accepted_values, unique, min_rows, drift, freshness",
        ),
        (["--now", "yesterday"], "'yesterday' is not a date or time"),
        (["--engine", "spark"], "featurecat test measures data with DuckDB only"),
    ],
)
def test_usage_errors_exit_2(contract_catalog: Make, args: list[str], message: str) -> None:
    repo = contract_catalog(expect(AGE, "unique: true\n"))
    result = cli("test", *args, cwd=repo)
    assert result.exit_code == 2
    assert message in result.output


def test_the_results_file_is_written_and_reads_back(contract_catalog: Make, tmp_path: Path) -> None:
    repo = contract_catalog(expect(AGE, "range: {min: 0, max: 10}\n"))
    run(repo)
    default = repo / "catalog/.featurecat/results/contracts.json"
    results = loads(default.read_text())
    (outcome,) = results.outcomes
    assert (outcome.name, outcome.kind, outcome.status, outcome.line) == (
        "user_age",
        "range",
        "fail",
        9,
    )
    assert outcome.relpath == "features/user/user_age.yaml"
    assert results.sources["user_profile"].rows == 20
    assert (repo / "catalog/.featurecat/results/.gitignore").read_text().endswith("*\n")
    chosen = tmp_path / "out" / "r.json"
    run(repo, "--results", str(chosen))
    assert loads(chosen.read_text()).outcomes == results.outcomes


def test_missing_data_and_columns_fail_the_expectations_they_reach(contract_catalog: Make) -> None:
    files = {
        **expect(AGE, "range: {min: 0}\n"),
        **expect(COUNTRY, "not_null: true\n"),
        COUNTRY: expect(COUNTRY, "not_null: true\n")[COUNTRY].replace(
            "column: country", "column: nation"
        ),
    }
    repo = contract_catalog(files)
    code, lines = run(repo)
    assert code == 1
    assert lines[0].startswith(
        f"{C}:8: error: feature user_country: not_null: column 'nation' is not in source"
    )
    assert lines[-1] == "FAILED: 1 of 2 expectations failed (now 2025-06-12 00:00 UTC)"
    (repo / "catalog/data/user_profile.parquet").unlink()
    code, lines = run(repo)
    assert code == 1
    assert "no data file at catalog/data/user_profile.parquet for source 'user_profile'" in lines[0]


def test_nan_counts_as_null_and_stays_out_of_ranges(contract_catalog: Make) -> None:
    """Parquet written by Spark keeps NaN; pandas (and the loader) show it as null."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    score = "features/user/user_score.yaml"
    repo = contract_catalog(
        {
            score: "name: user_score\ndescription: A score.\nowner: growth\n"
            "source: user_profile\ndtype: float64\nexpect:\n"
            "  not_null: {max_share: 10%}\n  range: {min: 0, max: 1}\n",
        }
    )
    rows = profile_rows(20)
    data = repo / "catalog/data/user_profile.parquet"
    table = pq.read_table(data).append_column(
        "user_score", pa.array([float("nan")] * 4 + [0.5] * 15 + [7.0], pa.float64())
    )
    pq.write_table(table, data)
    assert len(rows["user_id"]) == 20
    code, lines = run(repo)
    assert code == 1
    assert lines[0] == (
        "catalog/features/user/user_score.yaml:7: error: feature user_score: not_null: null "
        "share 20% (4 of 20 rows), allowed 10% [contract-not_null]"
    )
    # The range fails on 7, not on NaN. (How many rows fail is counted by DuckDB, which
    # counts NaN read from parquet as out of range when rows are gathered in the same query.)
    assert lines[5].startswith(
        "catalog/features/user/user_score.yaml:8: error: feature user_score: range: "
    )
    assert lines[5].endswith("outside 0..1 (lowest 0.5, highest 7) [contract-range]")
