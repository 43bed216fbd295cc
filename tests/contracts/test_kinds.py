"""The table of expectation kinds is enumerated: a half-added kind fails here."""

from __future__ import annotations

import re

from featurecat.contracts.judge import JUDGES
from featurecat.contracts.kinds import KINDS, Expectation
from featurecat.dtypes import DTYPES
from featurecat.measure.scan import AGGREGATES
from featurecat.names import Kind
from featurecat.schema import json_schema
from tests.conftest import REPO_ROOT


def test_every_kind_is_complete() -> None:
    assert set(JUDGES) == set(KINDS)
    assert set(AGGREGATES) == {k for k, s in KINDS.items() if s.measured_by == "scan"}
    for name, spec in KINDS.items():
        assert spec.name == name and issubclass(spec.model, Expectation)
        assert spec.targets and spec.summary
        assert any(spec.applies(d) for d in DTYPES), name


def test_every_kind_is_in_the_json_schema_where_it_can_be_declared() -> None:
    feature = json_schema(Kind.FEATURE)["$defs"]["FeatureExpectations"]["properties"]
    source = json_schema(Kind.SOURCE)["$defs"]["SourceExpectations"]["properties"]
    for name, spec in KINDS.items():
        assert (name in feature) == ("feature" in spec.targets), name
        assert (name in source) == ("source" in spec.targets), name


def test_the_readme_documents_every_kind() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    documented = re.findall(r"^\| `([a-z_]+)` \| (?:feature|source|int|string)", readme, re.M)
    assert documented == list(KINDS)
