"""``regform validate`` (check config files, contact nothing) and ``regform schema``."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from regform.cli import app

if TYPE_CHECKING:
    from regform.model import Config


class ValidateFormat(StrEnum):
    text = "text"
    json = "json"


PathsArgument = Annotated[
    list[Path] | None,
    typer.Argument(
        metavar="PATH",
        help="Config files or directories of *.yaml files, merged (default: regform.yaml).",
        show_default=False,
    ),
]
ValidateConfigOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--config",
        "-c",
        metavar="PATH",
        help="Config file or directory, as for the other commands (repeatable; the same as "
        "naming it as an argument).",
        show_default=False,
    ),
]
ValidateFormatOption = Annotated[
    ValidateFormat,
    typer.Option(
        "--format",
        "-f",
        help="text: one issue per line; json: a list of issues (errors, then warnings; "
        "each with its severity).",
    ),
]
StrictOption = Annotated[
    bool,
    typer.Option("--strict", help="Warnings (public policies, unset variables) are errors."),
]


@app.command()
def validate(
    paths: PathsArgument = None,
    config: ValidateConfigOption = None,
    fmt: ValidateFormatOption = ValidateFormat.text,
    strict: StrictOption = False,
) -> None:
    """Check the config without contacting any registry. Exit 1 when it has problems.

    A directory that holds no *.yaml files itself but has subdirectories that do (like
    examples/) is a collection: each subdirectory is checked as a config of its own.
    """
    from regform.config import check_config

    configs = _configs([*(paths or ()), *(config or ())] or [Path("regform.yaml")])
    outcomes = [(cfg, check_config(cfg)) for cfg in configs]
    issues = [issue for _, outcome in outcomes for issue in outcome.issues]
    warnings = [warning for _, outcome in outcomes for warning in outcome.warnings]
    if strict:
        issues, warnings = issues + warnings, []
    if fmt is ValidateFormat.json:
        shown = [{**i.to_dict(), "severity": "error"} for i in issues]
        shown += [{**w.to_dict(), "severity": "warning"} for w in warnings]
        typer.echo(json.dumps(shown, indent=2))
    else:
        for issue in issues:
            typer.echo(str(issue))
    for warning in warnings:
        typer.echo(f"Warning: {warning}", err=True)
    failed = [cfg for cfg, outcome in outcomes if outcome.config is None]
    if strict and not failed and issues:
        failed = [cfg for cfg, outcome in outcomes if outcome.warnings]
    if fmt is ValidateFormat.text:
        for cfg, outcome in outcomes:
            if outcome.config is not None:
                label = f"{', '.join(map(str, cfg))}: " if len(configs) > 1 else ""
                typer.echo(f"{label}{_summary(outcome.config)}")
    if failed:
        n = len(issues)
        typer.echo(f"{n} error{'s' if n != 1 else ''} in config", err=True)
        raise typer.Exit(1)


def _configs(paths: list[Path]) -> list[list[Path]]:
    """The configs to check: all paths merged into one, unless a single directory is a collection
    of config directories (no *.yaml of its own), in which case one config per subdirectory."""
    if len(paths) == 1 and paths[0].is_dir() and not _yaml_files(paths[0]):
        subdirs = sorted(d for d in paths[0].iterdir() if d.is_dir() and _yaml_files(d))
        if subdirs:
            return [[d] for d in subdirs]
    return [paths]


def _yaml_files(directory: Path) -> list[Path]:
    """Every ``*.yaml``/``*.yml`` entry, whatever it is (the loader reports what it cannot read)."""
    return [p for p in directory.iterdir() if p.suffix in (".yaml", ".yml")]


def _summary(config: Config) -> str:
    registries = config.registries
    repos = sum(len(r.repositories) for r in registries.values())
    patterns = sum(len(r.patterns) for r in registries.values())
    files = len(config.files)
    shown = f", {patterns} pattern{'s' if patterns != 1 else ''}" if patterns else ""
    return (
        f"OK: {len(registries)} registr{'ies' if len(registries) != 1 else 'y'}, "
        f"{repos} repositor{'ies' if repos != 1 else 'y'}{shown} "
        f"({files} file{'s' if files != 1 else ''})"
    )


@app.command()
def schema() -> None:
    """Print the JSON Schema of the config (for editors: yaml-language-server, VS Code)."""
    from regform.config import schema_text

    typer.echo(schema_text(), nl=False)
