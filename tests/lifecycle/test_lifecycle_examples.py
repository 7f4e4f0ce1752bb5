"""The worked examples of the ECR user guide, reproduced with synthetic images.

Source: "Examples of lifecycle policies in Amazon ECR",
https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_examples.html
Each test uses the page's repository contents ("Pushed: N days ago") and policy text, and expects
exactly the result the page states. The "multiple rules" and "multiple tags" examples appear on
the page with tagPatternList (current page) and with tagPrefixList (earlier versions of the same
page, awsdocs/amazon-ecr-user-guide doc_source/lifecycle_policy_examples.md); both are tested.
The archive examples on the page give only the policy; the images there are ours, one on each
side of every boundary the policy draws.
"""

from __future__ import annotations

from typing import Any

import pytest
from lifecycle_images import NOW, expired_names, image, transitioned_names

from regform.lifecycle import evaluate, validate_policy


def rule(
    priority: int,
    selection: dict[str, Any],
    action: dict[str, Any] | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {"rulePriority": priority}
    out["description"] = description or f"Rule {priority}"
    out["selection"] = selection
    out["action"] = action or {"type": "expire"}
    return out


def keep(n: int, **tags: Any) -> dict[str, Any]:
    status = tags.pop("status", "tagged")
    return {"tagStatus": status, **tags, "countType": "imageCountMoreThan", "countNumber": n}


def older(days: int, **tags: Any) -> dict[str, Any]:
    status = tags.pop("status", "tagged")
    return {
        "tagStatus": status,
        **tags,
        "countType": "sinceImagePushed",
        "countUnit": "days",
        "countNumber": days,
    }


ARCHIVE = {"type": "transition", "targetStorageClass": "archive"}


def check(policy: dict[str, Any]) -> dict[str, Any]:
    """Every official example is a policy ECR accepts."""
    assert validate_policy(policy) == []
    return policy


# -- Filtering on image age / image count (policy only) ------------------------------------------


def test_filtering_on_image_age_expires_prod_images_older_than_14_days() -> None:
    policy = check({"rules": [rule(1, older(14, tagPatternList=["prod*"]))]})
    images = [
        image("A", ["prod"], 15),
        image("B", ["production-team1"], 30),
        image("C", ["prod1"], 13),
        image("D", ["staging"], 40),
        image("E", [], 40),
    ]
    assert expired_names(evaluate(policy, images, NOW)) == ["A", "B"]


def test_filtering_on_image_count_keeps_one_untagged_image() -> None:
    policy = check({"rules": [rule(1, keep(1, status="untagged"))]})
    images = [image("A", [], 3), image("B", [], 2), image("C", [], 1), image("D", ["v1"], 9)]
    assert expired_names(evaluate(policy, images, NOW)) == ["A", "B"]


# -- Filtering on multiple rules ------------------------------------------------------------------

#: the page's filters, as tag patterns and as tag prefixes
PROD_AND_BETA = pytest.mark.parametrize(
    ("prod", "beta"),
    [
        ({"tagPatternList": ["prod*"]}, {"tagPatternList": ["beta*"]}),
        ({"tagPrefixList": ["prod"]}, {"tagPrefixList": ["beta"]}),
    ],
    ids=["patterns", "prefixes"],
)

MULTIPLE_RULES_IMAGES = [
    image("A", ["beta-1", "prod-1"], 10),
    image("B", ["beta-2", "prod-2"], 9),
    image("C", ["beta-3"], 8),
]


@PROD_AND_BETA
def test_multiple_rules_example_a(prod: dict[str, Any], beta: dict[str, Any]) -> None:
    # Rule 1 marks A. Rule 2 would mark A and B, but both were seen by rule 1: only A expires.
    policy = check({"rules": [rule(1, keep(1, **prod)), rule(2, keep(1, **beta))]})
    result = evaluate(policy, MULTIPLE_RULES_IMAGES, NOW)
    assert expired_names(result) == ["A"]
    assert [v.rule_priority for v in result.selected] == [1]


@PROD_AND_BETA
def test_multiple_rules_example_b(prod: dict[str, Any], beta: dict[str, Any]) -> None:
    # Same images, priorities swapped: rule 1 (beta) sees all three and marks A and B.
    policy = check({"rules": [rule(1, keep(1, **beta)), rule(2, keep(1, **prod))]})
    result = evaluate(policy, MULTIPLE_RULES_IMAGES, NOW)
    assert expired_names(result) == ["A", "B"]
    assert {v.rule_priority for v in result.selected} == {1}


# -- Filtering on multiple tags in a single rule -------------------------------------------------

#: the page's filters, as tag patterns and as tag prefixes
ALPHA_AND_BETA = pytest.mark.parametrize(
    "tags",
    [{"tagPatternList": ["alpha*", "beta*"]}, {"tagPrefixList": ["alpha", "beta"]}],
    ids=["patterns", "prefixes"],
)


@ALPHA_AND_BETA
def test_multiple_tags_example_a(tags: dict[str, Any]) -> None:
    # Only C and F carry both an alpha and a beta tag; only C is older than five days.
    images = [
        image("A", ["alpha-1"], 12),
        image("B", ["beta-1"], 11),
        image("C", ["alpha-2", "beta-2"], 10),
        image("D", ["alpha-3"], 4),
        image("E", ["beta-3"], 3),
        image("F", ["alpha-4", "beta-4"], 2),
    ]
    policy = check({"rules": [rule(1, older(5, **tags))]})
    assert expired_names(evaluate(policy, images, NOW)) == ["C"]


@ALPHA_AND_BETA
def test_multiple_tags_example_b(tags: dict[str, Any]) -> None:
    # Tags are not exclusive: all three images match, the newest (C) is kept.
    images = [
        image("A", ["alpha-1", "beta-1", "gamma-1"], 10),
        image("B", ["alpha-2", "beta-2"], 9),
        image("C", ["alpha-3", "beta-3", "gamma-2"], 8),
    ]
    policy = check({"rules": [rule(1, keep(1, **tags))]})
    result = evaluate(policy, images, NOW)
    assert expired_names(result) == ["A", "B"]
    assert [i.tags for i in result.kept] == [("alpha-3", "beta-3", "gamma-2")]


# -- Filtering on all images ----------------------------------------------------------------------


def test_all_images_example_a() -> None:
    images = [
        image("A", ["alpha-1"], 4),
        image("B", ["beta-1"], 3),
        image("C", [], 2),
        image("D", ["alpha-2"], 1),
    ]
    policy = check({"rules": [rule(1, keep(1, status="any"))]})
    assert expired_names(evaluate(policy, images, NOW)) == ["A", "B", "C"]


ALL_IMAGES_B_POLICY = {
    "rules": [
        rule(1, keep(1, tagPatternList=["alpha*"])),
        rule(2, older(1, status="untagged")),
        rule(3, keep(1, status="any")),
    ]
}


def test_all_images_example_b() -> None:
    # Rule 1 marks A (keeps C); rule 2 marks B (E, pushed one day ago, is not *older* than one
    # day); rule 3 keeps the newest and can only mark D: A, B, C and E were identified earlier.
    # The page lists D and E as both pushed "1 day ago"; at equal push times the digest decides
    # which is newer, and E's digest sorts after D's.
    images = [
        image("A", ["alpha-1", "beta-1"], 4),
        image("B", [], 3),
        image("C", ["alpha-2"], 2),
        image("D", ["git hash"], 1),
        image("E", [], 1),
    ]
    result = evaluate(check(ALL_IMAGES_B_POLICY), images, NOW)
    assert expired_names(result) == ["A", "B", "D"]
    assert {v.image.tags: v.rule_priority for v in result.selected} == {
        ("alpha-1", "beta-1"): 1,
        (): 2,
        ("git hash",): 3,
    }


def test_all_images_example_b_with_e_pushed_a_minute_later() -> None:
    images = [
        image("A", ["alpha-1", "beta-1"], 4),
        image("B", [], 3),
        image("C", ["alpha-2"], 2),
        image("D", ["git hash"], 1),
        image("E", [], 1 - 1 / (24 * 60)),
    ]
    assert expired_names(evaluate(ALL_IMAGES_B_POLICY, images, NOW)) == ["A", "B", "D"]


# -- Archive examples ------------------------------------------------------------------------------


def test_archiving_prod_images_older_than_30_days() -> None:
    policy = check(
        {
            "rules": [
                rule(
                    1,
                    older(30, tagPatternList=["prod*"]),
                    ARCHIVE,
                    "Archive production images older than 30 days",
                )
            ]
        }
    )
    images = [
        image("A", ["prod-1"], 31),
        image("B", ["prod-2"], 29),
        image("C", ["dev-1"], 90),
        image("D", ["prod-0"], 400, archived_days_ago=200),  # already archived: not standard
    ]
    result = evaluate(policy, images, NOW)
    assert transitioned_names(result) == ["A"]
    assert result.expired == ()


def test_archiving_images_not_pulled_in_90_days() -> None:
    policy = check(
        {
            "rules": [
                rule(
                    1,
                    {
                        "tagStatus": "any",
                        "countType": "sinceImagePulled",
                        "countUnit": "days",
                        "countNumber": 90,
                    },
                    ARCHIVE,
                    "Archive images not pulled in 90 days",
                )
            ]
        }
    )
    images = [
        image("A", ["v1"], 300, pulled_days_ago=100),  # last pull too long ago
        image("B", ["v2"], 300, pulled_days_ago=10),  # pulled recently
        image("C", [], 120),  # never pulled: counts from push
        image("D", [], 30),  # never pulled, pushed recently
        # restored from archive 20 days ago and not pulled since: counts from the restore
        image("E", ["v0"], 500, pulled_days_ago=200, restored_days_ago=20),
        image("F", ["old"], 500, archived_days_ago=300),  # archived images are not standard
    ]
    result = evaluate(policy, images, NOW)
    assert transitioned_names(result) == ["A", "C"]
    assert result.expired == ()


def test_expiring_images_archived_for_more_than_365_days() -> None:
    policy = check(
        {
            "rules": [
                rule(
                    1,
                    {
                        "tagStatus": "any",
                        "storageClass": "archive",
                        "countType": "sinceImageTransitioned",
                        "countUnit": "days",
                        "countNumber": 365,
                    },
                    None,
                    "Expire images archived for more than 365 days",
                )
            ]
        }
    )
    images = [
        image("A", ["v1"], 900, archived_days_ago=400),
        image("B", ["v2"], 900, archived_days_ago=100),
        image("C", ["v3"], 1000),  # standard: never selected by an archive rule
    ]
    assert expired_names(evaluate(policy, images, NOW)) == ["A"]


COMBINED_ARCHIVE_POLICY = {
    "rules": [
        rule(1, older(30, status="any"), ARCHIVE, "Archive images older than 30 days"),
        rule(
            2,
            {
                "tagStatus": "any",
                "storageClass": "archive",
                "countType": "sinceImageTransitioned",
                "countUnit": "days",
                "countNumber": 365,
            },
            None,
            "Expire images archived for more than 365 days",
        ),
    ]
}


def test_combining_archive_and_expire_rules() -> None:
    # Two "any" rules, one per storage class: the validator must accept it.
    policy = check(COMBINED_ARCHIVE_POLICY)
    images = [
        image("A", ["v1"], 45),  # standard, older than 30 days: archived
        image("B", [], 31),  # untagged too ("any"): archived
        image("C", ["v3"], 10),  # recent: kept
        image("D", ["v0"], 800, archived_days_ago=400),  # archived > 365 days: expired
        image("E", ["v-1"], 800, archived_days_ago=200),  # archived 200 days: kept
    ]
    result = evaluate(policy, images, NOW)
    assert transitioned_names(result) == ["A", "B"]
    assert expired_names(result) == ["D"]
    assert {v.rule_priority for v in result.transitioned} == {1}
    assert {v.rule_priority for v in result.expired} == {2}
