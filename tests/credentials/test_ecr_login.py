"""regform login for ECR on moto's server: GetAuthorizationToken through the registry's own
credential chain, written as AWS:<password> for the proxy endpoint's host."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from credential_clients import client_env, mode, regform
from ecr_config import HOST, MOTO_PASSWORD, write_ecr_config

pytestmark = pytest.mark.server

#: entries of other hosts and settings, spaced unusually: they must stay byte-identical.
OTHER_ENTRIES = (
    '    "ghcr.io" : {"auth": "Z2g6dG9rZW4="},\n'
    '    "registry.example.com:5000": {\n'
    '        "auth": "dXNlcjpwdw==", "email": "ops@example.com"\n'
    "    },\n"
)
STALE = f'    "https://{HOST}": {{"auth": "QVdTOm9sZC10b2tlbg=="}}\n'
EXPIRED = (
    f"Warning: registry prod: the token for {HOST} expired at 2015-01-01 00:00:00 UTC (before "
    "it was written: check this machine's clock, or the endpoint)\n"
)
TAIL = '  },\n  "credsStore": "pass",\n  "HttpHeaders": {"User-Agent": "x"}\n}\n'


def test_login_replaces_the_stale_entry_and_keeps_every_other_byte(
    moto_reset: str, tmp_path: Path
) -> None:
    write_ecr_config(tmp_path, moto_reset)
    auth_file = tmp_path / "config.json"
    auth_file.write_text('{\n  "auths": {\n' + OTHER_ENTRIES + STALE + TAIL)
    auth_file.chmod(0o644)

    done = regform("login", "--auth-file", str(auth_file), env=client_env(tmp_path), cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        f"prod: logged in to {HOST} (expires 2015-01-01 00:00:00 UTC)\nWrote {auth_file}\n"
    )
    assert EXPIRED in done.stderr  # moto dates its tokens 2015: the login is made, and warned about
    text = auth_file.read_text()
    assert text.startswith('{\n  "auths": {\n' + OTHER_ENTRIES)
    assert text.endswith(TAIL)
    auths = json.loads(text)["auths"]
    assert list(auths) == ["ghcr.io", "registry.example.com:5000", HOST]
    assert base64.b64decode(auths[HOST]["auth"]).decode() == f"AWS:{MOTO_PASSWORD}"
    assert mode(auth_file) == 0o600
    assert MOTO_PASSWORD not in done.stdout + done.stderr


def test_login_json_prints_hosts_and_expiry_only(moto_reset: str, tmp_path: Path) -> None:
    write_ecr_config(tmp_path, moto_reset)
    env = client_env(tmp_path, {"REGISTRY_AUTH_FILE": str(tmp_path / "auth.json")})

    done = regform("login", "--format", "json", env=env, cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "auth_file": str(tmp_path / "auth.json"),
        "logins": [
            {
                "registry": "prod",
                "host": HOST,
                "expires_at": "2015-01-01T00:00:00+00:00",
                "credential_helper": None,
            }
        ],
    }
    assert mode(tmp_path / "auth.json") == 0o600
    assert EXPIRED in done.stderr
    assert MOTO_PASSWORD not in done.stdout + done.stderr


def test_login_through_an_assumed_role(moto_reset: str, tmp_path: Path) -> None:
    role = ", role_arn: 'arn:aws:iam::123456789012:role/ci-push', external_id: ext-1"
    write_ecr_config(tmp_path, moto_reset, registry=role)
    auth_file = tmp_path / "auth.json"

    done = regform("login", "--auth-file", str(auth_file), env=client_env(tmp_path), cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    assert list(json.loads(auth_file.read_text())["auths"]) == [HOST]


def test_default_files_containers_auth_json_and_docker_config(
    moto_reset: str, tmp_path: Path
) -> None:
    write_ecr_config(tmp_path, moto_reset)
    env = client_env(tmp_path, {"DOCKER_CONFIG": str(tmp_path / "docker")})

    containers = regform("login", env=env, cwd=tmp_path)
    docker = regform("login", "--docker", env=env, cwd=tmp_path)

    assert containers.returncode == docker.returncode == 0, containers.stderr + docker.stderr
    for path in (tmp_path / "run" / "containers" / "auth.json", tmp_path / "docker/config.json"):
        assert HOST in json.loads(path.read_text())["auths"]
        assert mode(path) == 0o600


def test_missing_aws_credentials_are_one_line_naming_the_registry(
    moto_reset: str, tmp_path: Path
) -> None:
    write_ecr_config(tmp_path, moto_reset, registry=", retries: {max_attempts: 1}")
    env = client_env(tmp_path)
    del env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]

    done = regform("login", "--auth-file", str(tmp_path / "auth.json"), env=env, cwd=tmp_path)

    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "Error: registry prod: cannot get an ECR token: Unable to locate credentials"
    ]
    assert not (tmp_path / "auth.json").exists()


def test_an_unknown_registry_is_named_with_the_declared_ones(
    moto_reset: str, tmp_path: Path
) -> None:
    write_ecr_config(tmp_path, moto_reset)

    done = regform("login", "--registry", "nope", env=client_env(tmp_path), cwd=tmp_path)

    assert (done.returncode, done.stderr) == (
        1,
        "Error: unknown registry nope (declared: prod)\n",
    )
