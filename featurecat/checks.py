"""Cross-file checks: rules that need more than one definition to decide.

Each check is a function that takes the :class:`Index` of everything parsed and yields
diagnostics. To add one, write the function and append it to :data:`CHECKS`.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from featurecat.errors import Diagnostic, did_you_mean
from featurecat.names import DEFAULT_TIMESTAMP, Kind
from featurecat.origin import Parsed
from featurecat.schema import Entity, Feature, Model, Project, Source
from featurecat.schema.paths import escapes
from featurecat.schema.storage import (
    CREDENTIALS,
    IcebergCatalog,
    StorageLocation,
    location_of,
    looks_secret,
    scheme_of,
)
from featurecat.similar import Candidate, is_replacement, similar_pairs


@dataclass
class Index:
    """Everything parsed, grouped for lookups. ``declared`` includes invalid objects' names."""

    project: Project | None
    catalog_dir: str  # the catalog folder relative to the repository root ("" when equal)
    by_kind: dict[Kind, dict[str, list[Parsed]]] = field(default_factory=dict)

    @classmethod
    def build(cls, parsed: Iterable[Parsed], project: Project | None, catalog_dir: str) -> Index:
        by_kind: dict[Kind, dict[str, list[Parsed]]] = defaultdict(lambda: defaultdict(list))
        for item in parsed:
            by_kind[item.kind][item.name].append(item)
        return cls(project, catalog_dir, by_kind)

    def declared(self, kind: Kind) -> dict[str, list[Parsed]]:
        return self.by_kind.get(kind, {})

    def valid(self, kind: Kind) -> Iterator[Parsed]:
        """The first, valid definition of each name of ``kind``."""
        for items in self.declared(kind).values():
            if items[0].obj is not None:
                yield items[0]

    def get(self, kind: Kind, name: str) -> Parsed | None:
        items = self.declared(kind).get(name)
        return items[0] if items and items[0].obj is not None else None


_T = TypeVar("_T")
Check = Callable[[Index], Iterator[Diagnostic]]


def unique_names(index: Index) -> Iterator[Diagnostic]:
    for kind, by_name in index.by_kind.items():
        for name, items in by_name.items():
            first = items[0].origin
            for dup in items[1:]:
                yield dup.origin.diagnostic(
                    ("name",),
                    "duplicate-name",
                    f"{kind.value} '{name}' is already defined in "
                    f"{first.path}:{first.line('name')}; "
                    f"{kind.value} names must be unique, so rename or remove one",
                )


_REFERENCES: dict[Kind, tuple[tuple[str, Kind], ...]] = {
    Kind.SOURCE: (("owner", Kind.TEAM), ("entity", Kind.ENTITY)),
    Kind.FEATURE: (("owner", Kind.TEAM), ("source", Kind.SOURCE), ("replaced_by", Kind.FEATURE)),
    Kind.MODEL: (("owner", Kind.TEAM), ("features", Kind.FEATURE)),
}


def references_resolve(index: Index) -> Iterator[Diagnostic]:
    for kind, refs in _REFERENCES.items():
        for items in index.declared(kind).values():
            item = items[0]  # a duplicate is reported as such, not for its references
            for field_name, target in refs:
                value = item.value(field_name)
                values = value if isinstance(value, list) else [value]
                for position, ref in enumerate(values):
                    if not isinstance(ref, str) or ref in index.declared(target):
                        continue
                    loc = (field_name, position) if isinstance(value, list) else (field_name,)
                    folder = target.folder
                    yield item.origin.diagnostic(
                        loc,
                        "unknown-reference",
                        f"{field_name}: unknown {target.value} '{ref}'"
                        f"{did_you_mean(ref, index.declared(target))}; "
                        f"define it in {folder}/{ref}.yaml or fix the name",
                    )


def replacements_make_sense(index: Index) -> Iterator[Diagnostic]:
    for item in index.valid(Kind.FEATURE):
        feature = item.obj
        assert isinstance(feature, Feature)
        if feature.replaced_by is None:
            continue
        if feature.replaced_by == feature.name:
            yield item.origin.diagnostic(
                ("replaced_by",),
                "invalid-replacement",
                "replaced_by names the feature itself; name its successor",
            )
            continue
        target = index.get(Kind.FEATURE, feature.replaced_by)
        if (
            target is not None
            and isinstance(target.obj, Feature)
            and target.obj.status == "deprecated"
        ):
            yield item.origin.diagnostic(
                ("replaced_by",),
                "deprecated-replacement",
                f"replaced_by: '{feature.replaced_by}' is deprecated too; point to a live feature",
                severity="warning",
            )


