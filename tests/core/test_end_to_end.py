"""The whole pipeline against moto's ECR server over HTTP: config -> plan -> apply -> plan."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
from e2e import aws_cli, config_for, ecr_providers, fail_for, record_write_targets, record_writes
from ecr_images import push_image

from regform.config import load_config
from regform.errors import IdentityError, StalePlanError, UnsafePlanError
from regform.plan import REPOSITORY, Action, Change, Plan
from regform.workflows.plan_apply import apply_plan, check_saved_plan, make_plan

pytestmark = pytest.mark.server

EVERY_FIELD = """
lifecycle_policies:
  short:
    - description: drop old pull request builds
      tag_prefixes: [pr-]
      keep_last: 3
    - untagged: true
      keep_last: 1
repository_policies:
  ci-pull:
    allow_pull: ["111111111111", "arn:aws:iam::222222222222:role/ci"]
repositories:
  - name: team-a/api
    image_tag_mutability: IMMUTABLE_WITH_EXCLUSION
    image_tag_mutability_exclusions: [latest, dev-*]
    scan_on_push: true
    tags: {team: a, env: prod}
    ignore_tags: [cost-center]
    lifecycle: short
    policy: ci-pull
  - name: team-a/worker
    encryption: {type: KMS, kms_key: alias/team-a}
    image_tag_mutability: IMMUTABLE
  - name: team-a/plain
    encryption: {type: AES256}
