"""The pure render: catalog, history and profiles in, ``{path: markdown}`` out."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from featurecat.catalog import Catalog
from featurecat.changes import History
from featurecat.portal.environment import environment
from featurecat.portal.fragments import split
from featurecat.portal.links import Options
from featurecat.portal.pages import render_pages
from featurecat.portal.profile import Profiles
from tests.support import make_catalog


@pytest.fixture
def pages(tmp_path: Path) -> dict[str, str]:
    catalog = Catalog.load(make_catalog(tmp_path / "catalog"))
    return render_pages(catalog, History(), Profiles(), Options(catalog_path="ml/catalog"))


def meta(page: str) -> dict[str, object]:
    loaded: dict[str, object] = yaml.safe_load(page.split("---\n", 2)[1])
    return loaded


def test_one_page_per_object_and_index(pages: dict[str, str]) -> None:
    assert set(pages) == {
        "index.md",
        "contributing.md",
        *(
            f"{folder}/index.md"
            for folder in ("features", "teams", "entities", "sources", "models", "tags")
        ),
        "features/user_age/index.md",
        "features/user_country/index.md",
        "teams/growth/index.md",
        "teams/risk/index.md",
        "entities/user/index.md",
        "sources/user_profile/index.md",
        "models/churn_model/index.md",
        "tags/demographics/index.md",
        "assets/featurecat/features.js",
    }


def test_feature_page(pages: dict[str, str]) -> None:
    page = pages["features/user_age/index.md"]
    assert meta(page) == {
        "title": "user_age",
        "description": "Age of the user in years.",
        "tags": ["demographics"],
        "hide": ["navigation"],
        "featurecat": {  # what search shows and filters by
            "kind": "feature",
            "owner": "growth",
            "entity": "user",
            "dtype": "int64",
            "status": "production",
        },
    }
    body, fragments, sections = split(page)
    assert [anchor for anchor, _ in sections] == [
        "overview",
        "load",
        "used-by",
        "lineage",
        "profile",
        "history",
    ]
    assert "# user\\_age\n" in body
    assert "Age of the user in years\\." in body
    html = "\n".join(fragments.values())
    assert '<span class="s2">"ml/catalog"</span>' in html and "load_features" in html
    assert '<a href="../../models/churn_model/">churn_model</a>' in html
    assert '<a href="../../teams/growth/">growth</a>' in html
    assert "<code>ml/catalog/features/user/user_age.yaml</code>" in html
    assert "No recorded history" in html


def test_index_pages_are_excluded_from_search(pages: dict[str, str]) -> None:
    for path in ("features/index.md", "tags/index.md", "tags/demographics/index.md"):
        assert meta(pages[path])["search"] == {"exclude": True}


def test_templates_cannot_print_flags_or_bypass_escaping() -> None:
    env = environment()
    with pytest.raises(TypeError):
        env.from_string("{{ x }}").render(x=None)
    assert "safe" not in env.filters and "e" not in env.filters and "format" not in env.filters
    text = env.from_string("{{ a.b ~ links }}").render(a={"b": "<i>_x_</i>"}, links="")
    assert text == "&lt;i&gt;\\_x\\_&lt;/i&gt;"


def test_forked_workers_render_the_same_pages() -> None:
    from featurecat.history import read_history
    from tests.conftest import EXAMPLE_CATALOG

    catalog = Catalog.load(EXAMPLE_CATALOG)
    history = read_history(catalog.root)
    one = render_pages(catalog, history, Profiles(), workers=1)
    forked = render_pages(catalog, history, Profiles(), workers=3)
    assert list(forked.items()) == list(one.items())
    assert len([p for p in one if p.startswith("features/")]) == len(catalog.features) + 1
