"""Search that knows the catalog: facets, filters and ranking, in the terminal and in Python."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

import featurecat
from featurecat.names import Kind
from featurecat.query import WEIGHTS, Query, search
from tests.conftest import EXAMPLE_CATALOG
from tests.support import build_tree, cli, make_catalog


def rows(output: str) -> list[list[str]]:
    """The table's rows split on runs of two spaces (cells may hold single spaces)."""
    import re

    return [re.split(r"\s{2,}", line.strip()) for line in output.splitlines()[1:]]


def test_results_say_kind_owner_and_status() -> None:
    result = cli("search", "chargeback", "--catalog", EXAMPLE_CATALOG)
    assert result.exit_code == 0
    assert result.output.splitlines()[0].split() == [
        "NAME",
        "KIND",
        "OWNER",
        "STATUS",
        "DESCRIPTION",
    ]
    first = rows(result.output)[0]
    assert first[:4] in (
        ["chargebacks_180d", "feature", "payments", "production"],
        ["merchant_chargeback_rate_90d", "feature", "risk", "production"],
    )


def test_owner_and_dtype_words_find_objects_by_their_facets() -> None:
    """'growth' finds the team and what it owns; 'int64' finds features of that dtype."""
    result = cli("search", "growth", "--limit", "0", "--catalog", EXAMPLE_CATALOG)
    found = rows(result.output)
    assert found[0][:2] == ["growth", "team"]  # the exact name first
    owned = {r[0] for r in found if r[1] == "feature"}
    assert {"user_age", "user_country", "user_sessions_7d"} <= owned
    assert all(r[2] == "growth" for r in found if r[1] == "feature")

    result = cli(
        "search", "int64", "--limit", "0", "--format", "json", "--catalog", EXAMPLE_CATALOG
    )
    hits = json.loads(result.output)
    assert {h["name"] for h in hits} == {
        "merchant_active_listings",
        "orders_30d",
        "user_age",
        "user_merchant_orders_90d",
        "user_order_count_30d",
        "user_sessions_30d",
    }
    assert {h["kind"] for h in hits} == {"feature"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "owner:risk kind:feature",
            {
                "merchant_chargeback_rate_90d",
                "merchant_is_high_risk",
                "user_is_verified",
                "user_merchant_gmv_90d",
                "user_merchant_orders_90d",
            },
        ),
        ("tag:pii", {"user_age"}),
        ("dtype:bool", {"has_saved_card", "merchant_is_high_risk", "user_is_verified"}),
        ("status:deprecated", {"user_order_count_30d"}),
        (
            "entity:user_merchant kind:feature",
            {"user_merchant_gmv_90d", "user_merchant_orders_90d"},
        ),
        (
            "orders entity:user_merchant",
            {"user_merchant_gmv_90d", "user_merchant_orders_90d", "user_merchant_orders"},
        ),
        (
            "kind:source kind:entity merchant",
            {"merchant", "merchant_stats", "user_merchant", "user_merchant_orders"},
        ),
        ("fraud status:draft", {"user_merchant_gmv_90d"}),
    ],
)
def test_filters_narrow_the_results(query: str, expected: set[str]) -> None:
    result = cli(
        "search", *query.split(), "--limit", "0", "--format", "json", "--catalog", EXAMPLE_CATALOG
    )
    assert result.exit_code == 0, result.output
    assert {h["name"] for h in json.loads(result.output)} == expected


def test_unknown_filters_are_usage_errors() -> None:
    result = cli("search", "age", "colour:red", "--catalog", EXAMPLE_CATALOG)
    assert result.exit_code == 2
    assert "unknown filter 'colour:'" in result.output
    assert "owner:, entity:" in result.output
    result = cli("search", "kind:featur", "--catalog", EXAMPLE_CATALOG)
    assert result.exit_code == 2
    assert "kind:featur matches nothing (did you mean 'feature'?)" in result.output


def test_exact_names_then_features_come_first(tmp_path: Path) -> None:
    """A model named like the query beats features that only mention it; on equal points,
    features come before other kinds."""
    root = make_catalog(
        tmp_path / "catalog",
        {
            "models/user_country.yaml": "name: user_country\ndescription: Country model.\n"
            "owner: risk\nfeatures: [user_age]\n",
            "teams/age.yaml": "name: age\ndescription: The age team.\n",
        },
    )
    hits = search(featurecat.Catalog.load(root), "user country", limit=None)
    assert [(h.kind, h.name) for h in hits[:2]] == [
        (Kind.FEATURE, "user_country"),
        (Kind.MODEL, "user_country"),
    ]
    assert all(h.exact for h in hits[:2]) and not any(h.exact for h in hits[2:])
    hits = search(featurecat.Catalog.load(root), "age", limit=None)
    assert (hits[0].kind, hits[0].name) == (Kind.TEAM, "age")  # exact name
    assert (hits[1].kind, hits[1].name) == (Kind.FEATURE, "user_age")


def big_catalog(root: Path, features: int) -> Path:
    """A generated catalog: 20 teams, each owning every 20th feature."""
    files = {
        "featurecat.yaml": "name: big\ndescription: Generated.\n",
        "entities/thing.yaml": "name: thing\ndescription: A thing.\njoin_keys: [thing_id]\n",
        "sources/events.yaml": "name: events\ndescription: Events.\nowner: team_0\n"
        "entity: thing\npath: events.parquet\ntimestamp: event_timestamp\n",
    }
    for t in range(20):
        files[f"teams/team_{t}.yaml"] = f"name: team_{t}\ndescription: Team {t}.\n"
    for f in range(features):
        files[f"features/g{f % 10}/feature_{f}.yaml"] = textwrap.dedent(f"""\
            name: feature_{f}
            description: Feature {f}, counted for team {f % 20} over {f % 3} days.
            owner: team_{f % 20}
            source: events
            dtype: int64
            tags: [tag_{f % 7}]
            """)
    return build_tree(root, files)


@pytest.mark.slow
def test_at_two_thousand_features_the_team_comes_first(tmp_path: Path) -> None:
    root = big_catalog(tmp_path / "catalog", 2000)
    result = cli("search", "team_3", "--catalog", root)
    assert result.exit_code == 0, result.output
    found = rows(result.output)
    assert found[0][:2] == ["team_3", "team"]
    assert len(found) == 20
    assert all(r[1] == "feature" and r[2] == "team_3" for r in found[1:])


def test_the_weights_rank_names_over_tags_over_text() -> None:
    assert WEIGHTS["name_word"] > WEIGHTS["name_part"] > WEIGHTS["tag"] > WEIGHTS["facet"]
    assert WEIGHTS["facet"] > WEIGHTS["text"]
    assert Query.parse("Age OWNER:Growth tag:pii").filters == {
        "owner": frozenset({"growth"}),
        "tag": frozenset({"pii"}),
    }
    assert Query.parse("Age OWNER:Growth tag:pii").words == ("age",)


def test_python_search_returns_typed_hits() -> None:
    hits = featurecat.search("age owner:growth", catalog=EXAMPLE_CATALOG)
    assert hits[0].name == "user_age"
    assert (hits[0].kind, hits[0].owner, hits[0].status) == (Kind.FEATURE, "growth", "production")
    assert "date of birth" in hits[0].description
    catalog = featurecat.Catalog.load(EXAMPLE_CATALOG)
    assert [h.name for h in featurecat.search("tag:pii", catalog=catalog)] == ["user_age"]
    with pytest.raises(featurecat.FeaturecatError, match="unknown filter 'size:'"):
        featurecat.search("size:big", catalog=catalog)
