"""What discovery knows of each object: its kind, name, file and fields, and who uses what.

Search, ``featurecat list`` and ``featurecat show`` read :class:`Entries`, never the typed
catalog, so that they can be answered from the discovery cache (:mod:`featurecat.cache`)
without parsing, validating or even importing the schema. :meth:`Entries.of` builds them
from a loaded :class:`~featurecat.catalog.Catalog`; the cache stores and restores them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple

from featurecat.names import LOOKUP_KINDS, Kind

if TYPE_CHECKING:
    from featurecat.catalog import Catalog


class Entry(NamedTuple):
    """One object as discovery sees it.

    Its fields are ``values`` laid out by ``columns`` (field name -> position), which all
    entries of a kind share: the cache restores 100,000 entries without a mapping each.
    ``path`` is its file relative to the catalog folder, and ``entity`` the entity it
    belongs to: a feature's source's entity, a source's entity, or an entity itself.
    """

    kind: Kind
    name: str
    path: str
    entity: str | None
    columns: Mapping[str, int]
    values: Sequence[Any]

    def get(self, field: str, default: Any = None) -> Any:
        """One field's value (JSON data), or ``default`` when the kind has no such field."""
        position = self.columns.get(field)
        return default if position is None else self.values[position]

    @property
    def fields(self) -> dict[str, Any]:
        """The definition as JSON data, in schema order (what ``list --format json`` prints)."""
        return {field: self.values[position] for field, position in self.columns.items()}

    @property
    def description(self) -> str:
        return str(self.get("description") or "")

    @property
    def owner(self) -> str | None:
        """The owning team; a team owns itself, so ``owner:growth`` finds the team too."""
        if self.kind is Kind.TEAM:
            return self.name
        owner = self.get("owner")
        return owner if isinstance(owner, str) else None

    @property
    def dtype(self) -> str | None:
        value = self.get("dtype")
        return value if isinstance(value, str) else None

    @property
    def status(self) -> str | None:
        value = self.get("status")
        return value if isinstance(value, str) else None

    @property
    def version(self) -> int | None:
        value = self.get("version")
        return value if isinstance(value, int) else None

    @property
    def tags(self) -> tuple[str, ...]:
        return tuple(self.get("tags") or ())

    @property
    def source(self) -> str | None:
        value = self.get("source")
        return value if isinstance(value, str) else None

    @property
    def features(self) -> tuple[str, ...]:
        """A model's features."""
        return tuple(self.get("features") or ())


@dataclass
class Entries:
    """Every object of a valid catalog as :class:`Entry`, by kind and name."""

    project: str
    by_kind: dict[Kind, dict[str, Entry]] = field(default_factory=dict)

    @classmethod
    def of(cls, catalog: Catalog) -> Entries:
        """The entries of a loaded catalog."""
        by_kind: dict[Kind, dict[str, Entry]] = {}
        for kind in LOOKUP_KINDS:
            found = by_kind[kind] = {}
            columns: dict[str, int] = {}
            for name, obj in sorted(catalog.objects(kind).items()):
                entity = None
                if kind is Kind.FEATURE:
                    entity = catalog.sources[getattr(obj, "source")].entity  # noqa: B009
                elif kind is Kind.SOURCE:
                    entity = getattr(obj, "entity")  # noqa: B009
                elif kind is Kind.ENTITY:
                    entity = name
                relpath = catalog.origin(kind, name).relpath
                dump = obj.model_dump(mode="json")
                columns = columns or {field: i for i, field in enumerate(dump)}
                found[name] = Entry(kind, name, relpath, entity, columns, list(dump.values()))
        return cls(catalog.project.name, by_kind)

    def of_kind(self, kind: Kind) -> Mapping[str, Entry]:
        """The entries of one kind, by name (sorted)."""
        return self.by_kind.get(kind, {})

    def __iter__(self) -> Iterator[Entry]:
        """Every entry, features first (:data:`~featurecat.names.LOOKUP_KINDS` order)."""
        for kind in LOOKUP_KINDS:
            yield from self.of_kind(kind).values()

    def __len__(self) -> int:
        return sum(len(v) for v in self.by_kind.values())

    def find(self, name: str, kind: Kind | None = None) -> list[Entry]:
        """Every object called ``name`` (of ``kind`` when given), features first."""
        kinds = (kind,) if kind else LOOKUP_KINDS
        return [self.of_kind(k)[name] for k in kinds if name in self.of_kind(k)]

    def models_using(self, feature: str) -> list[Entry]:
        """Models that list ``feature``, by name."""
        return self._consumers.get(feature, [])

    def features_of(self, source: str) -> list[Entry]:
        """Features read from ``source``, by name."""
        return self._by_source.get(source, [])

    def owned_by(self, team: str, kind: Kind) -> list[Entry]:
        return [e for e in self.of_kind(kind).values() if e.get("owner") == team]

    @cached_property
    def _consumers(self) -> dict[str, list[Entry]]:
        consumers: dict[str, list[Entry]] = defaultdict(list)
        for model in self.of_kind(Kind.MODEL).values():
            for name in model.features:
                consumers[name].append(model)
        return consumers

    @cached_property
    def _by_source(self) -> dict[str, list[Entry]]:
        by_source: dict[str, list[Entry]] = defaultdict(list)
        for feature in self.of_kind(Kind.FEATURE).values():
            by_source[str(feature.source)].append(feature)
        return by_source
