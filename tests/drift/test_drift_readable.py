"""``regform drift`` speaks the config's words, as ``regform plan`` does: a lifecycle policy
declared with readable rules drifts rule by rule in those keys, one declared as ``ecr_json`` keeps
ECR's, a rule found without a readable form is shown as ECR wrote it, and a KMS key declared by
alias is the alias. Policies are changed by hand with boto3 on moto's ECR server after an apply."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from emulator_config import write_config
from typer.testing import CliRunner

from regform.cli import app
from regform.workflows.drift import DriftReport

pytestmark = pytest.mark.server

READABLE = """
lifecycle_policies:
  standard:
    - description: releases
      tag_patterns: ["v*"]
      keep_last: 20
    - tag_patterns: ["pr-*"]
      older_than_days: 14
repositories:
  - name: web/api
    lifecycle: standard
"""

RAW = """
lifecycle_policies:
  standard:
    ecr_json:
      rules:
        - rulePriority: 1
          description: releases
          selection: {tagStatus: tagged, tagPatternList: ["v*"], countType: imageCountMoreThan,
                      countNumber: 20}
          action: {type: expire}
        - rulePriority: 2
          selection: {tagStatus: tagged, tagPatternList: ["pr-*"], countType: sinceImagePushed,
                      countUnit: days, countNumber: 14}
          action: {type: expire}
repositories:
  - name: web/api
    lifecycle: standard
"""

RELEASES = {
    "rulePriority": 1,
    "description": "releases",
    "selection": {
        "tagStatus": "tagged",
        "tagPatternList": ["v*"],
        "countType": "imageCountMoreThan",
        "countNumber": 20,
    },
    "action": {"type": "expire"},
}


def _pr_rule(days: int) -> dict[str, Any]:
    return {
        "rulePriority": 2,
        "selection": {
            "tagStatus": "tagged",
            "tagPatternList": ["pr-*"],
            "countType": "sinceImagePushed",
            "countUnit": "days",
            "countNumber": days,
        },
        "action": {"type": "expire"},
    }


#: rule 2 shortened to 10 days and an untagged rule added, by hand
BY_HAND = {
    "rules": [
        RELEASES,
        _pr_rule(10),
        {
            "rulePriority": 3,
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": 1,
            },
            "action": {"type": "expire"},
        },
    ]
}


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def _applied(tmp_path: Path, endpoint: str, body: str, runner: CliRunner) -> str:
    config = str(write_config(tmp_path, endpoint, body))
    applied = runner.invoke(app, ["apply", "-c", config, "--auto-approve"])
    assert applied.exit_code == 0, applied.output
    clean = runner.invoke(app, ["drift", "-c", config])
    assert clean.exit_code == 0, clean.output
    return config


def _put_lifecycle(raw_ecr: Any, policy: dict[str, Any]) -> None:
    raw_ecr.put_lifecycle_policy(repositoryName="web/api", lifecyclePolicyText=json.dumps(policy))


def _drift(runner: CliRunner, config: str, fmt: str, *more: str) -> str:
    result = runner.invoke(app, ["drift", "-c", config, "--format", fmt, *more])
    assert result.exit_code == 2, result.output
    return result.stdout


def _lifecycle_field(report: dict[str, Any]) -> dict[str, Any]:
    (item,) = report["drift"]
    (field,) = item["fields"]
    assert field["path"] == "lifecycle_policy"
    return field


def test_a_readable_policy_changed_by_hand_drifts_in_its_readable_keys(
    tmp_path: Path, moto_reset: str, raw_ecr: Any, runner: CliRunner
) -> None:
    config = _applied(tmp_path, moto_reset, READABLE, runner)
    _put_lifecycle(raw_ecr, BY_HAND)

    text = _drift(runner, config, "text")
    assert (
        "      lifecycle_policy (standard) (declared -> found):\n"
        "          ~ rules[2].older_than_days: 14 -> 10\n"
        "          + rules[3]: untagged, older_than_days: 1\n"
    ) in text
    assert "rulePriority" not in text and "countNumber" not in text

    markdown = _drift(runner, config, "markdown")
    assert (
        "```diff\n"
        "# lifecycle_policy (declared -> found)\n"
        "~ rules[2].older_than_days: 14 -> 10\n"
        "+ rules[3]: untagged, older_than_days: 1\n"
        "```\n"
    ) in markdown
    assert "countNumber" not in markdown

    kept = tmp_path / "drift.json"
    doc = json.loads(_drift(runner, config, "json", "--out", str(kept)))
    field = _lifecycle_field(doc)
    assert field["display"] == [
        "~ rules[2].older_than_days: 14 -> 10",
        "+ rules[3]: untagged, older_than_days: 1",
    ]
    # ECR's documents and their diff stay, as before.
    assert field["found"] == BY_HAND
    assert field["declared"]["rules"][1]["selection"]["countNumber"] == 14
    assert "~ rules[rulePriority=2].selection.countNumber: 14 -> 10" in field["diff"]
    assert doc["format_version"] == "1.1"
    # The kept report reads back and renders the same readable lines.
    assert _lifecycle_field(json.loads(kept.read_text())) == field
    again = DriftReport.from_dict(json.loads(kept.read_text()))
    assert again.items[0].fields[0].display == tuple(field["display"])


def test_a_policy_removed_by_hand_lists_the_declared_rules_it_lost(
    tmp_path: Path, moto_reset: str, raw_ecr: Any, runner: CliRunner
) -> None:
    config = _applied(tmp_path, moto_reset, READABLE, runner)
    raw_ecr.delete_lifecycle_policy(repositoryName="web/api")

    text = _drift(runner, config, "text")
    assert (
        '          - rules[1]: tag_patterns: ["v*"], keep_last: 20  # releases\n'
        '          - rules[2]: tag_patterns: ["pr-*"], older_than_days: 14\n'
    ) in text


def test_a_rule_found_without_a_readable_form_is_shown_as_ecr_wrote_it(
    tmp_path: Path, moto_reset: str, raw_ecr: Any, runner: CliRunner
) -> None:
    config = _applied(tmp_path, moto_reset, READABLE, runner)
    odd = _pr_rule(14)
    odd["selection"] = {
        "tagStatus": "tagged",
        "tagPrefixList": ["pr-"],
        "tagPatternList": ["pr-*"],
        "countType": "imageCountMoreThan",
        "countNumber": 3,
    }
    _put_lifecycle(raw_ecr, {"rules": [RELEASES, odd]})

    field = _lifecycle_field(json.loads(_drift(runner, config, "json")))
    declared, found = field["display"]
    assert declared == '- rules[2]: tag_patterns: ["pr-*"], older_than_days: 14'
    assert found.startswith('+ rules[2]: {"action": {"type": "expire"}, "rulePriority": 2, ')
    assert '"tagPrefixList": ["pr-"]' in found
    assert f"          {found}\n" in _drift(runner, config, "text")


def test_an_ecr_json_policy_keeps_ecr_keys(
    tmp_path: Path, moto_reset: str, raw_ecr: Any, runner: CliRunner
) -> None:
    config = _applied(tmp_path, moto_reset, RAW, runner)
    _put_lifecycle(raw_ecr, {"rules": [RELEASES, _pr_rule(10)]})

    text = _drift(runner, config, "text")
    assert "          ~ rules[rulePriority=2].selection.countNumber: 14 -> 10\n" in text
    assert "older_than_days" not in text
    markdown = _drift(runner, config, "markdown")
    assert "\n~ rules[rulePriority=2].selection.countNumber: 14 -> 10\n" in markdown
    field = _lifecycle_field(json.loads(_drift(runner, config, "json")))
    assert "display" not in field
    assert field["diff"] == ["~ rules[rulePriority=2].selection.countNumber: 14 -> 10"]


KMS = """
repositories:
  - name: team-a/worker
    encryption: {type: KMS, kms_key: alias/team-a}
