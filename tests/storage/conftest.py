from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.storage.server import Locked, s3_server
from tests.support import needs


@pytest.fixture(scope="session")
def locked_s3() -> Iterator[Locked]:
    """A second moto server, one per test worker, with authentication on (moto switches it
    on for the whole process, so the shared ``s3`` server stays open to any key)."""
    try:
        import boto3  # noqa: F401
        import moto  # noqa: F401
    except ImportError:
        needs(False, "moto[server] and boto3 (pip install -e '.[dev,s3,delta,iceberg]')")
    with s3_server() as server:
        server.bucket("fc-test")
        yield Locked(server, server.lock_down())
