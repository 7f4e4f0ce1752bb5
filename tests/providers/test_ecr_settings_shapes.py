"""Registry settings: canonical shapes, normalization and the field changes a plan shows (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from regform.plan import Action
from regform.registry_settings import (
    ACCOUNT_SETTINGS,
    CREATION_TEMPLATES,
    PULL_THROUGH_CACHE_RULES,
    PULL_THROUGH_REPLACE_ON,
    REGISTRY_POLICY,
    REPLICATION,
    SCANNING,
    canonical_setting,
    normalize_setting,
    setting_changes,
    setting_entries,
    setting_field_changes,
    setting_notes,
    setting_requires_replace,
    settings_equal,
)

ACCOUNT = "123456789012"
OTHER = "210987654321"

REGISTRY_DOC = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "ReplicateFromOther",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
            "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
            "Resource": f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/*",
        }
    ],
}
# The same policy as IAM sees it: statement as an object, account id instead of the root ARN,
# actions reordered, keys in another order, no Sid.
REGISTRY_DOC_EQUIVALENT = {
    "Statement": {
        "Resource": [f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/*"],
        "Action": ["ecr:ReplicateImage", "ecr:CreateRepository"],
        "Principal": {"AWS": OTHER},
        "Effect": "Allow",
    },
    "Version": "2012-10-17",
}

TEMPLATE: dict[str, Any] = {
    "applied_for": ["PULL_THROUGH_CACHE", "REPLICATION"],
    "description": "cached images",
    "image_tag_mutability": "IMMUTABLE_WITH_EXCLUSION",
    "image_tag_mutability_exclusions": ["latest", "dev-*"],
    "encryption": {"type": "AES256"},
    "lifecycle_policy": {
        "rules": [
            {
                "rulePriority": 1,
                "selection": {
                    "tagStatus": "untagged",
                    "countType": "sinceImagePushed",
                    "countUnit": "days",
                    "countNumber": 7,
                },
                "action": {"type": "expire"},
            }
        ]
    },
    "repository_policy": None,
    "tags": {"team": "platform"},
    "custom_role_arn": f"arn:aws:iam::{ACCOUNT}:role/ecr-templates",
}


def paths(kind: str, before: Any, after: Any) -> list[str]:
    return [f.path for f in setting_field_changes(kind, before, after)]


# Registry policy ---------------------------------------------------------------------------


def test_equivalent_registry_policies_normalize_equal_and_show_no_change() -> None:
    assert normalize_setting(REGISTRY_POLICY, REGISTRY_DOC) == normalize_setting(
        REGISTRY_POLICY, REGISTRY_DOC_EQUIVALENT
    )
    assert setting_field_changes(REGISTRY_POLICY, REGISTRY_DOC, REGISTRY_DOC_EQUIVALENT) == ()
    assert settings_equal(REGISTRY_POLICY, REGISTRY_DOC_EQUIVALENT, REGISTRY_DOC)


def test_registry_policy_text_read_back_equals_the_declared_document() -> None:
    text = '{"Version":"2012-10-17","Statement":[' + (
        '{"Effect":"Allow","Principal":{"AWS":"210987654321"},'
        '"Action":"ecr:ReplicateImage","Resource":"*"}]}'
    )
    declared = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": [f"arn:aws:iam::{OTHER}:root"]},
                "Action": ["ecr:ReplicateImage"],
                "Resource": "*",
            }
        ],
    }
    assert settings_equal(REGISTRY_POLICY, declared, text)


def test_registry_policy_change_has_a_readable_diff() -> None:
    wider = {
        **REGISTRY_DOC,
        "Statement": [
            {**REGISTRY_DOC["Statement"][0], "Principal": {"AWS": [OTHER, "111111111111"]}}
        ],
    }
    (change,) = setting_field_changes(REGISTRY_POLICY, REGISTRY_DOC, wider)
    assert change.path == "policy"
    assert change.before == REGISTRY_DOC and change.after == wider
    assert any("111111111111" in line and line.startswith("~") for line in change.diff)


def test_registry_policy_absent_has_no_entry_and_removal_is_a_change() -> None:
    assert setting_entries(REGISTRY_POLICY, None) == {}
    assert setting_entries(REGISTRY_POLICY, REGISTRY_DOC) == {"registry": REGISTRY_DOC}
    (change,) = setting_field_changes(REGISTRY_POLICY, REGISTRY_DOC, None)
    assert (change.before, change.after) == (REGISTRY_DOC, None)
    assert not settings_equal(REGISTRY_POLICY, None, REGISTRY_DOC)


# Scanning ----------------------------------------------------------------------------------


def test_scanning_defaults_to_basic_without_rules() -> None:
    assert canonical_setting(SCANNING, None) == {"scan_type": "BASIC", "rules": []}
    assert settings_equal(SCANNING, {"scan_type": "BASIC"}, {"scan_type": "BASIC", "rules": []})


def test_scanning_rule_and_filter_order_do_not_matter() -> None:
    declared = {
        "scan_type": "ENHANCED",
        "rules": [
            {"frequency": "SCAN_ON_PUSH", "filters": ["*"]},
            {"frequency": "CONTINUOUS_SCAN", "filters": ["prod-*", "api"]},
        ],
    }
    read = {
        "scan_type": "ENHANCED",
        "rules": [
            {"frequency": "CONTINUOUS_SCAN", "filters": ["api", "prod-*", "api"]},
            {"frequency": "SCAN_ON_PUSH", "filters": ["*"]},
        ],
    }
    assert normalize_setting(SCANNING, declared) == normalize_setting(SCANNING, read)
    assert setting_field_changes(SCANNING, read, declared) == ()


def test_scanning_filter_change_names_the_rule_and_lists_filters() -> None:
    before = {
        "scan_type": "ENHANCED",
        "rules": [{"frequency": "CONTINUOUS_SCAN", "filters": ["a"]}],
    }
    after = {
        "scan_type": "ENHANCED",
        "rules": [
            {"frequency": "SCAN_ON_PUSH", "filters": ["*"]},
            {"frequency": "CONTINUOUS_SCAN", "filters": ["a", "prod-*"]},
        ],
    }
    changes = {f.path: f for f in setting_field_changes(SCANNING, before, after)}
    assert set(changes) == {"rules[0]", "rules[1].filters"}
    assert changes["rules[1].filters"].diff == ("+ prod-*",)
    assert changes["rules[0]"].before is None


def test_scanning_back_to_basic_lists_type_and_removed_rule() -> None:
    before = {
        "scan_type": "ENHANCED",
        "rules": [{"frequency": "CONTINUOUS_SCAN", "filters": ["*"]}],
    }
    assert paths(SCANNING, before, None) == ["scan_type", "rules[0]"]


# Replication -------------------------------------------------------------------------------


def rule(filters: list[str], *regions: str, **extra: Any) -> dict[str, Any]:
    dests = [{"region": r, "registry_id": OTHER} for r in regions]
    return {"destinations": dests, "filters": filters, **extra}


def test_replication_equivalent_orders_compare_equal() -> None:
    declared = {"rules": [rule(["b", "a"], "eu-west-1", "us-west-2"), rule(["c"], "ap-south-1")]}
    read = {"rules": [rule(["c"], "ap-south-1"), rule(["a", "b"], "us-west-2", "eu-west-1")]}
    assert settings_equal(REPLICATION, declared, read)
    assert setting_field_changes(REPLICATION, read, declared) == ()


def test_replication_pairs_rules_by_destination() -> None:
    before = {"rules": [rule(["team-a"], "us-west-2"), rule(["team-b"], "eu-west-1")]}
    after = {"rules": [rule(["team-b"], "eu-west-1"), rule(["team-a", "team-c"], "us-west-2")]}
    (change,) = setting_field_changes(REPLICATION, before, after)
    assert change.path == "rules[1].filters"
    assert change.diff == ("+ team-c",)


def test_replication_delete_replication_is_a_field_and_false_is_absent() -> None:
    plain = {"rules": [rule(["x1"], "us-west-2")]}
    explicit_false = {"rules": [rule(["x1"], "us-west-2", delete_replication=False)]}
    assert canonical_setting(REPLICATION, explicit_false) == canonical_setting(REPLICATION, plain)
    on = {"rules": [rule(["x1"], "us-west-2", delete_replication=True)]}
    (change,) = setting_field_changes(REPLICATION, plain, on)
    assert (change.path, change.before, change.after) == ("rules[0].delete_replication", None, True)


def test_replication_notes_say_removal_empties_it() -> None:
    assert "empty" in setting_notes(REPLICATION, Action.DELETE)[0]


# Pull-through cache rules ------------------------------------------------------------------

SECRET = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:ecr-pullthroughcache/hub"
DOCKER = {"upstream_registry_url": "registry-1.docker.io", "credential_arn": SECRET}


def test_pull_through_read_with_ecr_defaults_equals_the_short_declaration() -> None:
    read = {
        **DOCKER,
        "upstream_registry": "docker-hub",
        "upstream_repository_prefix": "ROOT",
        "custom_role_arn": None,
    }
    assert setting_field_changes(PULL_THROUGH_CACHE_RULES, read, DOCKER) == ()
    assert settings_equal(PULL_THROUGH_CACHE_RULES, {"docker-hub": DOCKER}, {"docker-hub": read})


def test_pull_through_credential_change_is_an_update() -> None:
    new = {**DOCKER, "credential_arn": DOCKER["credential_arn"] + "-2"}
    (change,) = setting_field_changes(PULL_THROUGH_CACHE_RULES, DOCKER, new)
    assert change.path == "credential_arn" and not change.forces_replacement
    assert not setting_requires_replace(PULL_THROUGH_CACHE_RULES, DOCKER, new)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("upstream_registry_url", "ghcr.io"),
        ("upstream_registry", "github-container-registry"),
        ("upstream_repository_prefix", "library"),
    ],
)
def test_pull_through_upstream_change_forces_replace(field: str, value: str) -> None:
    assert field in PULL_THROUGH_REPLACE_ON
    new = {**DOCKER, field: value}
    changed = setting_field_changes(PULL_THROUGH_CACHE_RULES, DOCKER, new)
    assert field in [f.path for f in changed]
    assert setting_requires_replace(PULL_THROUGH_CACHE_RULES, DOCKER, new)


def test_pull_through_removing_the_credential_forces_replace() -> None:
    quay = {"upstream_registry_url": "quay.io", "credential_arn": DOCKER["credential_arn"]}
    bare = {"upstream_registry_url": "quay.io"}
    assert setting_requires_replace(PULL_THROUGH_CACHE_RULES, quay, bare)


def test_pull_through_entries_are_one_per_prefix() -> None:
    value = {"docker-hub": DOCKER, "quay": {"upstream_registry_url": "quay.io"}}
    entries = setting_entries(PULL_THROUGH_CACHE_RULES, value)
    assert sorted(entries) == ["docker-hub", "quay"]
    assert entries["quay"]["upstream_registry"] is None
    created = paths(PULL_THROUGH_CACHE_RULES, None, DOCKER)
    assert created == ["upstream_registry_url", "credential_arn"]


# Creation templates ------------------------------------------------------------------------


def api_like(template: dict[str, Any]) -> dict[str, Any]:
    """The template as read back: reordered lists, policies and lifecycle as stored."""
    return {
        **template,
        "applied_for": list(reversed(template["applied_for"])),
        "image_tag_mutability_exclusions": sorted(template["image_tag_mutability_exclusions"]),
        "encryption": {"type": "AES256", "kms_key": None},
    }


def test_template_read_back_equals_declaration() -> None:
    assert setting_field_changes(CREATION_TEMPLATES, api_like(TEMPLATE), TEMPLATE) == ()
    assert settings_equal(CREATION_TEMPLATES, {"ROOT": TEMPLATE}, {"ROOT": api_like(TEMPLATE)})


def test_template_defaults_fill_in() -> None:
    item = setting_entries(CREATION_TEMPLATES, {"ROOT": {"applied_for": ["CREATE_ON_PUSH"]}})
    assert item["ROOT"]["image_tag_mutability"] == "MUTABLE"
    assert item["ROOT"]["encryption"] == {"type": "AES256", "kms_key": None}
    assert item["ROOT"]["tags"] == {}


def test_template_changes_name_each_field() -> None:
    after = {
        **TEMPLATE,
        "description": None,
        "tags": {"team": "infra", "cost": "shared"},
        "applied_for": ["CREATE_ON_PUSH", "PULL_THROUGH_CACHE", "REPLICATION"],
    }
    changes = {f.path: f for f in setting_field_changes(CREATION_TEMPLATES, TEMPLATE, after)}
    assert set(changes) == {"applied_for", "description", "tags.cost", "tags.team"}
    assert changes["applied_for"].diff == ("+ CREATE_ON_PUSH",)
    assert (changes["tags.team"].before, changes["tags.team"].after) == ("platform", "infra")


def test_template_kms_without_key_accepts_the_key_read() -> None:
    kms = {**TEMPLATE, "encryption": {"type": "KMS"}}
    read = {
        **TEMPLATE,
        "encryption": {"type": "KMS", "kms_key": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/abc"},
    }
    assert setting_field_changes(CREATION_TEMPLATES, read, kms) == ()
    to_aes = setting_field_changes(CREATION_TEMPLATES, read, TEMPLATE)
    assert [f.path for f in to_aes] == ["encryption"]


def test_template_lifecycle_change_carries_a_diff() -> None:
    lifecycle = TEMPLATE["lifecycle_policy"]
    rule = lifecycle["rules"][0]
    longer = {"rules": [{**rule, "selection": {**rule["selection"], "countNumber": 14}}]}
    (change,) = setting_field_changes(
        CREATION_TEMPLATES, TEMPLATE, {**TEMPLATE, "lifecycle_policy": longer}
    )
    assert change.path == "lifecycle_policy"
    assert any("countNumber" in line and "14" in line for line in change.diff)


# Account settings --------------------------------------------------------------------------


def test_account_settings_compare_only_declared_names() -> None:
    read = {"BASIC_SCAN_TYPE_VERSION": "AWS_NATIVE", "REGISTRY_POLICY_SCOPE": "V1"}
    assert settings_equal(ACCOUNT_SETTINGS, {"BASIC_SCAN_TYPE_VERSION": "AWS_NATIVE"}, read)
    (change,) = setting_field_changes(ACCOUNT_SETTINGS, read, {"REGISTRY_POLICY_SCOPE": "V2"})
    assert (change.path, change.before, change.after) == ("REGISTRY_POLICY_SCOPE", "V1", "V2")


def test_account_settings_removal_changes_nothing_and_says_so() -> None:
    assert setting_field_changes(ACCOUNT_SETTINGS, {"BLOB_MOUNTING": "ENABLED"}, None) == ()
    assert "never reset" in setting_notes(ACCOUNT_SETTINGS, Action.DELETE)[0]


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown setting kind"):
        setting_field_changes("signing", None, {})


# Changes for the plan ----------------------------------------------------------------------


def test_setting_changes_for_keyed_kinds() -> None:
    quay = {"upstream_registry_url": "quay.io"}
    desired = {"docker-hub": DOCKER, "k8s": {"upstream_registry_url": "registry.k8s.io"}}
    actual = {
        "docker-hub": {**DOCKER, "upstream_registry_url": "mirror.gcr.io"},
        "k8s": {"upstream_registry_url": "registry.k8s.io", "upstream_registry": "k8s"},
        "quay": quay,
    }
    kept = setting_changes("main", PULL_THROUGH_CACHE_RULES, desired, actual)
    assert [(c.name, c.action) for c in kept] == [("docker-hub", Action.REPLACE)]
    assert kept[0].address == "main:pull_through_cache_rules/docker-hub"
    assert kept[0].after == setting_entries(PULL_THROUGH_CACHE_RULES, desired)["docker-hub"]
    pruned = setting_changes("main", PULL_THROUGH_CACHE_RULES, desired, actual, prune=True)
    assert [(c.name, c.action) for c in pruned][-1] == ("quay", Action.DELETE)
    created = setting_changes("main", PULL_THROUGH_CACHE_RULES, {"quay": quay}, {})
    assert [(c.name, c.action) for c in created] == [("quay", Action.CREATE)]


def test_setting_changes_for_singletons() -> None:
    assert setting_changes("main", REGISTRY_POLICY, REGISTRY_DOC_EQUIVALENT, REGISTRY_DOC) == []
    (gone,) = setting_changes("main", REGISTRY_POLICY, None, REGISTRY_DOC)
    assert (gone.name, gone.action, gone.after) == ("registry", Action.DELETE, None)
    # a registry always has a scanning configuration: none read means the BASIC default
    (scan,) = setting_changes("main", SCANNING, {"scan_type": "ENHANCED"}, None)
    assert scan.action is Action.UPDATE and [f.path for f in scan.fields] == ["scan_type"]
    assert scan.before == {"scan_type": "BASIC", "rules": []}


def test_setting_changes_show_only_declared_account_settings() -> None:
    read = {"BASIC_SCAN_TYPE_VERSION": "AWS_NATIVE", "REGISTRY_POLICY_SCOPE": "V1"}
    (one,) = setting_changes("main", ACCOUNT_SETTINGS, {"REGISTRY_POLICY_SCOPE": "V2"}, read)
    assert one.before == {"REGISTRY_POLICY_SCOPE": "V1"}
    assert one.after == {"REGISTRY_POLICY_SCOPE": "V2"}
    assert one.notes
    assert setting_changes("main", ACCOUNT_SETTINGS, {"REGISTRY_POLICY_SCOPE": "V1"}, read) == []
