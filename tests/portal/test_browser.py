"""The acceptance story in a real browser: Team B searches, finds ``user_age`` and reads it.

Drives Debian's Chromium (``/usr/bin/chromium``) with Playwright; no browser is downloaded.
Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.portal.browser import ARTIFACTS, page_on, served
from tests.portal.conftest import Site
from tests.portal.hostile import VECTORS, flat

pytestmark = pytest.mark.browser


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

        lineage = page.locator(".fc-flow")
        assert lineage.locator(".fc-node--focus").inner_text().split() == ["FEATURE", "user_age"]
        assert lineage.locator("a.fc-node--model").inner_text().split()[-1] == "churn_model"
        assert page.locator(".fc-histogram rect").count() >= 8

        page.screenshot(path=str(ARTIFACTS / "feature.png"), full_page=True)
        assert outside == [], "the portal works offline: no request leaves localhost"
        assert dialogs == []


def test_lineage_nodes_lead_to_their_pages(browser: Any, example_site: Site) -> None:
    with served(example_site.out) as base, page_on(browser, base) as (page, outside, _):
        page.goto(base + "models/churn_model/")
        lineage = page.locator(".fc-flow")
        assert lineage.locator(".fc-node--focus").inner_text().split()[-1] == "churn_model"
        assert lineage.locator("a.fc-node--source").count() >= 2
        lineage.locator("a.fc-node--feature", has_text="user_age").click()
        page.wait_for_url("**/features/user_age/")
        page.locator(".fc-flow a.fc-node--source").click()
        page.wait_for_url("**/sources/user_profile/")
        assert outside == []


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
        for node in page.locator(".fc-flow .fc-node").all():
            label = node.locator("code").evaluate("e => getComputedStyle(e).color")
            fill = node.evaluate("e => getComputedStyle(e).backgroundColor")
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
        page.wait_for_selector(".fc-table-wrap[data-fc-ready]")
        rows = page.locator("table.fc-table tbody tr")
        assert rows.count() == 23
        page.locator(".fc-controls input").fill("merchant")
        visible = [r for r in rows.all() if r.is_visible()]
        assert 0 < len(visible) < 23
        assert all("merchant" in r.inner_text().lower() for r in visible)
        page.locator(".fc-controls select[aria-label='Filter by owner']").select_option("risk")
        owners = page.locator("table.fc-table tbody td[data-label='Owner']").all_inner_texts()
        assert owners and set(owners) == {"risk"}
        assert page.locator(".fc-count").inner_text() == f"{len(owners)} of 23 features"


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
