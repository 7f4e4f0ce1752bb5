"""``regform ensure NAME...``: the CI step that makes a repository exist before the first push.

Against moto's ECR server. It creates what the config declares (a name entry, or the first
pattern entry that matches, with the cache companion), reads and writes nothing else (no listing,
no registry settings, no other repository), updates a repository that drifted, refuses a change
only a replace could make, and names every name it cannot ensure.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from emulator_config import config_for, write_config
from ensure_helpers import recorded_provider
from typer.testing import CliRunner

from regform.cli import app
from regform.errors import RegformError
from regform.workflows.ensure import Status, ensure

pytestmark = pytest.mark.server

REGISTRY = """
scope: ["apps/*", "team-a/*"]
settings:
  scanning: {scan_type: ENHANCED}
"""
BODY = """
lifecycle_policies:
  keep-10:
    - {untagged: true, keep_last: 10}
repository_policies:
  org-pull:
    allow_pull: ["111111111111"]
defaults:
  tags: {cost-center: cc-1}
repositories:
  - name: team-a/api
    cache: true
    image_tag_mutability: IMMUTABLE
  - pattern: "apps/*"
    image_tag_mutability: IMMUTABLE_WITH_EXCLUSION
    image_tag_mutability_exclusions: [latest]
    scan_on_push: true
    tags: {team: apps}
    lifecycle: keep-10
    policy: org-pull
    cache: true
  - pattern: "team-a/tools-*"
    encryption: {type: AES256}
