"""A saved plan made on the embedded sandbox records the directory of the sandbox's state: applied
from another directory (another state), it is refused in one line naming both directories, and
nothing is written; pointed at the plan's state, it applies."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from regform.cli import app

CONFIG = """version: 1
registries:
  play:
    provider: ecr
    region: eu-west-1
repositories:
  - name: team/app
    image_tag_mutability: IMMUTABLE
  - name: team/web
"""


@pytest.fixture
def planned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A plan creating two repositories in the sandbox whose state is under ``tmp_path/made``."""
    made = tmp_path / "made"
    (made / "cfg").mkdir(parents=True)
    (made / "cfg" / "regform.yaml").write_text(CONFIG)
    monkeypatch.delenv("REGFORM_SANDBOX_DIR", raising=False)
    monkeypatch.chdir(made)
    result = CliRunner().invoke(app, ["plan", "-c", "cfg", "--sandbox", "--out", "plan.json"])
    assert result.exit_code == 0, result.output
    return made


def apply_from(directory: Path, made: Path, monkeypatch: pytest.MonkeyPatch) -> Result:
    directory.mkdir(exist_ok=True)
    monkeypatch.chdir(directory)
    return CliRunner().invoke(
        app, ["apply", str(made / "plan.json"), "-c", str(made / "cfg"), "--sandbox"]
    )


def test_a_sandbox_plan_applied_from_another_directory_is_refused_in_one_line(
    planned: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other"

    result = apply_from(other, planned, monkeypatch)

    assert result.exit_code == 1, result.output
    stderr = result.stderr
    made_dir, used_dir = planned / ".regform" / "sandbox", other / ".regform" / "sandbox"
    assert (
        f"registry play: the plan was made against the sandbox state in '{made_dir}', "
        f"this apply uses '{used_dir}'" in stderr
    )
    assert "nothing was applied" in stderr
    assert "REGFORM_SANDBOX_DIR" in stderr
    error = [line for line in stderr.splitlines() if not line.startswith("play: reading")]
    assert len(error) == 1 and "Differences" not in stderr, stderr
    for state in (made_dir / "play.json", used_dir / "play.json"):  # nothing was created
        assert not state.exists() or "team/app" not in state.read_text()


def test_a_sandbox_plan_applies_from_another_directory_on_the_plan_state(
    planned: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGFORM_SANDBOX_DIR", str(planned / ".regform" / "sandbox"))

    result = apply_from(tmp_path / "other", planned, monkeypatch)

    assert result.exit_code == 0, result.output
    assert (planned / ".regform" / "sandbox" / "play.json").is_file()
    assert "team/app" in (planned / ".regform" / "sandbox" / "play.json").read_text()
