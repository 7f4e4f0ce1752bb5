"""Error messages a user meets early: they name the registry, suggest the name meant, and speak
of several variables in the plural."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from regform.cli import app

CONFIG = """\
version: 1
registries:
  prod: {provider: ecr, region: us-east-1, sandbox: true}
  hub:
    provider: harbor
    url: https://harbor.example.com
    username_env: HUB_USER
    password_env: HUB_TOKEN
  mirror:
    provider: distribution
    url: https://mirror.example.com
    credentials: {username_env: MIRROR_USER, password_env: MIRROR_PASSWORD}
"""


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("HUB_USER", "HUB_TOKEN", "MIRROR_USER", "MIRROR_PASSWORD", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    (tmp_path / "regform.yaml").write_text(CONFIG)
    return tmp_path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stderr


def test_an_unknown_profile_names_the_registry(workdir: Path) -> None:
    code, stderr = run("import", "--region", "us-east-1", "--profile", "ops", "--registry", "prod")
    assert (code, stderr) == (
        1,
        "Error: registry prod: cannot set up AWS clients: "
        "The config profile (ops) could not be found\n",
    )


@pytest.mark.parametrize(
    "command",
    [
        ["plan"],
        ["drift"],
        ["apply", "--auto-approve"],
        ["login"],
        ["ensure", "app"],
        ["lifecycle", "preview", "app"],
        ["import", "-c", "regform.yaml"],
    ],
)
def test_a_mistyped_registry_gets_a_suggestion(workdir: Path, command: list[str]) -> None:
    code, stderr = run(*command, "--registry", "prdo")
    assert code == 1
    assert stderr.endswith(
        "Error: unknown registry prdo (declared: hub, mirror, prod; did you mean 'prod'?)\n"
    ), stderr


def test_a_name_like_none_declared_gets_no_suggestion(workdir: Path) -> None:
    code, stderr = run("plan", "--registry", "staging")
    assert (code, stderr) == (1, "Error: unknown registry staging (declared: hub, mirror, prod)\n")


@pytest.mark.parametrize(
    ("registry", "unset"),
    [("hub", "HUB_USER and HUB_TOKEN"), ("mirror", "MIRROR_USER and MIRROR_PASSWORD")],
)
def test_several_unset_variables_are_named_in_the_plural(
    workdir: Path, registry: str, unset: str
) -> None:
    code, stderr = run("login", "--registry", registry, "--auth-file", "auth.json")
    assert code == 1
    assert f"environment variables {unset} are not set or empty" in stderr, stderr
    assert not (workdir / "auth.json").exists()
