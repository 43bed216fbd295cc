"""Property-based: whatever a manifest file holds, ``featurecat models status`` answers with
exit 0, 1 or 2 and lines a terminal shows as written; a manifest it cannot use is one line."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import featurecat
from tests.retrieval.cases import entities, profile_repo
from tests.support import cli

KEYS = [
    "featurecat_manifest",
    "created_at",
    "model",
    "catalog",
    "commit",
    "dirty",
    "features",
    "sources",
    "user_age",
    "user_country",
    "user_profile",
    "version",
    "source",
    "fields",
    "fingerprint",
    "ttl",
]
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=12)
    | st.sampled_from(["user_age", "user_profile", "2025-01-01T00:00:00Z", "abc1234", "\n"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=10,
)


@pytest.fixture
def written(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    """A committed catalog and a manifest that load_features wrote for it."""
    catalog = profile_repo(tmp_path)
    labels = entities(user_id=[1, 2], event_timestamp=["2025-02-01", "2025-02-01"])
    result = featurecat.load_features(
        ["user_age", "user_country"], labels, catalog, model="churn_model"
    )
    return catalog, result.attrs["featurecat"]


def mutate(data: st.DataObject, document: Any) -> Any:
    """``document`` with one value somewhere in it replaced, removed or added."""
    if not isinstance(document, dict | list) or not document or data.draw(st.booleans()):
        return data.draw(json_values)
    keys = list(document) if isinstance(document, dict) else list(range(len(document)))
    key = data.draw(st.sampled_from(keys))
    action = data.draw(st.sampled_from(["descend", "delete", "add"]))
    if action == "delete":
        del document[key]
    elif action == "add" and isinstance(document, dict):
        document[data.draw(st.sampled_from(KEYS) | st.text(max_size=6))] = data.draw(json_values)
    else:
        document[key] = mutate(data, document[key])
    return document


def check_status(catalog: Path, manifest: Path) -> None:
    result = cli("models", "status", "--catalog", catalog, "--manifest", manifest)
    assert result.exit_code in (0, 1, 2), result.output
    lines = result.output.splitlines()
    assert all(line.isprintable() for line in lines), lines
    if result.exit_code == 2:
        assert len(lines) == 1 and lines[0].startswith(f"Error: {manifest}: "), lines
    else:
        assert lines[0].startswith(("churn_model: ", "manifest: ")), lines


@pytest.mark.slow
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.data())
def test_mutated_manifests_never_crash_status(
    written: tuple[Path, dict[str, Any]], data: st.DataObject
) -> None:
    catalog, original = written
    document = copy.deepcopy(original)
    for _ in range(data.draw(st.integers(1, 3))):
        document = mutate(data, document)
    manifest = catalog.parent / "manifest.json"
    manifest.write_text(json.dumps(document), encoding="utf-8")
    check_status(catalog, manifest)


@pytest.mark.slow
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(document=json_values, raw=st.binary(max_size=40))
def test_any_json_or_bytes_never_crash_status(
    written: tuple[Path, dict[str, Any]], document: Any, raw: bytes
) -> None:
    catalog, _ = written
    manifest = catalog.parent / "manifest.json"
    for content in (json.dumps(document).encode(), raw):
        manifest.write_bytes(content)
        check_status(catalog, manifest)
