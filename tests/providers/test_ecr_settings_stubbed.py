"""Pull-through cache rules, repository creation templates and account settings, through
botocore's Stubber on a real boto3 ECR client.

moto does not implement these APIs (it answers them with NotImplementedError), so these tests
stub the service: the Stubber checks that each request regform sends is exactly the one expected,
and validates every request and every canned response against ECR's real service model. The
exact request parameters of scanning and replication writes are checked here too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from ecr_helpers import Calls

from regform.errors import ProviderError
from regform.plan import Action, Change
from regform.providers.ecr.settings import PAGE_SIZE, apply_setting_change, read_settings
from regform.registry_settings import (
    ACCOUNT_SETTINGS,
    CREATION_TEMPLATES,
    PULL_THROUGH_CACHE_RULES,
    REPLICATION,
    SCANNING,
    settings_equal,
)

ACCOUNT = "123456789012"
WHEN = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
SECRET = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:ecr-pullthroughcache/docker-hub-AbCdEf"
SECRET_2 = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:ecr-pullthroughcache/hub-2-XyZ123"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/ecr-templates"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
LIFECYCLE = {
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
}


@pytest.fixture
def ecr() -> Any:
    return boto3.client(
        "ecr",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def stub(ecr: Any) -> Iterator[Stubber]:
    with Stubber(ecr) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def change(kind: str, name: str, action: Action, before: Any = None, after: Any = None) -> Change:
    return Change("main", kind, name, action, before=before, after=after)


# Pull-through cache rules ------------------------------------------------------------------


def api_rule(prefix: str, url: str, upstream: str, **extra: Any) -> dict[str, Any]:
    return {
        "ecrRepositoryPrefix": prefix,
        "upstreamRegistryUrl": url,
        "upstreamRegistry": upstream,
        "registryId": ACCOUNT,
        "createdAt": WHEN,
        "updatedAt": WHEN,
        "upstreamRepositoryPrefix": "ROOT",
        **extra,
    }


def test_pull_through_rules_are_read_from_every_page(ecr: Any, stub: Stubber) -> None:
    stub.add_response(
        "describe_pull_through_cache_rules",
        {
            "pullThroughCacheRules": [
                api_rule("docker-hub", "registry-1.docker.io", "docker-hub", credentialArn=SECRET)
            ],
            "nextToken": "page-2",
        },
        {"maxResults": PAGE_SIZE},
    )
    stub.add_response(
        "describe_pull_through_cache_rules",
        {"pullThroughCacheRules": [api_rule("quay", "quay.io", "quay")]},
        {"maxResults": PAGE_SIZE, "nextToken": "page-2"},
    )
    calls = Calls()
    got = read_settings(ecr, frozenset({PULL_THROUGH_CACHE_RULES}), calls)[PULL_THROUGH_CACHE_RULES]
    assert calls.ops == ["DescribePullThroughCacheRules"] * 2
    assert got["docker-hub"] == {
        "upstream_registry_url": "registry-1.docker.io",
        "upstream_registry": "docker-hub",
        "credential_arn": SECRET,
        "custom_role_arn": None,
        "upstream_repository_prefix": "ROOT",
    }
    declared = {
        "docker-hub": {"upstream_registry_url": "registry-1.docker.io", "credential_arn": SECRET},
        "quay": {"upstream_registry_url": "quay.io"},
    }
    assert settings_equal(PULL_THROUGH_CACHE_RULES, declared, got)


def test_pull_through_create_sends_what_is_declared(ecr: Any, stub: Stubber) -> None:
    stub.add_response(
        "create_pull_through_cache_rule",
        {
            "ecrRepositoryPrefix": "docker-hub",
            "upstreamRegistryUrl": "registry-1.docker.io",
            "createdAt": WHEN,
            "registryId": ACCOUNT,
            "upstreamRegistry": "docker-hub",
            "credentialArn": SECRET,
        },
        {
            "ecrRepositoryPrefix": "docker-hub",
            "upstreamRegistryUrl": "registry-1.docker.io",
            "upstreamRegistry": "docker-hub",
            "credentialArn": SECRET,
        },
    )
    after = {
        "upstream_registry_url": "registry-1.docker.io",
        "upstream_registry": "docker-hub",
        "credential_arn": SECRET,
    }
    calls = Calls()
    apply_setting_change(
        ecr, change(PULL_THROUGH_CACHE_RULES, "docker-hub", Action.CREATE, after=after), count=calls
    )
    assert calls.ops == ["CreatePullThroughCacheRule"]


def test_pull_through_update_sets_the_new_credential(ecr: Any, stub: Stubber) -> None:
    stub.add_response(
        "update_pull_through_cache_rule",
        {"ecrRepositoryPrefix": "docker-hub", "registryId": ACCOUNT, "credentialArn": SECRET_2},
        {"ecrRepositoryPrefix": "docker-hub", "credentialArn": SECRET_2},
    )
    before = {"upstream_registry_url": "registry-1.docker.io", "credential_arn": SECRET}
    after = {**before, "credential_arn": SECRET_2}
    apply_setting_change(
        ecr, change(PULL_THROUGH_CACHE_RULES, "docker-hub", Action.UPDATE, before, after)
    )


def test_pull_through_update_of_the_upstream_is_refused(ecr: Any, stub: Stubber) -> None:
    before = {"upstream_registry_url": "registry-1.docker.io", "credential_arn": SECRET}
    after = {"upstream_registry_url": "ghcr.io", "credential_arn": SECRET}
    with pytest.raises(ProviderError, match="replace"):
        apply_setting_change(
            ecr, change(PULL_THROUGH_CACHE_RULES, "docker-hub", Action.UPDATE, before, after)
        )


def test_pull_through_replace_deletes_then_creates(ecr: Any, stub: Stubber) -> None:
    stub.add_response(
        "delete_pull_through_cache_rule",
        {"ecrRepositoryPrefix": "cache", "upstreamRegistryUrl": "quay.io", "registryId": ACCOUNT},
        {"ecrRepositoryPrefix": "cache"},
    )
    stub.add_response(
        "create_pull_through_cache_rule",
        {"ecrRepositoryPrefix": "cache", "upstreamRegistryUrl": "registry.k8s.io"},
        {"ecrRepositoryPrefix": "cache", "upstreamRegistryUrl": "registry.k8s.io"},
    )
    calls = Calls()
    apply_setting_change(
        ecr,
        change(
            PULL_THROUGH_CACHE_RULES,
            "cache",
            Action.REPLACE,
            {"upstream_registry_url": "quay.io"},
            {"upstream_registry_url": "registry.k8s.io"},
        ),
        count=calls,
    )
    assert calls.ops == ["DeletePullThroughCacheRule", "CreatePullThroughCacheRule"]


def test_pull_through_delete_succeeds_when_already_gone(ecr: Any, stub: Stubber) -> None:
    stub.add_client_error(
        "delete_pull_through_cache_rule",
        service_error_code="PullThroughCacheRuleNotFoundException",
        service_message="The pull through cache rule does not exist",
        expected_params={"ecrRepositoryPrefix": "quay"},
    )
    before = {"upstream_registry_url": "quay.io"}
    apply_setting_change(ecr, change(PULL_THROUGH_CACHE_RULES, "quay", Action.DELETE, before))


def test_a_failed_create_names_operation_prefix_and_aws_error(ecr: Any, stub: Stubber) -> None:
    stub.add_client_error(
        "create_pull_through_cache_rule",
        service_error_code="UnableToAccessSecretException",
        service_message="The secret cannot be read",
        http_status_code=400,
    )
    after = {"upstream_registry_url": "ghcr.io", "credential_arn": SECRET}
    with pytest.raises(ProviderError) as err:
        apply_setting_change(
            ecr, change(PULL_THROUGH_CACHE_RULES, "ghcr", Action.CREATE, None, after)
        )
    text = str(err.value)
    for part in (
        "CreatePullThroughCacheRule",
        "ghcr",
        "UnableToAccessSecretException",
        "cannot be read",
    ):
        assert part in text


# Creation templates ------------------------------------------------------------------------


def api_template(prefix: str, **extra: Any) -> dict[str, Any]:
    return {
        "prefix": prefix,
        "appliedFor": ["PULL_THROUGH_CACHE"],
        "imageTagMutability": "MUTABLE",
        "encryptionConfiguration": {"encryptionType": "AES256"},
        "resourceTags": [],
        "createdAt": WHEN,
        "updatedAt": WHEN,
        **extra,
    }


TEMPLATE = {
    "applied_for": ["REPLICATION", "PULL_THROUGH_CACHE"],
    "description": "cached upstream images",
    "image_tag_mutability": "IMMUTABLE_WITH_EXCLUSION",
    "image_tag_mutability_exclusions": ["latest"],
    "encryption": {"type": "KMS", "kms_key": KEY},
    "lifecycle_policy": LIFECYCLE,
    "tags": {"team": "platform", "cost": "shared"},
    "custom_role_arn": ROLE,
}


def test_templates_are_read_from_every_page(ecr: Any, stub: Stubber) -> None:
    stub.add_response(
        "describe_repository_creation_templates",
        {
            "registryId": ACCOUNT,
            "repositoryCreationTemplates": [
                api_template(
                    "docker-hub",
                    appliedFor=["PULL_THROUGH_CACHE", "REPLICATION"],
                    description="cached upstream images",
                    imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
                    imageTagMutabilityExclusionFilters=[
                        {"filter": "latest", "filterType": "WILDCARD"}
                    ],
                    encryptionConfiguration={"encryptionType": "KMS", "kmsKey": KEY},
                    lifecyclePolicy=json.dumps(LIFECYCLE, indent=2),
                    resourceTags=[
                        {"Key": "team", "Value": "platform"},
                        {"Key": "cost", "Value": "shared"},
                    ],
                    customRoleArn=ROLE,
                )
            ],
            "nextToken": "t2",
        },
        {"maxResults": PAGE_SIZE},
    )
    stub.add_response(
        "describe_repository_creation_templates",
        {"registryId": ACCOUNT, "repositoryCreationTemplates": [api_template("ROOT")]},
        {"maxResults": PAGE_SIZE, "nextToken": "t2"},
    )
    calls = Calls()
    got = read_settings(ecr, frozenset({CREATION_TEMPLATES}), calls)[CREATION_TEMPLATES]
    assert calls.ops == ["DescribeRepositoryCreationTemplates"] * 2
    assert sorted(got) == ["ROOT", "docker-hub"]
    assert got["docker-hub"]["lifecycle_policy"] == LIFECYCLE
    assert got["docker-hub"]["tags"] == {"cost": "shared", "team": "platform"}
    assert got["ROOT"]["repository_policy"] is None
    declared = {"docker-hub": TEMPLATE, "ROOT": {"applied_for": ["PULL_THROUGH_CACHE"]}}
    assert settings_equal(CREATION_TEMPLATES, declared, got)


def test_template_create_sends_the_whole_template(ecr: Any, stub: Stubber) -> None:
    stub.add_response(
        "create_repository_creation_template",
        {"registryId": ACCOUNT, "repositoryCreationTemplate": api_template("docker-hub")},
        {
            "prefix": "docker-hub",
            "appliedFor": ["PULL_THROUGH_CACHE", "REPLICATION"],
            "description": "cached upstream images",
            "imageTagMutability": "IMMUTABLE_WITH_EXCLUSION",
            "imageTagMutabilityExclusionFilters": [{"filter": "latest", "filterType": "WILDCARD"}],
            "encryptionConfiguration": {"encryptionType": "KMS", "kmsKey": KEY},
            "lifecyclePolicy": json.dumps(LIFECYCLE, separators=(",", ":")),
            "resourceTags": [
                {"Key": "cost", "Value": "shared"},
                {"Key": "team", "Value": "platform"},
            ],
            "customRoleArn": ROLE,
        },
    )
    apply_setting_change(
        ecr, change(CREATION_TEMPLATES, "docker-hub", Action.CREATE, after=TEMPLATE)
    )


def test_template_update_clears_what_the_config_dropped(ecr: Any, stub: Stubber) -> None:
    after = {"applied_for": ["PULL_THROUGH_CACHE"], "encryption": {"type": "AES256"}}
    stub.add_response(
        "update_repository_creation_template",
        {"registryId": ACCOUNT, "repositoryCreationTemplate": api_template("docker-hub")},
        {
            "prefix": "docker-hub",
            "appliedFor": ["PULL_THROUGH_CACHE"],
            "description": "",
            "imageTagMutability": "MUTABLE",
            "encryptionConfiguration": {"encryptionType": "AES256"},
            "lifecyclePolicy": "",
            "repositoryPolicy": "",
            "resourceTags": [],
            "customRoleArn": "",
        },
    )
    apply_setting_change(
        ecr, change(CREATION_TEMPLATES, "docker-hub", Action.UPDATE, TEMPLATE, after)
    )


def test_template_delete_succeeds_when_already_gone(ecr: Any, stub: Stubber) -> None:
    stub.add_response(
        "delete_repository_creation_template",
        {"registryId": ACCOUNT, "repositoryCreationTemplate": api_template("ROOT")},
        {"prefix": "ROOT"},
    )
    stub.add_client_error(
        "delete_repository_creation_template",
        service_error_code="TemplateNotFoundException",
        service_message="no such template",
        expected_params={"prefix": "team-a"},
    )
    apply_setting_change(ecr, change(CREATION_TEMPLATES, "ROOT", Action.DELETE, TEMPLATE))
    apply_setting_change(ecr, change(CREATION_TEMPLATES, "team-a", Action.DELETE, TEMPLATE))


# Account settings --------------------------------------------------------------------------


def test_account_settings_read_the_names_given(ecr: Any, stub: Stubber) -> None:
    for name, value in (("BLOB_MOUNTING", "ENABLED"), ("REGISTRY_POLICY_SCOPE", "V2")):
        stub.add_response("get_account_setting", {"name": name, "value": value}, {"name": name})
    calls = Calls()
    got = read_settings(
        ecr,
        frozenset({ACCOUNT_SETTINGS}),
        calls,
        account_setting_names=["REGISTRY_POLICY_SCOPE", "BLOB_MOUNTING"],
    )
    assert got == {ACCOUNT_SETTINGS: {"BLOB_MOUNTING": "ENABLED", "REGISTRY_POLICY_SCOPE": "V2"}}
    assert calls.ops == ["GetAccountSetting"] * 2


def test_account_settings_without_names_read_every_known_one(ecr: Any, stub: Stubber) -> None:
    known = ("BASIC_SCAN_TYPE_VERSION", "BLOB_MOUNTING", "REGISTRY_POLICY_SCOPE")
    for name, value in zip(known, ("AWS_NATIVE", "DISABLED", "V2"), strict=True):
        stub.add_response("get_account_setting", {"name": name, "value": value}, {"name": name})
    got = read_settings(ecr, frozenset({ACCOUNT_SETTINGS}), Calls())[ACCOUNT_SETTINGS]
    assert sorted(got) == list(known)


def test_account_settings_put_only_what_differs(ecr: Any, stub: Stubber) -> None:
    stub.add_response(
        "put_account_setting",
        {"name": "REGISTRY_POLICY_SCOPE", "value": "V2"},
        {"name": "REGISTRY_POLICY_SCOPE", "value": "V2"},
    )
    before = {"REGISTRY_POLICY_SCOPE": "V1", "BLOB_MOUNTING": "ENABLED"}
    after = {"REGISTRY_POLICY_SCOPE": "V2", "BLOB_MOUNTING": "ENABLED"}
    apply_setting_change(ecr, change(ACCOUNT_SETTINGS, "registry", Action.UPDATE, before, after))


def test_account_settings_removal_makes_no_call(ecr: Any, stub: Stubber) -> None:
    before = {"BLOB_MOUNTING": "ENABLED"}
    apply_setting_change(ecr, change(ACCOUNT_SETTINGS, "registry", Action.DELETE, before, None))


# Exact writes of the singletons ------------------------------------------------------------


def test_scanning_reset_sends_an_explicit_empty_rule_list(ecr: Any, stub: Stubber) -> None:
    stub.add_response(
        "put_registry_scanning_configuration",
        {"registryScanningConfiguration": {"scanType": "BASIC", "rules": []}},
        {"scanType": "BASIC", "rules": []},
    )
    before = {
        "scan_type": "ENHANCED",
        "rules": [{"frequency": "CONTINUOUS_SCAN", "filters": ["*"]}],
    }
    apply_setting_change(ecr, change(SCANNING, "registry", Action.DELETE, before, None))


def test_replication_write_omits_empty_filters_and_sets_delete_replication(
    ecr: Any, stub: Stubber
) -> None:
    expected = {
        "rules": [
            {
                "destinations": [{"region": "eu-west-1", "registryId": ACCOUNT}],
                "deleteReplication": {"enabled": True},
            }
        ]
    }
    stub.add_response(
        "put_replication_configuration",
        {"replicationConfiguration": expected},
        {"replicationConfiguration": expected},
    )
    after = {
        "rules": [
            {
                "destinations": [{"region": "eu-west-1", "registry_id": ACCOUNT}],
                "delete_replication": True,
            }
        ]
    }
    apply_setting_change(ecr, change(REPLICATION, "registry", Action.UPDATE, None, after))


def test_an_unknown_kind_is_refused(ecr: Any, stub: Stubber) -> None:
    with pytest.raises(ProviderError, match="signing"):
        apply_setting_change(ecr, change("signing", "registry", Action.UPDATE, None, {}))
    with pytest.raises(ValueError, match="signing"):
        read_settings(ecr, frozenset({"signing"}), Calls())
