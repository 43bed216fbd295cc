"""Questions people ask of a catalog: filter, search, and who uses what."""

from __future__ import annotations

import re
from dataclasses import dataclass

from featurecat.catalog import Catalog
from featurecat.names import LOOKUP_KINDS, Kind
from featurecat.schema import Definition, Feature

#: Letters and digits in any script; "_" separates words, so "user_age" is "user" and "age".
_WORD = re.compile(r"[^\W_]+")


def filter_features(
    catalog: Catalog,
    *,
    owner: str | None = None,
    entity: str | None = None,
    tag: str | None = None,
    status: str | None = None,
    dtype: str | None = None,
) -> list[Feature]:
    """Features matching every given filter, sorted by name."""
    found = []
    for feature in catalog.features.values():
        if dtype is not None and feature.dtype != dtype:
            continue
        if owner is not None and feature.owner != owner:
            continue
        if status is not None and feature.status != status:
            continue
        if tag is not None and tag not in feature.tags:
            continue
        if entity is not None and catalog.sources[feature.source].entity != entity:
            continue
        found.append(feature)
    return sorted(found, key=lambda f: f.name)


def find(catalog: Catalog, name: str, kind: Kind | None = None) -> list[tuple[Kind, Definition]]:
    """Every object called ``name`` (of ``kind`` when given); a name may exist in several kinds."""
    kinds = (kind,) if kind else LOOKUP_KINDS
    return [(k, catalog.objects(k)[name]) for k in kinds if name in catalog.objects(k)]


@dataclass(frozen=True)
class Hit:
    kind: Kind
    name: str
    score: int
    obj: Definition


# Points for one query word matching one part of an object; the best match per word counts.
_NAME_EXACT, _NAME_PART, _NAME_SUB, _TAG, _TEXT, _OWNER = 100, 40, 20, 15, 5, 3


def search(catalog: Catalog, text: str, limit: int | None = 20) -> list[Hit]:
    """Objects matching every word of ``text``, best first: names beat tags beat descriptions."""
    words = _WORD.findall(text.casefold())
    if not words:
        return []
    hits = []
    for kind in LOOKUP_KINDS:
        for name, obj in catalog.objects(kind).items():
            score = _score(words, name, obj)
            if score:
                hits.append(Hit(kind, name, score + (1 if kind is Kind.FEATURE else 0), obj))
    hits.sort(key=lambda h: (-h.score, h.name, h.kind.value))
    return hits[:limit] if limit else hits


def _score(words: list[str], name: str, obj: Definition) -> int:
    parts = name.split("_")
    tags = getattr(obj, "tags", [])
    description = getattr(obj, "description", "").casefold()
    owner = getattr(obj, "owner", "") or ""
    total = 0
    for word in words:
        best = max(
            _NAME_EXACT if word == name else 0,
            _NAME_PART if word in parts else 0,
            _NAME_SUB if word in name else 0,
            _TAG if word in tags else (_TAG // 2 if any(word in t for t in tags) else 0),
            _TEXT if word in description else 0,
            _OWNER if word == owner else 0,
        )
        if not best:
            return 0
        total += best
    return total
