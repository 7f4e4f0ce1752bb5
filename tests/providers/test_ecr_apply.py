"""Writing to ECR: each action and field makes the calls it needs; the registry ends up right."""

from __future__ import annotations

import dataclasses
import json
import logging
from typing import Any

import pytest
from ecr_helpers import (
    LIFECYCLE,
    LIFECYCLE_2,
    POLICY,
    POLICY_2,
    create,
    fail_first,
    field_change,
    harness,
    read_all,
    update,
)
from ecr_images import push_image

from regform import model as m
from regform.errors import ProviderError
from regform.model import Encryption, Repository
from regform.plan import REPOSITORY, Action, Change

pytestmark = pytest.mark.server

FULL = Repository(
    name="team/app",
    image_tag_mutability="IMMUTABLE_WITH_EXCLUSION",
    image_tag_mutability_exclusions=("dev-*",),
    scan_on_push=True,
    tags={"team": "a", "managed-by": "regform"},
    lifecycle_policy=LIFECYCLE,
    repository_policy=POLICY,
    managed=frozenset(m.REPOSITORY_FIELDS),
)


def _seed(endpoint: str, repo: Repository) -> None:
    harness(endpoint).provider.apply(create(repo))


def test_create_sets_every_field_atomically_then_the_documents(moto_reset: str) -> None:
    h = harness(moto_reset)

    h.provider.apply(create(FULL))

    assert h.writes() == ["CreateRepository", "PutLifecyclePolicy", "SetRepositoryPolicy"]
    got = read_all(moto_reset, FULL.name)
    assert got is not None
    for f in m.REPOSITORY_FIELDS:
        assert got.value(f) == FULL.value(f), f


def test_create_with_kms_key_stores_the_resolved_key(moto_reset: str, raw_kms: Any) -> None:
    meta = raw_kms.create_key()["KeyMetadata"]
    raw_kms.create_alias(AliasName="alias/at-rest", TargetKeyId=meta["KeyId"])
    h = harness(moto_reset)
    desired = h.provider.normalize_desired(
        Repository(name="enc", encryption=Encryption("KMS", "alias/at-rest"))
    )

    h.provider.apply(create(desired))

    got = read_all(moto_reset, "enc")
    assert got is not None and got.encryption == Encryption("KMS", meta["Arn"])


def test_mutability_and_exclusions_change_in_one_call(moto_reset: str) -> None:
    _seed(moto_reset, Repository(name="app", image_tag_mutability="MUTABLE"))
    h = harness(moto_reset)
    before = Repository(name="app")
    after = Repository(
        name="app",
        image_tag_mutability="IMMUTABLE_WITH_EXCLUSION",
        image_tag_mutability_exclusions=("dev-*", "pr-*"),
        managed=frozenset({m.MUTABILITY, m.MUTABILITY_EXCLUSIONS}),
    )

    h.provider.apply(
        update(
            before,
            after,
            field_change(m.MUTABILITY, "MUTABLE", "IMMUTABLE_WITH_EXCLUSION"),
            field_change(m.MUTABILITY_EXCLUSIONS, [], ["dev-*", "pr-*"]),
        )
    )

    assert h.writes() == ["PutImageTagMutability"]
    got = read_all(moto_reset, "app")
    assert got is not None
    assert (got.image_tag_mutability, got.image_tag_mutability_exclusions) == (
        "IMMUTABLE_WITH_EXCLUSION",
        ("dev-*", "pr-*"),
    )

    back = Repository(name="app", image_tag_mutability="IMMUTABLE", managed=after.managed)
    h.provider.apply(
        update(
            after,
            back,
            field_change(m.MUTABILITY, "IMMUTABLE_WITH_EXCLUSION", "IMMUTABLE"),
            field_change(m.MUTABILITY_EXCLUSIONS, ["dev-*", "pr-*"], []),
        )
    )
    got = read_all(moto_reset, "app")
    assert got is not None
    assert (got.image_tag_mutability, got.image_tag_mutability_exclusions) == ("IMMUTABLE", ())


