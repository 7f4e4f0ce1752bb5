"""Auth files: only the entries of the host logged in to change; written atomically, 0600,
never through a symbolic link."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from credential_clients import mode

from regform.config import load_config
from regform.credentials.authfile import update_auth_file
from regform.credentials.login import login
from regform.errors import RegformError

HUB_KEY = "https://index.docker.io/v1/"


def test_a_new_file_is_written_as_docker_writes_it(tmp_path: Path) -> None:
    path = tmp_path / "containers" / "auth.json"

    update_auth_file(path, auths={"registry.example.com": {"auth": "dTpw"}})

    assert path.read_text() == (
        '{\n\t"auths": {\n\t\t"registry.example.com": {\n\t\t\t"auth": "dTpw"\n\t\t}\n\t}\n}\n'
    )
    assert mode(path) == 0o600 and mode(path.parent) == 0o700


def test_other_spellings_of_the_host_are_replaced_namespaces_and_other_hosts_kept(
    tmp_path: Path,
) -> None:
    path = tmp_path / "auth.json"
    path.write_text(
        '{"auths": {"https://r.example.com/v1/": {"auth": "b2xk"}, "r.example.com/team": '
        '{"auth": "dGVhbQ=="}, "other.example.com": {"auth": "eA=="}},'
        ' "credHelpers": {"r.example.com": "ecr-login", "x.example.com": "pass"}}'
    )

    update_auth_file(path, auths={"r.example.com": {"auth": "bmV3"}})

    assert json.loads(path.read_text()) == {
        "auths": {
            "r.example.com/team": {"auth": "dGVhbQ=="},
            "other.example.com": {"auth": "eA=="},
            "r.example.com": {"auth": "bmV3"},
        },
        "credHelpers": {"x.example.com": "pass"},
    }


def test_a_helper_entry_removes_the_secret_stored_for_the_host(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text('{"auths": {"r.example.com": {"auth": "c2VjcmV0"}, "o.example.com": {}}}')

    update_auth_file(path, helpers={"r.example.com": "regform"})

    assert json.loads(path.read_text()) == {
        "auths": {"o.example.com": {}},
        "credHelpers": {"r.example.com": "regform"},
    }
    assert "c2VjcmV0" not in path.read_text()


def test_a_symbolic_link_is_refused_and_its_target_left_alone(tmp_path: Path) -> None:
    target = tmp_path / "real.json"
    target.write_text("{}")
    link = tmp_path / "auth.json"
    link.symlink_to(target)

    with pytest.raises(RegformError, match=r"auth\.json: it is a symbolic link"):
        update_auth_file(link, auths={"h": {"auth": "eA=="}})

    assert target.read_text() == "{}" and link.is_symlink()


def test_a_file_that_is_not_json_is_named_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "auth.json"
    path.write_text('{\n  "auths": {\n    "h": {"auth": "x"},\n  }\n}\n')

    with pytest.raises(RegformError) as caught:
        update_auth_file(path, auths={"r": {"auth": "eA=="}})

    assert str(caught.value).startswith(f"cannot update {path}: not a JSON object (")
    assert "line 4" in str(caught.value)
    assert path.read_text().count("auths") == 1


def test_dockerhub_login_uses_dockers_key_and_never_logs_the_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    config = tmp_path / "regform.yaml"
    config.write_text(
        "version: 1\nregistries:\n  hub:\n    provider: dockerhub\n"
        "    credentials: {username_env: HUB_USER, token_env: HUB_TOKEN}\n"
    )
    monkeypatch.setenv("HUB_USER", "octo")
    monkeypatch.setenv("HUB_TOKEN", "dckr_pat_sentinel-41aa")
    path = tmp_path / "config.json"

    results = login(load_config(config), path)

    assert json.loads(path.read_text()) == {
        "auths": {HUB_KEY: {"auth": "b2N0bzpkY2tyX3BhdF9zZW50aW5lbC00MWFh"}}
    }
    assert "dckr_pat_sentinel-41aa" not in repr(results) + caplog.text
