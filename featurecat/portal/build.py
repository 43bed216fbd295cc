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
"""

from __future__ import annotations

import ctypes
import gc
import logging
import os
import re
import secrets
import shutil
import stat
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from featurecat.catalog import Catalog
from featurecat.errors import FeaturecatError, UsageError
from featurecat.history import read_history
from featurecat.portal import site as sitemod
from featurecat.portal.kinds import KINDS, page_path
from featurecat.portal.links import Options
from featurecat.portal.pages import render_pages
from featurecat.portal.profile import ProfileCache, profile_catalog
from featurecat.tree import catalog_dir, in_git, repo_top, shown

#: Written into every built site; only folders holding it are ever replaced by a build.
MARKER = ".featurecat-site"
WORK_DIR = ".featurecat/portal"

Progress = Callable[[str, str, float], None]


def _quiet(phase: str, detail: str, seconds: float) -> None:
    """The default progress reporter: says nothing."""


@dataclass
class Project:
    """The generated MkDocs project, ready to build or serve."""

    work: Path
    config_file: Path
    pages: int
    written: int
    removed: int
    labels: dict[str, str] = field(default_factory=dict)  # docs path -> definition file
    overrides: dict[str, str] = field(default_factory=dict)  # theme path -> site/overrides file
    notes: list[str] = field(default_factory=list)


@dataclass
class Report:
    """What a build did: its project, where the site went, and MkDocs' warnings."""

    project: Project
    out: Path
    warnings: list[str]
    seconds: dict[str, float]


def build_portal(
    catalog: Catalog, out: Path, *, strict: bool = False, progress: Progress = _quiet
) -> Report:
    """Generate the portal for ``catalog`` and build it with MkDocs into ``out``."""
    seconds: dict[str, float] = {}

    def timed(phase: str, detail: str, elapsed: float) -> None:
        seconds[phase] = elapsed
        progress(phase, detail, elapsed)

    target = check_out(catalog, out)
    project = prepare(catalog, progress=timed)
    # MkDocs allocates a lot per page; keep the garbage collector from rescanning everything
    # gathered so far (catalog, history, pages) on each of its passes.
    gc.collect()
    gc.freeze()
    warnings: list[str] = []
    started = time.perf_counter()
    try:
        with staging(target) as temporary:
            warnings = run_mkdocs(project, temporary, strict=strict)
            built = sum(1 for _ in temporary.rglob("index.html"))
            (temporary / MARKER).write_text(
                "Built by 'featurecat docs build'; the next build replaces this folder.\n",
                encoding="utf-8",
            )
    finally:
        gc.unfreeze()  # a caller's process (docs serve, a notebook) collects them again
    timed("mkdocs", f"{built:,} pages built into {out}", time.perf_counter() - started)
    return Report(project, target, warnings, seconds)


