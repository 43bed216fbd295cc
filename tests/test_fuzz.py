"""Property-based: whatever bytes, keys, values, file names or special files land in a catalog,
validate reports them, one problem per line; it never crashes or hangs."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from featurecat import Catalog
from featurecat.printable import printable_path
from featurecat.report.diagnostics import render_github, render_json, render_text
from featurecat.validation import validate
from featurecat.yamlio import parse_document
from tests.cli.test_special_files import SPECIAL, no_hang
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


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(KEYS), values, max_size=8))
def test_random_documents_only_produce_diagnostics(document: dict[str, object]) -> None:
    load_with({FEATURE: yaml.safe_dump(document, allow_unicode=True)})


@pytest.mark.slow
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


# Hostile text: control characters, line breaks of every kind, bidi overrides, and the
# ':' that separates PATH:LINE: in diagnostics.
HOSTILE = [
    *"\n\r\t\x00\x07\x0b\x0c\x1b\x1c\x7f\x85\x9b\u2028\u2029\u202e:",
    "\x1b]52;c;aGk=\x07",
    "\x1b[2J",
    "x.yaml:1: error: forged [yaml-syntax]",
]
tricky_text = st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=4)), max_size=5).map(
    "".join
)
tricky_values = st.recursive(
    st.one_of(tricky_text, scalars),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), tricky_text), inner, max_size=3),
    ),
    max_leaves=8,
)
PLACES = [FEATURE, "featurecat.yaml", "teams/risk.yaml"]
#: Where PATH:LINE: ends, if the path is shown escaped (no ':' and no line break in it).
TEXT_LINE = re.compile(r"(?P<path>[^:\n]+):(?P<line>[0-9]+): (?:error|warning): [^\n]+")
RAW = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def check_rendering(files: dict[str, str | bytes]) -> None:
    """Validate, then check every format: one diagnostic is one line, in the shape SPEC
    promises, with nothing raw that a terminal would act on."""
    with tempfile.TemporaryDirectory() as tmp:
        root = make_catalog(Path(tmp) / "catalog", files)
        outcome = validate(root)
    problems = list(outcome.diagnostics)
    text = render_text(outcome).split("\n")
    assert len(text) == len(problems) + 1
    for line, problem in zip(text, problems, strict=False):
        match = TEXT_LINE.fullmatch(line)
        assert match is not None, line
        assert match["path"] == printable_path(problem.path)
        assert int(match["line"]) == problem.line >= 1
    github = render_github(outcome).split("\n") if problems else []
    assert len(github) == len(problems)
    assert all(re.match(r"::(error|warning) file=[^,\n]*,line=[0-9]+::", g) for g in github)
    assert not RAW.search("\n".join([*text, *github]))
    assert [e["message"] for e in json.loads(render_json(outcome))["errors"]] == [
        e.message for e in outcome.errors
    ]


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(PLACES),
    st.one_of(
        st.dictionaries(st.one_of(st.sampled_from(KEYS), tricky_text), tricky_values, max_size=6),
        tricky_values,
    ),
)
def test_hostile_keys_and_values_give_one_line_per_problem(place: str, document: object) -> None:
    check_rendering({place: yaml.safe_dump(document, allow_unicode=True)})


file_names = tricky_text.map(lambda s: s.replace("/", "_").replace("\x00", "_")).filter(
    lambda s: s not in ("", ".", "..") and len(s.encode()) < 200
)


@pytest.mark.slow
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["features/user/", "features/", "teams/", "models/", "featuers/"]),
    file_names,
    st.sampled_from([".yaml", ".yml", ".YAML", ""]),
)
def test_hostile_file_names_give_one_line_per_problem(folder: str, name: str, suffix: str) -> None:
    check_rendering({folder + name + suffix: "name: user_tenure\n"})


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(sorted(SPECIAL)), st.sampled_from(PLACES))
def test_special_files_are_diagnostics_never_exceptions(special: str, place: str) -> None:
    make, reason = SPECIAL[special]
    with tempfile.TemporaryDirectory() as tmp:
        root = make_catalog(Path(tmp) / "catalog")
        (root / place).unlink()
        make(root / place)
        with no_hang():
            result = Catalog.read(root)
    assert [(d.line, d.code) for d in result.errors] == [(1, "unreadable")]
    assert result.errors[0].path.endswith(f"catalog/{place}")
    assert result.errors[0].message == f"cannot read this file: {reason}"
