"""``regform drift``: changes made by hand with boto3 on moto's ECR server, reported with the
declared value and the value found, in text, markdown and JSON, with the exit codes a scheduled
job relies on. Drift only reads: the registry is the same before and after."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from drift_helpers import PROD_BODY, PROD_REGISTRY, recorded_drift, snapshot
from emulator_config import write_config
from typer.testing import CliRunner

from regform.cli import app
from regform.workflows.drift import DriftReport, DriftStatus

pytestmark = pytest.mark.server

HAND_POLICY = {
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
        },
        {"Sid": "AddedByHand", "Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage"},
    ],
}
HAND_LIFECYCLE = {
    "rules": [
        {
            "rulePriority": 1,
            "selection": {
                "tagStatus": "untagged",
                "countType": "imageCountMoreThan",
                "countNumber": 50,
            },
            "action": {"type": "expire"},
        }
    ]
}


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def drifted(tmp_path: Path, moto_reset: str, raw_ecr: Any, runner: CliRunner) -> str:
    """The config applied, then changed by hand in every way drift reports."""
    config = str(write_config(tmp_path, moto_reset, PROD_BODY, PROD_REGISTRY))
    applied = runner.invoke(app, ["apply", "-c", config, "--auto-approve"])
    assert applied.exit_code == 0, applied.output
    clean = runner.invoke(app, ["drift", "-c", config])
    assert clean.exit_code == 0, clean.output
    assert "No drift. Registries match the configuration." in clean.stdout

    arn = raw_ecr.describe_repositories(repositoryNames=["app-api"])["repositories"][0][
        "repositoryArn"
    ]
    raw_ecr.tag_resource(resourceArn=arn, tags=[{"Key": "team", "Value": "search"}])
    raw_ecr.put_image_tag_mutability(repositoryName="app-api", imageTagMutability="MUTABLE")
    raw_ecr.set_repository_policy(repositoryName="app-api", policyText=json.dumps(HAND_POLICY))
    raw_ecr.put_lifecycle_policy(
        repositoryName="app-api", lifecyclePolicyText=json.dumps(HAND_LIFECYCLE)
    )
    raw_ecr.put_registry_scanning_configuration(
        scanType="BASIC",
        rules=[
            {
                "scanFrequency": "SCAN_ON_PUSH",
                "repositoryFilters": [{"filter": "*", "filterType": "WILDCARD"}],
            }
        ],
    )
    raw_ecr.delete_repository(repositoryName="app-worker")
    raw_ecr.create_repository(repositoryName="app-scratch")  # undeclared, inside scope
    raw_ecr.create_repository(repositoryName="search/indexer")  # outside scope
    return config


def test_drift_names_every_hand_change_with_declared_and_found_values(
    drifted: str, runner: CliRunner
) -> None:
    result = runner.invoke(app, ["drift", "-c", drifted])
    assert result.exit_code == 2, result.output
    text = result.stdout
    assert "  ~ app-api     changed outside regform" in text
    assert 'image_tag_mutability: declared "IMMUTABLE", found "MUTABLE"' in text
    assert 'tags.team: declared "payments", found "search"' in text
    assert "lifecycle_policy (keep-5) (declared -> found):" in text
    # keep-5 is declared with readable rules: shown in those words, as the plan shows it
    assert "    ~ rules[1].keep_last: 5 -> 50\n" in text
    assert "rulePriority" not in text
    assert "repository_policy (org-pull) (declared -> found):" in text
    assert '+ Statement[Sid=AddedByHand]: {"Action": ["ecr:BatchGetImage"]' in text
    assert "  - app-worker  missing (declared, not found)" in text
    assert "  ~ scanning    changed outside regform" in text
    assert 'scan_type: declared "ENHANCED", found "BASIC"' in text
    assert "prod/app-scratch     in scope: prune is off" in text
    assert "prod/search/indexer  outside scope app-*" in text
    assert (
        "Drift: 2 changed, 1 missing; unmanaged repositories: 1 in scope, 1 outside scope." in text
    )

    markdown = runner.invoke(app, ["drift", "-c", drifted, "--format", "markdown"]).stdout
    assert markdown.startswith("### regform drift\n\n**Drift: 2 changed, 1 missing;")
    assert '| `image_tag_mutability` | `"IMMUTABLE"` | `"MUTABLE"` |' in markdown
    assert '| `tags.team` | `"payments"` | `"search"` |' in markdown
    assert "<code>- prod/app-worker</code> missing (declared, not found)" in markdown
    assert "| prod | `search/indexer` | outside scope | outside scope app-* |" in markdown

    report = json.loads(runner.invoke(app, ["drift", "-c", drifted, "--format", "json"]).stdout)
    assert report["summary"] == {
        "changed": 2,
        "missing": 1,
        "unexpected": 0,
        "unmanaged_in_scope": 1,
        "unmanaged_outside_scope": 1,
    }
    api = next(d for d in report["drift"] if d["address"] == "prod/app-api")
    fields = {f["path"]: f for f in api["fields"]}
    assert (
        fields["image_tag_mutability"]["declared"],
        fields["image_tag_mutability"]["found"],
    ) == (
        "IMMUTABLE",
        "MUTABLE",
    )
    assert fields["repository_policy"]["found"] == HAND_POLICY
    assert fields["lifecycle_policy"]["found"] == HAND_LIFECYCLE
    assert fields["lifecycle_policy"]["display"] == ["~ rules[1].keep_last: 5 -> 50"]
    # ECR's document diff stays beside it
    assert fields["lifecycle_policy"]["diff"] == [
        "~ rules[rulePriority=1].selection.countNumber: 5 -> 50"
    ]
    scanning = next(d for d in report["drift"] if d["kind"] == "scanning")
    assert {"path": "scan_type", "declared": "ENHANCED", "found": "BASIC"} in scanning["fields"]


def test_drift_only_reads_and_leaves_the_registry_as_it_was(
    drifted: str, moto_reset: str, raw_ecr: Any
) -> None:
    before = snapshot(raw_ecr)
    report, calls = recorded_drift(drifted)
    assert report.summary["changed"] == 2
    assert calls  # it did read
    writes = [op for op in calls if not op.startswith(("Describe", "Get", "List", "BatchGet"))]
    assert writes == []
    assert snapshot(raw_ecr) == before


def test_fail_on_chooses_what_fails_the_job(
    drifted: str, runner: CliRunner, raw_ecr: Any, tmp_path: Path
) -> None:
    for fail_on in ("any", "drift", "unmanaged"):
        result = runner.invoke(app, ["drift", "-c", drifted, "--fail-on", fail_on])
        assert result.exit_code == 2, (fail_on, result.output)

    raw_ecr.delete_repository(repositoryName="app-scratch")  # only drift remains in scope
    only_drift = runner.invoke(app, ["drift", "-c", drifted, "--fail-on", "unmanaged"])
    assert only_drift.exit_code == 0, only_drift.output
    assert "search/indexer" in only_drift.stdout  # outside scope: listed, never failing

    applied = runner.invoke(app, ["apply", "-c", drifted, "--auto-approve"])
    assert applied.exit_code == 0, applied.output
    raw_ecr.create_repository(repositoryName="app-scratch")
    kept = tmp_path / "drift.json"
    only_unmanaged = runner.invoke(
        app, ["drift", "-c", drifted, "--fail-on", "drift", "--out", str(kept)]
    )
    assert only_unmanaged.exit_code == 0, only_unmanaged.output
    report = DriftReport.from_dict(json.loads(kept.read_text()))
    assert report.items == ()
    assert [u.name for u in report.unmanaged_in_scope] == ["app-scratch"]
    assert runner.invoke(app, ["drift", "-c", drifted]).exit_code == 2


def test_a_registry_policy_added_by_hand_is_unexpected(
    tmp_path: Path, moto_reset: str, raw_ecr: Any, runner: CliRunner
) -> None:
    config = str(write_config(tmp_path, moto_reset, "", "settings:\n  registry_policy: none\n"))
    assert runner.invoke(app, ["drift", "-c", config]).exit_code == 0
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReplicateIn",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
                "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
                "Resource": "arn:aws:ecr:us-east-1:123456789012:repository/*",
            }
        ],
    }
    raw_ecr.put_registry_policy(policyText=json.dumps(policy))

    result = runner.invoke(app, ["drift", "-c", config, "--format", "json"])
    assert result.exit_code == 2
    (item,) = json.loads(result.stdout)["drift"]
    assert (item["kind"], item["status"]) == ("registry_policy", DriftStatus.UNEXPECTED.value)
    assert item["fields"][0]["declared"] is None
    assert item["fields"][0]["found"]["Statement"][0]["Sid"] == "ReplicateIn"
    assert "+ Statement[Sid=ReplicateIn]:" in item["fields"][0]["diff"][0]


def test_errors_exit_1(tmp_path: Path, moto_reset: str, runner: CliRunner) -> None:
    body = PROD_BODY + "  - name: app-secure\n    encryption: {type: KMS, kms_key: alias/missing}\n"
    config = str(write_config(tmp_path, moto_reset, body, PROD_REGISTRY))
    failed = runner.invoke(app, ["drift", "-c", config])
    assert failed.exit_code == 1
    assert failed.output.startswith("Error: ") and "alias/missing" in failed.output
    missing = runner.invoke(app, ["drift", "-c", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 1
