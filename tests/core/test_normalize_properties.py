"""Property: rewriting a policy in ways IAM or ECR treat as the same never produces a change."""

from __future__ import annotations

from typing import Any

from core_builders import have, plan_one, registry, want
from hypothesis import given, settings
from hypothesis import strategies as st

from regform import model as m
from regform.documents.normalize import field_equal

ACCOUNTS = ["111111111111", "222222222222", "333333333333"]
ROLES = [f"arn:aws:iam::{a}:role/r{i}" for i, a in enumerate(ACCOUNTS)]
ACTIONS = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:PutImage", "ecr:ListImages"]

principals = st.lists(st.sampled_from(ACCOUNTS + ROLES), min_size=1, max_size=4, unique=True)
statement = st.fixed_dictionaries(
    {
        "Effect": st.sampled_from(["Allow", "Deny"]),
        "Principal": st.fixed_dictionaries({"AWS": principals}),
        "Action": st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=4, unique=True),
    },
    optional={
        "Sid": st.sampled_from(["Pull", "Push", "Ci"]),
        "Condition": st.fixed_dictionaries(
            {
                "StringEquals": st.fixed_dictionaries(
                    {"aws:PrincipalOrgID": st.lists(st.sampled_from(["o-a", "o-b"]), min_size=1)}
                )
            }
        ),
    },
)
policies = st.fixed_dictionaries(
    {"Statement": st.lists(statement, min_size=1, max_size=4)},
    optional={"Version": st.sampled_from(["2012-10-17", "2008-10-17"])},
)


def _swap_account_form(value: str, flip: bool) -> str:
    if not flip:
        return value
    if value.isdigit():
        return f"arn:aws:iam::{value}:root"
    if value.endswith(":root"):
        return value.split("::")[1].split(":")[0]
    return value


@st.composite
def perturbed(draw: st.DrawFn, doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` rewritten without changing its meaning."""

    def shuffle(items: list[Any]) -> list[Any]:
        return list(draw(st.permutations(items)))

    def maybe_unwrap(items: list[Any]) -> Any:
        if len(items) == 1 and draw(st.booleans()):
            return items[0]
        if items and draw(st.booleans()):
            return [*items, items[0]]  # a duplicate means nothing
        return items

    def keys_shuffled(d: dict[str, Any]) -> dict[str, Any]:
        return dict(shuffle(list(d.items())))

    statements = []
    for s in doc["Statement"]:
        out = dict(s)
        if draw(st.booleans()):
            out.pop("Sid", None)  # statement ids take no part in evaluation
        aws = [_swap_account_form(p, draw(st.booleans())) for p in s["Principal"]["AWS"]]
        out["Principal"] = {"AWS": maybe_unwrap(shuffle(aws))}
        actions = [a.lower() if draw(st.booleans()) else a for a in s["Action"]]
        out["Action"] = maybe_unwrap(shuffle(actions))
        if "Condition" in s:
            values = s["Condition"]["StringEquals"]["aws:PrincipalOrgID"]
            out["Condition"] = {
                "StringEquals": {"aws:PrincipalOrgID": maybe_unwrap(shuffle(values))}
            }
        statements.append(keys_shuffled(out))
    result: dict[str, Any] = {"Statement": maybe_unwrap(shuffle(statements))}
    version = draw(st.sampled_from([None, "2012-10-17", "2008-10-17"]))  # no ${} in these
    if version is not None:
        result["Version"] = version
    return keys_shuffled(result)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), doc=policies)
def test_perturbed_policy_is_no_change(data: st.DataObject, doc: dict[str, Any]) -> None:
    other = data.draw(perturbed(doc))
    assert field_equal(m.REPOSITORY_POLICY, doc, other)
    reg = registry("prod", want("app", repository_policy=doc))
    result = plan_one(reg, have("app", repository_policy=other))
    assert result.changes == ()


lifecycle_rule = st.builds(
    lambda prio, prefixes, n, storage: {
        "rulePriority": prio,
        "selection": {
            "tagStatus": "tagged",
            "tagPrefixList": prefixes,
            "countType": "imageCountMoreThan",
            "countNumber": n,
            **({"storageClass": "standard"} if storage else {}),
        },
        "action": {"type": "expire"},
    },
    st.integers(1, 50),
    st.lists(st.sampled_from(["v", "release", "pr-", "main"]), min_size=1, max_size=3, unique=True),
    st.integers(1, 100),
    st.booleans(),
)
lifecycles = st.lists(lifecycle_rule, min_size=1, max_size=5, unique_by=lambda r: r["rulePriority"])


@settings(max_examples=100, deadline=None)
@given(data=st.data(), rules=lifecycles)
def test_perturbed_lifecycle_is_no_change(data: st.DataObject, rules: list[dict[str, Any]]) -> None:
    shuffled = []
    for r in data.draw(st.permutations(rules)):
        sel = dict(r["selection"])
        sel["tagPrefixList"] = list(data.draw(st.permutations(sel["tagPrefixList"])))
        if data.draw(st.booleans()):
            sel.pop("storageClass", None)
        shuffled.append({**r, "selection": sel})
    reg = registry("prod", want("app", lifecycle_policy={"rules": rules}))
    assert plan_one(reg, have("app", lifecycle_policy={"rules": shuffled})).changes == ()
