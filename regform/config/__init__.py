"""The config language: YAML files -> validated desired model.

``load_config(paths)`` reads one file, several files, or directories of ``*.yaml``/``*.yml`` files
(merged), checks them against the JSON Schema and every semantic rule, and returns the desired
:class:`~regform.model.Config`. Nothing is contacted. On any problem it raises
:class:`~regform.errors.ConfigError` carrying every issue found. ``validate_paths`` returns the
issues instead (an empty list means valid).
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from regform.config.build import build_config
from regform.config.definitions import (
    check_lifecycle_policies,
    check_registries,
    check_repository_policies,
)
from regform.config.entries import check_entries
from regform.config.files import config_files
from regform.config.merge import Merged, merge
from regform.config.names import expand_braces, in_scope
from regform.config.schema import check_schema, config_schema, schema_text
from regform.config.settings import check_settings
from regform.config.singletons import check_shared_settings
from regform.config.source import DataPath, SourceDoc
from regform.config.yamlload import read_file
from regform.errors import ConfigError, ConfigIssue
from regform.model import Config

__all__ = [
    "ConfigCheck",
    "check_config",
    "config_schema",
    "expand_braces",
    "in_scope",
    "load_config",
    "schema_text",
    "validate_paths",
]

PathLike = str | os.PathLike[str]
Paths = PathLike | Sequence[PathLike]


def _files(paths: Paths) -> tuple[list[tuple[str, str]], list[ConfigIssue]]:
    items = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    return config_files([os.fspath(p) for p in items])


@dataclass(frozen=True, slots=True)
class ConfigCheck:
    """The outcome of reading a config: every issue, or the desired model when there are none."""

    issues: list[ConfigIssue]
    config: Config | None


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Reading a large config allocates hundreds of thousands of objects that live until the
    end and form no cycles; the cyclic collector would rescan them over and over (a config of
    50,000 repositories reads ten times slower with it). Reference counting frees everything."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def check_config(paths: Paths, env: Mapping[str, str] | None = None) -> ConfigCheck:
    """Read and check the config at ``paths``; never raises for problems in the config."""
    with _no_cyclic_gc():
        return _check_config(paths, env)


def _check_config(paths: Paths, env: Mapping[str, str] | None) -> ConfigCheck:
    environ = os.environ if env is None else env
    files, issues = _files(paths)
    docs: list[tuple[SourceDoc, set[DataPath]]] = []
    complete = not issues
    for path, display in files:
        doc, problems = read_file(path, display, environ)
        issues += problems
        if doc is None:
            complete = False
            continue
        schema_issues, bad = check_schema(doc)
        issues += schema_issues
        if () in bad:
            complete = False
            continue
        docs.append((doc, bad))
    merged = merge(docs, issues, complete)
    found: list[ConfigIssue] = []
    try:
        model = _semantic(merged, found, build=not issues)
    except Exception:
        # The semantic checks read only what the schema accepted; should one still trip over a
        # document the schema rejected, the schema's issues are the ones to report.
        if not issues:
            raise
        model = None
    else:
        issues += found
    order = {display: i for i, (_p, display) in enumerate(files)}
    issues.sort(key=lambda i: (order.get(i.file or "", -1), i.line or 0, i.column or 0))
    if issues or model is None:
        return ConfigCheck(issues, None)
    return ConfigCheck([], model)


def _semantic(merged: Merged, issues: list[ConfigIssue], *, build: bool) -> Config | None:
    """Every semantic check; with ``build``, the desired model when they found nothing."""
    check_registries(merged, issues)
    lifecycles = check_lifecycle_policies(merged, issues)
    policies = check_repository_policies(merged, issues)
    settings = check_settings(merged, lifecycles, policies, issues)
    check_shared_settings(merged, issues)
    resolved = check_entries(merged, issues)
    if issues or not build:
        return None
    return build_config(merged, resolved, lifecycles, policies, settings)


def validate_paths(paths: Paths, env: Mapping[str, str] | None = None) -> list[ConfigIssue]:
    """Every problem in the config at ``paths`` (files and/or directories); empty when valid."""
    return check_config(paths, env).issues


def load_config(paths: Paths, env: Mapping[str, str] | None = None) -> Config:
    """The desired model of the config at ``paths``; raises ConfigError with every issue."""
    outcome = check_config(paths, env)
    if outcome.config is None:
        raise ConfigError(outcome.issues)
    return outcome.config
