"""What the page templates ask of a catalog, its history and its data profiles.

One :class:`View` serves a whole build: it computes what several pages share once (the
features by tag, the features sorted, their summaries) and answers the rest on demand.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from markupsafe import Markup

from featurecat.catalog import Catalog
from featurecat.changes import Change, History
from featurecat.names import Kind
from featurecat.portal import table
from featurecat.portal.charts import Flow
from featurecat.portal.contracts import Board
from featurecat.portal.environment import summary
from featurecat.portal.kinds import KINDS
from featurecat.portal.links import Links, Options
from featurecat.portal.profile import ColumnProfile, Profiles, SourceProfile
from featurecat.schema import Feature, Model, Source
from featurecat.similar import Similarity, similar_features

RECENT_CHANGES = 12
MAX_LINEAGE_NODES = 80


class View:
    """What the templates need, computed once per build."""

    def __init__(
        self,
        catalog: Catalog,
        history: History,
        profiles: Profiles,
        options: Options,
        contracts: Board | None = None,
    ) -> None:
        self.catalog = catalog
        self.contracts: Board = contracts if contracts is not None else Board(catalog)
        """The latest contract results (:mod:`.contracts`)."""
        self.history = history
        self.profiles = profiles
        self.options = options
        self.tags: dict[str, list[Feature]] = defaultdict(list)
        for feature in sorted(catalog.features.values(), key=lambda f: f.name):
            for tag in feature.tags:
                self.tags[tag].append(feature)
        self.features = sorted(catalog.features.values(), key=lambda f: f.name)
        self._summaries: dict[str, str] = {}
        self._groups: dict[str, dict[str, list[Feature]]] = {}

    def entity_of(self, feature: Feature) -> Any:
        return self.catalog.entity_of(feature)

    def models_using(self, feature: str) -> list[Model]:
        return self.catalog.models_using(feature)

    def features_owned(self, team: str) -> list[Feature]:
        return list(self._grouped("owner", self.owner_of).get(team, ()))

    def features_of_entity(self, entity: str) -> list[Feature]:
        return list(self._grouped("entity", self.entity_name).get(entity, ()))

    def _grouped(self, name: str, key: Callable[[Feature], str]) -> dict[str, list[Feature]]:
        """The features (by name) grouped by ``key``, once per build: each team's and each
        entity's pages ask, and index pages count them, 10,000 features each time."""
        found = self._groups.get(name)
        if found is None:
            found = self._groups[name] = defaultdict(list)
            for feature in self.features:
                found[key(feature)].append(feature)
        return found

    def sources_of_entity(self, entity: str) -> list[Any]:
        return [s for _, s in sorted(self.catalog.sources.items()) if s.entity == entity]

    def owned(self, team: str, kind: str) -> list[Any]:
        objects = self.catalog.objects(Kind(kind))
        return [o for _, o in sorted(objects.items()) if getattr(o, "owner", None) == team]

    def consumers(self, features: Iterable[Feature]) -> list[Model]:
        """Models that use any of ``features``, by name."""
        names = {f.name for f in features}
        return [m for _, m in sorted(self.catalog.models.items()) if names & set(m.features)]

    def model_features(self, model: Model) -> list[Feature]:
        return [self.catalog.features[n] for n in model.features if n in self.catalog.features]

    def counts(self, key: Callable[[Feature], str]) -> list[tuple[str, int]]:
        counted = Counter(key(f) for f in self.features)
        return sorted(counted.items(), key=lambda item: (-item[1], item[0]))

    def totals(self) -> list[tuple[str, int, str]]:
        """Each kind of page, how many objects it has, and what to call them."""
        return [(kind.name, len(kind.names(self)), kind.folder) for kind in KINDS]

    def breakdowns(self) -> list[tuple[str, str, list[tuple[str, int]]]]:
        """Feature counts by team, status and entity, for the home page."""
        return [
            ("By team", "team", self.counts(self.owner_of)),
            ("By status", "status", self.counts(self.status_of)),
            ("By entity", "entity", self.counts(self.entity_name)),
        ]

    def entity_name(self, feature: Feature) -> str:
        return self.catalog.sources[feature.source].entity

    def feature_table(
        self,
        features: Iterable[Feature],
        show: tuple[str, ...],
        links: Links,
        where: tuple[str, str | list[str]] | None = None,
        filters: bool = False,
    ) -> Markup:
        """A feature table (see :mod:`.table`): ``where`` picks these features out of all."""
        return table.table(self, features, show, links, where=where, filters=filters)

    def summary(self, feature: Feature) -> str:
        found = self._summaries.get(feature.name)
        if found is None:
            found = self._summaries[feature.name] = summary(feature.description)
        return found

    def similar(self, feature: Feature) -> list[Similarity]:
        """Features that look like ``feature`` and why (found for the whole catalog once)."""
        found: dict[str, list[Similarity]] | None = self.__dict__.get("_similar")
        if found is None:
            found = self.__dict__["_similar"] = similar_features(self.catalog)
        return found.get(feature.name, [])

    def changes(self, kind: str, name: str) -> list[Change]:
        return self.history.of(Kind(kind), name)

    def recent(self) -> list[tuple[str, Change]]:
        return [
            (key[1], change) for key, change in self.history.recent(Kind.FEATURE, RECENT_CHANGES)
        ]

    def origin_relpath(self, kind: str, name: str) -> str:
        return self.catalog.origin(Kind(kind), name).relpath

    @staticmethod
    def owner_of(feature: Feature) -> str:
        return feature.owner

    @staticmethod
    def status_of(feature: Feature) -> str:
        return feature.status

    def source_profile(self, source: str) -> SourceProfile | None:
        return self.profiles.sources.get(source)

    def location(self, source: Source) -> str:
        """Where a source's data lives, in words: its format, and the storage location,
        Iceberg catalog or repository folder it is in."""
        from featurecat.schema.storage import location_of

        if source.format == "iceberg":
            return f"iceberg table {source.table} in catalog {source.iceberg_catalog}"
        path = str(source.path)
        found = location_of(self.catalog.project.locations, path)
        place = f"location {found[0]}" if found else "the repository"
        return f"{source.format} at {path} ({place})"

    def column_profile(self, feature: Feature) -> ColumnProfile | None:
        profile = self.profiles.sources.get(feature.source)
        return profile.columns.get(feature.column_name) if profile else None

    def profile_note(self, source: str) -> str | None:
        return self.profiles.notes.get(source)

    def model_flow(self, model: Model) -> Flow | None:
        """A model's lineage: each source, the model's features read from it, the model."""
        features = self.model_features(model)
        if len(features) + len({f.source for f in features}) > MAX_LINEAGE_NODES:
            return None
        rows: dict[str, list[tuple[str, str]]] = {}
        for feature in features:
            rows.setdefault(feature.source, []).append(("feature", feature.name))
        target = ("model", model.name)
        return [(("source", s), names) for s, names in sorted(rows.items())], [target], target

    def deprecated_in(self, model: Model) -> list[tuple[Feature, Feature | None]]:
        """The deprecated features a model uses, each with its declared replacement."""
        return [
            (f, self.catalog.features.get(f.replaced_by) if f.replaced_by else None)
            for f in self.model_features(model)
            if f.status == "deprecated"
        ]
