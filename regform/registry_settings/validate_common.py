"""Shared pieces of setting validation: limits from the ECR API model and quotas, patterns and
small helpers that collect ``(path, message)`` issues."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from regform.registry_settings.shapes import ROOT_PREFIX

Issue = tuple[str, str]

MAX_POLICY_CHARS = 10_240
MAX_LIFECYCLE_CHARS = 30_720
MAX_SCANNING_RULES = 2
MAX_SCANNING_FILTERS = 100
MAX_REPLICATION_RULES = 25
MAX_REPLICATION_DESTINATIONS = 25
MAX_REPLICATION_FILTERS = 100
MAX_PULL_THROUGH_RULES = 50
MAX_TEMPLATE_EXCLUSIONS = 5
MAX_TAGS = 50

#: actions a registry policy may grant while the registry policy scope is V1.
V1_REGISTRY_ACTIONS = ("ecr:ReplicateImage", "ecr:BatchImportUpstreamImage", "ecr:CreateRepository")
#: upstream registries that need a Secrets Manager credential.
NEEDS_CREDENTIAL = frozenset(
    {
        "docker-hub",
        "github-container-registry",
        "azure-container-registry",
        "gitlab-container-registry",
        "chainguard",
    }
)

SCAN_FILTER = re.compile(r"^[a-z0-9*](?:[._\-/a-z0-9*]?[a-z0-9*]+)*$")
REPLICATION_FILTER = re.compile(r"^(?:[a-z0-9]+(?:[._-][a-z0-9]*)*/)*[a-z0-9]*(?:[._-][a-z0-9]*)*$")
REGION = re.compile(r"^[0-9a-z-]{2,25}$")
ACCOUNT = re.compile(r"^[0-9]{12}$")
PREFIX = re.compile(
    r"^([a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*/?|ROOT)$"
)
CREDENTIAL_ARN = re.compile(
    r"^arn:aws(-\w+)*:secretsmanager:[a-zA-Z0-9-:]+:secret:ecr-pullthroughcache/[a-zA-Z0-9/_+=.@-]+$"
)
ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$")
KMS_KEY_ARN = re.compile(r"^arn:aws[a-z0-9-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-z0-9-]+$")
EXCLUSION = re.compile(r"^[0-9a-zA-Z._*-]{1,128}$")


def join(base: str, key: str) -> str:
    return f"{base}.{key}" if base else key


def choices(options: Sequence[str]) -> str:
    return ", ".join(options)


def compact_len(doc: Any) -> int:
    return len(json.dumps(doc, separators=(",", ":"), ensure_ascii=False))


def strings_at(value: Any, path: str, issues: list[Issue]) -> list[str]:
    """The list of strings at ``path`` (an issue when it is not one)."""
    if value is None:
        return []
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        issues.append((path, "must be a list of strings"))
        return []
    return list(value)


def mapping_at(value: Any, path: str, what: str, issues: list[Issue]) -> Mapping[str, Any] | None:
    if isinstance(value, Mapping):
        return value
    issues.append((path, f"must be {what}"))
    return None


def unknown_keys(item: Mapping[str, Any], known: Sequence[str], path: str) -> list[Issue]:
    return [
        (join(path, str(k)), f"unknown key; expected one of {choices(known)}")
        for k in item
        if k not in known
    ]


def prefix_issue(prefix: Any, low: int, high: int) -> str | None:
    if not isinstance(prefix, str):
        return "must be text"
    if prefix == ROOT_PREFIX:
        return None
    if not low <= len(prefix) <= high or not PREFIX.match(prefix):
        return (
            f"{prefix!r} is not a valid prefix ({low}-{high} characters of a repository name, "
            f"or {ROOT_PREFIX})"
        )
    return None


def optional_text(item: Mapping[str, Any], key: str, path: str, issues: list[Issue]) -> Any:
    value = item.get(key)
    if value is not None and not isinstance(value, str):
        issues.append((join(path, key), "must be text"))
        return None
    return value
