"""What the page templates ask of a catalog, its history and its data profiles.

One :class:`View` serves a whole build: it computes what several pages share once (the
features by tag, the features sorted, their summaries) and answers the rest on demand.
"""

from __future__ import annotations

import posixpath
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from markupsafe import Markup

from featurecat.catalog import Catalog
from featurecat.changes import Change, History, summarize
from featurecat.names import Kind
from featurecat.portal import charts, safety
from featurecat.portal.environment import summary
from featurecat.portal.kinds import KINDS
from featurecat.portal.links import Links, Options
from featurecat.portal.profile import ColumnProfile, Profiles, SourceProfile
from featurecat.schema import Feature, Model, Source

RECENT_CHANGES = 12
MAX_LINEAGE_NODES = 40


class View:
    """What the templates need, computed once per build."""

    def __init__(
        self, catalog: Catalog, history: History, profiles: Profiles, options: Options
    ) -> None:
        self.catalog = catalog
        self.history = history
        self.profiles = profiles
        self.options = options
        self.tags: dict[str, list[Feature]] = defaultdict(list)
        for feature in sorted(catalog.features.values(), key=lambda f: f.name):
            for tag in feature.tags:
                self.tags[tag].append(feature)
        self.features = sorted(catalog.features.values(), key=lambda f: f.name)
        self._summaries: dict[str, str] = {}

    def entity_of(self, feature: Feature) -> Any:
        return self.catalog.entity_of(feature)

    def models_using(self, feature: str) -> list[Model]:
        return self.catalog.models_using(feature)

    def features_owned(self, team: str) -> list[Feature]:
        return [f for f in self.features if f.owner == team]

    def features_of_entity(self, entity: str) -> list[Feature]:
        return [f for f in self.features if self.catalog.sources[f.source].entity == entity]

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

    def feature_rows(
        self, features: Iterable[Feature], show: tuple[str, ...], links: Links
    ) -> Markup:
        """The body rows of a feature table (a hot loop at scale, so Python, not macros)."""

        def h(value: str) -> str:
            return str(safety.escape(value, "html"))

        rows = []
        for f in features:
            cells = [
                f'<td><a href="{links.url("feature", f.name)}"><code>{h(f.name)}</code></a></td>',
                f"<td><code>{h(f.dtype)}</code></td>",
            ]
            if "owner" in show:
                cells.append(f"<td>{h(f.owner)}</td>")
            if "entity" in show:
                cells.append(f"<td>{h(self.entity_name(f))}</td>")
            if "source" in show:
                cells.append(f"<td>{h(f.source)}</td>")
            if "status" in show:
                cells.append(f"<td>{charts.badge(f.status)}</td>")
            if "tags" in show:
                cells.append(f"<td>{' '.join(h(t) for t in f.tags)}</td>")
            cells.append(f"<td>{h(self.summary(f))}</td>")
            rows.append(f"<tr>{''.join(cells)}</tr>")
        return Markup("\n".join(rows))

    def summary(self, feature: Feature) -> str:
        found = self._summaries.get(feature.name)
        if found is None:
            found = self._summaries[feature.name] = summary(feature.description)
        return found

    def changes(self, kind: str, name: str) -> list[Change]:
        return self.history.of(Kind(kind), name)

    @staticmethod
    def change_summary(change: Change) -> str:
        """``modified: dtype int64 -> float64, description changed``; or the action alone."""
        return summarize(change)

    def recent(self) -> list[tuple[str, Change]]:
        return [
            (key[1], change) for key, change in self.history.recent(Kind.FEATURE, RECENT_CHANGES)
        ]

    def origin_relpath(self, kind: str, name: str) -> str:
        return self.catalog.origin(Kind(kind), name).relpath

    def definition(self, kind: str, name: str) -> str:
        """Where the object's file is, relative to the repository's top."""
        return self.catalog_file(self.origin_relpath(kind, name))

    def catalog_file(self, relpath: str) -> str:
        joined = posixpath.join(self.options.catalog_path, relpath)
        return posixpath.normpath(joined) + ("/" if not relpath else "")

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

    def snippet(self, feature: Feature) -> Markup:
        keys = list(self.catalog.entity_of(feature).join_keys)
        return charts.snippet(feature.name, self.options.catalog_path, keys)

    def feature_lineage(self, feature: Feature) -> Markup:
        node = ("feature", feature.name)
        edges = [(("source", feature.source), node)]
        edges += [(node, ("model", m.name)) for m in self.catalog.models_using(feature.name)]
        return charts.lineage(edges, focus=node)

    def model_lineage(self, model: Model) -> Markup | None:
        features = self.model_features(model)
        if len(features) + len({f.source for f in features}) > MAX_LINEAGE_NODES:
            return None
        target = ("model", model.name)
        edges = [(("source", f.source), ("feature", f.name)) for f in features]
        edges += [(("feature", f.name), target) for f in features]
        return charts.lineage(edges, focus=target)

    def contact(self, value: str, context: str = "text") -> Markup:
        """A team's contact: a mail or web link when it is one, text otherwise."""
        flat = " ".join(value.split())
        target = None
        if "@" in flat and " " not in flat and not flat.startswith(("@", "http")):
            target = safety.url(f"mailto:{flat}")
        elif flat.startswith(("http://", "https://")):
            target = safety.url(flat)
        if context == "html":
            label = safety.escape(flat, "html")
            href = safety.escape(target, "html") if target else None
            return Markup(f'<a href="{href}">{label}</a>') if href else label
        return Markup(safety.link(flat, target)) if target else safety.escape(flat, "text")
