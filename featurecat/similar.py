"""Similar features: the same source column, the same name once normalised, or a near-identical
description; the reason teams share features is to avoid building one twice.

Only features of one entity are compared (others cannot be the same values). Each rule is
a grouping, so a catalog of any size costs one pass:

``column``
    Same source, column and ttl: the loader returns the very same values.
``name``
    The same words once units, fillers, synonyms, plurals, the entity's own name and word
    order are set aside (``user_age_years`` and ``user_age``; ``avg_order_value_90d`` and
    ``order_value_mean_90d``). Windows stay: ``sessions_7d`` is not ``sessions_30d``, nor
    ``sessions_last_7_days`` anything but ``sessions_7d``.
``description``
    At least :data:`DESCRIPTION_THRESHOLD` of their content words shared (Jaccard) and the
    same numbers: templated descriptions that differ in a window or a count are different
    features. Candidates come from prefix filtering (rarest words first), and a word in the
    prefix of more than :data:`MAX_BUCKET` descriptions is a template, not a signal.

``tests/similar/`` holds a labelled set of pairs; a test keeps the precision of the name and
description rules above the floor measured on it.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from featurecat.catalog import Catalog

Reason = Literal["column", "name", "description", "values"]
REASONS: dict[Reason, str] = {
    "column": "same source column",
    "name": "same name once normalised",
    "description": "near-identical description",
    "values": "values agree",
}
DESCRIPTION_THRESHOLD = 0.85
#: ``--check-data`` flags numeric features whose values agree on this share of the keys and
#: timestamps they share, when they share at least :data:`MIN_SHARED_ROWS`.
VALUE_AGREEMENT = 0.99
MIN_SHARED_ROWS = 10
#: At most this many pairs are compared by their values, one DuckDB query each.
MAX_VALUE_PAIRS = 50
MIN_DESCRIPTION_WORDS = 5
MAX_BUCKET = 64

_WORD = re.compile(r"[^\W_]+")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_WINDOW = re.compile(r"([0-9]+)(d|h|w|m|y|mo)\Z")
_UNITS = {
    **dict.fromkeys(("year", "years", "yr", "yrs", "y"), "y"),
    **dict.fromkeys(("month", "months", "mo", "mos"), "mo"),
    **dict.fromkeys(("week", "weeks", "wk", "wks", "w"), "w"),
    **dict.fromkeys(("day", "days", "d"), "d"),
    **dict.fromkeys(("hour", "hours", "hr", "hrs", "h"), "h"),
    **dict.fromkeys(("minute", "minutes", "mins"), "m"),
    **dict.fromkeys(("second", "seconds", "secs", "sec"), "s"),
}
#: Units of measure that do not change what a value is (``age_years`` is ``age``).
_MEASURES = frozenset(
    {"usd", "eur", "gbp", "dollar", "cent", "byte", "kb", "mb", "gb", "km", "mile", "meter"}
)
_SYNONYMS = {
    "cnt": "count", "num": "count", "number": "count", "avg": "mean", "average": "mean",
    "amt": "amount", "pct": "rate", "percent": "rate", "percentage": "rate", "ratio": "rate",
    "fraction": "rate", "share": "rate", "qty": "quantity", "txn": "transaction",
    "trx": "transaction", "tx": "transaction", "acct": "account", "usr": "user",
    "cust": "customer", "max": "maximum", "tot": "total", "val": "value", "ts": "time",
    "timestamp": "time", "at": "time", "dt": "date", "cat": "category", "desc": "description",
}  # fmt: skip
#: Words that name no quantity of their own: ``order_count`` is ``orders``.
_FILLERS = frozenset({"count", "total", "of", "the", "per", "in", "last", "past", "is", "has",
                      "flag", "a", "an", "by", "for"})  # fmt: skip
_STOPWORD_TEXT = (
    "a an the of in on at for to and or is are was were be been by with as from that this "
    "it its their there than then when which who whom whose what where while per each into "
    "over under up down out if not no so such can may might will would should do does did "
    "has have had but also only any all"
)
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())


@dataclass(frozen=True)
class Candidate:
    """What the rules compare of one feature."""

    name: str
    entity: str
    source: str
    column: str
    ttl: str | None
    description: str
    status: str = "production"
    replaced_by: str | None = None
    dtype: str = ""


@dataclass(frozen=True)
class Similarity:
    """``feature`` looks like ``other``, for these reasons (in :data:`REASONS` order)."""

    feature: str
    other: str
    reasons: tuple[Reason, ...]

    @property
    def because(self) -> str:
        """``same source column and same name once normalised``."""
        return " and ".join(REASONS[r] for r in self.reasons)

    def flipped(self) -> Similarity:
        return Similarity(self.other, self.feature, self.reasons)


def candidates(catalog: Catalog) -> list[Candidate]:
    """Every feature of a loaded catalog, as the rules see it."""
    return [
        Candidate(
            f.name,
            catalog.sources[f.source].entity,
            f.source,
            f.column_name,
            f.ttl,
            f.description,
            f.status,
            f.replaced_by,
            f.dtype,
        )
        for f in sorted(catalog.features.values(), key=lambda f: f.name)
    ]


def similar_features(catalog: Catalog) -> dict[str, list[Similarity]]:
    """For each feature with similar ones, what they are and why (``feature`` is itself)."""
    found: dict[str, list[Similarity]] = defaultdict(list)
    for pair in similar_pairs(candidates(catalog)):
        found[pair.feature].append(pair)
        found[pair.other].append(pair.flipped())
    return {name: sorted(pairs, key=lambda s: s.other) for name, pairs in found.items()}


def duplicates_of(catalog: Catalog, names: Iterable[str]) -> list[Similarity]:
    """The similar pairs involving one of ``names`` (the features a change adds), told from
    that feature's side; deprecated features and replacements are left out."""
    wanted = set(names)
    every = candidates(catalog)
    by_name = {c.name: c for c in every}
    found = []
    for pair in similar_pairs(every):
        if pair.feature not in wanted:
            if pair.other not in wanted:
                continue
            pair = pair.flipped()
        if not is_replacement(by_name[pair.feature], by_name[pair.other]):
            found.append(pair)
    return sorted(found, key=lambda s: (s.feature, s.other))


