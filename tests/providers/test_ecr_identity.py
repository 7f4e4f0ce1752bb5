"""Whose registry regform is about to touch: the declared account, and roles assumed to reach it."""

from __future__ import annotations

from typing import Any

import pytest
from ecr_helpers import create, harness

from regform.errors import IdentityError, ProviderError
from regform.model import Repository
from regform.providers import build_provider
from regform.providers.ecr.provider import EcrProvider

pytestmark = pytest.mark.server

MOTO_ACCOUNT = "123456789012"
OTHER_ACCOUNT = "999999999999"


def test_credentials_of_another_account_are_refused_before_any_write(moto_reset: str) -> None:
    h = harness(moto_reset, account_id=OTHER_ACCOUNT)

    with pytest.raises(IdentityError) as err:
        h.provider.check_identity()

    assert OTHER_ACCOUNT in str(err.value) and MOTO_ACCOUNT in str(err.value)
    assert h.provider.api_calls() == {"GetCallerIdentity": 1}


def test_matching_account_is_checked_once(moto_reset: str) -> None:
    h = harness(moto_reset, account_id=MOTO_ACCOUNT)

    h.provider.check_identity()
    h.provider.check_identity()

    assert h.provider.api_calls() == {"GetCallerIdentity": 1}


def test_no_declared_account_means_no_identity_call(moto_reset: str) -> None:
    h = harness(moto_reset)
    h.provider.check_identity()
    assert h.provider.api_calls() == {}


def test_role_is_assumed_for_the_declared_account(ecr_registry: Any, raw_ecr: Any) -> None:
    target = "111111111111"
    reg = ecr_registry(
        "cross",
        account_id=target,
        role_arn=f"arn:aws:iam::{target}:role/deployer",
        external_id="shared-secret-id",
    )
    provider = build_provider(reg)

    provider.check_identity()  # the assumed role belongs to the declared account
    provider.apply(create(Repository(name="in-target")))

    arn = provider.list_repositories()["in-target"].info["arn"]
    assert f":{target}:" in arn
    # the repository lives in the assumed account, not in the caller's own
    assert raw_ecr.describe_repositories()["repositories"] == []
    assert provider.api_calls()["AssumeRole"] == 1


def test_identity_error_names_the_assumed_role_session(ecr_registry: Any) -> None:
    reg = ecr_registry(
        "cross", account_id=OTHER_ACCOUNT, role_arn="arn:aws:iam::111111111111:role/deployer"
    )
    with pytest.raises(IdentityError, match="assumed-role/deployer/regform.*111111111111"):
        build_provider(reg).check_identity()


def test_factory_builds_the_ecr_provider(ecr_registry: Any) -> None:
    provider = build_provider(ecr_registry("main"))
    assert isinstance(provider, EcrProvider)
    assert provider.registry == "main"
    assert provider.list_repositories() == {}


def test_unreachable_endpoint_is_a_provider_error(aws_test_env: None) -> None:
    from regform.model import RegistryConfig

    reg = RegistryConfig(
        name="down",
        provider="ecr",
        connection={"region": "us-east-1", "endpoint_url": "http://127.0.0.1:9", "max_attempts": 1},
    )
    with pytest.raises(ProviderError, match="'down'.*DescribeRepositories"):
        build_provider(reg).list_repositories()


def test_clients_created_on_first_use_count_their_calls(ecr_registry: Any, raw_kms: Any) -> None:
    # a provider built from the config creates its STS and KMS clients only when it needs them;
    # their calls still count, and the account check still refuses another account
    meta = raw_kms.create_key()["KeyMetadata"]
    provider = build_provider(ecr_registry("main", account_id=MOTO_ACCOUNT))
    assert provider.api_calls() == {}

    provider.check_identity()
    key = provider.resolve_kms_key(meta["KeyId"])

    assert key == meta["Arn"]
    assert provider.api_calls() == {"DescribeKey": 1, "GetCallerIdentity": 1}
    with pytest.raises(IdentityError):
        build_provider(ecr_registry("other", account_id=OTHER_ACCOUNT)).check_identity()