def prepare(
    catalog: Catalog, *, progress: Progress = _quiet, cache: ProfileCache | None = None
) -> Project:
    """Phases 1-4: write the portal's MkDocs project for ``catalog``, changed files only."""
    # DuckDB works in its own threads, so the sources are profiled while git history is read.
    with ThreadPoolExecutor(max_workers=1) as pool:
        profiling = pool.submit(profile_catalog, catalog, cache)
        with _phase(progress, "history") as say:
            ref = catalog.commit or "HEAD"
            history = read_history(catalog.root, ref=ref)
            count = sum(len(c) for c in history.changes.values())
            say(f"{count:,} changes to {len(history.changes):,} definitions")
        with _phase(progress, "profile") as say:
            profiles = profiling.result()
            columns = sum(len(p.columns) for p in profiles.sources.values())
            say(f"{len(profiles.sources):,} sources, {columns:,} columns (alongside history)")
    with _phase(progress, "pages") as say:
        site = sitemod.read_site(catalog)
        options = Options(
            catalog_path=catalog_path(catalog),
            repo_url=str(site.settings["repo_url"]).rstrip("/")
            if "repo_url" in site.settings
            else None,
        )
        pages = render_pages(catalog, history, profiles, options)
        docs: dict[str, bytes] = {path: text.encode("utf-8") for path, text in pages.items()}
        docs.update(sitemod.assets())
        extra_pages = _add_site_docs(docs, site)
        theme = sitemod.package_files("theme")
        theme.update({path: file.read_bytes() for path, file in site.theme.items()})
        config = sitemod.config_text(sitemod.mkdocs_config(catalog, site, extra_pages))
        say(f"{len(pages):,} pages generated")
    with _phase(progress, "write") as say:
        work = work_dir(catalog)
        written, removed = sync(work / "docs", docs)
        theme_written, theme_removed = sync(work / "theme", theme)
        config_file = work / "mkdocs.yml"
        config_written, _ = sync(work, {"mkdocs.yml": config.encode("utf-8")}, prune=False)
        written += theme_written + config_written
        removed += theme_removed
        say(f"{written:,} files changed, {removed:,} removed, in {shown(work, whole_outside=True)}")
    return Project(
        work,
        config_file,
        len(pages),
        written,
        removed,
        labels=_labels(catalog, options),
        overrides={path: shown(file, whole_outside=True) for path, file in site.theme.items()},
        notes=[
            *site.notes,
            *(
                f"no data profile for source {n}: {note}"
                for n, note in sorted(profiles.notes.items())
            ),
        ],
    )


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


def work_dir(catalog: Catalog) -> Path:
    """``<catalog>/.featurecat/portal``: the generated MkDocs project, ignored by git."""
    work = catalog.root / WORK_DIR
    work.mkdir(parents=True, exist_ok=True)
    ignore = work / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Generated by featurecat docs; safe to delete.\n*\n", encoding="utf-8")
    return work


def sync(folder: Path, files: dict[str, bytes], *, prune: bool = True) -> tuple[int, int]:
    """Make ``folder`` hold exactly ``files``, touching only what differs."""
    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    for relpath, data in files.items():
        path = folder / relpath
        try:
            if path.stat().st_size == len(data) and path.read_bytes() == data:
                continue
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written += 1
    removed = 0
    if prune:
        wanted = {folder / p for p in files}
        for dirpath, _, filenames in os.walk(folder, topdown=False):
            here = Path(dirpath)
            for name in filenames:
                if here / name not in wanted:
                    (here / name).unlink()
                    removed += 1
            if here != folder and not any(here.iterdir()):
                here.rmdir()
    return written, removed


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


# --- MkDocs ----------------------------------------------------------------------------------


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def run_mkdocs(project: Project, site_dir: Path, *, strict: bool = False) -> list[str]:
    """Build ``project`` into ``site_dir``; returns MkDocs' warnings, naming catalog files."""
    from jinja2 import TemplateError
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, MkDocsException

    collect = _Collect()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(collect)
    try:
        config = load_config(str(project.config_file), site_dir=str(site_dir), strict=strict)
        config.plugins.on_startup(command="build", dirty=False)
        try:
            build(config)
        finally:
            config.plugins.on_shutdown()
    except Abort as exc:
        warnings = [_explain(m, project.labels) for m in collect.messages]
        listed = "\n".join(f"  {w}" for w in warnings)
        raise FeaturecatError(
            f"the portal did not build in strict mode ({exc}):\n{listed}\n"
            "fix the links above (or build without --strict)"
        ) from None
    except MkDocsException as exc:
        raise FeaturecatError(f"MkDocs could not build the portal: {exc}") from None
    except TemplateError as exc:
        raise FeaturecatError(
            f"{_template_file(exc, project)}: this theme template failed: "
            f"{str(exc).rstrip('.')}; theme templates run in a sandbox and cannot reach Python"
        ) from None
    finally:
        logger.removeHandler(collect)
    return [_explain(m, project.labels) for m in collect.messages]


def _template_file(exc: Exception, project: Project) -> str:
    """The override (or package template) a Jinja error came from: its innermost frame."""
    theme = project.work / "theme"
    files = [getattr(exc, "filename", None)]
    files += reversed([frame.filename for frame in traceback.extract_tb(exc.__traceback__)])
    for name in files:
        if name and Path(name).is_relative_to(theme):
            relpath = Path(name).relative_to(theme).as_posix()
            return project.overrides.get(relpath, f"the portal's theme template {relpath}")
    return "a theme template"