def test_scan_on_push_change_warns_that_aws_deprecated_it(
    moto_reset: str, caplog: pytest.LogCaptureFixture
) -> None:
    _seed(moto_reset, Repository(name="app"))
    h = harness(moto_reset)
    after = Repository(name="app", scan_on_push=True, managed=frozenset({m.SCAN_ON_PUSH}))

    with caplog.at_level(logging.WARNING):
        h.provider.apply(
            update(Repository(name="app"), after, field_change(m.SCAN_ON_PUSH, False, True))
        )
        h.provider.apply(
            update(after, Repository(name="app"), field_change(m.SCAN_ON_PUSH, True, False))
        )

    assert h.writes() == ["PutImageScanningConfiguration", "PutImageScanningConfiguration"]
    warnings = [r for r in caplog.records if "deprecated" in r.getMessage()]
    assert len(warnings) == 1
    got = read_all(moto_reset, "app")
    assert got is not None and got.scan_on_push is False


def test_tags_are_added_changed_and_removed_by_key(moto_reset: str) -> None:
    start = {"keep": "1", "change": "2", "drop": "3"}
    _seed(moto_reset, Repository(name="app", tags=start))
    h = harness(moto_reset)
    wanted = {"keep": "1", "change": "20", "new": "4"}
    after = Repository(name="app", tags=wanted, managed=frozenset({m.TAGS}))

    h.provider.apply(
        update(Repository(name="app", tags=start), after, field_change(m.TAGS, start, wanted))
    )

    assert sorted(h.writes()) == ["TagResource", "UntagResource"]
    got = read_all(moto_reset, "app")
    assert got is not None and got.tags == wanted


def test_tags_changed_per_key_paths(moto_reset: str) -> None:
    _seed(moto_reset, Repository(name="app", tags={"a": "1", "b": "2"}))
    h = harness(moto_reset)
    after = Repository(name="app", tags={"a": "9", "c": "3"}, managed=frozenset({m.TAGS}))

    h.provider.apply(
        update(
            Repository(name="app"),
            after,
            field_change("tags.a", "1", "9"),
            field_change("tags.b", "2", None),
            field_change("tags.c", None, "3"),
        )
    )

    got = read_all(moto_reset, "app")
    assert got is not None and got.tags == {"a": "9", "c": "3"}


def test_lifecycle_change_is_exactly_one_put(moto_reset: str) -> None:
    _seed(moto_reset, Repository(name="app", lifecycle_policy=LIFECYCLE))
    h = harness(moto_reset)
    after = Repository(
        name="app", lifecycle_policy=LIFECYCLE_2, managed=frozenset({m.LIFECYCLE_POLICY})
    )

    h.provider.apply(
        update(
            Repository(name="app"), after, field_change(m.LIFECYCLE_POLICY, LIFECYCLE, LIFECYCLE_2)
        )
    )

    assert h.sent == ["PutLifecyclePolicy"]
    got = read_all(moto_reset, "app")
    assert got is not None and got.lifecycle_policy == LIFECYCLE_2


def test_lifecycle_removed_when_declared_absent(moto_reset: str) -> None:
    _seed(moto_reset, Repository(name="app", lifecycle_policy=LIFECYCLE))
    h = harness(moto_reset)
    after = Repository(name="app", lifecycle_policy=None, managed=frozenset({m.LIFECYCLE_POLICY}))

    h.provider.apply(
        update(Repository(name="app"), after, field_change(m.LIFECYCLE_POLICY, LIFECYCLE, None))
    )

    assert h.sent == ["DeleteLifecyclePolicy"]
    got = read_all(moto_reset, "app")
    assert got is not None and got.lifecycle_policy is None


def test_repository_policy_set_and_removed(moto_reset: str) -> None:
    _seed(moto_reset, Repository(name="app", repository_policy=POLICY))
    h = harness(moto_reset)
    managed = frozenset({m.REPOSITORY_POLICY})
    changed = Repository(name="app", repository_policy=POLICY_2, managed=managed)
    removed = Repository(name="app", repository_policy=None, managed=managed)

    h.provider.apply(
        update(Repository(name="app"), changed, field_change(m.REPOSITORY_POLICY, POLICY, POLICY_2))
    )
    got = read_all(moto_reset, "app")
    assert got is not None and got.repository_policy == POLICY_2

    h.provider.apply(update(changed, removed, field_change(m.REPOSITORY_POLICY, POLICY_2, None)))
    got = read_all(moto_reset, "app")
    assert got is not None and got.repository_policy is None
    assert h.sent == ["SetRepositoryPolicy", "DeleteRepositoryPolicy"]


