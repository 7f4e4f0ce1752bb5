"""``regform login``: write credentials for the declared registries into a client auth file
(the containers auth.json by default, docker's config.json with ``--docker``), or with
``--helper`` credHelpers entries that make clients ask ``docker-credential-regform``.

Nothing secret is printed: the output names registries, hosts, expiry and the file.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from regform.cli import app
from regform.cli.common import cli_errors, load
from regform.cli.options import ConfigOption, RegistryOption, VerboseOption

if TYPE_CHECKING:
    from regform.credentials.login import LoginResult


class LoginFormat(StrEnum):
    text = "text"
    json = "json"


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _line(result: LoginResult) -> str:
    if result.helper:
        return f"{result.registry}: {result.key} -> docker-credential-regform"
    expiry = f" (expires {_stamp(result.expires_at)})" if result.expires_at is not None else ""
    return f"{result.registry}: logged in to {result.key}{expiry}"


def _warn_expired(results: list[LoginResult], now: datetime) -> None:
    """A token the registry gave already expired (a clock far off, or an emulator's fixed
    date): clients will be refused with it, so say so."""
    for result in results:
        if result.expires_at is not None and result.expires_at <= now:
            typer.echo(
                f"Warning: registry {result.registry}: the token for {result.key} expired at "
                f"{_stamp(result.expires_at)} (before it was written: check this machine's "
                "clock, or the endpoint)",
                err=True,
            )


@app.command()
def login(
    config: ConfigOption = None,
    registry: RegistryOption = None,
    auth_file: Annotated[
        Path | None,
        typer.Option(
            "--auth-file",
            help="Auth file to write (default: $REGISTRY_AUTH_FILE, else "
            "$XDG_RUNTIME_DIR/containers/auth.json).",
            show_default=False,
        ),
    ] = None,
    docker: Annotated[
        bool,
        typer.Option("--docker", help="Write docker's config ($DOCKER_CONFIG/config.json)."),
    ] = False,
    helper: Annotated[
        bool,
        typer.Option(
            "--helper",
            help="Write credHelpers entries for docker-credential-regform instead of secrets.",
        ),
    ] = False,
    fmt: Annotated[
        LoginFormat, typer.Option("--format", "-f", help="text, or json (hosts and expiry).")
    ] = LoginFormat.text,
    verbose: VerboseOption = False,
) -> None:
    """Log in to the declared registries (ECR tokens, distribution and Docker Hub credentials)."""
    from regform.credentials.authfile import containers_auth_file, docker_config_file
    from regform.credentials.cache import TokenCache, default_cache_file
    from regform.credentials.login import login as run_login

    with cli_errors(verbose):
        cfg = load(config)
        path = auth_file or (docker_config_file() if docker else containers_auth_file())
        cache = TokenCache(default_cache_file(), lambda: datetime.now(UTC)) if helper else None
        results = run_login(cfg, path, names=registry, helper=helper, cache=cache)
    _warn_expired(results, datetime.now(UTC))
    if fmt is LoginFormat.json:
        document = {"auth_file": str(path), "logins": [r.to_dict() for r in results]}
        typer.echo(json.dumps(document, indent=2, sort_keys=True))
        return
    for result in results:
        typer.echo(_line(result))
    typer.echo(f"Wrote {path}")
