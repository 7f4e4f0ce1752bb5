"""validate_policy: one broken document per documented constraint, with the exact issue reported.

Constraints come from the ECR user guide ("Lifecycle policy properties", "Automate the cleanup of
images by using lifecycle policies", "Examples of lifecycle policies") and the ECR quotas.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from regform.lifecycle import LifecycleIssue, policy_text, validate_policy


def count_rule(priority: int = 1, **selection: Any) -> dict[str, Any]:
    """A valid imageCountMoreThan rule; a selection key given as None is left out."""
    sel: dict[str, Any] = {"tagStatus": "tagged", "tagPrefixList": ["v"]}
    sel |= {"countType": "imageCountMoreThan", "countNumber": 5}
    return _rule(priority, sel, selection)


def since_rule(priority: int, count_type: str, days: int, **selection: Any) -> dict[str, Any]:
    """A valid-looking since* rule for any image; a selection key given as None is left out."""
    sel = {"tagStatus": "any", "countType": count_type, "countUnit": "days", "countNumber": days}
    return _rule(priority, sel, selection)


def _rule(priority: int, sel: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    sel = {k: v for k, v in (sel | changes).items() if v is not None}
    return {"rulePriority": priority, "selection": sel, "action": {"type": "expire"}}


def base() -> dict[str, Any]:
    return {"rules": [count_rule()]}


Mutation = Callable[[dict[str, Any]], None]


def set_in(*path: Any, value: Any) -> Mutation:
    def mutate(doc: dict[str, Any]) -> None:
        target: Any = doc
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

    return mutate


def drop(*path: Any) -> Mutation:
    def mutate(doc: dict[str, Any]) -> None:
        target: Any = doc
        for step in path[:-1]:
            target = target[step]
        del target[path[-1]]

    return mutate


def replace_rules(*rules: dict[str, Any]) -> Mutation:
    return set_in("rules", value=list(rules))


SEL = ("rules", 0, "selection")
ACT = ("rules", 0, "action")
TRANSITION = {"type": "transition", "targetStorageClass": "archive"}

# (id, mutation of the valid base document, expected path, expected message, rule index)
CASES: list[tuple[str, Mutation, str, str, int | None]] = [
    (
        "unknown-top-level-key",
        set_in("Rules", value=[]),
        "Rules",
        'Unknown key "Rules" in the policy (did you mean "rules"?); a policy holds only "rules".',
        None,
    ),
    ("no-rules-key", drop("rules"), "rules", 'The policy has no "rules" list.', None),
    (
        "rules-not-a-list",
        set_in("rules", value={}),
        "rules",
        '"rules" must be a list of rules.',
        None,
    ),
    (
        "empty-rules",
        set_in("rules", value=[]),
        "rules",
        "The policy has no rules; it needs at least one.",
        None,
    ),
    (
        "too-many-rules",
        replace_rules(*[count_rule(i, tagPrefixList=[f"t{i}"]) for i in range(1, 52)]),
        "rules",
        "The policy has 51 rules; ECR allows at most 50.",
        None,
    ),
    (
        "rule-not-an-object",
        set_in("rules", 0, value=[]),
        "rules[0]",
        "Each rule must be a JSON object.",
        0,
    ),
    (
        "unknown-rule-key",
        set_in("rules", 0, "priority", value=1),
        "rules[0].priority",
        'Unknown key "priority" in the rule (did you mean "rulePriority"?).',
        0,
    ),
    (
        "selection-key-in-rule",
        set_in("rules", 0, "tagStatus", value="any"),
        "rules[0].tagStatus",
        'Unknown key "tagStatus" in the rule (it belongs in "selection").',
        0,
    ),
    (
        "no-priority",
        drop("rules", 0, "rulePriority"),
        "rules[0].rulePriority",
        "The rule has no rulePriority; every rule needs its own whole number of 1 or more.",
        0,
    ),
    (
        "priority-string",
        set_in("rules", 0, "rulePriority", value="1"),
        "rules[0].rulePriority",
        'rulePriority must be a whole number of 1 or more, not "1".',
        0,
    ),
    (
        "priority-bool",
        set_in("rules", 0, "rulePriority", value=True),
        "rules[0].rulePriority",
        "rulePriority must be a whole number of 1 or more, not true.",
        0,
    ),
    (
        "priority-zero",
        set_in("rules", 0, "rulePriority", value=0),
        "rules[0].rulePriority",
        "rulePriority must be a whole number of 1 or more, not 0.",
        0,
    ),
    (
        "description-not-string",
        set_in("rules", 0, "description", value=5),
        "rules[0].description",
        "description must be a string.",
        0,
    ),
    (
        "no-selection",
        drop("rules", 0, "selection"),
        "rules[0].selection",
        'The rule has no "selection".',
        0,
    ),
    (
        "selection-not-object",
        set_in("rules", 0, "selection", value="any"),
        "rules[0].selection",
        '"selection" must be a JSON object.',
        0,
    ),
    (
        "unknown-selection-key",
        set_in(*SEL, "tagPrefixlist", value=["v"]),
        "rules[0].selection.tagPrefixlist",
        'Unknown key "tagPrefixlist" in the selection (did you mean "tagPrefixList"?).',
        0,
    ),
    (
        "no-tag-status",
        drop(*SEL, "tagStatus"),
        "rules[0].selection.tagStatus",
        'The selection has no tagStatus; use "tagged", "untagged" or "any".',
        0,
    ),
    (
        "tag-status-upper-case",
        set_in(*SEL, "tagStatus", value="TAGGED"),
        "rules[0].selection.tagStatus",
        'tagStatus must be one of "tagged", "untagged" or "any", not "TAGGED" '
        '(did you mean "tagged"?).',
        0,
    ),
    (
        "tagged-without-list",
        drop(*SEL, "tagPrefixList"),
        "rules[0].selection.tagStatus",
        'A rule with tagStatus "tagged" needs a tagPrefixList or a tagPatternList to say which '
        "tags it selects.",
        0,
    ),
    (
        "both-lists",
        set_in(*SEL, "tagPatternList", value=["v*"]),
        "rules[0].selection",
        "A rule can use tagPrefixList or tagPatternList, not both; split it into two rules or "
        "keep one list.",
        0,
    ),
    (
        "untagged-with-list",
        set_in(*SEL, "tagStatus", value="untagged"),
        "rules[0].selection.tagPrefixList",
        'tagPrefixList can only be used with tagStatus "tagged", not "untagged".',
        0,
    ),
    (
        "any-with-list",
        replace_rules(count_rule(tagStatus="any")),
        "rules[0].selection.tagPrefixList",
        'tagPrefixList can only be used with tagStatus "tagged", not "any".',
        0,
    ),
    (
        "list-not-a-list",
        set_in(*SEL, "tagPrefixList", value="v"),
        "rules[0].selection.tagPrefixList",
        "tagPrefixList must be a list of tag prefixes.",
        0,
    ),
    (
        "empty-prefix-list",
        set_in(*SEL, "tagPrefixList", value=[]),
        "rules[0].selection.tagPrefixList",
        "tagPrefixList is empty; list at least one of the tag prefixes to select.",
        0,
    ),
    (
        "empty-string-in-list",
        set_in(*SEL, "tagPrefixList", value=["v", ""]),
        "rules[0].selection.tagPrefixList[1]",
        "Each entry of tagPrefixList must be a non-empty string.",
        0,
    ),
    (
        "number-in-pattern-list",
        replace_rules(count_rule(tagPrefixList=None, tagPatternList=["v*", 7])),
        "rules[0].selection.tagPatternList[1]",
        "Each entry of tagPatternList must be a non-empty string.",
        0,
    ),
    (
        "five-wildcards",
        replace_rules(
            {
                "rulePriority": 1,
                "selection": {
                    "tagStatus": "tagged",
                    "tagPatternList": ["*test*1*2*3", "test*1*2*3*4*5*6"],
                    "countType": "imageCountMoreThan",
                    "countNumber": 1,
                },
                "action": {"type": "expire"},
            }
        ),
        "rules[0].selection.tagPatternList[1]",
        'The tag pattern "test*1*2*3*4*5*6" has 6 wildcards (*); ECR allows at most 4 in one '
        "pattern.",
        0,
    ),
    (
        "bad-storage-class",
        set_in(*SEL, "storageClass", value="glacier"),
        "rules[0].selection.storageClass",
        'storageClass must be one of "standard" or "archive", not "glacier".',
        0,
    ),
    (
        "no-count-type",
        drop(*SEL, "countType"),
        "rules[0].selection.countType",
        "The selection has no countType; use imageCountMoreThan, sinceImagePushed, "
        "sinceImagePulled or sinceImageTransitioned.",
        0,
    ),
    (
        "bad-count-type",
        set_in(*SEL, "countType", value="imageCountmorethan"),
        "rules[0].selection.countType",
        'countType must be one of "imageCountMoreThan", "sinceImagePushed", "sinceImagePulled" or '
        '"sinceImageTransitioned", not "imageCountmorethan" (did you mean "imageCountMoreThan"?).',
        0,
    ),
    (
        "count-unit-on-image-count",
        set_in(*SEL, "countUnit", value="days"),
        "rules[0].selection.countUnit",
        "countUnit cannot be used with countType imageCountMoreThan (it counts images, not days); "
        "remove it.",
        0,
    ),
    (
        "since-pushed-without-unit",
        replace_rules(since_rule(1, "sinceImagePushed", 14, countUnit=None)),
        "rules[0].selection.countUnit",
        'countUnit "days" is required when countType is sinceImagePushed.',
        0,
    ),
    (
        "since-pulled-without-unit",
        replace_rules(
            since_rule(1, "sinceImagePulled", 90, countUnit=None) | {"action": TRANSITION}
        ),
        "rules[0].selection.countUnit",
        'countUnit "days" is required when countType is sinceImagePulled.',
        0,
    ),
    (
        "count-unit-hours",
        replace_rules(since_rule(1, "sinceImagePushed", 14, countUnit="hours")),
        "rules[0].selection.countUnit",
        'countUnit must be "days", not "hours".',
        0,
    ),
    (
        "no-count-number",
        drop(*SEL, "countNumber"),
        "rules[0].selection.countNumber",
        "The selection has no countNumber; it needs a whole number of 1 or more.",
        0,
    ),
    (
        "count-number-zero",
        set_in(*SEL, "countNumber", value=0),
        "rules[0].selection.countNumber",
        "countNumber must be a whole number of 1 or more, not 0.",
        0,
    ),
    (
        "count-number-float",
        set_in(*SEL, "countNumber", value=2.5),
        "rules[0].selection.countNumber",
        "countNumber must be a whole number of 1 or more, not 2.5.",
        0,
    ),
    (
        "count-number-bool",
        set_in(*SEL, "countNumber", value=True),
        "rules[0].selection.countNumber",
        "countNumber must be a whole number of 1 or more, not true.",
        0,
    ),
    (
        "transitioned-without-storage-class",
        replace_rules(since_rule(1, "sinceImageTransitioned", 365)),
        "rules[0].selection.storageClass",
        'A sinceImageTransitioned rule must set storageClass "archive" (it expires images that '
        "are already archived).",
        0,
    ),
    (
        "transitioned-on-standard",
        replace_rules(since_rule(1, "sinceImageTransitioned", 365, storageClass="standard")),
        "rules[0].selection.storageClass",
        "A sinceImageTransitioned rule only selects archived images; "
        'set storageClass to "archive".',
        0,
    ),
    (
        "transitioned-under-90-days",
        replace_rules(since_rule(1, "sinceImageTransitioned", 30, storageClass="archive")),
        "rules[0].selection.countNumber",
        "Archived images must stay archived for at least 90 days, so a sinceImageTransitioned "
        "rule needs countNumber 90 or more, not 30.",
        0,
    ),
    (
        "transitioned-with-transition",
        replace_rules(
            since_rule(1, "sinceImageTransitioned", 365, storageClass="archive")
            | {"action": TRANSITION}
        ),
        "rules[0].action.type",
        'A sinceImageTransitioned rule can only expire images; set the action type to "expire".',
        0,
    ),
    (
        "archive-class-with-image-count",
        set_in(*SEL, "storageClass", value="archive"),
        "rules[0].selection.storageClass",
        'storageClass "archive" only works with countType sinceImageTransitioned; '
        "imageCountMoreThan rules select standard images.",
        0,
    ),
    (
        "pulled-with-expire",
        replace_rules(since_rule(1, "sinceImagePulled", 90)),
        "rules[0].action.type",
        'A sinceImagePulled rule must use the "transition" action: ECR cannot expire images by '
        "pull time. Archive them, then expire them with a sinceImageTransitioned rule.",
        0,
    ),
    (
        "no-action",
        drop("rules", 0, "action"),
        "rules[0].action",
        'The rule has no "action"; use {"type": "expire"} or {"type": "transition", '
        '"targetStorageClass": "archive"}.',
        0,
    ),
    (
        "action-not-object",
        set_in(*ACT, value="expire"),
        "rules[0].action",
        '"action" must be a JSON object.',
        0,
    ),
    (
        "unknown-action-key",
        set_in(*ACT, "target", value="archive"),
        "rules[0].action.target",
        'Unknown key "target" in the action.',
        0,
    ),
    (
        "no-action-type",
        set_in(*ACT, value={}),
        "rules[0].action.type",
        'The action has no type; use "expire" or "transition".',
        0,
    ),
    (
        "action-type-delete",
        set_in(*ACT, "type", value="delete"),
        "rules[0].action.type",
        'action type must be one of "expire" or "transition", not "delete".',
        0,
    ),
    (
        "transition-without-target",
        set_in(*ACT, value={"type": "transition"}),
        "rules[0].action.targetStorageClass",
        'A transition action needs targetStorageClass "archive".',
        0,
    ),
    (
        "transition-to-standard",
        set_in(*ACT, value={"type": "transition", "targetStorageClass": "standard"}),
        "rules[0].action.targetStorageClass",
        'targetStorageClass must be "archive", not "standard".',
        0,
    ),
    (
        "expire-with-target",
        set_in(*ACT, "targetStorageClass", value="archive"),
        "rules[0].action.targetStorageClass",
        "An expire action deletes images; remove targetStorageClass (it is only for transition).",
        0,
    ),
    (
        "duplicate-priority",
        replace_rules(count_rule(1), count_rule(1, tagPrefixList=["w"])),
        "rules[1].rulePriority",
        "rulePriority 1 is used by more than one rule; every rule needs its own priority.",
        1,
    ),
    (
        "any-not-last",
        replace_rules(count_rule(2, tagStatus="any", tagPrefixList=None), count_rule(3)),
        "rules[0].rulePriority",
        'A rule with tagStatus "any" is evaluated last, so it needs the highest rulePriority '
        "among the rules for standard images; the rule with rulePriority 3 comes after it.",
        0,
    ),
    (
        "two-any-rules-for-one-class",
        replace_rules(
            count_rule(1, tagStatus="any", tagPrefixList=None),
            since_rule(2, "sinceImagePushed", 30),
        ),
        "rules[0].rulePriority",
        'A rule with tagStatus "any" is evaluated last, so it needs the highest rulePriority '
        "among the rules for standard images; the rule with rulePriority 2 comes after it.",
        0,
    ),
    (
        "second-untagged-rule",
        replace_rules(
            since_rule(1, "sinceImagePushed", 14, tagStatus="untagged"),
            count_rule(2),
            since_rule(3, "sinceImagePushed", 30, tagStatus="untagged"),
        ),
        "rules[2].selection.tagStatus",
        "Only one rule may select untagged standard images; the rule with rulePriority 1 already "
        "does.",
        2,
    ),
    (
        "same-tag-list",
        replace_rules(
            count_rule(1, tagPrefixList=["a", "b"]), count_rule(2, tagPrefixList=["b", "a"])
        ),
        "rules[1].selection.tagPrefixList",
        "The rule with rulePriority 1 already selects standard images with the same tag prefixes "
        '["a", "b"]; each rule for one storage class needs its own set of tags.',
        1,
    ),
]


@pytest.mark.parametrize(
    ("mutate", "path", "message", "rule_index"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_each_violation_is_reported_once_with_its_path(
    mutate: Mutation, path: str, message: str, rule_index: int | None
) -> None:
    doc = base()
    mutate(doc)
    assert validate_policy(doc) == [LifecycleIssue(path, message, rule_index)]


def test_a_document_that_is_not_an_object_is_one_issue() -> None:
    assert validate_policy(["rules"]) == [
        LifecycleIssue("", 'A lifecycle policy must be a JSON object with a "rules" list.')
    ]


def test_policy_text_longer_than_30720_characters_is_rejected() -> None:
    rules = [count_rule(i, tagPrefixList=[f"team-{i}-"]) for i in range(1, 51)]
    for r in rules:
        r["description"] = "x" * 600
    doc = {"rules": rules}
    length = len(policy_text(doc))
    assert length > 30_720
    assert validate_policy(doc) == [
        LifecycleIssue(
            "",
            f"The policy is {length:,} characters long as compact JSON; ECR allows at most 30,720.",
        )
    ]
    for r in rules:
        r["description"] = "x" * 400
    assert len(policy_text(doc)) < 30_720
    assert validate_policy(doc) == []


def test_short_valid_policy_is_accepted() -> None:
    # The API's 100-character minimum is not a reason to reject a policy (none is that short).
    doc = {
        "rules": [
            {
                "rulePriority": 1,
                "selection": {
                    "tagStatus": "any",
                    "countType": "imageCountMoreThan",
                    "countNumber": 1,
                },
                "action": {"type": "expire"},
            }
        ]
    }
    assert validate_policy(doc) == []


def test_every_issue_is_reported_in_document_order() -> None:
    doc = {
        "rules": [
            {
                "rulePriority": 1,
                "selection": {
                    "tagStatus": "tagged",
                    "countType": "imageCountMoreThan",
                    "countNumber": 0,
                },
                "action": {"type": "expire"},
            },
            since_rule(1, "sinceImagePulled", 30),
        ],
        "version": 2,
    }
    assert [(i.path, i.rule_index) for i in validate_policy(doc)] == [
        ("version", None),
        ("rules[0].selection.tagStatus", 0),
        ("rules[0].selection.countNumber", 0),
        ("rules[1].action.type", 1),
        ("rules[1].rulePriority", 1),
    ]


def test_rules_for_different_storage_classes_do_not_conflict() -> None:
    # One untagged rule and one rule for tag prefix "v" per storage class, and an "any" rule
    # last for standard images while archive rules have lower priorities: all allowed.
    archived = {"storageClass": "archive"}
    doc = {
        "rules": [
            since_rule(1, "sinceImagePushed", 14, tagStatus="untagged"),
            since_rule(2, "sinceImageTransitioned", 90, tagStatus="untagged", **archived),
            count_rule(3, tagPrefixList=["v"]),
            since_rule(
                4,
                "sinceImageTransitioned",
                365,
                tagStatus="tagged",
                tagPrefixList=["v"],
                **archived,
            ),
            since_rule(5, "sinceImagePushed", 400),
        ]
    }
    assert validate_policy(doc) == []
