"""`regform plan --out` names the file it cannot write, instead of failing with a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from regform.cli import app

QUICKSTART = Path(__file__).resolve().parents[2] / "examples" / "quickstart"


def test_unwritable_out_file_is_a_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGFORM_SANDBOX_DIR", str(tmp_path / "sandbox"))
    target = tmp_path / "missing-dir" / "plan.json"

    result = CliRunner().invoke(app, ["plan", "-c", str(QUICKSTART), "--out", str(target)])

    assert result.exit_code == 1
    assert f"cannot write {target}: No such file or directory" in result.stderr
    assert "Traceback" not in result.output
    assert not target.exists()
