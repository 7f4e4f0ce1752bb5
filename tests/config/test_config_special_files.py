"""Special files as config: FIFOs, devices, symlink loops, broken links, directories named *.yaml,
standard input; every one reported with its real cause, nothing blocks or reads without limit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from regform.cli import app
from regform.config import validate_paths

VALID = "version: 1\nregistries:\n  prod: {provider: ecr, region: us-east-1}\n"
NOT_REGULAR = "; regform reads regular files (-c - reads standard input)"


def _issues(*paths: Path | str) -> list[str]:
    return [str(i) for i in validate_paths(list(paths), env={})]


def test_a_fifo_without_writer_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "c.yaml"
    os.mkfifo(fifo)
    assert _issues(fifo) == [f"{fifo}: is a FIFO (named pipe){NOT_REGULAR}"]


def test_a_character_device_is_refused() -> None:
    assert _issues("/dev/zero") == [f"/dev/zero: is a character device{NOT_REGULAR}"]


def test_a_symlink_loop_is_named(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").symlink_to(tmp_path / "b.yaml")
    (tmp_path / "b.yaml").symlink_to(tmp_path / "a.yaml")
    assert _issues(tmp_path / "a.yaml") == [
        f"{tmp_path}/a.yaml: symlink loop: the link resolves to itself (too many levels of links)"
    ]


def test_a_config_directory_reports_every_yaml_entry_it_cannot_read(tmp_path: Path) -> None:
    (tmp_path / "main.yaml").write_text(VALID)
    (tmp_path / "sub.yaml").mkdir()
    (tmp_path / "loop.yaml").symlink_to(tmp_path / "loop.yaml")
    (tmp_path / "zero.yaml").symlink_to("/dev/zero")
    (tmp_path / "gone.yml").symlink_to("nowhere.yaml")
    (tmp_path / "notes.txt").write_text("not config")
    assert _issues(tmp_path) == [
        f"{tmp_path}/gone.yml: broken symlink: its target 'nowhere.yaml' does not exist",
        f"{tmp_path}/loop.yaml: symlink loop: the link resolves to itself "
        "(too many levels of links)",
        f"{tmp_path}/sub.yaml: is a directory; a config directory's subdirectories are not read",
        f"{tmp_path}/zero.yaml: is a character device{NOT_REGULAR}",
    ]


def test_an_empty_directory_and_a_missing_path(tmp_path: Path) -> None:
    assert _issues(tmp_path, tmp_path / "missing.yaml") == [
        f"{tmp_path}: no *.yaml or *.yml files in this directory",
        f"{tmp_path}/missing.yaml: no such file or directory",
    ]


def _regform(args: list[str], stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    code = "from regform.cli import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], input=stdin, capture_output=True, timeout=120
    )


def test_dash_reads_standard_input() -> None:
    done = _regform(["validate", "-"], VALID.encode())
    assert done.returncode == 0, done.stderr
    assert b"OK: 1 registry" in done.stdout


def test_standard_input_is_capped_at_5_mib() -> None:
    done = _regform(["validate", "-"], VALID.encode() + b"#" * (6 * 1024 * 1024))
    assert done.returncode == 1
    assert done.stdout.decode() == "<stdin>: standard input holds more than 5 MiB\n"


def test_dev_stdin_on_a_pipe_is_refused_with_the_dash_hint() -> None:
    done = _regform(["plan", "-c", "/dev/stdin"], VALID.encode())
    assert done.returncode == 1
    assert f"/dev/stdin: is a FIFO (named pipe){NOT_REGULAR}" in done.stderr.decode()
    assert b"Traceback" not in done.stderr


@pytest.mark.parametrize("content", ["[]", '{"format_version": "1.1"}', '{\n  "a": ', "\x00"])
def test_a_malformed_saved_plan_gets_one_plain_located_message(
    tmp_path: Path, content: str
) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(content)
    result = CliRunner().invoke(app, ["apply", str(plan), "--auto-approve"])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {plan}")
    assert "not a regform plan" in result.output
    assert "Traceback" not in result.output
    expected = {
        "[]": f"{plan}: not a regform plan: expected a JSON object, got a list",
        '{"format_version": "1.1"}': f"{plan}: (top level): not a regform plan: "
        "'config_checksum' is a required property (and 3 more problems)",
        '{\n  "a": ': f"{plan}:2:8: not a regform plan: invalid JSON (Expecting value)",
    }
    if content in expected:
        assert result.output == f"Error: {expected[content]}\n"
