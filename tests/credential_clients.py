"""Run ``regform`` and ``docker-credential-regform`` as clients do: separate processes with
their own environment, the helper found on PATH."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

BIN = Path(sys.executable).parent
HELPER = "docker-credential-regform"


def helper_path() -> str:
    """The installed console script (``pip install -e .`` puts it beside the interpreter)."""
    found = shutil.which(HELPER, path=str(BIN))
    assert found, f"{HELPER} is not installed beside {sys.executable}: pip install -e ."
    return found


def client_env(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A clean environment: its own HOME and cache, the helper on PATH, nothing else inherited
    but what the AWS tests set."""
    env = {
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_RUNTIME_DIR": str(home / "run"),
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        "LANG": "C.UTF-8",
    }
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_DEFAULT_REGION"):
        if name in os.environ:
            env[name] = os.environ[name]
    env["AWS_CONFIG_FILE"] = env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    env.update(extra or {})
    return env


def regform(
    *args: str, env: Mapping[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "regform", *args],
        capture_output=True,
        text=True,
        env=dict(env),
        cwd=cwd,
        timeout=120,
    )


def helper(
    action: str, request: str, *, env: Mapping[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [helper_path(), action],
        input=request,
        capture_output=True,
        text=True,
        env=dict(env),
        cwd=cwd,
        timeout=120,
    )


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)
