"""The acceptance story in a real browser: Team B searches, finds ``user_age`` and reads it.

Drives Debian's Chromium (``/usr/bin/chromium``) with Playwright; no browser is downloaded.
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

import pytest

from tests.conftest import REPO_ROOT
from tests.portal.conftest import Site
from tests.portal.hostile import VECTORS, flat
from tests.support import needs

pytestmark = pytest.mark.browser
try:
    from playwright import sync_api
except ImportError:  # pragma: no cover - reported by the fixture
    sync_api = None  # type: ignore[assignment]

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


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    needs(sync_api is not None, "the playwright package (pip install -e '.[test]')")
    needs(CHROMIUM.exists(), "Debian's chromium package at /usr/bin/chromium")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


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
        if urlsplit(route.request.url).hostname == "127.0.0.1":
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


def test_team_b_finds_user_age(browser: Any, example_site: Site) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    with served(example_site.out) as base, page_on(browser, base) as (page, outside, dialogs):
        page.goto(base)
        page.wait_for_selector(".fc-cards")
        page.screenshot(path=str(ARTIFACTS / "home.png"), full_page=True)

        page.locator("label.md-search__icon, .md-search__input").first.click()
        page.locator("input.md-search__input").press_sequentially("user", delay=30)
        page.locator(".md-search-result__item").first.wait_for(timeout=15_000)
        page.screenshot(path=str(ARTIFACTS / "search.png"))
        result = page.locator('a.md-search-result__link[href*="features/user_age/"]').first
        for _ in range(10):  # Material shows results in batches as the list scrolls
            if result.count():
                break
            page.locator(".md-search__scrollwrap").evaluate("e => e.scrollTo(0, e.scrollHeight)")
            page.wait_for_timeout(300)
        result.click()

        page.wait_for_url("**/features/user_age/**")
        assert page.locator("article h1").inner_text().strip().rstrip("¶") == "user_age"
        owner = page.locator("table.fc-meta tr", has_text="Owner")
        assert "growth" in owner.inner_text()
        snippet = page.locator("#load + div.highlight code").inner_text()
        assert 'featurecat.load_features(\n    ["user_age"], entity_df=labels' in snippet
        assert page.locator("button.md-code__button").count() >= 1, "a copy button"
        used_by = page.locator("#used-by ~ .fc-scroll table.fc-list").first.inner_text()
        assert "churn_model" in used_by and "data_science" in used_by
        history = page.locator("#history ~ .fc-scroll table").first.inner_text()
        assert "Clarify when user_age is null" in history

        diagram = page.locator("div.mermaid").first
        diagram.wait_for(timeout=15_000)  # Material replaces <pre class="mermaid"> once drawn
        box = diagram.bounding_box()
        assert box is not None and box["height"] > 40
        assert page.locator("pre.mermaid").count() == 0
        assert page.locator(".fc-histogram rect").count() >= 8

        page.screenshot(path=str(ARTIFACTS / "feature.png"), full_page=True)
        assert outside == [], "the portal works offline: no request leaves localhost"
        assert dialogs == []


def test_model_lineage_is_drawn(browser: Any, example_site: Site) -> None:
    with served(example_site.out) as base, page_on(browser, base) as (page, outside, _):
        page.goto(base + "models/churn_model/")
        svg = page.locator("div.mermaid svg").first
        svg.wait_for(timeout=15_000)
        assert page.locator("pre.mermaid").count() == 0
        labels = svg.text_content() or ""
        assert "user_age" in labels and "churn_model" in labels
        assert outside == [], "Mermaid is bundled: no CDN request"


# WCAG contrast of text against what is painted under it (translucent colours blended).
CONTRAST = """
([text, under]) => {
  const rgba = s => {
    const v = s.match(/[\\d.]+/g).map(Number);
    return [...v.slice(0, 3), v[3] ?? 1];
  };
  const over = (top, under) => top.slice(0, 3).map((c, i) => c * top[3] + under[i] * (1 - top[3]));
  const linear = v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  const weights = [0.2126, 0.7152, 0.0722];
  const lum = c => c.reduce((sum, v, i) => sum + linear(v / 255) * weights[i], 0);
  const page = rgba(getComputedStyle(document.body).backgroundColor);
  const back = over(rgba(under), page);
  const [a, b] = [lum(over(rgba(text), back)), lum(back)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}
"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_and_lineage_are_readable_in_both_schemes(
    browser: Any, example_site: Site, scheme: str
) -> None:
    with served(example_site.out) as base, page_on(browser, base, scheme=scheme) as (page, _, _):
        page.goto(base + "features/user_age/")
        muted = page.locator(".fc-fact").first.evaluate("e => getComputedStyle(e).color")
        assert page.evaluate(CONTRAST, [muted, "rgba(0, 0, 0, 0)"]) >= 4.5, muted
        line = page.locator("table.fc-meta").evaluate("e => getComputedStyle(e).borderTopColor")
        assert page.evaluate(CONTRAST, [line, "rgba(0, 0, 0, 0)"]) >= 1.1, "the border shows"
        nodes = page.locator("div.mermaid g.node")
        nodes.first.wait_for(timeout=15_000)
        for node in nodes.all():
            label = node.locator(".nodeLabel p").evaluate("e => getComputedStyle(e).color")
            fill = node.locator("rect.label-container").evaluate("e => getComputedStyle(e).fill")
            assert page.evaluate(CONTRAST, [label, fill]) >= 4.5, (node.text_content(), label, fill)
        page.screenshot(path=str(ARTIFACTS / f"feature-{scheme}.png"), full_page=True)


PAGES = ["", "features/user_age/", "models/churn_model/", "teams/growth/", "sources/user_profile/"]


def test_pages_fit_a_phone(browser: Any, example_site: Site) -> None:
    with served(example_site.out) as base, page_on(browser, base, width=390) as (page, _, _):
        for path in PAGES:
            page.goto(base + path)
            assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
            page.screenshot(path=str(ARTIFACTS / f"phone-{path.split('/')[0] or 'home'}.png"))


def test_feature_tables_fit_a_desktop(browser: Any, example_site: Site) -> None:
    with served(example_site.out) as base, page_on(browser, base, width=1400) as (page, _, _):
        for path in PAGES[2:]:
            page.goto(base + path)
            wrap = page.locator(".fc-table-wrap").first
            assert wrap.evaluate("e => e.scrollWidth <= e.clientWidth"), f"{path} clips a column"


def test_all_features_table_filters(browser: Any, example_site: Site) -> None:
    with served(example_site.out) as base, page_on(browser, base) as (page, _, _):
        page.goto(base + "features/")
        rows = page.locator("table.fc-table tbody tr")
        assert rows.count() == 23
        page.locator(".fc-controls input").fill("merchant")
        visible = [r for r in rows.all() if r.is_visible()]
        assert 0 < len(visible) < 23
        assert all("merchant" in r.inner_text().lower() for r in visible)
        page.screenshot(path=str(ARTIFACTS / "features.png"), full_page=True)


def test_hostile_descriptions_render_as_text(browser: Any, hostile_site: Site) -> None:
    with served(hostile_site.out) as base, page_on(browser, base) as (page, _, dialogs):
        for name, description in sorted(VECTORS.items()):
            page.goto(f"{base}features/{name}/")
            page.wait_for_selector("article h1")
            shown = flat(page.locator("article").inner_text())
            assert flat(description) in shown, name
        page.goto(f"{base}features/script/")
        page.screenshot(path=str(ARTIFACTS / "hostile.png"), full_page=True)
        page.goto(f"{base}teams/growth/")
        page.wait_for_timeout(500)
        assert dialogs == [], "no injected script ran"
