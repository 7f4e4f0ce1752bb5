"""docker-credential-regform list: every declared registry a client can ask for, with the user
name its credentials carry, wherever they are declared; never a secret, never a network call."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from credential_clients import client_env, helper

SECRETS = ("dist-pw-7f3a", "harbor-pw-52c1", "dckr_pat_hub_9e0d")


def test_list_names_each_registry_with_its_user(tmp_path: Path) -> None:
    auth = base64.b64encode(b"builder:dist-pw-7f3a").decode()
    (tmp_path / "docker.json").write_text(
        json.dumps({"auths": {"registry.internal.example:5000": {"auth": auth}}})
    )
    (tmp_path / "regform.yaml").write_text(
        f"""version: 1
registries:
  prod: {{provider: ecr, region: eu-west-1, account_id: "111122223333"}}
  staging: {{provider: ecr, region: us-east-1}}
  builds:
    provider: distribution
    url: https://registry.internal.example:5000
    credentials: {{docker_config: {tmp_path / "docker.json"}}}
  harbor:
    provider: harbor
    url: https://harbor.example.com
    username_env: HARBOR_USER
    password_env: HARBOR_PASSWORD
  hub:
    provider: dockerhub
    credentials: {{username_env: HUB_USER, token_env: HUB_TOKEN}}
  nobody:
    provider: distribution
    url: https://other.example.com
    credentials: {{username_env: UNSET_USER, password_env: UNSET_PASSWORD}}
"""
    )
    env = client_env(
        tmp_path,
        {
            "HARBOR_USER": "robot$ci",
            "HARBOR_PASSWORD": "harbor-pw-52c1",
            "HUB_USER": "octocat",
            "HUB_TOKEN": "dckr_pat_hub_9e0d",
        },
    )

    listed = helper("list", "", env=env, cwd=tmp_path)

    assert listed.returncode == 0, listed.stdout
    assert json.loads(listed.stdout) == {
        "111122223333.dkr.ecr.eu-west-1.amazonaws.com": "AWS",
        "registry.internal.example:5000": "builder",
        "harbor.example.com": "robot$ci",
        "https://index.docker.io/v1/": "octocat",
    }
    for secret in SECRETS:
        assert secret not in listed.stdout + listed.stderr


def test_without_a_config_the_helper_says_where_it_looked_and_what_to_set(tmp_path: Path) -> None:
    """Clients run the helper in their own working directory, not the configuration's."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = helper("get", "registry.example.com\n", env=client_env(tmp_path), cwd=elsewhere)
    assert done.returncode == 1
    assert done.stdout == (
        f"regform: invalid config (1 error; REGFORM_CONFIG is not set, so regform.yaml in "
        f"{elsewhere} was read: set it to the config's paths, separated by ':'): "
        "regform.yaml: no such file or directory\n"
    )
    named = helper(
        "get",
        "registry.example.com\n",
        env=client_env(tmp_path, {"REGFORM_CONFIG": str(tmp_path / "missing.yaml")}),
        cwd=elsewhere,
    )
    assert named.stdout == (
        f"regform: invalid config (1 error): {tmp_path / 'missing.yaml'}: no such file or "
        "directory\n"
    )
