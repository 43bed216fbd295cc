"""Policy: which changes break consumers, what must be done about it, and who must be told.

The verdict on each changed field comes from the rules table in :mod:`featurecat.rules`. A
breaking or warning change to a source reaches every feature read from it, and a breaking
change to an entity every feature of its sources. Then :func:`assess` applies two rules that
fail a pull request (exit code 1):

* a feature with a breaking change (its own, or through its source or entity) needs a higher
  ``version`` than before;
* a removed or renamed feature must not be used by any model any more.

Every changed or reached feature lists the models that use it, with their owners' GitHub
handles, so the pull request names who must be told.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from featurecat.catalog import Catalog
from featurecat.changes import describe_change
from featurecat.diff import CatalogDiff, ObjectChange
from featurecat.errors import Diagnostic
from featurecat.names import Kind
from featurecat.rules import LEVELS, LIFECYCLE, RULES, Level


@dataclass(frozen=True)
class Finding:
    """The verdict on one change; ``via`` names the changed source or entity that reached it."""

    field: str
    old: Any
    new: Any
    level: Level
    reason: str
    via: str | None = None


@dataclass(frozen=True)
class Consumer:
    """A model that uses a changed feature, and who owns it."""

    model: str
    owner: str
    github: str | None
    uses_now: bool = True
    """``False`` when this very change stopped the model from using the feature."""

    @property
    def team(self) -> str:
        """The owner team and its GitHub handle: ``growth, @acme/growth``."""
        return f"{self.owner}, {self.github}" if self.github else self.owner


@dataclass
class Assessment:
    """What one change means: its findings, the models it reaches and what must be fixed.

    ``action`` is the detected change, or ``"affected"`` for a feature that did not change
    itself but is reached through its source or entity.
    """

    kind: Kind
    name: str
    action: str
    change: ObjectChange | None
    findings: list[Finding] = field(default_factory=list)
    consumers: list[Consumer] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)
    path: str | None = None

    @property
    def level(self) -> Level:
        return max((f.level for f in self.findings), key=LEVELS.index, default="compatible")


@dataclass
class Report:
    """Everything a reviewer needs: the assessed changes and the head's validation result."""

    diff: CatalogDiff
    assessments: list[Assessment]
    validation: list[Diagnostic] = field(default_factory=list)

    @property
    def problems(self) -> list[Diagnostic]:
        return [p for a in self.assessments for p in a.problems]

    @property
    def errors(self) -> list[Diagnostic]:
        """The head's validation errors."""
        return [d for d in self.validation if d.is_error]

    @property
    def failed(self) -> bool:
        return bool(self.problems or self.errors)

    def at(self, level: Level) -> list[Assessment]:
        return [a for a in self.assessments if a.level == level]

    def teams_to_tell(self) -> dict[str, list[str]]:
        """Owner team (GitHub handle if known) -> its models reached by a non-compatible change."""
        teams: dict[str, list[str]] = {}
        for assessment in self.assessments:
            if assessment.level == "compatible":
                continue
            for consumer in assessment.consumers:
                models = teams.setdefault(consumer.github or consumer.owner, [])
                if consumer.model not in models:
                    models.append(consumer.model)
        return dict(sorted(teams.items()))


def assess(diff: CatalogDiff, validation: Iterable[Diagnostic] = ()) -> Report:
    """Apply the rules to every change, reach features through sources and entities, and
    find what must be fixed before merging."""
    old, new = diff.old, diff.new
    assessments: dict[tuple[Kind, str], Assessment] = {}
    for change in diff.changes:
        assessment = Assessment(change.kind, change.name, change.action, change)
        assessment.findings = list(_findings(change))
        assessment.path = _path(old, new, change.kind, change.name)
        assessments[(change.kind, change.name)] = assessment
    for (kind, name), finding in _reached(diff, assessments):
        reached = assessments.get((kind, name))
        if reached is None:
            reached = Assessment(kind, name, "affected", None, path=_path(old, new, kind, name))
            assessments[(kind, name)] = reached
        reached.findings.append(finding)
    for assessment in assessments.values():
        if assessment.kind is Kind.FEATURE:
            assessment.consumers = _consumers(old, new, assessment)
            assessment.problems = list(_problems(old, new, assessment))
    return Report(diff, list(assessments.values()), list(validation))


