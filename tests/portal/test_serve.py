"""``featurecat docs serve``: the live site follows the catalog."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support import cli, commit_all, init_repo, make_catalog


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(url: str, text: str, seconds: float = 90) -> str:
    deadline = time.monotonic() + seconds
    last = ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                last = response.read().decode("utf-8")
            if text in last:
                return last
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{url} never showed {text!r}")


def test_serve_regenerates_changed_pages(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    catalog = make_catalog(repo / "catalog")
    commit_all(repo, "Add the catalog")
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "featurecat",
            "docs",
            "serve",
            "--catalog",
            str(catalog),
            "--dev-addr",
            f"127.0.0.1:{port}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/features/user_age/"
        _wait_for(url, "Age of the user in years")
        feature = catalog / "features" / "user" / "user_age.yaml"
        feature.write_text(feature.read_text().replace("in years", "in whole years"))
        _wait_for(url, "Age of the user in whole years")
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert "catalog changed: 7 file(s) regenerated" in output


def test_serve_on_a_port_in_use_is_a_usage_error(catalog_dir: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli("docs", "serve", "--catalog", catalog_dir, "--dev-addr", f"127.0.0.1:{port}")
    assert result.exit_code == 2
    assert result.output == (
        f"Error: 127.0.0.1:{port} is already in use (is another 'featurecat docs serve' "
        f"running?); pick another port with --dev-addr 127.0.0.1:{port + 1}\n"
    )


@pytest.mark.parametrize(
    ("address", "message"),
    [
        (
            "nonsense",
            "Error: --dev-addr nonsense: Must be a string of format 'IP:PORT'; for example",
        ),
        ("127.0.0.1:99999", "Error: --dev-addr 127.0.0.1:99999: the port must be between 1 and"),
    ],
)
def test_serve_on_a_bad_address_is_a_usage_error(
    catalog_dir: Path, address: str, message: str
) -> None:
    result = cli("docs", "serve", "--catalog", catalog_dir, "--dev-addr", address)
    assert result.exit_code == 2
    assert result.output.startswith(message) and result.output.count("\n") == 1
