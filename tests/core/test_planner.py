"""The planner: desired + actual -> changes, unmanaged repositories and guards. No I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from core_builders import (
    DISTRIBUTION,
    ECR,
    POLICY,
    ROLE,
    UNTAGGED,
    have,
    plan_one,
    registry,
    state,
    want,
)

from regform import model as m
from regform.model import Encryption, Image, SafetySettings
from regform.plan import Action, Change, Plan
from regform.planning.planner import REPLACE_NOTE, combine, plan_registry, state_checksum
from regform.planning.scope import enforced_repositories

KEY_A = "arn:aws:kms:us-east-1:111111111111:key/aaaa"
KEY_B = "arn:aws:kms:us-east-1:111111111111:key/bbbb"


def only(changes: tuple[Change, ...]) -> Change:
    assert len(changes) == 1, changes
    return changes[0]


def test_missing_repository_is_created_with_the_ownership_tag() -> None:
    reg = registry("prod", want("app", image_tag_mutability="IMMUTABLE", tags={"team": "a"}))
    change = only(plan_one(reg).changes)
    assert change.action is Action.CREATE
    assert change.after is not None
    assert change.after["image_tag_mutability"] == "IMMUTABLE"
    assert change.after["tags"] == {"team": "a", "managed-by": "regform"}
    assert [f.path for f in change.fields] == [m.MUTABILITY, m.TAGS]
    assert not plan_one(reg).guards


def test_created_repository_gets_the_ownership_tag_even_without_managed_tags() -> None:
    change = only(plan_one(registry("prod", want("app", scan_on_push=True))).changes)
    assert change.after is not None
    assert change.after["tags"] == {"managed-by": "regform"}


@pytest.mark.parametrize(
    ("field", "desired", "actual"),
    [
        (m.MUTABILITY, "IMMUTABLE", "MUTABLE"),
        (m.MUTABILITY_EXCLUSIONS, ("latest", "dev*"), ("latest",)),
        (m.SCAN_ON_PUSH, True, False),
        (m.LIFECYCLE_POLICY, UNTAGGED, None),
        (m.LIFECYCLE_POLICY, None, UNTAGGED),
        (m.REPOSITORY_POLICY, POLICY, None),
        (m.REPOSITORY_POLICY, None, POLICY),
    ],
)
def test_each_field_is_updated_in_place(field: str, desired: Any, actual: Any) -> None:
    reg = registry("prod", want("app", **{field: desired}))
    change = only(plan_one(reg, have("app", **{field: actual})).changes)
    assert change.action is Action.UPDATE
    fc = only_field(change)
    assert fc.path == field
    assert not fc.forces_replacement
    same = plan_one(reg, have("app", **{field: desired}))
    assert same.changes == ()


def only_field(change: Change) -> Any:
    assert len(change.fields) == 1, change.fields
    return change.fields[0]


def test_policy_change_carries_a_minimal_readable_diff() -> None:
    wider = {
        **POLICY,
        "Statement": [{**POLICY["Statement"][0], "Principal": {"AWS": [ROLE, "222222222222"]}}],
    }
    reg = registry("prod", want("app", repository_policy=wider))
    fc = only_field(only(plan_one(reg, have("app", repository_policy=POLICY)).changes))
    assert fc.diff == ("~ Statement[Sid=Pull].Principal.AWS: + 222222222222",)
    assert fc.after == wider


def test_tags_are_one_change_with_the_managed_keys_and_per_key_lines() -> None:
    reg = registry("prod", want("app", tags={"team": "a", "env": "prod"}, ignore_tags={"cost"}))
    actual = have("app", tags={"team": "b", "old": "x", "cost": "42", "managed-by": "regform"})
    fc = only_field(only(plan_one(reg, actual).changes))
    assert fc.path == m.TAGS
    assert fc.before == {"team": "b", "old": "x"}
    assert fc.after == {"team": "a", "env": "prod"}
    assert fc.diff == ('+ env: "prod"', '- old: "x"', '~ team: "b" -> "a"')


def test_ignored_tags_never_change() -> None:
    reg = registry("prod", want("app", tags={"team": "a"}, ignore_tags={"cost", "owner"}))
    actual = have("app", tags={"team": "a", "cost": "1", "owner": "x"})
    assert plan_one(reg, actual).changes == ()


def test_tag_ownership_adds_the_ownership_tag_to_declared_repositories() -> None:
    reg = registry("prod", want("app", scan_on_push=True), ownership="tag")
    fc = only_field(only(plan_one(reg, have("app", scan_on_push=True, tags={"x": "1"})).changes))
    assert (fc.path, fc.before, fc.after) == (m.TAGS, {}, {"managed-by": "regform"})
    tagged = have("app", scan_on_push=True, tags={"x": "1", "managed-by": "regform"})
    assert plan_one(reg, tagged).changes == ()


def test_explicit_aes256_equals_the_default() -> None:
    reg = registry("prod", want("app", encryption=Encryption("AES256")))
    assert plan_one(reg, have("app")).changes == ()


def test_kms_compared_by_resolved_arn() -> None:
    reg = registry("prod", want("app", encryption=Encryption("KMS", KEY_A)))
    assert plan_one(reg, have("app", encryption=Encryption("KMS", KEY_A))).changes == ()
    change = only(plan_one(reg, have("app", encryption=Encryption("KMS", KEY_B))).changes)
    assert change.action is Action.REPLACE


def test_encryption_change_replaces_with_a_note_and_a_guard() -> None:
    reg = registry("prod", want("app", encryption=Encryption("KMS", KEY_A), scan_on_push=True))
    result = plan_one(reg, have("app", scan_on_push=False, info={"image_count": 7}))
    change = only(result.changes)
    assert change.action is Action.REPLACE
    assert change.force_delete
    by_path = {f.path: f for f in change.fields}
    assert by_path[m.ENCRYPTION].forces_replacement
    assert not by_path[m.SCAN_ON_PUSH].forces_replacement
    assert change.notes == (f"{REPLACE_NOTE} (7 images)",)
    assert change.after is not None and change.after["tags"] == {"managed-by": "regform"}
    assert [(g.flag, g.message) for g in result.guards] == [
        ("--allow-destroy", "prod/app must be replaced (deletes every image in it)")
    ]


def test_undeclared_repository_in_scope_with_prune_is_deleted() -> None:
    reg = registry("prod", prune=True, force_delete=True)
    result = plan_one(reg, have("old", info={"image_count": 3}))
    change = only(result.changes)
    assert change.action is Action.DELETE
    assert change.force_delete
    assert change.notes == ("deletes the repository and its 3 images",)
    assert [g.flag for g in result.guards] == ["--allow-destroy"]


def test_delete_of_a_repository_holding_images_without_force_delete_warns() -> None:
    result = plan_one(registry("prod", prune=True), have("old", info={"image_count": 3}))
    change = only(result.changes)
    assert not change.force_delete
    assert "force_delete is off" in change.notes[0]
    assert any("prod/old holds 3 images" in w for w in result.warnings)


def test_without_prune_undeclared_repositories_are_unmanaged() -> None:
    result = plan_one(registry("prod"), have("old"))
    assert result.changes == ()
    assert [(u.name, u.in_scope, u.reason) for u in result.unmanaged] == [
        ("old", True, "prune is off")
    ]


def test_repositories_outside_scope_are_never_touched() -> None:
    reg = registry("prod", prune=True, scope=("team-a/*",))
    result = plan_one(reg, have("team-a/old"), have("team-b/app"))
    assert [c.name for c in result.changes] == ["team-a/old"]
    assert [(u.name, u.in_scope) for u in result.unmanaged] == [("team-b/app", False)]
    assert "team-a/*" in result.unmanaged[0].reason


def test_ownership_by_tag_deletes_only_tagged_repositories() -> None:
    reg = registry("prod", prune=True, ownership="tag")
    tagged = have("mine", tags={"managed-by": "regform"})
    other = have("theirs", tags={"managed-by": "someone-else"})
    result = plan_one(reg, tagged, other)
    assert [(c.name, c.action) for c in result.changes] == [("mine", Action.DELETE)]
    assert [(u.name, u.reason) for u in result.unmanaged] == [
        ("theirs", "not tagged managed-by=regform")
    ]


def test_ownership_scope_keeps_an_undeclared_ownership_tag() -> None:
    reg = registry("prod", want("app", tags={"team": "a"}))
    assert plan_one(reg, have("app", tags={"team": "a", "managed-by": "regform"})).changes == ()


def test_unsupported_fields_are_never_planned() -> None:
    reg = registry("local", want("app", image_tag_mutability="IMMUTABLE"), provider="distribution")
    result = plan_one(reg, have("app", loaded=DISTRIBUTION.fields), caps=DISTRIBUTION)
    assert result.changes == ()
    assert any("image_tag_mutability not supported" in w for w in result.warnings)


def test_provider_that_cannot_create_or_delete() -> None:
    reg = registry(
        "local", want("new", lifecycle_policy=UNTAGGED), provider="distribution", prune=True
    )
    result = plan_one(reg, have("old", loaded=DISTRIBUTION.fields), caps=DISTRIBUTION)
    assert result.changes == ()
    assert any("cannot create" in w for w in result.warnings)
    assert [(u.name, u.in_scope) for u in result.unmanaged] == [("old", True)]


def test_field_not_read_is_not_compared() -> None:
    reg = registry("prod", want("app", lifecycle_policy=UNTAGGED))
    result = plan_one(reg, have("app", loaded={m.MUTABILITY}))
    assert result.changes == ()
    assert result.warnings == ("prod/app: lifecycle_policy was not read; not compared",)


def _fleet(n: int, changed: int, **options: Any) -> Any:
    repos = [want(f"r{i:02}", image_tag_mutability="IMMUTABLE") for i in range(n)]
    actual = [
        have(f"r{i:02}", image_tag_mutability="MUTABLE" if i < changed else "IMMUTABLE")
        for i in range(n)
    ]
    return plan_one(registry("prod", *repos, **options), *actual)


def test_threshold_guard_when_too_many_owned_repositories_change() -> None:
    over = _fleet(10, 4)
    assert [g.flag for g in over.guards] == ["--force"]
    assert "4 of 10 owned repositories" in over.guards[0].message
    assert _fleet(10, 3).guards == ()  # 30% is not over 30%
    assert _fleet(9, 9).guards == ()  # fewer owned repositories than min_repositories
    strict = _fleet(4, 1, safety=SafetySettings(max_change_percent=10, min_repositories=2))
    assert [g.flag for g in strict.guards] == ["--force"]


def test_changes_sorted_by_registry_action_then_name() -> None:
    reg = registry(
        "prod",
        want("b-new", scan_on_push=True),
        want("a-new", scan_on_push=True),
        want("z-upd", scan_on_push=True),
        want("y-rep", encryption=Encryption("KMS", KEY_A)),
        prune=True,
    )
    result = plan_one(reg, have("z-upd"), have("y-rep"), have("c-old"), have("a-old"))
    assert [(c.action.value, c.name) for c in result.changes] == [
        ("create", "a-new"),
        ("create", "b-new"),
        ("update", "z-upd"),
        ("replace", "y-rep"),
        ("delete", "a-old"),
        ("delete", "c-old"),
    ]
    other = plan_one(registry("dev", want("x", scan_on_push=True)))
    plan = combine({"prod": result, "dev": other}, registries={"prod": "ecr", "dev": "ecr"})
    assert [c.registry for c in plan.changes][:1] == ["dev"]


def test_targets_limit_changes_and_unmanaged() -> None:
    reg = registry(
        "prod", want("team-a/app", scan_on_push=True), want("team-b/app", scan_on_push=True)
    )
    result = plan_one(reg, have("team-a/legacy"), targets=["team-a/*"])
    assert [c.name for c in result.changes] == ["team-a/app"]
    assert [u.name for u in result.unmanaged] == ["team-a/legacy"]


REGISTRY_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "Rep",
            "Effect": "Allow",
            "Principal": {"AWS": "111111111111"},
            "Action": "ecr:ReplicateImage",
            "Resource": "*",
        }
    ],
}


def test_registry_settings_are_planned_semantically_and_deletes_are_guarded() -> None:
    reg = registry("prod", settings={"registry_policy": REGISTRY_POLICY})
    created = plan_registry(reg, state(settings={"registry_policy": None}), ECR)
    change = only(created.changes)
    assert (change.kind, change.name, change.action) == (
        "registry_policy",
        "registry",
        Action.CREATE,
    )
    assert created.guards == ()
    statement = {
        **REGISTRY_POLICY["Statement"][0],
        "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
    }
    same = {**REGISTRY_POLICY, "Statement": [statement]}
    assert plan_registry(reg, state(settings={"registry_policy": same}), ECR).changes == ()

    removed = plan_registry(
        registry("prod", settings={"registry_policy": None}),
        state(settings={"registry_policy": REGISTRY_POLICY}),
        ECR,
    )
    assert only(removed.changes).action is Action.DELETE
    assert [(g.flag, g.message) for g in removed.guards] == [
        ("--allow-destroy", "prod:registry_policy/registry will be deleted")
    ]


def test_state_checksum_follows_meaning_and_ignores_repositories_outside_scope() -> None:
    reg = registry("prod", want("team-a/app", repository_policy=POLICY), scope=("team-a/*",))
    base = state(have("team-a/app", repository_policy=POLICY))
    reordered = {**POLICY, "Statement": POLICY["Statement"][0]}
    same = state(have("team-a/app", repository_policy=reordered), have("other/x"))
    changed = state(have("team-a/app", repository_policy=None))
    assert state_checksum(base, reg) == state_checksum(same, reg)
    assert state_checksum(base, reg) != state_checksum(changed, reg)


def test_plan_round_trips_through_its_json_form() -> None:
    reg = registry(
        "prod",
        want("new", lifecycle_policy=UNTAGGED, lifecycle_name="untagged"),
        want("upd", repository_policy=POLICY, tags={"a": "b"}),
        want("rep", encryption=Encryption("KMS", KEY_A)),
        prune=True,
    )
    result = plan_one(reg, have("upd"), have("rep"), have("old"))
    plan = combine(
        {"prod": result},
        registries={"prod": "ecr"},
        config_checksum="c",
        state_checksums={"prod": "s"},
        api_calls={"DescribeRepositories": 1},
        targets=["*"],
    )
    assert Plan.from_dict(plan.to_dict()) == plan
    assert plan.summary == {"create": 1, "update": 1, "replace": 1, "delete": 1}


def test_without_native_lifecycle_the_policy_is_enforced_by_deleting_images() -> None:
    now = datetime(2026, 6, 1, tzinfo=UTC)
    keep_two = {
        "rules": [
            {
                "rulePriority": 1,
                "selection": {
                    "tagStatus": "tagged",
                    "tagPrefixList": ["v"],
                    "countType": "imageCountMoreThan",
                    "countNumber": 2,
                },
                "action": {"type": "expire"},
            }
        ]
    }
    images = [Image(f"sha256:{i:064x}", (f"v{i}",), now - timedelta(days=10 - i)) for i in range(5)]
    reg = registry(
        "local",
        want("team/app", lifecycle_policy=keep_two, lifecycle_name="releases"),
        want("team/none", lifecycle_policy=None),
        provider="distribution",
    )
    actual = state(have("team/app", loaded=()), have("team/none", loaded=()))
    assert enforced_repositories(reg.repositories, actual, DISTRIBUTION) == ["team/app"]
    assert enforced_repositories(reg.repositories, actual, ECR) == []

    result = plan_registry(reg, actual, DISTRIBUTION, images={"team/app": images}, now=now)
    change = only(result.changes)
    assert (change.kind, change.name, change.action) == ("images", "team/app", Action.DELETE)
    assert change.fields[0].before == [img.digest for img in images[:3]]
    assert result.warnings == ()  # the policy is not a stored field there: nothing "not read"
    assert [(g.flag, g.message) for g in result.guards] == [
        ("--allow-destroy", "local/team/app: 3 images will be deleted (lifecycle)")
    ]

    one = plan_registry(reg, actual, DISTRIBUTION, images={"team/app": images[:3]}, now=now)
    assert [g.message for g in one.guards] == [
        "local/team/app: 1 image will be deleted (lifecycle)"
    ]
