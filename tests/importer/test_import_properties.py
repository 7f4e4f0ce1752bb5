"""Property: any registry state ECR accepts (repositories with random mutability, tags, lifecycle
policy and repository policy), set up on moto's ECR server, imports to a file that
``regform validate`` accepts and that ``regform plan`` shows no changes for."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from regform.cli import app
from tests.importer.test_import_roundtrip import (
    CONDITIONAL,
    PULL,
    RAW,
    READABLE,
    REGION,
    connection_config,
)

pytestmark = pytest.mark.server

ONE_RULE = {
    "rules": [
        {
            "rulePriority": 1,
            "selection": {
                "tagStatus": "tagged",
                "tagPatternList": ["v*"],
                "countType": "imageCountMoreThan",
                "countNumber": 5,
            },
            "action": {"type": "expire"},
        }
    ]
}
LIFECYCLES = (READABLE, RAW, ONE_RULE)
POLICIES = (PULL, CONDITIONAL)
NAMES = ("app", "svc/api", "svc/web", "team-a/tools", "x.y_z/cache")

repository = st.fixed_dictionaries(
    {
        "mutability": st.sampled_from(
            ("MUTABLE", "IMMUTABLE", "MUTABLE_WITH_EXCLUSION", "IMMUTABLE_WITH_EXCLUSION")
        ),
        "exclusions": st.lists(
            st.sampled_from(("latest", "dev-*", "release-*")), min_size=1, max_size=2, unique=True
        ),
        "scan_on_push": st.booleans(),
        "tags": st.dictionaries(
            st.sampled_from(("env", "team", "owner")),
            st.sampled_from(("prod", "dev", "a-b")),
            max_size=2,
        ),
        "lifecycle": st.none() | st.sampled_from(LIFECYCLES),
        "policy": st.none() | st.sampled_from(POLICIES),
    }
)
registries = st.dictionaries(st.sampled_from(NAMES), repository, min_size=1, max_size=3)


def create(ecr: Any, name: str, spec: dict[str, Any]) -> None:
    params: dict[str, Any] = {
        "repositoryName": name,
        "imageTagMutability": spec["mutability"],
        "imageScanningConfiguration": {"scanOnPush": spec["scan_on_push"]},
    }
    if spec["mutability"].endswith("_WITH_EXCLUSION"):
        params["imageTagMutabilityExclusionFilters"] = [
            {"filter": f, "filterType": "WILDCARD"} for f in spec["exclusions"]
        ]
    if spec["tags"]:
        params["tags"] = [{"Key": k, "Value": v} for k, v in spec["tags"].items()]
    ecr.create_repository(**params)
    if spec["lifecycle"] is not None:
        ecr.put_lifecycle_policy(
            repositoryName=name, lifecyclePolicyText=json.dumps(spec["lifecycle"])
        )
    if spec["policy"] is not None:
        ecr.set_repository_policy(repositoryName=name, policyText=json.dumps(spec["policy"]))


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(state=registries)
def test_any_registry_state_imports_to_a_valid_config_that_plans_to_no_changes(
    tmp_path: Path, moto_server: str, state: dict[str, dict[str, Any]]
) -> None:
    requests.post(f"{moto_server}/moto-api/reset", timeout=10).raise_for_status()
    ecr = boto3.client("ecr", region_name=REGION, endpoint_url=moto_server)
    for name, spec in state.items():
        create(ecr, name, spec)
    runner = CliRunner()
    out = tmp_path / "imported"
    given_config = connection_config(tmp_path, moto_server)

    imported = runner.invoke(
        app,
        [
            "import",
            "--registry",
            "prod",
            "-c",
            str(given_config),
            "--settings",
            "none",
            "-o",
            str(out),
            "--force",
        ],
    )
    assert imported.exit_code == 0, imported.output
    written = str(out / "regform.yaml")

    validated = runner.invoke(app, ["validate", written])
    assert validated.exit_code == 0, validated.output

    planned = runner.invoke(app, ["plan", "-c", written, "--detailed-exitcode"])
    assert planned.exit_code == 0, planned.output
