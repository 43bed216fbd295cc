"""Render validation results as terminal text, JSON, or GitHub workflow commands."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any, Protocol

from featurecat.errors import Diagnostic
from featurecat.printable import plural, printable

#: Styles terminal text, like ``click.style(text, fg="red", bold=True)``.
Style = Callable[..., str]


class Validated(Protocol):
    """What the renderers read of a validation's result, :class:`featurecat.validation.Outcome`
    (defined with the validation, which this layer does not import)."""

    @property
    def diagnostics(self) -> Sequence[Diagnostic]: ...
    @property
    def errors(self) -> list[Diagnostic]: ...
    @property
    def warnings(self) -> list[Diagnostic]: ...
    @property
    def files(self) -> int: ...
    @property
    def catalog(self) -> str | None: ...
    @property
    def summary(self) -> str: ...


def render_text(outcome: Validated, style: Style | None = None) -> str:
    """``PATH:LINE: severity: message [code]`` lines and a verdict; ``style`` adds colour."""
    paint = style or _plain
    lines = [_text_line(d, paint) for d in outcome.diagnostics]
    errors, warnings = len(outcome.errors), len(outcome.warnings)
    tail = f" ({plural(warnings, 'warning')})" if warnings else ""
    if errors:
        verdict = paint("FAILED", fg="red", bold=True)
        lines.append(
            f"{verdict}: {plural(errors, 'error')}{tail} in {plural(outcome.files, 'file')}"
        )
    else:
        verdict = paint("OK", fg="green", bold=True)
        what = f": {outcome.summary}" if outcome.summary else ""
        name = printable(str(outcome.catalog))
        lines.append(f"{verdict}: catalog '{name}' is valid{what}{tail}")
    return "\n".join(lines)


def render_json(outcome: Validated) -> str:
    document = {
        "valid": not outcome.errors,
        "catalog": outcome.catalog,
        "files": outcome.files,
        "errors": [asdict(d) for d in outcome.errors],
        "warnings": [asdict(d) for d in outcome.warnings],
    }
    return json.dumps(document, indent=2)


def render_github(outcome: Validated) -> str:
    """GitHub workflow commands; the runner turns them into file:line annotations."""
    return "\n".join(github_annotation(d) for d in outcome.diagnostics)


def github_annotation(d: Diagnostic) -> str:
    """``::error file=PATH,line=LINE::message [code]``, exactly the shape SPEC promises.

    GitHub places annotations by paths from the repository's top: inside a workflow
    (``GITHUB_WORKSPACE`` set) a path is taken from there, whatever the current folder.
    """
    path = printable(_from_workspace(d.path))
    props = f"file={_escape_property(path)},line={d.line}"
    return f"::{d.severity} {props}::{_escape_data(printable(d.message))} [{d.code}]"


def _from_workspace(path: str) -> str:
    workspace = os.environ.get("GITHUB_WORKSPACE")
    if not workspace:
        return path
    try:
        full = Path(os.path.normpath(Path(path).absolute()))
        return full.relative_to(Path(workspace).absolute()).as_posix()
    except ValueError:  # outside the workspace: keep the path as it was
        return path


FORMATS: dict[str, Callable[[Validated], str]] = {
    "text": render_text,
    "json": render_json,
    "github": render_github,
}


def _text_line(d: Diagnostic, paint: Style) -> str:
    return d.render(paint(d.severity, fg="red" if d.is_error else "yellow", bold=True))


def _plain(text: str, **_: Any) -> str:
    return text


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")
