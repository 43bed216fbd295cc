"""The portal's MkDocs project: its generated config, package defaults and a ``site`` folder.

A catalog needs nothing to get a portal: the package ships the theme overrides, stylesheet,
script, Mermaid and a contributing page. A catalog may add hand-written sources in the folder
that ``site:`` in ``featurecat.yaml`` names (``site: ../site`` in the example):

``site/mkdocs.yml``
    Overrides for a closed list of settings (:data:`ALLOWED_SETTINGS`): names, links, colours,
    extra stylesheets and scripts. Plugins, hooks and Markdown extensions are refused: MkDocs
    would import Python for them, and the portal's escaping relies on a known set of
    extensions.
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
from featurecat.errors import CatalogError, Diagnostic
from featurecat.names import PROJECT_FILE, Kind
from featurecat.portal import safety
from featurecat.portal.pages import FOLDERS, page_path
from featurecat.scaffold import walk_package
from featurecat.tree import displayer, repo_root
from featurecat.yamlio import parse_document

ASSETS = "assets/featurecat"
MAX_SITE_FILE_BYTES = 50 * 1024 * 1024

#: Settings site/mkdocs.yml may override (and theme settings under ``theme:``).
ALLOWED_SETTINGS = frozenset(
    {
        "site_name", "site_description", "site_author", "site_url", "copyright",
        "repo_url", "repo_name", "extra", "extra_css", "extra_javascript", "theme",
    }
)  # fmt: skip
ALLOWED_THEME = frozenset({"palette", "features", "font", "logo", "favicon", "icon", "language"})


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
    repo = repo_root(catalog.root.resolve()) or catalog.root.resolve()
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
        site.settings = _read_settings(config)
    site.docs = dict(_files(folder / "docs", repo))
    site.theme = dict(_files(folder / "overrides", repo))
    return site


def _read_settings(path: Path) -> dict[str, Any]:
    shown = displayer(path.parent)(path.name)
    document, problems = parse_document(path.read_bytes(), shown)
    errors = [p for p in problems if p.is_error]
    if document is None or errors:
        raise CatalogError(errors or problems)
    if document.value is None:
        return {}
    if not isinstance(document.value, dict):
        raise CatalogError([_diagnostic(shown, 1, "site/mkdocs.yml must be a mapping of settings")])
    found = []
    for key, value in document.value.items():
        line = document.index.locate((key,))[0]
        if key not in ALLOWED_SETTINGS:
            found.append(
                _diagnostic(
                    shown,
                    line,
                    f"'{key}' cannot be set here: the portal only takes "
                    f"{', '.join(sorted(ALLOWED_SETTINGS))} (it never runs plugins, hooks or "
                    "extensions from the repository)",
                )
            )
        elif key == "theme":
            if not isinstance(value, dict):
                found.append(_diagnostic(shown, line, "theme must be a mapping"))
                continue
            for theme_key in value:
                if theme_key not in ALLOWED_THEME:
                    found.append(
                        _diagnostic(
                            shown,
                            document.index.locate((key, theme_key))[0],
                            f"theme: '{theme_key}' cannot be set here; allowed: "
                            f"{', '.join(sorted(ALLOWED_THEME))}",
                        )
                    )
        elif key == "repo_url" and safety.url(str(value)) is None:
            found.append(_diagnostic(shown, line, "repo_url must be an http(s) address"))
    if found:
        raise CatalogError(found)
    return {k: _typed(v) for k, v in document.value.items()}


def _diagnostic(path: str, line: int, message: str) -> Diagnostic:
    return Diagnostic(path, line, 1, "site-config", "error", message)


def _typed(value: Any) -> Any:
    """YAML 1.2 booleans and numbers, which the hardened reader keeps as strings."""
    if isinstance(value, dict):
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed(v) for v in value]
    if value in ("true", "false"):
        return value == "true"
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return value


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
    return path == "index.md" or top in FOLDERS.values() or path.startswith(ASSETS + "/")


def mkdocs_config(catalog: Catalog, site: SiteSources, extra_pages: list[str]) -> dict[str, Any]:
    """The MkDocs configuration of the portal, with the site's overrides applied."""
    settings = dict(site.settings)
    theme_settings = settings.pop("theme", {})
    project = catalog.project
    description = project.description or f"Features of the {project.name} catalog"
    config: dict[str, Any] = {
        "site_name": f"{project.name} features",
        # Material prints these without escaping.
        "site_description": str(safety.escape(description, "html")),
        "docs_dir": "docs",
        "use_directory_urls": True,
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
            "featurecat",
        ],
        "markdown_extensions": MARKDOWN_EXTENSIONS,
        "extra_css": [f"{ASSETS}/portal.css", *settings.pop("extra_css", [])],
        "extra_javascript": [f"{ASSETS}/portal.js", *settings.pop("extra_javascript", [])],
        "nav": [
            {"Home": "index.md"},
            {"Features": page_path("feature")},
            {"Teams": page_path("team")},
            {"Entities": page_path("entity")},
            {"Sources": page_path("source")},
            {"Models": page_path("model")},
            {"Tags": page_path("tag")},
            {"Contribute": "contributing.md"},
            *extra_pages,
        ],
        # Object pages are reached from index pages, tables and search; thousands of them in
        # the navigation would make every page carry (and MkDocs render) all of them.
        "not_in_nav": "\n".join(f"/{folder}/*/index.md" for folder in FOLDERS.values()),
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
    if site.settings.get("site_description"):
        settings["site_description"] = str(safety.escape(settings["site_description"], "html"))
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
