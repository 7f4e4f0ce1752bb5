"""``regform import``: write config that declares an existing registry as it is.

The registry is named with ``--registry``. Its connection comes from the config given with
``-c`` (where it must be declared; its scope limits what is imported, its ``prune`` is kept, and a
document equal to one of its lifecycle or repository policy definitions keeps that name), or,
without a config, from ``--region`` (required), ``--profile``, ``--account-id`` and
``--endpoint-url`` (ECR). The YAML goes to stdout, or to ``DIR/regform.yaml`` with ``-o DIR``
(an existing file is kept unless ``--force``). Only reads the registry. Exit codes: 0 written,
1 error, or a kind of registry settings asked for (``--settings``, all by default) that could not
be read: the file is written without it and stderr says which kind and why.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from regform.cli import app
from regform.cli.common import cli_errors, load, write_output
from regform.cli.options import ParallelismOption, SandboxOption, VerboseOption
from regform.errors import RegformError
from regform.version import __version__

if TYPE_CHECKING:
    from regform.model import Config, RegistryConfig

OUTPUT_FILE = "regform.yaml"


def _kinds(value: str) -> tuple[str, ...]:
    from regform.workflows.importer import IMPORTED_SETTINGS

    if value == "all":
        return IMPORTED_SETTINGS
    if value == "none":
        return ()
    kinds = tuple(k.strip() for k in value.split(",") if k.strip())
    unknown = [k for k in kinds if k not in IMPORTED_SETTINGS]
    if unknown:
        raise RegformError(
            f"--settings: unknown kind {', '.join(unknown)} (all, none, or a comma-separated "
            f"list of: {', '.join(IMPORTED_SETTINGS)})"
        )
    return kinds


def _registry(
    config: list[Path] | None, name: str, flags: dict[str, str | None]
) -> tuple[RegistryConfig, Config | None]:
    """The registry to import, and the config that declares it (when given)."""
    from regform.model import RegistryConfig

    given = [f"--{k.replace('_', '-')}" for k, v in flags.items() if v]
    if config:
        if given:
            raise RegformError(f"{', '.join(given)}: the connection comes from the config (-c)")
        cfg = load(config)
        if name not in cfg.registries:
            from regform.config.suggest import unknown_registries

            raise unknown_registries([name], cfg.registries)
        return cfg.registries[name], cfg
    if not flags.get("region"):
        raise RegformError("give -c CONFIG declaring the registry, or --region (and --profile...)")
    connection = {k: v for k, v in flags.items() if v}
    return RegistryConfig(name=name, provider="ecr", connection=connection), None


def _connection(reg: RegistryConfig) -> dict[str, Any]:
    return {k: v for k, v in reg.connection.items() if not (k == "sandbox" and v is False)}


def _imported(
    reg: RegistryConfig,
    cfg: Config | None,
    prefix: str | None,
    kinds: tuple[str, ...],
    sandbox: bool,
    parallelism: int | None,
) -> tuple[str, list[str], int, list[str]]:
    """Read the registry and write its config: (YAML text, warnings, repositories, setting kinds
    not read)."""
    from regform.providers import build_provider
    from regform.workflows.import_yaml import to_yaml
    from regform.workflows.importer import ImportSource, import_config
    from regform.workflows.importer_read import read_for_import, settings_not_read

    provider = build_provider(reg, sandbox=sandbox, parallelism=parallelism)
    try:
        provider.check_identity()
        state, warnings = read_for_import(provider, scope=reg.scope, prefix=prefix, settings=kinds)
        unread = settings_not_read(provider, state, kinds)
    finally:
        provider.close()
    source = ImportSource(
        reg.name,
        reg.provider,
        _connection(reg),
        reg.scope,
        prune=reg.prune,
        lifecycle_policies=cfg.lifecycle_policies if cfg is not None else {},
        repository_policies=cfg.repository_policies if cfg is not None else {},
    )
    result = import_config(source, state, prefix=prefix)
    warnings = [*warnings, *result.warnings]
    when = datetime.now(UTC).isoformat(timespec="seconds")
    header = [
        f"Imported from registry {reg.name} by regform import {__version__} on {when}.",
        f"{len(result.repositories)} repositories"
        + (f" under {prefix}" if prefix else "")
        + ". `regform plan` on this file shows no changes.",
        *(f"Warning: {w}" for w in warnings),
    ]
    return to_yaml(result.data, header), warnings, len(result.repositories), unread


RegistryNameOption = Annotated[
    str, typer.Option("--registry", help="The registry to import (its name).")
]
ImportConfigOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--config", "-c", help="Config declaring the registry (for its connection and scope)."
    ),
]
PrefixOption = Annotated[
    str | None, typer.Option("--prefix", help="Only repositories whose names start with this.")
]
OutDirOption = Annotated[
    Path | None,
    typer.Option("--out-dir", "-o", help=f"Write DIR/{OUTPUT_FILE} instead of stdout."),
]
OverwriteOption = Annotated[bool, typer.Option("--force", help=f"Overwrite DIR/{OUTPUT_FILE}.")]
SettingsOption = Annotated[
    str,
    typer.Option(
        "--settings",
        help="Registry settings to import: all, none, or a comma-separated list of kinds.",
    ),
]
RegionOption = Annotated[str | None, typer.Option("--region", help="Without -c: region.")]
ProfileOption = Annotated[str | None, typer.Option("--profile", help="Without -c: profile.")]
AccountIdOption = Annotated[
    str | None, typer.Option("--account-id", help="Without -c: the account (checked).")
]
EndpointUrlOption = Annotated[
    str | None, typer.Option("--endpoint-url", help="Without -c: a custom endpoint.")
]


@app.command("import")
def import_(
    registry: RegistryNameOption,
    config: ImportConfigOption = None,
    prefix: PrefixOption = None,
    out_dir: OutDirOption = None,
    force: OverwriteOption = False,
    settings: SettingsOption = "all",
    region: RegionOption = None,
    profile: ProfileOption = None,
    account_id: AccountIdOption = None,
    endpoint_url: EndpointUrlOption = None,
    sandbox: SandboxOption = False,
    parallelism: ParallelismOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Write config YAML declaring an existing registry; planning it gives no changes."""
    with cli_errors(verbose):
        kinds = _kinds(settings)
        flags = {
            "region": region,
            "profile": profile,
            "account_id": account_id,
            "endpoint_url": endpoint_url,
        }
        from regform.providers.ecr.kind import CREDENTIAL_OPTIONS
        from regform.providers.urls import url_problem

        problem = url_problem(endpoint_url, CREDENTIAL_OPTIONS) if endpoint_url else None
        if problem is not None:
            raise RegformError(f"--endpoint-url: {problem}")
        reg, cfg = _registry(config, registry, flags)
        target = out_dir / OUTPUT_FILE if out_dir is not None else None
        if target is not None and target.exists() and not force:
            raise RegformError(f"{target} exists; pass --force to overwrite it")
        text, warnings, count, unread = _imported(reg, cfg, prefix, kinds, sandbox, parallelism)
        if target is not None:
            write_output(target, text, make_parents=True)
    for warning in warnings:
        typer.echo(f"Warning: {warning}", err=True)
    if target is None:
        typer.echo(text, nl=False)
    else:
        typer.echo(f"Wrote {target} ({count} repositories)", err=True)
    sys.stdout.flush()
    if unread:
        read = [k for k in kinds if k not in unread]
        typer.echo(
            f"Error: registry settings not imported: {', '.join(unread)} (see the warnings); "
            f"to import without them: --settings {','.join(read) or 'none'}",
            err=True,
        )
        raise typer.Exit(1)
