"""Driving Debian's Chromium (``/usr/bin/chromium``) with Playwright; no browser is downloaded.

The ``browser`` fixture is in conftest.py; these are the helpers the browser tests share.
Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.conftest import REPO_ROOT

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = REPO_ROOT / "test-artifacts"
# Material draws each diagram in a closed shadow root; open it so tests can read the SVG.
OPEN_SHADOW_ROOTS = """
const attach = Element.prototype.attachShadow;
Element.prototype.attachShadow = function (init) {
  return attach.call(this, {...init, mode: "open"});
};
"""


@contextmanager
def served(folder: Path) -> Iterator[str]:
    """``folder`` over HTTP on a free localhost port."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def page_on(
    browser: Any, base: str, *, width: int = 1280, scheme: str = "light"
) -> Iterator[tuple[Any, list[str], list[str]]]:
    """A page that records requests leaving localhost and any dialog (alert) opened."""
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    page.add_init_script(OPEN_SHADOW_ROOTS)
    outside: list[str] = []
    dialogs: list[str] = []

    def route(route: Any) -> None:
        parts = urlsplit(route.request.url)
        if parts.hostname == "127.0.0.1" or parts.scheme == "file":
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", route)
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        yield page, outside, dialogs
    finally:
        context.close()
