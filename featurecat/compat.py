"""Policy: which changes break consumers, what must be done about it, and who must be told.

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

A breaking or warning change to a source reaches every feature read from it, and a breaking
change to an entity every feature of its sources. Then :func:`assess` applies two rules that
fail a pull request (exit code 1):

* a feature with a breaking change (its own, or through its source or entity) needs a higher
  ``version`` than before;
* a removed or renamed feature must not be used by any model any more.

Every changed or reached feature lists the models that use it, with their owners' GitHub
handles, so the pull request names who must be told.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from featurecat.catalog import Catalog
from featurecat.changes import describe_change
from featurecat.diff import CatalogDiff, ObjectChange
from featurecat.errors import Diagnostic
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
