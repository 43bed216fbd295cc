"""The catalog: typed, validated objects and the relationships between them."""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from featurecat.errors import Diagnostic, UnknownFeatureError, UnknownNameError, UsageError
from featurecat.names import Kind
from featurecat.origin import Origin
from featurecat.schema import Definition, Entity, Feature, Model, Project, Source, Team

if TYPE_CHECKING:
    from featurecat.load import LoadResult


T = TypeVar("T")


class Named(dict[str, T]):
    """The objects of one kind by name: a dict, except that a name it does not hold raises
    :class:`~featurecat.UnknownNameError` (:class:`~featurecat.UnknownFeatureError` for
    features), which is a ``KeyError`` that suggests close matches."""

    def __init__(self, objects: Mapping[str, T], kind: str) -> None:
        super().__init__(objects)
        self.kind = kind

    def __getitem__(self, name: str) -> T:
        try:
            return super().__getitem__(name)  # a missing name goes to __missing__
        except TypeError:
            raise UsageError(f"{self.kind} names are strings, not {type(name).__name__}") from None

    def __missing__(self, name: object) -> T:
        shown = name if isinstance(name, str) else repr(name)
        if self.kind == "feature":
            raise UnknownFeatureError(shown, self)
        raise UnknownNameError(shown, self, kind=self.kind)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Named, (dict(self), self.kind))


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

    def __post_init__(self) -> None:
        # An unknown name in cat.features[...] says which names are close, as cat.feature() does.
        self.teams = Named(self.teams, "team")
        self.entities = Named(self.entities, "entity")
        self.sources = Named(self.sources, "source")
        self.features = Named(self.features, "feature")
        self.models = Named(self.models, "model")

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

        if path is not None and not isinstance(path, str | os.PathLike):
            raise UsageError(
                "path must be the catalog's folder (a string or a pathlib.Path), "
                f"not {type(path).__name__}"
            )
        if ref is not None and not isinstance(ref, str):
            raise UsageError(
                "ref must be a git ref such as 'main', a tag, a commit SHA or 'HEAD~2' "
                f"(a string), not {type(ref).__name__}"
            )

        return load_catalog(path, ref)

    def __repr__(self) -> str:
        from featurecat.notebook import catalog_text

        return catalog_text(self)

    def _repr_html_(self) -> str:
        """A notebook's view: what the catalog holds, and how to search it."""
        from featurecat.notebook import catalog_html

        return catalog_html(self)

    def objects(self, kind: Kind | str) -> Mapping[str, Definition]:
        """The objects of one kind (a :class:`~featurecat.names.Kind` or its name), by name."""
        kind = _kind(kind)
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

    def origin(self, kind: Kind | str, name: str) -> Origin:
        """Where the object was defined."""
        kind = _kind(kind)
        found = self.origins.get((kind, _name(name, kind.value)))
        if found is None:
            raise UnknownNameError(name, self.objects(kind), kind=kind.value)
        return found

    def feature(self, name: str) -> Feature:
        """The feature called ``name``; an unknown name raises with close-match suggestions."""
        return self.features[name]

    def source_of(self, feature: Feature) -> Source:
        """The source a feature reads."""
        return self.sources[_of_type(feature, Feature, "feature").source]

    def entity_of(self, feature_or_source: Feature | Source) -> Entity:
        """The entity of a feature (through its source) or of a source."""
        source = (
            self.source_of(feature_or_source)
            if isinstance(feature_or_source, Feature)
            else _of_type(feature_or_source, Source, "feature_or_source")
        )
        return self.entities[source.entity]

    def models_using(self, feature: str) -> list[Model]:
        """Models that list ``feature``, by name (none for a name that no model lists)."""
        return self._consumers.get(_name(feature, "feature"), [])

    def features_of(self, source: str) -> list[Feature]:
        """Features read from ``source``, by name (none for a name that no feature reads)."""
        return self._by_source.get(_name(source, "source"), [])

    def data_path(self, source: Source) -> Path:
        """Where the source's data lives on disk (it may be a glob)."""
        return self.root / self.project.data_root / str(_of_type(source, Source, "source").path)

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


def _kind(kind: object) -> Kind:
    if isinstance(kind, Kind):
        return kind
    if isinstance(kind, str) and kind in {k.value for k in Kind}:
        return Kind(kind)
    raise UsageError(f"kind must be one of {', '.join(k.value for k in Kind)}, not {kind!r}")


def _name(name: object, kind: str) -> str:
    if not isinstance(name, str):
        raise UsageError(f"{kind} names are strings, not {type(name).__name__}")
    return name


def _of_type(value: object, cls: type[T], argument: str) -> T:
    if not isinstance(value, cls):
        raise UsageError(
            f"{argument} must be a featurecat {cls.__name__}, not {type(value).__name__}"
        )
    return value
