"""Options and helpers shared by the commands."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from featurecat.errors import CatalogError, UsageError
from featurecat.printable import plural, printable

if TYPE_CHECKING:
    from featurecat.catalog import Catalog

F = TypeVar("F", bound=Callable[..., Any])

#: Where ``featurecat --catalog PATH COMMAND`` keeps PATH for the command (``ctx.meta`` is
#: shared by every context of one invocation).
GIVEN_BEFORE = "featurecat.catalog"


def catalog_options(func: F) -> F:
    """``--catalog PATH`` and ``--ref REF``, for the commands that read one catalog at one ref."""
    func = click.option(
        "--ref",
        default=None,
        metavar="REF",
        help="Read the catalog as it was at this git ref (branch, tag, SHA, HEAD~2).",
    )(func)
    return catalog_option(func)


def catalog_option(func: F) -> F:
    """``--catalog PATH`` alone, for commands that choose their refs themselves."""
    return click.option(
        "--catalog",
        "catalog_path",
        default=None,
        metavar="PATH",
        callback=_either_place,
        help="The catalog folder (holding featurecat.yaml). Default: ./catalog, "
        "then the current folder and its parents.",
    )(func)


def _either_place(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--catalog`` after the command's name, or before it (``featurecat --catalog PATH
    validate``); given in both places, it must name the same folder."""
    before: str | None = ctx.meta.get(GIVEN_BEFORE)
    if before is None or value is None:
        return value if value is not None else before
    if os.path.realpath(before) != os.path.realpath(value):
        raise click.UsageError(
            f"--catalog is given twice, as {printable(before)} before the command and as "
            f"{printable(value)} after it; give it once",
            ctx,
        )
    return value


def takes_catalog(command: click.Command) -> bool:
    """Whether ``command`` (every command of a group) reads a catalog named by ``--catalog``."""
    if isinstance(command, click.Group):
        return all(takes_catalog(sub) for sub in command.commands.values())
    return any(param.name == "catalog_path" for param in command.params)


def format_option(*choices: str, default: str = "text") -> Callable[[F], F]:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices),
        default=default,
        show_default=True,
        help="Output format.",
    )


def load(catalog_path: str | None, ref: str | None) -> Catalog:
    """The catalog, or its errors printed to stderr and exit code 1."""
    from featurecat.catalog import Catalog

    try:
        return Catalog.load(catalog_path, ref)
    except UsageError:
        raise  # no catalog to read: the CLI prints it with exit code 2
    except CatalogError as exc:
        fail(exc)


def fail(exc: CatalogError) -> NoReturn:
    """Print a catalog's errors to stderr and exit with code 1."""
    for diagnostic in exc.errors:
        click.echo(str(diagnostic), err=True)
    click.echo(
        f"the catalog has {plural(len(exc.errors), 'error')}; run 'featurecat validate' "
        "for details",
        err=True,
    )
    sys.exit(1)


def wants_color() -> bool:
    return sys.stdout.isatty()


def table(rows: list[list[str]], headers: list[str]) -> str:
    """A plain, aligned text table; cells are user text, shown on one line each."""
    rows = [[printable(str(cell)) for cell in row] for row in rows]
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    lines = ["  ".join(h.upper().ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines += [
        "  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
    ]
    return "\n".join(lines)
