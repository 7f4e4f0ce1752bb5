"""A ``--target`` glob that selects nothing is most likely mistyped: plan, apply and drift say so
on stderr, naming the glob, and exit as they would anyway."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from e2e import write_config
from typer.testing import CliRunner

from regform.cli import app

pytestmark = pytest.mark.server

BODY = """
repositories:
  - name: team-a/api
  - pattern: "apps/*"
"""
NOTHING = "Warning: --target 'nothing/*' matches no declared or existing repository\n"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, moto_reset: str) -> Path:
    monkeypatch.chdir(tmp_path)
    write_config(tmp_path, moto_reset, BODY)
    return tmp_path


@pytest.mark.parametrize(
    ("command", "code"),
    [(["plan"], 0), (["plan", "--detailed-exitcode"], 0), (["apply", "--auto-approve"], 0)]
    + [(["drift"], 0)],
)
def test_a_target_matching_nothing_is_a_warning(
    workdir: Path, raw_ecr: Any, command: list[str], code: int
) -> None:
    raw_ecr.create_repository(repositoryName="other/svc")
    result = CliRunner().invoke(app, [*command, "--target", "nothing/*"])
    assert result.exit_code == code, result.output
    assert NOTHING in result.stderr
    assert "Warning" not in result.stdout


def test_targets_matching_a_declared_or_an_existing_repository_are_not_warned_about(
    workdir: Path, raw_ecr: Any
) -> None:
    raw_ecr.create_repository(repositoryName="apps/web")  # matched by the pattern entry
    raw_ecr.create_repository(repositoryName="other/svc")  # undeclared
    targets = ["team-a/*", "apps/w*", "other/*", "nothing/*"]
    result = CliRunner().invoke(
        app, ["plan", "--detailed-exitcode", *(a for t in targets for a in ("--target", t))]
    )
    assert result.exit_code == 2, result.output  # team-a/api to create
    assert "+ team-a/api" in result.stdout
    warnings = [line for line in result.stderr.splitlines() if line.startswith("Warning")]
    assert warnings == [NOTHING.strip()]
