"""Throttling and retries: botocore retries (its public ``retries`` option), regform keeps fewer
calls in flight while ECR throttles and recovers when it stops, and ``parallelism`` bounds the
calls in flight."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.session import Session
from ecr_helpers import LIFECYCLE, POLICY, REGION
from fault_server import THROTTLED, FaultServer

from regform.config import load_config
from regform.errors import ProviderError
from regform.providers import build_providers
from regform.providers.ecr.session import ConnectionSettings, build_clients, retry_options
from regform.providers.ecr.throttle import Throttle
from regform.workflows.plan_apply import make_plan

pytestmark = pytest.mark.server

N = 50


@pytest.fixture
def fault_server(moto_reset: str) -> Iterator[FaultServer]:
    server = FaultServer(moto_reset)
    yield server
    server.close()


def _seed(endpoint: str, n: int = N) -> None:
    ecr = boto3.client("ecr", region_name=REGION, endpoint_url=endpoint)
    for i in range(n):
        name = f"team/app-{i:02d}"
        ecr.create_repository(repositoryName=name, tags=[{"Key": "team", "Value": "a"}])
        ecr.put_lifecycle_policy(repositoryName=name, lifecyclePolicyText=json.dumps(LIFECYCLE))
        ecr.set_repository_policy(repositoryName=name, policyText=json.dumps(POLICY))


def _config(tmp_path: Path, endpoint: str, n: int = N, registry: str = "") -> Any:
    """All ``n`` repositories declared with their lifecycle and policy, and a new tag value."""
    repos = "".join(
        f"  - name: team/app-{i:02d}\n    tags: {{team: b}}\n    lifecycle: lc\n    policy: pol\n"
        for i in range(n)
    )
    text = (
        "version: 1\nregistries:\n  prod:\n    provider: ecr\n"
        f"    region: {REGION}\n    endpoint_url: '{endpoint}'\n{registry}"
        f"lifecycle_policies:\n  lc: {{ecr_json: {json.dumps(LIFECYCLE)}}}\n"
        f"repository_policies:\n  pol: {{document: {json.dumps(POLICY)}}}\n"
        f"repositories:\n{repos}"
    )
    path = tmp_path / "regform.yaml"
    path.write_text(text)
    return load_config([path])


def _timed_plan(config: Any, parallelism: int | None = None) -> tuple[float, dict[str, Any]]:
    providers = build_providers(config, parallelism=parallelism)
    start = time.perf_counter()
    plan = make_plan(config, providers, lifecycle_preview=False)
    took = time.perf_counter() - start
    for provider in providers.values():
        provider.close()  # type: ignore[attr-defined]
    return took, plan.to_dict()["changes"]


def test_one_throttling_error_costs_a_retry_not_the_rest_of_the_run(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    _seed(fault_server.url)
    config = _config(tmp_path, fault_server.url)
    _timed_plan(config)  # warm the emulator
    calm, calm_changes = _timed_plan(config)
    assert len(calm_changes) == N  # every repository's tags differ
    sent_before = sum(fault_server.script.seen.values())

    fault_server.fail("GetLifecyclePolicy", THROTTLED)
    throttled, changes = _timed_plan(config)

    assert changes == calm_changes
    assert fault_server.script.faults["GetLifecyclePolicy"] == []  # the fault was answered
    # the same calls as unthrottled, plus the one retry
    assert sum(fault_server.script.seen.values()) - sent_before == (3 * N + 1) + 1
    assert throttled < 3 * calm, f"throttled plan {throttled:.2f}s vs {calm:.2f}s unthrottled"


def test_a_throttled_attempt_halves_that_operations_calls_in_flight(
    fault_server: FaultServer,
) -> None:
    boto3.client("ecr", region_name=REGION, endpoint_url=fault_server.url).create_repository(
        repositoryName="app"
    )
    clients = build_clients(ConnectionSettings(region=REGION, endpoint_url=fault_server.url))
    throttle = Throttle(8)
    throttle.watch(clients.ecr)
    fault_server.fail("DescribeRepositories", THROTTLED, THROTTLED)

    with throttle.slot("DescribeRepositories"):
        clients.ecr.describe_repositories()  # botocore retries twice, then succeeds

    # the retry, sent after the first cut, was throttled too: halved twice; other operations
    # are untouched
    assert throttle.limits() == {"DescribeRepositories": 2}
    for _ in range(2):
        with throttle.slot("DescribeRepositories"):
            clients.ecr.describe_repositories()
    assert throttle.limits() == {"DescribeRepositories": 3}  # growing back


def test_parallelism_bounds_the_calls_in_flight(fault_server: FaultServer, tmp_path: Path) -> None:
    _seed(fault_server.url, 24)
    config = _config(tmp_path, fault_server.url, 24)

    _timed_plan(config, parallelism=3)
    assert 1 <= fault_server.script.max_in_flight <= 3

    fault_server.script.max_in_flight = 0
    _timed_plan(config, parallelism=12)
    assert fault_server.script.max_in_flight > 3


def _retries(settings: ConnectionSettings) -> dict[str, Any]:
    return retry_options(settings, Session())


def test_retry_mode_is_standard_unless_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_RETRY_MODE", raising=False)
    monkeypatch.delenv("AWS_MAX_ATTEMPTS", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    assert _retries(ConnectionSettings()) == {"mode": "standard", "total_max_attempts": 10}

    monkeypatch.setenv("AWS_RETRY_MODE", "adaptive")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "4")
    assert _retries(ConnectionSettings()) == {"mode": "adaptive", "total_max_attempts": 4}

    declared = ConnectionSettings.from_mapping({"retries": {"mode": "legacy", "max_attempts": 2}})
    assert _retries(declared) == {"mode": "legacy", "total_max_attempts": 2}


def test_the_profile_retry_settings_are_honoured(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("AWS_RETRY_MODE", raising=False)
    monkeypatch.delenv("AWS_MAX_ATTEMPTS", raising=False)
    config = tmp_path / "config"
    config.write_text("[profile ci]\nretry_mode = adaptive\nmax_attempts = 6\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    settings = ConnectionSettings(region=REGION, profile="ci")

    clients = build_clients(settings)

    assert clients.ecr.meta.config.retries == {"mode": "adaptive", "total_max_attempts": 6}


def test_a_bad_max_attempts_in_the_environment_is_one_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "many-SECRET")
    with pytest.raises(ProviderError) as err:
        build_clients(ConnectionSettings(region=REGION))
    assert "AWS_MAX_ATTEMPTS is not a whole number" in str(err.value)
    assert "SECRET" not in str(err.value)


def test_the_registry_retries_option_reaches_botocore(tmp_path: Path, moto_reset: str) -> None:
    config = _config(
        tmp_path, moto_reset, 1, registry="    retries: {mode: adaptive, max_attempts: 3}\n"
    )
    reg = config.registries["prod"]
    clients = build_clients(ConnectionSettings.from_mapping(reg.connection))
    assert clients.ecr.meta.config.retries == {"mode": "adaptive", "total_max_attempts": 3}
