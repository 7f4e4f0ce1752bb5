"""``regform show plan.json``: render a saved plan without touching any registry."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from regform.cli import app
from regform.cli.apply import load_plan
from regform.cli.common import cli_errors
from regform.cli.options import MaxCharsOption, ShowUnmanagedOption, VerboseOption
from regform.cli.plan import FormatOption, PlanFormat, show_plan


@app.command()
def show(
    plan_file: Annotated[Path, typer.Argument(help="A plan saved by `regform plan --out`.")],
    fmt: FormatOption = PlanFormat.text,
    max_chars: MaxCharsOption = None,
    show_unmanaged: ShowUnmanagedOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Show a saved plan (text, markdown or json). Reads no registry and no configuration."""
    with cli_errors(verbose):
        plan = load_plan(plan_file)
    show_plan(plan, fmt, show_unmanaged=show_unmanaged, max_chars=max_chars)
