"""Semantic checks of named definitions: registries, lifecycle policies, repository policies.

Lifecycle rules are compiled and checked by :mod:`regform.lifecycle` (the one definition of ECR's
rules); repository policies by :mod:`regform.documents.policy`. Both report paths inside the
compiled document, mapped back here to the place in the YAML.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from regform import lifecycle
from regform import model as m
from regform.config.merge import Item, Merged
from regform.config.names import glob_problem
from regform.config.source import parse_path
from regform.documents import policy
from regform.errors import ConfigIssue
from regform.model import JsonDict
from regform.providers import KINDS, PROVIDERS
from regform.providers.base import ProviderKind


def check_registries(merged: Merged, issues: list[ConfigIssue]) -> None:
    for name, item in merged.registries.items():
        if not isinstance(item.value, dict):
            continue
        kind = KINDS.get(item.get("provider"))
        if kind is not None:
            _check_provider_keys(name, item, kind, issues)
            for path, message, key in kind.check_registry(item):
                issues.append(item.issue(path, message, key=key))
            if item.get("ownership") == "tag" and m.TAGS not in kind.capabilities.fields:
                issues.append(
                    item.issue(
                        ("ownership",),
                        f"ownership: tag needs repository tags, which provider {kind.name} lacks",
                    )
                )
        scope = item.get("scope")
        for i, pattern in enumerate(scope or ()):
            problem = glob_problem(pattern)
            if problem:
                issues.append(item.issue(("scope", i), f"scope pattern '{pattern}' {problem}"))


def _check_provider_keys(
    name: str, item: Item, kind: ProviderKind, issues: list[ConfigIssue]
) -> None:
    own = ", ".join(kind.connection_keys)
    for key in item.value:
        if key in kind.connection_keys:
            continue
        others = [other.name for other in PROVIDERS if key in other.connection_keys]
        if others:
            issues.append(
                item.issue(
                    (key,),
                    f"'{key}' is a setting of {' and '.join(others)} registries; registry "
                    f"'{name}' is provider {kind.name} (settings: {own})",
                    key=True,
                )
            )


def check_lifecycle_policies(merged: Merged, issues: list[ConfigIssue]) -> dict[str, JsonDict]:
    """Compile and check every lifecycle policy; returns the ECR documents of the valid ones."""
    compiled: dict[str, JsonDict] = {}
    for name, item in merged.lifecycle_policies.items():
        if not item.ok():
            continue
        if isinstance(item.value, list):
            doc, positions = _compile(item, issues)
            if item.value and not positions:
                continue
            found = lifecycle.validate_policy(doc)
            for problem in found:
                sub = () if problem.rule_index is None else (positions[problem.rule_index],)
                issues.append(item.issue(sub, problem.message))
            if len(positions) < len(item.value):
                continue
        elif isinstance(item.value, dict) and isinstance(item.value.get("ecr_json"), dict):
            doc = item.value["ecr_json"]
            found = lifecycle.validate_policy(doc)
            for problem in found:
                issues.append(item.issue(("ecr_json", *parse_path(problem.path)), problem.message))
        else:
            continue
        if not found:
            compiled[name] = doc
    return compiled


_RULE_PREFIX = re.compile(r"^lifecycle rule \d+: ")


def _compile(item: Item, issues: list[ConfigIssue]) -> tuple[JsonDict, list[int]]:
    """Compile readable rules one by one, reporting every rule ECR cannot express.

    Returns the document of the rules that compiled (priority = position in the config, so the
    cross-rule checks still speak of the right rules) and their positions.
    """
    rules: list[JsonDict] = []
    positions: list[int] = []
    for i, rule in enumerate(item.value):
        try:
            compiled = lifecycle.compile_rules([rule])["rules"][0]
        except ValueError as exc:
            issues.append(item.issue((i,), _RULE_PREFIX.sub("", str(exc))))
            continue
        rules.append({**compiled, "rulePriority": i + 1})
        positions.append(i)
    if len(positions) == len(item.value):
        return lifecycle.compile_rules(item.value), positions
    return {"rules": rules}, positions


_RESERVED_SIDS = {policy.PULL_SID: "allow_pull", policy.PUSH_SID: "allow_push"}
_STATEMENT_INDEX = re.compile(r"^Statement\[(\d+)\](.*)$")


def check_repository_policies(merged: Merged, issues: list[ConfigIssue]) -> dict[str, JsonDict]:
    """Compile and check every repository policy; returns the IAM documents of the valid ones."""
    compiled: dict[str, JsonDict] = {}
    for name, item in merged.repository_policies.items():
        if not isinstance(item.value, dict) or not item.ok():
            continue
        before = len(issues)
        spec: Mapping[str, Any] = item.value
        if "document" in spec:
            extra = [k for k in ("allow_pull", "allow_push", "statements") if k in spec]
            if extra:
                issues.append(
                    item.issue(
                        (extra[0],),
                        "document is a whole policy: it cannot be combined with "
                        "allow_pull, allow_push or statements",
                        key=True,
                    )
                )
                continue
            for problem in policy.validate_policy_document(spec["document"]):
                issues.append(item.issue(("document", *parse_path(problem.path)), problem.message))
        else:
            _check_shorthand(item, spec, issues)
        if len(issues) == before:
            compiled[name] = policy.compile_policy(spec)
    return compiled


def _check_shorthand(item: Item, spec: Mapping[str, Any], issues: list[ConfigIssue]) -> None:
    for key in ("allow_pull", "allow_push"):
        for i, principal in enumerate(spec.get(key) or ()):
            why = policy.principal_problem(principal)
            if why:
                issues.append(item.issue((key, i), why))
    doc = policy.compile_policy(spec)
    statements = doc["Statement"]
    if not statements:
        issues.append(
            item.issue(
                (),
                "the policy grants nothing: give allow_pull, allow_push or statements "
                "(or use 'policy: none' on repositories)",
            )
        )
        return
    generated = len(statements) - len(spec.get("statements") or ())
    ours = {str(stmt["Sid"]) for stmt in statements[:generated]}
    for i, stmt in enumerate(statements[generated:]):
        sid = stmt.get("Sid") if isinstance(stmt, Mapping) else None
        if isinstance(sid, str) and sid in ours:
            message = f"Sid '{sid}' is the statement regform writes for {_RESERVED_SIDS[sid]}"
            issues.append(item.issue(("statements", i, "Sid"), message))
    for problem in policy.validate_policy_document(doc):
        match = _STATEMENT_INDEX.match(problem.path)
        if match is None:
            issues.append(item.issue((), problem.message))
            continue
        index = int(match.group(1))
        if index >= generated:
            rest = parse_path(match.group(2))
            issues.append(item.issue(("statements", index - generated, *rest), problem.message))