_DOC_FILE = re.compile(r"Doc file '([^']+)'")


def _explain(message: str, labels: dict[str, str]) -> str:
    """Point a warning about a generated page at the definition it came from."""
    flat = " ".join(message.split())
    match = _DOC_FILE.search(flat)
    if match and match.group(1) in labels:
        return f"{labels[match.group(1)]}: {flat}"
    return flat


# --- the output folder -----------------------------------------------------------------------


def check_out(catalog: Catalog, out: Path) -> Path:
    """``out`` resolved, or a usage error when building there could destroy something."""
    target = out.resolve()
    inside_forbidden = [catalog.root.resolve()]
    if catalog.project.site is not None:
        inside_forbidden.append((catalog.root / catalog.project.site).resolve())
    precious = [*inside_forbidden, Path.cwd().resolve(), Path.home().resolve()]
    precious.append(repo_top(catalog.root))  # outside git, the catalog itself again
    for folder in precious:
        if folder.is_relative_to(target):
            where = shown(folder, whole_outside=True)
            raise UsageError(f"--out {out} would replace {where}; choose a new folder")
    for folder in inside_forbidden:
        if target.is_relative_to(folder):
            where = shown(folder, whole_outside=True)
            raise UsageError(
                f"--out {out} is inside {where}; build the portal outside the catalog "
                "and its site sources (the default is ./_site)"
            )
    if target.exists() and (not target.is_dir() or _foreign(target)):
        raise UsageError(
            f"--out {out} already exists and is not a portal built by featurecat; "
            "choose another folder or remove it"
        )
    return target


def _foreign(folder: Path) -> bool:
    return any(folder.iterdir()) and not (folder / MARKER).is_file()


@contextmanager
def staging(target: Path) -> Iterator[Path]:
    """A temporary folder beside ``target`` that replaces it if the block succeeds.

    The folder is locked while the build runs, so the next build can tell the folders of
    builds that were killed (and left them behind) from those still running, and remove them.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(target)
    # Not tempfile.mkdtemp: its 0700 would stop a web server running as another user.
    temporary = target.parent / f".{target.name}.building-{secrets.token_hex(6)}"
    temporary.mkdir()
    lock = _lock(temporary)
    try:
        yield temporary
        if target.is_dir():
            temporary.chmod(stat.S_IMODE(target.stat().st_mode))
        _swap(temporary, target)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
        if lock is not None:
            os.close(lock)


def _remove_stale(target: Path) -> None:
    """Remove the staging folders of builds into ``target`` that are no longer running."""
    for folder in target.parent.glob(f".{target.name}.building-*"):
        lock = _lock(folder)
        if lock is not None:  # no running build holds it
            try:
                shutil.rmtree(folder, ignore_errors=True)
            finally:
                os.close(lock)


def _lock(folder: Path) -> int | None:
    """An open descriptor holding ``folder``'s exclusive lock; None if it cannot be had."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no locks, so stale folders are left alone
        return None
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def _swap(new: Path, target: Path) -> None:
    """Put ``new`` in place of ``target``: one atomic exchange where the OS offers it."""
    if target.exists() and _exchange(new, target):
        return  # ``new`` now holds the previous site; the caller removes it
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        old.rmdir()
        target.rename(old)
        new.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        new.rename(target)


def _exchange(a: Path, b: Path) -> bool:
    """Linux's renameat2(RENAME_EXCHANGE): swap two folders atomically. False if unavailable."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc: Any = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return bool(result == 0)


# --- progress --------------------------------------------------------------------------------


@contextmanager
def _phase(progress: Progress, name: str) -> Iterator[Callable[[str], None]]:
    detail: list[str] = []
    started = time.perf_counter()
    yield detail.append
    progress(name, detail[-1] if detail else "", time.perf_counter() - started)
