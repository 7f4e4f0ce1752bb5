"""``regform registries``: the declared registries (name, provider, host, account, region), as a
table or as a CI job matrix (``--format json``: GitHub Actions ``strategy.matrix``)."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated

import typer

from regform.cli import app
from regform.cli.common import cli_errors, load
from regform.cli.options import ConfigOption, VerboseOption


class RegistriesFormat(StrEnum):
    text = "text"
    json = "json"


@app.command()
def registries(
    config: ConfigOption = None,
    fmt: Annotated[
        RegistriesFormat,
        typer.Option("--format", "-f", help='text, or json: {"include": [...]} for CI.'),
    ] = RegistriesFormat.text,
    verbose: VerboseOption = False,
) -> None:
    """List the declared registries (a job matrix for CI with --format json)."""
    from regform.credentials.registries import matrix, render_table

    with cli_errors(verbose):
        document = matrix(load(config))
    if fmt is RegistriesFormat.json:
        typer.echo(json.dumps(document, indent=2))
    else:
        typer.echo(render_table(document["include"]), nl=False)
