"""The command line: a thin layer over the library. Each command lives in its own module.

Exit codes: 0 success / nothing to do, 1 error, 2 changes or drift (where the command says so).
"""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="regform",
    help="Container registries as code: validate, plan and apply registry configuration.",
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
    # plain help: rendering it with rich would cost more than the rest of `regform --help`
    rich_markup_mode=None,
)

# Each module registers its commands on ``app`` when imported.
_COMMAND_MODULES = (
    "validate",
    "plan",
    "apply",
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
