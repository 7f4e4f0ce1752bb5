"""Registry-level settings through the ECR provider: reads only the kinds asked for, writes
through apply, and the sandbox keeps the settings it can emulate from one run to the next."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ecr_helpers import harness
from moto.core.base_backend import BackendDict

from regform.errors import ProviderError
from regform.model import RegistryConfig
from regform.plan import Action, Change
from regform.providers import build_provider
from regform.providers.ecr.provider import EcrProvider
from regform.registry_settings import (
    CREATION_TEMPLATES,
    REGISTRY_POLICY,
    REPLICATION,
    SCANNING,
    setting_changes,
)

SCAN = {"scan_type": "ENHANCED", "rules": [{"frequency": "SCAN_ON_PUSH", "filters": ["prod-*"]}]}


def _policy(account: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReplicateIn",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
                "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
                "Resource": f"arn:aws:ecr:eu-west-1:{account}:repository/*",
            }
        ],
    }


def _converge(provider: EcrProvider, kind: str, desired: Any) -> None:
    actual = provider.read_settings(frozenset({kind}))[kind]
    for change in setting_changes(provider.registry, kind, desired, actual):
        provider.apply(change)


@pytest.mark.server
def test_only_the_setting_kinds_asked_for_are_read(moto_reset: str) -> None:
    h = harness(moto_reset)

    assert h.provider.read_settings(frozenset()) == {}
    assert h.provider.api_calls() == {}
    found = h.provider.read_settings(frozenset({SCANNING}))

    assert found == {SCANNING: {"scan_type": "BASIC", "rules": []}}
    assert h.provider.api_calls() == {"GetRegistryScanningConfiguration": 1}


@pytest.mark.server
def test_setting_changes_go_through_apply(moto_reset: str) -> None:
    h = harness(moto_reset)

    _converge(h.provider, SCANNING, SCAN)

    assert h.provider.read_settings(frozenset({SCANNING}))[SCANNING] == SCAN
    assert "PutRegistryScanningConfiguration" in h.provider.api_calls()


def _sandbox_registry() -> RegistryConfig:
    return RegistryConfig(
        name="play",
        provider="ecr",
        connection={"region": "eu-west-1", "sandbox": True, "account_id": "123412341234"},
    )


def test_sandbox_keeps_registry_settings_between_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGFORM_SANDBOX_DIR", str(tmp_path))
    policy = _policy("123412341234")
    with build_provider(_sandbox_registry()) as p:
        _converge(p, REGISTRY_POLICY, policy)
        _converge(p, SCANNING, SCAN)
    BackendDict.reset()

    with build_provider(_sandbox_registry()) as p:
        kinds = frozenset({REGISTRY_POLICY, SCANNING, REPLICATION})
        actual = p.read_settings(kinds)
        for kind, desired in ((REGISTRY_POLICY, policy), (SCANNING, SCAN)):
            assert setting_changes("play", kind, desired, actual[kind]) == [], kind
        assert actual[REPLICATION] == {"rules": []}

        p.apply(Change("play", REGISTRY_POLICY, "registry", Action.DELETE, before=policy))
    BackendDict.reset()

    with build_provider(_sandbox_registry()) as p:
        assert p.read_settings(frozenset({REGISTRY_POLICY})) == {REGISTRY_POLICY: None}


def test_settings_the_sandbox_cannot_emulate_are_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGFORM_SANDBOX_DIR", str(tmp_path))
    with (
        build_provider(_sandbox_registry()) as p,
        pytest.raises(ProviderError, match="'play'.*sandbox does not support creation_templates"),
    ):
        p.read_settings(frozenset({CREATION_TEMPLATES}))


def test_the_error_names_only_the_kinds_the_sandbox_lacks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGFORM_SANDBOX_DIR", str(tmp_path))
    with build_provider(_sandbox_registry()) as p, pytest.raises(ProviderError) as raised:
        p.read_settings(frozenset({CREATION_TEMPLATES, REPLICATION, SCANNING}))
    message = str(raised.value)
    assert message.startswith("registry 'play': the sandbox does not support creation_templates (")
    assert "replication" not in message and "scanning" not in message
    with build_provider(_sandbox_registry()) as p:  # the ones it emulates are read
        assert set(p.read_settings(frozenset({REPLICATION, SCANNING}))) == {REPLICATION, SCANNING}
