"""CI sets FEATURECAT_REQUIRE_ALL=1: then a missing S3 server or table-format library fails
the run instead of skipping the tests that need it (a fresh machine without them skips)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.storage.server import ROOT as REPO_ROOT

NEEDS_S3 = "tests/storage/test_recipe.py"
NEEDS_DELTA = "tests/retrieval/test_conformance.py::test_latest_value_at_or_before_the_row_time"


def pytest_with(modules: dict[str, str], tmp_path: Path, require_all: bool) -> str:
    """Run the tests that need moto and deltalake in a fresh pytest, where ``modules``
    (name -> its ``__init__.py``) shadow the installed packages; its output."""
    fakes = tmp_path / "fakes"
    for name, text in modules.items():
        (fakes / name).mkdir(parents=True)
        (fakes / name / "__init__.py").write_text(text)
    env = {k: v for k, v in os.environ.items() if k != "FEATURECAT_REQUIRE_ALL"}
    env["PYTHONPATH"] = os.pathsep.join([str(fakes), str(REPO_ROOT)])
    if require_all:
        env["FEATURECAT_REQUIRE_ALL"] = "1"
    tests = [NEEDS_S3, f"{NEEDS_DELTA}[duckdb-delta-local]"]
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", *tests],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return done.stdout + done.stderr


MISSING = "raise ImportError('not installed here')\n"


def test_missing_moto_and_deltalake_skip_on_a_fresh_machine(tmp_path: Path) -> None:
    output = pytest_with({"moto": MISSING, "deltalake": MISSING}, tmp_path, require_all=False)
    assert "2 skipped" in output, output
    assert "needs moto[server]" in output and "needs deltalake" in output


def test_missing_moto_and_deltalake_fail_when_everything_is_required(tmp_path: Path) -> None:
    output = pytest_with({"moto": MISSING, "deltalake": MISSING}, tmp_path, require_all=True)
    assert "skipped" not in output, output
    assert "is required when FEATURECAT_REQUIRE_ALL=1" in output
    assert "moto[server]" in output and "deltalake (featurecat[delta])" in output


def test_an_s3_server_that_cannot_start_fails_the_run(tmp_path: Path) -> None:
    # moto is there, but its server is not: the server process dies before saying its port.
    output = pytest_with({"moto": ""}, tmp_path, require_all=True)
    assert "the S3 test server did not start" in output, output
    assert "1 error" in output.splitlines()[-1]
