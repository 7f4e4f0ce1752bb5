"""Validation of declared registry settings against ECR's documented limits: the shapes by the
config's JSON Schema, the rules across fields by :mod:`regform.registry_settings.validate`; every
issue names the field under ``registries.prod.settings.<kind>``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from regform.config import validate_paths
from regform.config.schema import config_schema
from regform.model import DEFAULT_MUTABILITY
from regform.registry_settings import (
    ACCOUNT_SETTING_NAMES,
    ACCOUNT_SETTINGS,
    CREATION_TEMPLATES,
    PULL_THROUGH_CACHE_RULES,
    REGISTRY_POLICY,
    REPLICATION,
    SCANNING,
    SETTING_KINDS,
    validate_setting,
)
from regform.registry_settings import validate as validate
from regform.registry_settings.shapes import implied_upstream_registry

ACCOUNT = "123456789012"
SECRET = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:ecr-pullthroughcache/docker-hub"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/ecr-templates"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.fixture
def check(tmp_path: Path) -> Any:
    """``check(kind, value, registry_policy_scope=None)``: the ``(path, message)`` of every issue
    of a config declaring ``value`` as the ``kind`` setting of an ECR registry, paths relative to
    the setting; a config with no issue loads."""

    def run(
        kind: str, value: Any, registry_policy_scope: str | None = None
    ) -> list[tuple[str, str]]:
        settings: dict[str, Any] = {kind: "none" if value is None else value}
        if registry_policy_scope is not None:
            settings[ACCOUNT_SETTINGS] = {"REGISTRY_POLICY_SCOPE": registry_policy_scope}
        registry = {"provider": "ecr", "region": "us-east-1", "settings": settings}
        config = tmp_path / "regform.yaml"
        config.write_text(
            yaml.safe_dump({"version": 1, "registries": {"prod": registry}}, sort_keys=False)
        )
        base = f"registries.prod.settings.{kind}"
        found = validate_paths([config])
        assert all(i.file and i.line and i.column for i in found), found
        assert all(i.path.startswith(base) for i in found), found
        return [(i.path.removeprefix(base).removeprefix("."), i.message) for i in found]

    return run


def paths(found: list[tuple[str, str]]) -> list[str]:
    return [path for path, _ in found]


def text(found: list[tuple[str, str]]) -> str:
    return "\n".join(f"{p}: {m}" for p, m in found)


VALID: list[tuple[str, Any]] = [
    (REGISTRY_POLICY, None),
    (
        REGISTRY_POLICY,
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "210987654321"},
                    "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
                    "Resource": "*",
                }
            ],
        },
    ),
    (SCANNING, {"scan_type": "BASIC"}),
    (
        SCANNING,
        {
            "scan_type": "ENHANCED",
            "rules": [
                {"frequency": "CONTINUOUS_SCAN", "filters": ["prod-*"]},
                {"frequency": "SCAN_ON_PUSH", "filters": ["*"]},
            ],
        },
    ),
    (
        REPLICATION,
        {
            "rules": [
                {
                    "destinations": [{"region": "eu-west-1", "registry_id": ACCOUNT}],
                    "filters": ["team-a/", "prod"],
                    "delete_replication": True,
                }
            ]
        },
    ),
    (
        PULL_THROUGH_CACHE_RULES,
        {
            "docker-hub": {
                "upstream_registry_url": "registry-1.docker.io",
                "credential_arn": SECRET,
            },
            "quay": {"upstream_registry_url": "quay.io", "upstream_registry": "quay"},
            "ROOT": {
                "upstream_registry_url": f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com",
                "custom_role_arn": ROLE,
                "upstream_repository_prefix": "shared",
            },
        },
    ),
    (
        CREATION_TEMPLATES,
        {
            "ROOT": {"applied_for": ["CREATE_ON_PUSH"]},
            "cache/docker-hub": {
                "applied_for": ["PULL_THROUGH_CACHE"],
                "image_tag_mutability": "IMMUTABLE_WITH_EXCLUSION",
                "image_tag_mutability_exclusions": ["latest"],
                "encryption": {"type": "KMS", "kms_key": KEY},
                "tags": {"team": "platform"},
                "custom_role_arn": ROLE,
                "lifecycle_policy": {
                    "rules": [
                        {
                            "rulePriority": 1,
                            "selection": {
                                "tagStatus": "any",
                                "countType": "imageCountMoreThan",
                                "countNumber": 100,
                            },
                            "action": {"type": "expire"},
                        }
                    ]
                },
            },
        },
    ),
    (ACCOUNT_SETTINGS, {"REGISTRY_POLICY_SCOPE": "V2", "BLOB_MOUNTING": "ENABLED"}),
]


@pytest.mark.parametrize(
    ("kind", "value"), VALID, ids=[f"{k}-{i}" for i, (k, _) in enumerate(VALID)]
)
def test_valid_settings_pass(check: Any, kind: str, value: Any) -> None:
    assert check(kind, value) == []


# Registry policy ---------------------------------------------------------------------------


def statement(**over: Any) -> dict[str, Any]:
    base = {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "ecr:ReplicateImage"}
    base.update(over)
    return {k: v for k, v in base.items() if v is not None}


def test_registry_policy_rejects_non_ecr_actions_and_missing_parts(check: Any) -> None:
    doc = {
        "Statement": [
            statement(Action="s3:GetObject"),
            statement(Principal=None, Effect="Permit"),
            statement(Action=None, NotAction=["ecr:DeleteRepository", "*", "iam:PassRole"]),
        ]
    }
    found = check(REGISTRY_POLICY, doc)
    assert paths(found) == [
        "Statement[0].Action",
        "Statement[1]",
        "Statement[1].Effect",
        "Statement[2].NotAction[2]",
    ]
    assert "'s3:GetObject'" in text(found) and "one of Principal, NotPrincipal" in text(found)


def test_registry_policy_v1_scope_allows_only_three_actions(check: Any) -> None:
    doc = {"Statement": [statement(Action=["ecr:BatchGetImage", "ecr:CreateRepository"])]}
    assert check(REGISTRY_POLICY, doc) == []
    found = check(REGISTRY_POLICY, doc, registry_policy_scope="V1")
    assert "ecr:BatchGetImage" in text(found)
    assert paths(found) == ["Statement[0].Action"]
    every = {"Statement": statement(Action="*")}
    assert check(REGISTRY_POLICY, every) == []
    assert paths(check(REGISTRY_POLICY, every, registry_policy_scope="V1")) == [
        "Statement[0].Action"
    ]


def test_registry_policy_length_limit(check: Any) -> None:
    doc = {"Statement": [statement(Resource=["x" * 200] * 60)]}
    assert "10240" in text(check(REGISTRY_POLICY, doc))


def test_registry_policy_statements_and_keys(check: Any) -> None:
    found = check(REGISTRY_POLICY, {"Statement": [], "Version": "2012-10-17", "Statment": []})
    assert paths(found) == ["Statement", "Statment"]
    assert "must not be empty" in text(found) and "did you mean 'Statement'" in text(found)


# Scanning ----------------------------------------------------------------------------------


def test_scanning_limits(check: Any) -> None:
    value = {
        "scan_type": "BASIC",
        "rules": [
            {"frequency": "CONTINUOUS_SCAN", "filters": ["ok"]},
            {"frequency": "SCAN_ON_PUSH", "filters": ["Upper", "a" * 256]},
            {"frequency": "SCAN_ON_PUSH", "filters": ["*"]},
        ],
    }
    assert paths(check(SCANNING, value)) == [
        "rules",
        "rules[1].filters[0]",
        "rules[1].filters[1]",
    ]
    found = check(SCANNING, {**value, "rules": value["rules"][:1]})
    assert paths(found) == ["rules[0].frequency"]
    assert "BASIC scanning supports SCAN_ON_PUSH only" in text(found)
    found = check(SCANNING, {"scan_type": "ENHANCED", "rules": [{"frequency": "MANUAL"}]})
    assert text(found) == (
        "rules[0].frequency: ENHANCED scanning supports CONTINUOUS_SCAN, SCAN_ON_PUSH only"
    )


def test_scanning_unknown_type_and_too_many_filters(check: Any) -> None:
    value = {
        "scan_type": "DEEP",
        "rules": [{"frequency": "SCAN_ON_PUSH", "filters": [f"r{i}" for i in range(101)]}],
    }
    assert paths(check(SCANNING, value)) == ["scan_type", "rules[0].filters"]
    assert "at most 100" in text(check(SCANNING, value))


# Replication -------------------------------------------------------------------------------


def test_replication_destination_fields(check: Any) -> None:
    value = {
        "rules": [
            {"destinations": [{"region": "EU_WEST", "registry_id": 123456789012}]},
            {"destinations": [], "filters": ["a"]},
        ]
    }
    found = check(REPLICATION, value)
    assert paths(found) == [
        "rules[0].destinations[0].region",
        "rules[0].destinations[0].registry_id",
        # no rules[1].destinations: ReplicationRule.destinations takes 0-100 items
        "rules[1].filters[0]",
    ]
    assert "quoted" in text(found)


def test_replication_counts_unique_destinations_across_rules(check: Any) -> None:
    def dest(i: int) -> dict[str, str]:
        return {"region": "us-west-2", "registry_id": f"{100000000000 + i}"}

    rules = [{"destinations": [dest(i) for i in range(n, n + 10)]} for n in (0, 10, 20)]
    found = check(REPLICATION, {"rules": rules})
    assert paths(found) == ["rules"]
    assert "26" not in text(found)
    assert "30" in text(found)
    shared = [{"destinations": [dest(i) for i in range(10)]} for _ in range(3)]
    assert check(REPLICATION, {"rules": shared}) == []


def test_replication_rule_and_filter_limits(check: Any) -> None:
    many_rules = {
        "rules": [{"destinations": [{"region": "us-west-2", "registry_id": ACCOUNT}]}] * 26
    }
    assert paths(check(REPLICATION, many_rules)) == ["rules"]
    many_filters = {
        "rules": [
            {
                "destinations": [{"region": "us-west-2", "registry_id": ACCOUNT}],
                "filters": [f"team-{i}" for i in range(101)],
            }
        ]
    }
    assert paths(check(REPLICATION, many_filters)) == ["rules[0].filters"]


# Pull-through cache rules ------------------------------------------------------------------


def test_pull_through_prefix_and_credentials(check: Any) -> None:
    value = {
        "x": {"upstream_registry_url": "quay.io"},
        "gh": {"upstream_registry_url": "ghcr.io"},
        "hub": {"upstream_registry_url": "registry-1.docker.io", "credential_arn": "arn:aws:x"},
    }
    found = check(PULL_THROUGH_CACHE_RULES, value)
    assert paths(found) == ["x", "gh.credential_arn", "hub.credential_arn"]
    assert "required for github-container-registry" in text(found)
    assert "ecr-pullthroughcache/" in text(found)


def test_pull_through_upstream_checks(check: Any) -> None:
    value = {
        "cache": {
            "upstream_registry_url": "https://quay.io",
            "upstream_registry": "dockerhub",
        },
        "quay": {"upstream_registry_url": "quay.io", "upstream_registry": "k8s"},
        "k8s": {"upstream_registry_url": "registry.k8s.io", "custom_role_arn": ROLE},
        "none": {"upstream_repository_prefix": "A"},
    }
    found = check(PULL_THROUGH_CACHE_RULES, value)
    assert paths(found) == [
        "cache.upstream_registry_url",
        "cache.upstream_registry",
        "quay.upstream_registry",
        "k8s.custom_role_arn",
        "none",
        "none.upstream_repository_prefix",
    ]
    assert "did you mean 'docker-hub'" in text(found)
    assert "missing required key 'upstream_registry_url'" in text(found)


def test_pull_through_rule_count_and_unknown_keys(check: Any) -> None:
    many = {f"p{i:02d}": {"upstream_registry_url": "quay.io"} for i in range(51)}
    assert paths(check(PULL_THROUGH_CACHE_RULES, many)) == [""]
    odd = {"quay": {"upstream_registry_url": "quay.io", "credentials": "x"}}
    assert paths(check(PULL_THROUGH_CACHE_RULES, odd)) == ["quay.credentials"]


# Creation templates ------------------------------------------------------------------------


def test_template_requirements(check: Any) -> None:
    template = {
        "applied_for": ["ON_PULL"],
        "image_tag_mutability": "IMMUTABLE_WITH_EXCLUSION",
        "encryption": {"type": "KMS", "kms_key": "alias/ecr"},
        "tags": {"team": "a"},
    }
    found = check(CREATION_TEMPLATES, {"Bad Prefix": template})
    assert paths(found) == [
        '["Bad Prefix"]',
        '["Bad Prefix"].applied_for[0]',
        '["Bad Prefix"].encryption.kms_key',
    ]
    assert "full ARN" in text(found)
    # the rules across fields of an entry the schema accepts are reported with the others
    valid = {**template, "applied_for": ["REPLICATION"], "encryption": {"type": "KMS"}}
    found = check(CREATION_TEMPLATES, {"Bad Prefix": template, "team": valid})
    assert paths(found)[3:] == ["team.image_tag_mutability_exclusions", "team.custom_role_arn"]
    assert "custom_role_arn" in text(found)


def test_template_needs_applied_for_and_checks_documents(check: Any) -> None:
    value = {
        "team": {
            "description": "d" * 257,
            "image_tag_mutability_exclusions": ["ok"],
            "lifecycle_policy": {"rules": [{"rulePriority": 1}]},
            "repository_policy": "not a document",
        }
    }
    assert paths(check(CREATION_TEMPLATES, value)) == [
        "team",
        "team.description",
        "team.repository_policy",
    ]
    del value["team"]["description"], value["team"]["repository_policy"]
    value["team"]["applied_for"] = ["REPLICATION"]
    found = paths(check(CREATION_TEMPLATES, value))
    assert found[0] == "team.image_tag_mutability_exclusions"
    assert found[1:] and all(p.startswith("team.lifecycle_policy.rules[0]") for p in found[1:])


def test_template_encryption_aes_with_key(check: Any) -> None:
    value = {
        "ROOT": {"applied_for": ["REPLICATION"], "encryption": {"type": "AES256", "kms_key": KEY}}
    }
    assert paths(check(CREATION_TEMPLATES, value)) == ["ROOT.encryption.kms_key"]


# Account settings --------------------------------------------------------------------------


def test_account_settings_names_and_values(check: Any) -> None:
    value = {"REGISTRY_POLICY_SCOPE": "V3", "SCAN_VERSION": "AWS_NATIVE", "BLOB": "ENABLED"}
    found = check(ACCOUNT_SETTINGS, value)
    assert paths(found) == ["REGISTRY_POLICY_SCOPE", "SCAN_VERSION", "BLOB"]
    assert "V1, V2" in text(found)
    assert "known: BASIC_SCAN_TYPE_VERSION, REGISTRY_POLICY_SCOPE, BLOB_MOUNTING" in text(found)


def test_wrong_top_level_types_are_reported_not_raised(check: Any) -> None:
    for kind in (SCANNING, REPLICATION, PULL_THROUGH_CACHE_RULES, CREATION_TEMPLATES):
        assert paths(check(kind, ["not", "a", "mapping"])) == [""]
    assert paths(check(REGISTRY_POLICY, "text")) == [""]
    assert validate_setting("signing", {}) == [("", "unknown setting kind 'signing'")]


# The schema and the rules across fields speak of the same things ------------------------------


def test_schema_describes_every_setting_for_editors() -> None:
    schema = config_schema()
    defs = schema["$defs"]
    kinds = defs["registry"]["properties"]["settings"]["properties"]
    assert set(kinds) == set(SETTING_KINDS)

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        ref = node.get("$ref", "")
        return {**defs[ref.removeprefix("#/$defs/")], **node} if ref else node

    objects = [
        resolve(kinds[SCANNING]),
        resolve(kinds[REPLICATION]),
        resolve(kinds[ACCOUNT_SETTINGS]),
        resolve(kinds[PULL_THROUGH_CACHE_RULES]["additionalProperties"]),
        resolve(kinds[CREATION_TEMPLATES]["additionalProperties"]),
        defs["registryPolicyDocument"],
        defs["registryPolicyStatement"],
    ]
    for node in objects:
        assert node["additionalProperties"] is False and node["properties"], node
        assert all("description" in p for p in node["properties"].values()), node
    assert tuple(resolve(kinds[ACCOUNT_SETTINGS])["properties"]) == ACCOUNT_SETTING_NAMES


def test_rules_across_fields_use_the_schema_names() -> None:
    defs = config_schema()["$defs"]
    frequency = defs["scanningSettings"]["properties"]["rules"]["items"]["properties"]
    scan = defs["scanningSettings"]["properties"]["scan_type"]["enum"]
    assert set(validate.SCAN_FREQUENCIES) == set(scan)
    for allowed in validate.SCAN_FREQUENCIES.values():
        assert set(allowed) <= set(frequency["frequency"]["enum"])
    upstreams = set(defs["pullThroughCacheRule"]["properties"]["upstream_registry"]["enum"])
    assert upstreams >= validate.NEEDS_CREDENTIAL
    hosts = ["quay.io", "ghcr.io", "cgr.dev", "public.ecr.aws", "registry.k8s.io"]
    assert {implied_upstream_registry(h) for h in hosts} <= upstreams
    assert DEFAULT_MUTABILITY in defs["imageTagMutability"]["enum"]
