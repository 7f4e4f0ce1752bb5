"""Plans speak the config's words: readable lifecycle rules stay readable, against moto's server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from e2e import config_for, ecr_providers

from regform.plan import Plan
from regform.render import render
from regform.workflows.plan_apply import apply_plan, make_plan

pytestmark = pytest.mark.server

READABLE = """
lifecycle_policies:
  standard:
    - description: expire untagged images after a day
      untagged: true
      older_than_days: 1
    - tag_patterns: ["pr-*"]
      older_than_days: {days}
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
          description: expire untagged images after a day
          selection: {{tagStatus: untagged, countType: sinceImagePushed, countUnit: days,
                      countNumber: 1}}
          action: {{type: expire}}
        - rulePriority: 2
          selection: {{tagStatus: tagged, tagPatternList: ["pr-*"], countType: sinceImagePushed,
                      countUnit: days, countNumber: {days}}}
          action: {{type: expire}}
repositories:
  - name: web/api
    lifecycle: standard
"""


def _plan(tmp_path: Path, endpoint: str, body: str, *, apply: bool = False) -> Plan:
    config = config_for(tmp_path, endpoint, body)
    with ecr_providers(config) as (providers, _):
        plan = make_plan(config, providers)
        if apply:
            assert apply_plan(plan, providers).ok
    return plan


def _lifecycle_lines(text: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if "lifecycle_policy" in line)
    block = []
    for line in lines[start + 1 :]:
        if not line.strip().startswith(("+ rules", "- rules", "~ rules")):
            break
        block.append(line.strip())
    return block


def test_a_new_readable_policy_shows_one_short_line_per_rule(
    moto_reset: str, tmp_path: Path
) -> None:
    plan = _plan(tmp_path, moto_reset, READABLE.format(days=14))

    for fmt in ("text", "markdown"):
        assert _lifecycle_lines(render(plan, fmt)) == [
            "+ rules[1]: untagged, older_than_days: 1  # expire untagged images after a day",
            '+ rules[2]: tag_patterns: ["pr-*"], older_than_days: 14',
        ]
    (field,) = [f for f in plan.changes[0].to_dict()["fields"] if f["path"] == "lifecycle_policy"]
    assert field["display"][1] == '+ rules[2]: tag_patterns: ["pr-*"], older_than_days: 14'
    # The ECR document diff stays in the JSON plan beside it.
    assert any('"countNumber": 14' in line for line in field["diff"])


def test_a_changed_readable_rule_names_the_readable_key(moto_reset: str, tmp_path: Path) -> None:
    _plan(tmp_path, moto_reset, READABLE.format(days=14), apply=True)

    plan = _plan(tmp_path, moto_reset, READABLE.format(days=10))

    assert _lifecycle_lines(render(plan, "text")) == ["~ rules[2].older_than_days: 14 -> 10"]
    doc = json.loads(render(plan, "json"))
    (field,) = doc["changes"][0]["fields"]
    assert field["display"] == ["~ rules[2].older_than_days: 14 -> 10"]


def test_a_raw_ecr_json_policy_keeps_ecr_keys(moto_reset: str, tmp_path: Path) -> None:
    _plan(tmp_path, moto_reset, RAW.format(days=14), apply=True)

    plan = _plan(tmp_path, moto_reset, RAW.format(days=10))

    assert _lifecycle_lines(render(plan, "text")) == [
        "~ rules[rulePriority=2].selection.countNumber: 14 -> 10"
    ]
    (field,) = plan.changes[0].fields
    assert field.display == ()


def test_a_rule_the_registry_holds_without_a_readable_form_is_shown_as_ecr_wrote_it(
    moto_reset: str, raw_ecr: object, tmp_path: Path
) -> None:
    _plan(tmp_path, moto_reset, READABLE.format(days=14), apply=True)
    odd = {
        "rules": [
            {
                "rulePriority": 1,
                "selection": {
                    "tagStatus": "untagged",
                    "countType": "sinceImagePushed",
                    "countUnit": "days",
                    "countNumber": 1,
                },
                "action": {"type": "expire"},
                "description": "expire untagged images after a day",
            },
            {
                "rulePriority": 2,
                "selection": {
                    "tagStatus": "tagged",
                    "tagPrefixList": ["pr-"],
                    "tagPatternList": ["pr-*"],
                    "countType": "imageCountMoreThan",
                    "countNumber": 3,
                },
                "action": {"type": "expire"},
            },
        ]
    }
    raw_ecr.put_lifecycle_policy(  # type: ignore[attr-defined]
        repositoryName="web/api", lifecyclePolicyText=json.dumps(odd)
    )

    plan = _plan(tmp_path, moto_reset, READABLE.format(days=14))

    removed, added = _lifecycle_lines(render(plan, "text"))
    assert removed.startswith('- rules[2]: {"action": {"type": "expire"}, "rulePriority": 2')
    assert added == '+ rules[2]: tag_patterns: ["pr-*"], older_than_days: 14'


KMS = """
repositories:
  - name: team-a/worker
    encryption: {type: KMS, kms_key: alias/team-a}
"""


def test_a_kms_key_declared_as_an_alias_is_shown_as_the_alias(
    moto_reset: str, raw_kms: Any, raw_ecr: Any, tmp_path: Path
) -> None:
    key = raw_kms.create_key()["KeyMetadata"]
    raw_kms.create_alias(AliasName="alias/team-a", TargetKeyId=key["KeyId"])

    created = _plan(tmp_path, moto_reset, KMS)

    text = render(created, "text")
    assert '    + kms_key: "alias/team-a"\n' in text
    assert key["Arn"] not in text
    # The plan still creates with the key it compared: its ARN.
    assert created.changes[0].after is not None
    assert created.changes[0].after["encryption"]["kms_key"] == key["Arn"]

    raw_ecr.create_repository(repositoryName="team-a/worker")  # AES256: must be replaced
    replaced = _plan(tmp_path, moto_reset, KMS)

    (change,) = replaced.changes
    lines = [line.strip() for line in render(replaced, "text").splitlines()]
    assert lines[lines.index("~ encryption:   # forces replacement") + 1 :][:2] == [
        '+ kms_key: "alias/team-a"',
        '~ type: "AES256" -> "KMS"',
    ]
    (field,) = change.fields
    assert field.after["kms_key"] == key["Arn"]


def test_the_same_key_under_its_alias_is_no_change(
    moto_reset: str, raw_kms: Any, raw_ecr: Any, tmp_path: Path
) -> None:
    key = raw_kms.create_key()["KeyMetadata"]
    raw_kms.create_alias(AliasName="alias/team-a", TargetKeyId=key["KeyId"])
    raw_ecr.create_repository(
        repositoryName="team-a/worker",
        encryptionConfiguration={"encryptionType": "KMS", "kmsKey": key["Arn"]},
    )

    assert _plan(tmp_path, moto_reset, KMS).changes == ()
