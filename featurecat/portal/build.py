"""``featurecat docs build``: gather every page, write what changed, run MkDocs, swap atomically.

Phases, each timed and reported:

1. *history*: every definition's changes from one ``git log`` pass;
2. *profile*: one DuckDB query per source with reachable data, run alongside 1;
3. *pages*: the pure render, catalog to ``{path: markdown}``;
4. *write*: only files whose bytes changed are rewritten in the MkDocs project under
   ``<catalog>/.featurecat/portal/`` (so ``docs serve`` reloads only what changed);
5. *mkdocs*: MkDocs builds into a temporary folder next to ``--out``, which then replaces
   ``--out`` in one step. A failed build leaves the previous site untouched, and the next
   build removes the folders that killed builds left behind.

The MkDocs project and running MkDocs are :mod:`.project`'s; the output folder's safety
and the swap, :mod:`.output`'s.
"""

from __future__ import annotations

import gc
import json
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from featurecat.catalog import Catalog
from featurecat.errors import UsageError
from featurecat.history import read_history
from featurecat.portal import site as sitemod
from featurecat.portal.caches import PageMemo, StoredProfiles
from featurecat.portal.incremental import CACHE_DIR, Plan
from featurecat.portal.keys import intact, inventory, page_keys, site_digest
from featurecat.portal.kinds import KINDS, page_path
from featurecat.portal.links import Options
from featurecat.portal.output import MARKER, check_out, staging
from featurecat.portal.pages import render_pages
from featurecat.portal.profile import ProfileCache, profile_catalog
from featurecat.portal.project import Project, run_mkdocs, sync, work_dir
from featurecat.printable import plural
from featurecat.tree import catalog_dir, in_git, shown

Progress = Callable[[str, str, float], None]


def _quiet(phase: str, detail: str, seconds: float) -> None:
    """The default progress reporter: says nothing."""


@dataclass
class Report:
    """What a build did: its project, where the site went, and MkDocs' warnings."""

    project: Project
    out: Path
    warnings: list[str]
    seconds: dict[str, float]


def build_portal(
    catalog: Catalog,
    out: Path,
    *,
    strict: bool = False,
    offline: bool = False,
    progress: Progress = _quiet,
    workers: int | None = None,
) -> Report:
    """Generate the portal for ``catalog`` and build it with MkDocs into ``out``.

    Only pages whose inputs changed are rendered again (see :mod:`.incremental`), on
    ``workers`` processes (default: one per CPU); the site is the same, byte for byte, as a
    build from scratch. With ``offline``, the site works when opened from disk (``file://``).
    """
    seconds: dict[str, float] = {}

    def timed(phase: str, detail: str, elapsed: float) -> None:
        seconds[phase] = elapsed
        progress(phase, detail, elapsed)

    target = check_out(catalog, out)
    project = prepare(catalog, progress=timed, offline=offline, workers=workers)
    started = time.perf_counter()
    built = _stamp(target)
    same = built.get("inputs") == project.digest and not (strict and built.get("warnings"))
    if same and intact(target, built.get("files", {})):
        timed("mkdocs", f"nothing changed since the site in {out} was built", 0.0)
        return Report(project, target, list(built.get("warnings", [])), seconds)
    # MkDocs allocates a lot per page; keep the garbage collector from rescanning everything
    # gathered so far (catalog, history, pages) on each of its passes.
    gc.collect()
    gc.freeze()
    plan = Plan(project.keys, project.work / CACHE_DIR, workers)
    try:
        with staging(target) as temporary:
            warnings = run_mkdocs(project, temporary, strict=strict, plan=plan)
            pages = sum(1 for _ in temporary.rglob("index.html"))
            stamp = {"inputs": project.digest, "warnings": warnings, "files": inventory(temporary)}
            (temporary / MARKER).write_text(
                "Built by 'featurecat docs build'; the next build replaces this folder.\n"
                + json.dumps(stamp, separators=(",", ":"))
                + "\n",
                encoding="utf-8",
            )
    finally:
        gc.unfreeze()  # a caller's process (docs serve, a notebook) collects them again
    timed(
        "mkdocs",
        f"{plural(pages, 'page')} built into {out} ({plan.rendered:,} rendered, "
        f"{plan.reused:,} reused)",
        time.perf_counter() - started,
    )
    return Report(project, target, warnings, seconds)


