"""regform login against the real docker-registry, checked with skopeo (an independent client):
with basic auth (htpasswd) and with the token flow, credentials written into an auth file, or
credHelpers entries that make skopeo ask docker-credential-regform."""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path

import pytest
from credential_clients import client_env, helper, mode, regform
from dist_auth import BASIC_PASSWORD, BASIC_USER, TOKEN_PASSWORDS
from dist_images import Pusher
from dist_server import SKOPEO_PACKAGE, RegistryServer, require_binary

from regform.credentials.helper import NOT_FOUND

#: another host's entry, formatted as docker writes it; login must leave it byte-identical.
OTHER = '\t\t"quay.io": {\n\t\t\t"auth": "b3RoZXI6b3RoZXItcHc="\n\t\t}'


@pytest.fixture(scope="module")
def token_image(token_pusher: Pusher) -> str:
    token_pusher.image("team/app", "v1", "2026-01-01T00:00:00Z")
    return "team/app"


@pytest.fixture(params=["basic", "token"])
def target(
    request: pytest.FixtureRequest, tmp_path: Path
) -> tuple[RegistryServer, dict[str, str], str]:
    """(registry, client environment with the registry's account, that account's password)."""
    if request.param == "basic":
        server: RegistryServer = request.getfixturevalue("basic_registry")
        user, password = BASIC_USER, BASIC_PASSWORD
    else:
        server = request.getfixturevalue("token_registry")
        request.getfixturevalue("token_image")
        user, password = "reader", TOKEN_PASSWORDS["reader"]
    config = tmp_path / "regform.yaml"
    config.write_text(
        "version: 1\nregistries:\n"
        f"  local: {{provider: distribution, url: '{server.url}', allow_http: true,\n"
        "          credentials: {username_env: LOGIN_USER, password_env: LOGIN_PASSWORD}}\n"
    )
    env = client_env(
        tmp_path / "home",
        {"LOGIN_USER": user, "LOGIN_PASSWORD": password, "REGFORM_CONFIG": str(config)},
    )
    return server, env, password


def list_tags(
    server: RegistryServer, auth_file: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    binary = require_binary("skopeo", SKOPEO_PACKAGE)
    image = f"docker://{server.host}/team/app"
    command = [binary, "list-tags", "--authfile", str(auth_file), "--tls-verify=false", image]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)


def secrets_of(user: str, password: str) -> list[str]:
    return [password, base64.b64encode(f"{user}:{password}".encode()).decode()]


def test_login_writes_credentials_skopeo_then_lists_tags(
    target: tuple[RegistryServer, dict[str, str], str], tmp_path: Path
) -> None:
    server, env, password = target
    auth_file = tmp_path / "auth.json"
    auth_file.write_text('{\n\t"auths": {\n' + OTHER + "\n\t}\n}\n")

    before = list_tags(server, auth_file, env)
    assert before.returncode != 0
    assert "unauthorized" in before.stderr.lower() or "authentication" in before.stderr.lower()

    done = regform("login", "--auth-file", str(auth_file), env=env, cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    assert done.stdout == f"local: logged in to {server.host}\nWrote {auth_file}\n"
    after = list_tags(server, auth_file, env)
    assert after.returncode == 0, after.stderr
    assert json.loads(after.stdout)["Tags"] == ["v1"]
    text = auth_file.read_text()
    assert OTHER in text
    assert json.loads(text)["auths"][server.host] == {
        "auth": base64.b64encode(f"{env['LOGIN_USER']}:{password}".encode()).decode()
    }
    assert mode(auth_file) == 0o600
    for secret in secrets_of(env["LOGIN_USER"], password):
        assert secret not in done.stdout + done.stderr


def test_login_helper_makes_skopeo_ask_the_credential_helper(
    target: tuple[RegistryServer, dict[str, str], str], tmp_path: Path
) -> None:
    server, env, password = target
    auth_file = tmp_path / "auth.json"
    assert list_tags(server, auth_file, env).returncode != 0

    done = regform("login", "--helper", "--auth-file", str(auth_file), env=env, cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    assert done.stdout == f"local: {server.host} -> docker-credential-regform\nWrote {auth_file}\n"
    assert json.loads(auth_file.read_text()) == {"credHelpers": {server.host: "regform"}}
    assert password not in auth_file.read_text()
    after = list_tags(server, auth_file, env)
    assert after.returncode == 0, after.stderr
    assert json.loads(after.stdout)["Tags"] == ["v1"]


def test_helper_get_answers_as_docker_asks(
    target: tuple[RegistryServer, dict[str, str], str],
) -> None:
    server, env, password = target

    got = helper("get", server.host + "\n", env=env)
    unknown = helper("get", "registry.example.com\n", env=env)
    listed = helper("list", "", env=env)

    assert got.returncode == 0, got.stdout
    assert json.loads(got.stdout) == {
        "ServerURL": server.host,
        "Username": env["LOGIN_USER"],
        "Secret": password,
    }
    assert (unknown.returncode, unknown.stdout.strip()) == (1, NOT_FOUND)
    assert json.loads(listed.stdout) == {server.host: env["LOGIN_USER"]}
    for other in (unknown, listed):
        assert password not in other.stdout + other.stderr


def test_a_rejected_password_is_one_line_naming_the_registry_and_writes_nothing(
    target: tuple[RegistryServer, dict[str, str], str], tmp_path: Path
) -> None:
    server, env, _password = target
    env = {**env, "LOGIN_PASSWORD": "sentinel-wrong-pw-9c1e"}
    auth_file = tmp_path / "auth.json"

    done = regform("login", "--auth-file", str(auth_file), env=env, cwd=tmp_path)

    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: registry local"), done.stderr
    assert "rejected the credentials" in lines[0]
    assert "sentinel-wrong-pw-9c1e" not in done.stderr
    assert not auth_file.exists()
