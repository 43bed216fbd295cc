"""Contract results on the portal: each feature's status, freshness, a model's verdict.

``featurecat test`` writes its results to a file (:data:`~featurecat.contracts.results.
RESULTS_FILE`), so a Pages job runs the tests and then builds the site; the build reads the
file (:func:`read_results`) and the pages ask a :class:`Board`: a badge per feature
(:data:`STATUSES`), each expectation's latest result with its failing rows (as text),
freshness on feature and source pages, and whether all of a model's features pass.

The results are one of the pages' inputs: a feature page carries its
:class:`FeatureContracts` in its page value (so a changed results file renders it again),
and the features table's data and the source and model pages are generated on every build.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from featurecat.contracts.judge import duration
from featurecat.contracts.results import RESULTS_FILE, Outcome, Results, loads
from featurecat.names import parse_duration
from featurecat.printable import plural

if TYPE_CHECKING:
    from featurecat.catalog import Catalog

#: A feature's contract status, worst first: an expectation of it (or its source's row
#: count) does not hold or could not be measured; its source is past its freshness limit;
#: everything declared holds (warnings included); nothing was tested.
STATUSES = ("failing", "stale", "passing", "untested")


@dataclass(frozen=True)
class FeatureContracts:
    """What a feature's page shows of its contracts."""

    status: str
    outcomes: tuple[Outcome, ...]
    """Its own expectations' latest results, in the order of its file."""
    declared: tuple[str, ...]
    """The kinds it declares (shown when there are no results)."""
    freshness: str | None
    """Its source's freshness, in words."""
    tested: datetime | None
    """"Now" for the run the results come from."""
    commit: str | None


@dataclass(frozen=True)
class Verdict:
    """Whether a set of features (a model's) passes: the worst status and a sentence."""

    status: str
    text: str


def read_results(catalog: Catalog, path: Path | None = None) -> tuple[Results | None, str | None]:
    """The latest results file (default: the one ``featurecat test`` writes), or ``None``
    and why not when it is unreadable; ``(None, None)`` when there is none."""
    target = path if path is not None else catalog.root / RESULTS_FILE
    try:
        text = target.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, None
    except (OSError, UnicodeDecodeError) as exc:
        return None, f"cannot read {target}: {exc}"
    try:
        return loads(text), None
    except ValueError as exc:
        return None, f"{target}: {exc}"


class Board:
    """The contract results a build shows, by feature, source and model."""

    def __init__(self, catalog: Catalog, results: Results | None = None) -> None:
        self.catalog = catalog
        self.results = results
        self._status: dict[str, str] = {}

    @property
    def tested(self) -> bool:
        """Whether there are results at all (tables show a contracts column only then)."""
        return self.results is not None

    def status(self, feature: str) -> str:
        """One of :data:`STATUSES`."""
        found = self._status.get(feature)
        if found is None:
            found = self._status[feature] = self._judge(feature)
        return found

    def _judge(self, feature: str) -> str:
        if self.results is None or feature not in self.catalog.features:
            return "untested"
        source = self.catalog.features[feature].source
        own = self.results.of("feature", feature)
        whole = self.results.of("source", source)
        if not own and not whole:
            return "untested"
        if any(o.failed for o in own) or any(o.failed for o in whole if o.kind != "freshness"):
            return "failing"
        if any(o.kind == "freshness" and o.status != "pass" for o in whole):
            return "stale"
        return "passing"

    def feature(self, name: str) -> FeatureContracts:
        """What ``name``'s page shows of its contracts."""
        feature = self.catalog.features[name]
        declared = tuple(k for k, _ in feature.expect.declared()) if feature.expect else ()
        results = self.results
        return FeatureContracts(
            status=self.status(name),
            outcomes=tuple(results.of("feature", name)) if results else (),
            declared=declared,
            freshness=self.freshness(feature.source),
            tested=results.now if results else None,
            commit=results.commit if results else None,
        )

    def source_outcomes(self, source: str) -> list[Outcome]:
        """The latest results of a source's own expectations (freshness, row count)."""
        return self.results.of("source", source) if self.results else []

    def freshness(self, source: str) -> str | None:
        """``newest row 2025-06-11, 3 days over its freshness limit (error_after 3d)``, or
        ``None`` when the run did not measure the source."""
        state = self.results.sources.get(source) if self.results else None
        if self.results is None or state is None:
            return None
        if state.newest is None:
            return "no rows"
        said = f"newest row {state.newest:%Y-%m-%d}"
        age = self.results.now - state.newest
        limits = [
            (n, v)
            for n, v in (("error_after", state.error_after), ("warn_after", state.warn_after))
            if v
        ]
        for name, limit in limits:
            if age > parse_duration(limit):
                over = duration(age - parse_duration(limit))
                return f"{said}, {over} over its freshness limit ({name} {limit})"
        if limits:
            name, limit = limits[-1]
            return f"{said}, within its freshness limit ({name} {limit})"
        return said

    def verdict(self, features: Iterable[str]) -> Verdict:
        """Whether ``features`` (a model's) all pass their contracts, in one sentence."""
        names = sorted(features)
        by: dict[str, list[str]] = {s: [] for s in STATUSES}
        for name in names:
            by[self.status(name)].append(name)
        total = plural(len(names), "feature")
        if not names or len(by["untested"]) == len(names):
            return Verdict("untested", f"No contract results for its {total}.")
        worst = next(s for s in STATUSES if by[s])
        if worst == "passing":
            untested = f" ({len(by['untested'])} untested)" if by["untested"] else ""
            return Verdict("passing", f"All tested features pass their contracts{untested}.")
        parts = [f"{len(by[s])} {s}: {', '.join(by[s])}" for s in ("failing", "stale") if by[s]]
        return Verdict(worst, f"Of its {total}, {'; '.join(parts)}.")
