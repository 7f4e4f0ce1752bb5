"""The rules of a declared registry setting that relate several fields, or count across entries.

Every shape (keys, types, enumerations, patterns, lengths, list sizes) is described in the config's
JSON Schema (``regform/config/config.schema.json``, the ``$defs`` of each setting kind), which
checks it first, from the ECR API model (botocore ``ecr/2015-09-21/service-2.json``) and the ECR
service quotas. What is left here cannot be said there:

* a registry policy is at most 10,240 characters as compact JSON and, while the declared
  ``REGISTRY_POLICY_SCOPE`` is ``V1``, grants only the three actions V1 allows;
* BASIC scanning supports SCAN_ON_PUSH rules only, ENHANCED CONTINUOUS_SCAN and SCAN_ON_PUSH;
* replication has at most 25 unique destinations across all its rules;
* a pull-through cache rule's upstream registry agrees with the one its URL implies, has a
  credential when that upstream needs one, and a custom role only for an ``ecr`` upstream;
* a creation template's exclusion filters go with a ``*_WITH_EXCLUSION`` mode, a KMS key with
  KMS encryption, tags and a KMS key need a custom role, and its documents are valid (the
  lifecycle policy and the repository policy as ECR checks them) and short enough.

:func:`validate_setting` takes a value the schema accepted and returns ``(path, message)`` pairs;
paths are relative to the setting (``rules[0].frequency``, ``docker-hub.credential_arn``). An
empty list means valid.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from regform.documents.policy import validate_policy_document
from regform.lifecycle import validate_policy as validate_lifecycle_policy
from regform.model import DEFAULT_MUTABILITY
from regform.registry_settings.shapes import (
    ACCOUNT_SETTINGS,
    CREATION_TEMPLATES,
    PULL_THROUGH_CACHE_RULES,
    REGISTRY_POLICY,
    REPLICATION,
    SCANNING,
    implied_upstream_registry,
)

Issue = tuple[str, str]

MAX_POLICY_CHARS = 10_240
MAX_LIFECYCLE_CHARS = 30_720
MAX_REPLICATION_DESTINATIONS = 25
#: actions a registry policy may grant while the registry policy scope is V1.
V1_REGISTRY_ACTIONS = ("ecr:ReplicateImage", "ecr:BatchImportUpstreamImage", "ecr:CreateRepository")
#: scan frequencies each scan type supports.
SCAN_FREQUENCIES = {"BASIC": ("SCAN_ON_PUSH",), "ENHANCED": ("CONTINUOUS_SCAN", "SCAN_ON_PUSH")}
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


def _join(base: str, key: str) -> str:
    if not key:
        return base
    return f"{base}.{key}" if base else key


def _compact_len(doc: Any) -> int:
    return len(json.dumps(doc, separators=(",", ":"), ensure_ascii=False))


def _registry_policy(value: Mapping[str, Any], scope: str | None) -> list[Issue]:
    issues: list[Issue] = []
    if _compact_len(value) > MAX_POLICY_CHARS:
        issues.append(("", f"is longer than {MAX_POLICY_CHARS} characters as compact JSON"))
    if scope != "V1":
        return issues
    statements = value["Statement"]
    allowed = {a.lower() for a in V1_REGISTRY_ACTIONS}
    for i, st in enumerate(statements if isinstance(statements, list) else [statements]):
        raw = st.get("Action", st.get("NotAction", []))
        for action in raw if isinstance(raw, list) else [raw]:
            if action.lower() not in allowed:
                issues.append(
                    (
                        f"Statement[{i}].Action",
                        f"{action} is not allowed while REGISTRY_POLICY_SCOPE is V1; "
                        f"allowed: {', '.join(V1_REGISTRY_ACTIONS)}",
                    )
                )
    return issues


def _scanning(value: Mapping[str, Any]) -> list[Issue]:
    scan_type = value.get("scan_type", "BASIC")
    allowed = SCAN_FREQUENCIES[scan_type]
    return [
        (f"rules[{i}].frequency", f"{scan_type} scanning supports {', '.join(allowed)} only")
        for i, rule in enumerate(value.get("rules") or ())
        if rule["frequency"] not in allowed
    ]


def _replication(value: Mapping[str, Any]) -> list[Issue]:
    unique = {
        (d["region"], d["registry_id"])
        for rule in value.get("rules") or ()
        for d in rule["destinations"]
    }
    if len(unique) <= MAX_REPLICATION_DESTINATIONS:
        return []
    return [
        (
            "rules",
            f"at most {MAX_REPLICATION_DESTINATIONS} unique destinations across all rules "
            f"(got {len(unique)})",
        )
    ]


def _pull_through_rule(path: str, rule: Mapping[str, Any]) -> list[Issue]:
    issues: list[Issue] = []
    url = rule["upstream_registry_url"]
    declared, implied = rule.get("upstream_registry"), implied_upstream_registry(url)
    if declared is not None and implied is not None and declared != implied:
        issues.append(
            (_join(path, "upstream_registry"), f"is {declared} but {url} is a {implied} registry")
        )
    upstream = declared or implied
    if rule.get("credential_arn") is None and upstream in NEEDS_CREDENTIAL:
        issues.append((_join(path, "credential_arn"), f"is required for {upstream}"))
    if rule.get("custom_role_arn") is not None and upstream not in (None, "ecr"):
        issues.append(
            (_join(path, "custom_role_arn"), "is only used with an ecr upstream registry")
        )
    return issues


def _template_documents(path: str, template: Mapping[str, Any]) -> list[Issue]:
    issues: list[Issue] = []
    lifecycle = template.get("lifecycle_policy")
    if lifecycle is not None:
        for issue in validate_lifecycle_policy(lifecycle):
            issues.append((_join(_join(path, "lifecycle_policy"), issue.path), issue.message))
        if _compact_len(lifecycle) > MAX_LIFECYCLE_CHARS:
            issues.append((_join(path, "lifecycle_policy"), "is too long"))
    policy = template.get("repository_policy")
    if policy is not None:
        # ECR checks it as it checks SetRepositoryPolicy (length included)
        for problem in validate_policy_document(policy):
            issues.append((_join(_join(path, "repository_policy"), problem.path), problem.message))
    return issues


def _template(path: str, template: Mapping[str, Any]) -> list[Issue]:
    issues: list[Issue] = []
    mutability = template.get("image_tag_mutability", DEFAULT_MUTABILITY)
    exclusions = template.get("image_tag_mutability_exclusions") or []
    excl_path = _join(path, "image_tag_mutability_exclusions")
    with_exclusions = mutability.endswith("_WITH_EXCLUSION")
    if with_exclusions and not exclusions:
        issues.append((excl_path, f"{mutability} needs at least one exclusion filter"))
    if exclusions and not with_exclusions:
        issues.append((excl_path, "only used with MUTABLE_WITH_EXCLUSION/IMMUTABLE_WITH_EXCLUSION"))
    encryption = template.get("encryption") or {}
    kind = encryption.get("type", "AES256")
    if encryption.get("kms_key") is not None and kind == "AES256":
        issues.append(
            (_join(path, "encryption.kms_key"), "is only used with KMS or KMS_DSSE encryption")
        )
    issues.extend(_template_documents(path, template))
    if template.get("custom_role_arn") is None and (
        template.get("tags") or (kind != "AES256" and encryption.get("kms_key"))
    ):
        issues.append(
            (
                _join(path, "custom_role_arn"),
                "is required when the template sets tags or a KMS key "
                "(ECR assumes this role to apply them)",
            )
        )
    return issues


def validate_entry(kind: str, prefix: str, entry: Mapping[str, Any]) -> list[Issue]:
    """Every problem with one schema-valid entry of a keyed kind (paths start with ``prefix``)."""
    if kind == PULL_THROUGH_CACHE_RULES:
        return _pull_through_rule(prefix, entry)
    if kind == CREATION_TEMPLATES:
        return _template(prefix, entry)
    return [("", f"{kind!r} is not a kind of entries")]


def validate_setting(
    kind: str, value: Any, *, registry_policy_scope: str | None = None
) -> list[Issue]:
    """Every problem with a declared setting value the schema accepted, as ``(path, message)``.

    ``registry_policy_scope`` (the declared ``REGISTRY_POLICY_SCOPE`` account setting, if any)
    narrows the actions a registry policy may grant when it is ``V1``.
    """
    if kind == REGISTRY_POLICY:
        return [] if value is None else _registry_policy(value, registry_policy_scope)
    if kind == SCANNING:
        return _scanning(value)
    if kind == REPLICATION:
        return _replication(value)
    if kind in (PULL_THROUGH_CACHE_RULES, CREATION_TEMPLATES):
        return [i for prefix, e in value.items() for i in validate_entry(kind, str(prefix), e)]
    if kind == ACCOUNT_SETTINGS:
        return []
    return [("", f"unknown setting kind {kind!r}")]