def similar_pairs(items: Iterable[Candidate]) -> list[Similarity]:
    """Every similar pair once, ``feature`` being the one that looks newer (the longer
    name, then the later one: ``user_age_years`` looks like a duplicate of ``user_age``).

    The answer does not depend on the order of ``items`` (they are taken by name), and the
    last one is kept: loading a catalog checks it (``validate``'s warning) and the portal
    then lists each feature's similar ones, from the very same features.
    """
    rows = tuple(
        sorted((c.name, c.entity, c.source, c.column, c.ttl or "", c.description) for c in items)
    )
    return list(_similar_rows(rows))


@lru_cache(maxsize=1)
def _similar_rows(rows: tuple[tuple[str, str, str, str, str, str], ...]) -> tuple[Similarity, ...]:
    """:func:`similar_pairs` of what the rules read of each feature, sorted by name."""
    features = [Candidate(n, e, s, c, t or None, d) for n, e, s, c, t, d in rows]
    reasons: dict[tuple[int, int], set[Reason]] = defaultdict(set)
    groups: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, c in enumerate(features):
        groups[("column", c.entity, c.source, c.column, c.ttl or "")].append(i)
        key = name_key(c.name, c.entity)
        if key:
            groups[("name", c.entity, *key)].append(i)
    for key, members in groups.items():
        if len(members) > 1:
            reason: Reason = "column" if key[0] == "column" else "name"
            for a, b in _pairs_of(members):
                reasons[(a, b)].add(reason)
    for a, b in _description_pairs(features):
        reasons[(a, b)].add("description")
    pairs = []
    for (a, b), why in reasons.items():
        first, second = features[a], features[b]
        if (len(first.name), first.name) > (len(second.name), second.name):
            first, second = second, first
        ordered = tuple(r for r in REASONS if r in why)
        pairs.append(Similarity(second.name, first.name, ordered))
    return tuple(sorted(pairs, key=lambda s: (s.feature, s.other)))


def value_candidates(
    items: Iterable[Candidate], numeric: Iterable[str], limit: int = MAX_VALUE_PAIRS
) -> list[tuple[Candidate, Candidate]]:
    """Pairs worth comparing by their values (``validate --check-data``), most likely first:
    features of one entity with a dtype in ``numeric``, not known as similar already, whose
    names share a word (windows and numbers aside). At most ``limit`` pairs, so the data
    check stays bounded whatever the catalog's size."""
    numbers = set(numeric)
    features = [c for c in items if c.dtype in numbers and c.status != "deprecated"]
    known = {(p.feature, p.other) for p in similar_pairs(features)}
    known |= {(b, a) for a, b in known}
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, c in enumerate(features):
        for word in set(name_key(c.name, c.entity)):
            if not (word.isdigit() or _WINDOW.match(word)):
                groups[(c.entity, word)].append(i)
    shared: Counter[tuple[int, int]] = Counter()
    for members in groups.values():
        for pair in _pairs_of(members):
            shared[pair] += 1
    ranked = sorted(shared.items(), key=lambda item: (-item[1], item[0]))
    found = []
    for (a, b), _ in ranked:
        first, second = features[a], features[b]
        if (first.name, second.name) in known or is_replacement(first, second):
            continue
        if (len(first.name), first.name) > (len(second.name), second.name):
            first, second = second, first
        found.append((second, first))
        if len(found) == limit:
            break
    return found