def columns_do_not_collide(index: Index) -> Iterator[Diagnostic]:
    """A feature's output column is its name; it must not clash with a join key or the timestamp."""
    for item in index.valid(Kind.FEATURE):
        feature = item.obj
        assert isinstance(feature, Feature)
        source = _obj(index, Kind.SOURCE, feature.source, Source)
        entity = _obj(index, Kind.ENTITY, source.entity, Entity) if source else None
        if entity is not None and feature.name in entity.join_keys:
            yield item.origin.diagnostic(
                ("name",),
                "name-collision",
                f"feature '{feature.name}' has the name of a join key of entity '{entity.name}'; "
                "loaded features are columns named after the feature, so choose another name",
            )
        elif feature.name == DEFAULT_TIMESTAMP:
            yield item.origin.diagnostic(
                ("name",),
                "name-collision",
                f"feature '{feature.name}' has the name of the entity rows' timestamp column; "
                "loaded features are columns named after the feature, so choose another name",
            )


def deprecated_usage(index: Index) -> Iterator[Diagnostic]:
    for item in index.valid(Kind.MODEL):
        model = item.obj
        assert isinstance(model, Model)
        for position, name in enumerate(model.features):
            feature = _obj(index, Kind.FEATURE, name, Feature)
            if feature is None or feature.status != "deprecated":
                continue
            advice = (
                f"switch to '{feature.replaced_by}'"
                if feature.replaced_by
                else "it has no replacement; plan to stop using it"
            )
            yield item.origin.diagnostic(
                ("features", position),
                "deprecated-feature",
                f"model '{model.name}' uses deprecated feature '{name}'; {advice}",
                severity="warning",
            )


def paths_stay_inside(index: Index) -> Iterator[Diagnostic]:
    project = index.project
    if project is None:
        return
    for item in index.valid(Kind.PROJECT):
        if project.site and escapes(index.catalog_dir, project.site):
            # Only the portal's look is lost, so a catalog copied out of its repository
            # still validates; the portal ignores the folder (see portal/site.py).
            yield item.origin.diagnostic(
                ("site",),
                "path-escapes-repo",
                f"site '{project.site}' points outside the repository, so the portal ignores "
                "it and uses the default look; keep the portal's sources inside the repository",
                severity="warning",
            )
        if escapes(index.catalog_dir, project.data_root):
            yield item.origin.diagnostic(
                ("data_root",),
                "path-escapes-repo",
                f"data_root '{project.data_root}' points outside the repository; "
                "keep data inside the repository",
            )
            return
    data_dir = posixpath.join(index.catalog_dir, project.data_root)
    for item in index.valid(Kind.SOURCE):
        source = item.obj
        assert isinstance(source, Source)
        if source.local_path is not None and escapes(data_dir, source.local_path):
            yield item.origin.diagnostic(
                ("path",),
                "path-escapes-repo",
                f"path '{source.path}' points outside the repository; keep data inside the "
                f"repository, relative to data_root '{project.data_root}'",
            )


def storage_holds_no_secrets(index: Index) -> Iterator[Diagnostic]:
    """Locations and Iceberg catalogs hold known, non-secret options only: a credential is
    refused with where credentials go, anything else unknown is a typo."""
    project = index.project
    if project is None:
        return
    for item in index.valid(Kind.PROJECT):
        declared: list[tuple[str, str, StorageLocation | IcebergCatalog, str]] = [
            ("locations", n, loc, scheme_of(loc.url) or "file")
            for n, loc in project.locations.items()
        ]
        declared += [
            ("iceberg_catalogs", n, c, "iceberg") for n, c in project.iceberg_catalogs.items()
        ]
        for group, name, options, scheme in declared:
            keys: list[tuple[tuple[str, ...], str]] = [
                ((group, name, k), k) for k in options.model_extra or {}
            ]
            if isinstance(options, IcebergCatalog):
                keys += [((group, name, "properties", k), k) for k in options.properties]
                if options.uri and "@" in options.uri.partition("://")[2].split("/")[0]:
                    keys.append(((group, name, "uri"), "uri"))
            for loc, key in keys:
                if looks_secret(key) or key == "uri":
                    what = "a user name or password" if key == "uri" else "a credential"
                    yield item.origin.diagnostic(
                        loc,
                        "credential-in-catalog",
                        f"'{key}' of {group[:-1].replace('_', ' ')} '{name}' holds {what}; "
                        "credentials never live in the catalog: remove it and provide it "
                        f"through {CREDENTIALS[scheme]}",
                    )
                elif len(loc) == 3:
                    fields = list(type(options).model_fields)
                    yield item.origin.diagnostic(
                        loc,
                        "unknown-field",
                        f"unknown option '{key}' of {group[:-1].replace('_', ' ')} '{name}'"
                        f"{did_you_mean(key, fields)}; it has: {', '.join(fields)}",
                    )


