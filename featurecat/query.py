"""Questions people ask of a catalog: filter, search, and who uses what.

The search rules live here, once; ``featurecat search``, :func:`featurecat.search` and the
notebook read them, and the portal's search mirrors them (keep the two in step).

A query is words and filters: ``age owner:growth tag:pii``. Filters (:data:`FACETS`) keep
the objects whose facet has one of the given values (``kind:feature kind:source`` keeps
both kinds; different facets must all hold). Every word must match somewhere in an object;
each word scores the best of :data:`WEIGHTS`:

==============  ======  =================================================================
rule            points  a query word ...
==============  ======  =================================================================
``name_word``   40      is a word of the name (``age`` in ``user_age``)
``name_part``   20      is inside the name (``sess`` in ``user_sessions_7d``)
``tag``         15      is a tag (``pii``); 7 when it is inside one (``geo`` in ``geography``)
``facet``       10      is the owner, entity, dtype, status or kind (``growth``, ``int64``)
``facet_word``  5       is a word of one of those (``team`` in owner ``team_3``)
``text``        5       is in the description
==============  ======  =================================================================

and once per query, ``phrase`` (50 points) when the words joined by ``_`` are a tag, the
owner, entity, dtype, status or kind: ``team_3`` ranks what team_3 owns above what only
mentions a 3.

Results are ordered by: exact name match first (the words, joined by ``_``, are the
object's name: ``team_3``, ``user age``), then points, then kind (features first, then
sources, entities, models and teams), then name.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import repeat
from typing import TYPE_CHECKING

from featurecat.entries import Entries, Entry
from featurecat.errors import UsageError, did_you_mean
from featurecat.names import DTYPES, LOOKUP_KINDS, STATUSES, Kind

if TYPE_CHECKING:
    from featurecat.catalog import Catalog

#: Letters and digits in any script; "_" separates words, so "user_age" is "user" and "age".
_WORD = re.compile(r"[^\W_]+")
#: ``owner:growth``: a facet name, a colon and a value, as one whole word of the query
#: (``user_age:x`` names the filter ``user_age:``, not ``age:``).
_FILTER = re.compile(r"(?<!\S)([A-Za-z][A-Za-z_]*):(\S+)")

WEIGHTS = {
    "name_word": 40,
    "name_part": 20,
    "tag": 15,
    "tag_part": 7,
    "facet": 10,
    "facet_word": 5,
    "text": 5,
    "phrase": 50,
}
#: The facets a query can filter on, as ``facet:value``.
FACETS = ("kind", "owner", "entity", "dtype", "status", "tag")
_CLOSED = {
    "kind": tuple(k.value for k in LOOKUP_KINDS),
    "dtype": DTYPES,
    "status": STATUSES,
}


@dataclass(frozen=True)
class Query:
    """A parsed query: the words to match and the filters, facet -> accepted values."""

    words: tuple[str, ...]
    filters: dict[str, frozenset[str]]

    @classmethod
    def parse(cls, text: str) -> Query:
        """Split ``text`` into words and ``facet:value`` filters; an unknown facet, or a
        kind, dtype or status that does not exist, is a :class:`UsageError`."""
        filters: dict[str, set[str]] = {}
        for facet, value in _FILTER.findall(text):
            facet, value = facet.casefold(), value.casefold()
            if facet not in FACETS:
                raise UsageError(
                    f"unknown filter '{facet}:'{did_you_mean(facet, FACETS)}; "
                    f"filter with {', '.join(f + ':' for f in FACETS)}"
                )
            allowed = _CLOSED.get(facet)
            if allowed is not None and value not in allowed:
                raise UsageError(
                    f"{facet}:{value} matches nothing{did_you_mean(value, allowed)}; "
                    f"a {facet} is one of {', '.join(allowed)}"
                )
            filters.setdefault(facet, set()).add(value)
        words = tuple(_WORD.findall(_FILTER.sub(" ", text).casefold()))
        return cls(words, {facet: frozenset(values) for facet, values in filters.items()})

    def __bool__(self) -> bool:
        return bool(self.words or self.filters)


@dataclass(frozen=True)
class Hit:
    """One search result: what it is, how well it matched, and its facets for display."""

    kind: Kind
    name: str
    score: int
    exact: bool
    entry: Entry

    @property
    def owner(self) -> str | None:
        owner = self.entry.get("owner")
        return owner if isinstance(owner, str) else None

    @property
    def status(self) -> str | None:
        return self.entry.status

    @property
    def description(self) -> str:
        return self.entry.description


def search(catalog: Catalog | Entries, text: str | Query, limit: int | None = 20) -> list[Hit]:
    """Objects matching ``text`` (words and filters), best first; see the module's rules.
    ``limit`` 0 or ``None`` returns every match."""
    query = text if isinstance(text, Query) else Query.parse(text)
    if not query:
        return []
    entries = catalog if isinstance(catalog, Entries) else Entries.of(catalog)
    joined = "_".join(query.words)
    found: list[tuple[bool, int, int, str, int]] = []
    for rank, kind in enumerate(LOOKUP_KINDS):
        table = entries.of_kind(kind)
        if not table:
            continue
        # This loop runs once per object, 100,000 times at scale: it reads whole columns
        # (decoded once), and makes an entry only for the results.
        names, label, absent = table.names, kind.value, repeat(None)
        tags_of, owners, dtypes, statuses, texts = (
            names if f == "owner" and kind is Kind.TEAM else table.column(f) or absent
            for f in ("tags", "owner", "dtype", "status", "description")
        )
        rows = zip(names, tags_of, owners, table.entities, dtypes, statuses, texts, strict=False)
        for index, (name, tags, owner, entity, dtype, status, about) in enumerate(rows):
            facets = (label, owner, entity, dtype, status)
            if query.filters and not _passes(facets, tags or (), query.filters):
                continue
            score = _score(query.words, joined, name, tags or (), facets, about or "")
            if score is not None:
                found.append((joined != name, -score, rank, name, index))
    best = heapq.nsmallest(limit, found) if limit else sorted(found)
    hits = []
    for inexact, score, rank, name, index in best:
        entry = entries.of_kind(LOOKUP_KINDS[rank]).entry(index)
        hits.append(Hit(entry.kind, name, -score, not inexact, entry))
    return hits


#: Where each filterable facet sits in a search's facet tuple (tags are apart).
_FACET_AT = {"kind": 0, "owner": 1, "entity": 2, "dtype": 3, "status": 4}


def _passes(
    facets: tuple[str | None, ...], tags: Iterable[str], filters: dict[str, frozenset[str]]
) -> bool:
    """Whether an object has, for every filtered facet, one of the accepted values. Names,
    tags, dtypes and statuses are lower case by the schema's patterns, as queries are folded."""
    for facet, accepted in filters.items():
        if facet == "tag":
            if not any(t in accepted for t in tags):
                return False
        elif facets[_FACET_AT[facet]] not in accepted:
            return False
    return True