def test_document_change_with_a_nested_path_uses_the_whole_desired_document(
    moto_reset: str,
) -> None:
    _seed(moto_reset, Repository(name="app", lifecycle_policy=LIFECYCLE))
    h = harness(moto_reset)
    after = Repository(
        name="app", lifecycle_policy=LIFECYCLE_2, managed=frozenset({m.LIFECYCLE_POLICY})
    )

    h.provider.apply(
        update(Repository(name="app"), after, field_change("lifecycle_policy.rules[0]", "a", "b"))
    )

    got = read_all(moto_reset, "app")
    assert got is not None and got.lifecycle_policy == LIFECYCLE_2


def test_replace_deletes_with_images_then_creates(
    moto_reset: str, raw_ecr: Any, raw_kms: Any
) -> None:
    _seed(moto_reset, dataclasses.replace(FULL, encryption=Encryption()))
    push_image(raw_ecr, FULL.name, "v1")
    key_arn = raw_kms.create_key()["KeyMetadata"]["Arn"]
    h = harness(moto_reset)
    after = dataclasses.replace(FULL, encryption=Encryption("KMS", key_arn))
    change = Change(
        registry="main",
        kind=REPOSITORY,
        name=FULL.name,
        action=Action.REPLACE,
        fields=(field_change(m.ENCRYPTION, Encryption().to_dict(), after.encryption.to_dict()),),
        before=FULL.to_dict(),
        after=after.to_dict(),
    )

    h.provider.apply(change)

    assert h.writes() == [
        "DeleteRepository",
        "CreateRepository",
        "PutLifecyclePolicy",
        "SetRepositoryPolicy",
    ]
    got = read_all(moto_reset, FULL.name)
    assert got is not None
    assert got.encryption == Encryption("KMS", key_arn)
    assert got.tags == FULL.tags and got.lifecycle_policy == LIFECYCLE
    assert raw_ecr.describe_images(repositoryName=FULL.name)["imageDetails"] == []


def _delete(name: str, *, force: bool) -> Change:
    return Change(
        registry="main",
        kind=REPOSITORY,
        name=name,
        action=Action.DELETE,
        before={"name": name},
        force_delete=force,
    )


def test_deleting_a_repository_with_images_needs_force_delete(
    moto_reset: str, raw_ecr: Any
) -> None:
    raw_ecr.create_repository(repositoryName="full")
    push_image(raw_ecr, "full", "v1")
    h = harness(moto_reset)

    with pytest.raises(ProviderError, match="force_delete: true") as err:
        h.provider.apply(_delete("full", force=False))
    assert "holds images" in str(err.value)
    assert "full" in h.provider.list_repositories()

    h.provider.apply(_delete("full", force=True))
    assert "full" not in h.provider.list_repositories()


def test_deleting_an_empty_repository(moto_reset: str, raw_ecr: Any) -> None:
    raw_ecr.create_repository(repositoryName="empty")
    h = harness(moto_reset)

    h.provider.apply(_delete("empty", force=False))

    assert raw_ecr.describe_repositories()["repositories"] == []


def test_follow_up_calls_wait_for_a_repository_that_reads_back_as_missing(
    moto_reset: str,
) -> None:
    h = harness(moto_reset)
    injected = fail_first(
        h.clients.ecr,
        "PutLifecyclePolicy",
        "RepositoryNotFoundException",
        "The repository with name 'team/app' does not exist in the registry",
        times=2,
    )

    h.provider.apply(create(FULL))

    assert injected == [2]
    assert h.writes() == [
        "CreateRepository",
        "PutLifecyclePolicy",
        "PutLifecyclePolicy",
        "PutLifecyclePolicy",
        "SetRepositoryPolicy",
    ]
    got = read_all(moto_reset, FULL.name)
    assert got is not None and got.lifecycle_policy == LIFECYCLE


