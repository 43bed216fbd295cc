"""Errors are data: a frozen :class:`Diagnostic` per problem, raised together at the API edge."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from featurecat.printable import plural, printable, printable_path

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

    def __reduce__(self) -> tuple[Any, ...]:
        # Subclasses take other arguments than their message, which the default pickling of
        # exceptions passes back to __init__: rebuild them from their args and fields instead
        # (a process pool sends errors back pickled).
        return (_rebuilt, (type(self), self.args, self.__dict__))


def _rebuilt(cls: type[FeaturecatError], args: tuple[Any, ...], fields: dict[str, Any]) -> Any:
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(fields)
    return error


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
        return f"the catalog has {plural(len(self.errors), 'error')}:\n" + "\n".join(lines)


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


class UnknownNameError(UsageError, KeyError):
    """A name the catalog does not define (a team, entity, model...); suggests close matches.

    ``names`` holds every unknown name of one request, ``name`` the first of them. It is a
    :class:`UsageError` (asking for something that is not there: exit code 2 on the command
    line) and a ``KeyError``, as a missing key of ``catalog.features[...]`` is one.
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

    @classmethod
    def together(cls, errors: Sequence[UnknownNameError], advice: str = "") -> UnknownNameError:
        """One error for the unknown names of several kinds in one call (an entity and a
        team...), so that a user learns of all of them at once, not one per try."""
        if len(errors) == 1 and not advice:
            return errors[0]
        parts = [
            f"unknown {e.kind} '{e.name}'"
            + (f" (did you mean {_or_list(e.suggestions)}?)" if e.suggestions else "")
            for e in errors
        ]
        joined: UnknownNameError = cls.__new__(cls)
        joined.args = ("; ".join(parts) + (f"; {advice}" if advice else ""),)
        joined.name, joined.kind = errors[0].name, errors[0].kind
        joined.names = [n for e in errors for n in e.names]
        joined.suggestions = errors[0].suggestions
        return joined


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
    if not isinstance(name, str):
        return []
    return difflib.get_close_matches(name, list(known), n=n, cutoff=0.6)


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """A ``" (did you mean 'x'?)"`` suffix, or an empty string when nothing is close."""
    matches = suggest(name, known)
    return f" (did you mean {_or_list(matches)}?)" if matches else ""


def _or_list(names: Sequence[str]) -> str:
    quoted = [f"'{n}'" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