def data_is_under_declared_locations(index: Index) -> Iterator[Diagnostic]:
    """Data outside the repository is read only under a storage location the catalog
    declares; an Iceberg source's catalog and every warehouse are declared too."""
    project = index.project
    if project is None:
        return
    declare = "declare one under locations: in featurecat.yaml (url: {}, no credentials)"
    for item in index.valid(Kind.SOURCE):
        source = item.obj
        assert isinstance(source, Source)
        remote = source.path if source.local_path is None else None
        if remote and not location_of(project.locations, remote):
            prefix = remote.rsplit("/", 1)[0]
            yield item.origin.diagnostic(
                ("path",),
                "unknown-location",
                f"path '{remote}' is under no storage location of featurecat.yaml, so "
                f"it is not read; {declare.format(prefix)}",
            )
        name = source.iceberg_catalog
        if name is not None and name not in project.iceberg_catalogs:
            yield item.origin.diagnostic(
                ("iceberg_catalog",),
                "unknown-reference",
                f"iceberg_catalog: unknown Iceberg catalog '{name}'"
                f"{did_you_mean(name, project.iceberg_catalogs)}; declare it under "
                "iceberg_catalogs: in featurecat.yaml",
            )
    for item in index.valid(Kind.PROJECT):
        for name, iceberg in project.iceberg_catalogs.items():
            warehouse = iceberg.warehouse
            if warehouse and not location_of(project.locations, warehouse):
                yield item.origin.diagnostic(
                    ("iceberg_catalogs", name, "warehouse"),
                    "unknown-location",
                    f"warehouse '{warehouse}' of Iceberg catalog '{name}' is under no storage "
                    f"location; {declare.format(warehouse)}",
                )


def no_duplicate_features(index: Index) -> Iterator[Diagnostic]:
    """A feature that reads the same source column as another, or has its name once
    normalised, or a near-identical description, is probably built twice (:mod:`.similar`)."""
    found: dict[str, tuple[Parsed, Candidate]] = {}
    for item in index.valid(Kind.FEATURE):
        feature = item.obj
        assert isinstance(feature, Feature)
        source = _obj(index, Kind.SOURCE, feature.source, Source)
        if source is None:
            continue
        found[feature.name] = (
            item,
            Candidate(
                feature.name,
                source.entity,
                feature.source,
                feature.column_name,
                feature.ttl,
                feature.description,
                feature.status,
                feature.replaced_by,
            ),
        )
    for pair in similar_pairs(c for _, c in found.values()):
        item, candidate = found[pair.feature]
        other, other_candidate = found[pair.other]
        if is_replacement(candidate, other_candidate):
            continue
        yield item.origin.diagnostic(
            ("name",),
            "similar-feature",
            f"{pair.feature} looks like a duplicate of {pair.other} ({pair.because}), "
            f"defined in {other.origin.path}:{other.origin.line('name')}; if it is the same "
            f"feature, use {pair.other} instead, else make the difference clear in the name "
            "and description",
            severity="warning",
        )


CHECKS: tuple[Check, ...] = (
    unique_names,
    references_resolve,
    replacements_make_sense,
    columns_do_not_collide,
    deprecated_usage,
    paths_stay_inside,
    storage_holds_no_secrets,
    data_is_under_declared_locations,
    no_duplicate_features,
)


def run_checks(index: Index) -> list[Diagnostic]:
    """Every cross-file problem, in check order."""
    return [diagnostic for check in CHECKS for diagnostic in check(index)]


def _obj(index: Index, kind: Kind, name: str, cls: type[_T]) -> _T | None:
    item = index.get(kind, name)
    return item.obj if item is not None and isinstance(item.obj, cls) else None
