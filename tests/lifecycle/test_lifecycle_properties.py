"""Properties of the lifecycle engine and compiler over generated rules and images.

The engine is checked against a direct transcription of the documented evaluation rules (ECR
user guide, "Automate the cleanup of images by using lifecycle policies"): one pass per rule in
priority order, images matched by a higher-priority rule are never acted on again but still fill
a later ``imageCountMoreThan`` window.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lifecycle_images import NOW

from regform.lifecycle import compile_rules, decompile, evaluate, validate_policy
from regform.model import Image

settings.register_profile(
    "lifecycle", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=150
)
PROFILE = settings.get_profile("lifecycle")

# -- Strategies -----------------------------------------------------------------------------------

TAG_POOL = [
    "v1.0.0",
    "v1.2.0",
    "v2.0.0-rc1",
    "0.0.0-PR-12",
    "0.0.0-PR-7",
    "sha-abc1",
    "sha-abd2",
    "latest",
    "prod",
    "prod-eu",
    "dev",
    "a?b",
    "x[1]",
]
# Mostly realistic values (so rules select something), some short random ones (for the matcher).
POOL_TAGS = st.sampled_from(TAG_POOL)
tags = st.one_of(POOL_TAGS, POOL_TAGS, POOL_TAGS, st.text(alphabet="ab.-", min_size=1, max_size=4))
POOL_PREFIXES = st.sampled_from(["v", "v1", "0.0.0-PR", "sha-", "prod", "p", "a", "l"])
prefixes = st.one_of(POOL_PREFIXES, POOL_PREFIXES, st.text(alphabet="ab.-", min_size=1, max_size=3))
POOL_PATTERNS = st.sampled_from(
    ["v*", "*-rc*", "0.0.0-PR-*", "sha-*", "prod*", "*prod*", "latest", "a?b", "*.*", "*"]
)
patterns = st.one_of(
    POOL_PATTERNS,
    POOL_PATTERNS,
    st.text(alphabet="ab.-*", min_size=1, max_size=5).filter(lambda p: p.count("*") <= 4),
)


@st.composite
def readable_rules(draw: st.DrawFn) -> dict[str, Any]:
    rule: dict[str, Any] = {}
    if draw(st.booleans()):
        rule["description"] = draw(st.text(max_size=12))
    selector = draw(st.sampled_from(["tag_prefixes", "tag_patterns", "untagged", "any"]))
    if selector == "tag_prefixes":
        rule[selector] = draw(st.lists(prefixes, min_size=1, max_size=2))
    elif selector == "tag_patterns":
        rule[selector] = draw(st.lists(patterns, min_size=1, max_size=2))
    else:
        rule[selector] = True
    when = draw(
        st.sampled_from(
            ["keep_last", "older_than_days", "not_pulled_for_days", "archived_for_days"]
        )
    )
    if when == "archived_for_days":
        rule["storage_class"] = "archive"
        rule[when] = draw(st.integers(90, 400))
        return rule
    if draw(st.booleans()):
        rule["storage_class"] = "standard"
    rule[when] = draw(st.integers(1, 4) if when == "keep_last" else st.integers(1, 90))
    if when == "not_pulled_for_days" or draw(st.booleans()):
        rule["action"] = "archive"
    return rule


def _class_of(rule: Mapping[str, Any]) -> str:
    return "archive" if rule.get("storage_class") == "archive" else "standard"


def _make_valid(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop rules ECR refuses next to the others; move each class's "any" rule last."""
    seen: set[tuple[Any, ...]] = set()
    kept: list[dict[str, Any]] = []
    for rule in rules:
        cls = _class_of(rule)
        if "untagged" in rule or "any" in rule:
            key: tuple[Any, ...] = (cls, "untagged" if "untagged" in rule else "any")
        else:
            kind = "tag_prefixes" if "tag_prefixes" in rule else "tag_patterns"
            key = (cls, kind, tuple(sorted(set(rule[kind]))))
        if key not in seen:
            seen.add(key)
            kept.append(rule)
    return [r for r in kept if "any" not in r] + [r for r in kept if "any" in r]


