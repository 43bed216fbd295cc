"""``featurecat init`` and ``featurecat schema``."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from featurecat import Catalog
from featurecat.names import Kind, kind_of
from tests.conftest import EXAMPLE_CATALOG
from tests.support import cli, run


def test_init_creates_a_valid_catalog(tmp_path: Path) -> None:
    target = tmp_path / "My Catalog"
    result = cli("init", target)
    assert result.exit_code == 0, result.output
    catalog = Catalog.load(target)
    assert catalog.project.name == "my-catalog"
    assert catalog.features and catalog.models and catalog.teams
    check = cli("validate", "--catalog", target, "--check-data")
    assert check.exit_code == 0, check.output


def test_init_files_point_editors_at_the_schema(tmp_path: Path) -> None:
    cli("init", tmp_path / "cat")
    feature_file = next((tmp_path / "cat" / "features").rglob("*.yaml"))
    first = feature_file.read_text().splitlines()[0]
    prefix = "# yaml-language-server: $schema="
    assert first.startswith(prefix)
    schema_path = (feature_file.parent / first.removeprefix(prefix)).resolve()
    schema = json.loads(schema_path.read_text())
    jsonschema.validate(yaml.safe_load(feature_file.read_text()), schema)


def test_init_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    result = cli("init", tmp_path / "taken")
    assert result.exit_code == 2
    assert "already exists and is not empty" in result.output
    assert sorted(p.name for p in (tmp_path / "taken").iterdir()) == ["notes.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["taken"]  # no staging folder left behind


def test_init_fills_the_current_empty_folder_in_place(tmp_path: Path) -> None:
    here = tmp_path / "here"
    here.mkdir()
    inode = here.stat().st_ino
    result = cli("init", ".", cwd=here)
    assert result.exit_code == 0, result.output
    assert "A new catalog is in this folder." in result.output
    assert here.stat().st_ino == inode  # the same folder, so a shell inside it stays valid
    assert Catalog.load(here).project.name == "here"
    assert not [p for p in here.iterdir() if p.name.startswith(".featurecat-init")]
    assert [p.name for p in tmp_path.iterdir()] == ["here"]


@pytest.mark.parametrize("name", ["acme: evil", "#x", "a\ndata_root: /etc", "Acme", ""])
def test_init_refuses_a_name_that_is_not_a_catalog_name(tmp_path: Path, name: str) -> None:
    result = cli("init", tmp_path / "new", "--name", name)
    assert result.exit_code == 2
    assert f"--name {name!r} is not a valid catalog name" in result.output
    assert not (tmp_path / "new").exists()


def test_init_takes_a_valid_name(tmp_path: Path) -> None:
    assert cli("init", tmp_path / "new", "--name", "acme-2").exit_code == 0
    assert Catalog.load(tmp_path / "new").project.name == "acme-2"


def test_schema_validates_every_example_file_and_rejects_typos() -> None:
    result = cli("schema")
    assert result.exit_code == 0
    schemas = json.loads(result.output)
    assert set(schemas) == {k.value for k in Kind}
    for path in sorted(EXAMPLE_CATALOG.rglob("*.yaml")):
        kind = kind_of(path.relative_to(EXAMPLE_CATALOG).as_posix())
        if kind is None:
            continue
        jsonschema.validate(yaml.safe_load(path.read_text()), schemas[kind.value])
    feature = schemas["feature"]
    assert feature["properties"]["dtype"]["enum"] == [
        "int32",
        "int64",
        "float32",
        "float64",
        "bool",
        "string",
        "timestamp",
    ]
    assert "What the value means" in feature["properties"]["description"]["description"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            {
                "name": "x",
                "description": "d",
                "owner": "a",
                "source": "s",
                "dtype": "int64",
                "ownr": "a",
            },
            feature,
        )


def test_schema_for_one_kind_and_to_files(tmp_path: Path) -> None:
    result = cli("schema", "team")
    assert json.loads(result.output)["title"] == "featurecat team"
    result = cli("schema", "--out", tmp_path / "schemas")
    assert result.exit_code == 0
    assert sorted(p.name for p in (tmp_path / "schemas").iterdir()) == sorted(
        f"{k.value}.schema.json" for k in Kind
    )


def test_a_path_through_a_file_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("mine")
    done = run("schema", "--out", tmp_path / "afile/sub")
    assert done.returncode == 1
    assert done.stderr == (
        f"Error: {tmp_path}/afile/sub: Not a directory; check the path and its permissions\n"
    )
    assert (tmp_path / "afile").read_text() == "mine"
