"""`regform validate examples/`: a directory of config directories is checked one config each."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from regform.cli import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_every_example_directory_is_checked_as_its_own_config() -> None:
    result = CliRunner().invoke(app, ["validate", str(EXAMPLES)])

    assert result.exit_code == 0, result.output
    checked = [line.split(":")[0] for line in result.stdout.splitlines()]
    expected = sorted(str(d) for d in EXAMPLES.iterdir() if any(d.glob("*.yaml")))
    assert checked == expected
    assert len(checked) >= 4


def test_one_bad_config_in_a_collection_fails_and_is_located(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES / "quickstart", tmp_path / "good")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "regform.yaml").write_text(
        "version: 1\n"
        "registries: {x: {provider: ecr, region: us-east-1}}\n"
        "repositories: [{name: Bad}]\n"
    )

    result = CliRunner().invoke(app, ["validate", str(tmp_path)])

    assert result.exit_code == 1
    assert f"{bad / 'regform.yaml'}:3:23: repositories[0].name: repository name 'Bad'" in (
        result.stdout
    )
    assert f"{tmp_path / 'good'}: OK: 1 registry, 6 repositories" in result.stdout
