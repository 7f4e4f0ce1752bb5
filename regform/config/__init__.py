"""The config language: YAML files -> validated desired model.

``load_config(paths)`` reads one file, several files, or directories of ``*.yaml``/``*.yml`` files
(merged), checks them against the JSON Schema and every semantic rule, and returns the desired
:class:`~regform.model.Config`. Nothing is contacted. On any problem it raises
:class:`~regform.errors.ConfigError` carrying every issue found. ``validate_paths`` returns the
issues instead (an empty list means valid).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from regform.config.build import build_config
from regform.config.definitions import (
    check_lifecycle_policies,
    check_registries,
    check_repository_policies,
)
from regform.config.entries import check_entries
from regform.config.merge import merge
from regform.config.names import expand_braces
from regform.config.schema import check_schema, config_schema, schema_text
from regform.config.settings import check_settings
from regform.config.singletons import check_shared_settings
from regform.config.source import DataPath, SourceDoc, file_issue
from regform.config.unused import unused_definitions
from regform.config.yamlload import read_file
from regform.errors import ConfigError, ConfigIssue
from regform.model import Config

__all__ = [
    "ConfigCheck",
    "check_config",
    "config_schema",
    "expand_braces",
    "load_config",
    "schema_text",
    "validate_paths",
]

PathLike = str | os.PathLike[str]
Paths = PathLike | Sequence[PathLike]
CONFIG_SUFFIXES = (".yaml", ".yml")


def _files(paths: Paths) -> tuple[list[tuple[Path, str]], list[ConfigIssue]]:
    items = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    files: list[tuple[Path, str]] = []
    issues: list[ConfigIssue] = []
    seen: set[Path] = set()
    for raw in items:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix in CONFIG_SUFFIXES and p.is_file())
            if not found:
                issues.append(file_issue(str(raw), "no *.yaml or *.yml files in this directory"))
            candidates = [(p, os.path.join(str(raw), p.name)) for p in found]
        elif path.exists():
            candidates = [(path, str(raw))]
        else:
            issues.append(file_issue(str(raw), "no such file or directory"))
            continue
        for p, display in candidates:
            key = p.resolve()
            if key not in seen:
                seen.add(key)
                files.append((p, display))
    return files, issues


@dataclass(frozen=True, slots=True)
class ConfigCheck:
    """The outcome of reading a config: every issue, or the desired model when there are none."""

    issues: list[ConfigIssue]
    config: Config | None
    #: what is valid but most likely a mistake (a definition nothing uses).
    warnings: tuple[str, ...] = ()


def check_config(paths: Paths, env: Mapping[str, str] | None = None) -> ConfigCheck:
    """Read and check the config at ``paths``; never raises for problems in the config."""
    environ = os.environ if env is None else env
    files, issues = _files(paths)
    docs: list[tuple[SourceDoc, set[DataPath]]] = []
    complete = not issues
    for path, display in files:
        doc, found = read_file(path, display, environ)
        issues += found
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
    check_registries(merged, issues)
    lifecycles = check_lifecycle_policies(merged, issues)
    policies = check_repository_policies(merged, issues)
    settings = check_settings(merged, lifecycles, policies, issues)
    check_shared_settings(merged, issues)
    resolved = check_entries(merged, issues)
    order = {display: i for i, (_p, display) in enumerate(files)}
    issues.sort(key=lambda i: (order.get(i.file or "", -1), i.line or 0, i.column or 0))
    if issues:
        return ConfigCheck(issues, None)
    warnings = tuple(unused_definitions(merged))  # only worth saying once the config is valid
    config = build_config(merged, resolved, lifecycles, policies, settings)
    return ConfigCheck([], replace(config, warnings=warnings), warnings)


def validate_paths(paths: Paths, env: Mapping[str, str] | None = None) -> list[ConfigIssue]:
    """Every problem in the config at ``paths`` (files and/or directories); empty when valid."""
    return check_config(paths, env).issues


def load_config(paths: Paths, env: Mapping[str, str] | None = None) -> Config:
    """The desired model of the config at ``paths``; raises ConfigError with every issue."""
    outcome = check_config(paths, env)
    if outcome.config is None:
        raise ConfigError(outcome.issues)
    return outcome.config
