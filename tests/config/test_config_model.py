"""The desired model of valid configs: defaults, managed fields, expansion, files, checksum."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from regform import model as m
from regform.config import load_config
from regform.documents.policy import PULL_ACTIONS, PUSH_ACTIONS
from regform.errors import ConfigError


def _write(path: Path, text: str) -> Path:
    path.write_text(dedent(text).lstrip())
    return path


def _load(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> m.Config:
    return load_config(_write(tmp_path / "regform.yaml", text), env=env or {})


BASE = """
    version: 1
    registries:
      prod: {provider: ecr, region: us-east-1}
"""


def test_managed_is_exactly_what_the_config_mentions(tmp_path: Path) -> None:
    cfg = _load(
        tmp_path,
        BASE
        + """
    defaults:
      image_tag_mutability: IMMUTABLE
      tags: {managed-by: regform}
    repositories:
      - name: team-a/api
      - name: team-a/web
        scan_on_push: true
        lifecycle: none
      - name: team-a/bare
        ignore_tags: [cost-center]
    """,
    )
    repos = cfg.registries["prod"].repositories
    assert repos["team-a/api"].managed == {m.MUTABILITY, m.MUTABILITY_EXCLUSIONS, m.TAGS}
    assert repos["team-a/web"].managed == {
        m.MUTABILITY,
        m.MUTABILITY_EXCLUSIONS,
        m.TAGS,
        m.SCAN_ON_PUSH,
        m.LIFECYCLE_POLICY,
    }
    assert repos["team-a/web"].lifecycle_policy is None
    assert repos["team-a/web"].lifecycle_name is None
    # ignoring a tag key does not put the other tags under management
    assert m.TAGS in repos["team-a/bare"].managed  # from defaults.tags
    assert repos["team-a/bare"].ignore_tags == {"cost-center"}


def test_ignore_tags_alone_does_not_manage_tags(tmp_path: Path) -> None:
    cfg = _load(
        tmp_path, BASE + "    repositories:\n      - {name: team-a/api, ignore_tags: [x]}\n"
    )
    repo = cfg.registries["prod"].repositories["team-a/api"]
    assert repo.managed == frozenset()
    assert repo.ignore_tags == {"x"}


def test_entry_settings_override_defaults_and_tags_merge(tmp_path: Path) -> None:
    cfg = _load(
        tmp_path,
        BASE
        + """
    defaults:
      image_tag_mutability: IMMUTABLE_WITH_EXCLUSION
      image_tag_mutability_exclusions: ["latest"]
      encryption: {type: KMS, kms_key: alias/ecr}
      tags: {managed-by: regform, team: platform}
      ignore_tags: [cost-center]
    repositories:
      - name: team-a/api
        tags: {team: a, tier: "1"}
        ignore_tags: [owner]
      - name: team-a/web
        image_tag_mutability: MUTABLE
        encryption: {type: AES256}
      - name: team-a/worker
        image_tag_mutability_exclusions: ["dev-*", "pr-*"]
    """,
    )
    repos = cfg.registries["prod"].repositories
    api = repos["team-a/api"]
    assert dict(api.tags) == {"managed-by": "regform", "team": "a", "tier": "1"}
    assert api.ignore_tags == {"cost-center", "owner"}
    assert api.image_tag_mutability_exclusions == ("latest",)
    assert api.encryption == m.Encryption("KMS", "alias/ecr")
    web = repos["team-a/web"]
    assert web.image_tag_mutability == "MUTABLE"
    # a mode without exclusions drops the defaults' exclusion filters, and manages them (none)
    assert web.image_tag_mutability_exclusions == ()
    assert m.MUTABILITY_EXCLUSIONS in web.managed
    assert web.encryption == m.Encryption("AES256", None)
    worker = repos["team-a/worker"]
    assert worker.image_tag_mutability == "IMMUTABLE_WITH_EXCLUSION"
    assert worker.image_tag_mutability_exclusions == ("dev-*", "pr-*")


def test_names_expand_and_cache_companions_copy_settings(tmp_path: Path) -> None:
    cfg = _load(
        tmp_path,
        """
    version: 1
    registries:
      prod: {provider: ecr, region: us-east-1, cache_suffix: -cache}
    repositories:
      - names: ["team-b/svc-{1..3}", "team-b/{web,worker}", "team-c/n{08..10}"]
        scan_on_push: true
      - name: team-a/api
        cache: true
        tags: {team: a}
    """,
    )
    reg = cfg.registries["prod"]
    assert sorted(reg.repositories) == [
        "team-a/api",
        "team-a/api-cache",
        "team-b/svc-1",
        "team-b/svc-2",
        "team-b/svc-3",
        "team-b/web",
        "team-b/worker",
        "team-c/n08",
        "team-c/n09",
        "team-c/n10",
    ]
    api, cache = reg.repositories["team-a/api"], reg.repositories["team-a/api-cache"]
    assert cache.tags == api.tags and cache.managed == api.managed
    assert reg.locations["team-a/api-cache"] == reg.locations["team-a/api"]
    assert reg.locations["team-b/web"] == m.Location(str(tmp_path / "regform.yaml"), 5, 5)


def test_lifecycle_and_policies_are_compiled(tmp_path: Path) -> None:
    cfg = _load(
        tmp_path,
        BASE
        + """
    lifecycle_policies:
      pr-builds:
        - tag_prefixes: ["0.0.0-"]
          older_than_days: 14
        - untagged: true
          older_than_days: 1
    repository_policies:
      pull:
        allow_pull: ["444455556666", "lambda.amazonaws.com"]
        allow_push: ["arn:aws:iam::111122223333:role/ci"]
      raw:
        document:
          Version: "2012-10-17"
          Statement: {Effect: Allow, Principal: "*", Action: "ecr:BatchGetImage"}
    repositories:
      - {name: team-a/api, lifecycle: pr-builds, policy: pull}
      - {name: team-a/web, policy: raw}
      - {name: team-a/none, policy: none}
    """,
    )
    repos = cfg.registries["prod"].repositories
    api = repos["team-a/api"]
    assert api.lifecycle_name == "pr-builds" and api.policy_name == "pull"
    assert api.lifecycle_policy == {
        "rules": [
            {
                "rulePriority": 1,
                "selection": {
                    "tagStatus": "tagged",
                    "tagPrefixList": ["0.0.0-"],
                    "countType": "sinceImagePushed",
                    "countUnit": "days",
                    "countNumber": 14,
                },
                "action": {"type": "expire"},
            },
            {
                "rulePriority": 2,
                "selection": {
                    "tagStatus": "untagged",
                    "countType": "sinceImagePushed",
                    "countUnit": "days",
                    "countNumber": 1,
                },
                "action": {"type": "expire"},
            },
        ]
    }
    assert api.repository_policy == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "RegformPull",
                "Effect": "Allow",
                "Principal": {
                    "AWS": ["arn:aws:iam::444455556666:root"],
                    "Service": ["lambda.amazonaws.com"],
                },
                "Action": list(PULL_ACTIONS),
            },
            {
                "Sid": "RegformPush",
                "Effect": "Allow",
                "Principal": {"AWS": ["arn:aws:iam::111122223333:role/ci"]},
                "Action": list(PUSH_ACTIONS),
            },
        ],
    }
    assert repos["team-a/web"].repository_policy == {
        "Version": "2012-10-17",
        "Statement": {"Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage"},
    }
    none = repos["team-a/none"]
    assert m.REPOSITORY_POLICY in none.managed and none.repository_policy is None


def test_registry_settings_and_ownership_tag(tmp_path: Path) -> None:
    cfg = _load(
        tmp_path,
        """
    version: 1
    registries:
      prod:
        provider: ecr
        region: eu-west-1
        account_id: "123456789012"
        role_arn: arn:aws:iam::123456789012:role/regform
        external_id: x-123
        scope: ["team-a/*"]
        prune: true
        ownership: tag
        force_delete: true
        safety: {max_change_percent: 12.5, min_repositories: 3}
    repositories:
      - name: team-a/api
      - {name: team-a/keep, force_delete: false}
    """,
    )
    reg = cfg.registries["prod"]
    assert dict(reg.connection) == {
        "region": "eu-west-1",
        "account_id": "123456789012",
        "role_arn": "arn:aws:iam::123456789012:role/regform",
        "external_id": "x-123",
        "sandbox": False,
    }
    assert (reg.scope, reg.prune, reg.ownership) == (("team-a/*",), True, "tag")
    assert reg.safety == m.SafetySettings(12.5, 3)
    api = reg.repositories["team-a/api"]
    assert dict(api.tags) == {"managed-by": "regform"} and api.managed == {m.TAGS}
    assert api.force_delete is True
    assert reg.repositories["team-a/keep"].force_delete is False


def test_distribution_registry_ignores_defaults_it_cannot_apply(tmp_path: Path) -> None:
    cfg = _load(
        tmp_path,
        """
    version: 1
    registries:
      prod: {provider: ecr, region: us-east-1}
      local:
        provider: distribution
        url: https://registry.example.com
        ca_cert: /etc/ssl/ca.pem
        credentials: {username_env: REG_USER, password_env: REG_PASS}
    defaults:
      registry: prod
      scan_on_push: true
      tags: {managed-by: regform}
      lifecycle: short
    lifecycle_policies:
      short: [{untagged: true, older_than_days: 1}]
    repositories:
      - name: team-a/api
      - {name: library/nginx, registry: local}
    """,
    )
    local = cfg.registries["local"]
    assert local.provider == "distribution"
    assert dict(local.connection) == {
        "url": "https://registry.example.com",
        "ca_cert": "/etc/ssl/ca.pem",
        "credentials": {"username_env": "REG_USER", "password_env": "REG_PASS"},
    }
    nginx = local.repositories["library/nginx"]
    assert nginx.managed == {m.LIFECYCLE_POLICY}
    assert cfg.registries["prod"].repositories["team-a/api"].managed == {
        m.SCAN_ON_PUSH,
        m.TAGS,
        m.LIFECYCLE_POLICY,
    }


def test_environment_variables(tmp_path: Path) -> None:
    cfg = _load(
        tmp_path,
        """
    version: 1
    registries:
      prod:
        provider: ecr
        region: ${REGION}
        account_id: "${ACCOUNT:-123456789012}"
        profile: ${PROFILE:-default}-admin
        safety:
          max_change_percent: ${MAX_CHANGE:-30}
          min_repositories: ${MIN_REPOS}
    repositories:
      - name: team-a/api
        tags: {note: "costs $${HOME}", policy-var: "${aws:username}", count: "${MIN_REPOS}"}
    """,
        env={"REGION": "eu-central-1", "MIN_REPOS": "4", "PROFILE": "ops"},
    )
    reg = cfg.registries["prod"]
    assert reg.connection["region"] == "eu-central-1"
    assert reg.connection["account_id"] == "123456789012"
    assert reg.connection["profile"] == "ops-admin"
    # unquoted values are typed after substitution; quoted ones stay strings
    assert reg.safety == m.SafetySettings(30.0, 4)
    assert dict(reg.repositories["team-a/api"].tags) == {
        "note": "costs ${HOME}",
        "policy-var": "${aws:username}",
        "count": "4",
    }


def test_yaml_merge_keys_and_yaml12_booleans(tmp_path: Path) -> None:
    cfg = _load(
        tmp_path,
        BASE
        + """
    repositories:
      - &api {name: team-a/api, scan_on_push: true, tags: {enabled: yes, since: 2024-01-01}}
      - <<: *api
        name: team-a/web
    """,
    )
    repos = cfg.registries["prod"].repositories
    assert dict(repos["team-a/api"].tags) == {"enabled": "yes", "since": "2024-01-01"}
    assert repos["team-a/web"].scan_on_push is True
    assert repos["team-a/web"].tags == repos["team-a/api"].tags


def test_directory_of_files_is_merged(tmp_path: Path) -> None:
    _write(
        tmp_path / "a-registries.yaml",
        """
        version: 1
        registries:
          prod: {provider: ecr, region: us-east-1}
        defaults: {registry: prod, lifecycle: short}
        """,
    )
    _write(
        tmp_path / "b-lifecycle.yml",
        """
        version: 1
        lifecycle_policies:
          short: [{untagged: true, older_than_days: 1}]
        repositories:
          - name: team-a/api
        """,
    )
    _write(tmp_path / "c-team.yaml", "version: 1\nrepositories:\n  - name: team-b/api\n")
    (tmp_path / "README.md").write_text("not config")
    cfg = load_config(tmp_path, env={})
    assert cfg.files == tuple(
        str(tmp_path / n) for n in ("a-registries.yaml", "b-lifecycle.yml", "c-team.yaml")
    )
    reg = cfg.registries["prod"]
    assert sorted(reg.repositories) == ["team-a/api", "team-b/api"]
    assert reg.repositories["team-b/api"].lifecycle_name == "short"
    assert reg.locations["team-b/api"] == m.Location(str(tmp_path / "c-team.yaml"), 3, 5)


def test_checksum_is_stable_across_key_and_file_order(tmp_path: Path) -> None:
    one = _write(
        tmp_path / "one.yaml",
        """
        version: 1
        registries:
          prod: {provider: ecr, region: us-east-1}
        repositories:
          - {name: team-a/api, scan_on_push: true, tags: {a: "1", b: "2"}}
        """,
    )
    two = _write(
        tmp_path / "two.yaml",
        """
        version: 1
        repositories:
          - {tags: {b: "2", a: "1"}, name: team-b/api}
        """,
    )
    reordered = _write(
        tmp_path / "reordered.yaml",
        """
        repositories:
          - {tags: {b: "2", a: "1"}, scan_on_push: true, name: team-a/api}
        registries:
          prod: {region: us-east-1, provider: ecr}
        version: 1
        """,
    )
    first = load_config([one, two], env={}).checksum
    assert len(first) == 64
    assert load_config([two, one], env={}).checksum == first
    assert load_config([two, reordered], env={}).checksum == first
    changed = _write(tmp_path / "changed.yaml", one.read_text().replace("true", "false"))
    assert load_config([changed, two], env={}).checksum != first


def test_load_config_raises_every_issue_at_once(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "bad.yaml",
        BASE
        + """
    repositories:
      - name: Team-A/api
      - {name: team-a/web, lifecycle: nope}
    """,
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    assert [str(i) for i in caught.value.issues] == [
        f"{path}:6:11: repositories[0].name: repository name 'Team-A/api' has uppercase "
        "letters (names are lowercase)",
        f"{path}:7:35: repositories[1].lifecycle: unknown lifecycle policy 'nope' "
        "(none are defined)",
    ]


def test_single_registry_needs_no_registry_key(tmp_path: Path) -> None:
    cfg = _load(tmp_path, BASE + "    repositories:\n      - name: team-a/api\n")
    assert list(cfg.registries["prod"].repositories) == ["team-a/api"]


def test_registry_settings(tmp_path: Path) -> None:
    cfg = _load(
        tmp_path,
        """
    version: 1
    registries:
      prod:
        provider: ecr
        region: us-east-1
        settings:
          registry_policy: none
          account_settings: {BASIC_SCAN_TYPE_VERSION: AWS_NATIVE}
          creation_templates:
            ROOT: {applied_for: [CREATE_ON_PUSH], lifecycle: short, image_tag_mutability: IMMUTABLE}
    lifecycle_policies:
      short: [{untagged: true, older_than_days: 1}]
    """,
    )
    reg = cfg.registries["prod"]
    assert reg.settings["registry_policy"] is None
    assert reg.settings["account_settings"] == {"BASIC_SCAN_TYPE_VERSION": "AWS_NATIVE"}
    root = reg.settings["creation_templates"]["ROOT"]
    assert root["image_tag_mutability"] == "IMMUTABLE"
    assert root["lifecycle_policy"]["rules"][0]["selection"]["tagStatus"] == "untagged"
    assert reg.locations["settings.creation_templates"] == m.Location(
        str(tmp_path / "regform.yaml"), 9, 7
    )


def test_a_dockerhub_registry_holds_credentials_only(tmp_path: Path) -> None:
    cfg = _load(
        tmp_path,
        BASE
        + """
      hub:
        provider: dockerhub
        credentials: {username_env: HUB_USER, token_env: HUB_TOKEN}
    repositories:
      - name: team-a/api
    """,
    )
    assert list(cfg.registries) == ["prod"]
    assert list(cfg.registries["prod"].repositories) == ["team-a/api"]
    hub = cfg.credentials_only["hub"]
    assert (hub.provider, dict(hub.connection)) == (
        "dockerhub",
        {"credentials": {"username_env": "HUB_USER", "token_env": "HUB_TOKEN"}},
    )
    assert list(cfg.all_registries()) == ["hub", "prod"]


def test_defaults_naming_a_credentials_only_registry_is_one_error(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "regform.yaml",
        """
        version: 1
        registries:
          hub: {provider: dockerhub, credentials: {username_env: U, token_env: T}}
        defaults: {registry: hub}
        repositories:
          - name: a
          - name: b
        """,
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    assert [str(i) for i in caught.value.issues] == [
        f"{path}:4:22: defaults.registry: registry 'hub' is provider dockerhub, which holds "
        "credentials only: repositories cannot be declared on it"
    ]
