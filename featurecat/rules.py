"""What a change means for consumers: the rules table, one verdict per field of every kind.

The rules table :data:`RULES` gives a verdict for a change to every field of every kind, and
:data:`LIFECYCLE` one for adding and removing objects (a rename is a change of ``name``).
In short:

==========  ================================================================================
breaking    a feature's dtype, source or column; a source's entity or timestamp; an
            entity's join keys; a tightened ttl (shorter, or newly set); removing or
            renaming a feature, source or entity
warning     deprecating a feature or demoting it to draft; moving a source's data (its
            path, format or table, the catalog's data_root, storage locations or
            Iceberg catalogs); loosening a contract (``expect``)
compatible  everything else: descriptions, tags, owners, contacts, a promotion, a relaxed
            ttl, models' feature lists, new objects, a tightened contract
==========  ================================================================================
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from featurecat.names import Kind, parse_duration
from featurecat.schema.expect import contract_change

Level = Literal["compatible", "warning", "breaking"]
LEVELS: tuple[Level, ...] = ("compatible", "warning", "breaking")


@dataclass(frozen=True)
class Verdict:
    level: Level
    reason: str


Rule = Callable[[Any, Any], Verdict]


def _always(level: Level, reason: str) -> Rule:
    def rule(old: Any, new: Any) -> Verdict:
        return Verdict(level, reason)

    return rule


def _status(old: str, new: str) -> Verdict:
    if new == "deprecated":
        return Verdict("warning", "users should move off it before it is removed")
    if old == "production" and new == "draft":
        return Verdict("warning", "no longer supported for production use")
    if old == "deprecated":
        return Verdict("compatible", "no longer deprecated")
    return Verdict("compatible", "promoted to production")


def _ttl(old: str | None, new: str | None) -> Verdict:
    if new is None:
        return Verdict("compatible", "ttl relaxed: values no longer expire")
    if old is None or parse_duration(new) < parse_duration(old):
        return Verdict("breaking", "ttl tightened: older values now come back as null")
    if parse_duration(new) == parse_duration(old):  # 7d and 168h: the same age, written anew
        return Verdict("compatible", f"unchanged ({old} = {new})")
    return Verdict("compatible", "ttl relaxed: older values are used too")


def _version(old: int, new: int) -> Verdict:
    if new < old:
        return Verdict("breaking", "the version went down; versions only go up")
    return Verdict("compatible", "version bumped")


def _join_keys(old: list[str], new: list[str]) -> Verdict:
    if set(old) == set(new):
        return Verdict("compatible", "same join keys, in another order")
    return Verdict("breaking", "join keys changed: every source and join on this entity changes")


def _features_listed(old: list[str], new: list[str]) -> Verdict:
    gained = [f for f in new if f not in old]
    lost = [f for f in old if f not in new]
    parts = [f"now uses {', '.join(gained)}"] if gained else []
    parts += [f"no longer uses {', '.join(lost)}"] if lost else []
    return Verdict("compatible", "; ".join(parts) or "features reordered")


_DOCS = _always("compatible", "documentation only")
_OWNER = _always("compatible", "another team answers for it now")

#: Kind -> field -> rule. Every field of every kind has one (a test keeps it complete).
RULES: dict[Kind, dict[str, Rule]] = {
    Kind.FEATURE: {
        "name": _always("breaking", "code that loads it by its old name breaks"),
        "description": _DOCS,
        "owner": _OWNER,
        "source": _always("breaking", "values come from another source"),
        "column": _always("breaking", "values come from another column"),
        "dtype": _always("breaking", "the values' type changes"),
        "version": _version,
        "status": _status,
        "tags": _always("compatible", "tags only"),
        "ttl": _ttl,
        "replaced_by": _always("compatible", "points users to another feature"),
        "expect": contract_change,
    },
    Kind.SOURCE: {
        "name": _always("breaking", "its features must follow"),
        "description": _DOCS,
        "owner": _OWNER,
        "entity": _always("breaking", "rows describe another entity, joined on other keys"),
        "path": _always("warning", "data read from another location; check it is the same data"),
        "timestamp": _always("breaking", "point-in-time joins use another event-time column"),
        "format": _always("warning", "data read as another format; check it is the same data"),
        "table": _always("warning", "data read from another table; check it is the same data"),
        "iceberg_catalog": _always("warning", "table read through another Iceberg catalog"),
        "expect": contract_change,
    },
    Kind.ENTITY: {
        "name": _always("breaking", "its sources must follow"),
        "description": _DOCS,
        "join_keys": _join_keys,
    },
    Kind.TEAM: {
        "name": _always("compatible", "renamed team"),
        "description": _DOCS,
        "contact": _always("compatible", "new contact"),
        "github": _always("compatible", "reviews go to another GitHub handle"),
    },
    Kind.MODEL: {
        "name": _always("compatible", "renamed model"),
        "description": _DOCS,
        "owner": _OWNER,
        "features": _features_listed,
    },
    Kind.PROJECT: {
        "name": _always("compatible", "renamed catalog"),
        "description": _DOCS,
        "data_root": _always("warning", "every source's data is read from another folder"),
        "site": _always("compatible", "the portal's hand-written pages and look only"),
        "locations": _always("warning", "sources under a changed location read other data"),
        "iceberg_catalogs": _always("warning", "Iceberg sources may read other tables"),
        "loader": _always("compatible", "memory and spill settings only; values are the same"),
    },
}

#: Kind -> (verdict for an added object, verdict for a removed one).
LIFECYCLE: dict[Kind, tuple[Verdict, Verdict]] = {
    Kind.FEATURE: (
        Verdict("compatible", "new feature"),
        Verdict("breaking", "code and models that load it break"),
    ),
    Kind.SOURCE: (
        Verdict("compatible", "new source"),
        Verdict("breaking", "features read from it break"),
    ),
    Kind.ENTITY: (
        Verdict("compatible", "new entity"),
        Verdict("breaking", "its sources and features break"),
    ),
    Kind.TEAM: (Verdict("compatible", "new team"), Verdict("compatible", "team removed")),
    Kind.MODEL: (Verdict("compatible", "new model"), Verdict("compatible", "model removed")),
}
