"""The portal's pages: catalog, history and profiles in, ``{path: markdown}`` out.

This module is pure: it reads no files (templates come from package data) and runs no git or
DuckDB. What pages there are comes from the table of page kinds (:mod:`.kinds`); what the
templates ask, from the :class:`~.view.View`; they render in the sandboxed environment of
:mod:`.environment`, which escapes every user string.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial
from typing import Any, Protocol

from featurecat.catalog import Catalog
from featurecat.changes import History
from featurecat.contracts.results import Results
from featurecat.portal import table
from featurecat.portal.contracts import Board
from featurecat.portal.environment import environment, wrap
from featurecat.portal.fragments import Slots
from featurecat.portal.keys import code_digest
from featurecat.portal.kinds import KINDS, PageKind, page_path
from featurecat.portal.links import Links, Options
from featurecat.portal.pagedata import Digests
from featurecat.portal.profile import Profiles
from featurecat.portal.safety import front_matter
from featurecat.portal.view import View
from featurecat.portal.workers import forkable, forked_map

#: Below this many objects, starting processes costs more than it saves.
PARALLEL_MIN_FEATURES = 1000

#: Links as a catalog at ``catalog/`` in a repository with no known web address makes them.
DEFAULT_OPTIONS = Options()
HOME_META = {"title": "Home", "hide": ["navigation", "toc"], "search": {"exclude": True}}


class Memo(Protocol):
    """Pages rendered before, by path and key (a digest of all the page was rendered from)."""

    def get(self, path: str, key: str) -> str | None: ...

    def put(self, path: str, key: str) -> None: ...

    def key(self, path: str) -> str | None:
        """The key the page at ``path`` was rendered with last time, if any."""
        ...


def render_pages(
    catalog: Catalog,
    history: History,
    profiles: Profiles,
    options: Options = DEFAULT_OPTIONS,
    workers: int | None = None,
    memo: Memo | None = None,
    contracts: Results | None = None,
) -> dict[str, str]:
    """Every generated page of the portal, as ``{path: markdown}``.

    Feature pages are most of the work; for big catalogs they are rendered by ``workers``
    forked processes (default: one per CPU), with the same result as one process. A kind
    whose pages are rendered from one value (:attr:`.PageKind.page`) reuses from ``memo``
    each page whose value, template and code are unchanged. ``contracts`` are the latest
    contract results shown (badges, freshness, the features table's contracts column).
    """
    view = View(catalog, history, profiles, options, Board(catalog, contracts))
    digests = Digests()
    base = digests.of((code_digest(), repr(options)))
    # The pages not rendered from one value (home, indexes, teams, sources...) see the whole
    # view: their key is a digest of all of it, so a build with nothing changed reads them
    # back instead of rendering them again, and any change renders them all.
    whole = digests.of((base, catalog, history, profiles, contracts)) if memo else ""
    shared = _Shared(memo, whole)
    pages: dict[str, str] = {}
    pages["index.md"] = shared.page("index.md", lambda: render(view, "home", "index.md", HOME_META))
    pages["contributing.md"] = shared.page(
        "contributing.md",
        lambda: render(view, "contributing", "contributing.md", {"title": "Contribute"}),
    )
    for kind in KINDS:
        path = page_path(kind.name)
        made = partial(render, view, kind.name, path, kind.index_meta(), name=None)
        pages[path] = shared.page(path, made)
    pages[table.DATA_FILE] = shared.page(
        table.DATA_FILE, lambda: table.data_script(view).decode("ascii")
    )
    # Every page value is made from the view too: when all of it is as it was, so is each
    # value, and the keys its pages were rendered with still hold (none is made or digested).
    settled = memo is not None and memo.key("index.md") == whole
    for kind in KINDS:
        names = sorted(kind.names(view))
        keys: dict[str, str] = {}
        if memo is not None:
            for name in names:
                known = memo.key(page_path(kind.name, name)) if settled else None
                if known is None and kind.page is not None:
                    known = digests.of((base, kind.name, name, kind.page(view, name)))
                keys[name] = known or whole
            for name in names:
                path = page_path(kind.name, name)
                found = memo.get(path, keys[name])
                if found is not None:
                    pages[path] = found
            names = [n for n in names if page_path(kind.name, n) not in pages]
        if kind.parallel:
            pages.update(_forked(view, kind, names, workers))
        else:
            pages.update(_object_pages(view, kind, names))
        if memo is not None:
            for name, key in keys.items():
                memo.put(page_path(kind.name, name), key)
    return pages


class _Shared:
    """Pages keyed by the whole view: read back from ``memo`` when the key is unchanged."""

    def __init__(self, memo: Memo | None, key: str) -> None:
        self.memo = memo
        self.key = key

    def page(self, path: str, make: Callable[[], str]) -> str:
        if self.memo is None:
            return make()
        found = self.memo.get(path, self.key)
        self.memo.put(path, self.key)
        return found if found is not None else make()


def render(
    view: View,
    template: str,
    path: str,
    meta: dict[str, Any],
    *,
    shared: bool = True,
    **context: Any,
) -> str:
    """The page at ``path`` from ``pages/<template>.md.j2``: front matter, then Markdown, then
    the pre-rendered HTML fragments the Markdown refers to (see :mod:`.fragments`).

    Without ``shared``, the template gets no ``catalog`` and no ``view``: only ``context``.
    """
    slots = Slots()
    if shared:
        context = {"catalog": view.catalog, "view": view, **context}
    body = (
        environment()
        .get_template(f"{template}.md.j2")
        .render(
            links=Links(path, view.options),
            options=view.options,
            slots=slots,
            **{key: wrap(value) for key, value in context.items()},
        )
    )
    return front_matter(meta) + str(body).strip() + "\n" + slots.text()


def _object_pages(view: View, kind: PageKind, names: list[str]) -> dict[str, str]:
    pages = {}
    made: Callable[[View, str], Any] | None = kind.page
    for name in names:
        path = page_path(kind.name, name)
        meta = kind.meta(view, name)
        if made is None:
            pages[path] = render(view, kind.name, path, meta, name=name)
        else:
            data = made(view, name)
            pages[path] = render(view, kind.name, path, meta, shared=False, name=name, page=data)
    return pages


def _forked(view: View, kind: PageKind, names: list[str], workers: int | None) -> dict[str, str]:
    """The object pages of ``kind``, rendered by forked workers when there are enough."""
    count = workers or os.cpu_count() or 1
    if not names:
        return {}
    if count < 2 or not forkable() or (workers is None and len(names) < PARALLEL_MIN_FEATURES):
        return _object_pages(view, kind, names)
    size = -(-len(names) // count)
    chunks = [names[i : i + size] for i in range(0, len(names), size)]
    # The workers inherit the view by fork: nothing is pickled on the way in.
    parts = forked_map(lambda chunk: list(_object_pages(view, kind, chunk).items()), chunks)
    return {path: text for part in parts for path, text in part}
