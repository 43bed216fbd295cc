"""featurecat's MkDocs plugin: splice pre-rendered HTML into the generated pages.

Most of a generated page is HTML featurecat has already escaped and rendered: tables of
features, the loader snippet, the data profile, the lineage, the history. Sending it through
Python-Markdown and the search indexer would cost more than everything else per page (and it
is excluded from search anyway). So a generated page carries it after a marker: the plugin
takes it off the Markdown before conversion and puts each piece back in place of its slot in
the finished HTML. Hand-written pages have no marker and are untouched.
"""

from __future__ import annotations

from typing import Any

from mkdocs.config.base import Config
from mkdocs.plugins import BasePlugin
from mkdocs.structure.toc import AnchorLink

from featurecat.portal.fragments import Sections, splice, split


class _Options(Config):  # type: ignore[no-untyped-call]
    """The plugin takes no options."""


class PortalPlugin(BasePlugin[_Options]):  # type: ignore[no-untyped-call]
    """Registered as the ``featurecat`` MkDocs plugin; the portal's config enables it."""

    def on_config(self, config: Any) -> Any:
        self.pending: dict[str, tuple[dict[str, str], Sections]] = {}
        return config

    def on_page_markdown(self, markdown: str, *, page: Any, **kwargs: Any) -> str:
        body, fragments, sections = split(markdown)
        if fragments:
            self.pending[page.file.src_uri] = (fragments, sections)
        return body

    def on_page_content(self, html: str, *, page: Any, **kwargs: Any) -> str:
        """Sections drawn inside fragments still belong in the page's table of contents."""
        _, sections = self.pending.get(page.file.src_uri, ({}, []))
        if sections and page.toc.items and page.toc.items[0].level == 1:
            page.toc.items[0].children.extend(AnchorLink(t, a, 2) for a, t in sections)
        return html

    def on_post_page(self, output: str, *, page: Any, **kwargs: Any) -> str:
        fragments, _ = self.pending.pop(page.file.src_uri, ({}, []))
        return splice(output, fragments) if fragments else output
