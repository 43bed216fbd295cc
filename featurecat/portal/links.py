"""Links from one generated page to the others, to commits and to definition files."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from markupsafe import Markup

from featurecat.portal import safety
from featurecat.portal.kinds import BY_NAME, page_path


@dataclass(frozen=True)
class Options:
    """How the portal refers to things outside the catalog."""

    catalog_path: str = "catalog"
    """The catalog folder as training code names it (relative to the repository's top)."""
    repo_url: str | None = None
    """The repository's web address, for links to commits and definition files."""
    offline: bool = False
    """Links name ``index.html``, so that the site navigates when opened from disk."""


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
        folder = BY_NAME[kind].folder
        index = "index.html" if self.options.offline else ""
        if name is None:
            return Markup(f"{self.up}{folder}/{index}")
        return Markup(f"{self.up}{folder}/{name}/{index}")

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

    def catalog_file(self, relpath: str) -> str:
        """A file of the catalog, relative to the repository's top (``""``: the folder)."""
        joined = posixpath.join(self.options.catalog_path, relpath)
        return posixpath.normpath(joined) + ("/" if not relpath else "")

    def source_file(self, relpath: str) -> Markup | None:
        """The definition file's web page (for an ``href``), when the address is known."""
        repo = self.options.repo_url
        path = safety.url(posixpath.normpath(posixpath.join(self.options.catalog_path, relpath)))
        if not repo or path is None:
            return None
        return safety.escape(f"{repo}/blob/HEAD/{path}", "html")
