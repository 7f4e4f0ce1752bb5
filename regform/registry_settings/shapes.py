"""The canonical shape of each registry-level setting kind, and its comparable (normalized) form.

The value the config declares and the value a provider reads share one shape per kind:

``registry_policy``
    An IAM policy document (dict), or ``None`` for "no registry policy".
``scanning``
    ``{"scan_type": "BASIC"|"ENHANCED", "rules": [{"frequency": ..., "filters": [...]}]}``.
    Filters are WILDCARD filters. Missing rules mean no rules. There is always a scanning
    configuration: "none" means BASIC with no rules (what a registry starts with).
``replication``
    ``{"rules": [{"destinations": [{"region": ..., "registry_id": ...}], "filters": [...]}]}``.
    Filters are PREFIX_MATCH filters. A rule may carry ``"delete_replication": true`` (ECR then
    also replicates image deletions); the key is left out when false.
``pull_through_cache_rules``
    ``{"<ecr prefix>": {"upstream_registry_url", "upstream_registry", "credential_arn",
    "custom_role_arn", "upstream_repository_prefix"}}``: one entry per rule.
``creation_templates``
    ``{"<prefix>": {"applied_for", "description", "image_tag_mutability",
    "image_tag_mutability_exclusions", "encryption": {"type", "kms_key"}, "lifecycle_policy",
    "repository_policy", "tags", "custom_role_arn"}}``: one entry per template.
``account_settings``
    ``{"<NAME>": "<VALUE>"}``. Only the names a config declares are managed; dropping a name
    from the config leaves the registry's value as it is (ECR has no "reset").

:func:`canonical_setting` fills defaults and sorts what is a set (filters, destinations,
``applied_for``), keeping documents (policies) as written and rules in the order given: it is the
form shown to users and sent to the registry. :func:`normalize_setting` is the form two values are
compared in: documents are normalized semantically (:mod:`regform.documents.normalize`), rules are
sorted, and defaults the registry fills in ("ROOT" upstream prefix, the upstream registry implied by
its URL) are made explicit on both sides.

Keyed kinds (pull-through cache rules, creation templates) become one change per prefix; the
others are singletons whose change is named :data:`SINGLETON_NAME`. :func:`setting_entries`
splits a value accordingly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from regform.documents.normalize import (
    canonical_json,
    normalize_encryption,
    normalize_iam_policy,
    normalize_lifecycle_policy,
)
from regform.model import DEFAULT_MUTABILITY, JsonDict

REGISTRY_POLICY = "registry_policy"
SCANNING = "scanning"
REPLICATION = "replication"
PULL_THROUGH_CACHE_RULES = "pull_through_cache_rules"
CREATION_TEMPLATES = "creation_templates"
ACCOUNT_SETTINGS = "account_settings"

SETTING_KINDS: tuple[str, ...] = (
    REGISTRY_POLICY,
    SCANNING,
    REPLICATION,
    PULL_THROUGH_CACHE_RULES,
    CREATION_TEMPLATES,
    ACCOUNT_SETTINGS,
)
#: kinds made of entries keyed by prefix: one change per entry.
KEYED_KINDS: frozenset[str] = frozenset({PULL_THROUGH_CACHE_RULES, CREATION_TEMPLATES})
#: ``Change.name`` of a singleton setting (everything but the keyed kinds).
SINGLETON_NAME = "registry"

ROOT_PREFIX = "ROOT"
#: the account settings ECR knows (their values: the config schema's ``account_settings``).
ACCOUNT_SETTING_NAMES = ("BASIC_SCAN_TYPE_VERSION", "REGISTRY_POLICY_SCOPE", "BLOB_MOUNTING")

PULL_THROUGH_FIELDS = (
    "upstream_registry_url",
    "upstream_registry",
    "credential_arn",
    "custom_role_arn",
    "upstream_repository_prefix",
)
#: pull-through cache rule fields UpdatePullThroughCacheRule cannot change: a change of one
#: of them deletes the rule and creates it again (images already cached stay).
PULL_THROUGH_REPLACE_ON: frozenset[str] = frozenset(
    {"upstream_registry_url", "upstream_registry", "upstream_repository_prefix"}
)
#: fields UpdatePullThroughCacheRule sets (it cannot remove them: removing one also replaces).
PULL_THROUGH_UPDATABLE = ("credential_arn", "custom_role_arn")

TEMPLATE_FIELDS = (
    "applied_for",
    "description",
    "image_tag_mutability",
    "image_tag_mutability_exclusions",
    "encryption",
    "lifecycle_policy",
    "repository_policy",
    "tags",
    "custom_role_arn",
)

#: upstream registry hosts ECR recognizes, for the upstream registry a URL implies.
_UPSTREAM_HOSTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^\d{12}\.dkr\.ecr(-fips)?\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$"), "ecr"),
    (re.compile(r"^public\.ecr\.aws$"), "ecr-public"),
    (re.compile(r"^quay\.io$"), "quay"),
    (re.compile(r"^registry\.k8s\.io$"), "k8s"),
    (re.compile(r"^registry-1\.docker\.io$"), "docker-hub"),
    (re.compile(r"^ghcr\.io$"), "github-container-registry"),
    (re.compile(r"^[a-z0-9-]+\.azurecr\.io$"), "azure-container-registry"),
    (re.compile(r"^registry\.gitlab\.com$"), "gitlab-container-registry"),
    (re.compile(r"^cgr\.dev$"), "chainguard"),
)


def text_or_none(value: Any) -> str | None:
    """``None`` for absent or empty text, else the text."""
    if value is None or value == "":
        return None
    return str(value)


def sorted_strings(values: Iterable[Any] | None) -> list[str]:
    """A set of strings as a sorted list."""
    return sorted({str(v) for v in values or ()})


def parse_document(value: Any) -> JsonDict | None:
    """A JSON document as a dict: ``None``/empty text means no document."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        parsed = json.loads(value)
        if not isinstance(parsed, dict):
            raise ValueError("the document is not a JSON object")
        return parsed
    if isinstance(value, Mapping):
        return dict(value)
    raise ValueError(f"expected a JSON object, got {type(value).__name__}")


