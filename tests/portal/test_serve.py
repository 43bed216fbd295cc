"""``featurecat docs serve``: a real server on a free port follows the catalog."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support import cli, commit_all, init_repo, make_catalog

USER_AGE = Path("features") / "user" / "user_age.yaml"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Served:
    """``featurecat docs serve`` in a child process, and what a browser would ask it."""

    def __init__(self, catalog: Path) -> None:
        self.catalog = catalog
        self.port = _free_port()
        command = [sys.executable, "-m", "featurecat", "docs", "serve", "--catalog", str(catalog)]
        self.process = subprocess.Popen(
            [*command, "--dev-addr", f"127.0.0.1:{self.port}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []  # read as it comes, so a full pipe never blocks the server
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    def get(self, path: str, host: str | None = None) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            headers = {"Host": f"127.0.0.1:{self.port}" if host is None else host}
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            return response.status, response.read().decode("utf-8")
        finally:
            connection.close()

    def status(self) -> dict[str, Any]:
        code, body = self.get("/__featurecat__/status")
        assert code == 200, body
        result: dict[str, Any] = json.loads(body)
        return result

    def wait(self, ready: Any, what: str, seconds: float = 120) -> Any:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.stop()
            try:
                found = ready()
            except OSError:
                found = None
            if found:
                return found
            time.sleep(0.05)
        raise AssertionError(f"never {what}; the server said:\n{self.stop()}")

    def idle(self) -> dict[str, Any]:
        """The status once a build finished and no change waits for another."""

        def settled() -> dict[str, Any] | None:
            status = self.status()
            busy = status["building"] or status["pending"] or not status["builds"]
            return None if busy else status

        result: dict[str, Any] = self.wait(settled, "became idle")
        return result

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.terminate()
        self.process.wait(timeout=60)
        self.reader.join(timeout=60)
        return "".join(self.lines)


@pytest.fixture
def served(tmp_path: Path) -> Any:
    repo = init_repo(tmp_path / "repo")
    catalog = make_catalog(repo / "catalog")
    commit_all(repo, "Add the catalog")
    server = Served(catalog)
    yield server
    server.stop()


def _save_like_an_editor(path: Path, old: str, new: str) -> None:
    """Several events for one save: a swap file, a write in two parts, a rename into place."""
    text = path.read_text().replace(old, new)
    swap = path.with_name(f".{path.name}.swp")
    swap.write_text("swap")
    temporary = path.with_name(f"{path.name}~")
    with temporary.open("w") as handle:
        handle.write(text[:10])
        handle.flush()
        time.sleep(0.05)
        handle.write(text[10:])
    os.replace(temporary, path)
    swap.unlink()


@pytest.mark.slow
def test_one_save_is_one_rebuild_and_the_previous_site_is_served_meanwhile(
    served: Served,
) -> None:
    page = "/features/user_age/"
    served.wait(lambda: "Age of the user in years" in served.get(page)[1], "served the site")
    assert served.idle()["builds"] == 1
    _save_like_an_editor(served.catalog / USER_AGE, "in years", "in whole years")
    served.wait(lambda: (s := served.status())["building"] or s["builds"] > 1, "saw the save")
    code, body = served.get(page)
    if served.status()["version"] == 1:  # still building, so this came from the previous site
        assert code == 200 and "Age of the user in years" in body
    served.wait(lambda: "in whole years" in served.get(page)[1], "served the new page")
    status = served.idle()
    assert (status["builds"], status["version"], status["failures"]) == (2, 2, 0)
    output = served.stop()
    assert "write    8 files changed, 0 removed" in output  # 7 pages and the feature data
    assert output.count("Build 2 served") == 1 and "Build 3" not in output


@pytest.mark.slow
def test_changes_during_a_build_make_exactly_one_more(served: Served) -> None:
    served.idle()
    feature = served.catalog / USER_AGE
    _save_like_an_editor(feature, "in years", "in whole years")
    served.wait(lambda: (s := served.status())["building"] or s["builds"] > 1, "saw the save")
    _save_like_an_editor(feature, "in whole years", "in calendar years")
    time.sleep(1)  # two separate changes, not one burst
    _save_like_an_editor(served.catalog / "teams" / "growth.yaml", "Growth team.", "Growth.")
    during = served.status()
    status = served.wait(lambda: (s := served.idle())["version"] >= 3 and s, "built again")
    if during["building"] and during["version"] == 1:  # both came while build 2 ran
        assert (status["builds"], status["version"]) == (3, 3)
    assert "in calendar years" in served.get("/features/user_age/")[1]


def test_pages_reload_when_a_new_build_is_served(served: Served) -> None:
    served.idle()
    code, body = served.get("/")
    assert code == 200 and "/__featurecat__/version?since=" in body
    assert served.get("/__featurecat__/version?since=0")[1] == "1", "answers at once when behind"
    _save_like_an_editor(served.catalog / USER_AGE, "in years", "in whole years")
    # A long poll: it answers when the next build is served (or, after a while, unchanged).
    served.wait(lambda: served.get("/__featurecat__/version?since=1")[1] == "2", "reloaded")


def test_requests_for_another_host_name_are_refused(served: Served) -> None:
    served.idle()
    port = served.port
    assert served.get("/", host=f"localhost:{port}")[0] == 200
    assert served.get("/", host=f"[::1]:{port}")[0] == 200
    for host in (f"evil.example:{port}", "evil.example", f"127.0.0.1.evil.example:{port}",
                 f"localhost:{port + 1}", ""):  # fmt: skip
        assert served.get("/features/user_age/", host=host)[0] == 403, host


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="reads /proc")
def test_an_idle_server_waits_on_file_events_instead_of_polling(served: Served) -> None:
    served.idle()
    pid = served.process.pid
    links = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
    assert "anon_inode:inotify" in links

    def cpu_seconds() -> float:
        stat = Path(f"/proc/{pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2 :].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    before = cpu_seconds()
    time.sleep(5)
    assert cpu_seconds() - before < 0.5, "an idle server sleeps"


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
