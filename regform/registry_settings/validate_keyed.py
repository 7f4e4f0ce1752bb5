"""Validation of the keyed settings: pull-through cache rules and repository creation templates."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from regform.lifecycle import validate_policy as validate_lifecycle_policy
from regform.model import DEFAULT_MUTABILITY, MUTABILITY_MODES
from regform.registry_settings.shapes import (
    APPLIED_FOR,
    ENCRYPTION_TYPES,
    PULL_THROUGH_FIELDS,
    TEMPLATE_FIELDS,
    UPSTREAM_REGISTRIES,
    implied_upstream_registry,
)
from regform.registry_settings.validate_common import (
    CREDENTIAL_ARN,
    EXCLUSION,
    KMS_KEY_ARN,
    MAX_LIFECYCLE_CHARS,
    MAX_POLICY_CHARS,
    MAX_PULL_THROUGH_RULES,
    MAX_TAGS,
    MAX_TEMPLATE_EXCLUSIONS,
    NEEDS_CREDENTIAL,
    ROLE_ARN,
    Issue,
    choices,
    compact_len,
    join,
    mapping_at,
    optional_text,
    prefix_issue,
    strings_at,
    unknown_keys,
)

# Entries under a repository prefix ------------------------------------------------------------


def _entry(
    prefix: str,
    item: Any,
    lengths: tuple[int, int],
    what: str,
    fields: Sequence[str],
    issues: list[Issue],
) -> Mapping[str, Any] | None:
    """The entry declared under ``prefix``, its prefix and keys checked (None: not a mapping)."""
    problem = prefix_issue(prefix, *lengths)
    if problem:
        issues.append((prefix, problem))
    v = mapping_at(item, prefix, what, issues)
    if v is not None:
        issues.extend(unknown_keys(v, fields, prefix))
    return v


def _is_role_arn(role: str) -> bool:
    return len(role) <= 2048 and bool(ROLE_ARN.match(role))


# Pull-through cache rules -------------------------------------------------------------------


def _pull_through_rule(prefix: str, item: Any) -> list[Issue]:
    issues: list[Issue] = []
    path = prefix
    what = "a mapping with upstream_registry_url"
    v = _entry(prefix, item, (2, 30), what, PULL_THROUGH_FIELDS, issues)
    if v is None:
        return issues
    url = optional_text(v, "upstream_registry_url", path, issues)
    if not url:
        issues.append((join(path, "upstream_registry_url"), "is required"))
    elif "://" in url or "/" in url:
        issues.append(
            (join(path, "upstream_registry_url"), "must be a host name only, e.g. quay.io")
        )
    declared = optional_text(v, "upstream_registry", path, issues)
    implied = implied_upstream_registry(url)
    if declared is not None and declared not in UPSTREAM_REGISTRIES:
        issues.append(
            (join(path, "upstream_registry"), f"must be one of {choices(UPSTREAM_REGISTRIES)}")
        )
    elif declared is not None and implied is not None and declared != implied:
        issues.append(
            (join(path, "upstream_registry"), f"is {declared} but {url} is a {implied} registry")
        )
    upstream = declared or implied
    credential = optional_text(v, "credential_arn", path, issues)
    if credential is not None and (
        not 50 <= len(credential) <= 612 or not CREDENTIAL_ARN.match(credential)
    ):
        issues.append(
            (
                join(path, "credential_arn"),
                "must be the ARN of a Secrets Manager secret named ecr-pullthroughcache/...",
            )
        )
    if credential is None and upstream in NEEDS_CREDENTIAL:
        issues.append((join(path, "credential_arn"), f"is required for {upstream}"))
    role = optional_text(v, "custom_role_arn", path, issues)
    if role is not None:
        if not _is_role_arn(role):
            issues.append((join(path, "custom_role_arn"), "must be an IAM role ARN"))
        if upstream is not None and upstream != "ecr":
            issues.append(
                (join(path, "custom_role_arn"), "is only used with an ecr upstream registry")
            )
    upstream_prefix = optional_text(v, "upstream_repository_prefix", path, issues)
    if upstream_prefix is not None:
        problem = prefix_issue(upstream_prefix, 2, 30)
        if problem:
            issues.append((join(path, "upstream_repository_prefix"), problem))
    return issues


def pull_through_issues(value: Any) -> list[Issue]:
    issues: list[Issue] = []
    v = mapping_at(value, "", "a mapping of ECR repository prefix to rule", issues)
    if v is None:
        return issues
    if len(v) > MAX_PULL_THROUGH_RULES:
        issues.append(("", f"at most {MAX_PULL_THROUGH_RULES} pull-through cache rules"))
    for prefix, item in v.items():
        issues.extend(_pull_through_rule(str(prefix), item))
    return issues


# Creation templates -------------------------------------------------------------------------


def _template_encryption(value: Any, path: str, issues: list[Issue]) -> str:
    if value is None:
        return "AES256"
    enc = mapping_at(value, path, "a mapping with type and kms_key", issues)
    if enc is None:
        return "AES256"
    issues.extend(unknown_keys(enc, ("type", "kms_key"), path))
    kind = enc.get("type", "AES256")
    if kind not in ENCRYPTION_TYPES:
        issues.append((join(path, "type"), f"must be one of {choices(ENCRYPTION_TYPES)}"))
    key = enc.get("kms_key")
    if key is not None and kind == "AES256":
        issues.append((join(path, "kms_key"), "is only used with KMS or KMS_DSSE encryption"))
    elif key is not None and (not isinstance(key, str) or not KMS_KEY_ARN.match(key)):
        issues.append(
            (
                join(path, "kms_key"),
                "must be the full ARN of a KMS key (arn:aws:kms:<region>:<account>:key/<id>); "
                "templates accept no alias or key id",
            )
        )
    return str(kind)


def _template_documents(v: Mapping[str, Any], path: str, issues: list[Issue]) -> None:
    lifecycle = v.get("lifecycle_policy")
    if lifecycle is not None:
        for issue in validate_lifecycle_policy(lifecycle):
            issues.append((join(join(path, "lifecycle_policy"), issue.path), issue.message))
        if isinstance(lifecycle, Mapping) and compact_len(lifecycle) > MAX_LIFECYCLE_CHARS:
            issues.append((join(path, "lifecycle_policy"), "is too long"))
    policy = v.get("repository_policy")
    if policy is not None:
        if not isinstance(policy, Mapping):
            issues.append((join(path, "repository_policy"), "must be an IAM policy document"))
        elif compact_len(policy) > MAX_POLICY_CHARS:
            issues.append(
                (join(path, "repository_policy"), f"is longer than {MAX_POLICY_CHARS} characters")
            )


def _template_tags(value: Any, path: str, issues: list[Issue]) -> int:
    if value is None:
        return 0
    tags = mapping_at(value, path, "a mapping of tag keys to values", issues)
    if tags is None:
        return 0
    if len(tags) > MAX_TAGS:
        issues.append((path, f"at most {MAX_TAGS} tags"))
    for k, t in tags.items():
        if not isinstance(k, str) or not 1 <= len(k) <= 128 or k.lower().startswith("aws:"):
            issues.append((join(path, str(k)), "tag keys are 1-128 characters, not aws:..."))
        if not isinstance(t, str) or len(t) > 256:
            issues.append((join(path, str(k)), "tag values are text of at most 256 characters"))
    return len(tags)


def _template(prefix: str, item: Any) -> list[Issue]:
    issues: list[Issue] = []
    path = prefix
    v = _entry(prefix, item, (1, 256), "a mapping with applied_for", TEMPLATE_FIELDS, issues)
    if v is None:
        return issues
    applied = strings_at(v.get("applied_for"), join(path, "applied_for"), issues)
    if not applied:
        issues.append((join(path, "applied_for"), f"needs one or more of {choices(APPLIED_FOR)}"))
    for a in applied:
        if a not in APPLIED_FOR:
            issues.append(
                (join(path, "applied_for"), f"{a!r} is not one of {choices(APPLIED_FOR)}")
            )
    description = optional_text(v, "description", path, issues)
    if description is not None and len(description) > 256:
        issues.append((join(path, "description"), "at most 256 characters"))
    mutability = v.get("image_tag_mutability", DEFAULT_MUTABILITY)
    if mutability not in MUTABILITY_MODES:
        issues.append(
            (join(path, "image_tag_mutability"), f"must be one of {choices(MUTABILITY_MODES)}")
        )
    excl_path = join(path, "image_tag_mutability_exclusions")
    exclusions = strings_at(v.get("image_tag_mutability_exclusions"), excl_path, issues)
    with_exclusions = str(mutability).endswith("_WITH_EXCLUSION")
    if with_exclusions and not exclusions:
        issues.append((excl_path, f"{mutability} needs at least one exclusion filter"))
    if exclusions and not with_exclusions:
        issues.append((excl_path, "only used with MUTABLE_WITH_EXCLUSION/IMMUTABLE_WITH_EXCLUSION"))
    if len(exclusions) > MAX_TEMPLATE_EXCLUSIONS:
        issues.append((excl_path, f"at most {MAX_TEMPLATE_EXCLUSIONS} filters"))
    for j, f in enumerate(exclusions):
        if not EXCLUSION.match(f):
            issues.append((f"{excl_path}[{j}]", f"{f!r}: 1-128 of letters, digits, . _ - *"))
    kind = _template_encryption(v.get("encryption"), join(path, "encryption"), issues)
    _template_documents(v, path, issues)
    n_tags = _template_tags(v.get("tags"), join(path, "tags"), issues)
    role = optional_text(v, "custom_role_arn", path, issues)
    if role is not None and not _is_role_arn(role):
        issues.append((join(path, "custom_role_arn"), "must be an IAM role ARN"))
    if role is None and (n_tags or kind != "AES256"):
        issues.append(
            (
                join(path, "custom_role_arn"),
                "is required when the template sets tags or KMS encryption "
                "(ECR assumes this role to apply them)",
            )
        )
    return issues


def template_issues(value: Any) -> list[Issue]:
    issues: list[Issue] = []
    v = mapping_at(value, "", "a mapping of repository prefix to template", issues)
    if v is None:
        return issues
    for prefix, item in v.items():
        issues.extend(_template(str(prefix), item))
    return issues
