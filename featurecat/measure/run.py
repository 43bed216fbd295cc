"""Run a catalog's contracts: plan each source's expectations, measure, judge, record.

Per source: its data is located and its schema checked against the declarations (a missing
column fails its features' expectations, not the others'), then one query measures every
selected expectation of the source and its features (:func:`.scan.measure_scan`), and one
more measures uniqueness when asked for (:func:`.scan.measure_unique`). On Spark
(``engine="spark"``), :mod:`.spark` measures the same aggregates in one job per source.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from featurecat.catalog import Catalog
from featurecat.contracts.judge import Judged, Measured, judge
from featurecat.contracts.kinds import KINDS, Expectation, Freshness, Severity, Target
from featurecat.contracts.results import RESULTS_FILE, Outcome, Results, SourceState, dumps
from featurecat.contracts.select import Selected, Selection, select
from featurecat.data import SourceData, SourceFilesError, locate
from featurecat.datacheck import check_schema
from featurecat.errors import DataError, UsageError
from featurecat.measure.scan import Planned
from featurecat.names import Kind
from featurecat.printable import printable

if TYPE_CHECKING:
    import pyarrow as pa

#: The kinds whose failures come with failing rows.
_ROWS = frozenset({"not_null", "range", "accepted_values"})
#: Told after each source is measured: its name, and how many of its outcomes failed.
Progress = Callable[[str, int], None]
#: engine -> the module that measures with it (``session``, ``measure_scan``,
#: ``measure_unique``, ``failing_rows``: the same functions, the same results).
MEASURERS: dict[str, str] = {
    "duckdb": "featurecat.measure.scan",
    "spark": "featurecat.measure.spark",
}


@dataclass(frozen=True)
class _Declared:
    """One selected expectation and where it is declared."""

    target: Target
    name: str
    kind: str
    expectation: Expectation
    plan: Planned


def run_contracts(
    catalog: Catalog,
    selection: Selection | None = None,
    *,
    now: datetime,
    progress: Progress | None = None,
    engine: str = "duckdb",
) -> Results:
    """Measure and judge the expectations ``selection`` (default: all) covers, one source
    at a time, on ``engine`` (``duckdb`` or ``spark``). Drift needs a previous version of
    the data: see :mod:`.drift`."""
    import importlib

    if engine not in MEASURERS:
        raise UsageError(f"unknown engine '{engine}'; use one of {', '.join(sorted(MEASURERS))}")
    measurer = importlib.import_module(MEASURERS[engine])
    selection = selection or Selection()
    chosen = select(catalog, selection)
    skipped = tuple(k for k in KINDS if not selection.runs(k))
    results = Results(catalog.project.name, now, commit=catalog.commit, skipped=skipped)
    work = [(s, d) for s in chosen.sources if (d := list(_declared(catalog, s, chosen, selection)))]
    measured = _measured(measurer, catalog, work, now)
    for (source, _), (outcomes, state) in zip(work, measured, strict=True):
        results.outcomes += outcomes
        results.sources[source] = state
        if progress is not None:
            progress(source, sum(o.failed for o in outcomes))
    return results


def _measured(
    measurer: Any, catalog: Catalog, work: list[tuple[str, list[_Declared]]], now: datetime
) -> Iterator[tuple[list[Outcome], SourceState]]:
    """What each source in ``work`` measured, in order.

    DuckDB reads a parquet file with one thread per row group, and the file of a source
    is often a single row group: so on DuckDB, sources are measured side by side, each worker
    with its own connection of ``cores / workers`` threads (on Spark, one at a time: the
    cluster spreads each job itself).
    """
    cores = os.cpu_count() or 1
    workers = min(len(work), cores) if getattr(measurer, "SIDE_BY_SIDE", False) else 1
    if workers <= 1:
        with measurer.session() as con:
            for source, declared in work:
                yield _run_source(measurer, con, catalog, source, declared, now)
        return
    local, lock, opened = threading.local(), threading.Lock(), ExitStack()

    def run(item: tuple[str, list[_Declared]]) -> tuple[list[Outcome], SourceState]:
        if not hasattr(local, "con"):
            with lock:
                local.con = opened.enter_context(measurer.session(threads=cores // workers))
        return _run_source(measurer, local.con, catalog, *item, now)

    # The pool ends (its work done) before the connections close.
    with opened, ThreadPoolExecutor(workers, thread_name_prefix="featurecat-test") as pool:
        yield from pool.map(run, work)


def write_results(catalog: Catalog, results: Results, path: str | os.PathLike[str] | None) -> Path:
    """Write the results file (default: ``<catalog>/.featurecat/results/contracts.json``,
    which git ignores), replacing the last one in one rename."""
    from featurecat.writes.files import replace_atomically

    target = Path(path) if path is not None else catalog.root / RESULTS_FILE
    if path is None:
        ignore = target.parent / ".gitignore"
        if not ignore.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            ignore.write_text("# Written by featurecat test; safe to delete.\n*\n")
    replace_atomically(target, dumps(results).encode())
    return target


def _declared(
    catalog: Catalog, source: str, chosen: Selected, selection: Selection
) -> list[_Declared]:
    found = []
    expect = catalog.sources[source].expect
    declared: list[tuple[str, Expectation]] = list(expect.declared()) if expect else []
    for kind, expectation in declared:
        if selection.runs(kind):
            found.append(_Declared("source", source, kind, expectation, Planned(kind, expectation)))
    for feature in catalog.features_of(source):
        if feature.name not in chosen.features or feature.expect is None:
            continue
        for kind, expectation in feature.expect.declared():
            if selection.runs(kind) and KINDS[kind].measured_by != "drift":
                plan = Planned(kind, expectation, feature.column_name, feature.dtype)
                found.append(_Declared("feature", feature.name, kind, expectation, plan))
    return found


def _run_source(
    measurer: Any,
    con: object,
    catalog: Catalog,
    source: str,
    declared: list[_Declared],
    now: datetime,
) -> tuple[list[Outcome], SourceState]:
    definition = catalog.sources[source]
    limits = definition.expect.freshness if definition.expect is not None else None
    state = SourceState(None, None, *(_limits(limits)))
    try:
        data = locate(catalog, source)
        broken = _broken_columns(catalog, source, data.schema())
    except (SourceFilesError, DataError) as exc:
        problem = _one_line(exc)
        return [_outcome(catalog, d, Judged("error", problem)) for d in declared], state
    outcomes: dict[int, Outcome] = {}
    for i, d in enumerate(declared):
        why = broken.get(d.name if d.target == "feature" else "") or broken.get("*")
        if why:
            outcomes[i] = _outcome(catalog, d, Judged("error", why))
    keys = catalog.entity_of(definition).join_keys
    for measured_by in ("scan", "unique"):
        measure = getattr(measurer, f"measure_{measured_by}")
        batch = [
            (i, d)
            for i, d in enumerate(declared)
            if i not in outcomes and KINDS[d.kind].measured_by == measured_by
        ]
        if not batch:
            continue
        try:
            found = measure(con, data, keys, [d.plan for _, d in batch])
        except DataError as exc:
            for i, d in batch:
                outcomes[i] = _outcome(catalog, d, Judged("error", _one_line(exc)))
            continue
        judged = [
            judge(d.kind, d.expectation, m, now) for (_, d), m in zip(batch, found, strict=True)
        ]
        if measured_by == "scan":
            state = SourceState(found[0].rows, found[0].newest, *_limits(limits))
            found = _with_failing_rows(measurer.failing_rows, con, data, keys, batch, found, judged)
            # Again, now that failing ranges have their count.
            judged = [
                judge(d.kind, d.expectation, m, now) for (_, d), m in zip(batch, found, strict=True)
            ]
        for (i, d), measured, verdict in zip(batch, found, judged, strict=True):
            outcomes[i] = _outcome(catalog, d, verdict, measured)
    # In the order people read them: the source's, then each feature's, line by line.
    ordered = sorted(outcomes.values(), key=lambda o: (o.target != "source", o.name, o.line))
    return ordered, state


def _with_failing_rows(
    failing_rows: Callable[..., list[tuple[tuple[dict[str, Any], ...], int | None]]],
    con: object,
    data: SourceData,
    keys: list[str],
    batch: list[tuple[int, _Declared]],
    found: list[Measured],
    judged: list[Judged],
) -> list[Measured]:
    """``found``, with failing rows for the expectations that did not hold (one more query,
    only when one did not)."""
    wanted = [j for j, v in enumerate(judged) if v.status != "pass" and batch[j][1].kind in _ROWS]
    if not wanted:
        return found
    try:
        rows = failing_rows(con, data, keys, [batch[j][1].plan for j in wanted])
    except DataError:
        return found  # the measures stand; only their examples are missing
    found = list(found)
    for j, (examples, count) in zip(wanted, rows, strict=True):
        found[j] = replace(
            found[j], examples=examples, count=found[j].count if count is None else count
        )
    return found


def _broken_columns(catalog: Catalog, source: str, schema: pa.Schema) -> dict[str, str]:
    """Feature name (``"*"``: the whole source) -> why its column cannot be measured."""
    broken: dict[str, str] = {}
    features = catalog.features_of(source)
    for problem in check_schema(catalog, source, schema, features):
        owner = next(
            (f.name for f in features if catalog.origin(Kind.FEATURE, f.name).path == problem.path),
            "*",
        )
        broken.setdefault(owner, f"{problem.message} ({problem.path}:{problem.line})")
    return broken


def _outcome(
    catalog: Catalog, d: _Declared, judged: Judged, measured: Measured | None = None
) -> Outcome:
    from featurecat.contracts.judge import example

    kind = Kind.FEATURE if d.target == "feature" else Kind.SOURCE
    origin = catalog.origin(kind, d.name)
    severity: Severity = getattr(d.expectation, "severity", "error")
    if isinstance(d.expectation, Freshness) and d.expectation.error_after is None:
        severity = "warn"
    examples = (
        tuple(example(e) for e in measured.examples) if measured and judged.status != "pass" else ()
    )
    return Outcome(
        target=d.target,
        name=d.name,
        source=catalog.features[d.name].source if d.target == "feature" else d.name,
        kind=d.kind,
        severity=severity,
        status=judged.status,
        message=judged.message,
        path=origin.path,
        line=origin.line("expect", d.kind),
        relpath=origin.relpath,
        examples=examples,
    )


def _limits(freshness: Freshness | None) -> tuple[str | None, str | None]:
    return (freshness.warn_after, freshness.error_after) if freshness else (None, None)


def _one_line(exc: Exception) -> str:
    return printable(str(exc).split("\n")[0])
