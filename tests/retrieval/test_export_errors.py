"""Bad input to export_features and featurecat export: one clear error, nothing half-written."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

import featurecat
from featurecat.errors import DataError, UsageError
from tests.retrieval.training import FEATURES, entity_frame, training_catalog
from tests.support import cli, run


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("errors")
    catalog = training_catalog(root)
    rows = root / "rows.parquet"
    entity_frame(2_000).to_parquet(rows, index=False)
    return catalog, rows


def test_missing_and_non_parquet_entity_rows(world: tuple[Path, Path], tmp_path: Path) -> None:
    catalog, _ = world
    with pytest.raises(DataError, match=r"nope.parquet: no such file or folder"):
        featurecat.export_features(FEATURES, tmp_path / "nope.parquet", tmp_path / "o", catalog)
    (tmp_path / "rows.parquet").write_text("user_id,event_timestamp\n1,2025-01-01\n")
    with pytest.raises(DataError, match=r"rows.parquet: not a parquet file"):
        featurecat.export_features(FEATURES, tmp_path / "rows.parquet", tmp_path / "o", catalog)
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match=r"holds no .parquet file"):
        featurecat.export_features(FEATURES, tmp_path / "empty", tmp_path / "o", catalog)
    assert not (tmp_path / "o").exists()


def test_an_existing_output_is_kept_unless_overwrite(
    world: tuple[Path, Path], tmp_path: Path
) -> None:
    catalog, rows = world
    out = tmp_path / "train.parquet"
    out.write_bytes(b"precious")
    with pytest.raises(UsageError, match=r"train.parquet exists; pass overwrite=True"):
        featurecat.export_features(FEATURES, rows, out, catalog)
    assert out.read_bytes() == b"precious"
    done = featurecat.export_features(FEATURES, rows, out, catalog, overwrite=True)
    assert done.rows == 2_000 and out.read_bytes()[:4] == b"PAR1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.manifest.json", "train.parquet"]


def test_output_inside_the_data_folder_is_refused(world: tuple[Path, Path]) -> None:
    catalog, rows = world
    with pytest.raises(UsageError, match=r"inside the catalog's data folder"):
        featurecat.export_features(FEATURES, rows, catalog / "data/train", catalog)
    assert not (catalog / "data/train").exists()


@pytest.mark.parametrize("limit", ["lots", "12 parsecs", "1KB", "-5GB", ""])
def test_a_memory_limit_that_cannot_be_read(
    world: tuple[Path, Path], tmp_path: Path, limit: str
) -> None:
    catalog, rows = world
    result = cli(
        "export",
        *FEATURES,
        "--rows",
        rows,
        "--out",
        tmp_path / "o",
        "--catalog",
        catalog,
        "--memory-limit",
        limit,
    )
    assert result.exit_code == 2
    assert "is not a memory size; use a size such as '1GiB'" in result.output
    assert not (tmp_path / "o").exists()


def test_the_memory_limit_comes_from_the_environment_and_the_catalog(
    world: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog, rows = world
    monkeypatch.setenv("FEATURECAT_MEMORY_LIMIT", "a lot")
    with pytest.raises(UsageError, match=r"environment variable FEATURECAT_MEMORY_LIMIT"):
        featurecat.export_features(FEATURES, rows, tmp_path / "o", catalog)
    # An argument wins over the environment.
    featurecat.export_features(FEATURES, rows, tmp_path / "o", catalog, memory_limit="1GiB")
    monkeypatch.delenv("FEATURECAT_MEMORY_LIMIT")
    yaml = catalog / "featurecat.yaml"
    original = yaml.read_text()
    try:
        yaml.write_text(original + "loader:\n  memory_limit: huge\n")
        result = cli("validate", "--catalog", catalog)
        assert result.exit_code == 1
        assert (
            "featurecat.yaml:4:" in result.output and "'huge' is not a memory size" in result.output
        )
    finally:
        yaml.write_text(original)


def test_too_little_memory_says_what_to_raise(tmp_path: Path) -> None:
    catalog = training_catalog(tmp_path, sources=300_000)
    rows = tmp_path / "rows.parquet"
    entity_frame(300_000).to_parquet(rows, index=False)
    with pytest.raises(DataError) as failed:
        featurecat.export_features(
            FEATURES, rows, tmp_path / "out.parquet", catalog, memory_limit="16MiB"
        )
    message = str(failed.value)
    assert "memory_limit=16.0 MiB (set by the memory_limit argument); raise it" in message
    assert "\n" not in message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["repo", "rows.parquet"]


def test_an_in_memory_load_out_of_memory_says_what_to_raise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """load_features of a pandas frame keeps to the same memory limit as an export, from
    each place it can be set, and names that place when the join cannot fit."""
    import pandas as pd

    catalog = training_catalog(tmp_path, sources=1_000_000)
    frame = entity_frame(1_000_000)
    with pytest.raises(DataError) as failed:
        featurecat.load_features(FEATURES, frame, catalog, memory_limit="16MiB")
    assert str(failed.value) == (
        "out of memory: the join needs more than memory_limit=16.0 MiB (set by the "
        "memory_limit argument); raise it (memory_limit=, --memory-limit, "
        "FEATURECAT_MEMORY_LIMIT or loader.memory_limit in featurecat.yaml) or free disk "
        "space for spilling"
    )
    # Entity rows from a file take the streamed path: the same limit, the same message.
    frame.to_parquet(tmp_path / "rows.parquet", index=False)
    with pytest.raises(DataError) as streamed:
        featurecat.load_features(FEATURES, tmp_path / "rows.parquet", catalog, memory_limit="16MiB")
    assert str(streamed.value) == str(failed.value)
    monkeypatch.setenv("FEATURECAT_MEMORY_LIMIT", "16MiB")
    with pytest.raises(DataError, match=r"set by the environment variable FEATURECAT_MEMORY_LIMIT"):
        featurecat.load_features(FEATURES, frame, catalog)
    monkeypatch.delenv("FEATURECAT_MEMORY_LIMIT")
    yaml = catalog / "featurecat.yaml"
    yaml.write_text(yaml.read_text() + "loader:\n  memory_limit: 16MiB\n")
    with pytest.raises(DataError, match=r"set by loader.memory_limit in featurecat.yaml\); raise"):
        featurecat.load_features(FEATURES, frame, catalog)
    # Enough memory: the same call gives the rows, and leaves no spill folder behind.
    spill = tmp_path / "spill"
    loaded = featurecat.load_features(
        FEATURES, frame.head(1000), catalog, memory_limit="1GiB", spill_dir=spill
    )
    assert isinstance(loaded, pd.DataFrame) and len(loaded) == 1000
    assert list(spill.iterdir()) == []


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB file system (tmpfs): mounting needs root, as in the CI container."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip("mounting a small tmpfs needs root")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def test_a_full_disk_leaves_no_partial_output(tmp_path: Path, small_disk: Path) -> None:
    catalog = training_catalog(tmp_path / "big", sources=100_000)
    rows = tmp_path / "rows.parquet"
    entity_frame(200_000).to_parquet(rows, index=False)
    result = run(
        "export",
        *FEATURES,
        "--rows",
        rows,
        "--out",
        small_disk / "train",
        "--catalog",
        catalog,
        "--memory-limit",
        "64MiB",
    )
    assert result.returncode == 1, result.stderr
    assert "the disk filled up" in result.stderr and "nothing was written" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert os.listdir(small_disk) == []


def test_the_command_prints_only_the_result_when_piped(
    world: tuple[Path, Path], tmp_path: Path
) -> None:
    catalog, rows = world
    result = run(
        "export",
        "--model",
        "ranker",
        "--rows",
        rows,
        "--out",
        tmp_path / "t.parquet",
        "--catalog",
        catalog,
        "--format",
        "json",
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    printed = json.loads(result.stdout)
    assert printed == {
        "path": str(tmp_path / "t.parquet"),
        "manifest": str(tmp_path / "t.manifest.json"),
        "rows": 2000,
    }
    again = run(
        "export", "age", "--rows", rows, "--out", tmp_path / "t.parquet", "--catalog", catalog
    )
    assert again.returncode == 2 and again.stdout == ""
    assert again.stderr.strip().splitlines() == [
        f"Error: output {tmp_path / 't.parquet'} exists; pass overwrite=True (--overwrite) to "
        "replace it, or choose another path"
    ]


def test_progress_is_drawn_on_a_terminal(world: tuple[Path, Path], tmp_path: Path) -> None:
    """stderr on a terminal (a pty) gets the progress line; stdout, piped, only the result."""
    import pty
    import sys

    catalog, rows = world
    leader, follower = pty.openpty()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "featurecat",
            "export",
            *FEATURES,
            "--rows",
            str(rows),
            "--out",
            str(tmp_path / "t.parquet"),
            "--catalog",
            str(catalog),
        ],
        stdout=subprocess.PIPE,
        stderr=follower,
        timeout=300,
        check=False,
    )
    os.close(follower)
    drawn = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        drawn += chunk
    os.close(leader)
    assert done.returncode == 0
    assert b"100.0% (~2,000 of 2,000 rows)" in drawn
    assert drawn.endswith(b"\r\x1b[K")  # the line is cleared before the result is printed
    assert done.stdout.decode().startswith("wrote 2,000 rows to ")


def test_entity_rows_with_an_entity_row_column_are_refused(
    world: tuple[Path, Path], tmp_path: Path
) -> None:
    import pandas as pd

    catalog, rows = world
    frame = pd.read_parquet(rows).assign(entity_row=1)
    with pytest.raises(DataError, match=r"already have a column named 'entity_row'"):
        featurecat.export_features(FEATURES, frame, tmp_path / "o", catalog)
    assert not (tmp_path / "o").exists()
