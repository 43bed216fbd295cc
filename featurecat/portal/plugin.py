"""featurecat's MkDocs plugin: splice pre-rendered HTML into the generated pages.

Most of a generated page is HTML featurecat has already escaped and rendered: tables of
features, the loader snippet, the data profile, the lineage, the history. Sending it through
Python-Markdown and the search indexer would cost more than everything else per page (and it
is excluded from search anyway). So a generated page carries it after a marker: the plugin
takes it off the Markdown before conversion and puts each piece back in place of its slot in
the finished HTML. Hand-written pages have no marker and are untouched.

It also renders every theme template in a Jinja sandbox. A catalog's ``site/overrides/``
layers templates over Material's, and in MkDocs' plain environment a template can reach
Python (``config.__class__.__init__.__globals__``...) and run anything at build time.

And it escapes the text the theme prints without escaping: Material's templates run without
autoescape and print ``config.site_name``, ``config.copyright``, ``page.meta.title`` and the
like as they are. Each of these settings (the generated ones and those of ``site/mkdocs.yml``)
and each page's front-matter title and description is escaped once, as markup, so the
templates that do filter it with ``| e`` do not escape it twice.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jinja2 import Environment
from jinja2.sandbox import SandboxedEnvironment
from mkdocs.config import config_options
from mkdocs.config.base import Config
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.toc import AnchorLink

from featurecat.portal import safety
from featurecat.portal.fragments import Sections, splice, split
from featurecat.portal.incremental import Renderer
from featurecat.portal.sandbox import MemoSandbox
from featurecat.portal.settings import SETTINGS, THEME

#: How a Mermaid diagram starts, from a mermaid fence or from charts.lineage.
DIAGRAM = '<pre class="mermaid">'


#: The catalog facts of an object page (its front matter's ``featurecat`` mapping) that its
#: search entries carry, for the portal's search to show and filter by.
SEARCH_FIELDS = ("kind", "owner", "entity", "dtype", "status")


class _Options(Config):  # type: ignore[no-untyped-call]
    offline = config_options.Type(bool, default=False)
    """Also write the search index as a script, which a site opened from disk can load."""


class PortalPlugin(BasePlugin[_Options]):  # type: ignore[no-untyped-call]
    """Registered as the ``featurecat`` MkDocs plugin; the portal's config enables it.

    ``renderer`` is set by the build (:func:`.project.run_mkdocs`) to reuse and parallelise
    object pages (:mod:`.incremental`); without it, MkDocs renders every page itself.
    """

    renderer: Renderer | None = None

    # First: the search plugin's on_config already renders the theme's language templates.
    @event_priority(100)
    def on_config(self, config: Any) -> Any:
        self.pending: dict[str, tuple[dict[str, str], Sections]] = {}
        # Every environment the theme hands out (to the build, search, blog...) is sandboxed.
        theme_env = config.theme.get_env
        config.theme.get_env = lambda: sandboxed(theme_env())
        _escape_settings(config)
        return config

    def on_files(self, files: Any, *, config: Any) -> Any:
        self._files = files
        self._indexed = 0
        if self.renderer is not None:
            self.renderer.claim(files)
        return files

    def on_nav(self, nav: Any, *, config: Any, files: Any) -> Any:
        self.nav = nav
        return nav

    # First, so that every later user of the environment renders in the sandbox.
    @event_priority(100)
    def _sandbox_env(self, env: Environment, **kwargs: Any) -> Environment:
        return sandboxed(env)

    # Last: every page has been read, every plugin has set the environment up.
    @event_priority(-100)
    def _render_planned(self, env: Environment, *, config: Any, files: Any) -> Environment:
        if self.renderer is not None:
            self.renderer.run(config, files, self.nav, env)
        return env

    on_env = CombinedEvent(_sandbox_env, _render_planned)

    # After the search plugin indexed the page.
    @event_priority(-100)
    def on_page_context(self, context: Any, *, page: Any, config: Any, nav: Any) -> Any:
        index = _search_index(config)
        added = index.entries[self._indexed :] if index is not None else []
        self._indexed += len(added)
        facts = page.meta.get("featurecat")
        if isinstance(facts, dict):
            for entry in added:
                entry.update({k: str(facts[k]) for k in SEARCH_FIELDS if k in facts})
        if self.renderer is not None:
            self.renderer.record(page, added)
        return context

    # Before the search plugin writes its index.
    @event_priority(50)
    def _order_index(self, *, config: Any) -> None:
        index = _search_index(config)
        if self.renderer is not None and index is not None:
            index.entries = self.renderer.entries(self._files)
            self.renderer.plan.save()

    # After: a site opened from disk cannot fetch the index, but it can load a script.
    @event_priority(-100)
    def _offline_index(self, *, config: Any) -> None:
        found = Path(config.site_dir) / "search" / "search_index.json"
        if self.config.offline and found.is_file():
            data = json.loads(found.read_text(encoding="utf-8"))
            script = "var __index = " + json.dumps(data, ensure_ascii=True) + ";\n"
            found.with_suffix(".js").write_text(script, encoding="utf-8")

    on_post_build = CombinedEvent(_order_index, _offline_index)

    def on_page_markdown(self, markdown: str, *, page: Any, **kwargs: Any) -> str:
        for key in _PRINTED_META:
            if page.meta.get(key) is not None:
                page.meta[key] = safety.escape(page.meta[key], "html")
        body, fragments, sections = split(markdown)
        if fragments:
            self.pending[page.file.src_uri] = (fragments, sections)
        return body

    def on_page_content(self, html: str, *, page: Any, **kwargs: Any) -> str:
        """Sections drawn inside fragments still belong in the page's table of contents.

        A page that draws a diagram (a lineage, or a hand-written mermaid fence) gets
        ``mermaid`` in its meta, so the theme loads the bundled Mermaid instead of Material
        fetching one from a CDN.
        """
        fragments, sections = self.pending.get(page.file.src_uri, ({}, []))
        if sections and page.toc.items and page.toc.items[0].level == 1:
            page.toc.items[0].children.extend(AnchorLink(t, a, 2) for a, t in sections)
        if any(DIAGRAM in part for part in (html, *fragments.values())):
            page.meta["mermaid"] = True
        return html

    def on_post_page(self, output: str, *, page: Any, **kwargs: Any) -> str:
        fragments, _ = self.pending.pop(page.file.src_uri, ({}, []))
        return splice(output, fragments) if fragments else output


def _search_index(config: Any) -> Any:
    """The search plugin's index (Material's, or MkDocs' own), if search is on."""
    for plugin in config.plugins.values():
        if hasattr(plugin, "search_index"):
            return plugin.search_index
    return None


