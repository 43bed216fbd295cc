"""Property-based: whatever ``site/mkdocs.yml`` holds, the portal builds or says what is wrong.

Every error a user can cause is a ``FeaturecatError`` (a diagnostic with the file and line for
a setting), never another exception; and a site that builds has no live markup, whatever text
its settings hold.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from featurecat import Catalog
from featurecat.errors import CatalogError, FeaturecatError
from featurecat.portal.build import build_portal
from featurecat.portal.settings import SETTINGS, OneOf, read_settings
from tests.portal.hostile import live_markup
from tests.support import GIT_TEST_ENV, build_tree, commit_all, init_repo, make_catalog

HOSTILE = [
    "<script>alert('x')</script>",
    '"><img src=x onerror=alert(1)>',
    "' onmouseover='alert(2)",
    "{{ 7*7 }}",
    "javascript:alert(3)",
    "&amp; &lt;",
    "material/weather-night",
    "fontawesome/brands/github",
    "navigation.tabs",
    "en",
    "",
]
URLS = [
    "https://example.com/acme",
    "http://example.com/a?b=1&c=2",
    "assets/extra.css",
    "foo",
    "//evil.example/x.js",
    "javascript:alert(4)",
    'https://x"onmouseover=alert(5)//',
    "data:text/html,<script>alert(6)</script>",
    "https://[::1",
]
KEYS = [*SETTINGS, "hooks", "plugins", "nav", "social", "link", "icon", "name", "palette"]

scalars = st.one_of(
    st.sampled_from(HOSTILE + URLS),
    st.text(max_size=12),
    st.integers(-5, 5),
    st.booleans(),
    st.none(),
)
anything = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner),
    max_leaves=8,
)


def shaped(shape: Any) -> st.SearchStrategy[Any]:
    """Values that mostly fit ``shape`` (so builds get far), and now and then anything."""
    if isinstance(shape, OneOf):
        fitting = st.one_of([shaped(s) for s in shape.shapes])
    elif isinstance(shape, list):
        fitting = st.lists(shaped(shape[0]), max_size=3)
    elif isinstance(shape, dict):
        named = {k: shaped(v) for k, v in shape.items() if k != "*"}
        extra = st.dictionaries(st.sampled_from(KEYS), anything, max_size=1)
        fitting = (
            st.fixed_dictionaries({}, optional=named) | extra
            if "*" in shape
            else (st.fixed_dictionaries({}, optional=named))
        )
    elif shape in ("web", "link"):
        fitting = st.sampled_from(URLS)
    elif shape == "flag":
        fitting = st.booleans()
    else:
        fitting = st.sampled_from(HOSTILE) | st.text(max_size=12)
    return st.one_of(fitting, fitting, fitting, anything)


documents = shaped(SETTINGS) | anything


@pytest.fixture(scope="module")
def site_repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
        for name, value in GIT_TEST_ENV.items():
            patch.setenv(name, value)
        repo = init_repo(tmp_path_factory.mktemp("fuzz") / "repo")
        make_catalog(repo / "catalog", {"featurecat.yaml": "name: test\nsite: ../site\n"})
        build_tree(repo / "site", {"docs/extra.css": "p {}\n"})
        commit_all(repo, "Add the catalog")
        yield repo


def _write(repo: Path, document: Any) -> Path:
    path = repo / "site" / "mkdocs.yml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_settings_are_read_or_reported_with_a_line(site_repo: Path, document: Any) -> None:
    path = _write(site_repo, document)
    try:
        read_settings(path)
    except CatalogError as exc:
        assert exc.errors
        for diagnostic in exc.errors:
            assert diagnostic.path.endswith("mkdocs.yml") and diagnostic.line >= 1
            assert "\n" not in diagnostic.message


@pytest.mark.slow
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(document=shaped(SETTINGS))
def test_any_settings_build_or_fail_cleanly(site_repo: Path, document: Any) -> None:
    _write(site_repo, document)
    out = site_repo.parent / "out"
    shutil.rmtree(out, ignore_errors=True)
    try:
        build_portal(Catalog.load(site_repo / "catalog"), out)
    except CatalogError as exc:
        assert all(d.path.endswith("mkdocs.yml") and d.line >= 1 for d in exc.errors), exc
        return
    except FeaturecatError as exc:
        assert str(exc).strip(), "a clear message"
        return
    for page in ("index.html", "features/user_age/index.html"):
        assert live_markup((out / page).read_text(encoding="utf-8")) == [], page
