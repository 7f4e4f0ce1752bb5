"""The planner compares lifecycle policies with the lifecycle module's own definition: the two
never disagree on whether two documents are the same policy."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from regform import model as m
from regform.documents.normalize import display_form, field_equal, normalize_field
from regform.lifecycle import normalize_policy, same_policy


@st.composite
def rule(draw: st.DrawFn, priority: int) -> dict[str, Any]:
    selection: dict[str, Any] = {
        "tagStatus": "tagged",
        "tagPrefixList": draw(st.lists(st.sampled_from(["a", "b", "pr-", "v"]), min_size=1)),
        "countType": "imageCountMoreThan",
        "countNumber": draw(st.integers(1, 3)),
    }
    if draw(st.booleans()):
        selection["storageClass"] = "standard"
    out: dict[str, Any] = {"rulePriority": priority, "selection": selection}
    out["action"] = {"type": "expire"}
    out["description"] = draw(st.sampled_from([None, "x", "y"]))
    return out


@st.composite
def policy_pairs(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    """A policy and a variant: reordered, re-listed, maybe really different."""
    n = draw(st.integers(1, 4))
    a = {"rules": [draw(rule(p)) for p in range(1, n + 1)]}
    b = copy.deepcopy(a)
    b["rules"] = draw(st.permutations(b["rules"]))
    for r in b["rules"]:
        r["selection"]["tagPrefixList"] = draw(st.permutations(r["selection"]["tagPrefixList"]))
        if draw(st.booleans()):
            r["selection"].pop("storageClass", None)
        if r["description"] is None and draw(st.booleans()):
            del r["description"]
    if draw(st.booleans()):
        b["rules"][0]["selection"]["countNumber"] += draw(st.sampled_from([0, 1]))
    return a, b


@settings(deadline=None, max_examples=200)
@given(pair=policy_pairs())
def test_the_planner_and_the_lifecycle_module_agree(
    pair: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    a, b = pair
    assert field_equal(m.LIFECYCLE_POLICY, a, b) == same_policy(a, b)
    assert normalize_field(m.LIFECYCLE_POLICY, a) == normalize_policy(a)
    assert display_form(m.LIFECYCLE_POLICY, b) == normalize_policy(b)


def test_null_keys_reordered_rules_and_default_storage_class_are_the_same_policy() -> None:
    a = {
        "rules": [
            {
                "rulePriority": 2,
                "description": None,
                "selection": {
                    "tagStatus": "untagged",
                    "countType": "imageCountMoreThan",
                    "countNumber": 1,
                    "storageClass": "standard",
                },
                "action": {"type": "expire"},
            },
            {
                "rulePriority": 1,
                "selection": {
                    "tagStatus": "tagged",
                    "tagPrefixList": ["v", "a"],
                    "countType": "imageCountMoreThan",
                    "countNumber": 5,
                },
                "action": {"type": "expire"},
            },
        ]
    }
    b = copy.deepcopy(a)
    b["rules"].reverse()  # priority 1 first
    del b["rules"][1]["description"]
    del b["rules"][1]["selection"]["storageClass"]
    b["rules"][0]["selection"]["tagPrefixList"] = ["a", "v"]

    assert same_policy(a, b) and field_equal(m.LIFECYCLE_POLICY, a, b)
    b["rules"][0]["selection"]["tagPrefixList"] = ["a"]
    assert not same_policy(a, b) and not field_equal(m.LIFECYCLE_POLICY, a, b)
