"""Validation of declared registry settings against ECR's documented limits (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from regform.registry_settings import (
    ACCOUNT_SETTINGS,
    CREATION_TEMPLATES,
    PULL_THROUGH_CACHE_RULES,
    REGISTRY_POLICY,
    REPLICATION,
    SCANNING,
    validate_setting,
)

ACCOUNT = "123456789012"
SECRET = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:ecr-pullthroughcache/docker-hub"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/ecr-templates"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def issue_paths(kind: str, value: Any, **kw: Any) -> list[str]:
    return [path for path, _ in validate_setting(kind, value, **kw)]


def messages(kind: str, value: Any, **kw: Any) -> str:
    return "\n".join(f"{p}: {m}" for p, m in validate_setting(kind, value, **kw))


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
def test_valid_settings_pass(kind: str, value: Any) -> None:
    assert validate_setting(kind, value) == []


# Registry policy ---------------------------------------------------------------------------


def statement(**over: Any) -> dict[str, Any]:
    base = {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "ecr:ReplicateImage"}
    base.update(over)
    return {k: v for k, v in base.items() if v is not None}


def test_registry_policy_rejects_non_ecr_actions_and_missing_parts() -> None:
    doc = {
        "Statement": [
            statement(Action="s3:GetObject"),
            statement(Principal=None, Effect="Permit"),
        ]
    }
    assert issue_paths(REGISTRY_POLICY, doc) == [
        "Statement[0].Action",
        "Statement[1].Effect",
        "Statement[1]",
    ]


def test_registry_policy_v1_scope_allows_only_three_actions() -> None:
    doc = {"Statement": [statement(Action=["ecr:BatchGetImage", "ecr:CreateRepository"])]}
    assert validate_setting(REGISTRY_POLICY, doc) == []
    assert "ecr:BatchGetImage" in messages(REGISTRY_POLICY, doc, registry_policy_scope="V1")
    assert issue_paths(REGISTRY_POLICY, doc, registry_policy_scope="V1") == ["Statement[0].Action"]
    every = {"Statement": [statement(Action="*")]}
    assert validate_setting(REGISTRY_POLICY, every) == []
    assert issue_paths(REGISTRY_POLICY, every, registry_policy_scope="V1") == [
        "Statement[0].Action"
    ]


def test_registry_policy_length_limit() -> None:
    doc = {"Statement": [statement(Resource=["x" * 200] * 60)]}
    assert "10240" in messages(REGISTRY_POLICY, doc)


# Scanning ----------------------------------------------------------------------------------


def test_scanning_limits() -> None:
    value = {
        "scan_type": "BASIC",
        "rules": [
            {"frequency": "CONTINUOUS_SCAN", "filters": ["ok"]},
            {"frequency": "SCAN_ON_PUSH", "filters": ["Upper", "a" * 256]},
            {"frequency": "SCAN_ON_PUSH", "filters": ["*"]},
        ],
    }
    assert issue_paths(SCANNING, value) == [
        "rules",
        "rules[0].frequency",
        "rules[1].filters[0]",
        "rules[1].filters[1]",
    ]
    assert "BASIC scanning supports SCAN_ON_PUSH only" in messages(SCANNING, value)


def test_scanning_unknown_type_and_too_many_filters() -> None:
    value = {
        "scan_type": "DEEP",
        "rules": [{"frequency": "SCAN_ON_PUSH", "filters": [f"r{i}" for i in range(101)]}],
    }
    assert issue_paths(SCANNING, value) == ["scan_type", "rules[0].filters"]


# Replication -------------------------------------------------------------------------------


def test_replication_destination_fields() -> None:
    value = {
        "rules": [
            {"destinations": [{"region": "EU_WEST", "registry_id": 123456789012}]},
            {"destinations": [], "filters": ["a"]},
        ]
    }
    assert issue_paths(REPLICATION, value) == [
        "rules[0].destinations[0].region",
        "rules[0].destinations[0].registry_id",
        "rules[1].destinations",
        "rules[1].filters[0]",
    ]
    assert "quoted" in messages(REPLICATION, value)


def test_replication_counts_unique_destinations_across_rules() -> None:
    def dest(i: int) -> dict[str, str]:
        return {"region": "us-west-2", "registry_id": f"{100000000000 + i}"}

    rules = [{"destinations": [dest(i) for i in range(n, n + 10)]} for n in (0, 10, 20)]
    assert issue_paths(REPLICATION, {"rules": rules}) == ["rules"]
    assert "26" not in messages(REPLICATION, {"rules": rules})
    assert "30" in messages(REPLICATION, {"rules": rules})
    shared = [{"destinations": [dest(i) for i in range(10)]} for _ in range(3)]
    assert validate_setting(REPLICATION, {"rules": shared}) == []


def test_replication_rule_and_filter_limits() -> None:
    many_rules = {
        "rules": [{"destinations": [{"region": "us-west-2", "registry_id": ACCOUNT}]}] * 26
    }
    assert issue_paths(REPLICATION, many_rules) == ["rules"]
    many_filters = {
        "rules": [
            {
                "destinations": [{"region": "us-west-2", "registry_id": ACCOUNT}],
                "filters": [f"team-{i}" for i in range(101)],
            }
        ]
    }
    assert issue_paths(REPLICATION, many_filters) == ["rules[0].filters"]


# Pull-through cache rules ------------------------------------------------------------------


def test_pull_through_prefix_and_credentials() -> None:
    value = {
        "x": {"upstream_registry_url": "ghcr.io"},
        "hub": {"upstream_registry_url": "registry-1.docker.io", "credential_arn": "arn:aws:x"},
    }
    assert issue_paths(PULL_THROUGH_CACHE_RULES, value) == [
        "x",
        "x.credential_arn",
        "hub.credential_arn",
    ]
    assert "required for github-container-registry" in messages(PULL_THROUGH_CACHE_RULES, value)


def test_pull_through_upstream_checks() -> None:
    value = {
        "cache": {
            "upstream_registry_url": "https://quay.io",
            "upstream_registry": "dockerhub",
        },
        "quay": {"upstream_registry_url": "quay.io", "upstream_registry": "k8s"},
        "k8s": {"upstream_registry_url": "registry.k8s.io", "custom_role_arn": ROLE},
        "none": {"upstream_repository_prefix": "A"},
    }
    assert issue_paths(PULL_THROUGH_CACHE_RULES, value) == [
        "cache.upstream_registry_url",
        "cache.upstream_registry",
        "quay.upstream_registry",
        "k8s.custom_role_arn",
        "none.upstream_registry_url",
        "none.upstream_repository_prefix",
    ]


def test_pull_through_rule_count_and_unknown_keys() -> None:
    many = {f"p{i:02d}": {"upstream_registry_url": "quay.io"} for i in range(51)}
    assert issue_paths(PULL_THROUGH_CACHE_RULES, many) == [""]
    odd = {"quay": {"upstream_registry_url": "quay.io", "credentials": "x"}}
    assert issue_paths(PULL_THROUGH_CACHE_RULES, odd) == ["quay.credentials"]


# Creation templates ------------------------------------------------------------------------


def test_template_requirements() -> None:
    value = {
        "Bad Prefix": {
            "applied_for": ["ON_PULL"],
            "image_tag_mutability": "IMMUTABLE_WITH_EXCLUSION",
            "encryption": {"type": "KMS", "kms_key": "alias/ecr"},
            "tags": {"team": "a"},
        }
    }
    assert issue_paths(CREATION_TEMPLATES, value) == [
        "Bad Prefix",
        "Bad Prefix.applied_for",
        "Bad Prefix.image_tag_mutability_exclusions",
        "Bad Prefix.encryption.kms_key",
        "Bad Prefix.custom_role_arn",
    ]
    text = messages(CREATION_TEMPLATES, value)
    assert "full ARN" in text and "custom_role_arn" in text


def test_template_needs_applied_for_and_checks_documents() -> None:
    value = {
        "team": {
            "description": "d" * 257,
            "image_tag_mutability_exclusions": ["ok"],
            "lifecycle_policy": {"rules": [{"rulePriority": 1}]},
            "repository_policy": "not a document",
        }
    }
    found = issue_paths(CREATION_TEMPLATES, value)
    assert found[:3] == [
        "team.applied_for",
        "team.description",
        "team.image_tag_mutability_exclusions",
    ]
    assert any(p.startswith("team.lifecycle_policy.rules[0]") for p in found)
    assert found[-1] == "team.repository_policy"


def test_template_encryption_aes_with_key() -> None:
    value = {
        "ROOT": {"applied_for": ["REPLICATION"], "encryption": {"type": "AES256", "kms_key": KEY}}
    }
    assert issue_paths(CREATION_TEMPLATES, value) == ["ROOT.encryption.kms_key"]


# Account settings --------------------------------------------------------------------------


def test_account_settings_names_and_values() -> None:
    value = {"REGISTRY_POLICY_SCOPE": "V3", "SCAN_VERSION": "AWS_NATIVE"}
    assert issue_paths(ACCOUNT_SETTINGS, value) == ["REGISTRY_POLICY_SCOPE", "SCAN_VERSION"]
    assert "V1, V2" in messages(ACCOUNT_SETTINGS, value)


def test_wrong_top_level_types_are_reported_not_raised() -> None:
    for kind in (SCANNING, REPLICATION, PULL_THROUGH_CACHE_RULES, CREATION_TEMPLATES):
        assert issue_paths(kind, ["not", "a", "mapping"]) == [""]
    assert issue_paths(REGISTRY_POLICY, "text") == [""]
    assert issue_paths("signing", {}) == [""]