def _stamp(site: Path) -> dict[str, Any]:
    """What the build of the site in ``site`` recorded about itself (nothing if unreadable)."""
    try:
        lines = (site / MARKER).read_text(encoding="utf-8").splitlines()
        found = json.loads(lines[1]) if len(lines) > 1 else {}
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def prepare(
    catalog: Catalog,
    *,
    progress: Progress = _quiet,
    cache: ProfileCache | None = None,
    offline: bool = False,
    workers: int | None = None,
) -> Project:
    """Phases 1-4: write the portal's MkDocs project for ``catalog``, changed files only.

    Profiles of unchanged data and feature pages of unchanged features are kept from the
    previous build (see :mod:`.caches`).
    """
    work = work_dir(catalog)
    stored = StoredProfiles(work / "cache" / "profiles.json") if cache is None else None
    # DuckDB works in its own threads, so the sources are profiled while git history is read.
    with ThreadPoolExecutor(max_workers=1) as pool:
        profiling = pool.submit(profile_catalog, catalog, cache if stored is None else stored)
        with _phase(progress, "history") as say:
            ref = catalog.commit or "HEAD"
            history = read_history(catalog.root, ref=ref)
            count = sum(len(c) for c in history.changes.values())
            say(f"{plural(count, 'change')} to {plural(len(history.changes), 'definition')}")
        with _phase(progress, "profile") as say:
            profiles = profiling.result()
            columns = sum(len(p.columns) for p in profiles.sources.values())
            sources = plural(len(profiles.sources), "source")
            say(f"{sources}, {plural(columns, 'column')} (alongside history)")
    if stored is not None:
        stored.save()
    with _phase(progress, "pages") as say:
        site = sitemod.read_site(catalog)
        options = Options(
            catalog_path=catalog_path(catalog),
            repo_url=str(site.settings["repo_url"]).rstrip("/")
            if "repo_url" in site.settings
            else None,
            offline=offline,
        )
        memo = PageMemo(work / "cache" / "pages.json", work / "docs")
        pages = render_pages(catalog, history, profiles, options, workers=workers, memo=memo)
        docs: dict[str, bytes] = {path: text.encode("utf-8") for path, text in pages.items()}
        docs.update(sitemod.assets())
        extra_pages = _add_site_docs(docs, site)
        theme = sitemod.package_files("theme")
        theme.update({path: file.read_bytes() for path, file in site.theme.items()})
        config = sitemod.config_text(
            sitemod.mkdocs_config(catalog, site, extra_pages, offline=offline)
        )
        keys = page_keys(docs, pages, theme, config)
        digest = site_digest([*docs.items(), *theme.items(), ("mkdocs.yml", config.encode())])
        reused = f", {len(memo.reused):,} unchanged" if memo.reused else ""
        say(f"{plural(len(pages), 'page')} generated{reused}")
    with _phase(progress, "write") as say:
        written, removed = sync(work / "docs", docs, known=memo.reused)
        memo.save(docs)
        theme_written, theme_removed = sync(work / "theme", theme)
        config_file = work / "mkdocs.yml"
        config_written, _ = sync(work, {"mkdocs.yml": config.encode("utf-8")}, prune=False)
        written += theme_written + config_written
        removed += theme_removed
        changed = f"{plural(written, 'file')} changed, {removed:,} removed"
        say(f"{changed}, in {shown(work, whole_outside=True)}")
    return Project(
        work,
        config_file,
        len(pages),
        written,
        removed,
        labels=_labels(catalog, options),
        overrides={path: shown(file, whole_outside=True) for path, file in site.theme.items()},
        keys=keys,
        digest=digest,
        date=_newest(history),
        notes=[
            *site.notes,
            *(
                f"no data profile for source {n}: {note}"
                for n, note in sorted(profiles.notes.items())
            ),
        ],
    )


def _newest(history: Any) -> int | None:
    """The newest change's time: the sitemap's date, so a build depends on its inputs only."""
    recent = history.recent(limit=1)
    return int(recent[0][1].date.timestamp()) if recent else None


def _add_site_docs(docs: dict[str, bytes], site: sitemod.SiteSources) -> list[str]:
    """Copy the hand-written pages in; returns the top-level ones to add to the navigation."""
    clashes = [p for p in site.docs if sitemod.reserved(p)]
    if clashes:
        assert site.folder is not None
        clash = shown(site.folder / "docs" / clashes[0], whole_outside=True)
        raise UsageError(
            f"{clash}: this path belongs to the generated "
            f"portal ({', '.join(['index.md', *sorted(sitemod.FOLDERS)])}); move the page"
        )
    extra = []
    for path, file in site.docs.items():
        docs[path] = file.read_bytes()
        if path.endswith(".md") and "/" not in path and path != "contributing.md":
            extra.append(path)
    return extra


def catalog_path(catalog: Catalog) -> str:
    """The catalog folder relative to the repository's top, as loader calls name it."""
    root = catalog.root.resolve()
    if not in_git(root):
        return root.name
    return catalog_dir(root) or "."


def _labels(catalog: Catalog, options: Options) -> dict[str, str]:
    """Each object page's definition file, to point MkDocs' warnings about a page at it."""
    labels = {}
    for kind in KINDS:
        if kind.catalog is None:
            continue
        for name in catalog.objects(kind.catalog):
            relpath = catalog.origin(kind.catalog, name).relpath
            labels[page_path(kind.name, name)] = f"{options.catalog_path}/{relpath}"
    return labels


@contextmanager
def _phase(progress: Progress, name: str) -> Iterator[Callable[[str], None]]:
    detail: list[str] = []
    started = time.perf_counter()
    yield detail.append
    progress(name, detail[-1] if detail else "", time.perf_counter() - started)
