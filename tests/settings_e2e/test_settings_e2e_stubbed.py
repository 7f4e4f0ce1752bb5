"""Pull-through cache rules, creation templates and account settings declared in YAML, planned
and applied through the workflow (make_plan, apply_plan, make_plan again).

moto's emulator does not implement these APIs, so the ECR provider runs here on a real boto3
client wrapped in botocore's Stubber: every request regform sends is checked against the one
expected, and every request and canned response is validated against ECR's real service model.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from settings_e2e_helpers import ACCOUNT

from regform.config import load_config
from regform.model import Config
from regform.plan import Action
from regform.providers.ecr.provider import EcrProvider
from regform.render import render
from regform.workflows.plan_apply import apply_plan, make_plan

WHEN = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
SECRET = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:ecr-pullthroughcache/hub-AbCdEf"
PAGE = {"maxResults": 1000}

CONFIG = f"""
version: 1
registries:
  prod:
    provider: ecr
    region: us-east-1
    settings:
      pull_through_cache_rules:
        docker-hub:
          upstream_registry_url: registry-1.docker.io
          credential_arn: {SECRET}
      creation_templates:
        ROOT:
          applied_for: [CREATE_ON_PUSH]
          image_tag_mutability: IMMUTABLE
      account_settings:
        REGISTRY_POLICY_SCOPE: V2
"""


def client(name: str) -> Any:
    return boto3.client(
        name, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )


@pytest.fixture
def ecr() -> Any:
    return client("ecr")


@pytest.fixture
def stub(ecr: Any) -> Iterator[Stubber]:
    with Stubber(ecr) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def load(tmp_path: Path, text: str) -> Config:
    path = tmp_path / "regform.yaml"
    path.write_text(text)
    return load_config([path])


def provider(ecr: Any, config: Config) -> EcrProvider:
    """The provider as ``EcrProvider.from_config`` builds it, on the stubbed client."""
    settings = config.registries["prod"].settings
    return EcrProvider(
        "prod", ecr=ecr, sts=client("sts"), kms=client("kms"), declared_settings=settings
    )


def api_rule() -> dict[str, Any]:
    return {
        "ecrRepositoryPrefix": "docker-hub",
        "upstreamRegistryUrl": "registry-1.docker.io",
        "upstreamRegistry": "docker-hub",
        "credentialArn": SECRET,
        "registryId": ACCOUNT,
        "createdAt": WHEN,
        "upstreamRepositoryPrefix": "ROOT",
    }


def api_template() -> dict[str, Any]:
    return {
        "prefix": "ROOT",
        "appliedFor": ["CREATE_ON_PUSH"],
        "imageTagMutability": "IMMUTABLE",
        "encryptionConfiguration": {"encryptionType": "AES256"},
        "createdAt": WHEN,
        "updatedAt": WHEN,
    }


def expect_reads(
    stub: Stubber, rules: list[Any], templates: list[Any], scope: tuple[str, str]
) -> None:
    """The reads of one plan: the listing, then each declared kind in turn."""
    stub.add_response("describe_repositories", {"repositories": []}, PAGE)
    stub.add_response("describe_pull_through_cache_rules", {"pullThroughCacheRules": rules}, PAGE)
    stub.add_response(
        "describe_repository_creation_templates",
        {"registryId": ACCOUNT, "repositoryCreationTemplates": templates},
        PAGE,
    )
    name, value = scope
    stub.add_response("get_account_setting", {"name": name, "value": value}, {"name": name})


def test_stubbed_settings_plan_apply_and_plan_again_to_nothing(
    tmp_path: Path, ecr: Any, stub: Stubber
) -> None:
    config = load(tmp_path, CONFIG)
    p = provider(ecr, config)

    expect_reads(stub, [], [], ("REGISTRY_POLICY_SCOPE", "V1"))
    plan = make_plan(config, {"prod": p})
    actions = {(c.kind, c.name): c.action for c in plan.changes}
    assert actions == {
        ("pull_through_cache_rules", "docker-hub"): Action.CREATE,
        ("creation_templates", "ROOT"): Action.CREATE,
        ("account_settings", "registry"): Action.UPDATE,
    }
    text = render(plan, "text")
    assert '~ REGISTRY_POLICY_SCOPE: "V1" -> "V2"' in text
    assert "# account settings are never reset: a name removed from the config keeps its value" in (
        text
    )
    assert "+ pull_through_cache_rules/docker-hub  will be created" in text

    stub.add_response(
        "create_repository_creation_template",
        {"registryId": ACCOUNT, "repositoryCreationTemplate": api_template()},
        {
            "prefix": "ROOT",
            "appliedFor": ["CREATE_ON_PUSH"],
            "imageTagMutability": "IMMUTABLE",
            "encryptionConfiguration": {"encryptionType": "AES256"},
            "resourceTags": [],
        },
    )
    stub.add_response(
        "create_pull_through_cache_rule",
        {k: v for k, v in api_rule().items() if k != "upstreamRepositoryPrefix"},
        {
            "ecrRepositoryPrefix": "docker-hub",
            "upstreamRegistryUrl": "registry-1.docker.io",
            "credentialArn": SECRET,
        },
    )
    stub.add_response(
        "put_account_setting",
        {"name": "REGISTRY_POLICY_SCOPE", "value": "V2"},
        {"name": "REGISTRY_POLICY_SCOPE", "value": "V2"},
    )
    result = apply_plan(plan, {"prod": p}, max_workers=1)  # one at a time: the stub is ordered
    assert result.ok, "; ".join(e for _c, e in result.failed)

    expect_reads(stub, [api_rule()], [api_template()], ("REGISTRY_POLICY_SCOPE", "V2"))
    assert make_plan(config, {"prod": p}).changes == ()


def test_an_account_setting_dropped_from_the_config_is_neither_read_nor_reset(
    tmp_path: Path, ecr: Any, stub: Stubber
) -> None:
    """REGISTRY_POLICY_SCOPE is no longer declared: the plan reads and writes only the name
    still declared, and says that dropped names keep their value."""
    config = load(
        tmp_path,
        "version: 1\nregistries:\n  prod:\n    provider: ecr\n    region: us-east-1\n"
        "    settings:\n      account_settings: {BASIC_SCAN_TYPE_VERSION: AWS_NATIVE}\n",
    )
    p = provider(ecr, config)
    stub.add_response("describe_repositories", {"repositories": []}, PAGE)
    stub.add_response(
        "get_account_setting",
        {"name": "BASIC_SCAN_TYPE_VERSION", "value": "CLAIR"},
        {"name": "BASIC_SCAN_TYPE_VERSION"},
    )
    plan = make_plan(config, {"prod": p})
    (change,) = plan.changes
    assert [(f.path, f.before, f.after) for f in change.fields] == [
        ("BASIC_SCAN_TYPE_VERSION", "CLAIR", "AWS_NATIVE")
    ]
    assert any("never reset" in note for note in change.notes)

    stub.add_response(
        "put_account_setting",
        {"name": "BASIC_SCAN_TYPE_VERSION", "value": "AWS_NATIVE"},
        {"name": "BASIC_SCAN_TYPE_VERSION", "value": "AWS_NATIVE"},
    )
    assert apply_plan(plan, {"prod": p}, max_workers=1).ok
