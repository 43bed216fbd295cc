"""What changing a contract means for consumers: tightening is compatible, loosening warns."""

from __future__ import annotations

from pathlib import Path

import pytest

from featurecat import Catalog
from featurecat.compat import assess
from featurecat.diff import compare
from featurecat.load import load_catalog
from tests.support import BASE_CATALOG, make_catalog

AGE = "features/user/user_age.yaml"
PROFILE = "sources/user_profile.yaml"


def level_and_reason(
    tmp_path: Path, relpath: str, old: str | None, new: str | None
) -> tuple[str, str]:
    def files(block: str | None) -> dict[str, str]:
        return {relpath: BASE_CATALOG[relpath] + (f"expect:\n{block}" if block else "")}

    before = Catalog.load(make_catalog(tmp_path / "old", files(old)))
    result = load_catalog(make_catalog(tmp_path / "new", files(new)))
    assert result.catalog is not None and not result.errors
    report = assess(compare(before, result.catalog), result.diagnostics)
    # A loosened source contract also reaches its features, so their users are named.
    assessment = report.assessments[0]
    (finding,) = assessment.findings
    assert finding.field == "expect"
    return finding.level, finding.reason


@pytest.mark.parametrize(
    ("old", "new", "level", "why"),
    [
        (None, "  not_null: true\n", "compatible", "contract tightened"),
        ("  not_null: {max_share: 10%}\n", "  not_null: true\n", "compatible", "tightened"),
        ("  range: {min: 0}\n", "  range: {min: 0, max: 120}\n", "compatible", "tightened"),
        ("  not_null: {severity: warn}\n", "  not_null: true\n", "compatible", "tightened"),
        ("  not_null: true\n", None, "warning", "not_null removed"),
        ("  not_null: true\n", "  not_null: {max_share: 5%}\n", "warning", "more nulls allowed"),
        ("  range: {min: 0, max: 120}\n", "  range: {min: 0}\n", "warning", "upper bound relaxed"),
        ("  unique: true\n", "  unique: {severity: warn}\n", "warning", "severity error -> warn"),
        (
            "  accepted_values: [1, 2]\n",
            "  accepted_values: [1, 2, 3]\n",
            "warning",
            "accepts 3 too",
        ),
        ("  min_rows: 10\n", "  min_rows: 5\n", "warning", "fewer rows allowed"),
        ("  drift: true\n", "  drift: {max_psi: 0.5}\n", "warning", "max_psi relaxed"),
    ],
)
def test_feature_contract_changes(
    tmp_path: Path, old: str | None, new: str | None, level: str, why: str
) -> None:
    got_level, reason = level_and_reason(tmp_path, AGE, old, new)
    assert got_level == level
    assert why in reason


@pytest.mark.parametrize(
    ("old", "new", "level"),
    [
        ("  freshness: {error_after: 7d}\n", "  freshness: {error_after: 2d}\n", "compatible"),
        ("  freshness: {error_after: 2d}\n", "  freshness: {error_after: 7d}\n", "warning"),
        (
            "  freshness: {warn_after: 1d, error_after: 7d}\n",
            "  freshness: {error_after: 7d}\n",
            "warning",
        ),
        (None, "  min_rows: 100\n", "compatible"),
    ],
)
def test_source_contract_changes(
    tmp_path: Path, old: str | None, new: str | None, level: str
) -> None:
    assert level_and_reason(tmp_path, PROFILE, old, new)[0] == level


def test_a_loosened_contract_never_asks_for_a_version_bump(tmp_path: Path) -> None:
    before = Catalog.load(
        make_catalog(tmp_path / "old", {AGE: BASE_CATALOG[AGE] + "expect:\n  not_null: true\n"})
    )
    after = Catalog.load(make_catalog(tmp_path / "new"))
    report = assess(compare(before, after))
    assert not report.failed
    assert [a.level for a in report.assessments] == ["warning"]
