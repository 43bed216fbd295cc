"""Property-based: whatever bytes land in a definition file, validate reports; it never crashes."""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from featurecat import Catalog
from featurecat.yamlio import parse_document
from tests.support import BASE_CATALOG, make_catalog

FEATURE = "features/user/user_age.yaml"
KEYS = [
    "name",
    "description",
    "owner",
    "source",
    "column",
    "dtype",
    "version",
    "status",
    "tags",
    "ttl",
    "replaced_by",
    "join_keys",
    "features",
    "&a",
    "*a",
    "!!python/name:os",
]

scalars = st.one_of(
    st.text(max_size=20),
    st.integers(),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
    st.sampled_from(
        [
            "NO",
            "1.10",
            "~",
            "user_age",
            "growth",
            "int64",
            "30d",
            "<script>",
            "- a",
            ": b",
            "{",
            "'",
            '"',
            "&x",
            "*x",
            "!!binary",
            "\t",
            "\x00",
        ]
    ),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS), inner, max_size=4)
    ),
    max_leaves=12,
)


def load_with(files: dict[str, str | bytes]) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        root = make_catalog(Path(tmp), files)
        result = Catalog.read(root)
        for d in result.diagnostics:
            assert d.path.endswith(".yaml")
            assert d.line >= 1
            assert d.message
        return [d.code for d in result.errors]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(KEYS), values, max_size=8))
def test_random_documents_only_produce_diagnostics(document: dict[str, object]) -> None:
    load_with({FEATURE: yaml.safe_dump(document, allow_unicode=True)})


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_definitions_only_produce_diagnostics(data: st.DataObject) -> None:
    original = BASE_CATALOG[FEATURE].encode()
    position = data.draw(st.integers(0, len(original)))
    cut = data.draw(st.integers(0, 10))
    insert = data.draw(
        st.binary(max_size=12)
        | st.sampled_from(
            [b": ", b"\n  ", b"- ", b"&a ", b"*a", b"!!python/object ", b"{", b"[", b"\xff", b"'"]
        )
    )
    mutated = original[:position] + insert + original[position + cut :]
    codes = load_with({FEATURE: mutated})
    if mutated == original:
        assert codes == []


@given(st.binary(max_size=300))
def test_any_bytes_parse_or_report(data: bytes) -> None:
    document, problems = parse_document(data, "x.yaml")
    assert document is not None or problems
    for problem in problems:
        assert problem.path == "x.yaml" and problem.line >= 1