policies = st.lists(readable_rules(), min_size=1, max_size=6).map(_make_valid)
HOURS = st.integers(0, 24 * 150)


PERCENT = st.integers(0, 100)
#: one image: tags, push age in hours, then optional archive, pull and restore times (as a share
#: of the push age) and references to other images (as positions in the list)
image_specs = st.tuples(
    st.lists(tags, max_size=3, unique=True),
    st.sampled_from([24, 48, 72]) | HOURS,  # repeated values make ties
    st.one_of(st.none(), st.none(), st.none(), PERCENT),  # about one image in four archived
    st.none() | PERCENT,
    st.one_of(st.none(), st.none(), st.none(), PERCENT),
    st.lists(st.integers(0, 40), max_size=2, unique=True),
)


def _build(specs: list[tuple[Any, ...]], numbers: list[int], refs: bool) -> list[Image]:
    digests = [f"sha256:{k:064x}" for k in numbers[: len(specs)]]
    images = []
    for digest, (tag_list, pushed, archived, pulled, restored, targets) in zip(
        digests, specs, strict=False
    ):
        # a position past the end stands for an index that is not in the input
        referenced_by = [digests[t] if t < len(digests) else "sha256:" + "f" * 64 for t in targets]
        images.append(
            Image(
                digest=digest,
                tags=tuple(tag_list),
                pushed_at=_hours_ago(pushed),
                last_pulled_at=_share_of(pushed, pulled),
                storage_class="standard" if archived is None else "archive",
                archived_at=_share_of(pushed, archived),
                last_activated_at=_share_of(pushed, restored),
                referenced_by=tuple(d for d in referenced_by if d != digest) if refs else (),
            )
        )
    return images


def image_lists(with_references: bool = False) -> st.SearchStrategy[list[Image]]:
    specs = st.integers(0, 30).flatmap(lambda n: st.lists(image_specs, min_size=n, max_size=n))
    numbers = st.lists(st.integers(0, 10**6), min_size=30, max_size=30, unique=True)
    return st.builds(_build, specs, numbers, st.just(with_references))


def _hours_ago(hours: int) -> datetime:
    return NOW - timedelta(hours=hours)


