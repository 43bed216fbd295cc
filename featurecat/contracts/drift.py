"""Drift: how a feature's values moved between two versions of its source's data.

:mod:`featurecat.measure.drift` profiles each version (rows, nulls, mean and spread for
numbers, shares per category for text and booleans, and counts in the previous version's
deciles); this module compares two profiles: ``user_age: mean 36.2 -> 434.9 (x12.0), null
share 12% -> 12%, PSI 9.1``. The population stability index sums ``(new - old) * ln(new /
old)`` over the bins' shares (nulls are a bin of their own): under 0.1 is stable, over 0.25
a shift worth acting on. A feature's ``drift`` expectation sets the limits; shifts beyond
them fail, the rest are shown.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from featurecat.compat import Assessment, Consumer, Finding, Report
from featurecat.contracts.judge import number, percent
from featurecat.contracts.kinds import Drift
from featurecat.errors import Diagnostic
from featurecat.names import Kind

#: Shares of a bin that is empty in one version count as this little, so ln() stays finite.
_EPSILON = 1e-4
#: Worth a mention when nothing was declared (the usual "moderate shift" line).
NOTABLE_PSI = 0.1


class DriftWarning(UserWarning):
    """New data whose values moved notably from the previous version (shown, not failed)."""


@dataclass(frozen=True)
class Profile:
    """One feature's values in one version of its source's data."""

    rows: int
    nulls: int
    mean: float | None = None
    spread: float | None = None  # standard deviation
    bins: tuple[int, ...] = ()  # numbers: rows per previous-version decile
    categories: Mapping[str, int] = field(default_factory=dict)  # text and booleans: rows per value

    @property
    def null_share(self) -> float:
        return self.nulls / self.rows if self.rows else 0.0


@dataclass(frozen=True)
class Shift:
    """One feature's drift between two versions, and what its ``drift`` expectation says."""

    feature: str
    before: Profile
    after: Profile
    expectation: Drift | None = None
    path: str = ""
    line: int = 0

    @property
    def psi(self) -> float:
        keys = sorted(set(self.before.categories) | set(self.after.categories))
        return psi(_shares(self.before, keys), _shares(self.after, keys))

    @property
    def mean_change(self) -> float | None:
        """The relative change of the mean (``0.5``: half as much again), when both exist."""
        old, new = self.before.mean, self.after.mean
        if old is None or new is None:
            return None
        if old == 0:
            return 0.0 if new == 0 else math.inf
        return abs(new - old) / abs(old)

    def beyond(self) -> list[str]:
        """The declared limits this shift exceeds."""
        e = self.expectation
        if e is None:
            return []
        found = []
        if e.max_psi is not None and self.psi > e.max_psi:
            found.append(f"PSI {self.psi:.2f} > {number(e.max_psi)}")
        change = self.mean_change
        if e.max_mean_change is not None and change is not None and change > e.max_mean_change:
            found.append(f"mean changed by {percent(change)} > {percent(e.max_mean_change)}")
        moved = abs(self.after.null_share - self.before.null_share)
        if e.max_null_change is not None and moved > e.max_null_change:
            found.append(f"null share moved {percent(moved)} > {percent(e.max_null_change)}")
        return found

    @property
    def failed(self) -> bool:
        return (
            bool(self.beyond())
            and self.expectation is not None
            and self.expectation.severity == "error"
        )

    @property
    def notable(self) -> bool:
        return bool(self.beyond()) or self.psi >= NOTABLE_PSI

    def describe(self) -> str:
        """``mean 36.2 -> 434.9 (x12.0), null share 12% -> 12%, rows 1,000 -> 1,100, PSI 9.1``."""
        b, a = self.before, self.after
        parts = []
        if b.mean is not None and a.mean is not None:
            ratio = f" (x{a.mean / b.mean:.1f})" if b.mean else ""
            parts.append(f"mean {number(round(b.mean, 1))} -> {number(round(a.mean, 1))}{ratio}")
        if b.spread is not None and a.spread is not None:
            parts.append(f"spread {number(round(b.spread, 1))} -> {number(round(a.spread, 1))}")
        parts.append(f"null share {percent(b.null_share)} -> {percent(a.null_share)}")
        parts.append(f"rows {b.rows:,} -> {a.rows:,}")
        moved = _moved_categories(b, a)
        if moved:
            parts.append(moved)
        parts.append(f"PSI {self.psi:.2f}")
        return ", ".join(parts)

    def problem(self) -> Diagnostic | None:
        """The failure, pinned to the ``drift`` expectation's line, when it fails."""
        if not self.failed:
            return None
        return Diagnostic(
            self.path,
            self.line,
            0,
            "contract-drift",
            "error",
            f"feature '{self.feature}' drifted beyond its contract ({'; '.join(self.beyond())}): "
            f"{self.describe()}",
        )