def is_replacement(a: Candidate, b: Candidate) -> bool:
    """Whether one of the two is deprecated or replaces the other: a known, handled pair."""
    return (
        "deprecated" in (a.status, b.status) or b.name == a.replaced_by or a.name == b.replaced_by
    )


def name_key(name: str, entity: str = "") -> tuple[str, ...]:
    """A name's words once normalised, sorted; ``()`` when nothing specific is left."""
    raw = name.split("_")
    skip = entity.split("_") if entity else ()
    words: list[str] = []
    after_number = False
    for word in raw:
        if after_number and word in _UNITS:
            words[-1] += _UNITS[word]  # "7", "days" is the window "7d"
            after_number = False
            continue
        after_number = word.isdigit()
        normal = _normal(word)
        if normal and normal not in skip:
            words.append(normal)
    return tuple(sorted(words))


@cache
def _normal(word: str) -> str:
    """A name's word as the rules compare it; ``""`` for a unit, a filler or a measure."""
    if _WINDOW.match(word) or word.isdigit():
        return word
    if word in _UNITS:
        return ""  # a unit alone is how the value is measured, not what it is
    word = _SYNONYMS.get(word, word)
    word = _SYNONYMS.get(_singular(word), _singular(word))
    return "" if word in _FILLERS or word in _MEASURES else word


def description_words(text: str) -> frozenset[str]:
    """A description's content words: case-folded, singular, without stopwords."""
    return frozenset(_singular(w) for w in _WORD.findall(text.casefold()) if w not in _STOPWORDS)


def description_similarity(a: str, b: str) -> float:
    """The share of content words two descriptions have in common (Jaccard), or 0 when
    they hold different numbers or are too short to tell."""
    first, second = description_words(a), description_words(b)
    if min(len(first), len(second)) < MIN_DESCRIPTION_WORDS:
        return 0.0
    if _numbers(a) != _numbers(b):
        return 0.0
    return len(first & second) / len(first | second)


def similar_names(a: str, b: str, entity: str = "") -> bool:
    key = name_key(a, entity)
    return bool(key) and key == name_key(b, entity)


def similar_descriptions(a: str, b: str) -> bool:
    return description_similarity(a, b) >= DESCRIPTION_THRESHOLD


@cache
def _singular(word: str) -> str:
    if len(word) <= 3 or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ses", "xes", "ches", "shes")):
        return word[:-2]
    return word[:-1] if word.endswith("s") else word


def _numbers(text: str) -> tuple[str, ...]:
    """The numbers of a text in order: "7 of 30" and "30 of 7" are different windows."""
    return tuple(_NUMBER.findall(text))


def _pairs_of(members: list[int]) -> Iterable[tuple[int, int]]:
    if len(members) > MAX_BUCKET:
        return  # hundreds of features in one group is a pattern, not duplicates
    for x, a in enumerate(members):
        for b in members[x + 1 :]:
            yield (a, b)


def _description_pairs(features: list[Candidate]) -> set[tuple[int, int]]:
    """Pairs of one entity whose descriptions are similar.

    Only descriptions with the same entity and the same numbers can match, so they are
    grouped by those first (one regex pass each); within a group, prefix filtering (rarest
    words first) finds the candidates, and each is checked.
    """
    groups: dict[tuple[str, tuple[str, ...]], list[int]] = defaultdict(list)
    for i, c in enumerate(features):
        groups[(c.entity, _numbers(c.description))].append(i)
    found: set[tuple[int, int]] = set()
    for members in groups.values():
        if len(members) > 1:
            found |= _similar_within(
                [(i, description_words(features[i].description)) for i in members]
            )
    return found


def _similar_within(items: list[tuple[int, frozenset[str]]]) -> set[tuple[int, int]]:
    frequency: Counter[str] = Counter(w for _, ws in items for w in ws)
    index: dict[str, list[tuple[int, frozenset[str]]]] = defaultdict(list)
    found: set[tuple[int, int]] = set()
    for i, ws in items:
        if len(ws) < MIN_DESCRIPTION_WORDS:
            continue
        ordered = sorted(ws, key=lambda w: (frequency[w], w))
        prefix = len(ws) - math.ceil(DESCRIPTION_THRESHOLD * len(ws)) + 1
        for word in ordered[:prefix]:
            bucket = index[word]
            if len(bucket) < MAX_BUCKET:
                for j, other in bucket:
                    if _jaccard(other, ws) >= DESCRIPTION_THRESHOLD:
                        found.add((j, i))
                bucket.append((i, ws))
    return found


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b)
