"""The HTTP side of ``docs serve``: the last complete build, live reload, and a Host check.

Files come from one folder, which each finished build replaces in a single step, so a
request is answered from the previous site while the next one builds. Every HTML page gets a
small script that long-polls ``/__featurecat__/version`` and reloads the page when a newer
build is served (no CDN, no websocket library).

A page on another site can point a DNS name of its own at 127.0.0.1 and then read this
server as if it were its own origin (DNS rebinding). So a request is answered only when its
``Host`` header names this server: ``localhost``, ``127.0.0.1``, ``[::1]`` or the address it
listens on, with its port (or any IP address with its port when it listens on all
interfaces: an IP address cannot be rebound).
"""

from __future__ import annotations

import io
import ipaddress
import json
import socket
import threading
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from featurecat.portal.watch import Changes

ENDPOINT = "/__featurecat__/"
LONG_POLL_SECONDS = 25.0
_WILDCARDS = ("0.0.0.0", "::", "")  # noqa: S104 (the names of "all interfaces", compared)

_RELOAD = """<script>
(function () {
  var version = %d;
  function poll() {
    fetch("%sversion?since=" + version, {cache: "no-store"})
      .then(function (r) { return r.text(); })
      .then(function (t) { if (+t !== version) { location.reload(); } else { poll(); } },
            function () { setTimeout(poll, 2000); });
  }
  poll();
})();
</script>
"""
_WAITING = (
    "<!doctype html><meta charset=utf-8><title>Building the portal</title>"
    "<p>The portal is being built; this page reloads when it is ready.</p>\n"
)


class State:
    """What is served: the number of finished builds, and whether one is running."""

    def __init__(self) -> None:
        self.condition = threading.Condition()
        self.version = 0
        self.building = False
        self.builds = 0
        self.failures = 0

    def finished(self, ok: bool) -> None:
        with self.condition:
            self.building = False
            self.builds += 1
            if ok:
                self.version += 1
            else:
                self.failures += 1
            self.condition.notify_all()

    def newer_than(self, version: int, timeout: float) -> int:
        with self.condition:
            self.condition.wait_for(lambda: self.version != version, timeout)
            return self.version


def allowed_hosts(host: str, port: int) -> frozenset[str]:
    """The ``Host`` header values that name a server listening on ``host:port``."""
    names = {"localhost", "127.0.0.1", "[::1]"}
    if host not in _WILDCARDS:
        names.add(f"[{host}]" if ":" in host else host)
    values = {f"{name}:{port}" for name in names}
    return frozenset(values | names if port == 80 else values)


def host_allowed(header: str | None, host: str, port: int) -> bool:
    """Whether a request with this ``Host`` header is meant for this server."""
    if not header:
        return False
    value = header.strip().lower()
    if value in allowed_hosts(host, port):
        return True
    if host not in _WILDCARDS:
        return False
    name, _, given_port = value.rpartition(":")
    try:
        ipaddress.ip_address(name.removeprefix("[").removesuffix("]"))
    except ValueError:
        return False
    return given_port == str(port)


class _Handler(SimpleHTTPRequestHandler):
    state: State
    host: str
    port: int
    changes: Changes

    def do_GET(self) -> None:
        self._answer(head=False)

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def _answer(self, head: bool) -> None:
        if not host_allowed(self.headers.get("Host"), self.host, self.port):
            self.send_error(HTTPStatus.FORBIDDEN, "Unexpected Host header (DNS rebinding?)")
            return
        url = urlsplit(self.path)
        if url.path.startswith(ENDPOINT):
            self._endpoint(url.path[len(ENDPOINT) :], parse_qs(url.query))
        elif self.state.version == 0:
            self._send(HTTPStatus.SERVICE_UNAVAILABLE, "text/html", self._with_reload(_WAITING))
        else:
            super().do_HEAD() if head else super().do_GET()

    def _endpoint(self, name: str, query: dict[str, list[str]]) -> None:
        state = self.state
        if name == "version":
            since = query.get("since", [""])[0]
            current = int(since) if since.isdigit() else -1
            self._send(
                HTTPStatus.OK, "text/plain", str(state.newer_than(current, LONG_POLL_SECONDS))
            )
        elif name == "status":
            with state.condition:  # the builder flips building and pending in one step
                status = {"version": state.version, "builds": state.builds,
                          "failures": state.failures, "building": state.building,
                          "pending": self.changes.pending}  # fmt: skip
            self._send(HTTPStatus.OK, "application/json", json.dumps(status))
        else:
            self.send_error(HTTPStatus.NOT_FOUND)

    def send_head(self) -> Any:
        """Files as usual; HTML with the live-reload script, and never from a cache."""
        path = Path(self.translate_path(self.path))
        if path.is_dir() and urlsplit(self.path).path.endswith("/"):
            path = path / "index.html"
        if path.suffix != ".html" or not path.is_file():
            return super().send_head()
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:  # replaced by a build since translate_path looked
            self.send_error(HTTPStatus.NOT_FOUND)
            return None
        body = self._with_reload(text)
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        return io.BytesIO(body)

    def _with_reload(self, html: str) -> bytes:
        script = _RELOAD % (self.state.version, ENDPOINT)
        at = html.rfind("</body>")
        at = len(html) if at < 0 else at
        return (html[:at] + script + html[at:]).encode("utf-8")

    def _send(self, status: HTTPStatus, kind: str, body: str | bytes) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", f"{kind}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: a page load is dozens of requests."""


def make_server(host: str, port: int, site: Path, state: State, changes: Changes) -> Any:
    """A threaded HTTP server for ``site`` on ``host:port`` (bound, not yet serving)."""
    attributes = {"state": state, "host": host, "port": port, "changes": changes}
    handler = type("Handler", (_Handler,), attributes)

    class Server(ThreadingHTTPServer):
        address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        daemon_threads = True

    return Server((host, port), partial(handler, directory=str(site)))
