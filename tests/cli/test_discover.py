"""``featurecat list``, ``show`` and ``search`` on the example catalog."""

from __future__ import annotations

import json
from pathlib import Path

from featurecat.names import LOOKUP_KINDS, OBJECT_KINDS, SUMMARY_KINDS, Kind
from tests.conftest import EXAMPLE_CATALOG
from tests.support import cli, make_catalog


def catalog_cli(*args: str) -> tuple[int, str]:
    result = cli(*args, "--catalog", EXAMPLE_CATALOG)
    return result.exit_code, result.output


def names_in(output: str) -> list[str]:
    return [line.split()[0] for line in output.splitlines()[1:]]


def test_list_features_with_filters() -> None:
    code, output = catalog_cli("list")
    assert code == 0
    assert output.splitlines()[0].split() == [
        "NAME",
        "DTYPE",
        "OWNER",
        "ENTITY",
        "STATUS",
        "VERSION",
        "TAGS",
    ]
    assert len(names_in(output)) == 23
    assert names_in(output) == sorted(names_in(output))

    _, output = catalog_cli("list", "--owner", "risk")
    assert names_in(output) == [
        "merchant_chargeback_rate_90d",
        "merchant_is_high_risk",
        "user_is_verified",
        "user_merchant_gmv_90d",
        "user_merchant_orders_90d",
    ]
    _, output = catalog_cli("list", "--entity", "user_merchant")
    assert names_in(output) == ["user_merchant_gmv_90d", "user_merchant_orders_90d"]
    _, output = catalog_cli("list", "--status", "deprecated")
    assert names_in(output) == ["user_order_count_30d"]
    _, output = catalog_cli("list", "--tag", "pii", "--status", "production")
    assert "user_age" in names_in(output)
    assert all("pii" in line for line in output.splitlines()[1:])


def test_list_other_kinds_and_json() -> None:
    _, output = catalog_cli("list", "--kind", "team")
    assert names_in(output) == ["data_science", "growth", "payments", "risk"]
    code, output = catalog_cli("list", "--kind", "model", "--format", "json")
    assert code == 0
    models = json.loads(output)
    assert [m["name"] for m in models] == ["churn_model", "fraud_model"]
    assert "user_age" in models[0]["features"]


def test_list_with_no_match_says_so_and_why() -> None:
    result = cli("list", "--catalog", EXAMPLE_CATALOG, "--owner", "nobody")
    assert result.exit_code == 0
    assert result.output == "no features match; no team is called 'nobody'\n"
    result = cli("list", "--catalog", EXAMPLE_CATALOG, "--owner", "grwth", "--tag", "piii")
    assert result.output == (
        "no features match; no team is called 'grwth' (did you mean 'growth'?); "
        "no feature is tagged 'piii' (did you mean 'pii'?)\n"
    )
    result = cli("list", "--catalog", EXAMPLE_CATALOG, "--owner", "risk", "--tag", "pii")
    assert result.output == "no features match\n"  # both exist, just not together


def test_list_refuses_filters_that_do_not_apply_to_the_kind() -> None:
    code, output = catalog_cli("list", "--kind", "source", "--tag", "pii")
    assert code == 2
    assert "--kind source takes only --owner, --entity; drop --tag" in output
    code, output = catalog_cli("list", "--kind", "team", "--owner", "growth")
    assert code == 2
    assert "--kind team takes no filters; drop --owner" in output
    _, output = catalog_cli("list", "--kind", "source", "--entity", "merchant")
    assert names_in(output) == ["merchant_stats"]


def test_show_feature_includes_users_and_file() -> None:
    code, output = catalog_cli("show", "user_age")
    assert code == 0
    assert "feature user_age" in output
    assert "  owner: growth" in output
    assert "  entity: user (join keys: user_id)" in output
    assert "  used by: churn_model (data_science)" in output
    assert "features/user/user_age.yaml" in output
    assert "featurecat.load_features(['user_age'], entity_df=df)" in output


