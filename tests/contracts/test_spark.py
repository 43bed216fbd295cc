"""``featurecat test --engine spark``: the same expectations, measured by Spark, give the
same results as DuckDB, line for line (the DuckDB tests say what those results are)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.contracts.conftest import AGE, COUNTRY, NOW, PROFILE, Make, expect, profile_rows
from tests.retrieval.conftest import spark  # noqa: F401  (the one session of the run)
from tests.support import cli

# Every test here runs with the run's one Spark session active, which the engine picks up.
pytestmark = [pytest.mark.spark, pytest.mark.usefixtures("spark")]


def both(catalog: Path, results: Path, *args: str) -> dict[str, tuple[int, str]]:
    """Exit code and output of ``featurecat test`` on each engine."""
    found = {}
    for engine in ("duckdb", "spark"):
        result = cli(
            "test",
            "--catalog",
            catalog,
            "--engine",
            engine,
            "--results",
            results / f"{engine}.json",
            *args,
        )
        found[engine] = (result.exit_code, result.stdout)
    return found


def test_spark_measures_the_example_catalog_as_duckdb_does(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog"
    shutil.copytree(REPO_ROOT / "catalog", catalog, ignore=shutil.ignore_patterns(".featurecat"))
    found = both(catalog, tmp_path, "--now", "2025-07-04T06:00:00Z", "--format", "json")
    assert found["spark"] == found["duckdb"]
    code, output = found["spark"]
    outcomes = json.loads(output)["results"]
    assert code == 1
    # Parquet and CSV sources, every kind the pass measures, passing, warning and failing.
    assert {o["kind"] for o in outcomes} >= {
        "not_null",
        "range",
        "accepted_values",
        "unique",
        "min_rows",
        "freshness",
    }
    assert {o["status"] for o in outcomes} == {"pass", "warn", "fail"}
    warned = [(o["name"], o["kind"]) for o in outcomes if o["status"] == "warn"]
    assert ("user_age", "not_null") in warned


def test_spark_finds_the_same_failures_rows_and_values(
    contract_catalog: Make, tmp_path: Path
) -> None:
    ages: list[int | None] = [None] * 8 + [-3, 434] + [40] * 10
    countries: list[str | None] = ["US", "<b>\x1b[31mXX"] * 9 + [None, "GB"]
    rows = profile_rows(20, ages=ages, countries=countries)
    rows["user_id"][19] = rows["user_id"][9]  # a second value for user 1009 on day 9
    repo = contract_catalog(
        {
            **expect(
                AGE,
                "not_null: {max_share: 5%}\nrange: {min: 0, max: 120}\n"
                "unique: true\nmin_rows: 100\n",
            ),
            **expect(COUNTRY, "accepted_values: [US, GB]\nnot_null: {max_share: 1%}\n"),
            **expect(PROFILE, "freshness: {error_after: 12h}\nmin_rows: 21\n"),
        },
        rows,
    )
    found = both(repo / "catalog", tmp_path, "--now", NOW)
    assert found["spark"] == found["duckdb"]
    code, output = found["spark"]
    assert code == 1
    assert "FAILED: 8 of 8 expectations failed" in output
    assert "user_id=1001 at 2025-06-02 00:00:00 UTC: '<b>\\x1b[31mXX'" in output


def test_spark_says_when_it_cannot_read_the_data(contract_catalog: Make, tmp_path: Path) -> None:
    repo = contract_catalog(expect(AGE, "not_null: true\n"))
    (repo / "catalog/data/user_profile.parquet").write_bytes(b"not parquet")
    found = both(repo / "catalog", tmp_path, "--now", NOW)
    assert [code for code, _ in found.values()] == [1, 1]
    assert "Traceback" not in found["spark"][1]
    assert "user_age: not_null" in found["spark"][1]
