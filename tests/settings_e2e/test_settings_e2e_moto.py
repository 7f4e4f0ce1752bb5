"""Registry policy, scanning and replication declared in YAML, through ``regform plan`` and
``regform apply`` against moto's ECR server: planned, rendered, applied, and planned again to
nothing. (Pull-through cache rules, creation templates and account settings are not in moto;
see test_settings_e2e_stubbed.py.)"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from emulator_config import REGION
from settings_e2e_helpers import ACCOUNT, OTHER, settings_config
from typer.testing import CliRunner

from regform.cli import app

pytestmark = pytest.mark.server

SETTINGS = f"""
registry_policy:
  Version: "2012-10-17"
  Statement:
    - Sid: ReplicateIn
      Effect: Allow
      Principal: {{AWS: "{OTHER}"}}
      Action: [ecr:CreateRepository, ecr:ReplicateImage]
      Resource: "arn:aws:ecr:{REGION}:{ACCOUNT}:repository/*"
scanning:
  scan_type: ENHANCED
  rules:
    - {{frequency: CONTINUOUS_SCAN, filters: ["payments/*"]}}
replication:
  rules:
    - destinations: [{{region: eu-west-1, registry_id: "{OTHER}"}}]
      filters: [payments/]
"""
REPOSITORIES = """
repositories:
  - name: payments/api
"""


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def registry_policy(raw_ecr: Any) -> Any:
    try:
        return json.loads(raw_ecr.get_registry_policy()["policyText"])
    except raw_ecr.exceptions.RegistryPolicyNotFoundException:
        return None


def test_settings_are_planned_applied_and_then_match(
    runner: CliRunner, tmp_path: Path, moto_reset: str, raw_ecr: Any
) -> None:
    config = str(settings_config(tmp_path, moto_reset, SETTINGS, REPOSITORIES))

    text = runner.invoke(app, ["plan", "-c", config, "--detailed-exitcode"])
    assert text.exit_code == 2, text.output
    assert "+ registry_policy  will be created" in text.stdout
    assert '~ scan_type: "BASIC" -> "ENHANCED"' in text.stdout
    assert "~ replication      will be updated in place" in text.stdout
    assert "# replication applies to images pushed after the change only" in text.stdout
    assert "Plan: 2 to create, 2 to update, 0 to replace, 0 to delete." in text.stdout

    markdown = runner.invoke(app, ["plan", "-c", config, "--format", "markdown"])
    assert "<code>~ prod/scanning</code> will be updated in place" in markdown.stdout
    assert "<code>+ prod/registry_policy</code> will be created" in markdown.stdout

    plan = json.loads(runner.invoke(app, ["plan", "-c", config, "--format", "json"]).stdout)
    by_address = {c["address"]: c for c in plan["changes"]}
    assert by_address["prod:scanning/registry"]["after"] == {
        "scan_type": "ENHANCED",
        "rules": [{"frequency": "CONTINUOUS_SCAN", "filters": ["payments/*"]}],
    }
    assert by_address["prod:replication/registry"]["before"] == {"rules": []}

    applied = runner.invoke(app, ["apply", "-c", config, "--auto-approve"])
    assert applied.exit_code == 0, applied.output
    assert "Apply complete: 4 succeeded." in applied.stdout

    assert registry_policy(raw_ecr)["Statement"][0]["Sid"] == "ReplicateIn"
    scanning = raw_ecr.get_registry_scanning_configuration()["scanningConfiguration"]
    assert scanning["scanType"] == "ENHANCED"
    replication = raw_ecr.describe_registry()["replicationConfiguration"]["rules"]
    assert replication[0]["destinations"] == [{"region": "eu-west-1", "registryId": OTHER}]

    again = runner.invoke(app, ["plan", "-c", config, "--detailed-exitcode"])
    assert again.exit_code == 0, again.output
    assert "No changes." in again.stdout


def test_removing_a_registry_policy_needs_allow_destroy(
    runner: CliRunner, tmp_path: Path, moto_reset: str, raw_ecr: Any
) -> None:
    config = str(settings_config(tmp_path, moto_reset, SETTINGS))
    assert runner.invoke(app, ["apply", "-c", config, "--auto-approve"]).exit_code == 0

    changed = SETTINGS.split("scanning:")[0].split("registry_policy:")[0] + (
        "registry_policy: none\n"
        "scanning:\n"
        "  scan_type: ENHANCED\n"
        "  rules:\n"
        "    - {frequency: SCAN_ON_PUSH, filters: ['*']}\n"
    )
    config = str(settings_config(tmp_path, moto_reset, changed))
    shown = runner.invoke(app, ["plan", "-c", config])
    assert "- registry_policy  will be deleted" in shown.stdout
    assert '~ rules[0].frequency: "CONTINUOUS_SCAN" -> "SCAN_ON_PUSH"' in shown.stdout
    assert "replication" not in shown.stdout  # no longer declared: left as it is

    refused = runner.invoke(app, ["apply", "-c", config, "--auto-approve"])
    assert refused.exit_code == 1
    assert "--allow-destroy" in refused.output
    assert registry_policy(raw_ecr) is not None

    done = runner.invoke(app, ["apply", "-c", config, "--auto-approve", "--allow-destroy"])
    assert done.exit_code == 0, done.output
    assert registry_policy(raw_ecr) is None
    assert raw_ecr.describe_registry()["replicationConfiguration"]["rules"]  # untouched
    clean = runner.invoke(app, ["plan", "-c", config, "--detailed-exitcode"])
    assert clean.exit_code == 0, clean.output
