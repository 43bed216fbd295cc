"""Errors are data: a frozen :class:`Diagnostic` per problem, raised together at the API edge."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from featurecat.printable import printable, printable_path

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem found in a catalog, pinned to a file and line.

    ``path`` is the file as the user can open it (relative to the current folder when the
    catalog was loaded). ``line`` and ``column`` are 1-based; ``column`` is 0 when unknown.
    """

    path: str
    line: int
    column: int
    code: str
    severity: Severity
    message: str

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def __str__(self) -> str:
        return self.render()

    def render(self, severity: str | None = None) -> str:
        """``PATH:LINE: severity: message [code]`` on one line, whatever the path and the
        message hold (control characters are escaped). ``severity`` replaces the plain
        word, to colour it."""
        shown = self.severity if severity is None else severity
        return (
            f"{printable_path(self.path)}:{self.line}: {shown}: "
            f"{printable(self.message)} [{self.code}]"
        )


class Findings:
    """Something that holds ``diagnostics``, split into errors and warnings."""

    diagnostics: Sequence[Diagnostic]

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if not d.is_error]


class FeaturecatError(Exception):
    """Base class for every error a user can cause. The CLI prints it without a traceback."""

    exit_code = 1


class UsageError(FeaturecatError):
    """The command was called wrongly, or no catalog was found (exit code 2)."""

    exit_code = 2


class CatalogError(FeaturecatError):
    """The catalog does not validate. ``errors`` holds every problem, not only the first."""

    def __init__(self, errors: Sequence[Diagnostic], warnings: Sequence[Diagnostic] = ()):
        self.errors = list(errors)
        self.warnings = list(warnings)
        super().__init__(self._summary())

    def _summary(self) -> str:
        lines = [str(d) for d in self.errors[:20]]
        more = len(self.errors) - 20
        if more > 0:
            lines.append(f"... and {more} more")
        noun = "error" if len(self.errors) == 1 else "errors"
        return f"the catalog has {len(self.errors)} {noun}:\n" + "\n".join(lines)


class CatalogNotFound(UsageError, CatalogError):
    """No catalog to read: no featurecat.yaml, no git repository, or an unknown git ref.

    It is a :class:`CatalogError` (what ``Catalog.load`` raises) with one error, and a
    :class:`UsageError` (exit code 2) on the command line.
    """

    def __init__(self, message: str, path: str = ".") -> None:
        CatalogError.__init__(self, [Diagnostic(path, 1, 0, "no-catalog", "error", message)])
        self.message = message

    def __str__(self) -> str:
        return self.message


class UnknownNameError(FeaturecatError, KeyError):
    """A name the catalog does not define (a team, entity, model...); suggests close matches.

    ``names`` holds every unknown name of one request, ``name`` the first of them.
    """

    def __init__(
        self, name: str, known: Iterable[str], kind: str = "object", also: Sequence[str] = ()
    ):
        known = list(known)
        self.name = name
        self.names = [name, *also]
        self.kind = kind
        self.suggestions = suggest(name, known)
        if also:
            listed = ", ".join(f"'{n}'{did_you_mean(n, known)}" for n in self.names)
            message = f"unknown {kind}s: {listed}"
        else:
            hint = f" Did you mean {_or_list(self.suggestions)}?" if self.suggestions else ""
            message = f"unknown {kind} '{name}'.{hint}"
        super().__init__(message)

    def __str__(self) -> str:  # KeyError would otherwise repr() the message
        return str(self.args[0])


class UnknownFeatureError(UnknownNameError):
    """A feature name (or several) that the catalog does not define."""

    def __init__(self, name: str, known: Iterable[str], also: Sequence[str] = ()):
        super().__init__(name, known, "feature", also)


class UnreadableFile(FeaturecatError):
    """A definition that cannot be read as a file: a FIFO, a socket, a folder, a broken or
    looping link, a link out of the repository, or a file without read permission."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{printable(path)}: cannot read this file: {printable(reason)}")


class DataError(FeaturecatError):
    """Feature data that cannot be read, or does not match its declaration.

    ``diagnostics`` holds the problems behind it that are pinned to a definition's file and
    line (a column missing from the data, a dtype the data does not hold...), so they can be
    shown like any other diagnostic; it is empty when the problem is in the data or the call
    alone. Raised with diagnostics only, the message is those diagnostics, one per line.
    """

    def __init__(self, message: str | None = None, *, diagnostics: Sequence[Diagnostic] = ()):
        self.diagnostics = list(diagnostics)
        if message is None:
            message = "\n".join(str(d) for d in self.diagnostics)
        super().__init__(message)


def suggest(name: str, known: Iterable[str], n: int = 3) -> list[str]:
    """Close matches for ``name`` among ``known``, best first."""
    return difflib.get_close_matches(name, list(known), n=n, cutoff=0.6)


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """A ``" (did you mean 'x'?)"`` suffix, or an empty string when nothing is close."""
    matches = suggest(name, known)
    return f" (did you mean {_or_list(matches)}?)" if matches else ""


def _or_list(names: Sequence[str]) -> str:
    quoted = [f"'{n}'" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
