"""regform login and docker-credential-regform for a Harbor registry: the user (or robot account)
its entry names, checked against the fake Harbor, written under the registry's host."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from credential_clients import client_env, helper, mode, regform
from fake_harbor import PASSWORD, USER, FakeHarbor


def _setup(harbor: FakeHarbor, tmp_path: Path, password: str) -> tuple[dict[str, str], str]:
    config = tmp_path / "regform.yaml"
    config.write_text(
        "version: 1\nregistries:\n"
        f"  hb: {{provider: harbor, url: '{harbor.url}', allow_http: true,\n"
        "       username_env: HB_USER, password_env: HB_PASSWORD}\n"
    )
    env = client_env(
        tmp_path / "home",
        {"HB_USER": USER, "HB_PASSWORD": password, "REGFORM_CONFIG": str(config)},
    )
    host = harbor.url.split("://", 1)[1].rstrip("/")
    return env, host


def test_login_writes_harbor_credentials_under_its_host(harbor: FakeHarbor, tmp_path: Path) -> None:
    env, host = _setup(harbor, tmp_path, PASSWORD)
    auth = tmp_path / "auth.json"

    done = regform("login", "--auth-file", str(auth), env=env, cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    assert f"hb: logged in to {host}" in done.stdout
    assert PASSWORD not in done.stdout + done.stderr
    entry = json.loads(auth.read_text())["auths"][host]
    assert base64.b64decode(entry["auth"]).decode() == f"{USER}:{PASSWORD}"
    assert mode(auth) == 0o600
    answer = helper("get", host, env=env, cwd=tmp_path)
    assert json.loads(answer.stdout) == {"ServerURL": host, "Username": USER, "Secret": PASSWORD}
    assert json.loads(helper("list", "", env=env, cwd=tmp_path).stdout) == {host: USER}


def test_login_refused_by_harbor_writes_nothing(harbor: FakeHarbor, tmp_path: Path) -> None:
    env, _ = _setup(harbor, tmp_path, "not-the-password")
    auth = tmp_path / "auth.json"

    done = regform("login", "--auth-file", str(auth), env=env, cwd=tmp_path)

    assert done.returncode == 1
    assert "hb" in done.stderr
    assert "not-the-password" not in done.stdout + done.stderr
    assert not auth.exists()
