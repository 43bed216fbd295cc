"""The catalog: typed, validated objects and the relationships between them."""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from featurecat.errors import Diagnostic, UnknownFeatureError
from featurecat.names import Kind
from featurecat.origin import Origin
from featurecat.schema import Definition, Entity, Feature, Model, Project, Source, Team

if TYPE_CHECKING:
    from featurecat.load import LoadResult


@dataclass
class Catalog:
    """Every object of a catalog, validated, with cross-references resolved.

    Build one with :meth:`Catalog.load`. The mappings are keyed by name:
    ``cat.features["user_age"].owner``.
    """

    project: Project
    teams: dict[str, Team]
    entities: dict[str, Entity]
    sources: dict[str, Source]
    features: dict[str, Feature]
    models: dict[str, Model]
    origins: dict[tuple[Kind, str], Origin]
    root: Path
    """The catalog's folder on disk (for a git ref, where it sits in the working tree)."""
    ref: str | None = None
    """The git ref the catalog was read at, or ``None`` for the working tree."""
    commit: str | None = None
    """The commit the ref resolved to, when read from git."""
    warnings: list[Diagnostic] = field(default_factory=list)

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None, ref: str | None = None) -> Catalog:
        """Load and validate the catalog at ``path`` (a folder holding ``featurecat.yaml``).

        Without ``path``, looks for ``./catalog/featurecat.yaml``, then for ``featurecat.yaml``
        in the current folder and its parents. With ``ref`` (a branch, tag, SHA or ``HEAD~2``),
        reads the catalog as it was at that git commit. Raises :class:`~featurecat.CatalogError`
        listing every problem when it does not validate.
        """
        return cls.read(path, ref).raise_for_errors()

    @staticmethod
    def read(path: str | os.PathLike[str] | None = None, ref: str | None = None) -> LoadResult:
        """Like :meth:`load`, but returns the catalog (if usable) and all diagnostics."""
        from featurecat.load import load_catalog

        return load_catalog(path, ref)

    def __repr__(self) -> str:
        from featurecat.notebook import catalog_text

        return catalog_text(self)

    def _repr_html_(self) -> str:
        """A notebook's view: what the catalog holds, and how to search it."""
        from featurecat.notebook import catalog_html

        return catalog_html(self)

    def objects(self, kind: Kind) -> Mapping[str, Definition]:
        """The objects of one kind, by name."""
        if kind is Kind.PROJECT:
            return {self.project.name: self.project}
        by_kind: dict[Kind, Mapping[str, Definition]] = {
            Kind.TEAM: self.teams,
            Kind.ENTITY: self.entities,
            Kind.SOURCE: self.sources,
            Kind.FEATURE: self.features,
            Kind.MODEL: self.models,
        }
        return by_kind[kind]

    def origin(self, kind: Kind, name: str) -> Origin:
        """Where the object was defined."""
        return self.origins[(kind, name)]

    def feature(self, name: str) -> Feature:
        """The feature called ``name``; an unknown name raises with close-match suggestions."""
        try:
            return self.features[name]
        except KeyError:
            raise UnknownFeatureError(name, self.features) from None

    def source_of(self, feature: Feature) -> Source:
        return self.sources[feature.source]

    def entity_of(self, feature_or_source: Feature | Source) -> Entity:
        source = (
            self.source_of(feature_or_source)
            if isinstance(feature_or_source, Feature)
            else feature_or_source
        )
        return self.entities[source.entity]

    def models_using(self, feature: str) -> list[Model]:
        """Models that list ``feature``, by name."""
        return self._consumers.get(feature, [])

    def features_of(self, source: str) -> list[Feature]:
        """Features read from ``source``, by name."""
        return self._by_source.get(source, [])

    def data_path(self, source: Source) -> Path:
        """Where the source's data lives on disk (it may be a glob)."""
        return self.root / self.project.data_root / source.path

    @cached_property
    def _consumers(self) -> dict[str, list[Model]]:
        consumers: dict[str, list[Model]] = defaultdict(list)
        for model in sorted(self.models.values(), key=lambda m: m.name):
            for name in model.features:
                consumers[name].append(model)
        return consumers

    @cached_property
    def _by_source(self) -> dict[str, list[Feature]]:
        by_source: dict[str, list[Feature]] = defaultdict(list)
        for feature in sorted(self.features.values(), key=lambda f: f.name):
            by_source[feature.source].append(feature)
        return by_source
