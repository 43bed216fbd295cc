"""Every user-written string is hostile: each vector is built into a real site with MkDocs,
and must come out as visible text in the HTML and in the search index, never as markup."""

from __future__ import annotations

import html
import re

import pytest

from tests.portal.conftest import Site
from tests.portal.hostile import HOSTILE_COMMIT, VECTORS, flat, live_markup, visible_text


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_description_renders_as_text(hostile_site: Site, name: str) -> None:
    page = hostile_site.html(f"features/{name}")
    assert live_markup(page) == []
    assert flat(VECTORS[name]) in visible_text(page)


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_search_index_holds_description_as_escaped_text(hostile_site: Site, name: str) -> None:
    entries = [e for e in hostile_site.search_index() if e["location"] == f"features/{name}/"]
    assert len(entries) == 1, "the feature page is indexed once (front matter did not change it)"
    entry = entries[0]
    assert entry["title"] == name
    for raw in ("<script", "<img", "<iframe", "<style", "<svg", "<!--"):
        assert raw not in entry["text"]
    shown = flat(html.unescape(re.sub(r"</?(p|code|li|ul|ol)>", " ", entry["text"])))
    assert flat(VECTORS[name]) in shown


def test_every_page_is_free_of_live_markup(hostile_site: Site) -> None:
    pages = sorted(hostile_site.out.rglob("*.html"))
    assert len(pages) > 20
    found = {str(p.relative_to(hostile_site.out)): live_markup(p.read_text()) for p in pages}
    assert {page: bad for page, bad in found.items() if bad} == {}


def test_front_matter_cannot_be_injected(hostile_site: Site) -> None:
    page = hostile_site.html("features/front_matter")
    assert "<title>front_matter - " in page
    assert "pwned" not in page.split("<body", 1)[0].replace("title: pwned", "")


def test_meta_descriptions_are_escaped(hostile_site: Site) -> None:
    home = hostile_site.html("")
    meta = re.search(r'<meta name="description" content="([^"]*)">', home)
    assert meta is not None
    assert html.unescape(meta.group(1)) == "\"><script>alert('meta')</script>"
    feature = hostile_site.html("features/script")
    meta = re.search(r'<meta name="description" content="([^"]*)">', feature)
    assert meta is not None and "<" not in meta.group(1)


def test_team_contact_and_model_text_render_as_text(hostile_site: Site) -> None:
    team = hostile_site.html("teams/growth")
    assert live_markup(team) == []
    assert "<img src=x onerror=alert('contact')>" in visible_text(team)
    model = hostile_site.html("models/churn_model")
    assert "<svg onload=alert('model')> | broken | table" in visible_text(model)


def test_commit_messages_render_as_text(hostile_site: Site) -> None:
    for page in ("", "features/script"):
        shown = visible_text(hostile_site.html(page))
        assert flat(HOSTILE_COMMIT) in shown


def test_data_values_render_as_text(hostile_site: Site) -> None:
    page = hostile_site.html("features/user_country")
    assert live_markup(page) == []
    assert "<script>alert('data')</script>" in visible_text(page)


def test_a_mermaid_fence_in_a_description_is_text(hostile_site: Site) -> None:
    page = hostile_site.html("features/mermaid_fence")
    assert '<pre class="mermaid">' not in page, "the description's fence is not a diagram"
    assert "assets/featurecat/mermaid.min.js" not in page
    lineage = page[page.index('class="fc-flow"') :]
    nodes = re.findall(r'class="fc-node fc-node--(\w+)[^"]*"[^>]*>.*?<code>(.*?)</code>', lineage)
    assert nodes[:2] == [("source", "user_profile"), ("feature", "mermaid_fence")]


def test_jinja_in_descriptions_is_never_evaluated(hostile_site: Site) -> None:
    shown = visible_text(hostile_site.html("features/jinja"))
    assert "{{ 7*7 }}" in shown
    assert re.search(r"\b49\b", shown) is None  # as a word: commit ids on the page may hold 49
