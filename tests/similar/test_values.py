"""``validate --check-data`` flags numeric features whose values agree on shared keys and times."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from featurecat.similar import Candidate, value_candidates
from tests.support import cli, init_repo, make_catalog

USERS = 200


def feature(name: str, source: str, column: str, description: str) -> str:
    return textwrap.dedent(f"""\
        name: {name}
        description: {description}
        owner: growth
        source: {source}
        column: {column}
        dtype: int64
        """)


def catalog_with_facts(tmp_path: Path) -> Path:
    repo = init_repo(tmp_path / "repo")
    root = make_catalog(
        repo / "catalog",
        {
            "sources/user_facts.yaml": textwrap.dedent("""\
                name: user_facts
                description: Facts about users, from the CRM.
                owner: growth
                entity: user
                path: user_facts.parquet
                timestamp: updated_at
                """),
            "features/user/age_estimate.yaml": feature(
                "age_estimate", "user_facts", "crm_age", "From the CRM."
            ),
            "features/user/age_bucket_rank.yaml": feature(
                "age_bucket_rank", "user_facts", "bucket", "Rank of the CRM's age bucket."
            ),
        },
    )
    (root / "data").mkdir()
    ids = list(range(USERS))
    times = pa.array([1_735_689_600_000_000] * USERS, pa.timestamp("us", tz="UTC"))
    ages = [20 + i % 50 for i in ids]
    pq.write_table(
        pa.table(
            {"user_id": ids, "event_timestamp": times, "user_age": ages, "country": ["se"] * USERS}
        ),
        root / "data/user_profile.parquet",
    )
    crm = [*ages[:-1], 99]  # one of 200 differs: 99.5% agree
    pq.write_table(
        pa.table(
            {"user_id": ids, "updated_at": times, "crm_age": crm, "bucket": [a // 10 for a in ages]}
        ),
        root / "data/user_facts.parquet",
    )
    return root


def test_agreeing_values_are_flagged_with_check_data_only(tmp_path: Path) -> None:
    root = catalog_with_facts(tmp_path)
    plain = cli("validate", "--catalog", root, cwd=tmp_path)
    assert plain.exit_code == 0, plain.output
    assert "similar-values" not in plain.output
    result = cli("validate", "--check-data", "--catalog", root, cwd=tmp_path)
    assert result.exit_code == 0, result.output
    flagged = [line for line in result.output.splitlines() if "[similar-values]" in line]
    assert flagged == [
        "repo/catalog/features/user/age_estimate.yaml:1: warning: age_estimate looks like a "
        "duplicate of user_age (values agree on 99.5% of 200 shared keys and timestamps), "
        "defined in repo/catalog/features/user/user_age.yaml:1; if it is the same feature, "
        "use user_age instead [similar-values]"
    ]


def test_value_candidates_are_bounded_and_skip_known_pairs() -> None:
    items = [
        Candidate(f"age_{i}", "user", "s", f"c{i}", None, "Age.", dtype="int64") for i in range(40)
    ]
    items.append(Candidate("user_age", "user", "s", "age", None, "Age.", dtype="int64"))
    items.append(Candidate("age_years", "user", "s", "age_y", None, "Age.", dtype="int64"))
    items.append(Candidate("age_label", "user", "s", "label", None, "Age.", dtype="string"))
    pairs = value_candidates(items, ("int64",), limit=25)
    assert len(pairs) == 25
    names = {(a.name, b.name) for a, b in pairs}
    assert ("age_years", "user_age") not in names  # same name once normalised: known already
    assert all("age_label" not in pair for pair in names)  # not numeric
