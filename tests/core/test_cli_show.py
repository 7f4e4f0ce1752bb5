"""`regform show`, `--version`, help that shows flags as flags, `validate -c`, and unmanaged
repositories outside every scope as one line."""

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
from regform.version import __version__

BODY = """
repositories:
  - name: team-a/api
    image_tag_mutability: IMMUTABLE
"""


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def proxy(moto_reset: str) -> Iterator[FaultServer]:
    server = FaultServer(moto_reset)
    yield server
    server.close()


@pytest.mark.server
def test_show_renders_a_saved_plan_without_touching_a_registry(
    workdir: Path, proxy: FaultServer, raw_ecr: Any
) -> None:
    for n in range(12):
        raw_ecr.create_repository(repositoryName=f"other/svc-{n}")
    write_config(workdir, proxy.url, BODY, registry='scope: ["team-a/*"]')
    runner = CliRunner()
    planned = runner.invoke(app, ["plan", "--out", "plan.json"])
    assert planned.exit_code == 0, planned.output
    (workdir / "regform.yaml").unlink()  # show needs no configuration
    proxy.script.seen.clear()

    text = runner.invoke(app, ["show", "plan.json"])
    markdown = runner.invoke(app, ["show", "plan.json", "--format", "markdown"])
    document = runner.invoke(app, ["show", "plan.json", "--format", "json"])
    listed = runner.invoke(app, ["show", "plan.json", "--show-unmanaged"])

    assert sum(proxy.script.seen.values()) == 0
    assert text.exit_code == 0, text.output
    assert text.stdout == planned.stdout  # the same plan as when it was made
    assert "+ team-a/api  will be created" in text.stdout
    assert "12 repositories outside every scope (not managed; --show-unmanaged lists" in text.stdout
    assert "other/svc-3" not in text.stdout
    assert "  prod/other/svc-11  outside scope team-a/*" in listed.stdout
    assert markdown.stdout.startswith("### regform plan\n")
    assert json.loads(document.stdout) == json.loads((workdir / "plan.json").read_text())


def test_show_names_a_file_that_is_not_a_plan(workdir: Path) -> None:
    (workdir / "x.json").write_text("{}")
    result = CliRunner().invoke(app, ["show", "x.json"])
    assert result.exit_code == 1
    assert "x.json: (top level): not a regform plan" in result.stderr


def test_version_and_help_show_flags_as_flags() -> None:
    runner = CliRunner()
    version = runner.invoke(app, ["--version"])
    assert (version.exit_code, version.stdout) == (0, f"regform {__version__}\n")
    for command in ("plan", "apply", "show", "validate"):
        shown = runner.invoke(app, [command, "--help"], terminal_width=200)
        assert shown.exit_code == 0
        assert "<bool>" not in shown.stdout, shown.stdout
        assert "<list[" not in shown.stdout.partition("Options:")[2], shown.stdout
    apply_help = runner.invoke(app, ["apply", "--help"], terminal_width=200).stdout
    assert "  --auto-approve " in apply_help and "-c, --config PATH" in apply_help
    assert "--install-completion" in runner.invoke(app, ["--help"]).stdout


def test_validate_takes_c_like_every_other_command(workdir: Path) -> None:
    (workdir / "registries").mkdir()
    write_config(workdir / "registries", "http://127.0.0.1:9", BODY)
    result = CliRunner().invoke(app, ["validate", "-c", "registries"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("OK: 1 registry, 1 repository")


@pytest.mark.server
def test_plan_warns_about_a_definition_nothing_uses(workdir: Path, moto_reset: str) -> None:
    body = "lifecycle_policies:\n  leftover: [{untagged: true, keep_last: 2}]\n" + BODY
    write_config(workdir, moto_reset, body)
    result = CliRunner().invoke(app, ["plan"])
    assert result.exit_code == 0, result.output
    assert (
        "regform.yaml:8:13: lifecycle_policies.leftover: lifecycle policy 'leftover' is defined "
        "but nothing uses it" in result.stdout
    )
