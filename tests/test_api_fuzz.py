"""Property-based: whatever a caller passes to the public Python API, each call succeeds or
raises a FeaturecatError; never a TypeError, an AttributeError or another library's error.

Every argument is drawn either valid or from :data:`JUNK` (wrong types, None, huge numbers,
NaN, odd strings with NUL and control characters, bytes, containers), so that one bad argument
at a time, and several together, are tried. The writes run too: after each, the catalog must
still load (a write that was refused changed nothing; one that succeeded left it valid).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import featurecat
from featurecat import Catalog, FeaturecatError
from featurecat.names import Kind
from tests.retrieval.cases import entities, profile_repo

ODD_TEXT = [
    "",
    " ",
    "\x00",
    "user_age\x00",
    "user\nage",
    "\x1b]52;c;aGk=\x07",
    "\u202euser_age",
    "../..",
    "/",
    ".",
    "-",
    "--help",
    "HEAD",
    "HEAD~999",
    "main~3",
    "@",
    "refs/heads/x",
    "é",
    "🙂",
    "x" * 300,
    "user_age",
    "user_country",
    "growth",
    "user",
    "churn_model",
    "30d",
    "1e309",
    "2025-13-45",
]

JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 2**63, 10**30]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(ODD_TEXT),
    st.binary(max_size=8),
    st.lists(st.sampled_from(ODD_TEXT), max_size=3),
    st.tuples(st.integers(), st.text(max_size=3)),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.sets(st.integers(), max_size=2),
    st.just(object()),
    st.just(Path("nowhere")),
    st.just(Kind.FEATURE),
    st.just(pd.DataFrame()),
    st.just(pd.DataFrame({"user_id": [1]})),
)

FUZZ = settings(
    # FEATURECAT_FUZZ_EXAMPLES=2000 for a longer run; CI's default keeps the file under 30 s.
    max_examples=int(os.environ.get("FEATURECAT_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def arg(valid: Any) -> st.SearchStrategy[Any]:
    """A valid value half of the time, junk otherwise."""
    return st.one_of(st.just(valid), JUNK)


@pytest.fixture
def root(tmp_path: Path) -> Iterator[Path]:
    """The test catalog with data, committed in git; the test runs in the folder above it,
    so that relative paths among the junk land in the test's own folder."""
    catalog = profile_repo(tmp_path)
    before = Path.cwd()
    os.chdir(catalog.parent)
    try:
        yield catalog
    finally:
        os.chdir(before)


def labels() -> pd.DataFrame:
    return entities(user_id=[1, 2, 3], event_timestamp=["2025-02-01"] * 3)


def rows(**values: list[Any]) -> pd.DataFrame:
    return entities(user_id=[1, 2], event_timestamp=["2025-03-01", "2025-03-01"], **values)


def call_ok(call: Callable[[], Any]) -> None:
    """The rule: a call returns, or raises a FeaturecatError with a message."""
    try:
        call()
    except FeaturecatError as error:
        assert str(error).strip(), f"{type(error).__name__} without a message"


@FUZZ
@given(path=arg("catalog"), ref=st.one_of(st.none(), st.just("HEAD"), JUNK))
def test_catalog_load(root: Path, path: Any, ref: Any) -> None:
    call_ok(lambda: Catalog.load(path, ref=ref))
    call_ok(lambda: Catalog.read(path, ref))


@FUZZ
@given(
    features=st.one_of(st.just(["user_age"]), st.just("user_country"), JUNK),
    entity_df=arg(labels()),
    catalog=st.one_of(st.just("catalog"), st.none(), JUNK),
    timestamp_column=arg("event_timestamp"),
    engine=arg("duckdb"),
    output=st.one_of(st.sampled_from([None, "pandas", "arrow"]), JUNK),
    manifest=st.one_of(st.none(), st.just("manifests/m.json"), JUNK),
    model=st.one_of(st.none(), st.just("churn_model"), JUNK),
)
def test_load_features(root: Path, **kwargs: Any) -> None:
    if (
        isinstance(kwargs["engine"], str) and kwargs["engine"] == "spark"
    ):  # another engine; its own tests start Spark
        kwargs["engine"] = "duckdb"
    call_ok(lambda: featurecat.load_features(**kwargs))


@FUZZ
@given(
    name=arg("user_age"),
    catalog=st.one_of(st.just("catalog"), st.none(), JUNK),
    as_of=st.one_of(st.none(), st.just("2025-01-15"), JUNK),
)
def test_get_feature(root: Path, name: Any, catalog: Any, as_of: Any) -> None:
    call_ok(lambda: featurecat.get_feature(name, catalog, as_of=as_of))


@FUZZ
@given(
    name=st.one_of(st.just("tenure_days"), st.text(alphabet="abz_09", max_size=8), JUNK),
    data=arg(rows(tenure_days=[5, 6])),
    catalog=st.one_of(st.just("catalog"), JUNK),
    owner=arg("growth"),
    entity=arg("user"),
    description=arg("Days since signup."),
    dtype=st.one_of(st.none(), st.just("int64"), JUNK),
    source=st.one_of(st.none(), JUNK),
    tags=st.one_of(st.just(()), st.just(["pii"]), JUNK),
    status=arg("draft"),
    ttl=st.one_of(st.none(), st.just("30d"), JUNK),
    timestamp_column=arg("event_timestamp"),
    branch=st.one_of(st.none(), JUNK),
)
def test_register_feature(root: Path, name: Any, data: Any, **kwargs: Any) -> None:
    call_ok(lambda: featurecat.register_feature(name, data, **kwargs))
    Catalog.load(root)  # still valid, whatever happened


@FUZZ
@given(
    name=arg("user_age"),
    new_data=arg(rows(user_age=[50, 60])),
    catalog=st.one_of(st.just("catalog"), JUNK),
    mode=st.one_of(st.sampled_from(["append", "replace"]), JUNK),
    branch=st.one_of(st.none(), JUNK),
)
def test_update_feature(root: Path, name: Any, new_data: Any, **kwargs: Any) -> None:
    call_ok(lambda: featurecat.update_feature(name, new_data, **kwargs))
    Catalog.load(root)


@FUZZ
@given(key=arg("user_age"), kind=st.one_of(st.sampled_from(list(Kind)), JUNK))
def test_catalog_lookups(root: Path, key: Any, kind: Any) -> None:
    cat = Catalog.load(root)
    for mapping in (cat.features, cat.teams, cat.entities, cat.sources, cat.models):
        try:
            mapping[key]
        except FeaturecatError as error:
            # An unknown name is a KeyError too, as from any dict.
            assert isinstance(error, KeyError) or not isinstance(key, str)
    call_ok(lambda: cat.feature(key))
    call_ok(lambda: cat.objects(kind))
    call_ok(lambda: cat.origin(kind, key))
    call_ok(lambda: cat.models_using(key))
    call_ok(lambda: cat.features_of(key))
    call_ok(lambda: cat.source_of(key))
    call_ok(lambda: cat.entity_of(key))
    call_ok(lambda: cat.data_path(key))
