"""A mistyped command line exits 1, never 2: 2 means "changes" or "drift" to a CI step."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REGFORM = str(Path(sys.executable).with_name("regform"))  # the installed command

MISTAKES = [
    (["plann"], "No such command 'plann'. Did you mean 'plan'?"),
    (["plan", "--detailed-exitcode", "--fromat", "json"], "No such option: --fromat"),
    (["plan", "--detailed-exitcode", "--format", "markdwon"], "'markdwon' is not one of"),
    (["drift", "--fail-on", "everything"], "'everything' is not one of"),
    (["ensure", "--detailed-exitcode"], "No such option: --detailed-exitcode"),
    (["lifecycle", "preview", "--bogus", "api"], "No such option: --bogus"),
    (["show"], "Missing argument"),
]


@pytest.mark.parametrize(("args", "message"), MISTAKES)
def test_usage_error_exits_1(tmp_path: Path, args: list[str], message: str) -> None:
    done = subprocess.run(
        [REGFORM, *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert message in done.stderr
    assert "Try 'regform" in done.stderr


def test_ci_step_fails_on_a_mistyped_plan_flag(tmp_path: Path) -> None:
    """The README's pull-request step, with a typo: the step must fail, not pass as "changes"."""
    step = (
        f"{REGFORM} plan -c registries/ --format markdwon --out plan.json "
        "--detailed-exitcode > plan.md || [ $? -eq 2 ]"
    )
    done = subprocess.run(["sh", "-c", step], cwd=tmp_path, capture_output=True, check=False)
    assert done.returncode != 0


def test_help_and_version_exit_0(tmp_path: Path) -> None:
    for args in (["--version"], ["plan", "--help"], ["lifecycle", "preview", "-h"]):
        done = subprocess.run([REGFORM, *args], cwd=tmp_path, capture_output=True, check=False)
        assert done.returncode == 0, (args, done.stderr)
