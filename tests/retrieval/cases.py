"""Build small catalogs with hand-made data for the conformance suite."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from featurecat.catalog import Catalog
from featurecat.data import SourceData
from featurecat.writes import transaction
from tests.storage.server import S3Server
from tests.storage.stores import new_prefix, project_yaml, put_source
from tests.support import build_tree, commit_all, init_repo, make_catalog

BASE: dict[str, str] = {
    "featurecat.yaml": "name: cases\n",
    "teams/growth.yaml": "name: growth\n",
    "entities/user.yaml": "name: user\njoin_keys: [user_id]\n",
    "entities/merchant.yaml": "name: merchant\njoin_keys: [merchant_id]\n",
    "entities/user_merchant.yaml": "name: user_merchant\njoin_keys: [user_id, merchant_id]\n",
}


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def source_yaml(name: str, entity: str, path: str, timestamp: str = "event_timestamp") -> str:
    return f"name: {name}\nowner: growth\nentity: {entity}\npath: {path}\ntimestamp: {timestamp}\n"


def feature_yaml(
    name: str, source: str, dtype: str, ttl: str | None = None, column: str | None = None
) -> str:
    text = f"name: {name}\ndescription: The {name}.\nowner: growth\nsource: {source}\n"
    text += f"dtype: {dtype}\n"
    if ttl:
        text += f"ttl: {ttl}\n"
    if column:
        text += f"column: {column}\n"
    return text


@dataclass
class Case:
    """A catalog (YAML and data) plus a request against it."""

    features: list[str]
    entity_df: pd.DataFrame
    files: dict[str, str] = field(default_factory=dict)
    data: dict[str, pa.Table | str] = field(default_factory=dict)
    """Data files under data/: arrow tables become parquet, strings are written as CSV."""

    def source(
        self,
        name: str,
        entity: str,
        table: pa.Table | str,
        features: Mapping[str, str | tuple[str, str]],
        *,
        suffix: str = "parquet",
        path: str | None = None,
    ) -> Case:
        """Add a source with its data and features (``{name: dtype}`` or ``(dtype, ttl)``)."""
        path = path or f"{name}.{suffix}"
        self.files[f"sources/{name}.yaml"] = source_yaml(name, entity, path)
        if "*" not in path:
            self.data[path] = table
        for feature, spec in features.items():
            dtype, ttl = (spec, None) if isinstance(spec, str) else spec
            self.files[f"features/{feature}.yaml"] = feature_yaml(feature, name, dtype, ttl)
        return self

    def build(self, root: Path, store: str = "local", s3: S3Server | None = None) -> Path:
        """Write the catalog and its data; with ``store``, every source whose data is arrow
        tables keeps them there instead (parts of a glob as files or commits, in order)."""
        if store != "local":
            return self._build_in(root, store, s3)
        build_tree(root, {**BASE, **self.files})
        for relpath, table in self.data.items():
            target = root / "data" / relpath
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(table, str):
                target.write_text(table)
            else:
                pq.write_table(table, target)
        return root

    def _build_in(self, root: Path, store: str, s3: S3Server | None) -> Path:
        prefix = new_prefix()
        files = {**BASE, **self.files, "featurecat.yaml": project_yaml("cases", s3, prefix)}
        build_tree(root, files)
        for relpath, text in self.files.items():
            if not relpath.startswith("sources/"):
                continue
            lines = text.splitlines(keepends=True)
            path = next(ln for ln in lines if ln.startswith("path: "))[6:].strip()
            parts = [self.data[k] for k in sorted(self.data) if fnmatch.fnmatch(k, path)]
            if not parts or not all(isinstance(p, pa.Table) for p in parts):
                self._write_data(root, {k: v for k, v in self.data.items() if k == path})
                continue
            where = put_source(root, store, stem(relpath), parts, s3=s3, prefix=prefix)
            kept = "".join(ln for ln in lines if not ln.startswith("path: "))
            (root / relpath).write_text(kept + where)
        return root

    def _write_data(self, root: Path, data: Mapping[str, pa.Table | str]) -> None:
        for relpath, table in data.items():
            target = root / "data" / relpath
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(table, str):
                target.write_text(table)
            else:
                pq.write_table(table, target)


def stem(relpath: str) -> str:
    return relpath.rsplit("/", 1)[-1].removesuffix(".yaml")


def write_source(catalog: Catalog, name: str, table: pa.Table) -> None:
    """``table`` as source ``name``'s data, written by the reader of its format."""
    source = catalog.sources[name]
    target = catalog.data_path(source)
    target.parent.mkdir(parents=True, exist_ok=True)
    with transaction(catalog.root) as change:
        SourceData(name, source, (target,)).write_table(table, change)
        change.apply()
        change.finish()


def rows(**columns: Any) -> pa.Table:
    """An arrow table from columns; timestamps given as strings become UTC microseconds."""
    arrays = {}
    for name, values in columns.items():
        if name.endswith("timestamp") and values and isinstance(values[0], str | type(None)):
            stamps = [None if v is None else utc(v) for v in values]
            arrays[name] = pa.array(stamps, pa.timestamp("us", tz="UTC"))
        else:
            arrays[name] = values if isinstance(values, pa.Array) else pa.array(values)
    return pa.table(arrays)


def entities(**columns: Any) -> pd.DataFrame:
    """An entity frame; ``event_timestamp`` strings become UTC timestamps."""
    frame = pd.DataFrame(columns)
    stamps = frame.get("event_timestamp")
    if stamps is not None and not pd.api.types.is_datetime64_any_dtype(stamps):
        frame["event_timestamp"] = pd.to_datetime(stamps, utc=True, format="ISO8601")
    return frame


def write_profile(catalog: Path, ages: tuple[int, int] = (30, 40)) -> None:
    """Data for the base test catalog's user_profile source: two users on 2025-01-01."""
    (catalog / "data").mkdir(exist_ok=True)
    table = rows(
        user_id=[1, 2],
        event_timestamp=["2025-01-01", "2025-01-01"],
        user_age=list(ages),
        country=["se", "no"],
    )
    pq.write_table(table, catalog / "data/user_profile.parquet")


def profile_repo(tmp_path: Path) -> Path:
    """The base test catalog with its profile data, committed in a new git repository."""
    repo = init_repo(tmp_path / "repo")
    catalog = make_catalog(repo / "catalog")
    write_profile(catalog)
    commit_all(repo, "catalog")
    return catalog
