"""Readable rules -> ECR lifecycle JSON and back."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from regform.lifecycle import (
    compile_rules,
    decompile,
    normalize_policy,
    same_policy,
    validate_policy,
)

READABLE: list[dict[str, Any]] = [
    {"description": "keep the last 20 releases", "tag_patterns": ["v*.*.*"], "keep_last": 20},
    {"tag_prefixes": ["pr-", "build-"], "older_than_days": 14},
    {"untagged": True, "older_than_days": 1},
    {"tag_patterns": ["sha-*"], "not_pulled_for_days": 90, "action": "archive"},
    {"any": True, "storage_class": "archive", "archived_for_days": 365},
    {"any": True, "storage_class": "standard", "keep_last": 500, "action": "archive"},
]

ECR: dict[str, Any] = {
    "rules": [
        {
            "rulePriority": 1,
            "description": "keep the last 20 releases",
            "selection": {
                "tagStatus": "tagged",
                "tagPatternList": ["v*.*.*"],
                "countType": "imageCountMoreThan",
                "countNumber": 20,
            },
            "action": {"type": "expire"},
        },
        {
            "rulePriority": 2,
            "selection": {
                "tagStatus": "tagged",
                "tagPrefixList": ["pr-", "build-"],
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": 14,
            },
            "action": {"type": "expire"},
        },
        {
            "rulePriority": 3,
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": 1,
            },
            "action": {"type": "expire"},
        },
        {
            "rulePriority": 4,
            "selection": {
                "tagStatus": "tagged",
                "tagPatternList": ["sha-*"],
                "countType": "sinceImagePulled",
                "countUnit": "days",
                "countNumber": 90,
            },
            "action": {"type": "transition", "targetStorageClass": "archive"},
        },
        {
            "rulePriority": 5,
            "selection": {
                "tagStatus": "any",
                "storageClass": "archive",
                "countType": "sinceImageTransitioned",
                "countUnit": "days",
                "countNumber": 365,
            },
            "action": {"type": "expire"},
        },
        {
            "rulePriority": 6,
            "selection": {
                "tagStatus": "any",
                "storageClass": "standard",
                "countType": "imageCountMoreThan",
                "countNumber": 500,
            },
            "action": {"type": "transition", "targetStorageClass": "archive"},
        },
    ]
}


def test_compile_gives_ecr_json_with_priorities_in_rule_order() -> None:
    doc = compile_rules(READABLE)
    assert doc == ECR
    assert validate_policy(doc) == []


def test_compiled_keys_follow_the_order_of_the_ecr_documentation() -> None:
    rule = compile_rules(READABLE[1:2])["rules"][0]
    assert list(rule) == ["rulePriority", "selection", "action"]
    assert list(rule["selection"]) == [
        "tagStatus",
        "tagPrefixList",
        "countType",
        "countUnit",
        "countNumber",
    ]


def test_decompile_inverts_compile() -> None:
    assert decompile(ECR) == READABLE


def test_decompile_accepts_rules_listed_out_of_priority_order() -> None:
    shuffled = {"rules": list(reversed(copy.deepcopy(ECR["rules"])))}
    assert decompile(shuffled) == READABLE


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda d: d["rules"][1].update(rulePriority=7), "priorities are not 1..n"),
        (lambda d: d["rules"][0]["selection"].update(tagPrefixList=["v"]), "two tag lists"),
        (lambda d: d["rules"][0]["selection"].update(countUnit="days"), "countUnit on a count"),
        (lambda d: d["rules"][1]["selection"].update(countUnit="hours"), "countUnit not days"),
        (lambda d: d["rules"][2]["selection"].pop("countUnit"), "missing countUnit"),
        (lambda d: d["rules"][2]["selection"].update(tagPrefixList=["x"]), "untagged with list"),
        (lambda d: d["rules"][0].update(note="x"), "unknown rule key"),
        (lambda d: d.update(version=1), "unknown top-level key"),
        (lambda d: d["rules"][0]["action"].update(type="delete"), "unknown action"),
        (lambda d: d["rules"][3]["action"].pop("targetStorageClass"), "transition w/o target"),
        (lambda d: d["rules"][0]["action"].update(targetStorageClass="archive"), "expire + target"),
        (lambda d: d["rules"][0]["selection"].update(countNumber=2.0), "fractional count"),
        (lambda d: d["rules"][0].update(description=None), "null description"),
        (lambda d: d["rules"][3]["action"].update(type="expire"), "pull-based expire"),
        (lambda d: d["rules"][4]["selection"].pop("storageClass"), "transitioned on standard"),
        (lambda d: d.update(rules=[]), "no rules"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_decompile_returns_none_without_a_readable_equivalent(change: Any, why: str) -> None:
    doc = copy.deepcopy(ECR)
    change(doc)
    assert decompile(doc) is None, why


def test_decompile_keeps_what_ecr_would_read_the_same() -> None:
    # An empty description and an explicit standard storage class both survive the round trip.
    doc = copy.deepcopy(ECR)
    doc["rules"][0]["description"] = ""
    readable = decompile(doc)
    assert readable is not None
    assert readable[0]["description"] == ""
    assert compile_rules(readable) == doc


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (
            {"keep_last": 3},
            "lifecycle rule 1: say what the rule selects with exactly one of tag_prefixes, "
            "tag_patterns, untagged or any (found none)",
        ),
        (
            {"untagged": True, "any": True, "keep_last": 3},
            "lifecycle rule 1: say what the rule selects with exactly one of tag_prefixes, "
            "tag_patterns, untagged or any (found untagged, any)",
        ),
        (
            {"any": True},
            "lifecycle rule 1: say when the rule acts with exactly one of keep_last, "
            "older_than_days, not_pulled_for_days or archived_for_days (found none)",
        ),
        (
            {"any": True, "keep_last": 3, "older_than_days": 3},
            "lifecycle rule 1: say when the rule acts with exactly one of keep_last, "
            "older_than_days, not_pulled_for_days or archived_for_days "
            "(found keep_last, older_than_days)",
        ),
        (
            {"untagged": False, "keep_last": 3},
            "lifecycle rule 1: untagged can only be true (leave it out to select something else)",
        ),
        (
            {"any": True, "not_pulled_for_days": 30},
            "lifecycle rule 1: not_pulled_for_days needs action: archive (ECR cannot expire "
            "images by pull time; archive them, then expire them with archived_for_days)",
        ),
        (
            {"any": True, "archived_for_days": 365},
            "lifecycle rule 1: archived_for_days needs storage_class: archive",
        ),
        (
            {
                "any": True,
                "storage_class": "archive",
                "archived_for_days": 365,
                "action": "archive",
            },
            "lifecycle rule 1: archived_for_days can only expire images "
            "(they are already archived)",
        ),
        (
            {"any": True, "storage_class": "archive", "keep_last": 3},
            "lifecycle rule 1: storage_class: archive only works with archived_for_days",
        ),
        (
            {"any": True, "keep_last": 0},
            "lifecycle rule 1: keep_last must be a whole number of at least 1, not 0",
        ),
        (
            {"any": True, "keep_last": True},
            "lifecycle rule 1: keep_last must be a whole number of at least 1, not True",
        ),
        (
            {"tag_prefixes": [], "keep_last": 3},
            "lifecycle rule 1: tag_prefixes must be a non-empty list of non-empty strings",
        ),
        (
            {"tag_patterns": "v*", "keep_last": 3},
            "lifecycle rule 1: tag_patterns must be a non-empty list of non-empty strings",
        ),
        (
            {"any": True, "keep_last": 3, "action": "delete"},
            "lifecycle rule 1: action must be expire or archive, not 'delete'",
        ),
        (
            {"any": True, "keep_last": 3, "storage_class": "glacier"},
            "lifecycle rule 1: storage_class must be standard or archive, not 'glacier'",
        ),
        ({"any": True, "keep_last": 3, "count": 1}, "lifecycle rule 1: unknown key 'count'"),
    ],
)
def test_compile_refuses_rules_ecr_cannot_express(rule: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as caught:
        compile_rules([rule])
    assert str(caught.value) == message


def test_compile_error_names_the_rule_position() -> None:
    with pytest.raises(ValueError, match=r"^lifecycle rule 3: "):
        compile_rules([READABLE[0], READABLE[1], {"any": True}])


def test_same_policy_ignores_rule_order_tag_order_and_default_storage_class() -> None:
    other = copy.deepcopy(ECR)
    other["rules"].reverse()
    other["rules"][4]["selection"]["tagPrefixList"] = ["build-", "pr-"]  # was rule 2
    del other["rules"][0]["selection"]["storageClass"]  # was rule 6, "standard"
    assert same_policy(ECR, other)
    assert normalize_policy(ECR) == normalize_policy(other)
    other["rules"][0]["selection"]["countNumber"] = 501
    assert not same_policy(ECR, other)
