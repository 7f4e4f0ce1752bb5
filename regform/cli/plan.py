"""``regform plan``: show what apply would change. Never writes to a registry.

Also holds what ``plan`` and ``apply`` share: the common options, error translation (one line on
stderr, exit 1, a traceback only with ``-v``), config loading, providers that are always closed,
and colour for terminals.
"""

from __future__ import annotations

import os
import shlex
import sys
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from regform.cli import app
from regform.cli.common import write_output
from regform.errors import ConfigError, RegformError

if TYPE_CHECKING:
    from regform.model import Config
    from regform.plan import Plan
    from regform.providers.base import Provider

DEFAULT_CONFIG = Path("regform.yaml")

ConfigOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--config",
        "-c",
        metavar="PATH",
        help="Config file or directory of *.yaml files; repeat to merge (default: regform.yaml).",
        show_default=False,
    ),
]
RegistryOption = Annotated[
    list[str] | None,
    typer.Option(
        "--registry", metavar="NAME", help="Only this registry (repeatable).", show_default=False
    ),
]
TargetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--target",
        metavar="GLOB",
        help="Only repositories matching this glob (repeatable); others are not read or changed.",
        show_default=False,
    ),
]
SandboxOption = Annotated[
    bool, typer.Option("--sandbox", help="Use the embedded sandbox registry instead of AWS.")
]
PreviewOption = Annotated[
    bool | None,
    typer.Option(
        "--lifecycle-preview/--no-lifecycle-preview",
        help="What lifecycle policies would expire now. Default: policies that change; "
        "--lifecycle-preview: every managed policy; --no-lifecycle-preview: none.",
        show_default=False,
    ),
]
ParallelismOption = Annotated[
    int | None,
    typer.Option(
        "--parallelism",
        min=1,
        max=256,
        help="API calls in flight at most, per registry (default: 32 for ECR; fewer while the "
        "registry throttles).",
        show_default=False,
    ),
]


class PlanFormat(StrEnum):
    text = "text"
    markdown = "markdown"
    json = "json"


FormatOption = Annotated[PlanFormat, typer.Option("--format", "-f", help="How to show the plan.")]
MaxCharsOption = Annotated[
    int | None,
    typer.Option(
        "--max-chars",
        min=1000,
        metavar="N",
        help="Markdown: at most this many characters (default: 65,000; summary and destroys "
        "first, then the changes that fit).",
        show_default=False,
    ),
]
ShowUnmanagedOption = Annotated[
    bool,
    typer.Option(
        "--show-unmanaged",
        help="List the unmanaged repositories outside every scope (default: one count line).",
    ),
]
VerboseOption = Annotated[
    bool, typer.Option("--verbose", "-v", help="Show a traceback when something fails.")
]


@contextmanager
def cli_errors(verbose: bool) -> Iterator[None]:
    """Turn errors into one clear line on stderr and exit code 1."""
    try:
        yield
    except typer.Exit:
        raise
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    except RegformError as exc:
        if verbose:
            traceback.print_exc()
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(1) from None
    except Exception as exc:
        if verbose:
            traceback.print_exc()
        typer.echo(f"Error: {type(exc).__name__}: {exc}", err=True)
        raise typer.Exit(1) from None


def load(paths: Sequence[Path] | None) -> Config:
    from regform.config import load_config

    return load_config(list(paths) if paths else [DEFAULT_CONFIG])


@contextmanager
def open_providers(
    config: Config,
    *,
    sandbox: bool,
    only: Sequence[str] | None = None,
    parallelism: int | None = None,
) -> Iterator[dict[str, Provider]]:
    """One provider per registry (or per name in ``only``), closed at the end whatever happens."""
    from regform.providers import build_provider

    names = [n for n in sorted(config.registries) if only is None or n in only]
    providers: dict[str, Provider] = {}
    try:
        for name in names:
            providers[name] = build_provider(
                config.registries[name], sandbox=sandbox, parallelism=parallelism
            )
        yield providers
    finally:
        for provider in providers.values():
            provider.close()


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


def read_progress(registry: str, count: int) -> None:
    typer.echo(f"{registry}: {count} repositories found, reading details...", err=True)


@app.command()
def plan(
    config: ConfigOption = None,
    registry: RegistryOption = None,
    target: TargetOption = None,
    fmt: FormatOption = PlanFormat.text,
    max_chars: MaxCharsOption = None,
    show_unmanaged: ShowUnmanagedOption = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", metavar="FILE", help="Also save the JSON plan (for `regform apply`)."
        ),
    ] = None,
    detailed_exitcode: Annotated[
        bool,
        typer.Option("--detailed-exitcode", help="Exit 2 when there are changes (0 when none)."),
    ] = False,
    allow_destroy: Annotated[
        bool,
        typer.Option(
            "--allow-destroy",
            help="Approve deletes and replaces in this plan: `regform apply` of the saved plan "
            "then needs no flag (the approval is shown with the plan).",
        ),
    ] = False,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Approve changing more repositories than the safety limit (as above)."
        ),
    ] = False,
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


def relative_paths(paths: Sequence[Path] | None) -> tuple[str, ...]:
    """The ``-c`` paths as a saved plan records them: relative to the current directory."""
    return tuple(os.path.relpath(p.absolute()) for p in (paths or [DEFAULT_CONFIG]))
