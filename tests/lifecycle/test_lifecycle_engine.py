"""evaluate(): behaviour beyond the user guide's worked examples."""

from __future__ import annotations

import gc
from dataclasses import replace
from typing import Any

import pytest
from lifecycle_images import NOW, digest_for, expired_names, image, name_of, transitioned_names

from regform.lifecycle import compile_rules, evaluate


def policy(*rules: dict[str, Any]) -> dict[str, Any]:
    return compile_rules(rules)


@pytest.mark.parametrize(
    ("pattern", "matching", "not_matching"),
    [
        ("prod*", ["prod", "prod1", "production-team1"], ["preprod", "Prod1"]),
        ("*prod*", ["repo-production", "prod-team", "prod"], ["pro-d"]),
        ("*-rc*", ["1.0-rc1", "2.0.0-rc.3"], ["1.0rc1"]),
        ("v*.*.*", ["v1.2.3", "v10.0.0-beta"], ["v1.2", "1.2.3"]),
        ("latest", ["latest"], ["latest-1", "not-latest"]),
        ("v?.0", ["v?.0"], ["v1.0"]),  # only * is a wildcard
        ("[ab]*", ["[ab]", "[ab]-x"], ["a", "b-1"]),
        ("*.*", ["a.b", "."], ["ab"]),
        ("1.*-x", ["1.-x", "1.2.3-x"], ["1x2-x", "1.2-xy"]),  # "." is no wildcard either
        ("*", ["a", "latest"], []),
        ("a**b", ["ab", "a-b"], ["ba"]),
    ],
)
def test_tag_patterns_match_whole_tags_with_star_as_the_only_wildcard(
    pattern: str, matching: list[str], not_matching: list[str]
) -> None:
    images = [image(f"m{i}", [t], 10) for i, t in enumerate(matching)]
    images += [image(f"n{i}", [t], 10) for i, t in enumerate(not_matching)]
    result = evaluate(policy({"tag_patterns": [pattern], "older_than_days": 5}), images, NOW)
    assert expired_names(result) == sorted(f"m{i}" for i in range(len(matching)))


def test_tag_prefixes_are_plain_prefixes() -> None:
    images = [
        image("A", ["v*1"], 10),
        image("B", ["v1"], 10),
        image("C", ["build-v1"], 10),
    ]
    result = evaluate(policy({"tag_prefixes": ["v*"], "older_than_days": 5}), images, NOW)
    assert expired_names(result) == ["A"]


def test_a_prefix_selects_exactly_the_tags_that_start_with_it() -> None:
    tags = ["pr", "pr-", "pr-1", "pr-9", "pr.", "pr0", "ps", "p", "PR-1", "pr\U0010ffff"]
    images = [image(f"i{k}", [t], 10) for k, t in enumerate(tags)]
    result = evaluate(policy({"tag_prefixes": ["pr-"], "older_than_days": 5}), images, NOW)
    assert expired_names(result) == ["i1", "i2", "i3"]
    result = evaluate(policy({"tag_prefixes": ["pr"], "older_than_days": 5}), images, NOW)
    assert expired_names(result) == ["i0", "i1", "i2", "i3", "i4", "i5", "i9"]


def test_an_image_pushed_exactly_n_days_ago_is_not_older_than_n_days() -> None:
    images = [image("A", [], 7), image("B", [], 7.001), image("C", [], 6.999)]
    result = evaluate(policy({"untagged": True, "older_than_days": 7}), images, NOW)
    assert expired_names(result) == ["B"]


def test_keep_last_counts_a_restored_image_from_its_restore() -> None:
    images = [
        image("A", ["v1"], 300, restored_days_ago=1),  # oldest push, restored yesterday
        image("B", ["v2"], 20),
        image("C", ["v3"], 10),
    ]
    result = evaluate(policy({"tag_prefixes": ["v"], "keep_last": 2}), images, NOW)
    assert expired_names(result) == ["B"]


def test_equal_push_times_are_ordered_by_digest() -> None:
    images = [image(n, ["v"], 5) for n in ("C", "A", "B")]
    result = evaluate(policy({"tag_prefixes": ["v"], "keep_last": 1}), images, NOW)
    assert expired_names(result) == ["A", "B"]
    assert [name_of(i) for i in result.kept] == ["C"]


def test_results_are_oldest_first_and_kept_images_newest_first() -> None:
    images = [image(n, [], d) for n, d in (("B", 3), ("D", 1), ("A", 4), ("C", 2), ("E", 0.5))]
    result = evaluate(policy({"untagged": True, "keep_last": 2}), images, NOW)
    assert [name_of(v.image) for v in result.selected] == ["A", "B", "C"]
    assert [name_of(i) for i in result.kept] == ["E", "D"]


def test_a_high_priority_rule_that_keeps_images_protects_them_from_later_rules() -> None:
    # "Keep stable images": rule 1 matches every release but acts on none of them.
    images = [image(f"r{i}", [f"release-{i}"], 100 + i) for i in range(3)]
    images += [image(f"d{i}", [f"dev-{i}"], 100 + i) for i in range(3)]
    result = evaluate(
        policy(
            {"tag_prefixes": ["release-"], "keep_last": 9999},
            {"any": True, "older_than_days": 30},
        ),
        images,
        NOW,
    )
    assert expired_names(result) == ["d0", "d1", "d2"]