def _findings(change: ObjectChange) -> Iterator[Finding]:
    if change.action in ("added", "removed"):
        added, removed = LIFECYCLE[change.kind]
        verdict = added if change.action == "added" else removed
        yield Finding(change.action, None, None, verdict.level, verdict.reason)
        return
    rules = RULES[change.kind]
    if change.action == "renamed":
        verdict = rules["name"](change.old_name, change.name)
        yield Finding("name", change.old_name, change.name, verdict.level, verdict.reason)
    for fc in change.fields:
        if fc.field == "name":
            continue
        verdict = rules[fc.field](fc.old, fc.new)
        yield Finding(fc.field, fc.old, fc.new, verdict.level, verdict.reason)


def _reached(
    diff: CatalogDiff, assessments: dict[tuple[Kind, str], Assessment]
) -> Iterator[tuple[tuple[Kind, str], Finding]]:
    """Findings for the features that changed sources and entities reach."""
    old, new = diff.old, diff.new
    for (kind, name), assessment in list(assessments.items()):
        if kind not in (Kind.SOURCE, Kind.ENTITY) or assessment.level == "compatible":
            continue
        catalog = old if assessment.action == "removed" else new
        sources = (
            [name]
            if kind is Kind.SOURCE
            else sorted(s.name for s in catalog.sources.values() if s.entity == name)
        )
        via = f"{kind.value} {name}"
        for finding in assessment.findings:
            if finding.level == "compatible":
                continue
            for source in sources:
                for feature in catalog.features_of(source):
                    yield (Kind.FEATURE, feature.name), replace(finding, via=via)


def _consumers(old: Catalog, new: Catalog, assessment: Assessment) -> list[Consumer]:
    names = [assessment.name]
    if assessment.change is not None and assessment.change.old_name:
        names.append(assessment.change.old_name)
    found: dict[str, Consumer] = {}
    for catalog, uses_now in ((new, True), (old, False)):
        for name in names:
            for model in catalog.models_using(name):
                if model.name not in found:
                    team = new.teams.get(model.owner) or old.teams.get(model.owner)
                    github = team.github if team is not None else None
                    found[model.name] = Consumer(model.name, model.owner, github, uses_now)
    return sorted(found.values(), key=lambda c: c.model)


def _problems(old: Catalog, new: Catalog, assessment: Assessment) -> Iterator[Diagnostic]:
    change = assessment.change
    if change is not None and change.action in ("removed", "renamed"):
        yield from _still_used(new, assessment, change)
        return
    if assessment.level != "breaking" or assessment.name not in new.features:
        return
    before, after = old.features.get(assessment.name), new.features[assessment.name]
    if before is None or after.version > before.version:
        return
    reasons = "; ".join(
        describe_finding(f)
        for f in assessment.findings
        if f.level == "breaking" and f.field != "version"
    )
    problem = (
        f"its version went down from {before.version} to {after.version}"
        if after.version < before.version
        else "without a version bump"
    )
    users = ", ".join(f"{c.model} ({c.team})" for c in assessment.consumers if c.uses_now)
    yield new.origin(Kind.FEATURE, assessment.name).diagnostic(
        ("version",),
        "version-not-bumped",
        f"breaking change to feature '{assessment.name}' ({reasons or 'version'}) {problem}; "
        f"set version: {before.version + 1}" + (f". Used by {users}" if users else ""),
    )


def _still_used(new: Catalog, assessment: Assessment, change: ObjectChange) -> Iterator[Diagnostic]:
    gone = change.old_name or change.name
    what = (
        f"was renamed to '{change.name}'; use the new name"
        if change.action == "renamed"
        else "was removed; drop it from the model, or keep the feature and deprecate it first"
    )
    for consumer in assessment.consumers:
        model = new.models.get(consumer.model)
        if model is None or gone not in model.features:
            continue
        yield new.origin(Kind.MODEL, model.name).diagnostic(
            ("features", model.features.index(gone)),
            "removed-feature-used",
            f"model '{model.name}' (team {consumer.team}) uses feature '{gone}', which {what}",
        )


def describe_finding(finding: Finding) -> str:
    """``dtype int64 -> float64 via source s``, as one short line."""
    if finding.field in ("added", "removed"):
        text = finding.field
    else:
        text = describe_change(finding.field, finding.old, finding.new)
    return f"{text} via {finding.via}" if finding.via else text


def _path(old: Catalog, new: Catalog, kind: Kind, name: str) -> str | None:
    for catalog in (new, old):
        origin = catalog.origins.get((kind, name))
        if origin is not None:
            return origin.path
    return None
