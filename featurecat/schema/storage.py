"""Where data lives outside the repository: storage locations and Iceberg catalogs.

Both are declared by name in ``featurecat.yaml``, with non-secret options only. Credentials
never live in the catalog: they come from the environment and each platform's standard chain.
Keys the models do not know are kept (``extra="allow"``) so that a check can pin each one to
its line and say what it is: a credential (refused, with where credentials go) or a typo.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from featurecat.schema.base import Description, refuse_controls

#: URI schemes a storage location may use; ``featurecat.data.storage.SCHEMES`` says how each
#: is read (a test keeps the two in step).
SCHEMES = ("s3", "gs", "az", "abfs", "abfss", "file")
#: Where credentials come from, per scheme: told whenever a catalog tries to hold one.
CREDENTIALS = {
    "s3": "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment, ~/.aws/credentials "
    "or an instance role",
    "gs": "GOOGLE_APPLICATION_CREDENTIALS or `gcloud auth application-default login`",
    "az": "AZURE_STORAGE_ACCOUNT_KEY, AZURE_CLIENT_ID/AZURE_CLIENT_SECRET or `az login`",
    "file": "the file system's own permissions",
    "iceberg": "PYICEBERG_CATALOG__<NAME>__<PROPERTY> environment variables or ~/.pyiceberg.yaml",
}
CREDENTIALS.update(abfs=CREDENTIALS["az"], abfss=CREDENTIALS["az"])
_SECRET_WORDS = {"secret", "password", "passwd", "token", "key", "credential", "credentials", "sas"}
_WORDS = re.compile(r"[a-z0-9]+")


def looks_secret(key: str) -> bool:
    """Whether a key names a credential (``secret_access_key``, ``s3.session-token``...)."""
    return bool(_SECRET_WORDS & set(_WORDS.findall(key.lower())))


def scheme_of(uri: str) -> str | None:
    """The scheme of a URI such as ``s3://bucket/x`` (lower case), or ``None`` for a path."""
    head, sep, _ = uri.partition("://")
    return head.lower() if sep and re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", head) else None


def check_uri(value: str) -> str:
    """A storage URI featurecat can read: a known scheme, a bucket (or an absolute folder for
    ``file://``), no ``..``, query, fragment or user name, and no control characters."""
    refuse_controls(value)
    scheme = scheme_of(value)
    if scheme not in SCHEMES:
        raise PydanticCustomError(
            "uri",
            "'{value}' is not a storage URI; use one of {schemes}",
            {"value": value, "schemes": ", ".join(f"{s}://" for s in SCHEMES)},
        )
    parts = urlsplit(value)
    if parts.query or parts.fragment or "@" in parts.netloc or "\\" in value:
        raise PydanticCustomError(
            "uri",
            "'{value}' may not hold a query, fragment, user name or '\\'; credentials never "
            "live in the catalog",
            {"value": value},
        )
    if scheme == "file" and (parts.netloc or not parts.path.startswith("/")):
        raise PydanticCustomError(
            "uri", "'{value}' must be an absolute file:/// URI", {"value": value}
        )
    if scheme != "file" and not parts.netloc:
        raise PydanticCustomError("uri", "'{value}' names no bucket or container", {"value": value})
    if ".." in parts.path.split("/"):
        raise PydanticCustomError("uri", "'{value}' may not contain '..'", {"value": value})
    return value


def _endpoint(value: str) -> str:
    refuse_controls(value)
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or "@" in parts.netloc:
        raise PydanticCustomError(
            "endpoint",
            "endpoint '{value}' must be an http:// or https:// address without a user name",
            {"value": value},
        )
    return value


StorageUri = Annotated[str, AfterValidator(check_uri)]
Endpoint = Annotated[str, AfterValidator(_endpoint)]
Plain = Annotated[str, AfterValidator(refuse_controls)]


class StorageLocation(BaseModel):
    """A named prefix that sources may read under, with the non-secret options to reach it."""

    model_config = ConfigDict(
        extra="allow", frozen=True, json_schema_extra={"additionalProperties": False}
    )

    url: StorageUri = Field(
        description="The prefix: `s3://bucket/prefix`, `gs://...`, `az://container/...`, "
        "`abfs://...`, or `file:///absolute/folder` for a shared disk."
    )
    description: Description = Field("", description="What lives there.")
    endpoint: Endpoint | None = Field(
        None, description="The object store's address, for S3-compatible stores (MinIO...)."
    )
    region: Plain | None = Field(None, description="The bucket's region, such as `eu-west-1`.")
    anonymous: bool = Field(False, description="Read without credentials (public data).")


class IcebergCatalog(BaseModel):
    """A named Iceberg catalog; Iceberg sources name it and a table in it."""

    model_config = ConfigDict(
        extra="allow", frozen=True, json_schema_extra={"additionalProperties": False}
    )

    type: Literal["sql", "rest", "glue"] = Field(description="The kind of Iceberg catalog.")
    uri: Plain | None = Field(
        None,
        description="sql: a SQLAlchemy URL (`sqlite:///catalog.db`, relative to the catalog "
        "folder); rest: the server's https:// address. No passwords: see the README.",
    )
    warehouse: StorageUri | None = Field(
        None, description="Where table data is written, under a declared storage location."
    )
    properties: dict[str, Plain] = Field(
        default_factory=dict, description="Other non-secret pyiceberg catalog properties."
    )


def within(prefix: str, uri: str) -> bool:
    """Whether ``uri`` lies under the location ``prefix``, path segment by segment (so
    ``s3://b/data`` holds ``s3://b/data/x`` but not ``s3://b/database``)."""
    a, b = urlsplit(prefix), urlsplit(uri)
    if (a.scheme.lower(), a.netloc) != (b.scheme.lower(), b.netloc):
        return False
    head = [p for p in a.path.split("/") if p]
    return [p for p in b.path.split("/") if p][: len(head)] == head


def location_of(
    locations: dict[str, StorageLocation], uri: str
) -> tuple[str, StorageLocation] | None:
    """The declared location (name and options) that ``uri`` lies under, the most specific
    first; ``None`` when there is none."""
    found = [(name, loc) for name, loc in locations.items() if within(loc.url, uri)]
    return max(found, key=lambda item: len(item[1].url), default=None)
