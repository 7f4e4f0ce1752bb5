"""``regform ensure NAME...``: make named repositories exist as the config declares them.

For CI pipelines that push to a repository which may not exist yet. Touches only the named
repositories (and their cache companions). Exit codes: 0 created, updated or already matching;
1 error (a name no registry declares, a failed call); 2 a repository differs in a way only a
replace could fix (nothing was changed: run plan and apply --allow-destroy).
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from regform.cli import app
from regform.cli.common import cli_errors, load, open_providers
from regform.cli.options import ConfigOption, RegistryOption, SandboxOption, VerboseOption

if TYPE_CHECKING:
    from regform.workflows.ensure import EnsureResult, Outcome, Status


class EnsureFormat(StrEnum):
    text = "text"
    json = "json"


def _phrase(status: Status) -> str:
    from regform.workflows.ensure import Status

    return {
        Status.CREATED: "created",
        Status.MATCHES: "already matches the configuration",
        Status.UPDATED: "updated to match the configuration",
        Status.NEEDS_REPLACE: (
            "differs in a way only a replace can change (it deletes every image): nothing changed; "
            "review it with `regform plan`, apply with --allow-destroy"
        ),
        Status.ON_PUSH: "nothing to do: this registry creates repositories on first push",
        Status.FAILED: "failed",
    }[status]


def _line(outcome: Outcome) -> list[str]:
    from regform.render.text import change_body
    from regform.workflows.ensure import Status

    request = outcome.request
    source = request.declared_by + (", cache companion" if request.companion else "")
    head = f"{outcome.address}: {_phrase(outcome.status)} ({source})"
    if outcome.status is Status.FAILED:
        head += f": {outcome.error}"
    lines = [head]
    if outcome.change is not None and outcome.status in (Status.UPDATED, Status.NEEDS_REPLACE):
        lines.extend(f"    {line}" for line in change_body(outcome.change))
    return lines


def render_text(result: EnsureResult) -> str:
    lines = [line for outcome in result.outcomes for line in _line(outcome)]
    calls = sum(result.api_calls.values())
    lines.append(f"(with {calls} API call{'s' if calls != 1 else ''})")
    return "\n".join(lines) + "\n"


@app.command()
def ensure(
    names: Annotated[
        list[str], typer.Argument(help="Repository names (each declared by name or pattern).")
    ],
    config: ConfigOption = None,
    registry: RegistryOption = None,
    fmt: Annotated[
        EnsureFormat, typer.Option("--format", "-f", help="How to show what was done.")
    ] = EnsureFormat.text,
    sandbox: SandboxOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Create the named repositories from the config if missing; touch nothing else.

    A repository that exists but differs is updated to match. Exit codes: 0 done (created,
    updated or already matching), 1 error, 2 a difference only a replace can fix (nothing
    changed).
    """
    from regform.workflows.ensure import ensure as ensure_repositories
    from regform.workflows.ensure import resolve

    with cli_errors(verbose):
        cfg = load(config)
        requests = resolve(cfg, names, registries=registry)
        used = sorted({r.registry for r in requests})
        with open_providers(cfg, sandbox=sandbox, only=used) as providers:
            result = ensure_repositories(cfg, providers, names, registries=registry)
    if fmt is EnsureFormat.json:
        typer.echo(json.dumps(result.to_dict(), indent=2, sort_keys=True))
    else:
        typer.echo(render_text(result), nl=False)
    if result.exit_code:
        raise typer.Exit(result.exit_code)
