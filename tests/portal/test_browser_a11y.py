"""Accessibility (axe-core, both colour schemes) and a site that works opened from disk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.portal.browser import ARTIFACTS, page_on, search, served
from tests.portal.conftest import Site
from tests.support import needs

pytestmark = pytest.mark.browser

PAGES = [
    "",
    "features/",
    "features/user_age/",
    "features/user_order_count_30d/",
    "teams/",
    "teams/growth/",
    "entities/user/",
    "sources/user_profile/",
    "models/churn_model/",
    "tags/",
    "tags/pii/",
    "contributing/",
]


def axe_script() -> str:
    """axe-core, as the axe-playwright-python package ships it (installed by the test extra)."""
    try:
        import axe_playwright_python
    except ImportError:  # pragma: no cover - reported by needs()
        axe_playwright_python = None
    needs(axe_playwright_python is not None, "axe-playwright-python (pip install -e '.[test]')")
    assert axe_playwright_python is not None
    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()


AUDIT = """
async () => {
  const found = await axe.run(document, {resultTypes: ["violations"]});
  return found.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3)
      .map(n => n.target.join(" ") + " :: " + n.failureSummary)}));
}
"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_accessibility_violations(browser: Any, example_site: Site, scheme: str) -> None:
    script = axe_script()
    problems = []
    with served(example_site.out) as base, page_on(browser, base, scheme=scheme) as (page, _, _):
        for path in PAGES:
            page.goto(base + path)
            page.wait_for_timeout(150)
            page.add_script_tag(content=script)
            problems += [f"{path or 'home'}: {v}" for v in page.evaluate(AUDIT)]
        # The audit itself works: grey on white in the page is a serious violation.
        page.evaluate("""document.querySelector("article").insertAdjacentHTML(
          "afterbegin", '<p style="color:#bbb;background:#fff">faint</p>')""")
        assert "color-contrast" in [v["id"] for v in page.evaluate(AUDIT)]
        page.goto(base)
        search(page, "user")
        # The search box fades in: audit its final colours, not a frame of the transition.
        page.wait_for_function("document.getAnimations().every(a => a.playState !== 'running')")
        page.add_script_tag(content=script)
        problems += [f"search: {v}" for v in page.evaluate(AUDIT)]
    assert not problems, "\n".join(problems)


def test_the_offline_site_navigates_from_disk(browser: Any, offline_site: Site) -> None:
    home = (offline_site.out / "index.html").as_uri()
    with page_on(browser, home) as (page, outside, _):
        page.goto(home)
        page.locator(".md-tabs a", has_text="Features").click()
        page.wait_for_url("**/features/index.html")
        page.wait_for_selector(".fc-table-wrap[data-fc-ready]")  # the data loads from disk too
        page.locator("td[data-label='Feature'] a", has_text="user_age").click()
        page.wait_for_url("**/features/user_age/index.html")
        assert page.locator("article h1").inner_text().strip().rstrip("¶") == "user_age"
        page.locator(".fc-flow a.fc-node--model").click()
        page.wait_for_url("**/models/churn_model/index.html")
        result = search(page, "age").first
        assert result.locator("h1").first.inner_text() == "user_age"
        result.locator("a").first.click()
        page.wait_for_url("**/features/user_age/index.html*")
        page.screenshot(path=str(ARTIFACTS / "offline.png"))
        assert outside == [], "nothing is fetched from the network"
