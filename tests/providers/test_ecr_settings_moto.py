"""Registry policy, scanning and replication settings against moto's ECR server over HTTP.

These are the setting kinds moto implements. Its limits shape the cases: moto accepts a single
replication rule (more gives "This feature is disabled"), rejects a destination equal to the
source registry, and accepts only ecr:CreateRepository and ecr:ReplicateImage in a registry
policy.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from ecr_helpers import Calls

from regform.errors import ProviderError
from regform.plan import Action, Change
from regform.providers.ecr.settings import apply_setting_change, read_settings
from regform.registry_settings import (
    REGISTRY_POLICY,
    REPLICATION,
    SCANNING,
    normalize_setting,
    setting_changes,
    setting_field_changes,
    settings_equal,
)

pytestmark = pytest.mark.server

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's account
OTHER = "210987654321"
SINGLETONS = frozenset({REGISTRY_POLICY, SCANNING, REPLICATION})

POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "ReplicateIn",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
            "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
            "Resource": f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/*",
        }
    ],
}


@pytest.fixture
def ecr(moto_reset: str) -> Any:
    return boto3.client("ecr", region_name=REGION, endpoint_url=moto_reset)


def change(kind: str, action: Action, before: Any = None, after: Any = None) -> Change:
    return Change("main", kind, "registry", action, before=before, after=after)


def read(ecr: Any, kind: str) -> Any:
    return read_settings(ecr, frozenset({kind}), Calls())[kind]


def converge(ecr: Any, kind: str, desired: Any) -> None:
    """Plan the changes of one kind, apply them, and check that a second plan is empty."""
    for planned in setting_changes("main", kind, desired, read(ecr, kind)):
        apply_setting_change(ecr, planned)
    assert setting_changes("main", kind, desired, read(ecr, kind)) == []


def test_a_new_registry_reads_as_defaults_one_call_per_kind(ecr: Any) -> None:
    calls = Calls()
    assert read_settings(ecr, SINGLETONS, calls) == {
        REGISTRY_POLICY: None,
        SCANNING: {"scan_type": "BASIC", "rules": []},
        REPLICATION: {"rules": []},
    }
    assert calls.ops == [
        "GetRegistryPolicy",
        "GetRegistryScanningConfiguration",
        "DescribeRegistry",
    ]


def test_only_the_kinds_asked_for_are_read(ecr: Any) -> None:
    calls = Calls()
    assert list(read_settings(ecr, frozenset({REPLICATION}), calls)) == [REPLICATION]
    assert calls.ops == ["DescribeRegistry"]


# Registry policy ---------------------------------------------------------------------------


def test_registry_policy_create_update_delete(ecr: Any) -> None:
    converge(ecr, REGISTRY_POLICY, POLICY)
    assert read(ecr, REGISTRY_POLICY) == POLICY  # the text is stored as written

    narrower = {**POLICY, "Statement": [{**POLICY["Statement"][0], "Action": "ecr:ReplicateImage"}]}
    converge(ecr, REGISTRY_POLICY, narrower)
    assert settings_equal(REGISTRY_POLICY, narrower, read(ecr, REGISTRY_POLICY))
    assert not settings_equal(REGISTRY_POLICY, POLICY, read(ecr, REGISTRY_POLICY))

    converge(ecr, REGISTRY_POLICY, None)
    assert read(ecr, REGISTRY_POLICY) is None
    # deleting again (someone removed it meanwhile) is not an error
    apply_setting_change(ecr, change(REGISTRY_POLICY, Action.DELETE, before=POLICY))


def test_registry_policy_equivalent_declaration_plans_nothing(ecr: Any) -> None:
    converge(ecr, REGISTRY_POLICY, POLICY)
    equivalent = {
        "Version": "2012-10-17",
        "Statement": {
            "Effect": "Allow",
            "Principal": {"AWS": [OTHER]},
            "Action": ["ecr:ReplicateImage", "ecr:CreateRepository"],
            "Resource": [f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/*"],
        },
    }
    actual = read(ecr, REGISTRY_POLICY)
    assert setting_field_changes(REGISTRY_POLICY, actual, equivalent) == ()
    assert normalize_setting(REGISTRY_POLICY, actual) == normalize_setting(
        REGISTRY_POLICY, equivalent
    )


def test_a_rejected_registry_policy_names_the_operation_and_aws_message(ecr: Any) -> None:
    bad = {**POLICY, "Statement": [{**POLICY["Statement"][0], "Action": "ecr:BatchGetImage"}]}
    with pytest.raises(ProviderError) as err:
        apply_setting_change(ecr, change(REGISTRY_POLICY, Action.CREATE, after=bad))
    assert "PutRegistryPolicy" in str(err.value)
    assert "Invalid registry policy provided" in str(err.value)
    assert read(ecr, REGISTRY_POLICY) is None


# Scanning ----------------------------------------------------------------------------------

ENHANCED = {
    "scan_type": "ENHANCED",
    "rules": [
        {"frequency": "CONTINUOUS_SCAN", "filters": ["prod-*", "api"]},
        {"frequency": "SCAN_ON_PUSH", "filters": ["*"]},
    ],
}


def test_scanning_update_is_idempotent(ecr: Any) -> None:
    converge(ecr, SCANNING, ENHANCED)
    actual = read(ecr, SCANNING)
    assert normalize_setting(SCANNING, actual) == normalize_setting(SCANNING, ENHANCED)
    reordered = {
        "scan_type": "ENHANCED",
        "rules": [
            {"frequency": "SCAN_ON_PUSH", "filters": ["*"]},
            {"frequency": "CONTINUOUS_SCAN", "filters": ["api", "prod-*"]},
        ],
    }
    assert setting_field_changes(SCANNING, actual, reordered) == ()


def test_scanning_change_of_rules_then_removal_resets_to_basic(ecr: Any) -> None:
    converge(ecr, SCANNING, ENHANCED)
    fewer = {"scan_type": "ENHANCED", "rules": [{"frequency": "CONTINUOUS_SCAN", "filters": ["*"]}]}
    converge(ecr, SCANNING, fewer)
    assert read(ecr, SCANNING) == {"scan_type": "ENHANCED", "rules": fewer["rules"]}
    # "no scanning configuration" puts BASIC with no rules
    apply_setting_change(ecr, change(SCANNING, Action.DELETE, before=fewer))
    assert read(ecr, SCANNING) == {"scan_type": "BASIC", "rules": []}


# Replication -------------------------------------------------------------------------------

REPLICATE = {
    "rules": [
        {
            "destinations": [
                {"region": "us-west-2", "registry_id": ACCOUNT},
                {"region": "eu-west-1", "registry_id": OTHER},
            ],
            "filters": ["team-a", "prod"],
            "delete_replication": True,
        }
    ]
}


def test_replication_put_read_and_remove(ecr: Any) -> None:
    converge(ecr, REPLICATION, REPLICATE)
    actual = read(ecr, REPLICATION)
    assert settings_equal(REPLICATION, REPLICATE, actual)
    assert actual["rules"][0]["delete_replication"] is True
    assert actual["rules"][0]["filters"] == ["prod", "team-a"]

    no_deletes = {"rules": [{**REPLICATE["rules"][0], "delete_replication": False}]}
    (field,) = setting_field_changes(REPLICATION, actual, no_deletes)
    assert field.path == "rules[0].delete_replication"
    converge(ecr, REPLICATION, no_deletes)
    assert "delete_replication" not in read(ecr, REPLICATION)["rules"][0]

    apply_setting_change(ecr, change(REPLICATION, Action.DELETE, before=no_deletes))
    assert read(ecr, REPLICATION) == {"rules": []}


def test_replication_without_filters_round_trips(ecr: Any) -> None:
    everything = {"rules": [{"destinations": [{"region": "us-west-2", "registry_id": ACCOUNT}]}]}
    converge(ecr, REPLICATION, everything)
    assert read(ecr, REPLICATION) == {
        "rules": [
            {"destinations": [{"region": "us-west-2", "registry_id": ACCOUNT}], "filters": []}
        ]
    }


def test_replication_rejected_destination_raises_provider_error(ecr: Any) -> None:
    to_self = {"rules": [{"destinations": [{"region": REGION, "registry_id": ACCOUNT}]}]}
    with pytest.raises(ProviderError) as err:
        converge(ecr, REPLICATION, to_self)
    assert "PutReplicationConfiguration" in str(err.value)
    assert "cannot be the same as the source registry" in str(err.value)
