"""``regform import``: a registry with every attribute kind, set up by hand on moto's ECR server,
imported to YAML that plans to zero changes with no edits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from regform.cli import app
from regform.config import load_config
from regform.providers import build_providers
from regform.workflows.plan_apply import make_plan

pytestmark = pytest.mark.server

REGION = "us-east-1"
ACCOUNT = "123456789012"
SETTINGS = "registry_policy,scanning,replication"

READABLE = {
    "rules": [
        {
            "rulePriority": 1,
            "description": "pull requests",
            "selection": {
                "tagStatus": "tagged",
                "tagPrefixList": ["pr-"],
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": 14,
            },
            "action": {"type": "expire"},
        },
        {
            "rulePriority": 2,
            "selection": {
                "tagStatus": "untagged",
                "countType": "imageCountMoreThan",
                "countNumber": 10,
            },
            "action": {"type": "expire"},
        },
    ]
}
#: priorities 5 and 9: no readable form (readable rules are numbered 1, 2, ...)
RAW = {
    "rules": [
        {
            "rulePriority": 5,
            "selection": {
                "tagStatus": "untagged",
                "countType": "imageCountMoreThan",
                "countNumber": 3,
            },
            "action": {"type": "expire"},
        },
        {
            "rulePriority": 9,
            "selection": {
                "tagStatus": "any",
                "countType": "imageCountMoreThan",
                "countNumber": 100,
            },
            "action": {"type": "expire"},
        },
    ]
}
PULL = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "RegformPull",
            "Effect": "Allow",
            "Principal": {"AWS": ["arn:aws:iam::111111111111:root"]},
            "Action": [
                "ecr:BatchCheckLayerAvailability",
                "ecr:BatchGetImage",
                "ecr:GetDownloadUrlForLayer",
            ],
        }
    ],
}
CONDITIONAL = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "OrgPull",
            "Effect": "Allow",
            "Principal": "*",
            "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": ["o-abc123def4"]}},
        }
    ],
}
REGISTRY_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "ReplicateIn",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
            "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
            "Resource": f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/*",
        }
    ],
}


def tag(raw_ecr: Any, name: str, tags: dict[str, str]) -> None:
    arn = raw_ecr.describe_repositories(repositoryNames=[name])["repositories"][0]["repositoryArn"]
    raw_ecr.tag_resource(resourceArn=arn, tags=[{"Key": k, "Value": v} for k, v in tags.items()])


def build_registry(raw_ecr: Any, raw_kms: Any) -> str:
    """Every attribute kind, by hand; returns the KMS key ARN used."""
    key = raw_kms.create_key(Description="ecr")["KeyMetadata"]["Arn"]

    def repo(name: str, mode: str, exclusions: list[str] = (), **extra: Any) -> None:  # type: ignore[assignment]
        params: dict[str, Any] = {"repositoryName": name, "imageTagMutability": mode, **extra}
        if exclusions:
            params["imageTagMutabilityExclusionFilters"] = [
                {"filter": f, "filterType": "WILDCARD"} for f in exclusions
            ]
        raw_ecr.create_repository(**params)

    repo(
        "svc/api",
        "IMMUTABLE",
        imageScanningConfiguration={"scanOnPush": True},
        encryptionConfiguration={"encryptionType": "KMS", "kmsKey": key},
    )
    repo("svc/web", "MUTABLE_WITH_EXCLUSION", ["latest", "dev-*"])
    repo("svc/jobs", "IMMUTABLE_WITH_EXCLUSION", ["release-*"])
    repo("svc/tools", "MUTABLE")
    repo("legacy/app", "MUTABLE")
    for name, tags in (
        ("svc/api", {"env": "prod", "team": "api"}),
        ("svc/web", {"env": "prod", "team": "web"}),
        ("svc/jobs", {"env": "prod"}),
        ("svc/tools", {"env": "prod"}),
        ("legacy/app", {"env": "prod", "owner": "nobody"}),
    ):
        tag(raw_ecr, name, tags)
    for name, doc in (("svc/api", READABLE), ("svc/web", READABLE), ("svc/jobs", RAW)):
        raw_ecr.put_lifecycle_policy(repositoryName=name, lifecyclePolicyText=json.dumps(doc))
    for name, doc in (("svc/api", PULL), ("svc/jobs", PULL), ("svc/web", CONDITIONAL)):
        raw_ecr.set_repository_policy(repositoryName=name, policyText=json.dumps(doc))
    raw_ecr.put_registry_policy(policyText=json.dumps(REGISTRY_POLICY))
    raw_ecr.put_registry_scanning_configuration(
        scanType="ENHANCED",
        rules=[
            {
                "scanFrequency": "CONTINUOUS_SCAN",
                "repositoryFilters": [{"filter": "svc/*", "filterType": "WILDCARD"}],
            }
        ],
    )
    raw_ecr.put_replication_configuration(
        replicationConfiguration={
            "rules": [
                {
                    "destinations": [{"region": "eu-west-1", "registryId": "210987654321"}],
                    "repositoryFilters": [{"filter": "svc/", "filterType": "PREFIX_MATCH"}],
                }
            ]
        }
    )
    return str(key)


def connection_config(directory: Path, endpoint: str) -> Path:
    path = directory / "connection.yaml"
    path.write_text(
        "version: 1\nregistries:\n"
        f"  prod: {{provider: ecr, region: {REGION}, endpoint_url: '{endpoint}'}}\n"
    )
    return path


def test_import_writes_config_that_plans_to_zero_changes(
    tmp_path: Path, moto_reset: str, raw_ecr: Any, raw_kms: Any
) -> None:
    key = build_registry(raw_ecr, raw_kms)
    out = tmp_path / "imported"
    runner = CliRunner()
    cmd = ["import", "--registry", "prod", "-c", str(connection_config(tmp_path, moto_reset))]

    result = runner.invoke(app, [*cmd, "--settings", SETTINGS, "-o", str(out)])
    assert result.exit_code == 0, result.output
    written = out / "regform.yaml"
    assert f"Wrote {written} (5 repositories)" in result.stderr

    config = load_config([written])
    plan = make_plan(config, build_providers(config))
    assert plan.changes == (), [c.address for c in plan.changes]
    assert plan.unmanaged == ()
    assert runner.invoke(app, ["validate", str(written)]).exit_code == 0

    data = yaml.safe_load(written.read_text())
    lifecycles = data["lifecycle_policies"]
    assert lifecycles["lifecycle-1"] == [  # shared by svc/api and svc/web: written once
        {"description": "pull requests", "tag_prefixes": ["pr-"], "older_than_days": 14},
        {"untagged": True, "keep_last": 10},
    ]
    assert lifecycles["svc-jobs"] == {"ecr_json": RAW}
    policies = data["repository_policies"]
    assert policies["policy-1"] == {"allow_pull": ["111111111111"]}
    assert policies["svc-web"] == {"document": CONDITIONAL}
    assert data["defaults"]["tags"] == {"env": "prod"}
    assert data["registries"]["prod"]["settings"]["scanning"] == {
        "scan_type": "ENHANCED",
        "rules": [{"frequency": "CONTINUOUS_SCAN", "filters": ["svc/*"]}],
    }
    assert data["registries"]["prod"]["settings"]["registry_policy"] == REGISTRY_POLICY
    entries = {e.get("name") or tuple(e["names"]): e for e in data["repositories"]}
    assert entries["svc/api"]["encryption"] == {"type": "KMS", "kms_key": key}
    assert entries["svc/web"]["image_tag_mutability_exclusions"] == ["latest", "dev-*"]
    assert entries["legacy/app"]["tags"] == {"owner": "nobody"}

    again = runner.invoke(app, [*cmd, "-o", str(out)])
    assert again.exit_code == 1
    assert "exists; pass --force to overwrite it" in again.output
    forced = runner.invoke(app, [*cmd, "--settings", "none", "-o", str(out), "--force"])
    assert forced.exit_code == 0, forced.output
    assert "settings" not in yaml.safe_load(written.read_text())["registries"]["prod"]


def test_import_a_prefix_to_stdout_without_a_config(
    tmp_path: Path, moto_reset: str, raw_ecr: Any, raw_kms: Any
) -> None:
    build_registry(raw_ecr, raw_kms)
    flags = ["--region", REGION, "--endpoint-url", moto_reset, "--settings", "none"]
    result = CliRunner().invoke(app, ["import", "--registry", "team", "--prefix", "svc/", *flags])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# Imported from registry team by regform import")
    written = tmp_path / "regform.yaml"
    written.write_text(result.stdout)

    data = yaml.safe_load(result.stdout)
    assert data["registries"]["team"]["scope"] == ["svc/*"]
    config = load_config([written])
    assert sorted(config.registries["team"].repositories) == [
        "svc/api",
        "svc/jobs",
        "svc/tools",
        "svc/web",
    ]
    plan = make_plan(config, build_providers(config))
    assert plan.changes == ()
    assert [u.name for u in plan.unmanaged] == ["legacy/app"]  # outside the imported prefix


def test_a_policy_sid_with_hyphens_imports_validates_and_plans_to_nothing(
    tmp_path: Path, moto_reset: str, raw_ecr: Any
) -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "allow-ci_pull",  # ECR accepts hyphens and underscores
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            }
        ],
    }
    raw_ecr.create_repository(repositoryName="app")
    raw_ecr.set_repository_policy(repositoryName="app", policyText=json.dumps(policy))
    out = tmp_path / "out"
    cmd = ["import", "--registry", "prod", "-c", str(connection_config(tmp_path, moto_reset))]

    result = CliRunner().invoke(app, [*cmd, "-o", str(out)])

    # moto lacks two settings kinds: the file is written without them, and the exit code says so
    assert result.exit_code == 1, result.output
    written = out / "regform.yaml"
    assert "allow-ci_pull" in written.read_text()
    # moto answers some settings reads with an HTML error page: every line of the header stays a
    # comment, and each warning is one capped line
    header = written.read_text().split("\nversion: 1\n")[0]
    assert "Internal Server Error" in header
    assert all(line.startswith("#") for line in header.splitlines() if line)
    warnings = [x for x in result.stderr.splitlines() if x.startswith("Warning:")]
    assert warnings and all(len(x) <= 320 for x in warnings)
    assert len(result.stderr.splitlines()) == len(warnings) + 2  # and "Wrote ...", "Error: ..."
    assert CliRunner().invoke(app, ["validate", str(written)]).exit_code == 0
    config = load_config([written])
    assert make_plan(config, build_providers(config)).changes == ()


def test_import_with_config_keeps_its_definition_names_and_prune(
    tmp_path: Path, moto_reset: str, raw_ecr: Any, raw_kms: Any
) -> None:
    build_registry(raw_ecr, raw_kms)
    given = tmp_path / "given.yaml"
    given.write_text(
        "version: 1\nregistries:\n"
        f"  prod: {{provider: ecr, region: {REGION}, endpoint_url: '{moto_reset}', prune: true}}\n"
        "lifecycle_policies:\n"
        "  pr-cleanup:\n"
        "    - {description: pull requests, tag_prefixes: [pr-], older_than_days: 14}\n"
        "    - {untagged: true, keep_last: 10}\n"
        "  nightly: [{tag_prefixes: [nightly-], older_than_days: 3}]\n"
        "repository_policies:\n"
        "  ci-pull: {allow_pull: ['111111111111']}\n"
        "  org-pull:\n"
        f"    document: {json.dumps(CONDITIONAL)}\n"
    )
    out = tmp_path / "imported"
    cmd = ["import", "--registry", "prod", "-c", str(given), "--settings", SETTINGS]
    result = CliRunner().invoke(app, [*cmd, "-o", str(out)])
    assert result.exit_code == 0, result.output

    written = out / "regform.yaml"
    data = yaml.safe_load(written.read_text())
    assert data["registries"]["prod"]["prune"] is True
    # the config's names and forms where they match; a new name only for the unmatched RAW
    assert data["lifecycle_policies"] == {
        "pr-cleanup": [
            {"description": "pull requests", "tag_prefixes": ["pr-"], "older_than_days": 14},
            {"untagged": True, "keep_last": 10},
        ],
        "svc-jobs": {"ecr_json": RAW},
    }
    assert data["repository_policies"] == {
        "ci-pull": {"allow_pull": ["111111111111"]},
        "org-pull": {"document": CONDITIONAL},
    }
    entries = {e.get("name"): e for e in data["repositories"]}
    assert entries["svc/web"]["policy"] == "org-pull"
    assert "pr-cleanup" in (data["defaults"].get("lifecycle"), entries["svc/web"].get("lifecycle"))

    config = load_config([written])
    assert config.registries["prod"].prune
    plan = make_plan(config, build_providers(config))
    assert plan.changes == (), [c.address for c in plan.changes]


def test_the_aws_managed_kms_key_imports_as_kms_without_a_key(
    tmp_path: Path, moto_reset: str, raw_ecr: Any, raw_kms: Any
) -> None:
    # ECR reports the AWS-managed key (alias/aws/ecr) of a repository created with KMS and no
    # key; the emulator is given that alias so that it can say which key it is
    managed = raw_kms.create_key(Description="aws/ecr")["KeyMetadata"]
    raw_kms.create_alias(AliasName="alias/aws/ecr", TargetKeyId=managed["KeyId"])
    own = raw_kms.create_key(Description="team-a")["KeyMetadata"]
    for name, key in (("managed", managed["Arn"]), ("own", own["Arn"])):
        raw_ecr.create_repository(
            repositoryName=name,
            encryptionConfiguration={"encryptionType": "KMS", "kmsKey": key},
        )
    out = tmp_path / "out"
    cmd = ["import", "--registry", "prod", "-c", str(connection_config(tmp_path, moto_reset))]

    CliRunner().invoke(app, [*cmd, "-o", str(out), "--settings", "none"])

    written = yaml.safe_load((out / "regform.yaml").read_text())
    encryption = {e["name"]: e.get("encryption") for e in written["repositories"]}
    assert encryption["managed"] == {"type": "KMS"}
    assert encryption["own"] == {"type": "KMS", "kms_key": own["Arn"]}
    config = load_config([out / "regform.yaml"])
    assert make_plan(config, build_providers(config)).changes == ()
