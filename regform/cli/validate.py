"""``regform validate`` (check config files, contact nothing) and ``regform schema``."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from regform.cli import app
from regform.config import check_config, schema_text


class ValidateFormat(StrEnum):
    text = "text"
    json = "json"


@app.command()
def validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Config files or directories of *.yaml files, merged (default: regform.yaml).",
            show_default=False,
        ),
    ] = None,
    fmt: Annotated[
        ValidateFormat,
        typer.Option("--format", "-f", help="text: one issue per line; json: a list of issues."),
    ] = ValidateFormat.text,
) -> None:
    """Check the config without contacting any registry. Exit 1 when it has problems."""
    outcome = check_config(paths or [Path("regform.yaml")])
    if fmt is ValidateFormat.json:
        typer.echo(json.dumps([issue.to_dict() for issue in outcome.issues], indent=2))
    else:
        for issue in outcome.issues:
            typer.echo(str(issue))
    if outcome.config is None:
        n = len(outcome.issues)
        typer.echo(f"{n} error{'s' if n != 1 else ''} in config", err=True)
        raise typer.Exit(1)
    if fmt is ValidateFormat.text:
        registries = outcome.config.registries
        repos = sum(len(r.repositories) for r in registries.values())
        patterns = sum(len(r.patterns) for r in registries.values())
        files = len(outcome.config.files)
        shown = f", {patterns} pattern{'s' if patterns != 1 else ''}" if patterns else ""
        typer.echo(
            f"OK: {len(registries)} registr{'ies' if len(registries) != 1 else 'y'}, "
            f"{repos} repositor{'ies' if repos != 1 else 'y'}{shown} "
            f"({files} file{'s' if files != 1 else ''})"
        )


@app.command()
def schema() -> None:
    """Print the JSON Schema of the config (for editors: yaml-language-server, VS Code)."""
    typer.echo(schema_text(), nl=False)
