"""Every output format of ``featurecat test``, and hostile values in failing rows shown safely."""

from __future__ import annotations

import json
from pathlib import Path

import lxml.etree as etree
import pytest

from tests.contracts.conftest import AGE, COUNTRY, NOW, Make, expect, profile_rows
from tests.support import cli

XSD = etree.XMLSchema(etree.parse(str(Path(__file__).with_name("junit.xsd"))))
HOSTILE = "\x1b]52;c;cm0gLXJmIH4=\x07<script>alert(1)</script>\nFAKE:1: error: x"


@pytest.fixture
def failing(contract_catalog: Make) -> Path:
    """user_age fails its range (error) and its nulls (warn); user_country holds a hostile
    value it does not accept; the source is fine."""
    ages: list[int | None] = [None] * 2 + [500] + [30] * 17
    countries: list[str | None] = [HOSTILE] + ["US"] * 19
    return contract_catalog(
        {
            **expect(AGE, "not_null: {severity: warn}\nrange: {max: 120}\n"),
            **expect(COUNTRY, "accepted_values: [US]\n"),
            **expect("sources/user_profile.yaml", "min_rows: 1\n"),
        },
        profile_rows(20, ages=ages, countries=countries),
    )


def run_test(repo: Path, fmt: str) -> tuple[int, str]:
    result = cli("test", "--now", NOW, "--format", fmt, cwd=repo)
    return result.exit_code, result.stdout


def test_json(failing: Path) -> None:
    code, out = run_test(failing, "json")
    assert code == 1
    document = json.loads(out)
    assert document["ok"] is False
    assert document["counts"] == {"pass": 1, "warn": 1, "fail": 2, "error": 0}
    by_kind = {(r["name"], r["kind"]): r for r in document["results"]}
    rng = by_kind[("user_age", "range")]
    assert rng["status"] == "fail" and rng["severity"] == "error"
    assert rng["path"] == "catalog/features/user/user_age.yaml" and rng["line"] == 10
    assert rng["message"] == "1 values outside -inf..120 (lowest 30, highest 500)"
    assert rng["examples"] == ["user_id=1002 at 2025-06-03 00:00:00 UTC: 500"]
    # A text value is shown as a quoted literal, its control characters escaped.
    assert by_kind[("user_country", "accepted_values")]["examples"] == [
        "user_id=1000 at 2025-06-01 00:00:00 UTC: " + repr(HOSTILE)
    ]


def test_github_annotations_sit_on_the_expectations_lines(failing: Path) -> None:
    code, out = run_test(failing, "github")
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == (
        "::warning file=catalog/features/user/user_age.yaml,line=9::feature user_age: not_null: "
        "2 of 20 rows are null, allowed none; failing rows: user_id=1000 at 2025-06-01 00:00:00 "
        "UTC; user_id=1001 at 2025-06-02 00:00:00 UTC [contract-not_null]"
    )
    assert lines[1].startswith("::error file=catalog/features/user/user_age.yaml,line=10::")
    hostile = lines[2]
    assert hostile.startswith("::error file=catalog/features/user/user_country.yaml,line=8::")
    assert "\x1b" not in hostile and "\n" not in hostile and "\\x1b]52" in hostile
    assert (
        lines[-1]
        == "::notice::FAILED: 2 of 4 expectations failed, 1 warned (now 2025-06-12 00:00 UTC)"
    )
    assert len(lines) == 4


def test_junit_is_valid_and_says_what_failed(failing: Path) -> None:
    code, out = run_test(failing, "junit")
    assert code == 1
    document = etree.fromstring(out.encode())
    XSD.assertValid(document)
    assert document.get("tests") == "4" and document.get("failures") == "2"
    cases = {c.get("name"): c for c in document.iter("testcase")}
    assert set(cases) == {
        "user_profile: min_rows",
        "user_age: not_null",
        "user_age: range",
        "user_country: accepted_values",
    }
    failure = cases["user_age: range"].find("failure")
    assert failure is not None and failure.get("type") == "range"
    assert failure.text is not None and failure.text.startswith(
        "catalog/features/user/user_age.yaml:10: error: feature user_age: range: 1 values outside"
    )
    assert cases["user_age: not_null"].find("failure") is None
    assert "not_null" in (cases["user_age: not_null"].findtext("system-out") or "")
    hostile = cases["user_country: accepted_values"].find("failure")
    assert hostile is not None and "\\x1b]52" in (hostile.text or "")


def test_junit_with_an_unreadable_source_is_an_error_case(failing: Path) -> None:
    (failing / "catalog/data/user_profile.parquet").write_bytes(b"not parquet")
    code, out = run_test(failing, "junit")
    assert code == 1
    document = etree.fromstring(out.encode())
    XSD.assertValid(document)
    assert document.get("errors") == "4"


def test_text_escapes_hostile_values(failing: Path) -> None:
    code, out = run_test(failing, "text")
    assert code == 1
    assert "\x1b" not in out and "\x07" not in out
    (row,) = [line for line in out.splitlines() if "script" in line and line.startswith(" ")]
    assert row == (
        "    user_id=1000 at 2025-06-01 00:00:00 UTC: '\\x1b]52;c;cm0gLXJmIH4=\\x07<script>"
        "alert(1)</script>\\nFAKE:1: error: x'"
    )
