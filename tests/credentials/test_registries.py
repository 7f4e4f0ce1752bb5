"""regform registries: the declared registries as a table, or as a CI job matrix."""

from __future__ import annotations

import json
from pathlib import Path

from credential_clients import client_env, regform

CONFIG = """version: 1
registries:
  prod: {provider: ecr, region: eu-west-1, account_id: "111122223333"}
  staging: {provider: ecr, region: us-east-1}
  builds: {provider: distribution, url: "https://registry.internal.example:5000"}
  hub:
    provider: dockerhub
    credentials: {username_env: HUB_USER, token_env: HUB_TOKEN}
repositories:
  - {name: apps/api, registry: prod}
"""


def test_registries_table_and_matrix(tmp_path: Path) -> None:
    (tmp_path / "regform.yaml").write_text(CONFIG)
    env = client_env(tmp_path)

    table = regform("registries", env=env, cwd=tmp_path)
    matrix = regform("registries", "--format", "json", env=env, cwd=tmp_path)

    assert table.returncode == matrix.returncode == 0, table.stderr + matrix.stderr
    assert table.stdout.splitlines() == [
        "NAME     PROVIDER      HOST                                          ACCOUNT       REGION",
        "builds   distribution  registry.internal.example:5000                -             -",
        "hub      dockerhub     https://index.docker.io/v1/                   -             -",
        "prod     ecr           111122223333.dkr.ecr.eu-west-1.amazonaws.com  111122223333  "
        "eu-west-1",
        "staging  ecr           -                                             -             "
        "us-east-1",
    ]
    assert json.loads(matrix.stdout) == {
        "include": [
            {"name": "builds", "provider": "distribution",
             "host": "registry.internal.example:5000", "account": None, "region": None},
            {"name": "hub", "provider": "dockerhub", "host": "https://index.docker.io/v1/",
             "account": None, "region": None},
            {"name": "prod", "provider": "ecr",
             "host": "111122223333.dkr.ecr.eu-west-1.amazonaws.com", "account": "111122223333",
             "region": "eu-west-1"},
            {"name": "staging", "provider": "ecr", "host": None, "account": None,
             "region": "us-east-1"},
        ]
    }  # fmt: skip
