"""The command line: a thin layer over the library. Each command lives in its own module.

Exit codes: 0 success / nothing to do, 1 error (a mistyped command line too), 2 changes or drift
(where the command says so).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from regform.version import __version__


class _Regform(TyperGroup):
    """Exits 1 on a usage error (unknown command or option, bad value), never 2: exit code 2 means
    "changes" (``plan --detailed-exitcode``) or "drift", so ``regform plan --fromat json ... ||
    [ $? -eq 2 ]`` must not pass in CI."""

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        with _usage_error_exits_1():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: Any) -> Any:
        with _usage_error_exits_1():
            return super().invoke(ctx)


@contextmanager
def _usage_error_exits_1() -> Iterator[None]:
    try:
        yield
    except typer.TyperException as exc:  # click's UsageError (exit 2) and its other errors (1)
        exc.exit_code = 1
        raise


app = typer.Typer(
    cls=_Regform,
    name="regform",
    help="Container registries as code: validate, plan and apply registry configuration.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
    # plain help: flags read as flags (no "<bool>" that invites "--auto-approve true"), and
    # rendering it with rich would cost more than the rest of `regform --help`
    rich_markup_mode=None,
)


class Settings:
    """Options given before the command (``regform --no-color plan``)."""

    no_color = False


def _version(value: bool) -> None:
    if value:
        typer.echo(f"regform {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
    no_color: Annotated[
        bool, typer.Option("--no-color", help="No colours, even on a terminal (like NO_COLOR).")
    ] = False,
) -> None:
    """Container registries as code: validate, plan and apply registry configuration."""
    Settings.no_color = no_color


# Each module registers its commands on ``app`` when imported.
_COMMAND_MODULES = (
    "validate",
    "plan",
    "apply",
    "show",
    "drift",
    "importer",
    "ensure",
    "lifecycle",
    "login",
    "pullsecret",
    "registries",
)

for _name in _COMMAND_MODULES:
    try:
        importlib.import_module(f"regform.cli.{_name}")
    except ModuleNotFoundError as exc:  # a command module not written yet
        if exc.name != f"regform.cli.{_name}":
            raise


def main() -> None:
    app()
