"""What README.md and CONTRIBUTING.md claim about the code is true of the code.

Each test reads a claim out of the text and checks it against the thing it describes: the
error classes, the schema, the example catalog, the extras in pyproject.toml, the layers.
"""

from __future__ import annotations

import re
from importlib import metadata

import yaml

import featurecat
from featurecat.schema import Feature
from tests.conftest import EXAMPLE_CATALOG, REPO_ROOT
from tests.test_layers import APPS, CORE, IO

README = (REPO_ROOT / "README.md").read_text()
CONTRIBUTING = (REPO_ROOT / "CONTRIBUTING.md").read_text()
#: What each extra installs, as the installed package says (tomllib is not in Python 3.10).
REQUIRES = metadata.requires("featurecat") or []
EXTRAS = set(metadata.metadata("featurecat").get_all("Provides-Extra") or [])


def paragraph(text: str, start: str) -> str:
    """The paragraph of ``text`` that begins with ``start``."""
    found = text.index(start)
    return text[found : text.find("\n\n", found)]


def test_the_error_paragraph_names_every_exported_error() -> None:
    text = paragraph(README, "Every error a user can cause is a `featurecat.FeaturecatError`")
    errors = [
        name
        for name in featurecat.__all__
        if isinstance(getattr(featurecat, name), type)
        and issubclass(getattr(featurecat, name), Exception)
    ]
    assert {"UsageError", "DataError", "UnknownNameError"} <= set(errors)
    assert [name for name in errors if not re.search(rf"`(featurecat\.)?{name}`", text)] == []


def test_the_spark_result_is_described_as_it_is() -> None:
    text = paragraph(README, "`df` is `labels`")
    assert 'with `engine="spark"`, a Spark DataFrame' in text
    assert 'unless you pass\n`output="pandas"`' in text


def test_the_churn_model_shown_is_the_file_or_says_it_is_an_excerpt() -> None:
    block = re.search(r"```yaml\n(# catalog/models/churn_model\.yaml.*?)```", README, re.S)
    assert block
    shown = yaml.safe_load(block.group(1))
    real = yaml.safe_load((EXAMPLE_CATALOG / "models/churn_model.yaml").read_text())
    heading = block.group(1).splitlines()[0]
    if shown != real:
        counted = re.search(r"excerpt: .*?(\d+) of its (\d+) features", heading)
        assert counted, f"the README shows part of churn_model.yaml without saying so: {heading}"
        assert int(counted.group(1)) == len(shown["features"])
        assert int(counted.group(2)) == len(real["features"])
        assert real["features"][: len(shown["features"])] == shown["features"]
        assert {k: v for k, v in real.items() if k in shown and k != "features"} == {
            k: v for k, v in shown.items() if k != "features"
        }


def test_the_register_example_registers_a_new_feature() -> None:
    block = README.split("\n## Python API\n", 1)[1]
    registered = re.findall(r'register_feature\("(\w+)"', block)
    updated = re.findall(r'update_feature\("(\w+)"', block)
    assert registered and updated == registered
    names = {p.stem for p in (EXAMPLE_CATALOG / "features").rglob("*.yaml")}
    assert registered[0] not in names  # else the example fails: "already exists"


def test_the_required_feature_fields_are_the_schema_s() -> None:
    text = paragraph(README, "Feature fields:")
    listed, _ = text.split(" are required", 1)
    said = set(re.findall(r"`([a-z_]+)`", re.sub(r"\([^)]*\)", "", listed)))
    required = {name for name, field in Feature.model_fields.items() if field.is_required()}
    assert said == required


def test_contributing_names_only_extras_that_exist() -> None:
    extras = EXTRAS
    named = set(re.findall(r"the `([a-z]+)` extra", CONTRIBUTING))
    installed = {
        extra
        for spec in re.findall(r"pip install -e '\.\[([a-z,]+)\]'", CONTRIBUTING)
        for extra in spec.split(",")
    }
    assert named | installed and (named | installed) <= extras


def test_contributing_lists_every_module_in_its_layer() -> None:
    rows = {
        layer: set(re.findall(r"`([a-z_]+)/?`", row))
        for layer, row in re.findall(r"^\| (core|I/O|apps) \| (.*?) \|", CONTRIBUTING, re.M)
    }
    assert rows == {"core": CORE, "I/O": IO, "apps": APPS}


def test_contributing_tools_can_be_installed() -> None:
    """Every tool CONTRIBUTING tells contributors to run comes with an extra or says how to
    install it."""
    extras = " ".join(r for r in REQUIRES if "extra ==" in r)
    for tool in re.findall(r"\.venv/bin/python -m ([a-z_]+)", CONTRIBUTING):
        assert tool in extras or f"pip install {tool}" in CONTRIBUTING, tool
    assert "duplicates --change" not in CONTRIBUTING  # a tool of no extra, installed nowhere
