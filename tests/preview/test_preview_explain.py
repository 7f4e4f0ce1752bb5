"""``explain``: the same actions as ``evaluate``, and for every image the rule that decided it,
checked against a direct reading of the documented rule: the first rule, in priority order,
whose storage class, tag status and tag lists match the image."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from regform.lifecycle import compile_rules, evaluate, explain, validate_policy
from regform.model import Image

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
TAGS = ["v1", "v2", "pr-1", "pr-2", "pr-10", "latest", "nightly-1", "rc-v1"]


def image(n: int, tags: list[str], days: float, **extra: Any) -> Image:
    return Image(
        digest=f"sha256:{n:064x}", tags=tuple(tags), pushed_at=NOW - timedelta(days=days), **extra
    )


def matches(selection: Mapping[str, Any], img: Image) -> bool:
    """Whether a rule's selection matches an image, read straight from the ECR user guide."""
    if selection.get("storageClass", "standard") != img.storage_class:
        return False
    status = selection["tagStatus"]
    if status == "any":
        return True
    if status == "untagged":
        return not img.tags
    if "tagPrefixList" in selection:
        return all(any(t.startswith(p) for t in img.tags) for p in selection["tagPrefixList"])
    return all(
        any(re.fullmatch(".*".join(map(re.escape, p.split("*"))), t) for t in img.tags)
        for p in selection["tagPatternList"]
    )


selectors = st.one_of(
    st.fixed_dictionaries(
        {
            "tag_prefixes": st.lists(
                st.sampled_from(["v", "pr-", "n", "l"]), min_size=1, max_size=2, unique=True
            )
        }
    ),
    st.fixed_dictionaries(
        {
            "tag_patterns": st.lists(
                st.sampled_from(["v*", "*-1*", "pr-?", "*"]), min_size=1, max_size=2, unique=True
            )
        }
    ),
    st.just({"untagged": True}),
    st.just({"any": True}),
)
whens = st.one_of(
    st.fixed_dictionaries({"keep_last": st.integers(1, 4)}),
    st.fixed_dictionaries({"older_than_days": st.integers(1, 40)}),
)
rules = st.lists(
    st.tuples(selectors, whens).map(lambda p: {**p[0], **p[1]}), min_size=1, max_size=4
)
images = st.lists(
    st.tuples(st.lists(st.sampled_from(TAGS), max_size=2, unique=True), st.integers(0, 60)),
    max_size=12,
).map(lambda specs: [image(n, tags, days) for n, (tags, days) in enumerate(specs)])


@settings(deadline=None, suppress_health_check=[HealthCheck.filter_too_much], max_examples=200)
@given(readable=rules, imgs=images)
def test_explain_agrees_with_evaluate_and_names_the_first_matching_rule(
    readable: list[dict[str, Any]], imgs: list[Image]
) -> None:
    policy = compile_rules(readable)
    assume(not validate_policy(policy))

    decisions = explain(policy, imgs, NOW)
    result = evaluate(policy, imgs, NOW)

    acted = {v.image.digest: (v.action, v.rule_priority) for v in result.selected}
    assert sorted(d.image.digest for d in decisions) == sorted(i.digest for i in imgs)
    ordered = sorted(policy["rules"], key=lambda r: r["rulePriority"])
    for d in decisions:
        first = next((r["rulePriority"] for r in ordered if matches(r["selection"], d.image)), None)
        assert d.rule_priority == first
        if d.image.digest in acted:
            assert (d.action, d.rule_priority) == acted[d.image.digest]
        else:
            assert d.action == "keep"
    pushed = [(d.image.pushed_at, d.image.digest) for d in decisions]
    assert pushed == sorted(pushed, reverse=True)  # newest first


def test_kept_images_name_the_rule_that_kept_them_or_none() -> None:
    policy = compile_rules(
        [
            {"description": "PR builds", "tag_prefixes": ["pr-"], "keep_last": 1},
            {"tag_prefixes": ["v"], "older_than_days": 30},
        ]
    )
    imgs = [
        image(1, ["pr-1"], 5),
        image(2, ["pr-2"], 1),
        image(3, ["v1"], 40),
        image(4, ["v2"], 10),
        image(5, ["latest"], 50),
    ]

    decided = {d.image.tags[0]: (d.action, d.rule_priority) for d in explain(policy, imgs, NOW)}

    assert decided == {
        "pr-1": ("expire", 1),
        "pr-2": ("keep", 1),  # the newest PR build
        "v1": ("expire", 2),
        "v2": ("keep", 2),  # not 30 days old
        "latest": ("keep", None),  # no rule selects it
    }


def test_an_image_a_manifest_list_still_references_is_kept_and_marked_protected() -> None:
    index = "sha256:" + "f" * 64
    policy = compile_rules([{"untagged": True, "older_than_days": 1}])
    child = image(1, [], 10, referenced_by=(index,))
    imgs = [child, Image(digest=index, tags=("multi",), pushed_at=NOW - timedelta(days=10))]

    kept_child, kept_index = sorted(explain(policy, imgs, NOW), key=lambda d: d.image.tags)

    assert (kept_child.action, kept_child.rule_priority, kept_child.protected) == ("keep", 1, True)
    assert (kept_index.action, kept_index.rule_priority, kept_index.protected) == (
        "keep",
        None,
        False,
    )
