"""`regform apply` on a real terminal (a pseudo-terminal): it asks before writing, accepts only
'yes', and colours its output unless NO_COLOR is set."""

from __future__ import annotations

import os
import pty
import shutil
import sys
import time
from pathlib import Path

import pytest

QUICKSTART = Path(__file__).resolve().parents[2] / "examples" / "quickstart"


def _run_on_terminal(args: list[str], answer: bytes, env: dict[str, str], cwd: Path) -> str:
    """Run regform on a pseudo-terminal, answer the prompt once, return everything shown."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: regform itself
        os.chdir(cwd)
        os.execve(sys.executable, [sys.executable, "-m", "regform", *args], env)
    shown = b""
    answered = False
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            data = os.read(fd, 4096)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        shown += data
        if not answered and b"Only 'yes' will be accepted" in shown:
            os.write(fd, answer)
            answered = True
    os.waitpid(pid, 0)
    os.close(fd)
    return shown.decode(errors="replace")


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    shutil.copytree(QUICKSTART, tmp_path / "quickstart")
    return tmp_path


def _env(workdir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env["REGFORM_SANDBOX_DIR"] = str(workdir / "sandbox")
    env.update(extra)
    return env


def test_answering_anything_but_yes_cancels_and_changes_nothing(workdir: Path) -> None:
    shown = _run_on_terminal(["apply", "-c", "quickstart"], b"y\n", _env(workdir), workdir)

    assert "Do you want to apply these changes? Only 'yes' will be accepted" in shown
    assert "Apply cancelled." in shown
    again = _run_on_terminal(["apply", "-c", "quickstart"], b"no\n", _env(workdir), workdir)
    assert "6 to create" in again  # nothing was created by the first run


def test_yes_applies_and_the_output_is_coloured(workdir: Path) -> None:
    shown = _run_on_terminal(["apply", "-c", "quickstart"], b"yes\n", _env(workdir), workdir)

    assert "Apply complete: 6 succeeded." in shown
    assert "\x1b[" in shown  # colour on a terminal


def test_no_color_turns_colour_off_on_a_terminal(workdir: Path) -> None:
    env = _env(workdir, NO_COLOR="1")
    shown = _run_on_terminal(["apply", "-c", "quickstart"], b"no\n", env, workdir)

    assert "6 to create" in shown
    assert "\x1b[" not in shown


def test_the_no_color_option_turns_colour_off_on_a_terminal(workdir: Path) -> None:
    shown = _run_on_terminal(
        ["--no-color", "plan", "-c", "quickstart"], b"", _env(workdir), workdir
    )

    assert "6 to create" in shown
    assert "\x1b[" not in shown
