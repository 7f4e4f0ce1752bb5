"""``regform lifecycle preview REPO``: what a lifecycle policy does to every image of a repository.

Reads the repository's images (and, with ``--policy-from registry``, its policy); never writes.
Exit codes: 0 success, 1 error.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

import typer

from regform.cli import app
from regform.cli.common import cli_errors, load, open_providers
from regform.cli.options import ConfigOption, SandboxOption, VerboseOption
from regform.errors import RegformError

lifecycle_app = typer.Typer(
    name="lifecycle",
    help="Lifecycle (retention) policies: see what they do to the images there.",
    no_args_is_help=True,
)
app.add_typer(lifecycle_app)


class PreviewFormat(StrEnum):
    text = "text"
    json = "json"


class PolicyFrom(StrEnum):
    config = "config"
    registry = "registry"


def parse_time(text: str) -> datetime:
    """An ISO 8601 date or time; without a zone it is UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise RegformError(f"--at {text!r} is not an ISO 8601 date or time") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@lifecycle_app.command("preview")
def preview(
    repository: Annotated[str, typer.Argument(help="Repository name.", show_default=False)],
    config: ConfigOption = None,
    registry: Annotated[
        str | None,
        typer.Option(
            "--registry",
            help="The registry of the repository (needed when several declare it).",
            show_default=False,
        ),
    ] = None,
    fmt: Annotated[
        PreviewFormat, typer.Option("--format", "-f", help="How to show the images.")
    ] = PreviewFormat.text,
    policy_from: Annotated[
        PolicyFrom,
        typer.Option(
            "--policy-from",
            help="Evaluate the policy the configuration declares, or the one in the registry "
            "now (what the registry is about to do).",
        ),
    ] = PolicyFrom.config,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            help="Evaluate at this time (ISO 8601, UTC unless it says otherwise) instead of now.",
            show_default=False,
        ),
    ] = None,
    sandbox: SandboxOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Every image of REPOSITORY and what its lifecycle policy does to it now.

    For each image: expire, archive or keep, and the rule that decided it. Reads the images (and,
    with --policy-from registry, the policy); never modifies a registry.

    Exit codes: 0 success, 1 error.
    """
    from regform.render.lifecycle import RENDERERS
    from regform.workflows.preview import PolicySource, preview_repository, registry_for

    with cli_errors(verbose):
        now = parse_time(at) if at is not None else datetime.now(UTC)
        cfg = load(config)
        name = registry_for(cfg, repository, registry)
        with open_providers(cfg, sandbox=sandbox, only=[name]) as providers:
            report = preview_repository(
                cfg,
                providers[name],
                name,
                repository,
                source=PolicySource(policy_from.value),
                now=now,
            )
    typer.echo(RENDERERS[fmt.value](report), nl=False)
