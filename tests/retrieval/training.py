"""A generated catalog with enough rows to exercise the big-data path: two sources (one with
ties, one with a ttl), entity rows split over several parquet files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tests.retrieval.cases import feature_yaml, source_yaml
from tests.support import commit_all, init_repo, make_catalog

FEATURES = ["spend", "visits", "tier", "age"]
START = 1_735_689_600_000_000  # 2025-01-01 in microseconds
DAY = 86_400_000_000


def stamps(values: np.ndarray) -> pa.Array:
    return pa.array(values, pa.int64()).cast(pa.timestamp("us", tz="UTC"))


def training_catalog(root: Path, sources: int = 20_000, seed: int = 7) -> Path:
    """A committed catalog under ``root``/repo/catalog with sources ``events`` and ``profile``."""
    rng = np.random.default_rng(seed)
    catalog = make_catalog(init_repo(root / "repo") / "catalog")
    (catalog / "data").mkdir(exist_ok=True)
    users = rng.integers(0, 500, sources)
    times = START + rng.integers(0, 60, sources) * DAY  # whole days: many ties
    spend = rng.random(sources) * 100
    spend[rng.random(sources) < 0.1] = np.nan
    events = pa.table(
        {
            "user_id": pa.array(users),
            "event_timestamp": stamps(times),
            "spend": pa.array(spend, mask=np.isnan(spend)),
            "visits": pa.array(rng.integers(0, 50, sources).astype(np.int32)),
            "tier": pa.array(rng.choice(["gold", "silver", None], sources)),
        }
    )
    pq.write_table(events, catalog / "data/events.parquet", row_group_size=4_000)
    profile = pa.table(
        {
            "user_id": pa.array(np.arange(400)),
            "event_timestamp": stamps(START + rng.integers(0, 30, 400) * DAY),
            "age": pa.array(rng.integers(18, 80, 400)),
        }
    )
    pq.write_table(profile, catalog / "data/profile.parquet")
    files = {
        "sources/events.yaml": source_yaml("events", "user", "events.parquet"),
        "sources/profile.yaml": source_yaml("profile", "user", "profile.parquet"),
        "features/spend.yaml": feature_yaml("spend", "events", "float64", ttl="7d"),
        "features/visits.yaml": feature_yaml("visits", "events", "int32"),
        "features/tier.yaml": feature_yaml("tier", "events", "string"),
        "features/age.yaml": feature_yaml("age", "profile", "int64"),
        "models/ranker.yaml": "name: ranker\nowner: growth\nfeatures: [spend, age]\n",
    }
    for relpath, text in files.items():
        path = catalog / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    commit_all(root / "repo", "catalog")
    return catalog


def entity_frame(rows: int, seed: int = 11) -> pd.DataFrame:
    """Entity rows: unknown users, null keys and times, times before any data, zones."""
    rng = np.random.default_rng(seed)
    users = pd.array(rng.integers(0, 600, rows), dtype="Int64")
    users[rng.random(rows) < 0.02] = pd.NA
    times = pd.to_datetime(START + rng.integers(-5 * DAY, 70 * DAY, rows), unit="us", utc=True)
    times = pd.Series(times).where(rng.random(rows) > 0.01)
    return pd.DataFrame(
        {"user_id": users, "event_timestamp": times, "label": rng.integers(0, 2, rows)}
    )


def split_parquet(frame: pd.DataFrame, folder: Path, parts: int = 3) -> Path:
    """``frame`` as ``parts`` parquet files in ``folder`` whose names sort in row order."""
    folder.mkdir(parents=True, exist_ok=True)
    for index, chunk in enumerate(np.array_split(np.arange(len(frame)), parts)):
        frame.iloc[chunk].to_parquet(folder / f"part-{index:02d}.parquet", index=False)
    return folder
