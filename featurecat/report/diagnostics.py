"""Render validation results as terminal text, JSON, or GitHub workflow commands."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import click

from featurecat.errors import Diagnostic, Findings


@dataclass(frozen=True)
class Outcome(Findings):
    """What a validation run found, and what it looked at."""

    diagnostics: Sequence[Diagnostic]
    files: int
    catalog: str | None = None
    summary: str = ""  # e.g. "20 features, 5 sources"


def render_text(outcome: Outcome, color: bool = False) -> str:
    lines = [_text_line(d, color) for d in outcome.diagnostics]
    errors, warnings = len(outcome.errors), len(outcome.warnings)
    tail = f" ({_count(warnings, 'warning')})" if warnings else ""
    if errors:
        verdict = click.style("FAILED", fg="red", bold=True) if color else "FAILED"
        lines.append(
            f"{verdict}: {_count(errors, 'error')}{tail} in {_count(outcome.files, 'file')}"
        )
    else:
        verdict = click.style("OK", fg="green", bold=True) if color else "OK"
        what = f": {outcome.summary}" if outcome.summary else ""
        lines.append(f"{verdict}: catalog '{outcome.catalog}' is valid{what}{tail}")
    return "\n".join(lines)


def render_json(outcome: Outcome) -> str:
    document = {
        "valid": not outcome.errors,
        "catalog": outcome.catalog,
        "files": outcome.files,
        "errors": [asdict(d) for d in outcome.errors],
        "warnings": [asdict(d) for d in outcome.warnings],
    }
    return json.dumps(document, indent=2)


def render_github(outcome: Outcome) -> str:
    """GitHub workflow commands; the runner turns them into file:line annotations."""
    return "\n".join(github_annotation(d) for d in outcome.diagnostics)


def github_annotation(d: Diagnostic) -> str:
    """``::error file=PATH,line=LINE::message [code]``, exactly the shape SPEC promises.

    GitHub places annotations by paths from the repository's top: inside a workflow
    (``GITHUB_WORKSPACE`` set) a path is taken from there, whatever the current folder.
    """
    props = f"file={_escape_property(_from_workspace(d.path))},line={d.line}"
    return f"::{d.severity} {props}::{_escape_data(d.message)} [{d.code}]"


def _from_workspace(path: str) -> str:
    workspace = os.environ.get("GITHUB_WORKSPACE")
    if not workspace:
        return path
    try:
        full = Path(os.path.normpath(Path(path).absolute()))
        return full.relative_to(Path(workspace).absolute()).as_posix()
    except ValueError:  # outside the workspace: keep the path as it was
        return path


FORMATS: dict[str, Callable[[Outcome], str]] = {
    "text": render_text,
    "json": render_json,
    "github": render_github,
}


def _text_line(d: Diagnostic, color: bool) -> str:
    severity: str = d.severity
    if color:
        severity = click.style(severity, fg="red" if d.is_error else "yellow", bold=True)
    return f"{d.path}:{d.line}: {severity}: {d.message} [{d.code}]"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")