def _share_of(hours: int, percent: int | None) -> datetime | None:
    return None if percent is None else _hours_ago(hours * percent // 100)


# -- The documented algorithm, written out plainly ----------------------------------------------


def _glob(pattern: str, tag: str) -> bool:
    if not pattern:
        return not tag
    if pattern[0] == "*":
        return any(_glob(pattern[1:], tag[i:]) for i in range(len(tag) + 1))
    return bool(tag) and tag[0] == pattern[0] and _glob(pattern[1:], tag[1:])


def _selects(sel: Mapping[str, Any], img: Image) -> bool:
    if img.storage_class != sel.get("storageClass", "standard"):
        return False
    if sel["tagStatus"] == "any":
        return True
    if sel["tagStatus"] == "untagged":
        return not img.tags
    if "tagPrefixList" in sel:
        return all(any(t.startswith(p) for t in img.tags) for p in sel["tagPrefixList"])
    return all(any(_glob(p, t) for t in img.tags) for p in sel["tagPatternList"])


def _newest_first(images: Sequence[Image]) -> list[Image]:
    key = lambda i: (i.last_activated_at or i.pushed_at, i.digest)  # noqa: E731
    return sorted(images, key=key, reverse=True)


def _old_enough(sel: Mapping[str, Any], img: Image) -> bool:
    kind, limit = sel["countType"], timedelta(days=sel["countNumber"])
    if kind == "sinceImagePushed":
        since = img.pushed_at
    elif kind == "sinceImagePulled":
        pulls = [t for t in (img.last_pulled_at, img.last_activated_at) if t]
        since = max(pulls) if pulls else img.pushed_at
    elif img.archived_at is None:
        return False
    else:
        since = img.archived_at
    return NOW - since > limit


def reference(policy: Mapping[str, Any], images: Sequence[Image]) -> dict[str, tuple[str, int]]:
    claimed: set[str] = set()
    result: dict[str, tuple[str, int]] = {}
    for rule in sorted(policy["rules"], key=lambda r: r["rulePriority"]):
        sel = rule["selection"]
        matched = [i for i in images if _selects(sel, i)]
        if sel["countType"] == "imageCountMoreThan":
            candidates = _newest_first(matched)[sel["countNumber"] :]
        else:
            candidates = [i for i in matched if _old_enough(sel, i)]
        for img in candidates:
            if img.digest not in claimed:
                result[img.digest] = (rule["action"]["type"], rule["rulePriority"])
        claimed |= {i.digest for i in matched}
    return result


def _verdicts(policy: Mapping[str, Any], images: Sequence[Image]) -> dict[str, tuple[str, int]]:
    return {
        v.image.digest: (v.action, v.rule_priority) for v in evaluate(policy, images, NOW).selected
    }


# -- Properties ---------------------------------------------------------------------------------


@PROFILE
@given(rules=policies)
def test_compiled_rules_are_valid_and_decompile_back(rules: list[dict[str, Any]]) -> None:
    doc = compile_rules(rules)
    assert validate_policy(doc) == []
    assert [r["rulePriority"] for r in doc["rules"]] == list(range(1, len(rules) + 1))
    assert decompile(doc) == rules


@PROFILE
@given(rules=policies, images=image_lists())
def test_evaluation_follows_the_documented_algorithm(
    rules: list[dict[str, Any]], images: list[Image]
) -> None:
    policy = compile_rules(rules)
    assert _verdicts(policy, images) == reference(policy, images)


@PROFILE
@given(rules=policies, images=image_lists(with_references=True))
def test_each_image_is_selected_or_kept_exactly_once(
    rules: list[dict[str, Any]], images: list[Image]
) -> None:
    result = evaluate(compile_rules(rules), images, NOW)
    selected = [v.image.digest for v in result.selected]
    kept = [i.digest for i in result.kept]
    assert len(set(selected)) == len(selected)
    assert sorted(selected + kept) == sorted(i.digest for i in images)


@PROFILE
@given(rules=policies, images=image_lists(with_references=True))
def test_a_policy_acts_only_on_what_its_rules_select(
    rules: list[dict[str, Any]], images: list[Image]
) -> None:
    policy = compile_rules(rules)
    by_priority = {r["rulePriority"]: r for r in policy["rules"]}
    for verdict in evaluate(policy, images, NOW).selected:
        rule = by_priority[verdict.rule_priority]
        sel = rule["selection"]
        assert verdict.action == rule["action"]["type"]
        assert _selects(sel, verdict.image)
        earlier = [r for p, r in by_priority.items() if p < verdict.rule_priority]
        assert not any(_selects(r["selection"], verdict.image) for r in earlier)
        if sel["countType"] == "imageCountMoreThan":
            matched = [i for i in images if _selects(sel, i)]
            newest = _newest_first(matched)[: sel["countNumber"]]
            assert verdict.image not in newest
        else:
            assert _old_enough(sel, verdict.image)


@PROFILE
@given(rules=policies, images=image_lists(with_references=True), order=st.randoms())
def test_evaluation_does_not_depend_on_input_order(
    rules: list[dict[str, Any]], images: list[Image], order: Any
) -> None:
    policy = compile_rules(rules)
    shuffled = list(images)
    order.shuffle(shuffled)
    first, second = evaluate(policy, images, NOW), evaluate(policy, shuffled, NOW)
    assert first == second


@PROFILE
@given(rules=policies, images=image_lists(with_references=True))
def test_images_referenced_by_a_live_index_are_never_expired(
    rules: list[dict[str, Any]], images: list[Image]
) -> None:
    policy = compile_rules(rules)
    result = evaluate(policy, images, NOW)
    expired = {v.image.digest for v in result.expired}
    present = {i.digest for i in images}
    for verdict in result.expired:
        for index in verdict.image.referenced_by:
            assert index not in present or index in expired
    # Protection only ever removes actions the plain algorithm would take.
    plain = [replace(i, referenced_by=()) for i in images]
    assert _verdicts(policy, images).items() <= _verdicts(policy, plain).items()
