"""What a feature's page shows, gathered in one value, and a digest of that value.

A catalog of 10,000 features has 10,000 feature pages, and a change to one feature changes a
handful of them. The feature template is therefore rendered from a :class:`FeaturePage` alone
(it gets no ``catalog`` and no ``view``): whatever the page shows is a field here, so
:func:`digest` of the value (with the template and the portal's code, see :mod:`.pages`)
changes exactly when the page may. To show something new on a feature's page, add a field.
"""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from featurecat.changes import Change
from featurecat.names import Kind
from featurecat.portal.charts import Flow
from featurecat.portal.contracts import FeatureContracts
from featurecat.portal.profile import ColumnProfile
from featurecat.schema import Entity, Feature, Model, Source, Team
from featurecat.similar import Similarity

if TYPE_CHECKING:
    from featurecat.portal.view import View


@dataclasses.dataclass(frozen=True)
class SourceFacts:
    """What a feature's page shows of its source's data profile (not the other columns)."""

    rows: int
    files: int
    newest: datetime | None
    null_share: float | None
    """The share of rows where the feature's column is null."""
    version: str | None = None
    """The table version profiled (a Delta version, an Iceberg snapshot id), if any."""
    committed: str | None = None
    """When that version was committed (ISO, UTC)."""


@dataclasses.dataclass(frozen=True)
class FeaturePage:
    """Everything a feature's page shows."""

    feature: Feature
    source: Source
    entity: Entity
    team: Team
    models: tuple[Model, ...]
    """The models that declare the feature, by name."""
    changes: tuple[Change, ...]
    """Its history, newest first."""
    definition: str
    """Its YAML file, relative to the catalog."""
    data: SourceFacts | None
    """The source's data, when it has a profile."""
    column: ColumnProfile | None
    note: str | None
    """Why the source has no profile, when it has none."""
    location: str
    """Where the source's data lives, in words (format, storage location or repository)."""
    similar: tuple[Similarity, ...]
    """Features that look like this one (:mod:`featurecat.similar`)."""
    contracts: FeatureContracts | None = None
    """Its contracts' latest results (from the results file ``featurecat test`` wrote)."""

    @property
    def flow(self) -> Flow:
        """Its lineage: its source, itself, the models that use it."""
        me = ("feature", self.feature.name)
        models = [("model", m.name) for m in self.models]
        return [(("source", self.source.name), [me])], models, me


def feature_page(view: View, name: str) -> FeaturePage:
    """What ``name``'s page shows."""
    catalog = view.catalog
    feature = catalog.features[name]
    source = catalog.sources[feature.source]
    profile = view.profiles.sources.get(source.name)
    data = None
    if profile is not None:
        share = profile.null_share(feature.column_name)
        data = SourceFacts(
            profile.rows, profile.files, profile.newest, share, profile.version, profile.committed
        )
    return FeaturePage(
        feature=feature,
        source=source,
        entity=catalog.entity_of(feature),
        team=catalog.teams[feature.owner],
        models=tuple(catalog.models_using(name)),
        changes=tuple(view.history.of(Kind.FEATURE, name)),
        definition=catalog.origin(Kind.FEATURE, name).relpath,
        data=data,
        column=view.column_profile(feature),
        note=view.profiles.notes.get(source.name),
        location=view.location(source),
        similar=tuple(view.similar(feature)),
        contracts=view.contracts.feature(name),
    )


class Digests:
    """Stable digests of page values; objects shared by many pages are digested once."""

    def __init__(self) -> None:
        self._seen: dict[int, tuple[Any, bytes]] = {}

    def of(self, value: Any) -> str:
        digest = hashlib.blake2b(self._bytes(value), digest_size=20)
        return digest.hexdigest()

    def _bytes(self, value: Any) -> bytes:
        if value is None or isinstance(value, str | int | float | bool | datetime | Enum):
            return repr(value).encode("utf-8")
        if isinstance(value, tuple | list):
            return b"seq" + _joined([self._bytes(v) for v in value])
        if isinstance(value, dict):
            return b"map" + _joined([self._bytes((k, v)) for k, v in sorted(value.items())])
        found = self._seen.get(id(value))
        if found is not None and found[0] is value:
            return found[1]
        if isinstance(value, BaseModel):
            data = type(value).__name__.encode() + value.model_dump_json().encode("utf-8")
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            # A frozen dataclass of plain values (a change, a profile) shows them all in its
            # repr. Catalog objects in it (a source, a team, models: shared by many pages)
            # are digested apart, once each, instead of within every page's repr.
            names = _FIELDS.get(type(value))
            if names is None:
                names = _FIELDS[type(value)] = tuple(f.name for f in dataclasses.fields(value))
            parts = [type(value).__name__.encode()]
            for name in names:
                field = getattr(value, name)
                shared = _holds_models(field)
                parts.append(self._bytes(field) if shared else repr(field).encode("utf-8"))
            data = _joined(parts)
        else:
            raise TypeError(f"a page value of type {type(value).__name__} has no digest")
        data = hashlib.blake2b(data, digest_size=20).digest()
        self._seen[id(value)] = (value, data)  # kept alive, so the id is not reused
        return data


_FIELDS: dict[type, tuple[str, ...]] = {}


def _holds_models(value: Any) -> bool:
    """A catalog object, or a sequence or mapping of them (a catalog's features...)."""
    if isinstance(value, tuple | list) and value:
        value = value[0]
    elif isinstance(value, dict) and value:
        value = next(iter(value.values()))
    return isinstance(value, BaseModel)


def _joined(parts: list[bytes]) -> bytes:
    return b"".join(b"%d:" % len(p) + p for p in parts)
