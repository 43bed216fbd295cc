"""``featurecat.yaml``: marks the catalog's folder and holds catalog-wide settings."""

from __future__ import annotations

from pydantic import Field, field_validator

from featurecat.schema.base import Definition, Description, Name, TeamName
from featurecat.schema.memory import Loader
from featurecat.schema.paths import check_relative_path
from featurecat.schema.storage import IcebergCatalog, StorageLocation


class Project(Definition):
    """The catalog itself, declared in ``featurecat.yaml`` at the catalog's root."""

    name: TeamName = Field(description="Short name of the catalog, for example `acme`.")
    description: Description = Field(
        "", description="What this catalog holds, shown on the portal's home page."
    )
    data_root: str = Field(
        "data",
        description="Folder, relative to the catalog, that source paths are relative to. "
        "It must stay inside the repository.",
    )

    site: str | None = Field(
        None,
        description="Folder, relative to the catalog, with the portal's hand-written MkDocs "
        "sources: `mkdocs.yml` (overrides), `docs/` (pages, assets) and `overrides/` (theme). "
        "It must stay inside the repository.",
    )

    locations: dict[Name, StorageLocation] = Field(
        default_factory=dict,
        description="Storage locations by name: URI prefixes (`s3://bucket/prefix`...) that "
        "sources may read under, with non-secret options. Credentials come from the "
        "environment, never from the catalog.",
    )
    iceberg_catalogs: dict[Name, IcebergCatalog] = Field(
        default_factory=dict,
        description="Iceberg catalogs by name, for sources with `format: iceberg`.",
    )
    loader: Loader = Field(
        default_factory=Loader,
        description="Memory limit and spill folder for joins bigger than memory.",
    )

    @field_validator("data_root", "site")
    @classmethod
    def _check_folder(cls, value: str | None) -> str | None:
        return None if value is None else check_relative_path(value, "the catalog folder")