def _score(
    words: tuple[str, ...],
    phrase: str,
    name: str,
    tags: Sequence[str],
    facets: tuple[str | None, ...],
    description: str,
) -> int | None:
    """The points of every word and of the phrase, or ``None`` when a word matches nothing.
    Rules are tried from the most points down; the first that holds counts."""
    points = _facet_points(facets)
    folded: str | None = None
    joined_tags: str | None = None
    total = 0
    for word in words:
        if word in name:
            total += WEIGHTS["name_word"] if word in name.split("_") else WEIGHTS["name_part"]
            continue
        if word in tags:
            total += WEIGHTS["tag"]
            continue
        best = points.get(word, 0)
        if best < WEIGHTS["tag_part"] and tags:
            if joined_tags is None:
                # Query words hold no NUL, so a word is inside this string exactly when it
                # is inside one tag: one substring search instead of one per tag.
                joined_tags = "\0".join(tags)
            if word in joined_tags:
                best = WEIGHTS["tag_part"]
        if not best:
            if folded is None:
                folded = description.casefold()
            if word not in folded:
                return None
            best = WEIGHTS["text"]
        total += best
    if phrase in tags or phrase in facets:
        total += WEIGHTS["phrase"]
    return total


@cache
def _facet_points(facets: tuple[str | None, ...]) -> dict[str, int]:
    """What a word scores against an object's facets: a whole value (``team_3``) or one of
    its words (``team``). Objects share few distinct facet tuples, so each is worked out once.
    """
    points: dict[str, int] = {}
    for value in filter(None, facets):
        for word in value.replace("-", "_").split("_"):
            points.setdefault(word, WEIGHTS["facet_word"])
    for value in filter(None, facets):
        points[value] = WEIGHTS["facet"]
    return points


def filter_entries(
    entries: Entries,
    kind: Kind,
    *,
    owner: str | None = None,
    entity: str | None = None,
    tag: str | None = None,
    status: str | None = None,
    dtype: str | None = None,
) -> list[Entry]:
    """Objects of ``kind`` matching every given filter, sorted by name (``featurecat list``)."""
    table = entries.of_kind(kind)
    kept: Iterable[int] = range(len(table))
    for field, value in (("owner", owner), ("dtype", dtype), ("status", status)):
        if value is not None:
            column = table.column(field)
            kept = [i for i in kept if column is not None and column[i] == value]
    if entity is not None:
        entities = table.entities
        kept = [i for i in kept if entities[i] == entity]
    if tag is not None:
        tags = table.column("tags")
        kept = [i for i in kept if tags is not None and tag in (tags[i] or ())]
    return [table.entry(i) for i in kept]
