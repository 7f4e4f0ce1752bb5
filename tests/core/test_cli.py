"""``regform plan`` and ``regform apply``: exit codes, what goes to stdout and to stderr."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from e2e import write_config
from typer.testing import CliRunner

from regform.cli import app
from regform.plan import Plan

pytestmark = pytest.mark.server

BODY = """
repositories:
  - name: app
    image_tag_mutability: IMMUTABLE
  - name: web
    scan_on_push: true
"""


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return tmp_path


def names(raw_ecr: Any) -> set[str]:
    return {r["repositoryName"] for r in raw_ecr.describe_repositories()["repositories"]}


def test_plan_exit_codes_and_default_config(
    runner: CliRunner, workdir: Path, moto_reset: str, raw_ecr: Any
) -> None:
    write_config(workdir, moto_reset, BODY)
    shown = runner.invoke(app, ["plan"])
    assert shown.exit_code == 0, shown.output
    assert "+ app  will be created" in shown.stdout
    assert "Plan: 2 to create, 0 to update, 0 to replace, 0 to delete." in shown.stdout
    assert "\x1b[" not in shown.stdout  # no colour when stdout is not a terminal
    assert shown.stderr == (  # progress, also when stderr is not a terminal
        f"prod: reading {moto_reset}...\nprod: 0 repositories found, reading details...\n"
    )

    detailed = runner.invoke(app, ["plan", "--detailed-exitcode"])
    assert detailed.exit_code == 2
    assert names(raw_ecr) == set()  # plan never writes

    applied = runner.invoke(app, ["apply", "--auto-approve"])
    assert applied.exit_code == 0, applied.output
    assert "Apply complete: 2 succeeded." in applied.stdout
    assert names(raw_ecr) == {"app", "web"}

    clean = runner.invoke(app, ["plan", "--detailed-exitcode"])
    assert clean.exit_code == 0
    assert "No changes. Registries match the configuration." in clean.stdout


def test_progress_counts_one_repository_in_the_singular(
    runner: CliRunner, workdir: Path, moto_reset: str, raw_ecr: Any
) -> None:
    write_config(workdir, moto_reset, "repositories:\n  - name: app\n")
    assert runner.invoke(app, ["apply", "--auto-approve"]).exit_code == 0
    shown = runner.invoke(app, ["plan"])
    assert "prod: 1 repository found, reading details...\n" in shown.stderr


def test_plan_formats_and_saved_plan(
    runner: CliRunner, workdir: Path, moto_reset: str, raw_ecr: Any
) -> None:
    config = write_config(workdir, moto_reset, BODY)
    md = runner.invoke(app, ["plan", "-c", str(config), "--format", "markdown"])
    assert md.stdout.startswith("### regform plan\n")
    js = runner.invoke(app, ["plan", "-c", str(config), "--format", "json"])
    assert json.loads(js.stdout)["summary"]["create"] == 2

    out = workdir / "plan.json"
    saved = runner.invoke(app, ["plan", "-c", str(config), "--out", str(out)])
    assert saved.exit_code == 0
    plan = Plan.from_dict(json.loads(out.read_text()))
    assert [c.name for c in plan.changes] == ["app", "web"]
    assert "regform apply" in saved.stderr

    applied = runner.invoke(app, ["apply", str(out), "-c", str(config)])
    assert applied.exit_code == 0, applied.output
    assert names(raw_ecr) == {"app", "web"}


def test_apply_of_a_stale_saved_plan_is_refused(
    runner: CliRunner, workdir: Path, moto_reset: str, raw_ecr: Any
) -> None:
    raw_ecr.create_repository(repositoryName="app")
    write_config(workdir, moto_reset, BODY)
    assert runner.invoke(app, ["plan", "--out", "plan.json"]).exit_code == 0
    raw_ecr.put_image_tag_mutability(repositoryName="app", imageTagMutability="IMMUTABLE")

    result = runner.invoke(app, ["apply", "plan.json"])
    assert result.exit_code == 1
    assert "saved plan is stale: registry prod changed" in result.stderr
    assert "Traceback" not in result.output
    assert names(raw_ecr) == {"app"}


def test_apply_needs_confirmation_without_a_terminal(
    runner: CliRunner, workdir: Path, moto_reset: str, raw_ecr: Any
) -> None:
    write_config(workdir, moto_reset, BODY)
    result = runner.invoke(app, ["apply"], input="yes\n")
    assert result.exit_code == 1
    assert "--auto-approve" in result.stderr
    assert "Plan: 2 to create" in result.stdout  # the plan is shown first
    assert names(raw_ecr) == set()


def test_apply_refuses_destroys_without_the_flag(
    runner: CliRunner, workdir: Path, moto_reset: str, raw_ecr: Any
) -> None:
    raw_ecr.create_repository(repositoryName="old")
    write_config(workdir, moto_reset, BODY, registry="prune: true")
    refused = runner.invoke(app, ["apply", "--auto-approve"])
    assert refused.exit_code == 1
    assert "apply refused; it needs --allow-destroy" in refused.stderr
    assert names(raw_ecr) == {"old"}

    allowed = runner.invoke(app, ["apply", "--auto-approve", "--allow-destroy"])
    assert allowed.exit_code == 0, allowed.output
    assert names(raw_ecr) == {"app", "web"}


def test_failed_changes_exit_1_and_name_the_change(
    runner: CliRunner, workdir: Path, moto_reset: str, raw_ecr: Any
) -> None:
    # The emulator rejects archive rules (real ECR accepts them): a genuine API error.
    body = """
    lifecycle_policies:
      archive:
        - tag_prefixes: [v]
          not_pulled_for_days: 30
          action: archive
    repositories:
      - name: app
        lifecycle: archive
      - name: web
        scan_on_push: true
    """
    write_config(workdir, moto_reset, body)
    result = runner.invoke(app, ["apply", "--auto-approve"])
    assert result.exit_code == 1
    assert (
        "Apply failed: 1 complete, 1 partly done, 0 failed, 0 skipped "
        "(2 steps done, 1 failed)." in result.stderr
    )
    assert "  partial  prod/app: created; lifecycle failed: registry 'prod': " in result.stderr
    report = result.stderr.split("Apply failed:")[1]
    assert "prod/web" not in report  # complete: not listed among the failures
    assert "Apply complete" not in result.stdout

    again = runner.invoke(app, ["apply", "--auto-approve", "--format", "json"])
    assert again.exit_code == 1
    document = json.loads(again.stdout)  # only the document on stdout; the plan on stderr
    assert "will be updated in place" in again.stderr
    assert document["ok"] is False
    assert document["totals"] == {
        "complete": 0,
        "partial": 0,
        "failed": 1,
        "skipped": 0,
        "steps_done": 0,
        "steps_failed": 1,
    }
    [change] = document["changes"]
    assert (change["address"], change["status"], change["failed"]) == (
        "prod/app",
        "failed",
        "lifecycle",
    )
    assert "PutLifecyclePolicy" in change["error"]


def test_config_errors_print_every_issue_without_traceback(
    runner: CliRunner, workdir: Path
) -> None:
    (workdir / "regform.yaml").write_text(
        "version: 1\nregistries:\n  prod: {provider: ecr, region: nowhere}\n"
        "repositories:\n  - name: A\n"
    )
    result = runner.invoke(app, ["plan"])
    assert result.exit_code == 1
    assert "2 errors in config" in result.stderr
    assert "regform.yaml:3" in result.stderr and "regform.yaml:5" in result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""


def test_missing_config_and_unknown_registry(
    runner: CliRunner, workdir: Path, moto_reset: str
) -> None:
    missing = runner.invoke(app, ["plan"])
    assert missing.exit_code == 1
    assert "regform.yaml" in missing.stderr and "no such file" in missing.stderr

    write_config(workdir, moto_reset, BODY)
    unknown = runner.invoke(app, ["plan", "--registry", "staging"])
    assert unknown.exit_code == 1
    assert unknown.stderr.strip() == "Error: unknown registry staging (declared: prod)"


def test_targets_limit_the_plan(runner: CliRunner, workdir: Path, moto_reset: str) -> None:
    write_config(workdir, moto_reset, BODY)
    result = runner.invoke(app, ["plan", "--target", "we*"])
    assert "+ web  will be created" in result.stdout
    assert "app" not in result.stdout