def implied_upstream_registry(url: str | None) -> str | None:
    """The upstream registry ECR associates with a registry URL, if it is one it knows."""
    if not url:
        return None
    host = url.split("://", 1)[-1].split("/", 1)[0].lower()
    for pattern, registry in _UPSTREAM_HOSTS:
        if pattern.match(host):
            return registry
    return None


# Canonical shapes ---------------------------------------------------------------------------


def _scanning(value: Any) -> JsonDict:
    v = value or {}
    rules = [
        {"frequency": str(r.get("frequency", "")), "filters": sorted_strings(r.get("filters"))}
        for r in v.get("rules") or ()
    ]
    return {"scan_type": str(v.get("scan_type") or "BASIC"), "rules": rules}


def _destination(d: Mapping[str, Any]) -> dict[str, str]:
    return {"region": str(d.get("region", "")), "registry_id": str(d.get("registry_id", ""))}


def _replication(value: Any) -> JsonDict:
    rules: list[JsonDict] = []
    for r in (value or {}).get("rules") or ():
        destinations = {
            canonical_json(d): d for d in map(_destination, r.get("destinations") or ())
        }
        rule: JsonDict = {
            "destinations": [destinations[k] for k in sorted(destinations)],
            "filters": sorted_strings(r.get("filters")),
        }
        if r.get("delete_replication"):
            rule["delete_replication"] = True
        rules.append(rule)
    return {"rules": rules}


def _pull_through_rule(item: Any) -> JsonDict:
    v = item or {}
    return {
        "upstream_registry_url": str(v.get("upstream_registry_url") or ""),
        "upstream_registry": text_or_none(v.get("upstream_registry")),
        "credential_arn": text_or_none(v.get("credential_arn")),
        "custom_role_arn": text_or_none(v.get("custom_role_arn")),
        "upstream_repository_prefix": text_or_none(v.get("upstream_repository_prefix")),
    }


