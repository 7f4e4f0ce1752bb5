"""``regform drift``: report what changed in the registries outside regform. Never writes.

For scheduled jobs. Exit codes: 0 nothing that ``--fail-on`` counts, 2 drift (or unmanaged
repositories) found, 1 error. ``--fail-on drift`` counts declared repositories and settings that
changed, are missing or are unexpected; ``--fail-on unmanaged`` counts undeclared repositories
inside a registry's scope; ``any`` (the default) both. Repositories outside every scope are
listed but never fail the job.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from regform.cli import app
from regform.cli.common import cli_errors, load, open_providers, write_output
from regform.cli.options import (
    ConfigOption,
    ParallelismOption,
    RegistryOption,
    SandboxOption,
    TargetOption,
    VerboseOption,
)
from regform.cli.plan import is_tty, read_progress, warn_unmatched
from regform.model import FailOn


class DriftFormat(StrEnum):
    text = "text"
    markdown = "markdown"
    json = "json"


@app.command()
def drift(
    config: ConfigOption = None,
    registry: RegistryOption = None,
    target: TargetOption = None,
    fmt: Annotated[
        DriftFormat, typer.Option("--format", "-f", help="How to show the report.")
    ] = DriftFormat.text,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Also keep the report here, as JSON."),
    ] = None,
    fail_on: Annotated[
        FailOn,
        typer.Option(
            "--fail-on",
            help="What exits 2: drift (declared things changed, missing or unexpected), "
            "unmanaged (undeclared repositories in scope), or any.",
            case_sensitive=False,
        ),
    ] = FailOn.ANY,
    sandbox: SandboxOption = False,
    parallelism: ParallelismOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Report changes made outside regform and unmanaged repositories. Never modifies a registry.

    Exit codes: 0 no drift, 2 drift (as --fail-on counts it), 1 error.
    """
    from regform.render.drift import render_drift
    from regform.workflows.drift import make_drift_report

    with cli_errors(verbose):
        cfg = load(config)
        with open_providers(
            cfg, sandbox=sandbox, only=registry, parallelism=parallelism
        ) as providers:
            report = make_drift_report(
                cfg,
                providers,
                registries=registry,
                targets=target,
                on_read=read_progress if is_tty(sys.stderr) else None,
                on_unmatched=warn_unmatched,
            )
        if out is not None:
            write_output(out, render_drift(report, "json"))
    typer.echo(render_drift(report, fmt.value), nl=False)
    if out is not None:
        typer.echo(f"Kept the drift report in {out}", err=True)
    code = report.exit_code(fail_on)
    if code:
        raise typer.Exit(code)
