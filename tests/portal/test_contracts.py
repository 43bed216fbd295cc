"""Contract results on the built portal: a badge per feature, freshness on feature and source
pages, the features table's contracts column (its data file, and its filter), a model's
verdict, failing rows with hostile values shown as text, and incremental builds that notice a
new results file. Real `featurecat test`, real `featurecat docs build`, real HTML."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.portal.conftest import copy_example
from tests.portal.test_incremental import counts
from tests.support import cli, commit_all, init_repo

NOW = "2025-07-04T06:00:00Z"
HOSTILE = "<script>alert('x')</script>"
STALE = "newest row 2025-06-30, 1 day 5 hours over its freshness limit (error_after 3d)"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The example catalog, committed, with one more user_profile row whose country is
    markup (user_country's accepted_values fails, and user_age's uniqueness)."""
    repo = init_repo(tmp_path / "repo")
    catalog = copy_example(repo)
    path = catalog / "data/user_profile.parquet"
    table = pq.read_table(path)
    row = table.slice(0, 1).to_pylist()
    row[0]["country"] = HOSTILE
    pq.write_table(pa.concat_tables([table, pa.Table.from_pylist(row, schema=table.schema)]), path)
    commit_all(repo, "Add the Acme catalog", date="2025-03-01T09:00:00+00:00")
    return repo


def build(repo: Path, out: Path) -> str:
    result = cli("docs", "build", "--catalog", repo / "catalog", "--out", out)
    assert result.exit_code == 0, result.output
    return result.output


def run_contracts(repo: Path) -> None:
    result = cli("test", "--catalog", repo / "catalog", "--now", NOW)
    assert result.exit_code == 1, result.output  # user_country fails


def page(out: Path, path: str) -> str:
    return " ".join((out / path / "index.html").read_text(encoding="utf-8").split())


def badge(html: str) -> str | None:
    found = re.search(r'fc-contract-status">contracts <span class="fc-badge fc-badge--(\w+)"', html)
    return found.group(1) if found else None


def table_data(out: Path) -> dict[str, dict[str, object]]:
    text = (out / "assets/featurecat/features.js").read_text(encoding="ascii")
    data = json.loads(text.removeprefix("window.featurecatFeatures = ").rstrip(";\n"))
    return {row[0]: dict(zip(data["columns"], row, strict=True)) for row in data["rows"]}


def test_the_portal_shows_each_features_contracts_from_the_results_file(
    repo: Path, tmp_path: Path
) -> None:
    run_contracts(repo)
    out = tmp_path / "out"
    build(repo, out)

    country = page(out, "features/user_country")
    assert badge(country) == "failing"
    assert '<span class="fc-badge fc-badge--fail">fail</span>' in country
    # The failing row's value is text on the page, never markup.
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in country
    assert HOSTILE not in country and "<script>alert" not in country
    assert "user_id=1001 at 2025-01-01 00:00:00 UTC" in country
    assert "as tested 2025-07-04 06:00 UTC" in country

    sessions = page(out, "features/user_sessions_7d")
    assert badge(sessions) == "stale"
    assert f"user_activity_daily</a>: {STALE}." in sessions
    assert badge(page(out, "features/merchant_category")) == "passing"
    assert badge(page(out, "features/user_age")) == "failing"  # the extra row repeats a key

    source = page(out, "sources/user_activity_daily")
    assert f'<td class="fc-freshness">{STALE}</td>' in source
    assert "within its freshness limit (warn_after 35d)" in page(out, "sources/user_profile")

    churn = page(out, "models/churn_model")
    assert re.search(
        r'fc-contract-verdict"><span class="fc-badge fc-badge--failing">failing</span> '
        r"Of its 10 features, 2 failing: user_age, user_country; 5 stale: ",
        churn,
    )

    rows = table_data(out)
    assert rows["user_country"]["contracts"] == "failing"
    assert rows["user_sessions_7d"]["contracts"] == "stale"
    assert rows["merchant_category"]["contracts"] == "passing"
    index = page(out, "features")
    # The table offers a filter by contract status, so failing features are one pick away.
    assert '<th scope="col" data-fc-key="contracts" data-fc-facet>Contracts</th>' in index


def test_without_results_nothing_is_claimed(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(repo, out)
    country = page(out, "features/user_country")
    assert badge(country) is None
    assert "no results yet: run <code>featurecat test</code>" in country
    assert "Declares <code>not_null</code>, <code>accepted_values</code>" in country
    assert "fc-contract-verdict" not in page(out, "models/churn_model")
    assert 'data-fc-key="contracts"' not in page(out, "features")
    assert table_data(out)["user_country"]["contracts"] == "untested"


def test_a_new_results_file_renders_the_pages_it_changes(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_contracts(repo)
    build(repo, out)
    assert "nothing changed since the site" in build(repo, out)
    # The next morning: user_activity_daily is older still, and nothing else changed.
    result = cli("test", "--catalog", repo / "catalog", "--now", "2025-07-05T06:00:00Z")
    assert result.exit_code == 1
    rendered, reused = counts(build(repo, out))
    assert rendered > 0 and reused > 0
    later = "newest row 2025-06-30, 2 days 5 hours over its freshness limit (error_after 3d)"
    assert later in page(out, "features/user_sessions_7d")
    assert later in page(out, "sources/user_activity_daily")
    assert "as tested 2025-07-05 06:00 UTC" in page(out, "features/user_country")
