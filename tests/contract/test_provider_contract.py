"""The provider contract, run by every provider: what the core relies on, observed through the
public pipeline (plan, apply, plan again) and the provider's own methods."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from conftest import NOW, Harness

from regform import apply_plan, make_plan
from regform import model as m
from regform.errors import RegformError
from regform.model import Config, Repository
from regform.plan import IMAGES, REPOSITORY, Action, Change, FieldChange, Plan

#: keep the newest image, expire the others
KEEP_ONE = {
    "rules": [
        {
            "rulePriority": 1,
            "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 1},
            "action": {"type": "expire"},
        }
    ]
}


def _plan(h: Harness, *repos: Repository, prune: bool = False) -> Plan:
    registry = dataclasses.replace(
        h.registry,
        repositories={r.name: r for r in repos},
        prune=prune,
        scope=(h.name("*"),),
    )
    config = Config(registries={registry.name: registry})
    return make_plan(config, {registry.name: h.provider}, now=NOW)


def _apply(h: Harness, plan: Plan) -> None:
    result = apply_plan(plan, {h.registry.name: h.provider}, allow_destroy=True)
    assert result.ok, result


def _stored_fields(h: Harness) -> frozenset[str]:
    """The fields the registry itself keeps (an enforced lifecycle is not kept anywhere)."""
    caps = h.provider.capabilities
    return caps.fields - ({m.LIFECYCLE_POLICY} if not caps.native_lifecycle else set())


def _want(h: Harness, name: str, **values: object) -> Repository:
    chosen = {k: v for k, v in values.items() if k in _stored_fields(h)}
    return Repository(name=name, managed=frozenset(chosen), **chosen)


def test_lists_a_repository_that_exists(harness: Harness) -> None:
    name = harness.name("listed")
    harness.seed(name, "v1", NOW)
    listed = harness.provider.list_repositories()
    assert name in listed and listed[name].name == name
    assert listed[name].loaded <= harness.provider.capabilities.fields


def test_reads_the_fields_asked_for_and_leaves_out_missing_names(harness: Harness) -> None:
    name, missing = harness.name("read"), harness.name("never-pushed")
    harness.seed(name, "v1", NOW)
    fields = _stored_fields(harness)
    found = harness.provider.read_details({name: fields, missing: fields})
    assert set(found) == {name}
    assert found[name].loaded >= fields
    assert found[name].loaded <= harness.provider.capabilities.fields
    assert set(harness.provider.read_named({name: fields, missing: fields})) == {name}


def test_lists_images_with_their_tags(harness: Harness) -> None:
    name = harness.name("images")
    digest = harness.seed(name, "v1", NOW - timedelta(days=1))
    images = harness.provider.list_images(name)
    assert [(i.digest, i.tags) for i in images] == [(digest, ("v1",))]
    assert harness.provider.list_images_many([name]) == {name: images}


def test_create_update_delete_each_leave_nothing_to_plan(harness: Harness) -> None:
    caps = harness.provider.capabilities
    name = harness.name("app")
    if not (caps.can_create and caps.can_delete):
        # repositories appear on push and stay: even with prune, no plan creates or deletes one
        harness.seed(name, "v1", NOW)
        never = _plan(harness, Repository(harness.name("never-pushed")), prune=True)
        assert [c for c in never.changes if c.kind == REPOSITORY] == []
        assert name in harness.provider.list_repositories()
        return
    first = _want(
        harness, name, image_tag_mutability="IMMUTABLE", tags={"team": "a"}, scan_on_push=True
    )
    created = _plan(harness, first)
    assert [(c.name, c.action) for c in created.changes] == [(name, Action.CREATE)]
    _apply(harness, created)
    assert _plan(harness, first).changes == ()

    second = _want(
        harness, name, image_tag_mutability="MUTABLE", tags={"team": "b"}, scan_on_push=False
    )
    updated = _plan(harness, second)
    assert [(c.name, c.action) for c in updated.changes] == [(name, Action.UPDATE)]
    _apply(harness, updated)
    assert _plan(harness, second).changes == ()

    deleted = _plan(harness, prune=True)
    assert [(c.name, c.action) for c in deleted.changes] == [(name, Action.DELETE)]
    _apply(harness, deleted)
    assert name not in harness.provider.list_repositories()
    assert _plan(harness, prune=True).changes == ()


def test_enforced_retention_deletes_once_and_then_has_nothing_to_plan(harness: Harness) -> None:
    name = harness.name("retained")
    for days, tag in ((3, "old"), (2, "older-than-new"), (1, "new")):
        harness.seed(name, tag, NOW - timedelta(days=days))
    declared = Repository(
        name=name,
        managed=frozenset({m.LIFECYCLE_POLICY}),
        lifecycle_policy=harness.lifecycle(KEEP_ONE),
    )
    plan = _plan(harness, declared)
    if harness.provider.capabilities.native_lifecycle:
        # the registry evaluates the policy itself: regform sets it and deletes no image
        assert [(c.kind, c.name, c.action) for c in plan.changes] == [
            (REPOSITORY, name, Action.UPDATE)
        ]
        _apply(harness, plan)
        assert len(harness.provider.list_images(name)) == 3
        assert _plan(harness, declared).changes == ()
        return
    assert [(c.kind, c.name, c.action) for c in plan.changes] == [(IMAGES, name, Action.DELETE)]
    _apply(harness, plan)
    assert [i.tags for i in harness.provider.list_images(name)] == [("new",)]
    assert _plan(harness, declared).changes == ()


def test_capability_flags_are_honoured(harness: Harness) -> None:
    caps, name = harness.provider.capabilities, harness.name("flags")
    harness.seed(name, "v1", NOW)
    if not caps.can_create:
        create = Change(
            harness.registry.name,
            REPOSITORY,
            harness.name("new"),
            Action.CREATE,
            after=Repository(harness.name("new")).to_dict(),
        )
        with pytest.raises(RegformError):
            harness.provider.apply(create)
    if not caps.can_delete:
        delete = Change(harness.registry.name, REPOSITORY, name, Action.DELETE, force_delete=True)
        with pytest.raises(RegformError):
            harness.provider.apply(delete)
        assert name in harness.provider.list_repositories()
    unsupported = frozenset(m.REPOSITORY_FIELDS) - caps.fields
    found = harness.provider.read_details({name: frozenset(m.REPOSITORY_FIELDS)})
    assert not (found[name].loaded & unsupported)


def test_errors_are_regform_errors_naming_the_repository(harness: Harness) -> None:
    name = harness.name("absent")
    if harness.provider.capabilities.native_lifecycle:
        change = Change(
            harness.registry.name,
            REPOSITORY,
            name,
            Action.UPDATE,
            fields=(FieldChange(m.MUTABILITY, "MUTABLE", "IMMUTABLE"),),
            after=Repository(name, image_tag_mutability="IMMUTABLE").to_dict(),
        )
    else:
        gone = {"digest": "sha256:" + "0" * 64, "tags": ["v1"], "references": []}
        change = Change(
            harness.registry.name,
            IMAGES,
            name,
            Action.DELETE,
            before={"repository": name, "images": [gone]},
        )
    with pytest.raises(RegformError) as caught:
        harness.provider.apply(change)
    assert name in str(caught.value)
