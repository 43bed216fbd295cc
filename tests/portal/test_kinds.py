"""The table of page kinds is complete: every entry has all its parts, and nothing is left out.

Adding a kind of page is one entry in ``featurecat/portal/kinds.py`` and one template; these
tests fail while either is missing, or while anything that lists the kinds does not follow.
"""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from featurecat.catalog import Catalog
from featurecat.changes import History
from featurecat.names import OBJECT_KINDS
from featurecat.portal import safety, site
from featurecat.portal.kinds import KINDS, PageKind, page_path
from featurecat.portal.links import Options
from featurecat.portal.pages import render_pages
from featurecat.portal.profile import Profiles
from tests.support import make_catalog

TEMPLATES = resources.files("featurecat") / "templates" / "portal" / "pages"
#: Templates of the pages that are not a kind's: the home page, the contributing guide, and
#: the macros the others import.
OTHER_TEMPLATES = {"home", "contributing", "_macros"}


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    return Catalog.load(make_catalog(tmp_path_factory.mktemp("kinds") / "catalog"))


@pytest.fixture(scope="module")
def pages(catalog: Catalog) -> dict[str, str]:
    return render_pages(catalog, History(), Profiles(), Options(catalog_path="catalog"))


def front_matter(page: str) -> dict[str, object]:
    loaded: dict[str, object] = yaml.safe_load(page.split("---\n", 2)[1])
    return loaded


def names(kind: PageKind, pages: dict[str, str]) -> set[str]:
    """The objects whose pages were rendered for ``kind``."""
    prefix = f"{kind.folder}/"
    return {
        path.removeprefix(prefix).removesuffix("/index.md")
        for path in pages
        if path.startswith(prefix) and path != page_path(kind.name)
    }


def test_names_and_folders_are_unique() -> None:
    assert len({k.name for k in KINDS}) == len(KINDS)
    assert len({k.folder for k in KINDS}) == len(KINDS)
    assert all("/" not in k.folder and k.folder != "assets" for k in KINDS)


def test_templates_are_the_kinds_and_the_other_pages() -> None:
    found = {
        entry.name.removesuffix(".md.j2")
        for entry in TEMPLATES.iterdir()
        if entry.name.endswith(".md.j2")
    }
    assert found == {k.name for k in KINDS} | OTHER_TEMPLATES


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_each_kind_has_an_index_and_a_page_per_object(
    kind: PageKind, catalog: Catalog, pages: dict[str, str]
) -> None:
    index = pages[page_path(kind.name)]
    assert front_matter(index)["title"] == kind.title
    assert "search" in front_matter(index)  # the objects' own pages are what search finds
    rendered = names(kind, pages)
    assert rendered, f"the test catalog has no {kind.name} to render a page for"
    if kind.catalog is not None:
        assert rendered == set(catalog.objects(kind.catalog))
    for name in rendered:
        page = pages[page_path(kind.name, name)]
        assert front_matter(page)["title"] == name
        assert f"\n# {safety.text(name)}\n" in page  # the template's own heading


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_each_kind_is_in_the_navigation_and_owns_its_folder(
    kind: PageKind, catalog: Catalog
) -> None:
    config = site.mkdocs_config(catalog, site.SiteSources(), [])
    assert {kind.nav: page_path(kind.name)} in config["nav"]
    # Thousands of object pages stay out of the navigation; index pages are in it.
    assert f"/{kind.folder}/*/index.md" in config["not_in_nav"].split("\n")
    assert site.reserved(f"{kind.folder}/anything.md")


def test_the_home_page_counts_every_kind(pages: dict[str, str]) -> None:
    home = pages["index.md"]
    for kind in KINDS:
        assert f'<a class="fc-card" href="{kind.folder}/"><strong>' in home


def test_every_kind_of_definition_has_pages() -> None:
    """Each catalog kind but the project has a page kind of the same name, so templates can
    ask for an object's history and file with the name they link with."""
    by_catalog = {k.catalog: k.name for k in KINDS if k.catalog is not None}
    assert by_catalog == {kind: kind.value for kind in OBJECT_KINDS}


def test_kinds_not_defined_in_the_catalog_list_their_objects() -> None:
    listed = [k for k in KINDS if k.catalog is None]
    assert listed and all(k.listed is not None for k in listed)
    assert all(k.listed is None for k in KINDS if k.catalog is not None)
