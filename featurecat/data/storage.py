"""Storage locations as each client library reaches them: the one place that knows schemes.

A source's URI lies under a location that ``featurecat.yaml`` declares
(:func:`featurecat.schema.storage.location_of`); :func:`place` resolves it to a
:class:`Place`, which speaks every client's dialect from the same non-secret options:
an fsspec filesystem (listing, DuckDB, pyarrow), delta-rs ``storage_options`` and pyiceberg
properties. Credentials are never passed: each client finds them in the environment and its
platform's standard chain. :data:`SCHEMES` is a closed registry keyed by URI scheme; a
scheme's client library is an optional extra, named when it is missing.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from featurecat.errors import DataError
from featurecat.schema.storage import StorageLocation, location_of, scheme_of

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

    from featurecat.catalog import Catalog


def _s3_fs(loc: StorageLocation) -> dict[str, Any]:
    client: dict[str, Any] = {}
    if loc.region:
        client["region_name"] = loc.region
    return {
        "endpoint_url": loc.endpoint,
        "anon": loc.anonymous,
        "client_kwargs": client,
        # Bounded retries and timeouts: a wrong endpoint is an error, never a hang.
        "config_kwargs": {"connect_timeout": 10, "retries": {"max_attempts": 3}},
        # s3fs's read-ahead cache fetches megabytes for a footer; listings and instances are
        # cached by default too, so a writer's new object would stay unseen.
        "default_cache_type": "none",
        "use_listings_cache": False,
        "skip_instance_cache": True,
    }


def _s3_delta(loc: StorageLocation) -> dict[str, str]:
    options = {"timeout": "30s"}
    if loc.endpoint:
        options["AWS_ENDPOINT_URL"] = loc.endpoint
        options["AWS_ALLOW_HTTP"] = str(loc.endpoint.startswith("http://")).lower()
    if loc.region:
        options["AWS_REGION"] = loc.region
    if loc.anonymous:
        options["AWS_SKIP_SIGNATURE"] = "true"
    return options


def _s3_iceberg(loc: StorageLocation) -> dict[str, str]:
    props = {}
    if loc.endpoint:
        props["s3.endpoint"] = loc.endpoint
    if loc.region:
        props["s3.region"] = loc.region
    if loc.anonymous:
        props["s3.anonymous"] = "true"
    return props


def _gcs_fs(loc: StorageLocation) -> dict[str, Any]:
    found: dict[str, Any] = {"skip_instance_cache": True, "default_cache_type": "none"}
    if loc.endpoint:
        found["endpoint_url"] = loc.endpoint
    if loc.anonymous:
        found["token"] = "anon"  # noqa: S105 (gcsfs' word for "no credentials", not a secret)
    return found


def _gcs_delta(loc: StorageLocation) -> dict[str, str]:
    return {"google_service_account": ""} if loc.anonymous else {}


def _az_fs(loc: StorageLocation) -> dict[str, Any]:
    found: dict[str, Any] = {"skip_instance_cache": True, "default_cache_type": "none"}
    if loc.anonymous:
        found["anon"] = True
    return found


def _none(loc: StorageLocation) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Scheme:
    """How one URI scheme is reached: its fsspec protocol, the module and extra that provide
    it, and the options each client takes from a location."""

    protocol: str
    module: str
    extra: str
    fsspec: Callable[[StorageLocation], dict[str, Any]]
    delta: Callable[[StorageLocation], dict[str, str]] = _none
    iceberg: Callable[[StorageLocation], dict[str, str]] = _none


_S3 = Scheme("s3", "s3fs", "s3", _s3_fs, _s3_delta, _s3_iceberg)
_GCS = Scheme("gs", "gcsfs", "gcs", _gcs_fs, _gcs_delta)
_AZ = Scheme("abfs", "adlfs", "azure", _az_fs)
#: URI scheme -> how to reach it; the schemes a location may use (featurecat.schema.storage).
SCHEMES: dict[str, Scheme] = {
    "s3": _S3,
    "gs": _GCS,
    "az": _AZ,
    "abfs": _AZ,
    "abfss": _AZ,
    "file": Scheme("file", "fsspec", "s3", _none),
}


@dataclass(frozen=True)
class Place:
    """A declared location (by name) and how to reach it."""

    name: str
    location: StorageLocation
    scheme: Scheme

    def filesystem(self) -> AbstractFileSystem:
        """The location's fsspec filesystem, made once per place (a place is made when a
        source is located, so a new load sees what writers did since)."""
        return self._filesystem

    @cached_property
    def _filesystem(self) -> AbstractFileSystem:
        require(self.scheme.module, self.scheme.extra, self.location.url)
        import fsspec

        fs: AbstractFileSystem = fsspec.filesystem(
            self.scheme.protocol, **self.scheme.fsspec(self.location)
        )
        return fs

    def delta_options(self) -> dict[str, str]:
        """delta-rs ``storage_options`` (object_store keys), non-secret."""
        return self.scheme.delta(self.location)

    def iceberg_properties(self) -> dict[str, str]:
        """pyiceberg FileIO properties, non-secret."""
        return self.scheme.iceberg(self.location)

    def key(self) -> tuple[str, str, str | None, str | None, bool]:
        """What makes two places reach the same store the same way."""
        loc = self.location
        return (self.scheme.protocol, self.name, loc.endpoint, loc.region, loc.anonymous)


def is_uri(path: str) -> bool:
    """Whether a source's path is a storage URI rather than a path inside the repository."""
    return scheme_of(path) is not None


def place(catalog: Catalog, uri: str) -> Place:
    """The declared location holding ``uri``; :class:`DataError` when none does (validation
    reports that with its line first, so this is the last line of defence)."""
    found = location_of(catalog.project.locations, uri)
    scheme = SCHEMES.get(scheme_of(uri) or "")
    if found is None or scheme is None:
        raise DataError(
            f"{uri} is under no storage location of featurecat.yaml, so it is not read; "
            "declare its prefix under locations:"
        )
    return Place(found[0], found[1], scheme)


def require(module: str, extra: str, uri: str) -> Any:
    """Import ``module``, or say which featurecat extra to install for ``uri``."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise DataError(
            f"reading {uri} needs the {module} package: pip install 'featurecat[{extra}]'"
        ) from None


def bare(uri: str) -> str:
    """``uri`` without its scheme, as fsspec filesystems name objects (``bucket/key``); a
    ``file://`` URI becomes its absolute path."""
    return uri.split("://", 1)[1] if "://" in uri else uri
