"""``regform plan``: show what apply would change. Never writes to a registry.

Also holds the colouring of a text plan for terminals, which ``apply`` shows too.
"""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from regform.cli import app
from regform.cli.common import cli_errors, load, open_providers, write_output
from regform.cli.options import (
    ConfigOption,
    ParallelismOption,
    PreviewOption,
    RegistryOption,
    SandboxOption,
    TargetOption,
    VerboseOption,
)

if TYPE_CHECKING:
    pass


class PlanFormat(StrEnum):
    text = "text"
    markdown = "markdown"
    json = "json"


def is_tty(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(callable(isatty) and isatty())


def use_colour(stream: object) -> bool:
    return is_tty(stream) and "NO_COLOR" not in os.environ


_COLOURS: tuple[tuple[str, str, bool], ...] = (
    ("-/+", typer.colors.MAGENTA, False),
    ("+", typer.colors.GREEN, False),
    ("-", typer.colors.RED, False),
    ("~", typer.colors.YELLOW, False),
    ("#", typer.colors.BRIGHT_BLACK, False),
    ("apply needs", typer.colors.RED, True),
    ("Warning:", typer.colors.YELLOW, True),
    ("Plan:", typer.colors.WHITE, True),
)


def colourize(text: str) -> str:
    """Colour a rendered text plan by line prefix (for terminals only)."""
    out: list[str] = []
    for line in text.splitlines(keepends=True):
        stripped = line.lstrip()
        for prefix, colour, bold in _COLOURS:
            if stripped.startswith(prefix):
                body = line.rstrip("\n")
                line = typer.style(body, fg=colour, bold=bold) + line[len(body) :]
                break
        out.append(line)
    return "".join(out)


def echo_plan_text(text: str) -> None:
    typer.echo(colourize(text) if use_colour(sys.stdout) else text, nl=False)


def read_progress(registry: str, count: int) -> None:
    typer.echo(f"{registry}: {count} repositories found, reading details...", err=True)


@app.command()
def plan(
    config: ConfigOption = None,
    registry: RegistryOption = None,
    target: TargetOption = None,
    fmt: Annotated[
        PlanFormat, typer.Option("--format", "-f", help="How to show the plan.")
    ] = PlanFormat.text,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Also save the JSON plan here (for `regform apply`)."),
    ] = None,
    detailed_exitcode: Annotated[
        bool,
        typer.Option("--detailed-exitcode", help="Exit 2 when there are changes (0 when none)."),
    ] = False,
    sandbox: SandboxOption = False,
    parallelism: ParallelismOption = None,
    lifecycle_preview: PreviewOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Show what apply would change. Never modifies a registry.

    Exit codes: 0 success, 1 error, 2 changes present (with --detailed-exitcode).
    """
    from regform.render import render
    from regform.workflows.plan_apply import make_plan

    with cli_errors(verbose):
        cfg = load(config)
        with open_providers(
            cfg, sandbox=sandbox, only=registry, parallelism=parallelism
        ) as providers:
            result = make_plan(
                cfg,
                providers,
                registries=registry,
                targets=target,
                lifecycle_preview=lifecycle_preview,
                on_read=read_progress if is_tty(sys.stderr) else None,
            )
        if out is not None:
            write_output(out, render(result, "json"))
    if fmt is PlanFormat.text:
        echo_plan_text(render(result, "text"))
    else:
        typer.echo(render(result, fmt.value), nl=False)
    if out is not None:
        typer.echo(f"Saved the plan to {out}; apply it with: regform apply {out}", err=True)
    if detailed_exitcode and result.has_changes:
        raise typer.Exit(2)
