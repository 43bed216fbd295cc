"""``featurecat export``: a training set bigger than memory, written to parquet.

The rows go to a file or a folder of part files; the command prints where, how many rows and
the manifest, and nothing else when its output is piped. On a terminal, progress (share of the
join done, rows, time left) is drawn on stderr while it runs.
"""

from __future__ import annotations

import json
import sys
import time

import click

from featurecat.cli.common import catalog_option, format_option
from featurecat.printable import printable


@click.command()
@click.argument("features", nargs=-1, metavar="[FEATURE]...")
@click.option("--model", default=None, metavar="NAME", help="Export the model's features.")
@click.option(
    "--rows",
    "rows_path",
    required=True,
    metavar="PATH",
    help="The entity rows: a parquet file, a folder of parquet files, a glob or a Delta "
    "table, with the join keys and the timestamp column; a path, or a URI under a storage "
    "location featurecat.yaml declares.",
)
@click.option(
    "--out",
    "out_path",
    required=True,
    metavar="PATH",
    help="Where to write: a path ending in .parquet is one file, anything else a folder of "
    "part files; a path, or a URI under a declared storage location. The manifest goes "
    "beside it (NAME.manifest.json), last.",
)
@click.option(
    "--engine",
    type=click.Choice(["duckdb", "spark"]),
    default="duckdb",
    show_default=True,
    help="duckdb: this machine, spilling to disk; spark: the session SparkSession.builder "
    "gives (SPARK_MASTER, spark-defaults.conf).",
)
@click.option(
    "--memory-limit",
    default=None,
    metavar="SIZE",
    help="Most memory DuckDB may use, e.g. 4GiB. Default: FEATURECAT_MEMORY_LIMIT, "
    "loader.memory_limit in featurecat.yaml, or half this machine's memory.",
)
@click.option(
    "--spill-dir",
    default=None,
    metavar="DIR",
    help="Where DuckDB spills what does not fit. Default: FEATURECAT_SPILL_DIR, "
    "loader.spill_dir, or a temporary folder beside the output.",
)
@click.option(
    "--timestamp-column",
    default="event_timestamp",
    show_default=True,
    help="The entity rows' time column.",
)
@click.option("--ordered", is_flag=True, help="Write a single file in entity row order.")
@click.option("--overwrite", is_flag=True, help="Replace an existing output.")
@catalog_option
@format_option("text", "json")
def export(
    features: tuple[str, ...],
    model: str | None,
    rows_path: str,
    out_path: str,
    engine: str,
    memory_limit: str | None,
    spill_dir: str | None,
    timestamp_column: str,
    ordered: bool,
    overwrite: bool,
    catalog_path: str | None,
    fmt: str,
) -> None:
    """Join FEATUREs (or --model's) onto the entity rows, point-in-time, into parquet.

    Every output row has the entity columns, one column per feature and `entity_row`, the
    position of its entity row (sort by it to restore the order). Exits 0 when written,
    1 when the data or the join failed (nothing is left at --out), 2 on a usage error.
    """
    import warnings

    from featurecat.errors import UsageError
    from featurecat.retrieval.export import export_features

    if not features and model is None:
        raise UsageError("name the features to export, or pass --model NAME")
    progress = _Progress() if sys.stderr.isatty() else None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            done = export_features(
                list(features) or None,
                rows_path,
                out_path,
                catalog_path,
                timestamp_column=timestamp_column,
                engine=engine,
                model=model,
                memory_limit=memory_limit,
                spill_dir=spill_dir,
                overwrite=overwrite,
                ordered=ordered,
                progress=progress,
            )
        finally:
            if progress is not None:
                progress.clear()
    for warning in caught:
        click.echo(f"warning: {printable(str(warning.message))}", err=True)
    if fmt == "json":
        click.echo(
            json.dumps({"path": str(done.path), "manifest": str(done.manifest), "rows": done.rows})
        )
    else:
        click.echo(
            f"wrote {done.rows:,} rows to {printable(str(done.path))} "
            f"(manifest {printable(str(done.manifest))})"
        )


class _Progress:
    """One line on stderr: share done, rows, elapsed and an estimate of the time left."""

    def __init__(self) -> None:
        self.start = time.monotonic()
        self.drawn = False

    def __call__(self, done: float, total: int | None) -> None:
        elapsed = time.monotonic() - self.start
        rows = f" (~{int(done * total):,} of {total:,} rows)" if total else ""
        left = f", about {elapsed / done - elapsed:.0f} s left" if done > 0.01 else ""
        sys.stderr.write(f"\r\x1b[K{done:6.1%}{rows}, {elapsed:.0f} s{left}")
        sys.stderr.flush()
        self.drawn = True

    def clear(self) -> None:
        if self.drawn:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
