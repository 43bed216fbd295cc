"""Options and helpers shared by the commands."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from featurecat.errors import CatalogError, UsageError
from featurecat.printable import printable

if TYPE_CHECKING:
    from featurecat.catalog import Catalog

F = TypeVar("F", bound=Callable[..., Any])


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
        help="The catalog folder (holding featurecat.yaml). Default: ./catalog, "
        "then the current folder and its parents.",
    )(func)


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
        f"the catalog has {len(exc.errors)} error(s); run 'featurecat validate' for details",
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
