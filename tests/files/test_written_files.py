"""Every file regform writes (saved plans, drift reports, imported config, the sandbox state) is
written atomically, with mode 0600, and never through a symlink."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from regform.cli import app
from regform.files import FileProblem, write_private

QUICKSTART = Path(__file__).resolve().parents[2] / "examples" / "quickstart"


@pytest.fixture(autouse=True)
def sandbox_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("REGFORM_SANDBOX_DIR", str(tmp_path / "sandbox"))
    old = os.umask(0o022)
    yield tmp_path / "sandbox"
    os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_write_private_replaces_atomically_with_mode_0600(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text("old")
    os.chmod(target, 0o644)
    write_private(target, "new")
    assert target.read_text() == "new"
    assert _mode(target) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]  # no temporary file left


@pytest.mark.parametrize("dangling", [True, False])
def test_write_private_never_writes_through_a_symlink(tmp_path: Path, dangling: bool) -> None:
    outside = tmp_path / "outside.txt"
    if not dangling:
        outside.write_text("keep me")
    link = tmp_path / "out.json"
    link.symlink_to(outside)
    with pytest.raises(FileProblem, match="it is a symlink"):
        write_private(link, "secret plan")
    assert outside.exists() is not dangling
    if not dangling:
        assert outside.read_text() == "keep me"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".regform-")] == []


def test_plan_out_is_mode_0600_and_refuses_a_symlink(tmp_path: Path) -> None:
    saved = tmp_path / "plan.json"
    result = CliRunner().invoke(app, ["plan", "-c", str(QUICKSTART), "--out", str(saved)])
    assert result.exit_code == 0, result.output
    assert _mode(saved) == 0o600
    state = sorted((tmp_path / "sandbox").iterdir())
    assert state and all(_mode(p) == 0o600 for p in state)

    outside = tmp_path / "elsewhere.json"
    link = tmp_path / "linked.json"
    link.symlink_to(outside)
    refused = CliRunner().invoke(app, ["plan", "-c", str(QUICKSTART), "--out", str(link)])
    assert refused.exit_code == 1
    assert f"cannot write {link}: it is a symlink" in refused.output
    assert not outside.exists()


def test_drift_out_is_mode_0600(tmp_path: Path) -> None:
    report = tmp_path / "drift.json"
    result = CliRunner().invoke(app, ["drift", "-c", str(QUICKSTART), "--out", str(report)])
    assert result.exit_code in (0, 2), result.output
    assert _mode(report) == 0o600


@pytest.mark.parametrize("force", [False, True])
def test_import_out_dir_never_follows_a_symlink_out_of_the_directory(
    tmp_path: Path, force: bool
) -> None:
    out_dir = tmp_path / "imported"
    out_dir.mkdir()
    outside = tmp_path / "victim.yaml"
    if force:
        outside.write_text("precious\n")
    (out_dir / "regform.yaml").symlink_to(outside)
    args = ["import", "--registry", "sandbox", "-c", str(QUICKSTART), "--sandbox"]
    result = CliRunner().invoke(app, [*args, "-o", str(out_dir), *(["--force"] if force else [])])
    assert result.exit_code == 1
    if force:
        assert "it is a symlink" in result.output
        assert outside.read_text() == "precious\n"
    else:
        assert not outside.exists()
