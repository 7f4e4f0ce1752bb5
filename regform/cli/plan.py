"""``regform plan``: show what apply would change. Never writes to a registry.

Also holds the colouring of a text plan for terminals, which ``apply`` shows too.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Sequence
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from regform.cli import app
from regform.cli.common import cli_errors, load, open_providers, write_output
from regform.cli.options import (
    DEFAULT_CONFIG,
    ConfigOption,
    MaxCharsOption,
    ParallelismOption,
    PreviewOption,
    RegistryOption,
    SandboxOption,
    ShowUnmanagedOption,
    TargetOption,
    VerboseOption,
)

if TYPE_CHECKING:
    from regform.plan import Plan


class PlanFormat(StrEnum):
    text = "text"
    markdown = "markdown"
    json = "json"


FormatOption = Annotated[PlanFormat, typer.Option("--format", "-f", help="How to show the plan.")]


def is_tty(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(callable(isatty) and isatty())


def use_colour(stream: object) -> bool:
    from regform.cli import Settings

    return is_tty(stream) and "NO_COLOR" not in os.environ and not Settings.no_color


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


def show_plan(plan: Plan, fmt: PlanFormat, *, show_unmanaged: bool, max_chars: int | None) -> None:
    """The plan on stdout (text coloured on a terminal)."""
    from regform.render import RenderOptions, render

    options = RenderOptions(show_unmanaged=show_unmanaged)
    if max_chars is not None:
        options = RenderOptions(show_unmanaged=show_unmanaged, max_chars=max_chars)
    if fmt is PlanFormat.text:
        echo_plan_text(render(plan, "text", options))
    else:
        typer.echo(render(plan, fmt.value, options), nl=False)


def relative_paths(paths: Sequence[Path] | None) -> tuple[str, ...]:
    """The ``-c`` paths as a saved plan records them: relative to the current directory."""
    return tuple(os.path.relpath(p.absolute()) for p in (paths or [DEFAULT_CONFIG]))


def read_progress(registry: str, count: int) -> None:
    found = f"{count} repositor{'y' if count == 1 else 'ies'}"
    typer.echo(f"{registry}: {found} found, reading details...", err=True)


def warn_unmatched(globs: Sequence[str]) -> None:
    """A ``--target`` that selects nothing is most likely mistyped: say so (on stderr)."""
    from regform.errors import excerpt

    for glob in globs:
        typer.echo(
            f"Warning: --target {excerpt(glob)} matches no declared or existing repository",
            err=True,
        )


OutOption = Annotated[
    Path | None,
    typer.Option(
        "--out", "-o", metavar="FILE", help="Also save the JSON plan (for `regform apply`)."
    ),
]
DetailedExitcodeOption = Annotated[
    bool,
    typer.Option("--detailed-exitcode", help="Exit 2 when there are changes (0 when none)."),
]
ApproveDestroyOption = Annotated[
    bool,
    typer.Option(
        "--allow-destroy",
        help="Approve deletes and replaces in this plan: `regform apply` of the saved plan "
        "then needs no flag (the approval is shown with the plan).",
    ),
]
ApproveForceOption = Annotated[
    bool,
    typer.Option(
        "--force", help="Approve changing more repositories than the safety limit (as above)."
    ),
]


@app.command()
def plan(
    config: ConfigOption = None,
    registry: RegistryOption = None,
    target: TargetOption = None,
    fmt: FormatOption = PlanFormat.text,
    max_chars: MaxCharsOption = None,
    show_unmanaged: ShowUnmanagedOption = False,
    out: OutOption = None,
    detailed_exitcode: DetailedExitcodeOption = False,
    allow_destroy: ApproveDestroyOption = False,
    force: ApproveForceOption = False,
    sandbox: SandboxOption = False,
    parallelism: ParallelismOption = None,
    lifecycle_preview: PreviewOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Show what apply would change. Never modifies a registry.

    Exit codes: 0 success, 1 error, 2 changes present (with --detailed-exitcode).
    """
    from regform.cli.progress import reading
    from regform.render import render
    from regform.workflows.plan_apply import approve, make_plan

    with cli_errors(verbose):
        cfg = load(config)
        with (
            open_providers(
                cfg, sandbox=sandbox, only=registry, parallelism=parallelism
            ) as providers,
            reading(providers),
        ):
            result = make_plan(
                cfg,
                providers,
                registries=registry,
                targets=target,
                lifecycle_preview=lifecycle_preview,
                on_read=read_progress,
                on_unmatched=warn_unmatched,
            )
        result = approve(result, allow_destroy=allow_destroy, force=force)
        result = replace(result, config_paths=relative_paths(config))
        if out is not None:
            write_output(out, render(result, "json"))
    show_plan(result, fmt, show_unmanaged=show_unmanaged, max_chars=max_chars)
    if out is not None:
        command = f"regform apply {shlex.quote(str(out))}" + (" --sandbox" if sandbox else "")
        typer.echo(f"Saved the plan to {out}; apply it with: {command}", err=True)
    if detailed_exitcode and result.has_changes:
        raise typer.Exit(2)
