"""The importer on its own (no registry): policies back to the shorthand only when exact,
definition names, defaults only where they shorten the file, and the setting kinds moto lacks
(pull-through cache rules, creation templates) written so that they plan to nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from regform import model as m
from regform.config import load_config
from regform.documents.policy import compile_policy
from regform.model import Encryption, RegistryState, Repository
from regform.planning.planner import plan_registry
from regform.providers import CAPABILITIES
from regform.registry_settings import canonical_setting
from regform.workflows.import_definitions import definition_name, policy_definition
from regform.workflows.import_yaml import to_yaml
from regform.workflows.importer import ImportSource, import_config

ALL = frozenset(m.REPOSITORY_FIELDS)
KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
SOURCE = ImportSource("prod", "ecr", {"region": "us-east-1"})


def repo(name: str, **values: Any) -> Repository:
    return Repository(name=name, loaded=ALL, **values)


def keep_last(n: int) -> dict[str, Any]:
    selection = {"tagStatus": "untagged", "countType": "imageCountMoreThan", "countNumber": n}
    return {"rules": [{"rulePriority": 1, "selection": selection, "action": {"type": "expire"}}]}


def round_trip(tmp_path: Path, state: RegistryState) -> tuple[dict[str, Any], list[str]]:
    """The imported YAML, and the addresses a plan of it against ``state`` would change."""
    result = import_config(SOURCE, state)
    path = tmp_path / "regform.yaml"
    path.write_text(to_yaml(result.data, ["imported"]))
    config = load_config([path])
    planned = plan_registry(config.registries["prod"], state, CAPABILITIES["ecr"])
    return yaml.safe_load(path.read_text()), [c.address for c in planned.changes]


def test_policies_become_the_shorthand_only_when_it_compiles_to_them() -> None:
    spec = {
        "allow_pull": ["111111111111", "lambda.amazonaws.com"],
        "allow_push": ["arn:aws:iam::222222222222:role/ci"],
        "statements": [{"Sid": "Extra", "Effect": "Deny", "Principal": "*", "Action": "ecr:*"}],
    }
    assert policy_definition(compile_policy(spec)) == spec
    assert policy_definition(compile_policy({"allow_pull": ["*"]})) == {"allow_pull": ["*"]}

    old = {**compile_policy({"allow_pull": ["111111111111"]}), "Version": "2008-10-17"}
    assert policy_definition(old) == {"document": old}
    fewer_actions = compile_policy({"allow_pull": ["111111111111"]})
    fewer_actions["Statement"][0]["Action"] = ["ecr:BatchGetImage"]
    assert policy_definition(fewer_actions) == {"document": fewer_actions}


def test_definition_names_are_valid_and_distinct() -> None:
    assert definition_name("team-a/api/cache") == "team-a-api-cache"
    assert definition_name("x" * 80) == "x" * 64
    one, two = keep_last(1), keep_last(2)
    data = import_config(
        SOURCE,
        RegistryState(
            repositories={
                "a/b": repo("a/b", lifecycle_policy=one),
                "a-b": repo("a-b", lifecycle_policy=two),
            }
        ),
    ).data
    assert sorted(data["lifecycle_policies"]) == ["a-b", "a-b-2"]


def test_one_repository_gets_no_defaults_and_manages_its_empty_tags(tmp_path: Path) -> None:
    state = RegistryState(repositories={"solo": repo("solo")})
    data, changes = round_trip(tmp_path, state)
    assert "defaults" not in data
    assert data["repositories"] == [
        {
            "name": "solo",
            "image_tag_mutability": "MUTABLE",
            "scan_on_push": False,
            "encryption": {"type": "AES256"},
            "lifecycle": "none",
            "policy": "none",
            "tags": {},
        }
    ]
    assert changes == []


def test_repositories_alike_share_one_entry(tmp_path: Path) -> None:
    state = RegistryState(
        repositories={
            n: repo(n, tags={"env": "dev"}, image_tag_mutability="IMMUTABLE")
            for n in ("svc-1", "svc-2", "svc-3")
        }
        | {"odd": repo("odd", tags={"env": "dev", "x": "1"}, encryption=Encryption("KMS", KEY))}
    )
    data, changes = round_trip(tmp_path, state)
    assert data["defaults"]["image_tag_mutability"] == "IMMUTABLE"
    assert data["defaults"]["tags"] == {"env": "dev"}
    assert data["repositories"] == [
        {
            "name": "odd",
            "image_tag_mutability": "MUTABLE",
            "encryption": {"type": "KMS", "kms_key": KEY},
            "tags": {"x": "1"},
        },
        {"names": ["svc-1", "svc-2", "svc-3"]},
    ]
    assert changes == []


def test_settings_moto_lacks_round_trip_and_defaults_are_left_out(tmp_path: Path) -> None:
    settings = {
        "registry_policy": None,
        "scanning": {"scan_type": "BASIC", "rules": []},
        "replication": {"rules": []},
        "pull_through_cache_rules": {
            "docker-hub": {
                "upstream_registry_url": "registry-1.docker.io",
                "upstream_registry": "docker-hub",
                "credential_arn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:"
                "ecr-pullthroughcache/hub-AbCdEf",
                "custom_role_arn": None,
                "upstream_repository_prefix": "ROOT",
            }
        },
        "creation_templates": {
            "ROOT": {
                "applied_for": ["CREATE_ON_PUSH"],
                "description": None,
                "image_tag_mutability": "IMMUTABLE",
                "image_tag_mutability_exclusions": [],
                "encryption": {"type": "AES256", "kms_key": None},
                "lifecycle_policy": None,
                "repository_policy": compile_policy({"allow_pull": ["111111111111"]}),
                "tags": {"team": "platform"},
                "custom_role_arn": "arn:aws:iam::123456789012:role/ecr-templates",
            }
        },
    }
    state = RegistryState(repositories={}, settings=settings)
    data, _ = round_trip(tmp_path, state)
    written = data["registries"]["prod"]["settings"]
    assert sorted(written) == ["creation_templates", "pull_through_cache_rules"]
    assert written["pull_through_cache_rules"]["docker-hub"] == {
        "upstream_registry_url": "registry-1.docker.io",
        "upstream_registry": "docker-hub",
        "credential_arn": settings["pull_through_cache_rules"]["docker-hub"]["credential_arn"],
    }
    config = load_config([tmp_path / "regform.yaml"])
    planned = plan_registry(config.registries["prod"], state, CAPABILITIES["ecr"])
    assert planned.changes == ()


def test_values_ecr_accepts_import_validate_and_plan_to_nothing(tmp_path: Path) -> None:
    """KMS encryption with ECR's AWS-managed key (no key named) and a replication rule without
    repository filters (every repository replicated)."""
    from typer.testing import CliRunner

    from regform.cli import app

    replication = {
        "rules": [{"destinations": [{"region": "eu-west-1", "registry_id": "210987654321"}]}]
    }
    state = RegistryState(
        repositories={
            "app": repo("app", encryption=Encryption("KMS")),
            "dsse": repo("dsse", encryption=Encryption("KMS_DSSE")),
        },
        settings={"replication": replication},
    )
    data, changes = round_trip(tmp_path, state)

    assert changes == []
    entries = {e["name"]: e for e in data["repositories"]}
    assert entries["app"]["encryption"] == {"type": "KMS"}
    assert entries["dsse"]["encryption"] == {"type": "KMS_DSSE"}
    assert data["registries"]["prod"]["settings"]["replication"] == replication
    validated = CliRunner().invoke(app, ["validate", str(tmp_path / "regform.yaml")])
    assert validated.exit_code == 0, validated.output


def test_an_empty_filter_list_validates_as_no_filters(tmp_path: Path) -> None:
    destination = "{region: eu-west-1, registry_id: '210987654321'}"
    texts = {
        "listed": f"rules: [{{destinations: [{destination}], filters: []}}]",
        "omitted": f"rules: [{{destinations: [{destination}]}}]",
    }
    loaded = {}
    for name, rules in texts.items():
        path = tmp_path / f"{name}.yaml"
        path.write_text(
            "version: 1\nregistries:\n  prod:\n    provider: ecr\n    region: us-east-1\n"
            f"    settings:\n      replication: {{{rules}}}\n"
        )
        loaded[name] = load_config([path]).registries["prod"].settings
    assert canonical_setting("replication", loaded["listed"]["replication"]) == canonical_setting(
        "replication", loaded["omitted"]["replication"]
    )