def test_a_rule_for_standard_images_never_touches_archived_ones() -> None:
    images = [
        image("A", ["v1"], 400, archived_days_ago=300),
        image("B", ["v2"], 400),
    ]
    result = evaluate(policy({"any": True, "older_than_days": 30}), images, NOW)
    assert expired_names(result) == ["B"]


def test_an_archived_image_without_an_archive_time_is_kept() -> None:
    archived = image("A", ["v1"], 900, archived_days_ago=400)
    unknown = replace(image("B", ["v2"], 900, archived_days_ago=400), archived_at=None)
    result = evaluate(
        policy({"any": True, "storage_class": "archive", "archived_for_days": 90}),
        [archived, unknown],
        NOW,
    )
    assert expired_names(result) == ["A"]


# -- Manifest lists ---------------------------------------------------------------------------

UNTAGGED_AFTER_A_DAY = {"untagged": True, "older_than_days": 1}


def test_an_image_referenced_by_a_live_index_is_never_expired() -> None:
    images = [
        image("idx", ["v1"], 10),  # the index is tagged: the untagged rule keeps it
        image("amd64", [], 10, referenced_by=["idx"]),
        image("arm64", [], 10, referenced_by=["idx"]),
        image("loose", [], 10),
    ]
    assert expired_names(evaluate(policy(UNTAGGED_AFTER_A_DAY), images, NOW)) == ["loose"]


def test_a_reference_known_only_from_the_index_side_protects_too() -> None:
    images = [image("idx", ["v1"], 10, references=["amd64"]), image("amd64", [], 10)]
    assert expired_names(evaluate(policy(UNTAGGED_AFTER_A_DAY), images, NOW)) == []


def test_children_of_an_index_expired_in_the_same_evaluation_expire_with_it() -> None:
    images = [
        image("idx", [], 10),
        image("amd64", [], 10, referenced_by=["idx"]),
    ]
    assert expired_names(evaluate(policy(UNTAGGED_AFTER_A_DAY), images, NOW)) == ["amd64", "idx"]


def test_a_reference_to_an_index_that_no_longer_exists_protects_nothing() -> None:
    images = [image("amd64", [], 10, referenced_by=["gone"])]
    assert expired_names(evaluate(policy(UNTAGGED_AFTER_A_DAY), images, NOW)) == ["amd64"]


def test_protection_passes_down_nested_indexes() -> None:
    images = [
        image("top", ["v1"], 10),  # kept
        image("mid", [], 10, referenced_by=["top"]),  # protected by top
        image("leaf", [], 10, referenced_by=["mid"]),  # protected by mid, which stays
    ]
    assert expired_names(evaluate(policy(UNTAGGED_AFTER_A_DAY), images, NOW)) == []


def test_a_child_is_kept_while_any_of_its_indexes_stays() -> None:
    images = [
        image("old-idx", [], 10),  # expires
        image("new-idx", ["v2"], 10),  # stays
        image("layer", [], 10, referenced_by=["old-idx", "new-idx"]),
    ]
    assert expired_names(evaluate(policy(UNTAGGED_AFTER_A_DAY), images, NOW)) == ["old-idx"]


def test_a_child_may_be_archived_with_or_after_its_index() -> None:
    archive_old = {"any": True, "older_than_days": 30, "action": "archive"}
    images = [
        image("idx", ["v1"], 40),
        image("amd64", [], 40, referenced_by=["idx"]),
        image("idx2", ["v2"], 400, archived_days_ago=100),
        image("arm64", [], 40, referenced_by=["idx2"]),
        image("idx3", ["v3"], 5),  # recent: stays in standard storage
        image("ppc64", [], 40, referenced_by=["idx3"]),
    ]
    result = evaluate(policy(archive_old), images, NOW)
    assert transitioned_names(result) == ["amd64", "arm64", "idx"]


def test_digests_in_verdicts_are_the_images_given() -> None:
    images = [image("A", [], 10)]
    (verdict,) = evaluate(policy(UNTAGGED_AFTER_A_DAY), images, NOW).selected
    assert verdict.image is images[0]
    assert verdict.image.digest == digest_for("A")
    assert (verdict.action, verdict.rule_priority) == ("expire", 1)


def test_an_invalid_policy_is_refused() -> None:
    bad = {"rules": [{"rulePriority": 1, "selection": {"tagStatus": "any"}, "action": {}}]}
    with pytest.raises(ValueError, match="invalid lifecycle policy: rules\\[0\\].selection"):
        evaluate(bad, [image("A", [], 1)], NOW)


@pytest.mark.parametrize("enabled", [True, False])
def test_evaluation_leaves_the_garbage_collector_as_it_was(enabled: bool) -> None:
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        evaluate(policy(UNTAGGED_AFTER_A_DAY), [image("A", [], 10)], NOW)
        with pytest.raises(ValueError):
            evaluate({"rules": []}, [], NOW)
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
