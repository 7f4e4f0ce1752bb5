"""Apply reports what happened: a create whose answer was lost is still regform's own create."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from emulator_config import write_config
from fault_server import FaultServer
from typer.testing import CliRunner

from regform.cli import app
from regform.config import load_config
from regform.plan import Plan
from regform.providers import build_providers
from regform.workflows.applier import apply_plan

pytestmark = pytest.mark.server

BODY = """
lifecycle_policies:
  short:
    - untagged: true
      keep_last: 1
repository_policies:
  ci-pull:
    allow_pull: ["111111111111"]
repositories:
  - name: app
    lifecycle: short
    policy: ci-pull
"""


@pytest.fixture
def proxy(moto_reset: str) -> Iterator[FaultServer]:
    server = FaultServer(moto_reset)
    yield server
    server.close()


def test_a_create_whose_answer_was_lost_succeeds_and_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, proxy: FaultServer, raw_ecr: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    write_config(tmp_path, proxy.url, BODY)
    proxy.script.lose["CreateRepository"] = 1  # created, but the answer never arrives

    result = CliRunner().invoke(app, ["apply", "--auto-approve", "--format", "json"])

    assert result.exit_code == 0, result.output
    assert proxy.script.seen["CreateRepository"] == 2  # the retry answered "already exists"
    [change] = json.loads(result.stdout)["changes"]
    assert change["status"] == "complete"
    assert change["done"] == ["created", "lifecycle set", "policy set"]
    assert raw_ecr.get_lifecycle_policy(repositoryName="app")["lifecyclePolicyText"]
    assert "111111111111" in raw_ecr.get_repository_policy(repositoryName="app")["policyText"]


def test_a_repository_someone_else_created_meanwhile_is_a_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, proxy: FaultServer, raw_ecr: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    write_config(tmp_path, proxy.url, BODY)
    runner = CliRunner()
    planned = runner.invoke(app, ["plan", "--out", "plan.json"])
    assert planned.exit_code == 0, planned.output
    raw_ecr.create_repository(repositoryName="app")  # not regform's create

    # Not a saved plan (that would be refused as stale): the create itself meets the repository.
    plan = Plan.from_dict(json.loads((tmp_path / "plan.json").read_text()))
    providers = build_providers(load_config([tmp_path / "regform.yaml"]))
    result = apply_plan(plan, providers)

    [report] = result.reports
    assert report.status == "failed" and report.failed == "create"
    assert "RepositoryAlreadyExistsException" in report.error
    assert report.describe().startswith("create failed: registry 'prod': CreateRepository")
