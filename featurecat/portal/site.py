"""The portal's MkDocs project: its generated config, package defaults and a ``site`` folder.

A catalog needs nothing to get a portal: the package ships the theme overrides, stylesheet,
script, Mermaid and a contributing page. A catalog may add hand-written sources in the folder
that ``site:`` in ``featurecat.yaml`` names (``site: ../site`` in the example):

``site/mkdocs.yml``
    Overrides for a closed list of settings (:data:`.settings.SETTINGS`): names, links,
    colours, extra stylesheets and scripts. Plugins, hooks and Markdown extensions are refused:
    MkDocs would import Python for them, and the portal's escaping relies on a known set of
    extensions. Text values are escaped like any other user text, and links must be http(s)
    addresses (or relative paths for the site's own files).
``site/docs/``
    Hand-written pages and assets, copied next to the generated pages. ``contributing.md``
    replaces the default; other top-level pages are added to the navigation.
``site/overrides/``
    Theme overrides (Material's ``custom_dir``), layered over the package's own. Every theme
    template is rendered in a Jinja sandbox (see plugin.py), so an override cannot run Python.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from featurecat.catalog import Catalog
from featurecat.names import PROJECT_FILE, Kind
from featurecat.portal.kinds import KINDS, page_path
from featurecat.portal.settings import read_settings
from featurecat.scaffold import walk_package
from featurecat.tree import repo_top

ASSETS = "assets/featurecat"
#: The generated pages' folders, one per kind of page: hand-written pages cannot use them.
FOLDERS = tuple(kind.folder for kind in KINDS)
MAX_SITE_FILE_BYTES = 50 * 1024 * 1024


class PythonName(str):
    """A dotted Python name MkDocs resolves (``!!python/name``); only this module makes one."""


#: The closed list of Markdown extensions; safety.py's escaping is written against it.
MARKDOWN_EXTENSIONS: list[Any] = [
    "admonition",
    "attr_list",
    "tables",
    {"toc": {"permalink": True}},
    {"pymdownx.highlight": {"anchor_linenums": False}},
    {
        "pymdownx.superfences": {
            "custom_fences": [
                {
                    "name": "mermaid",
                    "class": "mermaid",
                    "format": PythonName("pymdownx.superfences.fence_code_format"),
                }
            ]
        }
    },
]

_FEATURES = [
    "navigation.tabs",
    "navigation.top",
    "navigation.footer",
    "search.suggest",
    "search.highlight",
    "toc.follow",
    "content.code.copy",
]
_PALETTE = [
    {
        "media": "(prefers-color-scheme: light)",
        "scheme": "default",
        "primary": "indigo",
        "accent": "indigo",
        "toggle": {"icon": "material/weather-night", "name": "Dark mode"},
    },
    {
        "media": "(prefers-color-scheme: dark)",
        "scheme": "slate",
        "primary": "indigo",
        "accent": "indigo",
        "toggle": {"icon": "material/weather-sunny", "name": "Light mode"},
    },
]


@dataclass
class SiteSources:
    """What a catalog's ``site`` folder adds to the portal."""

    folder: Path | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    docs: dict[str, Path] = field(default_factory=dict)
    theme: dict[str, Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def read_site(catalog: Catalog) -> SiteSources:
    """The catalog's hand-written portal sources; errors name the file and line."""
    if catalog.project.site is None:
        return SiteSources()
    folder = (catalog.root / catalog.project.site).resolve()
    origin = catalog.origin(Kind.PROJECT, catalog.project.name)
    repo = repo_top(catalog.root)
    # The look is not the catalog: a catalog copied without its site still gets a portal.
    line = origin.line("site")
    if not folder.is_relative_to(repo):
        return SiteSources(
            notes=[
                f"{origin.path}:{line}: site folder '{catalog.project.site}' is outside the "
                "repository; ignoring it and building with the default look"
            ]
        )
    if not folder.is_dir():
        return SiteSources(
            notes=[
                f"{origin.path}:{line}: site folder '{catalog.project.site}' does not exist; "
                f"building with the default look (create it, or remove 'site' from {PROJECT_FILE})"
            ]
        )
    site = SiteSources(folder=folder)
    config = folder / "mkdocs.yml"
    if config.is_file():
        site.settings = read_settings(config)
    site.docs = dict(_files(folder / "docs", repo))
    site.theme = dict(_files(folder / "overrides", repo))
    return site


def _files(folder: Path, repo: Path) -> Iterator[tuple[str, Path]]:
    if not folder.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            path = Path(dirpath) / name
            # A link out of the repository would publish whatever it points at.
            if not path.resolve().is_relative_to(repo) or not path.is_file():
                continue
            if path.stat().st_size <= MAX_SITE_FILE_BYTES:
                yield path.relative_to(folder).as_posix(), path


# --- package defaults ------------------------------------------------------------------------


def package_files(folder: str) -> dict[str, bytes]:
    """The package's files under ``templates/portal/<folder>``, by relative path."""
    root = resources.files("featurecat") / "templates" / "portal" / folder
    return {relpath: entry.read_bytes() for relpath, entry in walk_package(root)}


def assets() -> dict[str, bytes]:
    """Stylesheet, script and Mermaid, placed under ``assets/featurecat/`` in the docs."""
    files = package_files("assets")
    mermaid = files.pop("vendor/mermaid/mermaid.min.js")
    files = {k: v for k, v in files.items() if not k.startswith("vendor/")}
    files["mermaid.min.js"] = mermaid
    return {f"{ASSETS}/{k}": v for k, v in files.items()}


# --- the generated config --------------------------------------------------------------------


def reserved(path: str) -> bool:
    """Whether a docs path belongs to the generated portal (hand-written pages cannot use it)."""
    top = path.split("/", 1)[0]
    return path == "index.md" or top in FOLDERS or path.startswith(ASSETS + "/")


def mkdocs_config(
    catalog: Catalog, site: SiteSources, extra_pages: list[str], *, offline: bool = False
) -> dict[str, Any]:
    """The MkDocs configuration of the portal, with the site's overrides applied.

    ``offline`` makes every link name its ``index.html``, so the site navigates from disk.
    """
    settings = dict(site.settings)
    theme_settings = settings.pop("theme", {})
    project = catalog.project
    description = project.description or f"Features of the {project.name} catalog"
    config: dict[str, Any] = {
        "site_name": f"{project.name} features",
        "site_description": description,  # escaped with every text setting by plugin.py
        "docs_dir": "docs",
        "use_directory_urls": not offline,
        "theme": {
            "name": "material",
            "custom_dir": "theme",
            "language": "en",
            "font": False,  # system fonts: no request to a font CDN, works offline
            "features": list(_FEATURES),
            "palette": _PALETTE,
            "icon": {"logo": "material/database-search-outline", "repo": "material/git"},
            **theme_settings,
        },
        "plugins": [
            # "_" separates words too, so "user" finds user_age by its name.
            {"search": {"separator": r'[\s\-_,:!=\[\]()"`/]+|\.(?!\d)'}},
            {"tags": {"export": False}},
            {"featurecat": {"offline": offline}},
        ],
        "markdown_extensions": MARKDOWN_EXTENSIONS,
        "extra_css": [f"{ASSETS}/portal.css", *settings.pop("extra_css", [])],
        "extra_javascript": [f"{ASSETS}/portal.js", *settings.pop("extra_javascript", [])],
        "nav": [
            {"Home": "index.md"},
            *({kind.nav: page_path(kind.name)} for kind in KINDS),
            {"Contribute": "contributing.md"},
            *extra_pages,
        ],
        # Object pages are reached from index pages, tables and search; thousands of them in
        # the navigation would make every page carry (and MkDocs render) all of them.
        "not_in_nav": "\n".join(f"/{folder}/*/index.md" for folder in FOLDERS),
        "validation": {
            "nav": {"omitted_files": "info", "not_found": "warn", "absolute_links": "info"},
            "links": {
                "not_found": "warn",
                "anchors": "warn",
                "absolute_links": "info",
                "unrecognized_links": "warn",
            },
        },
    }
    config.update(settings)
    return config


class _ConfigDumper(yaml.SafeDumper):
    """safe_dump plus one tag: MkDocs' ``!!python/name`` for the Mermaid fence formatter."""


def _represent_name(dumper: yaml.SafeDumper, value: PythonName) -> yaml.Node:
    return dumper.represent_scalar(f"tag:yaml.org,2002:python/name:{value}", "")


_ConfigDumper.add_representer(PythonName, _represent_name)


def config_text(config: dict[str, Any]) -> str:
    """``mkdocs.yml`` for ``config``; all values are dumped, none is spliced in as text."""
    header = "# Generated by 'featurecat docs build'; edits are overwritten.\n"
    return header + yaml.dump(config, Dumper=_ConfigDumper, sort_keys=False, allow_unicode=True)
