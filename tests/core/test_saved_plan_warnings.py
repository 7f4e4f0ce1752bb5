"""A saved plan's warnings are what a reviewer read: those that follow from the configuration (a
public grant here) must be said again when it is applied, and an edited plan file that drops or
adds one is refused with zero writes, counted at a loopback proxy in front of moto's server.
Warnings made from image reads are not repeatable and are not compared."""

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

pytestmark = pytest.mark.server

READS = ("Describe", "Get", "List", "BatchGet")
BODY = """
repository_policies:
  open:
    allow_pull: ["*"]
repositories:
  - name: team-a/api
    policy: open
"""


@pytest.fixture
def proxy(moto_reset: str) -> Iterator[FaultServer]:
    server = FaultServer(moto_reset)
    yield server
    server.close()


@pytest.fixture
def saved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, proxy: FaultServer) -> dict[str, Any]:
    """A reviewed plan creating team-a/api with a public policy, which the plan warns about."""
    monkeypatch.chdir(tmp_path)
    write_config(tmp_path, proxy.url, BODY)
    planned = CliRunner().invoke(app, ["plan", "--out", "plan.json"])
    assert planned.exit_code == 0, planned.output
    assert "PUBLIC: repository policy 'open' grants anyone" in planned.output
    data: dict[str, Any] = json.loads((tmp_path / "plan.json").read_text())
    assert any("PUBLIC: repository policy 'open'" in w for w in data["warnings"])
    return data


def writes(proxy: FaultServer) -> list[str]:
    return [op for op in proxy.script.seen if op and not op.startswith(READS)]


def apply_edited(data: dict[str, Any], proxy: FaultServer) -> Any:
    Path("edited.json").write_text(json.dumps(data))
    proxy.script.seen.clear()
    return CliRunner().invoke(app, ["apply", "edited.json"])


def test_a_public_grant_warning_removed_from_the_plan_is_refused_with_zero_writes(
    saved: dict[str, Any], proxy: FaultServer, raw_ecr: Any
) -> None:
    saved["warnings"] = [w for w in saved["warnings"] if "PUBLIC" not in w]

    result = apply_edited(saved, proxy)

    assert result.exit_code == 1, result.output
    assert writes(proxy) == []
    assert "saved plan is stale: its warnings changed" in result.stderr
    assert "nothing was applied" in result.stderr
    # named by its words, not by the file and line (apply may name the file by another path)
    assert "  warning \"repository_policies.open: PUBLIC: repository policy 'open'" in result.stderr
    assert ": saved absent vs now present" in result.stderr
    assert "Traceback" not in result.output
    assert raw_ecr.describe_repositories()["repositories"] == []


def test_a_warning_added_to_the_plan_is_refused_with_zero_writes(
    saved: dict[str, Any], proxy: FaultServer
) -> None:
    saved["warnings"].append("prod/team-a/api: nothing here is public")

    result = apply_edited(saved, proxy)

    assert result.exit_code == 1, result.output
    assert writes(proxy) == []
    assert (
        'warning "prod/team-a/api: nothing here is public": saved present vs now absent'
        in result.stderr
    )


def test_a_warning_from_image_reads_is_not_compared(
    saved: dict[str, Any], proxy: FaultServer, raw_ecr: Any
) -> None:
    saved["warnings"].append("prod/team-a/api: lifecycle preview unavailable: read timed out")

    result = apply_edited(saved, proxy)

    assert result.exit_code == 0, result.output
    assert "CreateRepository" in writes(proxy)
    assert [r["repositoryName"] for r in raw_ecr.describe_repositories()["repositories"]] == [
        "team-a/api"
    ]


def test_the_plan_applies_from_another_directory_naming_the_config_by_another_path(
    saved: dict[str, Any], proxy: FaultServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "elsewhere"
    other.mkdir()
    monkeypatch.chdir(other)
    proxy.script.seen.clear()

    result = CliRunner().invoke(
        app, ["apply", str(tmp_path / "plan.json"), "-c", str(tmp_path / "regform.yaml")]
    )

    assert result.exit_code == 0, result.output
    assert proxy.script.seen["CreateRepository"] == 1
    assert proxy.script.seen["SetRepositoryPolicy"] == 1
