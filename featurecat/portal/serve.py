"""``featurecat docs serve``: the portal, live on localhost.

MkDocs' development server watches the generated project and reloads the browser. A watcher
thread here polls the catalog, its ``site`` folder and its data; on a change it reloads the
catalog and regenerates the project, rewriting only the pages whose content changed, so MkDocs
(especially with ``--dirty``) rebuilds little. Data profiles are cached by file size and
modification time. A catalog that stops validating keeps the last good pages and prints why.
"""

from __future__ import annotations

import errno
import logging
import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path

from featurecat.catalog import Catalog
from featurecat.errors import FeaturecatError, UsageError
from featurecat.portal.build import WORK_DIR, prepare
from featurecat.portal.profile import ProfileCache

POLL_SECONDS = 1.0
Echo = Callable[[str], None]


def serve_portal(catalog: Catalog, *, dev_addr: str, dirty: bool, echo: Echo) -> None:
    """Serve ``catalog``'s portal until interrupted."""
    from mkdocs.commands.serve import serve
    from mkdocs.exceptions import MkDocsException

    host, port = check_address(dev_addr)
    cache: ProfileCache = {}
    project = prepare(catalog, cache=cache)
    echo(f"Serving the portal of '{catalog.project.name}' from {project.work}")
    stop = threading.Event()
    watcher = threading.Thread(
        target=_watch, args=(catalog, cache, stop, echo), name="featurecat-watch", daemon=True
    )
    watcher.start()
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
    logger = logging.getLogger("mkdocs")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        serve(
            config_file=str(project.config_file),
            livereload=True,
            build_type="dirty" if dirty else None,
            watch_theme=True,
            dev_addr=dev_addr,
        )
    except MkDocsException as exc:
        raise FeaturecatError(f"cannot serve the portal: {exc}") from None
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:  # taken since check_address looked
            raise
        raise _address_in_use(host, port) from None
    finally:
        stop.set()
        logger.removeHandler(handler)


def check_address(dev_addr: str) -> tuple[str, int]:
    """``dev_addr``'s host and port, or a usage error unless the server could listen there now."""
    from mkdocs.config.base import ValidationError
    from mkdocs.config.config_options import IpAddress

    try:  # MkDocs' own check, so what passes here is what MkDocs accepts
        host, port = IpAddress().validate(dev_addr)  # type: ignore[no-untyped-call]
    except ValidationError as exc:
        raise UsageError(f"--dev-addr {dev_addr}: {exc}; for example 127.0.0.1:8001") from None
    if not 0 < port < 65536:
        raise UsageError(f"--dev-addr {dev_addr}: the port must be between 1 and 65535")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as probe:
        # As the server does, so a port left in TIME_WAIT by a stopped server still counts free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise _address_in_use(host, port) from None
            raise UsageError(
                f"cannot listen on {dev_addr} ({exc.strerror}); choose another address with "
                "--dev-addr, for example 127.0.0.1:8001"
            ) from None
    return host, port


def _address_in_use(host: str, port: int) -> UsageError:
    shown = f"[{host}]" if ":" in host else host
    return UsageError(
        f"{shown}:{port} is already in use (is another 'featurecat docs serve' running?); "
        f"pick another port with --dev-addr {shown}:{port + 1 if port < 65535 else 8001}"
    )


def _watch(catalog: Catalog, cache: ProfileCache, stop: threading.Event, echo: Echo) -> None:
    folders = watched_folders(catalog)
    seen = snapshot(folders)
    while not stop.wait(POLL_SECONDS):
        current = snapshot(folders)
        if current == seen:
            continue
        seen = current
        result = Catalog.read(catalog.root)
        if result.catalog is None or result.errors:
            for diagnostic in result.errors:
                echo(str(diagnostic))
            echo("the catalog does not validate; the portal keeps its last good pages")
            continue
        try:
            project = prepare(result.catalog, cache=cache)
        except FeaturecatError as exc:
            echo(f"Error: {exc}")
            continue
        echo(f"catalog changed: {project.written} file(s) regenerated, {project.removed} removed")


def watched_folders(catalog: Catalog) -> list[Path]:
    folders = [catalog.root]
    if catalog.project.site is not None:
        folders.append((catalog.root / catalog.project.site).resolve())
    return folders


def snapshot(folders: list[Path]) -> dict[str, tuple[int, int]]:
    """Size and modification time of every file below ``folders`` (generated files excluded)."""
    found: dict[str, tuple[int, int]] = {}
    skip = Path(WORK_DIR).parts[0]
    for folder in folders:
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = [d for d in dirnames if d != skip and d != ".git"]
            for name in filenames:
                path = Path(dirpath, name)
                try:
                    stat = path.stat()
                except OSError:
                    continue
                found[str(path)] = (stat.st_size, stat.st_mtime_ns)
    return found