"""


def test_apply_then_plan_is_empty_and_an_independent_reader_agrees(
    moto_reset: str, raw_kms: Any, raw_ecr: Any, tmp_path: Path
) -> None:
    key = raw_kms.create_key()["KeyMetadata"]
    raw_kms.create_alias(AliasName="alias/team-a", TargetKeyId=key["KeyId"])
    config = config_for(tmp_path, moto_reset, EVERY_FIELD)
    with ecr_providers(config) as (providers, _):
        plan = make_plan(config, providers)
        assert [(c.action, c.name) for c in plan.changes] == [
            (Action.CREATE, "team-a/api"),
            (Action.CREATE, "team-a/plain"),
            (Action.CREATE, "team-a/worker"),
        ]
        result = apply_plan(plan, providers)
        assert result.ok and len(result.succeeded) == 3

    # Someone else's tag (ignored) does not count as drift.
    arn = raw_ecr.describe_repositories(repositoryNames=["team-a/api"])["repositories"][0]
    raw_ecr.tag_resource(
        resourceArn=arn["repositoryArn"], tags=[{"Key": "cost-center", "Value": "42"}]
    )
    with ecr_providers(config) as (providers, _):
        again = make_plan(config, providers)
    assert again.changes == (), again.changes

    repos = {
        r["repositoryName"]: r for r in aws_cli(moto_reset, "describe-repositories")["repositories"]
    }
    api = repos["team-a/api"]
    assert api["imageTagMutability"] == "IMMUTABLE_WITH_EXCLUSION"
    assert sorted(f["filter"] for f in api["imageTagMutabilityExclusionFilters"]) == [
        "dev-*",
        "latest",
    ]
    assert api["imageScanningConfiguration"] == {"scanOnPush": True}
    assert repos["team-a/worker"]["encryptionConfiguration"] == {
        "encryptionType": "KMS",
        "kmsKey": key["Arn"],
    }
    tags = aws_cli(moto_reset, "list-tags-for-resource", "--resource-arn", api["repositoryArn"])
    assert {t["Key"]: t["Value"] for t in tags["tags"]} == {
        "team": "a",
        "env": "prod",
        "managed-by": "regform",
        "cost-center": "42",
    }
    lifecycle = aws_cli(moto_reset, "get-lifecycle-policy", "--repository-name", "team-a/api")
    assert '"pr-"' in lifecycle["lifecyclePolicyText"]


def test_changes_are_planned_with_readable_diffs_and_converge(
    moto_reset: str, raw_ecr: Any, raw_kms: Any, tmp_path: Path
) -> None:
    key = raw_kms.create_key()["KeyMetadata"]
    raw_kms.create_alias(AliasName="alias/team-a", TargetKeyId=key["KeyId"])
    config = config_for(tmp_path, moto_reset, EVERY_FIELD)
    raw_ecr.create_repository(repositoryName="team-a/api", imageTagMutability="MUTABLE")
    with ecr_providers(config) as (providers, _):
        plan = make_plan(config, providers)
        update = next(c for c in plan.changes if c.name == "team-a/api")
        assert update.action is Action.UPDATE
        paths = {f.path for f in update.fields}
        assert paths == {
            "image_tag_mutability",
            "image_tag_mutability_exclusions",
            "scan_on_push",
            "tags",
            "lifecycle_policy",
            "repository_policy",
        }
        policy = next(f for f in update.fields if f.path == "repository_policy")
        assert policy.diff and policy.diff[0].startswith("+ Statement")
        assert apply_plan(plan, providers).ok
    with ecr_providers(config) as (providers, _):
        assert make_plan(config, providers).changes == ()


def test_saved_plan_is_refused_when_the_registry_or_the_config_changed(
    moto_reset: str, raw_ecr: Any, tmp_path: Path
) -> None:
    body = """
    repositories:
      - name: app
        image_tag_mutability: IMMUTABLE
      - name: web
        scan_on_push: true
    """
    raw_ecr.create_repository(repositoryName="app")
    config = config_for(tmp_path, moto_reset, body)
    with ecr_providers(config) as (providers, _):
        saved = Plan.from_dict(make_plan(config, providers).to_dict())
        check_saved_plan(saved, config, providers)  # still current

    raw_ecr.put_image_tag_mutability(repositoryName="app", imageTagMutability="IMMUTABLE")
    with ecr_providers(config) as (providers, clients):
        writes = record_writes(clients["prod"].ecr)
        with pytest.raises(StalePlanError, match="registry prod changed"):
            check_saved_plan(saved, config, providers)
        assert writes == []

    changed = config_for(tmp_path, moto_reset, body.replace("IMMUTABLE", "MUTABLE"))
    with (
        ecr_providers(changed) as (providers, _),
        pytest.raises(StalePlanError, match="configuration changed"),
    ):
        check_saved_plan(saved, changed, providers)


def _seed(raw_ecr: Any, *names: str, tagged: bool = False) -> None:
    for name in names:
        tags = [{"Key": "managed-by", "Value": "regform"}] if tagged else []
        raw_ecr.create_repository(repositoryName=name, tags=tags)


def test_destroy_guard_refuses_before_any_write(
    moto_reset: str, raw_ecr: Any, tmp_path: Path
) -> None:
    _seed(raw_ecr, "old")
    body = """
    repositories:
      - name: new
        scan_on_push: true
    """
    config = config_for(tmp_path, moto_reset, body, registry="prune: true")
    with ecr_providers(config) as (providers, clients):
        plan = make_plan(config, providers)
        assert [(c.action, c.name) for c in plan.changes] == [
            (Action.CREATE, "new"),
            (Action.DELETE, "old"),
        ]
        writes = record_writes(clients["prod"].ecr)
        with pytest.raises(UnsafePlanError, match="--allow-destroy: prod/old will be deleted"):
            apply_plan(plan, providers)
        assert writes == []
        result = apply_plan(plan, providers, allow_destroy=True)
        assert result.ok
        assert writes == ["CreateRepository", "DeleteRepository"]
    names = {r["repositoryName"] for r in raw_ecr.describe_repositories()["repositories"]}
    assert names == {"new"}


def test_threshold_guard_needs_force(moto_reset: str, raw_ecr: Any, tmp_path: Path) -> None:
    names = [f"svc-{i}" for i in range(10)]
    _seed(raw_ecr, *names)
    body = "repositories:\n" + "".join(
        f"  - name: {n}\n    scan_on_push: {'true' if i < 4 else 'false'}\n"
        for i, n in enumerate(names)
    )
    config = config_for(tmp_path, moto_reset, body)
    with ecr_providers(config) as (providers, clients):
        plan = make_plan(config, providers)
        assert len(plan.changes) == 4
        writes = record_writes(clients["prod"].ecr)
        with pytest.raises(UnsafePlanError, match="--force"):
            apply_plan(plan, providers, allow_destroy=True)
        assert writes == []
        assert apply_plan(plan, providers, force=True).ok


def test_partial_failure_reports_each_change_skips_deletes_and_a_rerun_converges(
    moto_reset: str, raw_ecr: Any, tmp_path: Path
) -> None:
    _seed(raw_ecr, "old", "upd")
    body = """
    repositories:
      - names: [svc-a, svc-b, svc-c]
        scan_on_push: true
      - name: upd
        image_tag_mutability: IMMUTABLE
    """
    config = config_for(tmp_path, moto_reset, body, registry="prune: true")
    with ecr_providers(config) as (providers, clients):
        plan = make_plan(config, providers)
        fail_for(clients["prod"].ecr, "CreateRepository", "svc-b")
        seen: list[tuple[str, str]] = []
        result = apply_plan(
            plan, providers, allow_destroy=True, progress=lambda c, s: seen.append((c.name, s))
        )
    assert sorted(c.name for c in result.succeeded) == ["svc-a", "svc-c", "upd"]
    assert [(c.name, "injected failure" in e) for c, e in result.failed] == [("svc-b", True)]
    assert [c.name for c in result.skipped] == ["old"]
    assert ("svc-b", "failed") in seen and ("old", "skipped") in seen
    names = {r["repositoryName"] for r in raw_ecr.describe_repositories()["repositories"]}
    assert names == {"svc-a", "svc-c", "old", "upd"}

    with ecr_providers(config) as (providers, _):
        rerun = make_plan(config, providers)
        assert [(c.action, c.name) for c in rerun.changes] == [
            (Action.CREATE, "svc-b"),
            (Action.DELETE, "old"),
        ]
        assert apply_plan(rerun, providers, allow_destroy=True).ok
    with ecr_providers(config) as (providers, _):
        assert make_plan(config, providers).changes == ()


def test_account_id_mismatch_is_refused_before_any_write(
    moto_reset: str, raw_ecr: Any, tmp_path: Path
) -> None:
    body = """
    repositories:
      - name: app
    """
    config = config_for(tmp_path, moto_reset, body, registry="account_id: '111111111111'")
    with ecr_providers(config) as (providers, clients):
        writes = record_writes(clients["prod"].ecr)
        with pytest.raises(IdentityError, match="111111111111"):
            make_plan(config, providers)  # checked at plan time, before any read
        assert providers["prod"].api_calls() == {"GetCallerIdentity": 1}
        with pytest.raises(IdentityError, match="111111111111"):
            apply_plan(Plan(changes=(_create("app"),)), providers)
        assert writes == []
    assert raw_ecr.describe_repositories()["repositories"] == []


def _create(name: str) -> Change:
    return Change("prod", REPOSITORY, name, Action.CREATE, after={"name": name})


def test_ownership_by_tag_deletes_only_what_regform_owns(
    moto_reset: str, raw_ecr: Any, tmp_path: Path
) -> None:
    _seed(raw_ecr, "team-a/ours", tagged=True)
    _seed(raw_ecr, "team-a/theirs", "other/x")
    body = """
    repositories:
      - name: team-a/app
        scan_on_push: true
    """
    registry = "prune: true, ownership: tag, scope: ['team-a/*'], force_delete: true"
    config = config_for(tmp_path, moto_reset, body, registry=registry)
    with ecr_providers(config) as (providers, _):
        plan = make_plan(config, providers)
        assert [(c.action, c.name) for c in plan.changes] == [
            (Action.CREATE, "team-a/app"),
            (Action.DELETE, "team-a/ours"),
        ]
        assert {(u.name, u.in_scope, u.reason) for u in plan.unmanaged} == {
            ("team-a/theirs", True, "not tagged managed-by=regform"),
            ("other/x", False, "outside scope team-a/*"),
        }
        assert apply_plan(plan, providers, allow_destroy=True).ok
    names = {r["repositoryName"] for r in raw_ecr.describe_repositories()["repositories"]}
    assert names == {"team-a/app", "team-a/theirs", "other/x"}
    with ecr_providers(config) as (providers, _):
        assert make_plan(config, providers).changes == ()


def test_reads_only_what_the_plan_needs(moto_reset: str, raw_ecr: Any, tmp_path: Path) -> None:
    _seed(raw_ecr, "app", "web", "legacy", "team-b/x")
    body = """
    repositories:
      - name: app
        image_tag_mutability: MUTABLE
      - name: web
        tags: {team: web}
    """
    config = config_for(tmp_path, moto_reset, body)
    with ecr_providers(config) as (providers, _):
        plan = make_plan(config, providers)
    # One listing, then tags of the one repository that manages them; nothing else.
    assert plan.api_calls == {"DescribeRepositories": 1, "ListTagsForResource": 1}

    owned = config_for(tmp_path, moto_reset, body, registry="prune: true, ownership: tag")
    with ecr_providers(owned) as (providers, _):
        plan = make_plan(owned, providers, targets=["app", "legacy"])
    # Tags of the declared repository (ownership tag) and of the undeclared one in scope.
    assert plan.api_calls == {"DescribeRepositories": 1, "ListTagsForResource": 2}
    assert {c.name for c in plan.changes} | {u.name for u in plan.unmanaged} == {"app", "legacy"}


def test_lifecycle_preview_counts_what_a_changed_policy_would_expire(
    moto_reset: str, raw_ecr: Any, tmp_path: Path
) -> None:
    raw_ecr.create_repository(repositoryName="app")
    for i, layer in enumerate("abcde"):
        push_image(raw_ecr, "app", f"pr-{i}", layer)
    body = """
    lifecycle_policies:
      prs:
        - tag_prefixes: [pr-]
          keep_last: 2
    repositories:
      - name: app
        lifecycle: prs
    """
    config = config_for(tmp_path, moto_reset, body)
    with ecr_providers(config) as (providers, _):
        plan = make_plan(config, providers, lifecycle_preview=True)
    preview = plan.changes[0].preview
    assert preview is not None
    assert (preview.total, preview.expire, preview.keep) == (5, 3, 2)
    assert len(preview.sample) == 3


def test_two_registries_are_planned_together_and_staleness_names_the_one_that_changed(
    moto_reset: str, tmp_path: Path
) -> None:
    (tmp_path / "regform.yaml").write_text(
        "version: 1\n"
        "registries:\n"
        f"  prod: {{provider: ecr, region: us-east-1, endpoint_url: '{moto_reset}'}}\n"
        f"  dr: {{provider: ecr, region: us-west-2, endpoint_url: '{moto_reset}'}}\n"
        "repositories:\n"
        "  - {name: app, registry: prod, scan_on_push: true}\n"
        "  - {name: app, registry: dr, image_tag_mutability: IMMUTABLE}\n"
    )
    config = load_config([tmp_path / "regform.yaml"])
    with ecr_providers(config) as (providers, _):
        plan = make_plan(config, providers)
        assert [c.address for c in plan.changes] == ["dr/app", "prod/app"]
        assert apply_plan(plan, providers).ok
        only_dr = make_plan(config, providers, registries=["dr"])
        assert set(only_dr.registries) == {"dr"} and only_dr.changes == ()
        saved = make_plan(config, providers)

    west = boto3.client("ecr", region_name="us-west-2", endpoint_url=moto_reset)
    west.create_repository(repositoryName="app-2")  # inside dr's scope ("*")
    with ecr_providers(config) as (providers, _), pytest.raises(StalePlanError) as err:
        check_saved_plan(saved, config, providers)
    assert "registry dr changed" in str(err.value)
    assert "prod" not in str(err.value)


def test_apply_order_creates_updates_replaces_then_deletes(
    moto_reset: str, raw_ecr: Any, raw_kms: Any, tmp_path: Path
) -> None:
    key = raw_kms.create_key()["KeyMetadata"]
    _seed(raw_ecr, "upd", "rep", "old")
    push_image(raw_ecr, "rep", "v1", "a")
    body = f"""
    repositories:
      - name: new
        scan_on_push: true
      - name: upd
        image_tag_mutability: IMMUTABLE
      - name: rep
        encryption: {{type: KMS, kms_key: "{key["Arn"]}"}}
    """
    config = config_for(tmp_path, moto_reset, body, registry="prune: true")
    with ecr_providers(config) as (providers, clients):
        plan = make_plan(config, providers)
        assert [c.action.value for c in plan.changes] == ["create", "update", "replace", "delete"]
        sent = record_write_targets(clients["prod"].ecr)
        assert apply_plan(plan, providers, allow_destroy=True).ok
    assert [(op, repo) for op, repo in sent if op.endswith("Repository")] == [
        ("CreateRepository", "new"),
        ("DeleteRepository", "rep"),
        ("CreateRepository", "rep"),
        ("DeleteRepository", "old"),
    ]
    assert sent.index(("PutImageTagMutability", "upd")) < sent.index(("DeleteRepository", "rep"))
    with ecr_providers(config) as (providers, _):
        assert make_plan(config, providers).changes == ()