def psi(before: Sequence[float], after: Sequence[float]) -> float:
    """The population stability index of two distributions over the same bins (shares)."""
    total = 0.0
    for old, new in zip(before, after, strict=True):
        old, new = max(old, _EPSILON), max(new, _EPSILON)
        total += (new - old) * math.log(new / old)
    return total


def _shares(profile: Profile, categories: Sequence[str]) -> list[float]:
    """The share of rows per bin: deciles or ``categories``, then the rest, then nulls."""
    rows = profile.rows or 1
    counts = list(profile.bins) or [profile.categories.get(k, 0) for k in categories]
    rest = rows - profile.nulls - sum(counts)
    return [c / rows for c in counts] + [max(rest, 0) / rows, profile.nulls / rows]


def _moved_categories(b: Profile, a: Profile) -> str:
    """The categories whose share moved most: ``'US' 30% -> 12%``."""
    if not b.categories and not a.categories:
        return ""
    moves = []
    for key in sorted(set(b.categories) | set(a.categories)):
        old = b.categories.get(key, 0) / (b.rows or 1)
        new = a.categories.get(key, 0) / (a.rows or 1)
        moves.append((abs(new - old), key, old, new))
    moves.sort(key=lambda m: (-m[0], m[1]))
    shown = [
        f"{key!r} {percent(old)} -> {percent(new)}"
        for gap, key, old, new in moves[:3]
        if gap >= 0.01
    ]
    return ", ".join(shown)


def attach(report: Report, shifts: Sequence[Shift]) -> None:
    """Put each shift in ``report`` as a finding on its feature (``data``), beside the
    models that use it; a shift beyond its declared limits is a problem to fix."""
    new = report.diff.new
    for shift in shifts:
        if shift.failed:
            level, reason = "warning", f"drifted beyond its contract ({'; '.join(shift.beyond())})"
        elif shift.beyond():
            level, reason = (
                "warning",
                f"drifted beyond its warn limits ({'; '.join(shift.beyond())})",
            )
        elif shift.notable:
            level, reason = "warning", "the values moved"
        else:
            level, reason = "compatible", "the data changed, the values hardly moved"
        finding = Finding("data", None, shift.describe(), level, reason)  # type: ignore[arg-type]
        assessment = next(
            (a for a in report.assessments if a.kind is Kind.FEATURE and a.name == shift.feature),
            None,
        )
        if assessment is None:
            assessment = Assessment(Kind.FEATURE, shift.feature, "affected", None, path=shift.path)
            assessment.consumers = [
                Consumer(m.name, m.owner, _github(report, m.owner))
                for m in new.models_using(shift.feature)
            ]
            report.assessments.append(assessment)
        assessment.findings.append(finding)
        problem = shift.problem()
        if problem is not None:
            assessment.problems.append(problem)


def _github(report: Report, team: str) -> str | None:
    found = report.diff.new.teams.get(team) or report.diff.old.teams.get(team)
    return found.github if found is not None else None
