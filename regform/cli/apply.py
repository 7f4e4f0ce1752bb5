"""``regform apply``: make the registries match the configuration.

Without a plan file it plans, shows the plan and asks for confirmation (``--auto-approve`` skips
the question; without a terminal it is required). With a plan file saved by ``plan --out`` it
applies exactly that plan, after checking it is not stale.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from regform.cli import app
from regform.cli.common import cli_errors, load, open_providers
from regform.cli.options import (
    ConfigOption,
    ParallelismOption,
    PreviewOption,
    RegistryOption,
    SandboxOption,
    TargetOption,
    VerboseOption,
)
from regform.cli.plan import echo_plan_text, is_tty, read_progress
from regform.errors import RegformError

if TYPE_CHECKING:
    from regform.model import Config
    from regform.plan import Change, Plan
    from regform.providers.base import Provider
    from regform.workflows.applier import ApplyResult

CONFIRM = "Do you want to apply these changes? Only 'yes' will be accepted"


def _load_plan(path: Path) -> Plan:
    from regform.plan import Plan

    try:
        return Plan.from_dict(json.loads(path.read_text()))
    except OSError as exc:
        raise RegformError(f"cannot read plan file {path}: {exc.strerror or exc}") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise RegformError(f"{path} is not a regform plan: {exc}") from None


def _progress(change: Change, status: str) -> None:
    from regform.workflows.applier import STARTED

    if status == STARTED and not is_tty(sys.stderr):
        return
    typer.echo(f"{change.address}: {change.action.value} {status}", err=True)


def _confirm(auto_approve: bool) -> None:
    if auto_approve:
        return
    if not is_tty(sys.stdin):
        raise RegformError(
            "refusing to apply without confirmation: stdin is not a terminal "
            "(review the plan, then pass --auto-approve)"
        )
    answer = typer.prompt(CONFIRM, default="", show_default=False)
    if answer.strip() != "yes":
        typer.echo("Apply cancelled.", err=True)
        raise typer.Exit(1)


def _plan(
    saved: Plan | None,
    cfg: Config,
    providers: dict[str, Provider],
    registry: list[str] | None,
    target: list[str] | None,
    lifecycle_preview: bool | None,
) -> Plan:
    """The saved plan, once checked against the config and the registries; else a new one."""
    from regform.workflows.plan_apply import check_saved_plan, make_plan

    if saved is not None:
        check_saved_plan(saved, cfg, providers)
        return saved
    return make_plan(
        cfg,
        providers,
        registries=registry,
        targets=target,
        lifecycle_preview=lifecycle_preview,
        on_read=read_progress if is_tty(sys.stderr) else None,
    )


def _report(result: ApplyResult) -> None:
    """The outcome; exit 1 when a change failed or was skipped."""
    if result.failed or result.skipped:
        typer.echo(
            f"Apply failed: {len(result.succeeded)} succeeded, {len(result.failed)} failed, "
            f"{len(result.skipped)} skipped.",
            err=True,
        )
        for change, error in result.failed:
            typer.echo(f"  failed  {change.address}: {error}", err=True)
        for change in result.skipped:
            typer.echo(f"  skipped {change.address}: a change before it failed", err=True)
        typer.echo(
            "Fix the cause and run apply again; it picks up where this run stopped.", err=True
        )
        raise typer.Exit(1)
    typer.echo(f"Apply complete: {len(result.succeeded)} succeeded.")


@app.command()
def apply(
    plan_file: Annotated[
        Path | None,
        typer.Argument(help="A plan saved by `regform plan --out`; applied exactly as saved."),
    ] = None,
    config: ConfigOption = None,
    registry: RegistryOption = None,
    target: TargetOption = None,
    auto_approve: Annotated[
        bool, typer.Option("--auto-approve", help="Do not ask for confirmation.")
    ] = False,
    allow_destroy: Annotated[
        bool,
        typer.Option("--allow-destroy", help="Allow deleting and replacing repositories."),
    ] = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="Allow changing more repositories than the safety limit."),
    ] = False,
    sandbox: SandboxOption = False,
    parallelism: ParallelismOption = None,
    lifecycle_preview: PreviewOption = None,
    secrets_file: Annotated[
        Path | None,
        typer.Option(
            "--secrets-file",
            help="Write secrets a registry shows only once (new Harbor robot accounts) to this "
            "JSON file (mode 0600).",
        ),
    ] = None,
    show_secrets: Annotated[
        bool,
        typer.Option("--show-secrets", help="Print secrets shown only once to stdout."),
    ] = False,
    verbose: VerboseOption = False,
) -> None:
    """Apply changes so the registries match the configuration.

    Exit codes: 0 applied (or nothing to do), 1 error, refusal or failed change.
    """
    from regform.providers import set_secret_destination
    from regform.render import render
    from regform.workflows.applier import apply_plan, check_guards

    set_secret_destination(secrets_file, show_secrets)
    with cli_errors(verbose):
        if plan_file is not None and (registry or target):
            raise RegformError("--registry and --target cannot be used with a saved plan")
        saved = _load_plan(plan_file) if plan_file is not None else None
        cfg = load(config)
        only = sorted(saved.registries) if saved is not None else registry
        with open_providers(cfg, sandbox=sandbox, only=only, parallelism=parallelism) as providers:
            plan = _plan(saved, cfg, providers, registry, target, lifecycle_preview)
            echo_plan_text(render(plan, "text"))
            if not plan.has_changes:
                typer.echo("Nothing to apply.")
                return
            check_guards(plan, allow_destroy=allow_destroy, force=force)
            if saved is None:
                _confirm(auto_approve)
            result = apply_plan(
                plan, providers, allow_destroy=allow_destroy, force=force, progress=_progress
            )
    _report(result)
