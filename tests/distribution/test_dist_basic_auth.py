"""HTTP basic authentication (docker-registry with ``auth.htpasswd``); where credentials come from:
environment variables or a docker config file, never the regform config."""

from __future__ import annotations

import base64
import json
import logging
import os
from pathlib import Path

import pytest
from dist_auth import BASIC_PASSWORD, BASIC_USER
from dist_server import RegistryServer, provider_for

from regform.errors import IdentityError, ProviderError

USER, PASSWORD = BASIC_USER, BASIC_PASSWORD
ENV = {"username_env": "REG_TEST_USER", "password_env": "REG_TEST_PASSWORD"}


def docker_config(directory: Path, host: str, user: str, password: str) -> Path:
    auth = base64.b64encode(f"{user}:{password}".encode()).decode()
    path = directory / "config.json"
    path.write_text(json.dumps({"auths": {host: {"auth": auth}}}))
    return path


def test_environment_credentials_are_sent_as_basic_auth_and_never_logged(
    basic_registry: RegistryServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("REG_TEST_USER", USER)
    monkeypatch.setenv("REG_TEST_PASSWORD", PASSWORD)
    provider = provider_for(basic_registry.url, credentials=ENV)

    assert "team/app" in provider.list_repositories()
    assert [i.tags for i in provider.list_images("team/app")] == [("v1",)]
    provider.check_identity()

    assert "GetToken" not in provider.api_calls()
    assert PASSWORD not in caplog.text
    assert base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode() not in caplog.text
    assert PASSWORD not in repr(provider.client.credentials)


@pytest.mark.parametrize("form", ["path", "default", "url-key"])
def test_docker_config_credentials(
    basic_registry: RegistryServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, form: str
) -> None:
    key = f"https://{basic_registry.host}/v1/" if form == "url-key" else basic_registry.host
    path = docker_config(tmp_path, key, USER, PASSWORD)
    if form == "default":
        monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    spec = "default" if form == "default" else str(path)
    provider = provider_for(basic_registry.url, credentials={"docker_config": spec})

    assert "team/app" in provider.list_repositories()


def test_a_wrong_password_is_an_identity_error(
    basic_registry: RegistryServer, tmp_path: Path
) -> None:
    path = docker_config(tmp_path, basic_registry.host, USER, "wrong-pw-000")
    provider = provider_for(basic_registry.url, credentials={"docker_config": str(path)})

    with pytest.raises(IdentityError, match=f"rejected the credentials from docker config {path}"):
        provider.list_repositories()


def test_missing_credentials_are_named(basic_registry: RegistryServer) -> None:
    provider = provider_for(basic_registry.url)

    with pytest.raises(ProviderError, match="requires credentials: set credentials"):
        provider.list_repositories()


def test_credential_sources_that_cannot_work_fail_before_any_request(
    basic_registry: RegistryServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REG_TEST_PASSWORD", raising=False)
    monkeypatch.setenv("REG_TEST_USER", USER)
    helper = tmp_path / "helper.json"
    helper.write_text(json.dumps({"auths": {}, "credsStore": "desktop"}))

    with pytest.raises(ProviderError, match="environment variable REG_TEST_PASSWORD is not set"):
        provider_for(basic_registry.url, credentials=ENV)
    with pytest.raises(ProviderError, match="username_env and password_env must be given together"):
        provider_for(basic_registry.url, credentials={"username_env": "REG_TEST_USER"})
    with pytest.raises(ProviderError, match=r"no auths entry for 127\.0\.0\.1:\d+ \(credential"):
        provider_for(basic_registry.url, credentials={"docker_config": str(helper)})
    with pytest.raises(ProviderError, match="does not exist"):
        provider_for(basic_registry.url, credentials={"docker_config": str(tmp_path / "none")})
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)  # a FIFO would block a plain read forever
    with pytest.raises(ProviderError, match=f"cannot read docker config {fifo}: is a FIFO"):
        provider_for(basic_registry.url, credentials={"docker_config": str(fifo)})
    big = tmp_path / "big.json"
    with big.open("wb") as stream:
        stream.truncate(5 * 1024 * 1024 + 1)
    with pytest.raises(ProviderError, match="regform reads docker configs up to 5 MiB"):
        provider_for(basic_registry.url, credentials={"docker_config": str(big)})
