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


def search(page: Any, text: str, *, timeout: float = 30_000) -> Any:
    """Type ``text`` into Material's search box at once and wait for its results.

    Typed key by key, each prefix's results show in turn and a test could read a prefix's;
    the box is cleared first so that no earlier query's results are still on screen.
    """
    from playwright.sync_api import expect

    box = page.locator("input.md-search__input")
    if not box.is_visible():
        page.locator("label.md-search__icon, label.md-header__button[for='__search']").first.click()
    box.fill("")
    box.press("End")
    results = page.locator(".md-search-result__item")
    expect(results).to_have_count(0, timeout=timeout)
    box.fill(text)
    box.press("End")
    results.first.wait_for(timeout=timeout)
    return results