def _template_encryption(value: Any) -> dict[str, str | None]:
    if isinstance(value, str):
        value = {"type": value}
    v = value or {}
    kind = str(v.get("type") or "AES256")
    key = text_or_none(v.get("kms_key")) if kind != "AES256" else None
    return {"type": kind, "kms_key": key}


def _template(item: Any) -> JsonDict:
    v = item or {}
    return {
        "applied_for": sorted_strings(v.get("applied_for")),
        "description": text_or_none(v.get("description")),
        "image_tag_mutability": str(v.get("image_tag_mutability") or DEFAULT_MUTABILITY),
        "image_tag_mutability_exclusions": sorted_strings(v.get("image_tag_mutability_exclusions")),
        "encryption": _template_encryption(v.get("encryption")),
        "lifecycle_policy": parse_document(v.get("lifecycle_policy")),
        "repository_policy": parse_document(v.get("repository_policy")),
        "tags": {str(k): str(t) for k, t in sorted((v.get("tags") or {}).items())},
        "custom_role_arn": text_or_none(v.get("custom_role_arn")),
    }


def canonical_item(kind: str, item: Any) -> Any:
    """Canonical form of one entry of a keyed kind (or of a whole singleton value)."""
    if kind == PULL_THROUGH_CACHE_RULES:
        return _pull_through_rule(item)
    if kind == CREATION_TEMPLATES:
        return _template(item)
    return canonical_setting(kind, item)


def canonical_setting(kind: str, value: Any) -> Any:
    """The canonical shape of a setting value (documents kept as written, see module doc)."""
    if kind == REGISTRY_POLICY:
        return parse_document(value)
    if kind == SCANNING:
        return _scanning(value)
    if kind == REPLICATION:
        return _replication(value)
    if kind in KEYED_KINDS:
        return {str(k): canonical_item(kind, v) for k, v in sorted((value or {}).items())}
    if kind == ACCOUNT_SETTINGS:
        return {str(k): str(v) for k, v in sorted((value or {}).items())}
    raise ValueError(f"unknown setting kind {kind!r}")


# Comparable forms ---------------------------------------------------------------------------


def _sorted_rules(rules: Iterable[Any]) -> list[Any]:
    return sorted(rules, key=canonical_json)


def normalize_item(kind: str, item: Any) -> Any:
    """Comparable form of one entry of a keyed kind (or of a whole singleton value)."""
    if kind == PULL_THROUGH_CACHE_RULES:
        rule = _pull_through_rule(item)
        if rule["upstream_repository_prefix"] == ROOT_PREFIX:
            rule["upstream_repository_prefix"] = None
        if rule["upstream_registry"] is None:
            rule["upstream_registry"] = implied_upstream_registry(rule["upstream_registry_url"])
        return rule
    if kind == CREATION_TEMPLATES:
        template = _template(item)
        template["lifecycle_policy"] = normalize_lifecycle_policy(template["lifecycle_policy"])
        template["repository_policy"] = normalize_iam_policy(template["repository_policy"])
        template["encryption"] = normalize_encryption(template["encryption"])
        return template
    return normalize_setting(kind, item)


def normalize_setting(kind: str, value: Any) -> Any:
    """The comparable form of a setting value: equivalent values normalize to equal values."""
    if kind == REGISTRY_POLICY:
        return normalize_iam_policy(parse_document(value))
    if kind in (SCANNING, REPLICATION):
        canonical = canonical_setting(kind, value)
        canonical["rules"] = _sorted_rules(canonical["rules"])
        return canonical
    if kind in KEYED_KINDS:
        return {str(k): normalize_item(kind, v) for k, v in sorted((value or {}).items())}
    return canonical_setting(kind, value)


def setting_entries(kind: str, value: Any) -> dict[str, Any]:
    """A setting value split into the entries changes are made of, keyed by ``Change.name``.

    Keyed kinds give one entry per prefix; a registry policy gives ``{"registry": doc}`` or
    nothing when there is none; the other singletons always give ``{"registry": value}``.
    Entries are in canonical form.
    """
    canonical = canonical_setting(kind, value)
    if kind in KEYED_KINDS:
        return dict(canonical)
    if canonical is None:
        return {}
    return {SINGLETON_NAME: canonical}
