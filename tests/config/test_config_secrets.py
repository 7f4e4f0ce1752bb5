"""Secrets: credential variables are never read into the config, URLs carry no credentials, plain
http to another host needs allow_http and warns on each run, public policies are warned about
loudly in validate and in plans, unset credential variables are warnings (errors with --strict)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from typer.testing import CliRunner

from regform.cli import app
from regform.config import check_config, load_config
from regform.providers import build_provider

SENTINEL = "SENTINEL-41b7"
ECR = "version: 1\nregistries:\n  prod: {provider: ecr, region: us-east-1, sandbox: true}\n"
PUBLIC = (
    ECR
    + "repository_policies:\n  open:\n    allow_pull: ['*']\n"
    + "repositories:\n  - {name: team/app, policy: open}\n"
)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "regform.yaml"
    path.write_text(text)
    return path


def test_a_credential_variable_is_refused_and_its_value_never_printed(tmp_path: Path) -> None:
    config = _write(tmp_path, ECR + "repositories:\n  - {name: a1, tags: {k: '${MY_SECRET}'}}\n")
    outcome = check_config([config], env={"MY_SECRET": SENTINEL})
    assert [i.message.split(";")[0] for i in outcome.issues] == [
        "${MY_SECRET} refers to a variable that holds a credential"
    ]
    assert SENTINEL not in str(outcome.issues)


def test_an_invalid_value_from_the_environment_is_not_echoed(tmp_path: Path) -> None:
    config = _write(tmp_path, ECR + "repositories:\n  - {name: '${REPO}'}\n")
    issues = check_config([config], env={"REPO": f"Has Spaces {SENTINEL}"}).issues
    assert len(issues) == 1
    assert "'${REPO}'" in issues[0].message
    assert SENTINEL not in issues[0].message


def test_import_refuses_an_endpoint_url_with_a_password() -> None:
    args = ["import", "--registry", "x", "--region", "us-east-1"]
    url = f"https://admin:{SENTINEL}@ecr.example.com"
    result = CliRunner().invoke(app, [*args, "--endpoint-url", url])
    assert result.exit_code == 1
    assert "--endpoint-url: a URL must not hold a user name or password" in result.output
    assert SENTINEL not in result.output


def test_plain_http_to_another_host_needs_allow_http_and_warns_each_run(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    text = ECR.replace("sandbox: true", "endpoint_url: 'http://ecr.example.com'")
    refused = check_config([_write(tmp_path, text)], env={}).issues
    assert [i.message.split(":")[0] for i in refused] == ["a plain http"]
    allowed = load_config([_write(tmp_path, text.replace("}\n", ", allow_http: true}\n"))], env={})
    with caplog.at_level(logging.WARNING):
        build_provider(allowed.registries["prod"]).close()
        build_provider(allowed.registries["prod"]).close()
    warnings = [r.getMessage() for r in caplog.records if "plain http" in r.getMessage()]
    assert len(warnings) == 2
    assert "session token travel unencrypted" in warnings[0]


def test_loopback_http_needs_no_allow_http(tmp_path: Path) -> None:
    text = ECR.replace("sandbox: true", "endpoint_url: 'http://127.0.0.1:5000'")
    assert check_config([_write(tmp_path, text)], env={}).issues == []


def test_a_public_policy_is_a_loud_warning_in_validate_and_in_the_plan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGFORM_SANDBOX_DIR", str(tmp_path / "sandbox"))
    config = _write(tmp_path, PUBLIC)
    validated = CliRunner().invoke(app, ["validate", str(config)])
    assert validated.exit_code == 0
    assert f"Warning: {config}:6:5: repository_policies.open: PUBLIC: " in validated.stderr
    assert "the 1 repository using it can be read by anyone" in validated.stderr
    strict = CliRunner().invoke(app, ["validate", "--strict", str(config)])
    assert strict.exit_code == 1
    planned = CliRunner().invoke(app, ["plan", "-c", str(config)])
    assert planned.exit_code == 0, planned.output
    assert "Warning: " in planned.stdout and "PUBLIC: repository policy 'open'" in planned.stdout


def test_an_unset_password_env_is_a_warning_and_an_error_with_strict(tmp_path: Path) -> None:
    config = _write(
        tmp_path,
        "version: 1\nregistries:\n  hub:\n    provider: distribution\n"
        "    url: https://registry.example.com\n"
        "    credentials: {username_env: REGFORM_UNSET_USER, password_env: REGFORM_UNSET_PW}\n",
    )
    loose = CliRunner().invoke(app, ["validate", str(config)])
    assert loose.exit_code == 0
    assert (
        f"Warning: {config}:6:67: registries.hub.credentials.password_env: environment "
        "variable REGFORM_UNSET_PW (password_env of registry 'hub') is not set" in loose.stderr
    )
    strict = CliRunner().invoke(app, ["validate", "--strict", str(config)])
    assert strict.exit_code == 1
    assert "REGFORM_UNSET_PW (password_env of registry 'hub') is not set" in strict.stdout


def test_a_variable_that_is_not_utf8_is_an_issue_not_a_crash(tmp_path: Path) -> None:
    config = _write(tmp_path, ECR + "repositories:\n  - {name: team/a, tags: {k: '${RAW}'}}\n")
    issues = check_config([config], env={"RAW": "caf\udce9"}).issues
    assert [str(i).split(": ", 1)[1] for i in issues] == [
        "repositories[0].tags.k: RAW: the variable is not UTF-8 text"
    ]


def test_a_token_env_variable_is_refused_too(tmp_path: Path) -> None:
    config = _write(
        tmp_path,
        ECR + "  hub:\n    provider: dockerhub\n"
        "    credentials: {username_env: HUB_USER, token_env: HUB_KEY}\n"
        "repositories:\n  - {name: team/app, registry: prod, tags: {k: '${HUB_KEY}'}}\n",
    )
    issues = check_config([config], env={"HUB_USER": "me", "HUB_KEY": SENTINEL}).issues
    assert [i.message.split(";")[0] for i in issues] == [
        "${HUB_KEY} refers to a variable that holds a credential"
    ]


def test_unset_harbor_and_docker_hub_variables_are_warnings_saying_what_fails(
    tmp_path: Path,
) -> None:
    config = _write(
        tmp_path,
        "version: 1\nregistries:\n  hb:\n    provider: harbor\n"
        "    url: https://harbor.example.com\n"
        "    username_env: REGFORM_UNSET_HB_USER\n    password_env: REGFORM_UNSET_HB_PW\n"
        "  hub:\n    provider: dockerhub\n"
        "    credentials: {username_env: REGFORM_UNSET_HUB_USER, token_env: REGFORM_UNSET_HUB}\n",
    )
    loose = CliRunner().invoke(app, ["validate", str(config)])
    assert loose.exit_code == 0, loose.output
    assert (
        f"Warning: {config}:7:19: registries.hb.password_env: environment variable "
        "REGFORM_UNSET_HB_PW (password_env of registry 'hb') is not set: plan, apply and drift "
        "fail unless it is set when they run" in loose.stderr
    )
    assert f"{config}:6:19: registries.hb.username_env: " in loose.stderr
    assert (
        "REGFORM_UNSET_HUB (token_env of registry 'hub') is not set: login and pull-secret fail"
        in loose.stderr
    )
    strict = CliRunner().invoke(app, ["validate", "--strict", str(config)])
    assert strict.exit_code == 1
    assert "REGFORM_UNSET_HB_USER (username_env of registry 'hb') is not set" in strict.stdout