#: Front-matter values the theme prints without escaping (a hand-written page's title shows
#: in the navigation of every page).
_PRINTED_META = ("title", "description")


def _escape_settings(config: Any) -> None:
    """Escape every text setting the theme may print, in place; links were checked on read."""
    for key, shape in SETTINGS.items():
        if key == "theme":
            for theme_key in THEME:
                if theme_key in config.theme:
                    config.theme[theme_key] = safety.markup_tree(config.theme[theme_key])
        elif key == "extra":
            for extra_key, value in list(config.extra.items()):
                config.extra[extra_key] = safety.markup_tree(value)
        elif shape in ("text", "web"):
            config[key] = safety.markup_tree(config[key])


#: The Environment settings a sandboxed copy keeps (its constructor's keywords).
_SETTINGS = (
    "block_start_string", "block_end_string", "variable_start_string", "variable_end_string",
    "comment_start_string", "comment_end_string", "line_statement_prefix",
    "line_comment_prefix", "trim_blocks", "lstrip_blocks", "newline_sequence",
    "keep_trailing_newline", "undefined", "finalize", "autoescape", "loader", "auto_reload",
)  # fmt: skip


def sandboxed(env: Environment) -> SandboxedEnvironment:
    """``env`` rebuilt as a sandbox: same loader, settings, extensions, filters and globals."""
    if isinstance(env, SandboxedEnvironment):
        return env
    settings = {name: getattr(env, name) for name in _SETTINGS}
    sandbox = MemoSandbox(**settings, extensions=list(env.extensions))
    sandbox.filters.update(env.filters)
    sandbox.tests.update(env.tests)
    sandbox.policies.update(env.policies)
    # The sandbox's own range (capped) stays; gettext and the like come from the theme.
    sandbox.globals.update({k: v for k, v in env.globals.items() if k != "range"})
    return sandbox
