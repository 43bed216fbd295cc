"""``featurecat validate`` as a library call: every problem of a catalog, in reading order."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from featurecat.catalog import Catalog
from featurecat.errors import Diagnostic, Findings, UsageError
from featurecat.names import SUMMARY_KINDS
from featurecat.printable import plural


@dataclass(frozen=True)
class Outcome(Findings):
    """What a validation run found, and what it looked at; :mod:`featurecat.report.diagnostics`
    renders it."""

    diagnostics: Sequence[Diagnostic]
    files: int
    catalog: str | None = None
    summary: str = ""  # e.g. "20 features, 5 sources"


def validate(
    path: str | os.PathLike[str] | None = None,
    ref: str | None = None,
    *,
    check_data: bool = False,
    strict: bool = False,
    changed_since: str | None = None,
) -> Outcome:
    """Validate the catalog at ``path`` (as it was at git ``ref``, if given).

    ``check_data`` also compares each source's data schema with its declarations (for the
    valid part of the catalog, even when other files have errors); it reads the working
    tree, so it cannot be combined with ``ref``. ``strict`` makes warnings errors.
    ``changed_since`` puts the problems of files changed since that git ref first.
    """
    if check_data and ref is not None:
        raise UsageError(
            f"--check-data reads the data files in the working tree, not as they were at "
            f"{ref}; check out {ref} first, or drop --ref or --check-data"
        )
    result = Catalog.read(path, ref)
    diagnostics = list(result.diagnostics)
    catalog = result.catalog
    if check_data and catalog is not None:
        from featurecat.datacheck import check_data as data_problems

        # A link out of the repository is already reported by the load; say it once.
        seen = {(d.path, d.line, d.code) for d in diagnostics}
        diagnostics.extend(
            d for d in data_problems(catalog) if (d.path, d.line, d.code) not in seen
        )
        from featurecat.agreement import agreeing_values

        diagnostics.extend(agreeing_values(catalog))
        diagnostics.sort(key=lambda d: (d.path, d.line, d.column))
    if changed_since is not None:
        from featurecat.load import changed_since as changed_files

        changed = changed_files(path, changed_since, result)
        diagnostics.sort(key=lambda d: d.path not in changed)  # stable: keeps reading order
    if strict:
        diagnostics = [
            Diagnostic(d.path, d.line, d.column, d.code, "error", d.message) for d in diagnostics
        ]
    if catalog is None:
        return Outcome(diagnostics, result.files)
    summary = ", ".join(
        plural(len(objects), kind.value, kind.plural)
        for kind in SUMMARY_KINDS
        for objects in [catalog.objects(kind)]
    )
    return Outcome(diagnostics, result.files, catalog.project.name, summary)
