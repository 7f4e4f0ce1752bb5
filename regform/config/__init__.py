"""The config language: YAML files -> validated desired model.

``load_config(paths)`` reads one file, several files, or directories of ``*.yaml``/``*.yml`` files
(merged), checks them against the JSON Schema and every semantic rule, and returns the desired
:class:`~regform.model.Config`. Nothing is contacted. On any problem it raises
:class:`~regform.errors.ConfigError` carrying every issue found. ``validate_paths`` returns the
issues instead (an empty list means valid).
"""

from __future__ import annotations

import gc
import hashlib
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from regform.config.build import build_config
from regform.config.definitions import (
    check_lifecycle_policies,
    check_registries,
    check_repository_policies,
)
from regform.config.entries import check_entries
from regform.config.files import config_files, password_variables, read_config_bytes
from regform.config.merge import Merged, merge
from regform.config.names import expand_braces
from regform.config.schema import check_schema, config_schema, schema_text
from regform.config.settings import check_settings
from regform.config.singletons import check_shared_settings
from regform.config.source import DataPath, SourceDoc
from regform.config.unused import unused_definitions
from regform.config.warnings import action_warnings, credential_warnings, public_warnings
from regform.config.yamlload import parse_bytes
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


def _files(paths: Paths) -> tuple[list[tuple[str, str]], list[ConfigIssue]]:
    items = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    return config_files([os.fspath(p) for p in items])


@dataclass(frozen=True, slots=True)
class ConfigCheck:
    """The outcome of reading a config: every issue, or the desired model when there are none."""

    issues: list[ConfigIssue]
    config: Config | None
    #: what is valid but probably wrong (public policies, unset credential variables)
    warnings: list[ConfigIssue] = field(default_factory=list)


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
    sums: dict[str, str] = {}
    for doc, problems in _parse_all(files, environ, issues, sums):
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
    warnings: list[ConfigIssue] = []
    try:
        model = _semantic(merged, found, warnings, environ, build=not issues)
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
        return ConfigCheck(_scrubbed(issues, docs), None, warnings)
    return ConfigCheck([], replace(model, file_checksums=sums), warnings)


def _parse_all(
    files: list[tuple[str, str]],
    env: Mapping[str, str],
    issues: list[ConfigIssue],
    sums: dict[str, str],
) -> list[tuple[SourceDoc | None, list[ConfigIssue]]]:
    """Parse every file (``sums`` gets the sha256 of each one's bytes). A file that substituted
    a variable another file names as a registry's ``password_env`` is parsed again with that
    variable refused (its value never enters)."""
    raws: list[tuple[bytes | None, str]] = []
    for path, display in files:
        raw, problem = read_config_bytes(path, display)
        if problem is not None:
            issues.append(problem)
        if raw is not None:
            sums[display] = hashlib.sha256(raw).hexdigest()
        raws.append((raw, display))
    parsed = [
        parse_bytes(raw, display, env) if raw is not None else (None, []) for raw, display in raws
    ]
    secret = {name for doc, _ in parsed if doc is not None for name in password_variables(doc.data)}
    for i, (doc, _found) in enumerate(parsed):
        raw, display = raws[i]
        if doc is not None and raw is not None and secret & set(doc.env_values):
            parsed[i] = parse_bytes(raw, display, env, secret)
    return parsed


def _scrubbed(
    issues: list[ConfigIssue], docs: list[tuple[SourceDoc, set[DataPath]]]
) -> list[ConfigIssue]:
    """Issues about a value a variable was substituted into never show what the variable held
    (``${NAME}`` stands in its place)."""
    out = []
    by_file = {doc.file: doc for doc, _bad in docs if doc.env_values}
    for issue in issues:
        doc = by_file.get(issue.file or "")
        if doc is not None and any(_under(issue.path, p) for p in doc.env_paths):
            message = issue.message
            for name, value in doc.env_values.items():
                if value:
                    message = message.replace(value, f"${{{name}}}")
            issue = replace(issue, message=message)
        out.append(issue)
    return out


def _under(path: str, parent: str) -> bool:
    return path == parent or path.startswith((f"{parent}.", f"{parent}["))


def _semantic(
    merged: Merged,
    issues: list[ConfigIssue],
    warnings: list[ConfigIssue],
    env: Mapping[str, str],
    *,
    build: bool,
) -> Config | None:
    """Every semantic check; with ``build``, the desired model when they found nothing."""
    check_registries(merged, issues)
    lifecycles = check_lifecycle_policies(merged, issues)
    policies = check_repository_policies(merged, issues)
    settings = check_settings(merged, lifecycles, policies, issues)
    check_shared_settings(merged, issues)
    resolved = check_entries(merged, issues)
    warnings += public_warnings(merged, policies, settings) + credential_warnings(merged, env)
    warnings += action_warnings(merged, policies, settings)
    if issues or not build:
        return None
    warnings += unused_definitions(merged)  # only worth saying once the config is valid
    config = build_config(merged, resolved, lifecycles, policies, settings)
    return replace(config, warnings=tuple(map(str, warnings)))


def validate_paths(paths: Paths, env: Mapping[str, str] | None = None) -> list[ConfigIssue]:
    """Every problem in the config at ``paths`` (files and/or directories); empty when valid."""
    return check_config(paths, env).issues


def load_config(paths: Paths, env: Mapping[str, str] | None = None) -> Config:
    """The desired model of the config at ``paths``; raises ConfigError with every issue."""
    outcome = check_config(paths, env)
    if outcome.config is None:
        raise ConfigError(outcome.issues)
    return outcome.config
