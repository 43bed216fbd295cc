"""The example portal, built once: SPEC's docs contract and what Team B needs to see."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from featurecat.catalog import Catalog
from tests.portal.conftest import USER_AGE_EDIT, Site
from tests.portal.hostile import visible_text


def test_every_object_has_its_page(example_site: Site) -> None:
    catalog = Catalog.load(example_site.catalog)
    for folder, names in (
        ("features", catalog.features),
        ("teams", catalog.teams),
        ("entities", catalog.entities),
        ("sources", catalog.sources),
        ("models", catalog.models),
        ("tags", {t for f in catalog.features.values() for t in f.tags}),
    ):
        for name in names:
            assert (example_site.out / folder / name / "index.html").is_file(), (folder, name)
    assert (example_site.out / "index.html").is_file()
    assert (example_site.out / "features" / "index.html").is_file()


def test_search_index_covers_every_feature(example_site: Site) -> None:
    catalog = Catalog.load(example_site.catalog)
    entries = {e["location"]: e for e in example_site.search_index()}
    for name, feature in catalog.features.items():
        entry = entries[f"features/{name}/"]
        assert entry["title"] == name
        assert " ".join(feature.description.split())[:60] in " ".join(entry["text"].split())
        assert entry.get("tags", []) == list(feature.tags)


def test_search_index_stays_lean(example_site: Site) -> None:
    locations = [e["location"] for e in example_site.search_index()]
    assert len(locations) == len(set(locations)), "one entry per page: sections are excluded"
    assert not any(loc.startswith(("tags/", "features/#")) for loc in locations)
    assert not any("#history" in loc or "#profile" in loc for loc in locations)


def test_feature_page_answers_the_questions(example_site: Site) -> None:
    page = example_site.html("features/user_age")
    shown = visible_text(page)
    assert "Age of the account holder" in shown  # what it is
    assert "production" in shown and "data up to 2025-06-11" in shown  # can I trust it
    assert 'href="../../teams/growth/"' in page and "growth@acme.example.com" in shown  # owner
    assert "entity_df=labels" in shown and '"user_age"' in shown  # how to load it
    assert 'href="../../models/churn_model/"' in page and "data_science" in shown  # who uses it
    assert USER_AGE_EDIT in shown and "modified: description changed" in shown  # what changed
    lineage = page[page.index('class="fc-flow"') :]  # where it comes from and goes, as links
    assert re.search(r"user_profile.*user_age.*churn_model", lineage, re.S)
    assert 'href="../../sources/user_profile/"' in lineage
    assert 'href="../../models/churn_model/"' in lineage


def test_feature_page_shows_the_data_profile(example_site: Site) -> None:
    page = example_site.html("features/user_age")
    shown = visible_text(page)
    assert "Rows 1,109" in shown and "Null 12.3%" in shown and "Max 80" in shown
    assert page.count("<rect ") >= 8, "a histogram drawn as inline SVG"
    assert "Most frequent" in visible_text(example_site.html("features/user_country"))


def test_deprecated_feature_names_its_replacement(example_site: Site) -> None:
    page = example_site.html("features/user_order_count_30d")
    assert "Deprecated" in visible_text(page)
    banner = page[page.index("admonition warning") :]
    assert 'href="../orders_30d/"' in banner[:600]


def test_team_pages_show_only_what_the_team_owns(example_site: Site) -> None:
    headings = re.compile(r'<h2[^>]* id="([a-z-]+)"')
    consumer = example_site.html("teams/data_science")
    assert headings.findall(consumer) == ["models"], "a team that only trains models"
    assert "churn_model" in visible_text(consumer) and "yet" not in visible_text(consumer)
    producer = example_site.html("teams/growth")
    assert headings.findall(producer) == ["features", "consumers", "sources"]


def test_home_page_counts_recent_changes_and_contributing(example_site: Site) -> None:
    page = example_site.html("")
    shown = visible_text(page)
    assert "23 features" in shown and "4 teams" in shown and "2 models" in shown
    assert "By team" in shown and "By status" in shown and "By entity" in shown
    assert USER_AGE_EDIT in shown.split("Recently changed", 1)[1]
    assert 'href="contributing/"' in page
    assert "This page is hand-written" in visible_text(example_site.html("contributing"))


def test_site_settings_and_material_features(example_site: Site) -> None:
    page = example_site.html("features/user_age")
    assert "<title>user_age - Acme feature catalog</title>" in page
    assert 'class="md-tag"' in page and 'href="../../tags/pii/"' in page
    assert "assets/featurecat/mermaid.min.js" not in page, "no diagram, no Mermaid"
    assert "unpkg.com" not in page and "fonts.googleapis.com" not in page


def test_every_page_with_a_diagram_loads_mermaid(example_site: Site) -> None:
    for page in example_site.out.rglob("index.html"):
        html = page.read_text(encoding="utf-8")
        has_diagram = '<pre class="mermaid">' in html
        assert has_diagram == ("assets/featurecat/mermaid.min.js" in html), page


def test_feature_pages_are_kept_out_of_the_navigation(example_site: Site) -> None:
    home = example_site.html("")
    nav = home[home.index('class="md-tabs"') :]
    nav = nav[: nav.index("</nav>")]
    assert "user_age" not in nav and "Features" in nav


def test_all_features_table_lists_every_feature(example_site: Site) -> None:
    page = example_site.html("features")
    rows = re.findall(
        r'<tr><td data-label="Feature"><a href="([^"]+)"><code>([a-z0-9_]+)</code>', page
    )
    assert len(rows) == 23
    assert ("../features/user_age/", "user_age") in rows
    assert "data-fc-filters" in page and "assets/featurecat/portal.js" in page
    assert 'data-fc-data="../assets/featurecat/features.js"' in page


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for key, value in attrs:
            if key in ("href", "src") and value:
                self.links.append(value)


def test_every_internal_link_resolves(example_site: Site) -> None:
    out = example_site.out
    broken = []
    for page in out.rglob("*.html"):
        if page.name == "404.html":
            continue  # Material's 404 page links from the site root, wherever it is served
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        for link in parser.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or not parts.path:
                continue
            target = Path(unquote(str((page.parent / parts.path).resolve())))
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(out)} -> {link}")
    assert broken == []


def test_build_reports_its_phases(example_site: Site) -> None:
    lines = example_site.output.splitlines()
    assert lines[0] == "Building the portal of 'acme': 23 features, 5 sources, 2 models"
    for phase, detail in (
        ("history", "changes to"),
        ("profile", "5 sources, 23 columns"),
        ("pages", "pages generated"),
        ("write", "files changed"),
        ("mkdocs", "pages built into"),
    ):
        assert any(re.match(rf"  {phase} +.*{detail}.* +\d+\.\d\ds$", line) for line in lines)
    assert lines[-1].startswith("Portal built in ")


def test_the_example_catalog_copied_out_of_its_repository_still_builds(tmp_path: Path) -> None:
    import shutil

    from tests.conftest import EXAMPLE_CATALOG
    from tests.support import cli

    shutil.copytree(EXAMPLE_CATALOG, tmp_path / "catalog", ignore=shutil.ignore_patterns(".*"))
    validated = cli("validate", cwd=tmp_path)
    assert validated.exit_code == 0, validated.output
    assert (
        "catalog/featurecat.yaml:7: warning: site '../site' points outside the repository, so "
        "the portal ignores it and uses the default look"
    ) in validated.output
    built = cli("docs", "build", "--out", tmp_path / "out", cwd=tmp_path)
    assert built.exit_code == 0, built.output
    assert "is outside the repository; ignoring it" in built.output
    assert (tmp_path / "out" / "features" / "user_age" / "index.html").is_file()
