"""Every example says, in its header comment, how to run it; the commands it gives for the
embedded sandbox run as written (in a scratch sandbox directory), and an example that needs a
registry of another kind says why it cannot run with --sandbox."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from regform.cli import app

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p for p in (ROOT / "examples").iterdir() if (p / "regform.yaml").exists())
COMMAND = re.compile(r"^#\s+(regform .*?)\s*(?:#.*)?$")


def header(example: Path) -> list[str]:
    lines = (example / "regform.yaml").read_text().splitlines()
    return lines[: lines.index("version: 1")]


def commands(example: Path) -> list[list[str]]:
    found = [COMMAND.match(line) for line in header(example)]
    return [shlex.split(m.group(1))[1:] for m in found if m]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_the_header_says_how_to_validate_and_plan_it(example: Path) -> None:
    given = commands(example)
    assert ["validate", f"examples/{example.name}"] in given
    assert any(c[:3] == ["plan", "-c", f"examples/{example.name}"] for c in given) or any(
        f"regform plan -c examples/{example.name}" in line for line in header(example)
    )
    text = (example / "regform.yaml").read_text()
    if "provider: ecr" not in text:
        assert "# It cannot run with --sandbox: the sandbox emulates ECR only." in header(example)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_the_sandbox_commands_of_the_header_run(
    example: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, aws_test_env: None
) -> None:
    monkeypatch.setenv("REGFORM_SANDBOX_DIR", str(tmp_path))
    monkeypatch.chdir(ROOT)
    in_sandbox = "sandbox: true" in (example / "regform.yaml").read_text()
    runnable = [
        c for c in commands(example) if c[0] == "validate" or in_sandbox or "--sandbox" in c
    ]
    assert runnable
    for command in runnable:
        result = CliRunner().invoke(app, command)
        allowed = (0, 2) if command[0] == "drift" else (0,)
        assert result.exit_code in allowed, (command, result.output)


def test_the_sandbox_examples_keep_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, aws_test_env: None
) -> None:
    """quickstart and on-demand name their registries apart: applying one leaves the other's
    sandbox empty, so neither lists the other's repositories as unmanaged."""
    monkeypatch.setenv("REGFORM_SANDBOX_DIR", str(tmp_path))
    runner = CliRunner()
    quickstart = ["-c", str(ROOT / "examples" / "quickstart")]
    on_demand = ["-c", str(ROOT / "examples" / "on-demand")]
    applied = runner.invoke(app, ["apply", *quickstart, "--auto-approve"])
    assert applied.exit_code == 0, applied.output

    plan = runner.invoke(app, ["plan", *on_demand, "--show-unmanaged"])

    assert plan.exit_code == 0, plan.output
    assert "on-demand (ecr)" in plan.stdout
    assert "web/" not in plan.stdout and "unmanaged" not in plan.stdout.lower()
    assert sorted(p.name for p in tmp_path.rglob("*.json")) == ["on-demand.json", "sandbox.json"]
