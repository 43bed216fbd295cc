"""``featurecat docs serve``: the portal, live on localhost.

Three parts, each doing one thing:

* a builder thread runs ``featurecat docs build`` in a child process into a scratch folder,
  which the finished build replaces in one step (output.py's staging). The child regenerates
  only the pages whose content changed, and its render workers die with it;
* the watcher (watch.py) turns file events in the catalog, its site folder and its data into
  settled changes: one save is one build, and changes made during a build make exactly one
  more. A catalog that stops validating keeps the last good site and prints why;
* the HTTP server (server.py) serves the last complete build meanwhile, reloads browsers
  when a new one is in place, and refuses requests for other host names.

A build in a child process keeps the server answering (no shared interpreter lock, no
half-written folder), and an idle server sleeps: nothing polls.
"""

from __future__ import annotations

import errno
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

from featurecat.catalog import Catalog
from featurecat.errors import UsageError
from featurecat.portal.server import State, make_server
from featurecat.portal.watch import Changes, watching

Echo = Callable[[str], None]


def serve_portal(catalog: Catalog, *, dev_addr: str, echo: Echo) -> None:
    """Serve ``catalog``'s portal until interrupted (Ctrl+C or SIGTERM)."""
    host, port = check_address(dev_addr)
    shown = f"[{host}]" if ":" in host else host
    state = State()
    changes = Changes()
    with tempfile.TemporaryDirectory(prefix="featurecat-serve-") as scratch:
        site = Path(scratch) / "site"
        try:
            server = make_server(host, port, site, state, changes)
        except OSError as exc:  # taken since check_address looked
            if exc.errno != errno.EADDRINUSE:
                raise
            raise _address_in_use(host, port) from None
        builder = _Builder(catalog.root, site, state, changes, echo)
        with server, watching(catalog, changes) as watcher:
            thread = threading.Thread(target=builder.run, name="featurecat-build", daemon=True)
            thread.start()
            echo(
                f"Serving the portal of '{catalog.project.name}' on http://{shown}:{port}/ "
                f"(watching with {watcher}; Ctrl+C to stop)"
            )
            previous = _stop_on_sigterm()
            try:
                server.serve_forever()
            except KeyboardInterrupt:
                pass
            finally:
                changes.close()
                builder.stop()
                thread.join()
                if previous is not None:
                    signal.signal(signal.SIGTERM, previous)


class _Builder:
    """Runs one ``docs build`` at a time in a child process, forwarding what it prints."""

    def __init__(self, root: Path, site: Path, state: State, changes: Changes, echo: Echo) -> None:
        self.command = [sys.executable, "-m", "featurecat", "docs", "build"]
        self.command += ["--catalog", str(root), "--out", str(site)]
        self.state = state
        self.changes = changes
        self.echo = echo
        self.child: subprocess.Popen[str] | None = None
        self.stopped = False

    def run(self) -> None:
        self.build()
        while self.changes.wait():
            self.build()

    def build(self) -> None:
        with self.state.condition:
            if self.stopped:
                return
            self.state.building = True  # and, in the same step, no change is pending
            self.changes.take()
            started = time.perf_counter()
            self.child = subprocess.Popen(
                self.command,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                text=True,
                encoding="utf-8",
                errors="replace",
            )
        assert self.child.stdout is not None
        for line in self.child.stdout:
            if not line.startswith("Portal built in "):  # names the scratch folder
                self.echo(line.rstrip("\n"))
        ok = self.child.wait() == 0
        seconds = time.perf_counter() - started
        self.state.finished(ok)
        if self.stopped:
            return
        if ok:
            self.echo(f"Build {self.state.builds} served ({seconds:.1f}s); open pages reload")
        elif self.state.version:
            self.echo(f"Build {self.state.builds} failed; still serving the last good site")
        else:
            self.echo(f"Build {self.state.builds} failed; fix the catalog and save again")

    def stop(self) -> None:
        with self.state.condition:
            self.stopped = True
            child = self.child
        if child is not None and child.poll() is None:
            child.terminate()  # its render workers exit with it
            child.wait()


def _stop_on_sigterm() -> Any:
    """Make SIGTERM stop the server like Ctrl+C does (cleaning up); the previous handler."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    return signal.SIG_DFL if previous is None else previous


def check_address(dev_addr: str) -> tuple[str, int]:
    """``dev_addr``'s host and port, or a usage error unless the server could listen there now."""
    from mkdocs.config.base import ValidationError
    from mkdocs.config.config_options import IpAddress

    try:  # MkDocs' own check of an address, as before
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
