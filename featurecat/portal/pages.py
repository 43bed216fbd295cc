"""The portal's pages: catalog, history and profiles in, ``{path: markdown}`` out.

This module is pure: it reads no files (templates come from package data) and runs no git or
DuckDB. Templates are rendered in a sandboxed Jinja environment with ``StrictUndefined``. Every
``{{ value }}`` that is not already marked safe is escaped as inline Markdown text by
``finalize``, and templates choose another context explicitly with the one filter,
``esc("block" | "html" | "mermaid" | "python")``, all defined in :mod:`.safety`. So a template
cannot print a user-written string unescaped by forgetting a filter.
"""

from __future__ import annotations

import os
import posixpath
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from markupsafe import Markup

from featurecat.catalog import Catalog
from featurecat.changes import Change, History, describe_change
from featurecat.dtypes import DTYPES
from featurecat.names import Kind
from featurecat.portal import charts, safety
from featurecat.portal.fragments import Slots
from featurecat.portal.profile import ColumnProfile, Profiles, SourceProfile
from featurecat.portal.workers import forkable, forked_map
from featurecat.schema import Feature, Model

#: URL folder of each kind of page; every object page is ``<folder>/<name>/index.md``.
FOLDERS = {
    "feature": "features",
    "team": "teams",
    "entity": "entities",
    "source": "sources",
    "model": "models",
    "tag": "tags",
}
RECENT_CHANGES = 12
SUMMARY_CHARS = 160
MAX_LINEAGE_NODES = 40
#: Object pages are not in the navigation, so its sidebar would stand empty beside them on
#: wide screens; their tables get its width instead. (Phones keep the navigation drawer.)
OBJECT_PAGE_HIDES = ("navigation",)


@dataclass(frozen=True)
class Options:
    """How the portal refers to things outside the catalog."""

    catalog_path: str = "catalog"
    """The catalog folder as training code names it (relative to the repository's top)."""
    repo_url: str | None = None
    """The repository's web address, for links to commits and definition files."""


def page_path(kind: str, name: str | None = None) -> str:
    """The Markdown path of an object's page, or of a kind's index page without ``name``."""
    folder = FOLDERS[kind]
    return f"{folder}/index.md" if name is None else f"{folder}/{name}/index.md"


def render_pages(
    catalog: Catalog,
    history: History,
    profiles: Profiles,
    options: Options = Options(),
    workers: int | None = None,
) -> dict[str, str]:
    """Every generated page of the portal, as ``{path: markdown}``.

    Feature pages are most of the work; for big catalogs they are rendered by ``workers``
    forked processes (default: one per CPU), with the same result as one process.
    """
    view = _View(catalog, history, profiles, options)
    pages: dict[str, str] = {}
    add = pages.__setitem__
    add("index.md", view.render("home", "index.md", view.home_meta()))
    add("contributing.md", view.render("contributing", "contributing.md", {"title": "Contribute"}))
    for kind, template in (
        ("feature", "features"),
        ("team", "teams"),
        ("entity", "entities"),
        ("source", "sources"),
        ("model", "models"),
        ("tag", "tags"),
    ):
        path = page_path(kind)
        add(path, view.render(template, path, view.index_meta(kind)))
    pages.update(_feature_pages(view, sorted(catalog.features), workers))
    for kind, names in (
        ("team", catalog.teams),
        ("entity", catalog.entities),
        ("source", catalog.sources),
        ("model", catalog.models),
        ("tag", view.tags),
    ):
        for name in sorted(names):
            path = page_path(kind, name)
            meta: dict[str, Any] = {"title": name, "hide": list(OBJECT_PAGE_HIDES)}
            if kind == "tag":
                meta["search"] = {"exclude": True}
            add(path, view.render(kind, path, meta, name=name))
    return pages


#: Below this many features, starting processes costs more than it saves.
PARALLEL_MIN_FEATURES = 1000