def test_show_puts_a_contract_on_one_readable_line() -> None:
    _, output = catalog_cli("show", "user_age")
    (line,) = [x for x in output.splitlines() if x.startswith("  expect: ")]
    assert "not_null (severity warn, max_share 0.1)" in line  # not a Python dict's repr
    assert "{" not in line and "None" not in line


def test_show_team_and_source_list_what_they_own() -> None:
    _, output = catalog_cli("show", "payments")
    assert "team payments" in output
    assert "orders_30d" in output.split("  features:")[1].splitlines()[0]
    _, output = catalog_cli("show", "user_profile", "--format", "json")
    (shown,) = json.loads(output)
    assert shown["kind"] == "source"
    assert "user_age" in shown["related"]["features"]


def test_show_unknown_name_suggests() -> None:
    code, output = catalog_cli("show", "user_ag")
    assert code == 2  # an unknown name is a usage error, as the README's table says
    assert "unknown object 'user_ag'. Did you mean 'user_age'" in output


def test_search_ranks_names_before_descriptions() -> None:
    code, output = catalog_cli("search", "user", "age")
    assert code == 0
    assert names_in(output)[0] == "user_age"
    _, output = catalog_cli("search", "chargeback", "--format", "json")
    hits = json.loads(output)
    names = [h["name"] for h in hits]
    assert names[:2] == ["chargebacks_180d", "merchant_chargeback_rate_90d"] or names[:2] == [
        "merchant_chargeback_rate_90d",
        "chargebacks_180d",
    ]
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)


def test_search_finds_words_in_any_script(tmp_path: Path) -> None:
    root = make_catalog(tmp_path / "catalog")
    age = root / "features/user/user_age.yaml"
    age.write_text(
        age.read_text().replace("Age of the user in years.", "Возраст пользователя, 用户年龄.")
    )
    for query in ("возраст", "ВОЗРАСТ", "用户"):
        result = cli("search", query, "--catalog", root)
        assert names_in(result.output) == ["user_age"], (query, result.output)


def test_show_suggests_names_of_the_asked_kind_only() -> None:
    code, output = catalog_cli("show", "user_age", "--kind", "model")
    assert code == 2
    assert "unknown model 'user_age'." in output
    assert "Did you mean" not in output


def test_search_by_tag(tmp_path: Path) -> None:
    root = make_catalog(tmp_path / "catalog")
    result = cli("search", "demographics", "--catalog", root)
    assert names_in(result.output) == ["user_age"]
    result = cli("search", "zzzz", "--catalog", root)
    assert result.exit_code == 0
    assert "nothing matches 'zzzz'" in result.output


def test_commands_on_an_invalid_catalog_fail_with_errors(tmp_path: Path) -> None:
    root = make_catalog(tmp_path / "catalog", {"teams/risk.yaml": "name: risk\nslack: x\n"})
    result = cli("list", "--catalog", root)
    assert result.exit_code == 1
    assert "teams/risk.yaml:2: error: unknown field 'slack'" in result.output


def test_every_kind_is_looked_up_searched_and_counted() -> None:
    """The other kind orders are orders of every object kind: a new kind is in all of them."""
    assert sorted(LOOKUP_KINDS) == sorted(OBJECT_KINDS)
    assert sorted(SUMMARY_KINDS) == sorted(OBJECT_KINDS)
    assert LOOKUP_KINDS[0] is Kind.FEATURE  # a bare name is a feature's first


def test_show_finds_each_kind_and_prefers_the_feature(tmp_path: Path) -> None:
    root = make_catalog(
        tmp_path / "catalog",
        {"teams/user_age.yaml": "name: user_age\ndescription: A team named like a feature.\n"},
    )
    result = cli("show", "user_age", "--catalog", root)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("feature user_age\n")
    assert cli("show", "user_age", "--kind", "team", "--catalog", root).output.startswith(
        "team user_age\n"
    )
