"""Property: any registry state ECR accepts, set up on moto's ECR server, imports to a file that
``regform validate`` accepts and that ``regform plan`` shows no changes for.

The states cover repositories with random mutability, exclusions, scan on push, encryption
(AES256, or KMS with a key), tags, lifecycle policy and
repository policy (Sids of any text, repeated Sids, a deleted role's unique id as principal), and
the registry's replication configuration (a rule with or without repository filters, or with no
destinations). What moto cannot store is left out, and docs/ecr-validation.md says so: names
joined by ``__`` or ``--`` (moto checks an older name pattern), more than one replication rule
("This feature is disabled"), pull-through cache rules and creation templates (not implemented).
KMS without a key cannot be set up either: ECR then reports its AWS-managed key
(``alias/aws/ecr``), while moto invents a key ARN that its KMS does not know (and has no
``alias/aws/ecr``), so the states use KMS with a key made in moto's KMS; that such a config
validates is tested in tests/config/test_config_ecr_api_rules.py.
"""

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
NAMES = ("app", "svc/api", "svc/web", "team-a/tools", "x.y_z/cache")
#: Sids ECR accepts: hyphens, spaces and punctuation, and one Sid twice in a policy
SIDS = ("allow-ci-pull", "new policy: CI pull", "Read_Only.1", "RegformPull")
PRINCIPALS = (
    "arn:aws:iam::111122223333:root",
    "arn:aws:iam::111122223333:role/ci/builder",
    "AROA3XFRBF535PLBIFPI4",  # what IAM leaves in a policy whose role was deleted
    "*",
)


def _statement(sid: str, principal: str) -> dict[str, Any]:
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"AWS": principal} if principal != "*" else "*",
        "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
    }


statements = st.lists(
    st.builds(_statement, st.sampled_from(SIDS), st.sampled_from(PRINCIPALS)),
    min_size=1,
    max_size=3,
)
policies = st.sampled_from((PULL, CONDITIONAL)) | statements.map(
    lambda s: {"Version": "2012-10-17", "Statement": s}
)
repository = st.fixed_dictionaries(
    {
        "mutability": st.sampled_from(
            ("MUTABLE", "IMMUTABLE", "MUTABLE_WITH_EXCLUSION", "IMMUTABLE_WITH_EXCLUSION")
        ),
        "exclusions": st.lists(
            st.sampled_from(("latest", "dev-*", "release-*")), min_size=1, max_size=2, unique=True
        ),
        "scan_on_push": st.booleans(),
        "encryption": st.sampled_from((None, "AES256", "KMS")),
        "tags": st.dictionaries(
            st.sampled_from(("env", "team", "owner")),
            st.sampled_from(("prod", "dev", "a-b", "")),
            max_size=2,
        ),
        "lifecycle": st.none() | st.sampled_from(LIFECYCLES),
        "policy": st.none() | policies,
    }
)
destinations = st.lists(
    st.fixed_dictionaries(
        {
            "region": st.sampled_from(("eu-west-1", "us-west-2")),
            "registryId": st.sampled_from(("111122223333", "444455556666")),
        }
    ),
    max_size=2,
    unique_by=lambda d: (d["region"], d["registryId"]),
)
filters = st.lists(st.sampled_from(("svc/", "team-a", "app")), max_size=2, unique=True)
#: moto keeps one replication rule at most
replication = st.none() | st.builds(
    lambda dest, flt: {
        "destinations": dest,
        **(
            {"repositoryFilters": [{"filter": f, "filterType": "PREFIX_MATCH"} for f in flt]}
            if flt
            else {}
        ),
    },
    destinations,
    filters,
)
registries = st.fixed_dictionaries(
    {
        "repositories": st.dictionaries(st.sampled_from(NAMES), repository, min_size=1, max_size=3),
        "replication": replication,
    }
)


def create(ecr: Any, name: str, spec: dict[str, Any], key: str) -> None:
    params: dict[str, Any] = {
        "repositoryName": name,
        "imageTagMutability": spec["mutability"],
        "imageScanningConfiguration": {"scanOnPush": spec["scan_on_push"]},
    }
    if spec["mutability"].endswith("_WITH_EXCLUSION"):
        params["imageTagMutabilityExclusionFilters"] = [
            {"filter": f, "filterType": "WILDCARD"} for f in spec["exclusions"]
        ]
    if spec["encryption"] == "AES256":
        params["encryptionConfiguration"] = {"encryptionType": "AES256"}
    elif spec["encryption"] == "KMS":
        params["encryptionConfiguration"] = {"encryptionType": "KMS", "kmsKey": key}
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
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(state=registries)
def test_any_registry_state_imports_to_a_valid_config_that_plans_to_no_changes(
    tmp_path: Path, moto_server: str, state: dict[str, Any]
) -> None:
    requests.post(f"{moto_server}/moto-api/reset", timeout=10).raise_for_status()
    ecr = boto3.client("ecr", region_name=REGION, endpoint_url=moto_server)
    kms = boto3.client("kms", region_name=REGION, endpoint_url=moto_server)
    key = kms.create_key()["KeyMetadata"]["Arn"]
    for name, spec in state["repositories"].items():
        create(ecr, name, spec, key)
    if state["replication"] is not None:
        ecr.put_replication_configuration(
            replicationConfiguration={"rules": [state["replication"]]}
        )
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
            "replication",
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
