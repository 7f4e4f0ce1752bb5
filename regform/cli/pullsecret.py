"""``regform pull-secret``: a Kubernetes ``kubernetes.io/dockerconfigjson`` Secret for the named
registries, printed to stdout for ``kubectl apply -f -``.

It prints a credential by design, so it refuses a terminal unless ``--yes``.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer

from regform.cli import app
from regform.cli.common import cli_errors, load
from regform.cli.options import ConfigOption, VerboseOption
from regform.cli.plan import is_tty
from regform.errors import RegformError


class SecretFormat(StrEnum):
    yaml = "yaml"
    json = "json"


@app.command("pull-secret")
def pull_secret(
    registry: Annotated[
        list[str],
        typer.Option("--registry", help="A registry the secret holds credentials for (repeat)."),
    ],
    name: Annotated[str, typer.Option("--name", help="The Secret's name.")],
    namespace: Annotated[
        str | None, typer.Option("--namespace", "-n", help="The Secret's namespace.")
    ] = None,
    config: ConfigOption = None,
    fmt: Annotated[SecretFormat, typer.Option("--format", "-f")] = SecretFormat.yaml,
    yes: Annotated[
        bool, typer.Option("--yes", help="Print the secret even when stdout is a terminal.")
    ] = False,
    verbose: VerboseOption = False,
) -> None:
    """Print a Kubernetes pull secret (type kubernetes.io/dockerconfigjson) for registries."""
    from regform.credentials.login import fetch_all, select_registries
    from regform.credentials.pullsecret import pull_secret as build_secret
    from regform.credentials.pullsecret import render_secret

    with cli_errors(verbose):
        if is_tty(sys.stdout) and not yes:
            raise RegformError(
                "refusing to print a secret to a terminal: pipe it (| kubectl apply -f -) "
                "or pass --yes"
            )
        cfg = load(config)
        credentials = fetch_all(select_registries(cfg, registry))
        text = render_secret(build_secret(credentials, name, namespace), fmt.value)
    sys.stdout.write(text)
    sys.stdout.flush()
