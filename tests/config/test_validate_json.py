"""``regform validate --format json`` lists warnings too: every issue carries its severity,
errors first, so a tool sees everything the text output shows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from regform.cli import app

CONFIG = """\
version: 1
registries:
  prod: {provider: ecr, region: us-east-1}
repository_policies:
  open:
    statements:
      - {Effect: Allow, Principal: "*", Action: ["ecr:BatchGetImage"]}
repositories:
  - name: app
    policy: open
  - name: web
    policy: %s
"""


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def validate(*args: str) -> tuple[int, list[dict[str, object]], str]:
    result = CliRunner().invoke(app, ["validate", "--format", "json", *args])
    return result.exit_code, json.loads(result.stdout), result.stderr


def test_errors_come_first_then_warnings_each_with_its_severity(workdir: Path) -> None:
    (workdir / "regform.yaml").write_text(CONFIG % "nope")
    code, issues, _ = validate()
    assert code == 1
    assert [(i["severity"], i["path"], i["line"]) for i in issues] == [
        ("error", "repositories[1].policy", 12),
        ("warning", "repository_policies.open", 6),
    ]
    assert "PUBLIC: repository policy 'open' grants anyone" in str(issues[1]["message"])
    assert set(issues[1]) == {"file", "line", "column", "path", "message", "severity"}


def test_a_valid_config_with_warnings_lists_them_and_exits_0(workdir: Path) -> None:
    (workdir / "regform.yaml").write_text(CONFIG % "open")
    code, issues, stderr = validate()
    assert code == 0
    assert [(i["severity"], i["file"], i["path"]) for i in issues] == [
        ("warning", "regform.yaml", "repository_policies.open")
    ]
    assert "Warning: regform.yaml:6:5: repository_policies.open: PUBLIC" in stderr  # as before

    strict_code, strict, _ = validate("--strict")
    assert strict_code == 1
    assert [(i["severity"], i["path"]) for i in strict] == [("error", "repository_policies.open")]
