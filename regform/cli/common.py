"""What several commands share: error translation (one line on stderr, exit 1, a traceback only
with ``-v``), config loading, providers that are always closed, and writing output files (the
shared options are in :mod:`regform.cli.options`)."""

from __future__ import annotations

import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from regform.cli.options import DEFAULT_CONFIG
from regform.errors import ConfigError, RegformError, bounded
from regform.files import write_private

if TYPE_CHECKING:
    from regform.model import Config
    from regform.providers.base import Provider


def write_output(path: Path, text: str, *, make_parents: bool = False) -> None:
    """Write a command's output file (atomically, mode 0600, never through a symlink); a failure
    is a :class:`RegformError` naming the file."""
    write_private(path, text, make_parents=make_parents)


@contextmanager
def cli_errors(verbose: bool) -> Iterator[None]:
    """Turn errors into one clear line on stderr and exit code 1."""
    try:
        yield
    except typer.Exit:
        raise
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    except RegformError as exc:
        if verbose:
            traceback.print_exc()
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(1) from None
    except Exception as exc:
        if verbose:
            traceback.print_exc()
        typer.echo(f"Error: {bounded(f'{type(exc).__name__}: {exc}')}", err=True)
        raise typer.Exit(1) from None


def load(paths: Sequence[Path] | None) -> Config:
    from regform.config import load_config

    return load_config(list(paths) if paths else [DEFAULT_CONFIG])


@contextmanager
def open_providers(
    config: Config,
    *,
    sandbox: bool,
    only: Sequence[str] | None = None,
    parallelism: int | None = None,
) -> Iterator[dict[str, Provider]]:
    """One provider per registry (or per name in ``only``), closed at the end whatever happens."""
    from regform.providers import build_provider

    names = [n for n in sorted(config.registries) if only is None or n in only]
    providers: dict[str, Provider] = {}
    try:
        for name in names:
            providers[name] = build_provider(
                config.registries[name], sandbox=sandbox, parallelism=parallelism
            )
        yield providers
    finally:
        for provider in providers.values():
            provider.close()