"""


def test_a_kms_key_declared_as_an_alias_drifts_as_the_alias(
    tmp_path: Path, moto_reset: str, raw_ecr: Any, raw_kms: Any, runner: CliRunner
) -> None:
    key = raw_kms.create_key()["KeyMetadata"]
    raw_kms.create_alias(AliasName="alias/team-a", TargetKeyId=key["KeyId"])
    config = _applied(tmp_path, moto_reset, KMS, runner)
    other = raw_kms.create_key()["KeyMetadata"]
    raw_ecr.delete_repository(repositoryName="team-a/worker")
    raw_ecr.create_repository(
        repositoryName="team-a/worker",
        encryptionConfiguration={"encryptionType": "KMS", "kmsKey": other["Arn"]},
    )

    text = _drift(runner, config, "text")
    assert (
        "      encryption (declared -> found):\n"
        f'          ~ kms_key: "alias/team-a" -> "{other["Arn"]}"\n'
    ) in text
    assert key["Arn"] not in text
    markdown = _drift(runner, config, "markdown")
    assert f'\n~ kms_key: "alias/team-a" -> "{other["Arn"]}"\n' in markdown
    (item,) = json.loads(_drift(runner, config, "json"))["drift"]
    (field,) = item["fields"]
    # What was compared stays in declared/found: the key ARN the alias names.
    assert (field["declared"], field["found"]) == (
        {"type": "KMS", "kms_key": key["Arn"]},
        {"type": "KMS", "kms_key": other["Arn"]},
    )
    assert field["display"] == [f'~ kms_key: "alias/team-a" -> "{other["Arn"]}"']

    raw_ecr.delete_repository(repositoryName="team-a/worker")
    raw_ecr.create_repository(repositoryName="team-a/worker")  # AES256
    lines = [line.strip() for line in _drift(runner, config, "text").splitlines()]
    start = lines.index("encryption (declared -> found):") + 1
    assert lines[start : start + 2] == ['- kms_key: "alias/team-a"', '~ type: "KMS" -> "AES256"']