def test_repository_policy_waits_for_iam_to_see_a_new_principal(moto_reset: str) -> None:
    _seed(moto_reset, Repository(name="app"))
    h = harness(moto_reset)
    injected = fail_first(
        h.clients.ecr,
        "SetRepositoryPolicy",
        "InvalidParameterException",
        "Invalid parameter at 'PolicyText' failed to satisfy constraint: "
        "'Invalid repository policy provided'",
        times=2,
    )
    after = Repository(
        name="app", repository_policy=POLICY, managed=frozenset({m.REPOSITORY_POLICY})
    )

    h.provider.apply(
        update(Repository(name="app"), after, field_change(m.REPOSITORY_POLICY, None, POLICY))
    )

    assert injected == [2]
    assert h.sent == ["SetRepositoryPolicy"] * 3
    got = read_all(moto_reset, "app")
    assert got is not None and got.repository_policy == POLICY


def test_retries_are_bounded_and_end_in_a_clear_error(moto_reset: str) -> None:
    _seed(moto_reset, Repository(name="app"))
    h = harness(moto_reset)
    fail_first(
        h.clients.ecr,
        "SetRepositoryPolicy",
        "InvalidParameterException",
        "Principal not found: arn:aws:iam::111111111111:role/new",
        times=100,
    )
    after = Repository(
        name="app", repository_policy=POLICY, managed=frozenset({m.REPOSITORY_POLICY})
    )

    with pytest.raises(ProviderError, match="SetRepositoryPolicy.*Principal not found"):
        h.provider.apply(
            update(Repository(name="app"), after, field_change(m.REPOSITORY_POLICY, None, POLICY))
        )
    assert h.sent == ["SetRepositoryPolicy"] * 4  # NO_WAIT allows 4 attempts


def test_write_errors_name_registry_operation_and_aws_message(moto_reset: str) -> None:
    h = harness(moto_reset, registry="prod")
    after = Repository(name="ghost", scan_on_push=True, managed=frozenset({m.SCAN_ON_PUSH}))

    with pytest.raises(ProviderError) as err:
        h.provider.apply(
            update(Repository(name="ghost"), after, field_change(m.SCAN_ON_PUSH, False, True))
        )

    text = str(err.value)
    assert "'prod'" in text and "PutImageScanningConfiguration" in text and "ghost" in text


def test_unknown_change_kind_is_refused(moto_reset: str) -> None:
    h = harness(moto_reset)
    change = Change(registry="main", kind="mirrors", name="x", action=Action.CREATE, after={})
    with pytest.raises(ProviderError, match="mirrors"):
        h.provider.apply(change)
    assert h.sent == []


def test_reads_after_writes_see_the_new_state(moto_reset: str) -> None:
    h = harness(moto_reset)
    h.provider.list_repositories()
    h.provider.apply(create(Repository(name="fresh", tags={"a": "1"})))
    after = Repository(
        name="fresh", image_tag_mutability="IMMUTABLE", managed=frozenset({m.MUTABILITY})
    )
    h.provider.apply(
        update(Repository(name="fresh"), after, field_change(m.MUTABILITY, "MUTABLE", "IMMUTABLE"))
    )

    got = h.provider.read_details({"fresh": frozenset({m.TAGS})})["fresh"]

    assert (got.image_tag_mutability, got.tags) == ("IMMUTABLE", {"a": "1"})


def test_apply_through_the_factory(ecr_registry: Any, raw_ecr: Any) -> None:
    from regform.providers import build_provider

    provider = build_provider(ecr_registry("main"))
    provider.apply(create(Repository(name="made", lifecycle_policy=LIFECYCLE)))

    text = raw_ecr.get_lifecycle_policy(repositoryName="made")["lifecyclePolicyText"]
    assert json.loads(text) == LIFECYCLE
    assert provider.api_calls() == {"CreateRepository": 1, "PutLifecyclePolicy": 1}


def test_tag_writes_reuse_the_arn_from_the_listing(moto_reset: str) -> None:
    _seed(moto_reset, Repository(name="app"))
    h = harness(moto_reset)
    h.provider.list_repositories()
    after = Repository(name="app", tags={"k": "v"}, managed=frozenset({m.TAGS}))

    h.provider.apply(update(Repository(name="app"), after, field_change(m.TAGS, {}, {"k": "v"})))
    h.provider.apply(update(after, Repository(name="app"), field_change(m.TAGS, {"k": "v"}, {})))

    assert h.sent == ["DescribeRepositories", "TagResource", "UntagResource"]
