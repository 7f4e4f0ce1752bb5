"""The on-demand example, as its comments tell a user to run it (in the embedded sandbox):
ensure an application repository, apply, and find nothing left to plan and no drift."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from regform.cli import app

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "on-demand"


def test_the_on_demand_example_runs_as_documented(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, aws_test_env: None
) -> None:
    monkeypatch.setenv("REGFORM_SANDBOX_DIR", str(tmp_path))
    runner = CliRunner()
    config = ["-c", str(EXAMPLE)]

    ensured = runner.invoke(app, ["ensure", *config, "apps/checkout"])
    assert ensured.exit_code == 0, ensured.output
    assert "on-demand/apps/checkout/cache: created (pattern apps/*, cache companion)" in (
        ensured.stdout
    )
    plan = runner.invoke(app, ["plan", *config])
    assert "apps/checkout" not in plan.stdout  # created as declared: nothing to change
    assert "+ registry_policy" in plan.stdout

    applied = runner.invoke(app, ["apply", *config, "--auto-approve"])
    assert applied.exit_code == 0, applied.output
    drift = runner.invoke(app, ["drift", *config])
    assert drift.exit_code == 0, drift.output
    assert "No drift." in drift.stdout
