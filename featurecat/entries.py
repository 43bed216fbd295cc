"""What discovery knows of each object: its kind, name, file and fields, and who uses what.

Search, ``featurecat list`` and ``featurecat show`` read :class:`Entries`, never the typed
catalog, so that they can be answered from the discovery cache (:mod:`featurecat.cache`)
without parsing, validating or even importing the schema. :meth:`Entries.of` builds them
from a loaded :class:`~featurecat.catalog.Catalog`; the cache stores and restores them.

Each kind's entries are a :class:`Table`, kept by column (:mod:`featurecat.columns`): a
command that scans reads whole columns, and an :class:`Entry` is made only for an object
that a command shows. At 100,000 features that is the difference between decoding every
value and decoding the few a command prints.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple

from featurecat.columns import Column, Listed
from featurecat.names import LOOKUP_KINDS, Kind

if TYPE_CHECKING:
    from featurecat.catalog import Catalog


class Entry(NamedTuple):
    """One object as discovery sees it.

    Its fields are ``values`` laid out by ``columns`` (field name -> position), which all
    entries of a kind share. ``path`` is its file relative to the catalog folder, and
    ``entity`` the entity it belongs to: a feature's source's entity, a source's entity, or
    an entity itself.
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


class _Row(Sequence[Any]):
    """One entry's values, read from its table's columns when asked for."""

    __slots__ = ("_columns", "_index")

    def __init__(self, columns: Sequence[Column], index: int) -> None:
        self._columns = columns
        self._index = index

    def __len__(self) -> int:
        return len(self._columns)

    def __getitem__(self, position: Any) -> Any:
        if isinstance(position, slice):
            return [self[i] for i in range(len(self))[position]]
        return self._columns[position][self._index]


class Table(Mapping[str, Entry]):
    """One kind's entries by name, in name order, kept by column.

    ``names``, ``paths`` and ``entities`` have one item per entry; ``fields`` are the kind's
    field names, and :meth:`column` one field's values for every entry, in the same order.
    """

    def __init__(
        self,
        kind: Kind,
        names: Column,
        paths: Column,
        entities: Column,
        fields: Sequence[str],
        columns: Sequence[Column],
    ) -> None:
        if len(fields) != len(columns) or any(
            len(c) != len(names) for c in (paths, entities, *columns)
        ):
            raise ValueError(f"the {kind.value} columns do not have one value per entry")
        self.kind = kind
        self._names = names
        self._paths = paths
        self._entities = entities
        self.positions = {name: i for i, name in enumerate(fields)}
        self._columns = columns

    @classmethod
    def of_rows(
        cls, kind: Kind, rows: Sequence[tuple[str, str, str | None, dict[str, Any]]]
    ) -> Table:
        """A table of ``(name, path, entity, fields)`` rows, sorted by name."""
        fields = list(rows[0][3]) if rows else []
        columns = [Listed(r[3][f] for r in rows) for f in fields]
        names, paths, entities = (Listed(r[i] for r in rows) for i in range(3))
        return cls(kind, names, paths, entities, fields, columns)

    @cached_property
    def names(self) -> list[str]:
        return self._names.tolist()

    @property
    def paths(self) -> Column:
        return self._paths

    @property
    def entities(self) -> list[str | None]:
        return self._entities.tolist()

    @property
    def fields(self) -> list[str]:
        return list(self.positions)

    def column(self, field: str) -> list[Any] | None:
        """Every entry's value of ``field``, in name order; ``None`` when the kind has none."""
        position = self.positions.get(field)
        return None if position is None else self._columns[position].tolist()

    def entry(self, index: int) -> Entry:
        """The entry at ``index`` in name order."""
        return Entry(
            self.kind,
            self._names[index],
            self._paths[index],
            self._entities[index],
            self.positions,
            _Row(self._columns, index),
        )

    def index(self, name: str) -> int | None:
        """Where ``name`` is in name order, or ``None``."""
        names = self.names
        at = bisect_left(names, name)
        return at if at < len(names) and names[at] == name else None

    def __getitem__(self, name: str) -> Entry:
        at = self.index(name)
        if at is None:
            raise KeyError(name)
        return self.entry(at)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.index(name) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self._names)

    def entries(self) -> Iterator[Entry]:
        """Every entry, in name order."""
        return (self.entry(i) for i in range(len(self)))

    def where(self, field: str, value: Any) -> list[Entry]:
        """The entries whose ``field`` is ``value``, in name order."""
        column = self.column(field) or ()
        return [self.entry(i) for i, v in enumerate(column) if v == value]


@dataclass
class Entries:
    """Every object of a valid catalog, a :class:`Table` per kind."""

    project: str
    by_kind: dict[Kind, Table] = field(default_factory=dict)

    @classmethod
    def of(cls, catalog: Catalog) -> Entries:
        """The entries of a loaded catalog."""
        by_kind: dict[Kind, Table] = {}
        for kind in LOOKUP_KINDS:
            rows = []
            for name, obj in sorted(catalog.objects(kind).items()):
                entity = None
                if kind is Kind.FEATURE:
                    entity = catalog.sources[getattr(obj, "source")].entity  # noqa: B009
                elif kind is Kind.SOURCE:
                    entity = getattr(obj, "entity")  # noqa: B009
                elif kind is Kind.ENTITY:
                    entity = name
                relpath = catalog.origin(kind, name).relpath
                rows.append((name, relpath, entity, obj.model_dump(mode="json")))
            by_kind[kind] = Table.of_rows(kind, rows)
        return cls(catalog.project.name, by_kind)

    def of_kind(self, kind: Kind) -> Table:
        """The entries of one kind, by name (sorted)."""
        table = self.by_kind.get(kind)
        return table if table is not None else Table.of_rows(kind, [])

    def __iter__(self) -> Iterator[Entry]:
        """Every entry, features first (:data:`~featurecat.names.LOOKUP_KINDS` order)."""
        for kind in LOOKUP_KINDS:
            yield from self.of_kind(kind).entries()

    def __len__(self) -> int:
        return sum(len(v) for v in self.by_kind.values())

    def find(self, name: str, kind: Kind | None = None) -> list[Entry]:
        """Every object called ``name`` (of ``kind`` when given), features first."""
        kinds = (kind,) if kind else LOOKUP_KINDS
        return [self.of_kind(k)[name] for k in kinds if name in self.of_kind(k)]

    def models_using(self, feature: str) -> list[Entry]:
        """Models that list ``feature``, by name."""
        models = self.of_kind(Kind.MODEL)
        return [models.entry(i) for i in self._consumers.get(feature, ())]

    def features_of(self, source: str) -> list[Entry]:
        """Features read from ``source``, by name."""
        features = self.of_kind(Kind.FEATURE)
        return [features.entry(i) for i in self._by_source.get(source, ())]

    def owned_by(self, team: str, kind: Kind) -> list[Entry]:
        return self.of_kind(kind).where("owner", team)

    @cached_property
    def _consumers(self) -> dict[str, list[int]]:
        consumers: dict[str, list[int]] = defaultdict(list)
        for index, names in enumerate(self.of_kind(Kind.MODEL).column("features") or ()):
            for name in names or ():
                consumers[name].append(index)
        return consumers

    @cached_property
    def _by_source(self) -> dict[str, list[int]]:
        by_source: dict[str, list[int]] = defaultdict(list)
        for index, source in enumerate(self.of_kind(Kind.FEATURE).column("source") or ()):
            by_source[str(source)].append(index)
        return by_source
