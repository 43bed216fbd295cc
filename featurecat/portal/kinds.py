"""The portal's kinds of page, in one table that the render, the navigation and the build read.

A kind has an index page, ``<folder>/index.md``, listing its objects, and a page per object,
``<folder>/<name>/index.md``. Both come from one template, ``pages/<kind>.md.j2``: it renders
the index when ``name`` is none, and the object's page otherwise.

To add a kind of page, add a :class:`PageKind` to :data:`KINDS` and write its template;
``tests/portal/test_kinds.py`` fails while anything is missing (the template, either page,
the navigation tab, the home page's count, the link from a page to its definition file).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from featurecat.names import Kind

if TYPE_CHECKING:
    from featurecat.portal.view import View

#: Object pages are not in the navigation, so its sidebar would stand empty beside them on
#: wide screens; their tables get its width instead. (Phones keep the navigation drawer.)
OBJECT_PAGE_HIDES = ("navigation",)

Meta = Callable[["View", str], dict[str, Any]]


def object_meta(view: View, name: str) -> dict[str, Any]:
    """An object page's front matter: its name as the title."""
    return {"title": name, "hide": list(OBJECT_PAGE_HIDES)}


def _facts(kind: Kind) -> Meta:
    """Front matter with the catalog facts that the portal's search shows and filters by
    (``featurecat``: kind, owner, entity; see plugin.py's SEARCH_FIELDS)."""

    def meta(view: View, name: str) -> dict[str, Any]:
        obj = view.catalog.objects(kind)[name]
        facts = {"kind": kind.value}
        for key in ("owner", "entity"):
            if getattr(obj, key, None):
                facts[key] = str(getattr(obj, key))
        return {**object_meta(view, name), "featurecat": facts}

    return meta


def _unsearched_meta(view: View, name: str) -> dict[str, Any]:
    # A tag's page only lists features; search finds the features themselves.
    return {**object_meta(view, name), "search": {"exclude": True}}


def _feature_meta(view: View, name: str) -> dict[str, Any]:
    feature = view.catalog.features[name]
    meta: dict[str, Any] = {
        "title": name,
        "description": view.summary(feature),  # plugin.py escapes it
        "hide": list(OBJECT_PAGE_HIDES),
        "featurecat": {
            "kind": "feature",
            "owner": feature.owner,
            "entity": view.catalog.sources[feature.source].entity,
            "dtype": str(feature.dtype),
            "status": str(feature.status),
        },
    }
    if feature.tags:
        meta["tags"] = list(feature.tags)  # shown by the theme and indexed by search
    return meta


def _feature_page(view: View, name: str) -> Any:
    from featurecat.portal.pagedata import feature_page

    return feature_page(view, name)


@dataclass(frozen=True)
class PageKind:
    """One kind of page: where its pages go, how they are titled and what they list."""

    name: str
    """The kind as templates and links name it (``links.url("team", name)``), and its
    template's name; for a kind defined in the catalog, the catalog kind's name."""
    folder: str
    """The URL folder of its pages; the home page's card calls the objects this too."""
    nav: str
    """Its tab in the navigation, which leads to its index page."""
    title: str
    """The title of its index page."""
    catalog: Kind | None = None
    """The catalog kind its objects are defined as: their pages name their files."""
    listed: Callable[[View], Collection[str]] | None = None
    """For a kind not defined in the catalog (tags): the names of its objects."""
    meta: Meta = object_meta
    """The front matter of an object's page."""
    parallel: bool = False
    """Whether its object pages are many enough to render in forked workers (see pages.py)."""
    page: Callable[[View, str], Any] | None = None
    """For kinds with many pages: the one value an object's page is rendered from (the
    template then gets it as ``page``, and no ``catalog`` or ``view``), so that an unchanged
    value means an unchanged page (see :mod:`.pagedata`)."""

    def names(self, view: View) -> Collection[str]:
        """The names of this kind's objects (unordered)."""
        if self.catalog is not None:
            return view.catalog.objects(self.catalog).keys()
        assert self.listed is not None, f"page kind {self.name} lists no objects"
        return self.listed(view)

    def index_meta(self) -> dict[str, Any]:
        """The index page's front matter. One table each, no sections: the sidebars would only
        take its width, and search finds the objects on their own pages."""
        return {"title": self.title, "hide": ["navigation", "toc"], "search": {"exclude": True}}


#: Every kind of page, in navigation order.
KINDS: tuple[PageKind, ...] = (
    PageKind(
        "feature",
        "features",
        "Features",
        "All features",
        catalog=Kind.FEATURE,
        meta=_feature_meta,
        parallel=True,
        page=_feature_page,
    ),
    PageKind("team", "teams", "Teams", "Teams", catalog=Kind.TEAM, meta=_facts(Kind.TEAM)),
    PageKind(
        "entity", "entities", "Entities", "Entities", catalog=Kind.ENTITY, meta=_facts(Kind.ENTITY)
    ),
    PageKind(
        "source", "sources", "Sources", "Sources", catalog=Kind.SOURCE, meta=_facts(Kind.SOURCE)
    ),
    PageKind("model", "models", "Models", "Models", catalog=Kind.MODEL, meta=_facts(Kind.MODEL)),
    PageKind("tag", "tags", "Tags", "Tags", listed=lambda view: view.tags, meta=_unsearched_meta),
)
BY_NAME = {kind.name: kind for kind in KINDS}


def page_path(kind: str, name: str | None = None) -> str:
    """The Markdown path of an object's page, or of a kind's index page without ``name``."""
    folder = BY_NAME[kind].folder
    return f"{folder}/index.md" if name is None else f"{folder}/{name}/index.md"
