"""Helpers of the drift tests: a config on the emulator, the registry's whole state, and a
drift run whose ECR calls are counted by operation."""

from __future__ import annotations

from typing import Any

from regform.config import load_config
from regform.providers import build_providers
from regform.workflows.drift import DriftReport, make_drift_report

PROD_REGISTRY = """
scope: ["app-*"]
settings:
  scanning:
    scan_type: ENHANCED
    rules: [{frequency: SCAN_ON_PUSH, filters: ["*"]}]
"""
PROD_BODY = """
lifecycle_policies:
  keep-5:
    - {untagged: true, keep_last: 5}
repository_policies:
  org-pull:
    allow_pull: ["111111111111"]
repositories:
  - name: app-api
    image_tag_mutability: IMMUTABLE
    tags: {team: payments}
    lifecycle: keep-5
    policy: org-pull
  - name: app-worker
    scan_on_push: true
"""


def _maybe(call: Any, error: type[Exception], key: str, **params: Any) -> Any:
    try:
        return call(**params)[key]
    except error:
        return None


def snapshot(raw_ecr: Any) -> dict[str, Any]:
    """Everything drift could change: repositories with every detail, registry settings."""
    repos: dict[str, Any] = {}
    for repo in raw_ecr.describe_repositories()["repositories"]:
        name = repo["repositoryName"]
        tags = raw_ecr.list_tags_for_resource(resourceArn=repo["repositoryArn"])["tags"]
        exc = raw_ecr.exceptions
        repos[name] = {
            "repository": repo,
            "tags": tags,
            "lifecycle": _maybe(
                raw_ecr.get_lifecycle_policy,
                exc.LifecyclePolicyNotFoundException,
                "lifecyclePolicyText",
                repositoryName=name,
            ),
            "policy": _maybe(
                raw_ecr.get_repository_policy,
                exc.RepositoryPolicyNotFoundException,
                "policyText",
                repositoryName=name,
            ),
        }
    return {
        "repositories": repos,
        "scanning": raw_ecr.get_registry_scanning_configuration()["scanningConfiguration"],
        "registry": raw_ecr.describe_registry()["replicationConfiguration"],
        "registry_policy": _maybe(
            raw_ecr.get_registry_policy,
            raw_ecr.exceptions.RegistryPolicyNotFoundException,
            "policyText",
        ),
    }


def recorded_drift(config_path: str) -> tuple[DriftReport, dict[str, int]]:
    """A drift report and the ECR calls it made, by operation."""
    config = load_config([config_path])
    providers = build_providers(config)
    report = make_drift_report(config, providers)
    calls: dict[str, int] = {}
    for provider in providers.values():
        for op, n in provider.api_calls().items():
            calls[op] = calls.get(op, 0) + n
    return report, calls
