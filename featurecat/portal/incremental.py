"""Render only the pages whose inputs changed, on every CPU, with MkDocs' own page functions.

MkDocs renders every page of a site on every build, one after the other. The portal's object
pages (a feature's, a team's...) are thousands of pages that are not in the navigation: what
MkDocs makes of one depends only on its Markdown and on what every page shares (the config,
the theme, the set of files, the titles in the navigation). So :mod:`.build` gives each object
page a *key*, a digest of exactly those inputs, and :class:`Plan` takes them out of MkDocs' own
loop (MkDocs' ``dirty`` mode skips a page whose file says it is not modified):

* a page whose key is in the cache (``<catalog>/.featurecat/portal/cache/``) gets the HTML,
  search entries and warnings that the same inputs produced before;
* the others are read, converted and rendered by MkDocs' page functions in forked workers,
  one per CPU, and their results are cached.

Pages in the navigation and hand-written pages take MkDocs' usual path. The search index is put
back together in MkDocs' page order, so a build that reused pages writes the very bytes a build
from scratch writes. Cached HTML files are read-only and hard-linked into the site (the next
build writes a new file for a changed page, never into a cached one).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from featurecat.portal.workers import forkable, forked_map

CACHE_DIR = "cache/pages"
INDEX_FILE = "index.json"
_FORMAT = 1
#: Below this many pages to render, forking costs more than it saves.
PARALLEL_MIN_PAGES = 64

Entries = list[dict[str, Any]]


@dataclass
class Outcome:
    """What rendering one page left besides its HTML: its search entries and warnings."""

    entries: Entries
    warnings: list[str]


@dataclass
class Plan:
    """The pages taken out of MkDocs' loop, by ``src_uri``, with their keys; and the cache."""

    keys: dict[str, str]
    folder: Path
    workers: int | None = None
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    rendered: int = 0
    reused: int = 0

    def load(self) -> dict[str, Outcome]:
        """The cached outcomes, by key; nothing if unreadable."""
        try:
            index = json.loads((self.folder / INDEX_FILE).read_text(encoding="utf-8"))
            if index.get("format") != _FORMAT:
                return {}
            pages = index["pages"]
            found = {
                key: Outcome(list(item["entries"]), [str(w) for w in item["warnings"]])
                for key, item in pages.items()
            }
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return {}
        return found

    def save(self) -> None:
        """Keep this build's pages (and only them) for the next build."""
        keep = {self.keys[src]: outcome for src, outcome in self.outcomes.items()}
        index = {
            "format": _FORMAT,
            "pages": {k: {"entries": o.entries, "warnings": o.warnings} for k, o in keep.items()},
        }
        temporary = self.folder / f".{INDEX_FILE}.{secrets.token_hex(4)}"
        temporary.write_text(json.dumps(index, separators=(",", ":")), encoding="utf-8")
        temporary.replace(self.folder / INDEX_FILE)
        for entry in os.scandir(self.folder):
            if entry.name.endswith(".html") and entry.name[:-5] not in keep:
                with contextlib.suppress(OSError):
                    Path(entry.path).unlink()


class Renderer:
    """Carries out a :class:`Plan` inside a MkDocs build (driven by the featurecat plugin)."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.by_page: dict[str, Entries] = {}

    def claim(self, files: Any) -> None:
        """Take the planned pages out of MkDocs' loop: it skips a page that is not modified."""
        for file in files.documentation_pages():
            if file.src_uri in self.plan.keys:
                file.is_modified = _unmodified

    def record(self, page: Any, entries: Entries) -> None:
        """The search entries that indexing ``page`` added."""
        self.by_page[page.file.src_uri] = entries

    def run(self, config: Any, files: Any, nav: Any, env: Any) -> None:
        """Reuse or render every planned page; their warnings are logged again, in order."""
        plan = self.plan
        plan.folder.mkdir(parents=True, exist_ok=True)
        cached = plan.load()
        pages = [f.page for f in files.documentation_pages() if f.src_uri in plan.keys]
        missing = []
        for page in pages:
            outcome = cached.get(plan.keys[page.file.src_uri])
            html = plan.folder / f"{plan.keys[page.file.src_uri]}.html"
            if outcome is None or not _place(html, page.file.abs_dest_path):
                missing.append(page)
                continue
            plan.outcomes[page.file.src_uri] = outcome
        plan.reused = len(pages) - len(missing)
        plan.rendered = len(missing)
        context = _Context(self, config, files, nav, env)
        count = plan.workers or os.cpu_count() or 1
        enough = plan.workers is not None or len(missing) >= PARALLEL_MIN_PAGES
        if count > 1 and forkable() and enough and missing:
            size = -(-len(missing) // count)
            chunks = [missing[i : i + size] for i in range(0, len(missing), size)]
            parts = forked_map(lambda chunk: context.render(chunk), chunks)
        else:
            parts = [context.render(missing)]
        for part in parts:
            plan.outcomes.update(part)
        replay = logging.getLogger("mkdocs.structure.pages")
        for page in pages:
            for warning in plan.outcomes[page.file.src_uri].warnings:
                replay.warning(warning)

    def entries(self, files: Any) -> Entries:
        """The whole search index, in MkDocs' page order."""
        entries: Entries = []
        for file in files.documentation_pages():
            outcome = self.plan.outcomes.get(file.src_uri)
            entries += outcome.entries if outcome else self.by_page.get(file.src_uri, [])
        return entries


def _unmodified() -> bool:
    return False


def _place(cached: Path, dest: str) -> bool:
    """The cached page at ``dest`` (a hard link where the file system allows, else a copy);
    False when the cache lost it."""
    Path(dest).parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(cached, dest)
    except FileNotFoundError:
        return False
    except OSError:
        try:
            shutil.copyfile(cached, dest)
        except FileNotFoundError:
            return False
    return True


def _keep(built: str, cached: Path) -> None:
    """Add a freshly built page to the cache (read-only, so nothing writes into it)."""
    temporary = cached.with_name(f".{cached.name}.{secrets.token_hex(4)}")
    try:
        os.link(built, temporary)
    except OSError:
        shutil.copyfile(built, temporary)
    temporary.chmod(0o444)
    temporary.replace(cached)


class _Capture(logging.Handler):
    """Warnings logged while one page is rendered (in a worker, or in the build)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@dataclass
class _Context:
    renderer: Renderer
    config: Any
    files: Any
    nav: Any
    env: Any

    def render(self, pages: list[Any]) -> dict[str, Outcome]:
        """Render ``pages`` as MkDocs would, keeping each one's outcome and HTML."""
        from mkdocs.commands.build import _build_page, _populate_page

        logger = logging.getLogger("mkdocs")
        capture = _Capture()
        # Nothing is printed or counted here: Renderer.run logs the warnings again, in order.
        saved = (logger.handlers, logger.propagate)
        logger.handlers, logger.propagate = [capture], False
        doc_files = self.files.documentation_pages()
        plan = self.renderer.plan
        done: dict[str, Outcome] = {}
        try:
            for page in pages:
                capture.messages = []
                _populate_page(page, self.config, self.files)
                _build_page(page, self.config, doc_files, self.nav, self.env)
                src = page.file.src_uri
                entries = self.renderer.by_page.pop(src, [])
                done[src] = Outcome(entries, capture.messages)
                _keep(page.file.abs_dest_path, plan.folder / f"{plan.keys[src]}.html")
        finally:
            logger.handlers, logger.propagate = saved
        return done
