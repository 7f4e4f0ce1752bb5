"""Hostile input to `regform login`, `regform pull-secret` and `docker-credential-regform`, run
as separate processes as clients run them: every refusal is one message naming the file, never a
traceback, never a hang, never the secret, never more than an escaped excerpt of what was sent,
and the auth file is left as it was."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from credential_clients import client_env, helper_path, regform

HUB = (
    "version: 1\nregistries:\n  hub:\n    provider: dockerhub\n"
    "    credentials: {username_env: HUB_USER, token_env: HUB_TOKEN}\n"
)
SECRET = "dckr_pat_sentinel-93c1"
#: a deep nesting: json's decoder gives up with RecursionError long before this.
DEPTH = 100_000


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "regform.yaml").write_text(HUB)
    return client_env(
        tmp_path / "home",
        {"HUB_USER": "octo", "HUB_TOKEN": SECRET, "REGFORM_CONFIG": str(tmp_path / "regform.yaml")},
    )


def _login(auth: Path, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return regform("login", "-c", "regform.yaml", "--auth-file", str(auth), env=env, cwd=cwd)


def _refused(result: subprocess.CompletedProcess[str], auth: Path, why: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert f"cannot read {auth}: {why}" in result.stderr or (
        f"cannot update {auth}: not a JSON object ({why}" in result.stderr
    ), result.stderr
    assert SECRET not in result.stdout + result.stderr
    assert len(result.stderr) < 400


def test_an_auth_file_that_is_a_fifo_is_refused_without_waiting(
    tmp_path: Path, env: dict[str, str]
) -> None:
    auth = tmp_path / "auth.json"
    os.mkfifo(auth)

    result = _login(auth, env, tmp_path)  # a read would block: nobody writes to the FIFO

    _refused(result, auth, "is a FIFO (named pipe); regform reads regular files")


@pytest.mark.parametrize(
    "text",
    [
        '{"auths": ' + '{"a": ' * DEPTH + "1" + "}" * DEPTH + "}",
        '{"x": ' + "[" * DEPTH + "]" * DEPTH + "}",
    ],
    ids=["nested objects", "nested lists"],
)
def test_a_deeply_nested_auth_file_is_refused_and_left_alone(
    tmp_path: Path, env: dict[str, str], text: str
) -> None:
    auth = tmp_path / "auth.json"
    auth.write_text(text)

    result = _login(auth, env, tmp_path)

    _refused(result, auth, "a value nested too deeply at line 1, column ")
    assert auth.read_text() == text


def test_a_huge_auth_file_is_refused_without_reading_it(
    tmp_path: Path, env: dict[str, str]
) -> None:
    auth = tmp_path / "auth.json"
    with auth.open("wb") as handle:
        handle.truncate(64 * 1024 * 1024)  # sparse: 64 MiB of NUL bytes

    result = _login(auth, env, tmp_path)

    _refused(result, auth, "file is 67,108,864 bytes; regform reads auth files up to 16 MiB")
    assert auth.stat().st_size == 64 * 1024 * 1024


def test_the_helper_refuses_store_of_a_nesting_bomb_in_one_line(env: dict[str, str]) -> None:
    result = _helper("store", ("[" * 20_000).encode(), env)  # within the size cap

    assert result.returncode == 1
    assert result.stdout == (
        b"regform: credentials for this host come from the regform config; store is not supported\n"
    )
    assert b"Traceback" not in result.stderr


def test_the_helper_never_echoes_a_hostile_host_as_it_came(env: dict[str, str]) -> None:
    host = "r.example.com\x1b[2K\r\nregform: stored" + "x" * 5000
    request = json.dumps({"ServerURL": host, "Username": "u", "Secret": SECRET}).encode()

    result = _helper("store", request, env)

    assert result.returncode == 1
    line = result.stdout.decode()
    assert line.startswith("regform: credentials for 'r.example.com\\x1b[2K\\r\\nregform")
    assert line.endswith(
        "(5,034 characters) come from the regform config; store is not supported\n"
    )
    assert line.count("\n") == 1 and "\x1b" not in line and "\r" not in line
    assert len(line) < 200 and SECRET not in line


@pytest.mark.parametrize("action", ["get", "erase", "store"])
def test_the_helper_refuses_a_request_too_long_to_be_one(env: dict[str, str], action: str) -> None:
    result = _helper(action, b"h" * (4 * 1024 * 1024), env)

    assert result.returncode == 1
    assert result.stdout == (
        b"regform: the request on standard input is longer than 65,536 characters\n"
    )
    assert b"Traceback" not in result.stderr


@pytest.mark.parametrize("request_bytes", [b"\xff\xfe\x00r.example.com", b"\x00" * 100])
def test_the_helper_answers_not_found_for_bytes_that_are_no_host(
    env: dict[str, str], request_bytes: bytes
) -> None:
    result = _helper("get", request_bytes, env)

    assert (result.returncode, result.stdout) == (1, b"credentials not found in native keychain\n")
    assert result.stderr == b""


@pytest.mark.parametrize("kind", ["fifo", "directory", "huge"])
def test_the_helper_names_a_config_it_cannot_read(
    tmp_path: Path, env: dict[str, str], kind: str
) -> None:
    config = tmp_path / f"bad-{kind}.yaml"
    if kind == "fifo":
        os.mkfifo(config)
    elif kind == "directory":
        config.mkdir()
    else:
        with config.open("wb") as handle:
            handle.truncate(50 * 1024 * 1024)

    result = _helper("get", b"r.example.com\n", {**env, "REGFORM_CONFIG": str(config)})

    assert result.returncode == 1
    out = result.stdout.decode()
    assert out.startswith(f"regform: invalid config (1 error): {config}: ")
    assert out.count("\n") == 1 and b"Traceback" not in result.stderr


def _helper(action: str, request: bytes, env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [helper_path(), action], input=request, capture_output=True, env=env, timeout=60
    )
