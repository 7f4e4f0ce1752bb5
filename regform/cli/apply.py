"""``regform apply``: make the registries match the configuration.

Without a plan file it plans, shows the plan and asks for confirmation (``--auto-approve`` skips
the question; without a terminal it is required). With a plan file saved by ``plan --out`` it
applies exactly that plan, after checking it is not stale.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from enum import StrEnum
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
from regform.cli.plan import echo_plan_text, is_tty, read_progress, warn_unmatched
from regform.errors import PlanAppliedError, RegformError

if TYPE_CHECKING:
    from regform.model import Config
    from regform.plan import Change, Plan
    from regform.providers.base import Provider
    from regform.workflows.applier import ApplyResult


class ResultFormat(StrEnum):
    text = "text"
    json = "json"


CONFIRM = "Do you want to apply these changes? Only 'yes' will be accepted"


def load_plan(path: Path) -> Plan:
    from regform.workflows.planfile import read_plan

    return read_plan(str(path))


def _recorded_paths(saved: Plan | None) -> list[Path] | None:
    """The config paths a saved plan was made from (relative to where plan ran)."""
    if saved is None or not saved.config_paths:
        return None
    paths = [Path(p) for p in saved.config_paths]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise RegformError(
            f"the plan was made from {', '.join(saved.config_paths)} (relative to the directory "
            f"plan ran in), but {', '.join(missing)} does not exist here: run apply from that "
            "directory or name the configuration with -c"
        )
    return paths


def _progress(change: Change, status: str) -> None:
    from regform.workflows.applier import STARTED

    if status == STARTED and not is_tty(sys.stderr):
        return
    typer.echo(f"{_subject(change)} {status}", err=True)


def _subject(change: Change) -> str:
    """``prod/app: create``; an image deletion names its repository and how many images go."""
    from regform.plan import IMAGES

    if change.kind != IMAGES:
        return f"{change.address}: {change.action.value}"
    n = len((change.before or {}).get("images") or ())
    return f"{change.registry}/{change.name}: delete {n} image{'s' if n != 1 else ''} (lifecycle)"


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
    """For a saved plan, the same plan made again now (refused unless identical, see
    ``check_saved_plan``); else a new one. Progress on stderr either way."""
    from regform.cli.progress import reading
    from regform.workflows.plan_apply import check_saved_plan, make_plan

    with reading(providers):
        if saved is not None:
            return check_saved_plan(saved, cfg, providers, on_read=read_progress)
        return make_plan(
            cfg,
            providers,
            registries=registry,
            targets=target,
            lifecycle_preview=lifecycle_preview,
            on_read=read_progress,
            on_unmatched=warn_unmatched,
        )


def _apply(
    plan: Plan, providers: Mapping[str, Provider], *, allow_destroy: bool, force: bool
) -> ApplyResult:
    """Apply with progress on stderr: a line per change, and how far it got every few seconds."""
    from regform.cli.progress import Applying, heartbeat
    from regform.workflows.applier import STARTED, apply_plan

    tracker = Applying(len(plan.changes))

    def progress(change: Change, status: str) -> None:
        _progress(change, status)
        if status != STARTED:
            tracker.one_done()

    with heartbeat(tracker.line):
        return apply_plan(
            plan, providers, allow_destroy=allow_destroy, force=force, progress=progress
        )


def _report_result(result: ApplyResult, fmt: ResultFormat) -> None:
    """What apply did, per change and in steps; exit 1 unless every change is complete."""
    if fmt is ResultFormat.json:
        typer.echo(json.dumps(result.to_dict(), indent=2, sort_keys=True))
        if not result.ok:
            raise typer.Exit(1)
        return
    t = result.totals()
    steps = f"{t['steps_done']} step{'s' if t['steps_done'] != 1 else ''} done"
    if not result.reports:
        typer.echo("Nothing to apply.")
        return
    if result.ok:
        typer.echo(f"Apply complete: {t['complete']} succeeded. {steps}.")
        return
    typer.echo(
        f"Apply failed: {t['complete']} complete, {t['partial']} partly done, {t['failed']} "
        f"failed, {t['skipped']} skipped ({steps}, {t['steps_failed']} failed).",
        err=True,
    )
    for report in result.reports:
        if report.status != "complete":
            typer.echo(
                f"  {report.status:<8} {report.change.address}: {report.describe()}", err=True
            )
    typer.echo("Fix the cause and run apply again; it picks up where this run stopped.", err=True)
    raise typer.Exit(1)


PlanFileArgument = Annotated[
    Path | None,
    typer.Argument(help="A plan saved by `regform plan --out`; applied exactly as saved."),
]
AutoApproveOption = Annotated[
    bool, typer.Option("--auto-approve", help="Do not ask for confirmation.")
]
AllowDestroyOption = Annotated[
    bool,
    typer.Option("--allow-destroy", help="Allow deleting and replacing repositories."),
]
ForceOption = Annotated[
    bool,
    typer.Option("--force", help="Allow changing more repositories than the safety limit."),
]
ResultFormatOption = Annotated[
    ResultFormat,
    typer.Option(
        "--format",
        "-f",
        help="How to report the result: text, or json (a document on stdout; the plan "
        "then goes to stderr).",
    ),
]
SecretsFileOption = Annotated[
    Path | None,
    typer.Option(
        "--secrets-file",
        help="Write secrets a registry shows only once (new Harbor robot accounts) to this "
        "JSON file (mode 0600).",
    ),
]
ShowSecretsOption = Annotated[
    bool,
    typer.Option("--show-secrets", help="Print secrets shown only once to stdout."),
]


@app.command()
def apply(
    plan_file: PlanFileArgument = None,
    config: ConfigOption = None,
    registry: RegistryOption = None,
    target: TargetOption = None,
    auto_approve: AutoApproveOption = False,
    allow_destroy: AllowDestroyOption = False,
    force: ForceOption = False,
    fmt: ResultFormatOption = ResultFormat.text,
    sandbox: SandboxOption = False,
    parallelism: ParallelismOption = None,
    lifecycle_preview: PreviewOption = None,
    secrets_file: SecretsFileOption = None,
    show_secrets: ShowSecretsOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Apply changes so the registries match the configuration.

    Exit codes: 0 applied (or nothing to do), 1 error, refusal or failed change.
    """
    from regform.providers import set_secret_destination
    from regform.render import render
    from regform.workflows.applier import ApplyResult, check_guards

    set_secret_destination(secrets_file, show_secrets)
    with cli_errors(verbose):
        if plan_file is not None and (registry or target):
            raise RegformError("--registry and --target cannot be used with a saved plan")
        saved = load_plan(plan_file) if plan_file is not None else None
        cfg = load(config or _recorded_paths(saved))
        only = sorted(saved.registries) if saved is not None else registry
        with open_providers(cfg, sandbox=sandbox, only=only, parallelism=parallelism) as providers:
            try:
                plan = _plan(saved, cfg, providers, registry, target, lifecycle_preview)
            except PlanAppliedError as exc:
                typer.echo(str(exc), err=fmt is ResultFormat.json)
                if fmt is ResultFormat.json:
                    _report_result(ApplyResult(), fmt)
                return
            if fmt is ResultFormat.json:
                typer.echo(render(plan, "text"), err=True, nl=False)
            else:
                echo_plan_text(render(plan, "text"))
            if not plan.has_changes:
                _report_result(ApplyResult(), fmt)
                return
            check_guards(plan, allow_destroy=allow_destroy, force=force)
            if saved is None:
                _confirm(auto_approve)
            result = _apply(plan, providers, allow_destroy=allow_destroy, force=force)
    _report_result(result, fmt)
