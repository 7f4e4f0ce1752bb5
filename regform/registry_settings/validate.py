"""Every documented constraint on a registry-level setting, checked before any API call.

Sources: the ECR API model (botocore ``ecr/2015-09-21/service-2.json``: lengths, patterns,
enumerations, list sizes), the ECR service quotas (25 unique replication destinations, 100 filters
per replication rule, 50 pull-through cache rules) and the user guide (which upstream registries
need credentials, which actions a V1-scoped registry policy may grant, when a creation template
needs a custom role). The replication rule limit follows the current API model (25; older
documentation said 10).

:func:`validate_setting` returns ``(path, message)`` pairs; paths are relative to the setting
(``rules[0].filters[2]``, ``docker-hub.credential_arn``). An empty list means valid.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from regform.registry_settings import shapes
from regform.registry_settings.shapes import ACCOUNT_SETTING_VALUES, SCAN_FREQUENCIES, SCAN_TYPES
from regform.registry_settings.validate_common import (
    ACCOUNT,
    MAX_POLICY_CHARS,
    MAX_REPLICATION_DESTINATIONS,
    MAX_REPLICATION_FILTERS,
    MAX_REPLICATION_RULES,
    MAX_SCANNING_FILTERS,
    MAX_SCANNING_RULES,
    REGION,
    REPLICATION_FILTER,
    SCAN_FILTER,
    V1_REGISTRY_ACTIONS,
    Issue,
    choices,
    compact_len,
    join,
    mapping_at,
    strings_at,
    unknown_keys,
)
from regform.registry_settings.validate_keyed import pull_through_issues, template_issues

# Registry policy ----------------------------------------------------------------------------


def _actions(statement: Mapping[str, Any]) -> list[Any]:
    raw = statement.get("Action", statement.get("NotAction", []))
    return list(raw) if isinstance(raw, list | tuple) else [raw]


def _registry_policy(value: Any, scope: str | None) -> list[Issue]:
    if value is None:
        return []
    if not isinstance(value, Mapping):
        return [("", "must be an IAM policy document (a mapping) or none")]
    issues: list[Issue] = []
    if compact_len(value) > MAX_POLICY_CHARS:
        issues.append(("", f"is longer than {MAX_POLICY_CHARS} characters as compact JSON"))
    statements = value.get("Statement")
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        return [*issues, ("Statement", "must be a statement or a non-empty list of statements")]
    allowed_v1 = {a.lower() for a in V1_REGISTRY_ACTIONS}
    for i, st in enumerate(statements):
        path = f"Statement[{i}]"
        if not isinstance(st, Mapping):
            issues.append((path, "must be a mapping"))
            continue
        if st.get("Effect") not in ("Allow", "Deny"):
            issues.append((join(path, "Effect"), "must be Allow or Deny"))
        if "Principal" not in st and "NotPrincipal" not in st:
            issues.append((path, "needs a Principal (a registry policy is resource-based)"))
        if "Action" not in st and "NotAction" not in st:
            issues.append((path, "needs an Action"))
        for action in _actions(st):
            ecr_action = isinstance(action, str) and action.lower().startswith("ecr:")
            if not ecr_action and action != "*":
                issues.append((join(path, "Action"), f"{action!r} is not an ECR action (ecr:...)"))
            elif scope == "V1" and action.lower() not in allowed_v1:
                issues.append(
                    (
                        join(path, "Action"),
                        f"{action} is not allowed while REGISTRY_POLICY_SCOPE is V1; "
                        f"allowed: {choices(V1_REGISTRY_ACTIONS)}",
                    )
                )
    return issues


# Scanning -----------------------------------------------------------------------------------


def _rules(v: Mapping[str, Any], limit: int, issues: list[Issue]) -> list[Any] | None:
    """The ``rules`` list of a scanning or replication setting (None when it is not a list)."""
    rules = v.get("rules") or []
    if not isinstance(rules, list):
        issues.append(("rules", "must be a list"))
        return None
    if len(rules) > limit:
        issues.append(("rules", f"at most {limit} rules (got {len(rules)})"))
    return rules


def _scanning(value: Any) -> list[Issue]:
    issues: list[Issue] = []
    v = mapping_at(value, "", "a mapping with scan_type and rules", issues)
    if v is None:
        return issues
    issues.extend(unknown_keys(v, ("scan_type", "rules"), ""))
    scan_type = v.get("scan_type", "BASIC")
    if scan_type not in SCAN_TYPES:
        issues.append(("scan_type", f"must be one of {choices(SCAN_TYPES)}"))
    rules = _rules(v, MAX_SCANNING_RULES, issues)
    if rules is None:
        return issues
    allowed = ("SCAN_ON_PUSH",) if scan_type == "BASIC" else ("CONTINUOUS_SCAN", "SCAN_ON_PUSH")
    for i, rule in enumerate(rules):
        path = f"rules[{i}]"
        r = mapping_at(rule, path, "a mapping with frequency and filters", issues)
        if r is None:
            continue
        issues.extend(unknown_keys(r, ("frequency", "filters"), path))
        frequency = r.get("frequency")
        if frequency not in SCAN_FREQUENCIES:
            issues.append((join(path, "frequency"), f"must be one of {choices(SCAN_FREQUENCIES)}"))
        elif scan_type in SCAN_TYPES and frequency not in allowed:
            issues.append(
                (
                    join(path, "frequency"),
                    f"{scan_type} scanning supports {choices(allowed)} only",
                )
            )
        filters = strings_at(r.get("filters"), join(path, "filters"), issues)
        if len(filters) > MAX_SCANNING_FILTERS:
            issues.append((join(path, "filters"), f"at most {MAX_SCANNING_FILTERS} filters"))
        for j, f in enumerate(filters):
            if not 1 <= len(f) <= 255 or not SCAN_FILTER.match(f):
                issues.append(
                    (
                        f"{path}.filters[{j}]",
                        f"{f!r} is not a valid filter (1-255 lower-case letters, digits, "
                        "'.', '_', '-', '/' and '*' wildcards)",
                    )
                )
    return issues


# Replication --------------------------------------------------------------------------------


def _destination(d: Any, path: str, issues: list[Issue]) -> tuple[str, str] | None:
    m = mapping_at(d, path, "a mapping with region and registry_id", issues)
    if m is None:
        return None
    issues.extend(unknown_keys(m, ("region", "registry_id"), path))
    region, registry_id = m.get("region"), m.get("registry_id")
    if not isinstance(region, str) or not REGION.match(region):
        issues.append((join(path, "region"), "must be an AWS region name (2-25 characters)"))
    if not isinstance(registry_id, str) or not ACCOUNT.match(registry_id):
        issues.append(
            (join(path, "registry_id"), "must be a 12-digit account id, quoted as a string")
        )
    return (str(region), str(registry_id))


def _replication(value: Any) -> list[Issue]:
    issues: list[Issue] = []
    v = mapping_at(value, "", "a mapping with rules", issues)
    if v is None:
        return issues
    issues.extend(unknown_keys(v, ("rules",), ""))
    rules = _rules(v, MAX_REPLICATION_RULES, issues)
    if rules is None:
        return issues
    unique: set[tuple[str, str]] = set()
    for i, rule in enumerate(rules):
        path = f"rules[{i}]"
        r = mapping_at(rule, path, "a mapping with destinations and filters", issues)
        if r is None:
            continue
        issues.extend(unknown_keys(r, ("destinations", "filters", "delete_replication"), path))
        destinations = r.get("destinations")
        if not isinstance(destinations, list) or not destinations:
            issues.append((join(path, "destinations"), "must be a non-empty list"))
            destinations = []
        for j, d in enumerate(destinations):
            dest = _destination(d, f"{path}.destinations[{j}]", issues)
            if dest is not None:
                unique.add(dest)
        if "filters" in r:
            filters = strings_at(r.get("filters"), join(path, "filters"), issues)
            if not 1 <= len(filters) <= MAX_REPLICATION_FILTERS:
                issues.append(
                    (join(path, "filters"), f"1 to {MAX_REPLICATION_FILTERS} filters when given")
                )
            for j, f in enumerate(filters):
                if not 2 <= len(f) <= 256 or not REPLICATION_FILTER.match(f):
                    issues.append(
                        (
                            f"{path}.filters[{j}]",
                            f"{f!r} is not a valid repository name prefix (2-256 characters)",
                        )
                    )
        if not isinstance(r.get("delete_replication", False), bool):
            issues.append((join(path, "delete_replication"), "must be true or false"))
    if len(unique) > MAX_REPLICATION_DESTINATIONS:
        issues.append(
            (
                "rules",
                f"at most {MAX_REPLICATION_DESTINATIONS} unique destinations across all rules "
                f"(got {len(unique)})",
            )
        )
    return issues


# Account settings ---------------------------------------------------------------------------


def _account_settings(value: Any) -> list[Issue]:
    issues: list[Issue] = []
    v = mapping_at(value, "", "a mapping of setting name to value", issues)
    if v is None:
        return issues
    for name, setting in v.items():
        allowed = ACCOUNT_SETTING_VALUES.get(str(name))
        if allowed is None:
            issues.append(
                (
                    str(name),
                    f"unknown account setting; known: {choices(list(ACCOUNT_SETTING_VALUES))}",
                )
            )
        elif setting not in allowed:
            issues.append((str(name), f"must be one of {choices(allowed)}"))
    return issues


def validate_setting(
    kind: str, value: Any, *, registry_policy_scope: str | None = None
) -> list[Issue]:
    """Every problem with a declared setting value, as ``(path, message)`` pairs.

    ``registry_policy_scope`` (the declared ``REGISTRY_POLICY_SCOPE`` account setting, if any)
    narrows the actions a registry policy may grant when it is ``V1``.
    """
    if kind == shapes.REGISTRY_POLICY:
        return _registry_policy(value, registry_policy_scope)
    if kind == shapes.SCANNING:
        return _scanning(value)
    if kind == shapes.REPLICATION:
        return _replication(value)
    if kind == shapes.PULL_THROUGH_CACHE_RULES:
        return pull_through_issues(value)
    if kind == shapes.CREATION_TEMPLATES:
        return template_issues(value)
    if kind == shapes.ACCOUNT_SETTINGS:
        return _account_settings(value)
    return [("", f"unknown setting kind {kind!r}")]