def _feature_pages(view: _View, names: list[str], workers: int | None) -> dict[str, str]:
    count = workers or os.cpu_count() or 1
    if count < 2 or not forkable() or (workers is None and len(names) < PARALLEL_MIN_FEATURES):
        return _render_features(view, names)
    size = -(-len(names) // count)
    chunks = [names[i : i + size] for i in range(0, len(names), size)]
    # The workers inherit the view by fork: nothing is pickled on the way in.
    parts = forked_map(lambda chunk: list(_render_features(view, chunk).items()), chunks)
    return {path: text for part in parts for path, text in part}


def _render_features(view: _View, names: list[str]) -> dict[str, str]:
    pages = {}
    for name in names:
        path = page_path("feature", name)
        pages[path] = view.render("feature", path, view.feature_meta(name), name=name)
    return pages


class Links:
    """Links from one page to the others, as Markdown links or as URLs for raw HTML."""

    def __init__(self, page: str, options: Options) -> None:
        self.base = posixpath.dirname(page) or "."
        self.options = options
        # Every generated page is a folder index, so a URL is the way up, then the way down.
        self.up = "" if self.base == "." else "../" * (self.base.count("/") + 1)

    def md(self, kind: str, name: str, label: str | None = None) -> Markup:
        """``[label](relative/path.md)``: MkDocs checks these and rewrites them to URLs."""
        target = posixpath.relpath(page_path(kind, name), self.base)
        return Markup(f"[{safety.text(label or name)}]({target})")

    def url(self, kind: str, name: str | None = None) -> Markup:
        """The page's URL relative to this one, for links inside raw HTML."""
        folder = FOLDERS[kind] if name is None else f"{FOLDERS[kind]}/{name}"
        return Markup(f"{self.up}{folder}/")

    def a(self, kind: str, name: str) -> Markup:
        """``<a href="...">name</a>`` to an object's page, for raw HTML."""
        return Markup(f'<a href="{self.url(kind, name)}">{safety.escape(name, "html")}</a>')

    def page(self, path: str) -> Markup:
        """A link target for a hand-written or index page, relative to this one."""
        return Markup(posixpath.relpath(path, self.base))

    def commit(self, sha: str) -> Markup | None:
        """The commit's web page (for an ``href``), when the repository's address is known."""
        repo = self.options.repo_url
        return safety.escape(f"{repo}/commit/{sha}", "html") if repo else None

    def source_file(self, relpath: str) -> Markup | None:
        """The definition file's web page (for an ``href``), when the address is known."""
        repo = self.options.repo_url
        path = safety.url(posixpath.normpath(posixpath.join(self.options.catalog_path, relpath)))
        if not repo or path is None:
            return None
        return safety.escape(f"{repo}/blob/HEAD/{path}", "html")


class _View:
    """What the templates need, computed once per build."""

    def __init__(
        self, catalog: Catalog, history: History, profiles: Profiles, options: Options
    ) -> None:
        self.catalog = catalog
        self.history = history
        self.profiles = profiles
        self.options = options
        self.tags: dict[str, list[Feature]] = defaultdict(list)
        for feature in sorted(catalog.features.values(), key=lambda f: f.name):
            for tag in feature.tags:
                self.tags[tag].append(feature)
        self.features = sorted(catalog.features.values(), key=lambda f: f.name)
        self._summaries: dict[str, str] = {}

    def render(self, template: str, path: str, meta: dict[str, Any], **context: Any) -> str:
        slots = Slots()
        body = (
            environment()
            .get_template(f"{template}.md.j2")
            .render(
                catalog=self.catalog,
                view=self,
                links=Links(path, self.options),
                options=self.options,
                slots=slots,
                **{key: _wrap(value) for key, value in context.items()},
            )
        )
        return safety.front_matter(meta) + str(body).strip() + "\n" + slots.text()

    # --- front matter ------------------------------------------------------------------------

    def home_meta(self) -> dict[str, Any]:
        return {"title": "Home", "hide": ["navigation", "toc"], "search": {"exclude": True}}

    def index_meta(self, kind: str) -> dict[str, Any]:
        titles = {
            "feature": "All features",
            "team": "Teams",
            "entity": "Entities",
            "source": "Sources",
            "model": "Models",
            "tag": "Tags",
        }
        # One table each, no sections: the sidebars would only take its width.
        return {"title": titles[kind], "hide": ["navigation", "toc"], "search": {"exclude": True}}

    def feature_meta(self, name: str) -> dict[str, Any]:
        feature = self.catalog.features[name]
        meta: dict[str, Any] = {
            "title": name,
            "description": summary(feature.description),  # plugin.py escapes it
            "hide": list(OBJECT_PAGE_HIDES),
        }
        if feature.tags:
            meta["tags"] = list(feature.tags)
        return meta

    # --- questions templates ask --------------------------------------------------------------

    def entity_of(self, feature: Feature) -> Any:
        return self.catalog.entity_of(feature)

    def models_using(self, feature: str) -> list[Model]:
        return self.catalog.models_using(feature)

    def features_owned(self, team: str) -> list[Feature]:
        return [f for f in self.features if f.owner == team]

    def features_of_entity(self, entity: str) -> list[Feature]:
        return [f for f in self.features if self.catalog.sources[f.source].entity == entity]

    def sources_of_entity(self, entity: str) -> list[Any]:
        return [s for _, s in sorted(self.catalog.sources.items()) if s.entity == entity]

    def owned(self, team: str, kind: str) -> list[Any]:
        objects = self.catalog.objects(Kind(kind))
        return [o for _, o in sorted(objects.items()) if getattr(o, "owner", None) == team]

    def consumers(self, features: Iterable[Feature]) -> list[Model]:
        """Models that use any of ``features``, by name."""
        names = {f.name for f in features}
        return [m for _, m in sorted(self.catalog.models.items()) if names & set(m.features)]

    def model_features(self, model: Model) -> list[Feature]:
        return [self.catalog.features[n] for n in model.features if n in self.catalog.features]

    def counts(self, key: Callable[[Feature], str]) -> list[tuple[str, int]]:
        counted = Counter(key(f) for f in self.features)
        return sorted(counted.items(), key=lambda item: (-item[1], item[0]))

    def totals(self) -> list[tuple[str, int, str]]:
        c = self.catalog
        return [
            ("feature", len(c.features), "features"),
            ("team", len(c.teams), "teams"),
            ("entity", len(c.entities), "entities"),
            ("source", len(c.sources), "sources"),
            ("model", len(c.models), "models"),
            ("tag", len(self.tags), "tags"),
        ]

    def breakdowns(self) -> list[tuple[str, str, list[tuple[str, int]]]]:
        """Feature counts by team, status and entity, for the home page."""
        return [
            ("By team", "team", self.counts(self.owner_of)),
            ("By status", "status", self.counts(self.status_of)),
            ("By entity", "entity", self.counts(self.entity_name)),
        ]

    def entity_name(self, feature: Feature) -> str:
        return self.catalog.sources[feature.source].entity

    def feature_rows(
        self, features: Iterable[Feature], show: tuple[str, ...], links: Links
    ) -> Markup:
        """The body rows of a feature table (a hot loop at scale, so Python, not macros)."""

        def h(value: str) -> str:
            return str(safety.escape(value, "html"))

        rows = []
        for f in features:
            cells = [
                f'<td><a href="{links.url("feature", f.name)}"><code>{h(f.name)}</code></a></td>',
                f"<td><code>{h(f.dtype)}</code></td>",
            ]
            if "owner" in show:
                cells.append(f"<td>{h(f.owner)}</td>")
            if "entity" in show:
                cells.append(f"<td>{h(self.entity_name(f))}</td>")
            if "source" in show:
                cells.append(f"<td>{h(f.source)}</td>")
            if "status" in show:
                cells.append(f"<td>{charts.badge(f.status)}</td>")
            if "tags" in show:
                cells.append(f"<td>{' '.join(h(t) for t in f.tags)}</td>")
            cells.append(f"<td>{h(self.summary(f))}</td>")
            rows.append(f"<tr>{''.join(cells)}</tr>")
        return Markup("\n".join(rows))

    def summary(self, feature: Feature) -> str:
        found = self._summaries.get(feature.name)
        if found is None:
            found = self._summaries[feature.name] = summary(feature.description)
        return found

    def changes(self, kind: str, name: str) -> list[Change]:
        return self.history.of(Kind(kind), name)

    @staticmethod
    def change_summary(change: Change) -> str:
        """``modified: dtype int64 -> float64, description changed``; or the action alone."""
        if change.values:
            described = [describe_change(v.field, v.old, v.new) for v in change.values]
            return f"{change.action}: {', '.join(described)}"
        if change.fields:
            return f"{change.action}: {', '.join(change.fields)}"
        return change.action

    def recent(self) -> list[tuple[str, Change]]:
        return [
            (key[1], change) for key, change in self.history.recent(Kind.FEATURE, RECENT_CHANGES)
        ]

    def origin_relpath(self, kind: str, name: str) -> str:
        return self.catalog.origin(Kind(kind), name).relpath

    def definition(self, kind: str, name: str) -> str:
        """Where the object's file is, relative to the repository's top."""
        return self.catalog_file(self.origin_relpath(kind, name))

    def catalog_file(self, relpath: str) -> str:
        joined = posixpath.join(self.options.catalog_path, relpath)
        return posixpath.normpath(joined) + ("/" if not relpath else "")

    @staticmethod
    def owner_of(feature: Feature) -> str:
        return feature.owner

    @staticmethod
    def status_of(feature: Feature) -> str:
        return feature.status

    def source_profile(self, source: str) -> SourceProfile | None:
        return self.profiles.sources.get(source)

    def column_profile(self, feature: Feature) -> ColumnProfile | None:
        profile = self.profiles.sources.get(feature.source)
        return profile.columns.get(feature.column_name) if profile else None

    def profile_note(self, source: str) -> str | None:
        return self.profiles.notes.get(source)

    def snippet(self, feature: Feature) -> Markup:
        keys = list(self.catalog.entity_of(feature).join_keys)
        return charts.snippet(feature.name, self.options.catalog_path, keys)

    def feature_lineage(self, feature: Feature) -> Markup:
        node = ("feature", feature.name)
        edges = [(("source", feature.source), node)]
        edges += [(node, ("model", m.name)) for m in self.catalog.models_using(feature.name)]
        return charts.lineage(edges, focus=node)

    def model_lineage(self, model: Model) -> Markup | None:
        features = self.model_features(model)
        if len(features) + len({f.source for f in features}) > MAX_LINEAGE_NODES:
            return None
        target = ("model", model.name)
        edges = [(("source", f.source), ("feature", f.name)) for f in features]
        edges += [(("feature", f.name), target) for f in features]
        return charts.lineage(edges, focus=target)

    def contact(self, value: str, context: str = "text") -> Markup:
        """A team's contact: a mail or web link when it is one, text otherwise."""
        flat = " ".join(value.split())
        target = None
        if "@" in flat and " " not in flat and not flat.startswith(("@", "http")):
            target = safety.url(f"mailto:{flat}")
        elif flat.startswith(("http://", "https://")):
            target = safety.url(flat)
        if context == "html":
            label = safety.escape(flat, "html")
            href = safety.escape(target, "html") if target else None
            return Markup(f'<a href="{href}">{label}</a>') if href else label
        return Markup(safety.link(flat, target)) if target else safety.escape(flat, "text")


def summary(description: str, limit: int = SUMMARY_CHARS) -> str:
    """The first sentence or so of a description, on one line."""
    flat = " ".join(safety.clean(description).split())
    end = flat.find(". ")
    if 0 < end < limit:
        return flat[: end + 1]
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


# --- the template environment ----------------------------------------------------------------


class UserText(str):
    """A string that came from the catalog, history or data, on its way into a template.

    Wherever it meets trusted markup (``~``, ``join``, a Markup operand), markupsafe asks it
    for ``__html__``, which escapes it as Markdown text; printed alone, ``_finalize`` does the
    same. So escaping does not depend on the order of operations in a template.
    """

    __slots__ = ()

    def __html__(self) -> str:
        return safety.text(self)


def _wrap(value: Any) -> Any:
    if type(value) is str:
        return UserText(value)
    if type(value) in (list, tuple) and value and all(type(v) is str for v in value):
        return tuple(UserText(v) for v in value)
    return value


def _finalize(value: Any) -> Any:
    """Escape anything a template prints unless it was already made safe."""
    if isinstance(value, Markup):
        return value
    if isinstance(value, bool) or value is None:
        raise TypeError(f"a template printed {value!r}; print text, not a flag or a missing value")
    if isinstance(value, int | float):
        return Markup(str(value))
    return safety.escape(value, "text")


def _esc(value: Any, context: safety.Context = "text") -> Markup:
    return safety.escape(value, context)


def _join(items: Iterable[Any], separator: str = "", context: safety.Context = "text") -> Markup:
    """Like Jinja's join, but every item is escaped for ``context``."""
    return Markup(separator).join(
        item if isinstance(item, Markup) else safety.escape(item, context) for item in items
    )


def _summary(value: str) -> UserText:
    return UserText(summary(value))


#: The only Jinja filters templates may use: none of them can turn a user string into
#: trusted markup (``safe``, ``e``, ``replace``, ``format``, ``tojson``... are left out).
_FILTERS = (
    "length", "count", "first", "last", "sort", "unique", "list", "map", "select", "reject",
    "selectattr", "rejectattr", "sum", "min", "max", "batch", "dictsort", "items", "int",
    "round", "abs", "attr", "default", "d",
)  # fmt: skip


@cache
def environment() -> Any:
    """The sandboxed Jinja environment the page templates render in (one per process)."""
    from jinja2 import PackageLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    class PortalEnvironment(SandboxedEnvironment):
        """Every string a template reads from an object arrives as :class:`UserText`."""

        def getattr(self, obj: Any, attribute: str) -> Any:
            return _wrap(super().getattr(obj, attribute))

        def getitem(self, obj: Any, argument: Any) -> Any:
            return _wrap(super().getitem(obj, argument))

        def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
            return _wrap(super().call(__context, __obj, *args, **kwargs))

    env = PortalEnvironment(
        loader=PackageLoader("featurecat", "templates/portal/pages"),
        undefined=StrictUndefined,
        # Autoescape marks template and macro output as trusted and makes markupsafe call
        # UserText.__html__ when strings mix; the escaping itself is safety's.
        autoescape=True,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters = {name: env.filters[name] for name in _FILTERS}
    env.filters.update(
        esc=_esc,
        join=_join,
        summary=_summary,
        num=charts.num,
        real=charts.real,
        pct=charts.pct,
        stamp=charts.stamp,
        day=_day,
    )
    env.globals.update(
        histogram=charts.histogram, bars=charts.bars, badge=charts.badge, code=charts.code
    )
    env.globals["dtypes"] = DTYPES  # the contributing page lists them
    return env


def _day(value: datetime) -> Markup:
    return Markup(value.strftime("%Y-%m-%d"))
