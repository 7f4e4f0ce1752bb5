"""A sandbox answers a plan's reads from its saved state without starting the emulator, and
those answers are the emulator's own: every read operation, compared field by field with what
moto answers on the same state."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ecr_helpers import LIFECYCLE, POLICY
from moto.core.base_backend import BackendDict

from regform.providers.ecr.sandbox import Sandbox

REGION = "eu-west-1"
ACCOUNT = "123456789012"
ARN = f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/"
#: what the emulator stamps anew when it replays a saved registry
STAMPS = ("createdAt", "lastEvaluatedAt")

READS: list[tuple[str, dict[str, Any]]] = [
    ("describe_repositories", {"maxResults": 1000}),
    ("describe_repositories", {}),
    ("describe_repositories", {"repositoryNames": ["team/app", "bare"]}),
    ("describe_repositories", {"repositoryNames": ["team/app", "missing"]}),
    ("describe_repositories", {"registryId": ACCOUNT}),
    ("list_tags_for_resource", {"resourceArn": ARN + "team/app"}),
    ("list_tags_for_resource", {"resourceArn": ARN + "bare"}),
    ("list_tags_for_resource", {"resourceArn": ARN + "missing"}),
    ("get_lifecycle_policy", {"repositoryName": "team/app"}),
    ("get_lifecycle_policy", {"repositoryName": "bare"}),
    ("get_lifecycle_policy", {"repositoryName": "missing"}),
    ("get_repository_policy", {"repositoryName": "team/app"}),
    ("get_repository_policy", {"repositoryName": "bare"}),
    ("get_repository_policy", {"repositoryName": "missing"}),
    ("describe_images", {"repositoryName": "team/app", "filter": {"tagStatus": "ANY"}}),
    ("describe_images", {"repositoryName": "missing"}),
    ("get_registry_policy", {}),
    ("get_registry_scanning_configuration", {}),
    ("describe_registry", {}),
]


def _unstamped(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _unstamped(v) for k, v in value.items() if k not in STAMPS}
    if isinstance(value, list):
        return [_unstamped(v) for v in value]
    return value


def _answers(box: Sandbox) -> list[Any]:
    """Every read's parsed answer (or error code and message) through botocore."""
    ecr = box.session.create_client("ecr", region_name=REGION)
    out: list[Any] = []
    for op, params in READS:
        try:
            resp = getattr(ecr, op)(**params)
            resp.pop("ResponseMetadata", None)
            out.append((op, _unstamped(resp)))
        except ecr.exceptions.ClientError as exc:
            error = exc.response["Error"]
            out.append((op, error["Code"], error["Message"]))
    return out


def _seed(box: Sandbox, settings: Callable[[Any], None] | None = None) -> None:
    ecr = box.session.create_client("ecr", region_name=REGION)
    ecr.create_repository(
        repositoryName="team/app",
        imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
        imageTagMutabilityExclusionFilters=[{"filter": "dev-*", "filterType": "WILDCARD"}],
        imageScanningConfiguration={"scanOnPush": True},
        encryptionConfiguration={
            "encryptionType": "KMS",
            "kmsKey": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/abc",
        },
        tags=[{"Key": "team", "Value": "a"}, {"Key": "empty", "Value": ""}],
    )
    ecr.put_lifecycle_policy(repositoryName="team/app", lifecyclePolicyText=json.dumps(LIFECYCLE))
    ecr.set_repository_policy(repositoryName="team/app", policyText=json.dumps(POLICY))
    ecr.create_repository(repositoryName="bare")
    if settings is not None:
        settings(ecr)
    box.save()


def _with_settings(ecr: Any) -> None:
    ecr.put_registry_policy(
        policyText=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "replicate",
                        "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
                        "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
                        "Resource": f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/*",
                    }
                ],
            }
        )
    )
    ecr.put_registry_scanning_configuration(
        scanType="ENHANCED",
        rules=[
            {
                "scanFrequency": "SCAN_ON_PUSH",
                "repositoryFilters": [{"filter": "team/*", "filterType": "WILDCARD"}],
            }
        ],
    )
    ecr.put_replication_configuration(
        replicationConfiguration={
            "rules": [{"destinations": [{"region": "us-west-2", "registryId": ACCOUNT}]}]
        }
    )


def _open(state: Path) -> Sandbox:
    return Sandbox.open("play", region=REGION, account_id=ACCOUNT, state_dir=state)


@pytest.mark.parametrize("settings", [None, _with_settings], ids=["defaults", "settings"])
def test_saved_state_answers_every_read_as_the_emulator_does(
    tmp_path: Path, settings: Callable[[Any], None] | None
) -> None:
    BackendDict.reset()
    _seed(_open(tmp_path), settings)
    BackendDict.reset()  # a new run

    cold = _open(tmp_path)
    from_state = _answers(cold)
    assert not cold.emulator_started

    warm = _open(tmp_path)
    warm.session.create_client("ecr", region_name=REGION).batch_get_image(
        repositoryName="bare", imageIds=[{"imageTag": "x"}]
    )  # not answered from the state: starts the emulator
    assert warm.emulator_started
    assert from_state == _answers(warm)
    listed = [r["repositoryName"] for r in from_state[0][1]["repositories"]]
    assert listed == ["bare", "team/app"]
    assert from_state[5] == (
        "list_tags_for_resource",
        {"tags": [{"Key": "empty", "Value": ""}, {"Key": "team", "Value": "a"}]},
    )


def test_the_first_write_starts_the_emulator_on_the_saved_state(tmp_path: Path) -> None:
    BackendDict.reset()
    _seed(_open(tmp_path))
    BackendDict.reset()

    box = _open(tmp_path)
    ecr = box.session.create_client("ecr", region_name=REGION)
    ecr.create_repository(repositoryName="new/one")
    box.save(["new/one"])

    assert box.emulator_started
    names = [r["repositoryName"] for r in ecr.describe_repositories()["repositories"]]
    assert sorted(names) == ["bare", "new/one", "team/app"]
    saved = json.loads((tmp_path / "play.json").read_text())
    assert [r["name"] for r in saved["repositories"]] == ["bare", "new/one", "team/app"]


def test_a_plan_on_the_sandbox_after_an_apply_needs_no_emulator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from regform.config import load_config
    from regform.providers import build_providers
    from regform.workflows.plan_apply import apply_plan, make_plan

    monkeypatch.setenv("REGFORM_SANDBOX_DIR", str(tmp_path / "state"))
    path = tmp_path / "regform.yaml"
    path.write_text(
        "version: 1\nregistries:\n  play: {provider: ecr, region: eu-west-1, sandbox: true,\n"
        "    account_id: '123456789012'}\n"
        "lifecycle_policies:\n  short: [{untagged: true, older_than_days: 1}]\n"
        "repository_policies:\n  ci: {allow_pull: ['111122223333']}\n"
        "repositories:\n"
        "  - {names: ['svc-{01..20}'], tags: {team: a}, lifecycle: short, policy: ci}\n"
    )
    config = load_config([path])
    BackendDict.reset()
    providers = build_providers(config)
    assert len(make_plan(config, providers).changes) == 20
    apply_plan(make_plan(config, providers), providers, allow_destroy=False)
    for provider in providers.values():
        provider.close()  # type: ignore[attr-defined]
    BackendDict.reset()  # a new run

    providers = build_providers(config)
    plan = make_plan(config, providers, lifecycle_preview=True)

    assert plan.changes == ()
    assert plan.api_calls["GetLifecyclePolicy"] == 20
    box = providers["play"].sandbox  # type: ignore[attr-defined]
    assert not box.emulator_started