"""
WRITES_OF_A_CREATE = {"CreateRepository", "PutLifecyclePolicy", "SetRepositoryPolicy"}


def describe(raw_ecr: Any, name: str) -> dict[str, Any]:
    return dict(raw_ecr.describe_repositories(repositoryNames=[name])["repositories"][0])


def tags(raw_ecr: Any, name: str) -> dict[str, str]:
    arn = describe(raw_ecr, name)["repositoryArn"]
    return {t["Key"]: t["Value"] for t in raw_ecr.list_tags_for_resource(resourceArn=arn)["tags"]}


def test_a_pattern_repository_and_its_cache_are_created_touching_nothing_else(
    tmp_path: Path, moto_reset: str, raw_ecr: Any
) -> None:
    raw_ecr.create_repository(repositoryName="apps/other")  # matches the pattern: left alone
    config = config_for(tmp_path, moto_reset, BODY, REGISTRY)
    recorded = recorded_provider(config)

    result = ensure(config, {"prod": recorded.provider}, ["apps/web"])

    assert [(o.request.name, o.status) for o in result.outcomes] == [
        ("apps/web", Status.CREATED),
        ("apps/web/cache", Status.CREATED),
    ]
    assert result.exit_code == 0
    # Only a describe by name per repository, then the create and its follow-up puts.
    describes = [p for op, p in recorded.requests if op == "DescribeRepositories"]
    assert describes == [{"repositoryNames": ["apps/web"]}, {"repositoryNames": ["apps/web/cache"]}]
    writes = [op for op in recorded.operations() if op != "DescribeRepositories"]
    assert sorted(writes) == sorted([*WRITES_OF_A_CREATE] * 2)
    assert result.api_calls == {
        "DescribeRepositories": 2,
        "CreateRepository": 2,
        "PutLifecyclePolicy": 2,
        "SetRepositoryPolicy": 2,
    }

    web = describe(raw_ecr, "apps/web")
    assert web["imageTagMutability"] == "IMMUTABLE_WITH_EXCLUSION"
    assert web["imageScanningConfiguration"] == {"scanOnPush": True}
    assert tags(raw_ecr, "apps/web") == {
        "cost-center": "cc-1",
        "team": "apps",
        "managed-by": "regform",
    }
    rules = json.loads(
        raw_ecr.get_lifecycle_policy(repositoryName="apps/web/cache")["lifecyclePolicyText"]
    )["rules"]
    assert rules[0]["selection"]["countNumber"] == 10
    assert describe(raw_ecr, "apps/other")["imageTagMutability"] == "MUTABLE"
    assert tags(raw_ecr, "apps/other") == {}
    scanning = raw_ecr.get_registry_scanning_configuration()["scanningConfiguration"]
    assert scanning["scanType"] == "BASIC"  # registry settings are not ensure's business


def test_a_second_run_only_reads_and_a_drifted_repository_is_updated(
    tmp_path: Path, moto_reset: str, raw_ecr: Any
) -> None:
    config = config_for(tmp_path, moto_reset, BODY, REGISTRY)
    ensure(config, {"prod": recorded_provider(config).provider}, ["apps/web"])

    again = recorded_provider(config)
    result = ensure(config, {"prod": again.provider}, ["apps/web"])
    assert {o.status for o in result.outcomes} == {Status.MATCHES}
    assert all(op.startswith(("Describe", "Get", "List")) for op in result.api_calls)
    listing = [p for op, p in again.requests if op == "DescribeRepositories"]
    assert listing == [{"repositoryNames": ["apps/web"]}, {"repositoryNames": ["apps/web/cache"]}]

    raw_ecr.put_image_tag_mutability(repositoryName="apps/web", imageTagMutability="MUTABLE")
    fixed = ensure(config, {"prod": recorded_provider(config).provider}, ["apps/web"])
    web, cache = fixed.outcomes
    assert (web.status, cache.status) == (Status.UPDATED, Status.MATCHES)
    assert web.change is not None
    assert [(f.path, f.before, f.after) for f in web.change.fields] == [
        ("image_tag_mutability", "MUTABLE", "IMMUTABLE_WITH_EXCLUSION"),
        ("image_tag_mutability_exclusions", [], ["latest"]),
    ]
    assert describe(raw_ecr, "apps/web")["imageTagMutability"] == "IMMUTABLE_WITH_EXCLUSION"


def test_cli_creates_a_declared_name_with_its_cache_companion(
    tmp_path: Path, moto_reset: str, raw_ecr: Any
) -> None:
    config = str(write_config(tmp_path, moto_reset, BODY, REGISTRY))
    runner = CliRunner()

    created = runner.invoke(app, ["ensure", "-c", config, "team-a/api"])
    assert created.exit_code == 0, created.output
    assert created.stdout.splitlines()[:2] == [
        "prod/team-a/api: created (name)",
        "prod/team-a/api/cache: created (name, cache companion)",
    ]
    assert describe(raw_ecr, "team-a/api/cache")["imageTagMutability"] == "IMMUTABLE"

    same = runner.invoke(app, ["ensure", "-c", config, "team-a/api", "--format", "json"])
    assert same.exit_code == 0
    outcomes = json.loads(same.stdout)["outcomes"]
    assert [(o["name"], o["status"]) for o in outcomes] == [
        ("team-a/api", "matches"),
        ("team-a/api/cache", "matches"),
    ]


def test_cli_refuses_a_difference_only_a_replace_can_fix(
    tmp_path: Path, moto_reset: str, raw_ecr: Any
) -> None:
    key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    raw_ecr.create_repository(
        repositoryName="team-a/tools-lint",
        encryptionConfiguration={"encryptionType": "KMS", "kmsKey": key},
    )
    config = str(write_config(tmp_path, moto_reset, BODY, REGISTRY))

    result = CliRunner().invoke(app, ["ensure", "-c", config, "team-a/tools-lint"])

    assert result.exit_code == 2, result.output
    assert "prod/team-a/tools-lint: differs in a way only a replace can change" in result.stdout
    assert f"~ encryption: KMS {key} -> AES256   # forces replacement" in result.stdout
    enc = describe(raw_ecr, "team-a/tools-lint")["encryptionConfiguration"]
    assert enc["encryptionType"] == "KMS"  # nothing was changed


def test_cli_names_every_name_it_cannot_ensure_and_creates_none(
    tmp_path: Path, moto_reset: str, raw_ecr: Any
) -> None:
    config = str(write_config(tmp_path, moto_reset, BODY, REGISTRY))

    result = CliRunner().invoke(
        app, ["ensure", "-c", config, "apps/web", "billing/api", "team-a/undeclared"]
    )

    assert result.exit_code == 1
    assert "billing/api: outside the scope of every registry (prod: apps/*, team-a/*)" in (
        result.output
    )
    assert (
        "team-a/undeclared: inside the scope of prod but no repository entry declares it"
        in result.output
    )
    assert raw_ecr.describe_repositories()["repositories"] == []


def test_a_name_in_two_registries_needs_registry(tmp_path: Path, moto_reset: str) -> None:
    text = (
        "version: 1\nregistries:\n"
        f"  prod: {{provider: ecr, region: us-east-1, endpoint_url: '{moto_reset}'}}\n"
        f"  eu: {{provider: ecr, region: eu-west-1, endpoint_url: '{moto_reset}'}}\n"
        "repositories:\n"
        "  - {pattern: 'apps/*', registry: prod}\n"
        "  - {pattern: 'apps/*', registry: eu}\n"
    )
    path = tmp_path / "two.yaml"
    path.write_text(text)
    runner = CliRunner()

    ambiguous = runner.invoke(app, ["ensure", "-c", str(path), "apps/web"])
    assert ambiguous.exit_code == 1
    assert "apps/web: declared in several registries (eu, prod); choose one with --registry" in (
        ambiguous.output
    )
    chosen = runner.invoke(app, ["ensure", "-c", str(path), "--registry", "eu", "apps/web"])
    assert chosen.exit_code == 0, chosen.output
    assert chosen.stdout.startswith("eu/apps/web: created (pattern apps/*)")


def test_resolve_errors_without_contacting_anything(tmp_path: Path) -> None:
    config = config_for(tmp_path, "http://127.0.0.1:1", BODY, REGISTRY)
    with pytest.raises(RegformError, match="unknown registry nope"):
        ensure(config, {}, ["apps/web"], registries=["nope"])
    with pytest.raises(RegformError, match="the repository name has uppercase letters"):
        ensure(config, {}, ["apps/Web"])
