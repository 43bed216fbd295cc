"""The ``featurecat`` command: a thin, lazily-imported layer over the library.

Each command lives in its own module and is imported only when it runs (or when ``--help``
lists it), so start-up never pays for pandas, DuckDB or MkDocs.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from featurecat import __version__
from featurecat.errors import FeaturecatError
from featurecat.printable import printable, printable_lines

#: command name -> "module:attribute". Add a command by adding a line here.
COMMANDS = {
    "validate": "featurecat.cli.validate:validate",
    "list": "featurecat.cli.discover:list_objects",
    "show": "featurecat.cli.discover:show",
    "search": "featurecat.cli.discover:search",
    "init": "featurecat.cli.init:init",
    "schema": "featurecat.cli.schema:schema",
    "diff": "featurecat.cli.diff:diff",
    "log": "featurecat.cli.log:log",
    "codeowners": "featurecat.cli.codeowners:codeowners",
    "docs": "featurecat.cli.docs:docs",
    "models": "featurecat.cli.models:models",
    "test": "featurecat.cli.test:test",
    "export": "featurecat.cli.export:export",
}


class _Failed(click.ClickException):
    """A user-caused error, printed as ``Error: ...`` (exit code 1)."""


class _Misused(click.ClickException):
    """A usage error or a missing catalog (exit code 2)."""

    exit_code = 2


class LazyGroup(click.Group):
    """A group whose commands are imported on first use, and whose errors never traceback."""

    def __init__(self, *args: Any, lazy: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy:
            module, _, attr = self.lazy[cmd_name].partition(":")
            command = getattr(importlib.import_module(module), attr)
            assert isinstance(command, click.Command)
            return command
        return super().get_command(ctx, cmd_name)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        from featurecat.cli.common import GIVEN_BEFORE, takes_catalog

        name, command, rest = super().resolve_command(ctx, args)
        if command is not None and ctx.meta.get(GIVEN_BEFORE) and not takes_catalog(command):
            raise click.UsageError(
                f"'featurecat {name}' reads no catalog, so it takes no --catalog", ctx
            )
        return name, command, rest

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except FeaturecatError as exc:
            failure = _Misused if exc.exit_code == 2 else _Failed
            raise failure(printable_lines(str(exc))) from exc
        except BrokenPipeError:
            raise  # the reader went away (| head): nothing to tell anyone
        except OSError as exc:  # a path the user gave that cannot be read or written
            where = f"{printable(str(exc.filename))}: " if exc.filename else ""
            raise _Failed(
                f"{where}{exc.strerror or exc}; check the path and its permissions"
            ) from exc


def _keep_catalog(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    from featurecat.cli.common import GIVEN_BEFORE

    ctx.meta[GIVEN_BEFORE] = value


@click.group(cls=LazyGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="featurecat")
@click.option(
    "--catalog",
    metavar="PATH",
    expose_value=False,
    callback=_keep_catalog,
    help="The catalog folder, for every command that reads one (the same as --catalog "
    "after the command's name).",
)
def main() -> None:
    """A Git-backed, declarative feature catalog.

    Features, sources, entities, teams and models are YAML files in a catalog folder.
    featurecat validates them, reports what a change breaks, builds a portal and loads
    feature values point-in-time for training.
    """
