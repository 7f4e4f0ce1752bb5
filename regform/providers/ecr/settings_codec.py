"""Translation between ECR's API shapes of the registry-level settings and regform's canonical
shapes (:mod:`regform.registry_settings`). Pure: no calls.

``*_from_api`` take a response structure and return the canonical value; ``*_params`` build the
request parameters of one operation from canonical values.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from regform.model import JsonDict
from regform.registry_settings import CREATION_TEMPLATES, PULL_THROUGH_CACHE_RULES, canonical_item
from regform.registry_settings.shapes import parse_document, text_or_none


def policy_text(doc: Mapping[str, Any]) -> str:
    """A document as the compact JSON text ECR stores (keys in the order written)."""
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False)


# Scanning -----------------------------------------------------------------------------------


def scanning_from_api(config: Mapping[str, Any] | None) -> JsonDict:
    cfg = config or {}
    return {
        "scan_type": str(cfg.get("scanType") or "BASIC"),
        "rules": [
            {
                "frequency": str(r.get("scanFrequency", "")),
                "filters": sorted({str(f["filter"]) for f in r.get("repositoryFilters") or ()}),
            }
            for r in cfg.get("rules") or ()
        ],
    }


def scanning_params(value: Mapping[str, Any]) -> JsonDict:
    """PutRegistryScanningConfiguration parameters. ``rules`` is always sent, even empty:
    leaving it out keeps the rules the registry had."""
    return {
        "scanType": value["scan_type"],
        "rules": [
            {
                "scanFrequency": r["frequency"],
                "repositoryFilters": [
                    {"filter": f, "filterType": "WILDCARD"} for f in r["filters"]
                ],
            }
            for r in value["rules"]
        ],
    }


# Replication --------------------------------------------------------------------------------


def replication_from_api(config: Mapping[str, Any] | None) -> JsonDict:
    rules: list[JsonDict] = []
    for r in (config or {}).get("rules") or ():
        rule: JsonDict = {
            "destinations": sorted(
                (
                    {"region": str(d["region"]), "registry_id": str(d["registryId"])}
                    for d in r.get("destinations") or ()
                ),
                key=lambda d: (d["region"], d["registry_id"]),
            ),
            "filters": sorted({str(f["filter"]) for f in r.get("repositoryFilters") or ()}),
        }
        if (r.get("deleteReplication") or {}).get("enabled"):
            rule["delete_replication"] = True
        rules.append(rule)
    return {"rules": rules}


def replication_params(value: Mapping[str, Any]) -> JsonDict:
    """PutReplicationConfiguration parameters (the whole configuration)."""
    rules: list[JsonDict] = []
    for r in value["rules"]:
        rule: JsonDict = {
            "destinations": [
                {"region": d["region"], "registryId": d["registry_id"]} for d in r["destinations"]
            ]
        }
        if r["filters"]:
            rule["repositoryFilters"] = [
                {"filter": f, "filterType": "PREFIX_MATCH"} for f in r["filters"]
            ]
        if r.get("delete_replication"):
            rule["deleteReplication"] = {"enabled": True}
        rules.append(rule)
    return {"replicationConfiguration": {"rules": rules}}


# Pull-through cache rules -------------------------------------------------------------------


def pull_through_from_api(rule: Mapping[str, Any]) -> JsonDict:
    out: JsonDict = canonical_item(
        PULL_THROUGH_CACHE_RULES,
        {
            "upstream_registry_url": rule.get("upstreamRegistryUrl"),
            "upstream_registry": rule.get("upstreamRegistry"),
            "credential_arn": rule.get("credentialArn"),
            "custom_role_arn": rule.get("customRoleArn"),
            "upstream_repository_prefix": rule.get("upstreamRepositoryPrefix"),
        },
    )
    return out


def pull_through_create_params(prefix: str, item: Mapping[str, Any]) -> JsonDict:
    params: JsonDict = {
        "ecrRepositoryPrefix": prefix,
        "upstreamRegistryUrl": item["upstream_registry_url"],
    }
    for key, api in (
        ("upstream_registry", "upstreamRegistry"),
        ("credential_arn", "credentialArn"),
        ("custom_role_arn", "customRoleArn"),
        ("upstream_repository_prefix", "upstreamRepositoryPrefix"),
    ):
        if item.get(key) is not None:
            params[api] = item[key]
    return params


def pull_through_update_params(prefix: str, item: Mapping[str, Any]) -> JsonDict | None:
    """UpdatePullThroughCacheRule parameters, or ``None`` when there is nothing it can set."""
    params: JsonDict = {"ecrRepositoryPrefix": prefix}
    if item.get("credential_arn") is not None:
        params["credentialArn"] = item["credential_arn"]
    if item.get("custom_role_arn") is not None:
        params["customRoleArn"] = item["custom_role_arn"]
    return params if len(params) > 1 else None


# Creation templates -------------------------------------------------------------------------


def template_from_api(template: Mapping[str, Any]) -> JsonDict:
    """The canonical template; raises ValueError when a stored document is not JSON."""
    enc = template.get("encryptionConfiguration") or {}
    item: JsonDict = canonical_item(
        CREATION_TEMPLATES,
        {
            "applied_for": template.get("appliedFor") or [],
            "description": template.get("description"),
            "image_tag_mutability": template.get("imageTagMutability"),
            "image_tag_mutability_exclusions": [
                f["filter"] for f in template.get("imageTagMutabilityExclusionFilters") or ()
            ],
            "encryption": {
                "type": enc.get("encryptionType") or "AES256",
                "kms_key": text_or_none(enc.get("kmsKey")),
            },
            "lifecycle_policy": parse_document(template.get("lifecyclePolicy")),
            "repository_policy": parse_document(template.get("repositoryPolicy")),
            "tags": {t["Key"]: t["Value"] for t in template.get("resourceTags") or ()},
            "custom_role_arn": template.get("customRoleArn"),
        },
    )
    return item


def template_params(
    prefix: str, item: Mapping[str, Any], *, update: bool = False, before: Any = None
) -> JsonDict:
    """Create/UpdateRepositoryCreationTemplate parameters for the whole template.

    An update sends the description and policies empty when the template has none, so that ECR
    clears them, and an empty custom role when ``before`` had one.
    """
    enc: JsonDict = {"encryptionType": item["encryption"]["type"]}
    if item["encryption"].get("kms_key"):
        enc["kmsKey"] = item["encryption"]["kms_key"]
    params: JsonDict = {
        "prefix": prefix,
        "appliedFor": list(item["applied_for"]),
        "imageTagMutability": item["image_tag_mutability"],
        "encryptionConfiguration": enc,
        "resourceTags": [{"Key": k, "Value": v} for k, v in sorted(item["tags"].items())],
    }
    if item["image_tag_mutability_exclusions"]:
        params["imageTagMutabilityExclusionFilters"] = [
            {"filter": f, "filterType": "WILDCARD"} for f in item["image_tag_mutability_exclusions"]
        ]
    if item["description"] is not None:
        params["description"] = item["description"]
    elif update:
        params["description"] = ""
    for key, api in (
        ("lifecycle_policy", "lifecyclePolicy"),
        ("repository_policy", "repositoryPolicy"),
    ):
        if item[key] is not None:
            params[api] = policy_text(item[key])
        elif update:
            params[api] = ""
    if item["custom_role_arn"] is not None:
        params["customRoleArn"] = item["custom_role_arn"]
    elif update and before is not None and before.get("custom_role_arn") is not None:
        params["customRoleArn"] = ""
    return params
