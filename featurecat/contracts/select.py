"""Which expectations a run covers: by name, owner, tag, source, model, kind or change.

Each kind of criterion narrows the run (``--owner growth --tag pii``: growth's pii
features); repeating one widens it (``--tag pii --tag demographics``). A model selects its
features, so a team can test what it trains on; a source selects its features. The sources
of the selected features run their own expectations (freshness, a row floor) too, since
their features depend on them.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from featurecat.catalog import Catalog
from featurecat.contracts.kinds import KINDS
from featurecat.errors import UsageError, did_you_mean


@dataclass(frozen=True)
class Selection:
    """What to run; empty criteria select everything."""

    names: tuple[str, ...] = ()
    """Features or sources, by name."""
    owners: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    """Only these expectation kinds (all when empty)."""
    skip: tuple[str, ...] = ()
    """Never these kinds (``unique``: its hash aggregation costs a second query)."""
    changed: frozenset[str] | None = field(default=None)
    """Only these features (what a pull request changed), when not ``None``."""

    def runs(self, kind: str) -> bool:
        return (not self.kinds or kind in self.kinds) and kind not in self.skip


@dataclass(frozen=True)
class Selected:
    """The features and sources whose expectations run, by name."""

    features: list[str]
    sources: list[str]


def select(catalog: Catalog, selection: Selection) -> Selected:
    """What ``selection`` covers in ``catalog``; :class:`UsageError` for a name it does not
    define (with close matches), or an unknown expectation kind."""
    for kind in (*selection.kinds, *selection.skip):
        if kind not in KINDS:
            raise UsageError(
                f"unknown expectation kind '{kind}'{did_you_mean(kind, KINDS)}; "
                f"the kinds are: {', '.join(KINDS)}"
            )
    features = set(catalog.features)
    named_sources: set[str] = set(selection.sources)
    if selection.names:
        _known(selection.names, [*catalog.features, *catalog.sources], "feature or source")
        named_sources |= {n for n in selection.names if n in catalog.sources}
        features &= {n for n in selection.names if n in catalog.features} | _of_sources(
            catalog, {n for n in selection.names if n in catalog.sources}
        )
    if selection.owners:
        _known(selection.owners, catalog.teams, "team")
        features &= {n for n, f in catalog.features.items() if f.owner in selection.owners}
    if selection.tags:
        features &= {n for n, f in catalog.features.items() if set(f.tags) & set(selection.tags)}
    if selection.sources:
        _known(selection.sources, catalog.sources, "source")
        features &= _of_sources(catalog, set(selection.sources))
    if selection.models:
        _known(selection.models, catalog.models, "model")
        features &= {f for m in selection.models for f in catalog.models[m].features}
    if selection.changed is not None:
        features &= selection.changed
        named_sources &= selection.changed
    sources = {catalog.features[f].source for f in features} | named_sources
    return Selected(sorted(features), sorted(sources))


def _of_sources(catalog: Catalog, sources: set[str]) -> set[str]:
    return {f.name for s in sources for f in catalog.features_of(s)}


def _known(names: Collection[str], known: Collection[str], what: str) -> None:
    for name in names:
        if name not in known:
            raise UsageError(f"unknown {what} '{name}'{did_you_mean(name, known)}")
