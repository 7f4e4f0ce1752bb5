"""Retention enforced by regform (pure): which manifests a declared policy deletes, in which order,
and the change that carries them through plans."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from regform.lifecycle import compile_rules
from regform.model import UNDATED, Image
from regform.plan import IMAGES, Action, Plan, planned_deletions
from regform.planning.retention import (
    enforcement_change,
    images_checksum,
    select_deletions,
    unsupported_rules,
)

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
RETENTION = compile_rules(
    [
        {"tag_prefixes": ["v"], "keep_last": 2},
        {"tag_prefixes": ["0.0.0-"], "older_than_days": 14},
    ]
)
UNTAGGED_TOO = compile_rules(
    [
        {"tag_prefixes": ["v"], "keep_last": 1},
        {"untagged": True, "older_than_days": 1},
    ]
)


def d(name: str) -> str:
    return "sha256:" + hashlib.sha256(name.encode()).hexdigest()


def img(
    name: str,
    tags: Iterable[str] = (),
    days_ago: float | None = 1,
    *,
    parents: Iterable[str] = (),
    children: Iterable[str] = (),
) -> Image:
    return Image(
        digest=d(name),
        tags=tuple(tags),
        pushed_at=UNDATED if days_ago is None else NOW - timedelta(days=days_ago),
        referenced_by=tuple(d(p) for p in parents),
        references=tuple(d(c) for c in children),
    )


def deleted(policy: dict[str, object], images: dict[str, Image]) -> list[str]:
    """Names of what enforcing ``policy`` deletes, in deletion order."""
    name_of = {i.digest: n for n, i in images.items()}
    selection = select_deletions(policy, list(images.values()), NOW)
    return [name_of[x.image.digest] for x in selection.deletions]


def test_keep_last_and_age_rules_select_exactly_the_expected_images() -> None:
    images = {
        "v1": img("v1", ["v1"], 40),
        "v2": img("v2", ["v2"], 30),
        "v3": img("v3", ["v3", "latest"], 20),
        "v4": img("v4", ["v4"], 10),
        "pr_old": img("pr-old", ["0.0.0-pr1"], 15),
        "pr_new": img("pr-new", ["0.0.0-pr2"], 13),
        "other": img("other", ["nightly"], 100),
    }

    assert deleted(RETENTION, images) == ["v1", "v2", "pr_old"]


def test_a_child_is_never_deleted_while_its_index_stays() -> None:
    images = {
        "index": img("index", ["v9"], 1, children=["amd", "arm"]),
        "amd": img("amd", (), 50, parents=["index"]),
        "arm": img("arm", (), 50, parents=["index"]),
        "loose": img("loose", ["v1"], 60),
    }

    assert deleted(UNTAGGED_TOO, images) == ["loose"]


def test_an_expired_index_takes_its_untagged_children_but_not_tagged_or_shared_ones() -> None:
    images = {
        "new": img("new", ["v3"], 1, children=["shared"]),
        "old": img("old", ["v1"], 30, children=["amd", "arm", "shared", "tagged"]),
        "amd": img("amd", (), 31, parents=["old"]),
        "arm": img("arm", (), 31, parents=["old"]),
        "shared": img("shared", (), 31, parents=["old", "new"]),
        "tagged": img("tagged", ["arm-special"], 31, parents=["old"]),
    }
    policy = compile_rules([{"tag_prefixes": ["v"], "keep_last": 1}])

    order = deleted(policy, images)

    assert order[0] == "old"  # the index goes before what it references
    assert sorted(order[1:]) == ["amd", "arm"]


def test_tagged_children_of_a_deleted_index_are_judged_on_their_own() -> None:
    images = {
        "keep": img("keep", ["v3"], 1),
        "old": img("old", ["v1"], 30, children=["child"]),
        "child": img("child", ["v1-amd64"], 31, parents=["old"]),
    }
    policy = compile_rules([{"tag_prefixes": ["v"], "keep_last": 1}])

    # once the index is gone the child is an old v-image like any other: re-planning right
    # after apply must find nothing more, so it goes in the same plan
    assert deleted(policy, images) == ["old", "child"]


def test_images_without_a_creation_time_are_never_deleted_and_protect_their_children() -> None:
    images = {
        "undated": img("undated", ["v0"], None),
        "undated_index": img("undated-index", ["v00"], None, children=["child"]),
        "child": img("child", (), 90, parents=["undated-index"]),
        "v1": img("v1", ["v1"], 20),
        "v2": img("v2", ["v2"], 10),
        "v3": img("v3", ["v3"], 5),
    }
    policy = compile_rules(
        [{"tag_prefixes": ["v"], "keep_last": 2}, {"untagged": True, "older_than_days": 1}]
    )

    selection = select_deletions(policy, list(images.values()), NOW)

    assert deleted(policy, images) == ["v1"]
    assert {i.digest for i in selection.undated} == {d("undated"), d("undated-index")}


def test_the_change_lists_every_deleted_manifest_and_survives_a_saved_plan() -> None:
    images = {
        "v1": img("v1", ["v1"], 40),
        "v2": img("v2", ["v2", "stable"], 30),
        "v3": img("v3", ["v3"], 20),
        "v4": img("v4", ["v4"], 10),
    }

    change = enforcement_change(
        "local", "team/app", RETENTION, list(images.values()), NOW, lifecycle_name="ci"
    )

    assert change is not None
    assert (change.kind, change.action, change.name) == (IMAGES, Action.DELETE, "team/app")
    assert change.address == "local:images/team/app"
    assert change.fields[0].before == [d("v1"), d("v2")]
    assert change.fields[0].diff == (
        f"- {d('v1')}  v1  created {(NOW - timedelta(days=40)).isoformat()[:19]}  (rule 1)",
        f"- {d('v2')}  stable, v2  created {(NOW - timedelta(days=30)).isoformat()[:19]}  (rule 1)",
    )
    assert change.preview is not None
    assert (change.preview.total, change.preview.expire, change.preview.keep) == (4, 2, 2)
    assert change.notes[0] == (
        "lifecycle 'ci' enforced by regform: each manifest is deleted by digest, with every tag "
        "pointing at it"
    )
    saved = Plan.from_dict(json.loads(json.dumps(Plan(changes=(change,)).to_dict())))
    planned = planned_deletions(saved.changes[0])
    assert [(p.digest, p.tags) for p in planned] == [
        (d("v1"), frozenset({"v1"})),
        (d("v2"), frozenset({"v2", "stable"})),
    ]


def test_nothing_to_delete_is_no_change() -> None:
    images = {"v1": img("v1", ["v1"], 40), "v2": img("v2", ["v2"], 30)}

    assert enforcement_change("local", "team/app", RETENTION, list(images.values()), NOW) is None


def test_rules_needing_archive_or_pull_times_are_reported() -> None:
    policy = compile_rules(
        [
            {"tag_prefixes": ["v"], "not_pulled_for_days": 30, "action": "archive"},
            {"any": True, "storage_class": "archive", "archived_for_days": 90},
        ]
    )

    problems = unsupported_rules(policy)

    assert problems == [
        "rule 1: archiving is not possible here (only expire)",
        "rule 1: pull times are not recorded here (not_pulled_for_days)",
        "rule 2: there is no archive storage class here",
        "rule 2: images are never archived here (archived_for_days)",
    ]
    assert unsupported_rules(RETENTION) == []


def test_a_pushed_image_changes_the_images_checksum() -> None:
    before = [img("v1", ["v1"], 3)]
    after = [*before, img("v2", ["v2"], 0)]
    retagged = [img("v1", ["v1", "latest"], 3)]

    assert images_checksum({"a": before}) == images_checksum({"a": list(reversed(before))})
    assert images_checksum({"a": before}) != images_checksum({"a": after})
    assert images_checksum({"a": before}) != images_checksum({"a": retagged})
