"""regform pull-secret: a Kubernetes Secret of type kubernetes.io/dockerconfigjson on stdout,
checked field by field; refused on a terminal unless --yes."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from credential_clients import client_env, regform
from ecr_config import HOST, MOTO_PASSWORD, write_ecr_config

pytestmark = pytest.mark.server

HUB = """  hub:
    provider: dockerhub
    credentials: {username_env: HUB_USER, token_env: HUB_TOKEN}
"""
HUB_TOKEN = "dckr_pat_sentinel-0b5e"


@pytest.fixture
def env(moto_reset: str, tmp_path: Path) -> dict[str, str]:
    write_ecr_config(tmp_path, moto_reset, extra=HUB)
    return client_env(tmp_path, {"HUB_USER": "octo", "HUB_TOKEN": HUB_TOKEN})


def decoded(secret: dict[str, object]) -> dict[str, object]:
    data = secret["data"]
    assert isinstance(data, dict) and list(data) == [".dockerconfigjson"]
    loaded: dict[str, object] = json.loads(base64.b64decode(data[".dockerconfigjson"]))
    return loaded


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_pull_secret_is_a_dockerconfigjson_secret(
    env: dict[str, str], tmp_path: Path, fmt: str
) -> None:
    done = regform(
        "pull-secret", "--registry", "prod", "--registry", "hub", "--name", "regcred",
        "--namespace", "apps", "--format", fmt, env=env, cwd=tmp_path,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    secret = yaml.safe_load(done.stdout) if fmt == "yaml" else json.loads(done.stdout)
    assert secret["apiVersion"] == "v1"
    assert secret["kind"] == "Secret"
    assert secret["type"] == "kubernetes.io/dockerconfigjson"
    assert secret["metadata"] == {"name": "regcred", "namespace": "apps"}
    auths = decoded(secret)["auths"]
    assert isinstance(auths, dict) and sorted(auths) == sorted(
        [HOST, "https://index.docker.io/v1/"]
    )
    ecr, hub = auths[HOST], auths["https://index.docker.io/v1/"]
    assert base64.b64decode(ecr["auth"]).decode() == f"AWS:{MOTO_PASSWORD}"
    assert (ecr["username"], ecr["password"]) == ("AWS", MOTO_PASSWORD)
    assert base64.b64decode(hub["auth"]).decode() == f"octo:{HUB_TOKEN}"


def test_pull_secret_refuses_a_terminal_unless_yes(env: dict[str, str], tmp_path: Path) -> None:
    args = ["pull-secret", "--registry", "hub", "--name", "regcred"]

    def on_terminal(*extra: str) -> tuple[int, str, str]:
        leader, follower = os.openpty()
        try:
            proc = subprocess.run(
                [sys.executable, "-m", "regform", *args, *extra],
                stdout=follower, stderr=subprocess.PIPE, env=env, cwd=tmp_path, timeout=120,
            )  # fmt: skip
            os.close(follower)
            chunks = []
            while True:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                chunks.append(chunk)
            return proc.returncode, b"".join(chunks).decode(), proc.stderr.decode()
        finally:
            os.close(leader)

    code, out, err = on_terminal()
    assert (code, out) == (1, "")
    assert err == (
        "Error: refusing to print a secret to a terminal: pipe it (| kubectl apply -f -) "
        "or pass --yes\n"
    )
    code, out, _err = on_terminal("--yes")
    assert code == 0
    assert "kubernetes.io/dockerconfigjson" in out


def test_a_missing_token_variable_is_named_and_nothing_is_printed(
    env: dict[str, str], tmp_path: Path
) -> None:
    del env["HUB_TOKEN"]

    done = regform("pull-secret", "--registry", "hub", "--name", "x", env=env, cwd=tmp_path)

    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        "Error: registry hub: environment variable HUB_TOKEN is not set or empty\n"
    )
