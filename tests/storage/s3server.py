"""An S3-compatible server for the tests: moto's, in its own process, counting traffic.

Run as ``python -m tests.storage.s3server``: it prints its port once it listens, then serves
until terminated. Every response's bytes are counted per request (method, path, range,
bytes), for every client alike (s3fs, delta-rs, pyiceberg's pyarrow); ``GET /_traffic``
returns the log and ``/_traffic/reset`` clears it. In its own process, because delta-rs
holds the GIL during some HTTP calls, which would starve an in-process server.

``FEATURECAT_S3_LATENCY_MS`` (for benchmarks) holds every response back that long before its
first byte, as a store across a network does: on this machine a request costs next to
nothing, so one query per expectation would look as cheap as one pass.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any


def main() -> None:
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    lock = threading.Lock()
    log: list[list[Any]] = []
    moto = DomainDispatcherApplication(create_backend_app)
    latency = float(os.environ.get("FEATURECAT_S3_LATENCY_MS", "0")) / 1000

    def counted(environ: dict[str, Any], start: Callable[..., Any]) -> Iterator[bytes]:
        entry = [
            environ["REQUEST_METHOD"],
            environ.get("PATH_INFO", ""),
            environ.get("HTTP_RANGE"),
            0,
        ]
        with lock:
            log.append(entry)  # before the body leaves, so a client never outruns the log
        time.sleep(latency)
        body: Iterable[bytes] = moto(environ, start)
        try:
            for chunk in body:
                with lock:
                    entry[3] += len(chunk)
                yield chunk
        finally:
            getattr(body, "close", lambda: None)()

    def app(environ: dict[str, Any], start: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path in ("/_traffic", "/_traffic/reset"):
            with lock:
                payload = json.dumps(log).encode()
                if path.endswith("reset"):
                    log.clear()
            start("200 OK", [("Content-Type", "application/json")])
            return [payload]
        return counted(environ, start)

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=MotoRequestHandler)
    print(server.server_port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
