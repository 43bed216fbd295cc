"""Detection: what changed between two catalogs, object by object and field by field.

:func:`compare` is structural and knows nothing of policy: it says *that* ``dtype`` went from
``int64`` to ``float64``, and :mod:`featurecat.compat` says whether that breaks anyone.
Objects are matched by kind and name, never by file, so a definition that moved to another
folder is unchanged. A removed and an added object of one kind that are the same apart from
their name and descriptive fields are reported as one rename.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from featurecat.catalog import Catalog
from featurecat.changes import FieldChange
from featurecat.names import OBJECT_KINDS, Kind
from featurecat.schema import Definition, Feature

Action = Literal["added", "removed", "modified", "renamed"]

#: Fields that do not decide whether a removed and an added object are one renamed object.
DESCRIPTIVE_FIELDS = frozenset({"name", "description", "tags", "version", "status", "replaced_by"})


@dataclass(frozen=True)
class ObjectChange:
    """One object that was added, removed, modified or renamed.

    ``name`` is the current name (the old one for a removal); ``old_name`` is set for a rename.
    ``old`` and ``new`` are the definitions on each side (``None`` where it does not exist).
    """

    kind: Kind
    name: str
    action: Action
    old: Definition | None
    new: Definition | None
    fields: tuple[FieldChange, ...] = ()
    old_name: str | None = None

    def field(self, name: str) -> FieldChange | None:
        """The change to one field, if it changed."""
        return next((c for c in self.fields if c.field == name), None)


@dataclass
class CatalogDiff:
    """Every object change between ``old`` and ``new``, in catalog order (kind, then name)."""

    old: Catalog
    new: Catalog
    changes: list[ObjectChange] = field(default_factory=list)

    def of(self, kind: Kind) -> list[ObjectChange]:
        return [c for c in self.changes if c.kind is kind]

    def get(self, kind: Kind, name: str) -> ObjectChange | None:
        return next((c for c in self.changes if c.kind is kind and c.name == name), None)

    def __bool__(self) -> bool:
        return bool(self.changes)


def compare(old: Catalog, new: Catalog, unreadable: Collection[str] = ()) -> CatalogDiff:
    """What changed from ``old`` to ``new``.

    ``unreadable`` names files that ``new`` has but could not load (broken YAML, schema
    errors): an object of ``old`` defined in one of them is not compared, rather than
    reported as removed. Its file's errors say what is wrong.
    """
    changes = [
        *_project_change(old, new),
        *(change for kind in OBJECT_KINDS for change in _kind_changes(kind, old, new)),
    ]
    if unreadable:
        changes = [c for c in changes if not _in_unreadable(old, c, unreadable)]
    return CatalogDiff(old, new, changes)


def _in_unreadable(old: Catalog, change: ObjectChange, unreadable: Collection[str]) -> bool:
    if change.action != "removed":
        return False
    origin = old.origins.get((change.kind, change.name))
    return origin is not None and origin.path in unreadable


def field_changes(old: Definition, new: Definition) -> tuple[FieldChange, ...]:
    """The fields whose (effective) values differ, in the schema's field order."""
    if old is new:
        return ()
    return tuple(
        FieldChange(name, _value(old, name), _value(new, name))
        for name in type(new).model_fields
        if _value(old, name) != _value(new, name)
    )


def _value(obj: Definition, name: str) -> Any:
    # A feature's column defaults to its name: spelling the default out changes nothing.
    if name == "column" and isinstance(obj, Feature):
        return obj.column_name
    return getattr(obj, name)


def _project_change(old: Catalog, new: Catalog) -> Iterator[ObjectChange]:
    fields = field_changes(old.project, new.project)
    if fields:
        yield ObjectChange(
            Kind.PROJECT, new.project.name, "modified", old.project, new.project, fields
        )


def _kind_changes(kind: Kind, old: Catalog, new: Catalog) -> list[ObjectChange]:
    before, after = old.objects(kind), new.objects(kind)
    removed = sorted(before.keys() - after.keys())
    added = sorted(after.keys() - before.keys())
    changes: list[ObjectChange] = []
    for name in sorted(before.keys() & after.keys()):
        if before[name] is after[name] or before[name] == after[name]:
            continue
        fields = field_changes(before[name], after[name])
        if fields:
            changes.append(ObjectChange(kind, name, "modified", before[name], after[name], fields))
    renamed_from = _renames(before, after, removed, added)
    for name in added:
        if name in renamed_from:
            gone = renamed_from[name]
            fields = field_changes(before[gone], after[name])
            changes.append(
                ObjectChange(kind, name, "renamed", before[gone], after[name], fields, gone)
            )
        else:
            changes.append(ObjectChange(kind, name, "added", None, after[name]))
    paired = set(renamed_from.values())
    changes.extend(
        ObjectChange(kind, name, "removed", before[name], None)
        for name in removed
        if name not in paired
    )
    changes.sort(key=lambda c: c.name)
    return changes


def _renames(
    before: Mapping[str, Definition],
    after: Mapping[str, Definition],
    removed: list[str],
    added: list[str],
) -> dict[str, str]:
    """New name -> old name, for removed and added objects that are the same thing renamed."""
    waiting: dict[tuple[tuple[str, str], ...], list[str]] = {}
    for name in removed:
        identity = _identity(before[name])
        if identity:
            waiting.setdefault(identity, []).append(name)
    pairs = {}
    for name in added:
        candidates = waiting.get(_identity(after[name]))
        if candidates:
            pairs[name] = candidates.pop(0)
    return pairs


def _identity(obj: Definition) -> tuple[tuple[str, str], ...]:
    """The substantive fields; empty when there are none to recognise the object by."""
    values = [
        (name, _value(obj, name))
        for name in type(obj).model_fields
        if name not in DESCRIPTIVE_FIELDS
    ]
    if all(value in (None, "", []) for _, value in values):
        return ()
    return tuple((name, repr(value)) for name, value in values)
